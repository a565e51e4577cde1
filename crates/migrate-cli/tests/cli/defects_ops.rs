//! Portable operations that used to give wrong results silently: derived downgrades that
//! lost a dropped default or a generated foreign key, identifiers over a database's limit,
//! and what can be known before running found only halfway through a run.

use crate::support::{Backend, TestDb};

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

/// The database's version for `repo`.
fn version(db: &TestDb) -> String {
    db.run(&["db_version", &db.url, "repo"])
        .success()
        .stdout
        .trim()
        .to_string()
}

// Item 14: a non-finite float default rendered as bare `NaN`; it is refused when the script
// is read, naming file and line, before version 1 runs.
matrix!(non_finite_float_default_is_refused_at_load, |db| {
    repo_with(
        &db,
        &[
            ("001_t.toml", TABLE_T),
            (
                "002_nan.toml",
                "# a float\n[[upgrade]]\nadd_column = { table = \"t\", column = { name = \"f\", type = \"Float\", default = nan } }\n",
            ),
        ],
    );
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.failure(1, "002_nan.toml:2");
    assert!(out.stderr.contains("nan"), "{}", out.stderr);
    assert_eq!(
        db.tables(),
        vec!["migrate_version"],
        "version 1 did not run"
    );
    assert_eq!(version(&db), "0");
});

// Item 14: a `sql` step with no SQL for this database failed only when its version came,
// after the earlier versions of the run had committed.
matrix!(
    sql_step_without_sql_for_this_database_is_refused_before_the_run,
    |db| {
        let other = match db.backend {
            Backend::Sqlite => "postgresql",
            Backend::Postgres => "mysql",
            Backend::Mysql => "sqlite",
        };
        let step = format!(
            "[[upgrade]]\nsql.{other} = \"UPDATE t SET c = 1\"\n\n[[downgrade]]\nsql.{other} = \"UPDATE t SET c = 0\"\n"
        );
        repo_with(
            &db,
            &[("001_t.toml", TABLE_T), ("002_only_other.toml", &step)],
        );
        let out = db.run(&["upgrade", &db.url, "repo"]);
        out.failure(1, "002_only_other.toml:1: step 1");
        assert_eq!(
            db.tables(),
            vec!["migrate_version"],
            "version 1 did not run"
        );
        assert_eq!(version(&db), "0");
    }
);

// Item 14: an operation whose inverse is impossible (an unnamed foreign key) was found at
// 1 -> 0 after 3 -> 1 had run.
matrix!(
    impossible_inverse_is_refused_before_a_multi_version_downgrade,
    |db| {
        let parent_child = "[[upgrade]]\ncreate_table = { name = \"p\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }] }\n\n[[upgrade]]\ncreate_table = { name = \"c\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }, { name = \"p_id\", type = \"Integer\" }] }\n\n[[upgrade]]\nadd_foreign_key = { table = \"c\", columns = [\"p_id\"], references = { table = \"p\", columns = [\"id\"] } }\n";
        let table = |n: &str| {
            format!(
                "[[upgrade]]\ncreate_table = {{ name = \"{n}\", columns = [{{ name = \"id\", type = \"Integer\", primary_key = true }}] }}\n"
            )
        };
        repo_with(
            &db,
            &[
                ("001_fk.toml", parent_child),
                ("002_x.toml", &table("x")),
                ("003_y.toml", &table("y")),
            ],
        );
        db.run(&["upgrade", &db.url, "repo"]).success();
        let out = db.run(&["downgrade", &db.url, "repo", "0"]);
        out.failure(1, "001_fk.toml:7");
        assert!(out.stderr.contains("foreign key"), "{}", out.stderr);
        assert_eq!(out.stdout, "", "no version ran");
        assert_eq!(version(&db), "3");
        assert_eq!(db.tables(), vec!["c", "migrate_version", "p", "x", "y"]);
    }
);

// Item 14: a derived downgrade that cannot be derived (no journal record, and an earlier
// version is SQL that cannot be replayed) was found at 2 -> 1 after 3 -> 2 had run.
matrix!(underivable_downgrade_is_refused_before_the_walk, |db| {
    let sql = "CREATE TABLE old (id INTEGER PRIMARY KEY);\n";
    let table = "[[upgrade]]\ncreate_table = { name = \"y\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }] }\n";
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_old_default_upgrade.sql", sql);
    db.write(
        "repo/versions/001_old_default_downgrade.sql",
        "DROP TABLE old;\n",
    );
    db.write(
        "repo/versions/002_drop.toml",
        "[[upgrade]]\ndrop_table = { name = \"old\" }\n",
    );
    db.write("repo/versions/003_y.toml", table);
    // Adopted at version 2 (the journal knows nothing of how it got there).
    db.run(&["version_control", &db.url, "repo", "2"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    let out = db.run(&["downgrade", &db.url, "repo", "1"]);
    out.failure(1, "002_drop.toml");
    assert_eq!(out.stdout, "", "no version ran");
    assert_eq!(version(&db), "3");
    assert_eq!(db.tables(), vec!["migrate_version", "y"]);
});

// Item 16: `add_column` with `references = "t.c"` could not be downgraded ("name the foreign
// key"): migrate made that key, so it names it and drops it.
matrix!(add_column_references_downgrades, |db| {
    let tables = "[[upgrade]]\ncreate_table = { name = \"p\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }] }\n\n[[upgrade]]\ncreate_table = { name = \"c\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }] }\n";
    repo_with(
        &db,
        &[
            ("001_tables.toml", tables),
            (
                "002_ref.toml",
                "[[upgrade]]\nadd_column = { table = \"c\", column = { name = \"p_id\", type = \"Integer\", references = \"p.id\" } }\n",
            ),
        ],
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    let fks = &db.schema().table("c").expect("c").foreign_keys.clone();
    assert_eq!(fks.len(), 1, "{fks:?}");
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    let schema = db.schema();
    let c = schema.table("c").expect("c");
    assert!(
        c.column("p_id").is_none() && c.foreign_keys.is_empty(),
        "{c:?}"
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.run(&["drift", &db.url, "repo"]).success();
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

/// `(unit, max)` of the backend's identifier limit, if it has one.
fn limit(db: &TestDb) -> Option<(&'static str, usize, &'static str)> {
    match db.backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(("bytes", 63, "postgresql")),
        Backend::Mysql => Some(("characters", 64, "mysql")),
    }
}

// Item 12: PostgreSQL truncated a long name silently (and the next step, the downgrade and
// `drift` could not find the table); MySQL refused it after version 1 had committed.
matrix!(
    names_over_the_database_limit_are_refused_before_anything_runs,
    |db| {
        let long = format!("t{}", "x".repeat(64)); // 65 bytes and characters
        let script = format!(
            "[[upgrade]]\ncreate_table = {{ name = \"{long}\", columns = [{{ name = \"id\", type = \"Integer\", primary_key = true }}] }}\n"
        );
        repo_with(&db, &[("001_t.toml", TABLE_T), ("002_long.toml", &script)]);
        let out = db.run(&["upgrade", &db.url, "repo"]);
        match limit(&db) {
            None => {
                out.success();
                assert_eq!(
                    db.tables(),
                    vec!["migrate_version".into(), "t".into(), long.clone()]
                );
                db.run(&["drift", &db.url, "repo"]).success();
            }
            Some((unit, max, database)) => {
                out.failure(
                1,
                &format!("002_long.toml:1: step 1: the table '{long}' is 65 {unit}; {database} allows at most {max}"),
            );
                assert_eq!(
                    db.tables(),
                    vec!["migrate_version"],
                    "version 1 did not run"
                );
                assert_eq!(version(&db), "0");
            }
        }
    }
);

// Item 12: names migrate makes up (`ix_<table>_<column>`, `uq_…`, `fk_…`) overflowed on both
// servers; now they are shortened with a hash of the full name, the same everywhere.
matrix!(generated_names_are_shortened_to_fit_every_database, |db| {
    let table = format!("books_{}", "l".repeat(54)); // 60 bytes: fits everywhere
    let create = format!(
        "[[upgrade]]\ncreate_table = {{ name = \"{table}\", columns = [\n    {{ name = \"id\", type = \"Integer\", primary_key = true }},\n    {{ name = \"author\", type = \"String(40)\", index = true }},\n] }}\n"
    );
    let add = format!(
        "[[upgrade]]\nadd_column = {{ table = \"{table}\", column = {{ name = \"parent\", type = \"Integer\", unique = true, index = true, references = \"{table}.id\" }} }}\n"
    );
    repo_with(&db, &[("001_books.toml", &create), ("002_isbn.toml", &add)]);
    db.run(&["upgrade", &db.url, "repo"]).success();
    let schema = db.schema();
    let t = schema.table(&table).expect("the table, under its own name");
    let names: Vec<String> = t
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .chain(t.uniques.iter().filter_map(|u| u.name.clone()))
        .chain(t.foreign_keys.iter().filter_map(|f| f.name.clone()))
        .collect();
    for prefix in ["ix", "uq", "fk"] {
        let start = format!("{prefix}_{table}");
        assert!(
            names
                .iter()
                .any(|n| n.len() == 63 && start.starts_with(&n[..54])),
            "a shortened {prefix} name in {names:?}"
        );
    }
    db.run(&["drift", &db.url, "repo"]).success();
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    db.run(&["drift", &db.url, "repo"]).success();
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

// Item 12: the journal's name derives from the version table's; a version table name that
// fits but whose journal's does not is refused before either is created.
matrix!(
    version_table_name_over_the_limit_is_refused_before_anything_is_created,
    |db| {
        let name = format!("v{}", "n".repeat(57)); // 58: its journal's name is 66
        db.run(&["create", "repo", "r", "--version_table", &name])
            .success();
        let out = db.run(&["version_control", &db.url, "repo"]);
        match limit(&db) {
            None => {
                out.success();
                db.run(&["upgrade", &db.url, "repo"]).success();
            }
            Some((unit, max, database)) => {
                out.failure(
                1,
                &format!("the journal table '{name}_journal' is 66 {unit}; {database} allows at most {max}"),
            );
                assert_eq!(db.all_tables(), Vec::<String>::new(), "nothing created");
                db.run(&["upgrade", &db.url, "repo"])
                    .failure(1, "journal table");
                assert_eq!(db.all_tables(), Vec::<String>::new(), "nothing created");
            }
        }
    }
);

// Item 12: MySQL names an unnamed foreign key `<table>_ibfk_<n>` and refused that name for a
// table name of 58 characters or more; migrate names such a key itself.
matrix!(unnamed_foreign_key_of_a_long_table_is_named_to_fit, |db| {
    let table = format!("child_{}", "c".repeat(54)); // 60 characters
    let parent = "[[upgrade]]\ncreate_table = { name = \"p\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }] }\n";
    let child = format!(
        "[[upgrade]]\ncreate_table = {{ name = \"{table}\", columns = [\n    {{ name = \"id\", type = \"Integer\", primary_key = true }},\n    {{ name = \"p_id\", type = \"Integer\", references = \"p.id\" }},\n] }}\n"
    );
    repo_with(&db, &[("001_p.toml", parent), ("002_child.toml", &child)]);
    db.run(&["upgrade", &db.url, "repo"]).success();
    let fks = db
        .schema()
        .table(&table)
        .expect("child")
        .foreign_keys
        .clone();
    assert_eq!(fks.len(), 1, "{fks:?}");
    db.run(&["drift", &db.url, "repo"]).success();
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

// Item 12: Rust migrations and the model commands run operations through a `Session`; a long
// name there was truncated by PostgreSQL too.
matrix!(session_refuses_names_over_the_limit, |db| {
    use migrate_core::schema::{Column, ColumnType, Table};
    let long = format!("s{}", "x".repeat(64));
    let mut conn = db.conn();
    let mut session = migrate_core::session::Session::new(conn.as_mut()).expect("session");
    let table =
        Table::new(&long).with_column(Column::new("id", ColumnType::Integer { unsigned: false }));
    let result = session.create_table(table);
    drop(session);
    match limit(&db) {
        None => {
            result.expect("SQLite has no limit");
            assert_eq!(db.tables(), vec![long]);
        }
        Some((unit, max, database)) => {
            let e = result.expect_err("refused");
            assert_eq!(
                e.to_string(),
                format!("the table '{long}' is 65 {unit}; {database} allows at most {max}")
            );
            assert_eq!(db.tables(), Vec::<String>::new(), "nothing created");
        }
    }
});
