//! Portable operations that used to give wrong results silently: derived downgrades that
//! lost a dropped default or a generated foreign key, identifiers over a database's limit,
//! and what can be known before running found only halfway through a run.

use crate::support::TestDb;

/// A repository `repo` holding `scripts` (file name under `versions/`, text).
fn repo_with(db: &TestDb, scripts: &[(&str, &str)]) {
    db.run(&["create", "repo", "r"]).success();
    for (name, text) in scripts {
        db.write(&format!("repo/versions/{name}"), text);
    }
    db.run(&["version_control", &db.url, "repo"]).success();
}

const TABLE_T: &str = "[[upgrade]]\ncreate_table = { name = \"t\", columns = [\n    { name = \"id\", type = \"Integer\", primary_key = true },\n    { name = \"c\", type = \"Integer\" },\n] }\n";

fn default_of(
    db: &TestDb,
    table: &str,
    column: &str,
) -> Option<migrate_core::schema::DefaultValue> {
    let schema = db.schema();
    let t = schema.table(table).expect("table exists");
    t.column(column).expect("column exists").default.clone()
}

// Item 5: the journal's JSON turned `Some(None)` ("drop the default") into `None` ("leave
// it"), so the derived downgrade of `default = 7` kept `DEFAULT 7`.
matrix!(derived_downgrade_of_a_new_default_drops_it, |db| {
    repo_with(
        &db,
        &[
            ("001_t.toml", TABLE_T),
            (
                "002_default.toml",
                "[[upgrade]]\nalter_column = { table = \"t\", column = \"c\", default = 7 }\n",
            ),
        ],
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert!(default_of(&db, "t", "c").is_some(), "the upgrade set it");
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    assert_eq!(
        default_of(&db, "t", "c"),
        None,
        "the downgrade drops it again"
    );
    db.execute("INSERT INTO t (id) VALUES (1)");
    assert_eq!(db.query("SELECT c FROM t")[0][0].as_int(), None);
});
