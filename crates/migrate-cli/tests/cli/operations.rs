//! Portable operations end to end: one script, three databases; derived downgrades; the
//! SQLite rebuild.

use crate::support::TestDb;

matrix!(the_tutorial_with_portable_scripts, |db| {
    db.example("books-portable/migrate_repo", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n"
    );
    match db.backend {
        Backend::Mysql => {
            let row = |f: &str, t: &str, n: &str, k: &str, e: &str| {
                vec![
                    f.to_string(),
                    t.to_string(),
                    n.to_string(),
                    k.to_string(),
                    "NULL".to_string(),
                    e.to_string(),
                ]
            };
            assert_eq!(
                db.describe("books"),
                vec![
                    row("id", "bigint(20) unsigned", "NO", "PRI", "auto_increment"),
                    row("title", "text", "NO", "", ""),
                    row("author", "varchar(64)", "NO", "", ""),
                    row("created_at", "datetime", "YES", "", ""),
                    row("updated_at", "datetime", "YES", "", ""),
                    row("isbn", "bigint(13)", "NO", "", ""),
                ]
            );
        }
        _ => {
            let names: Vec<(String, bool)> = db
                .columns("books")
                .into_iter()
                .map(|(n, _, null)| (n, null))
                .collect();
            let expected = [
                ("id", false),
                ("title", false),
                ("author", false),
                ("created_at", true),
                ("updated_at", true),
                ("isbn", false),
            ];
            assert_eq!(
                names,
                expected
                    .iter()
                    .map(|(n, b)| (n.to_string(), *b))
                    .collect::<Vec<_>>()
            );
        }
    }
    db.execute("INSERT INTO books (title, author, isbn) VALUES ('t', 'a', 1)");
    // No [[downgrade]] anywhere: each is derived from its upgrade.
    let out = db.run(&["downgrade", &db.url, "repo", "1"]);
    assert_eq!(out.success().stdout, "2 -> 1... \ndone\n");
    assert!(!db.columns("books").iter().any(|(n, _, _)| n == "isbn"));
    assert_eq!(
        db.query("SELECT COUNT(*) FROM books")[0][0].as_int(),
        Some(1),
        "rows survive"
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

const EVERY_OPERATION: &str = r#"
[[upgrade]]
create_table = { name = "parent", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "code", type = "String(20)", nullable = false, unique = true },
    { name = "note", type = "Text" },
], options = { mysql_engine = "InnoDB", mysql_charset = "utf8" } }

[[upgrade]]
create_table = { name = "Child Table", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "parent_id", type = "Integer", references = { name = "fk_child_parent", table = "parent", column = "id", on_delete = "CASCADE" } },
    { name = "qty", type = "Numeric(10, 2)", default = 0 },
    { name = "flag", type = "Boolean", default = false },
    { name = "order", type = "String(30)", index = true },
] }

[[upgrade]]
add_column = { table = "parent", column = { name = "size", type = "SmallInteger", default = 1 } }

[[upgrade]]
alter_column = { table = "parent", column = "note", name = "remark" }

[[upgrade]]
alter_column = { table = "parent", column = "size", type = "BigInteger", nullable = false }

[[upgrade]]
create_index = { table = "parent", name = "ix_parent_size", columns = ["size", "code"] }

[[upgrade]]
rename_index = { table = "parent", from = "ix_parent_size", to = "ix_parent_size_code" }

[[upgrade]]
add_unique = { table = "Child Table", name = "uq_child_order", columns = ["order", "parent_id"] }

[[upgrade]]
add_check = { table = "parent", name = "ck_parent_size", expression = "size > 0" }

[[upgrade]]
rename_table = { from = "parent", to = "mother" }

[[upgrade]]
drop_column = { table = "Child Table", column = "flag" }

[[upgrade]]
drop_foreign_key = { table = "Child Table", name = "fk_child_parent" }
"#;

matrix!(every_operation_and_its_derived_inverse, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_everything.toml", EVERY_OPERATION);
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(out.success().stdout, "0 -> 1... \ndone\n", "{}", out.stderr);
    assert_eq!(
        db.tables(),
        vec!["Child Table", "migrate_version", "mother"]
    );
    db.execute("INSERT INTO mother (id, code, size) VALUES (1, 'a', 5)");
    let bad = db
        .conn()
        .execute("INSERT INTO mother (id, code, size) VALUES (2, 'b', 0)");
    assert!(bad.is_err(), "the check constraint holds");
    db.execute("DELETE FROM mother");
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
    // Up again: the derived downgrade left nothing behind that would collide.
    db.run(&["upgrade", &db.url, "repo"]).success();
});

const REBUILD_SETUP: &str = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, score INTEGER);
CREATE INDEX ix_parent_name ON parent (name);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE, v TEXT);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER parent_ins AFTER INSERT ON parent BEGIN
    INSERT INTO log VALUES ('ins ' || NEW.name);
END;
CREATE VIEW parent_names AS SELECT name FROM parent;
INSERT INTO parent VALUES (1, 'a', 10), (2, 'b', 20);
INSERT INTO child VALUES (1, 1, 'x'), (2, 2, 'y');
";

#[test]
fn sqlite_rebuild_loses_no_row_index_trigger_view_or_child() {
    let db = TestDb::new(crate::support::Backend::Sqlite, "operations::rebuild");
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_setup_sqlite_upgrade.sql", REBUILD_SETUP);
    db.write(
        "repo/versions/001_setup_sqlite_downgrade.sql",
        "DROP VIEW parent_names;\nDROP TABLE child;\nDROP TABLE log;\nDROP TABLE parent;\n",
    );
    // Changing a type and adding a check are beyond SQLite's ALTER TABLE: both rebuild.
    db.write(
        "repo/versions/002_score_text.toml",
        "[[upgrade]]\nalter_column = { table = \"parent\", column = \"score\", type = \"String(10)\", nullable = false }\n",
    );
    db.write(
        "repo/versions/003_check.toml",
        "[[upgrade]]\nadd_check = { table = \"parent\", name = \"ck_score\", expression = \"length(score) > 0\" }\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    let blind = db.run(&["upgrade", &db.url, "repo", "--preview-sql"]);
    blind.failure(1, "table 'parent' does not exist");
    assert!(
        blind
            .stderr
            .contains("cannot see what version 1's SQL script would change"),
        "{}",
        blind.stderr
    );
    db.run(&["upgrade", &db.url, "repo", "1"]).success();
    let preview = db
        .run(&["upgrade", &db.url, "repo", "--preview-sql"])
        .success()
        .stdout
        .clone();
    assert!(
        preview.contains("CREATE TABLE \"_migrate_rebuild_parent\""),
        "{preview}"
    );
    assert!(
        preview.contains("PRAGMA foreign_key_check(\"parent\");"),
        "{preview}"
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    let check = |stage: &str| {
        let count = |sql: &str| db.query(sql)[0][0].as_int();
        assert_eq!(
            count("SELECT COUNT(*) FROM parent"),
            Some(2),
            "{stage}: parent rows"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM child"),
            Some(2),
            "{stage}: child rows survive (no cascade)"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM pragma_index_list('parent') WHERE name = 'ix_parent_name'"),
            Some(1),
            "{stage}: index"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM parent_names"),
            Some(2),
            "{stage}: view"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
            Some(0),
            "{stage}: foreign keys"
        );
        let types: Vec<String> = db
            .columns("parent")
            .into_iter()
            .map(|(_, t, _)| t)
            .collect();
        types
    };
    assert_eq!(
        check("after upgrade"),
        vec!["INTEGER", "TEXT", "VARCHAR(10)"]
    );
    db.execute("INSERT INTO parent VALUES (3, 'c', '30')");
    assert_eq!(
        db.query("SELECT COUNT(*) FROM log")[0][0].as_int(),
        Some(3),
        "the trigger fires (twice in the setup, once now)"
    );
    assert!(
        db.conn()
            .execute("INSERT INTO parent VALUES (4, 'd', '')")
            .is_err(),
        "the check holds"
    );
    db.execute("DELETE FROM parent WHERE id = 3");
    // Derived downgrades rebuild back.
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    assert_eq!(check("after downgrade"), vec!["INTEGER", "TEXT", "INTEGER"]);
    assert!(
        db.conn()
            .execute("INSERT INTO parent VALUES (4, 'd', '')")
            .is_ok(),
        "the check is gone"
    );
}

/// Renders `ops` one after another against `schema` (folding it forward) and runs them.
fn run_operations(
    db: &TestDb,
    conn: &mut dyn migrate_core::Connection,
    schema: &mut migrate_core::schema::Schema,
    ops: &[migrate_core::change::Operation],
    context: &str,
) {
    let dialect = conn.dialect();
    for op in ops {
        for statement in dialect
            .render(op, schema)
            .unwrap_or_else(|e| panic!("{context}: render {op:?}: {e}"))
        {
            if statement.must_return_nothing {
                let rows = conn.query(&statement.sql, &[]).expect("check");
                assert!(
                    rows.is_empty(),
                    "{context}: {} returned {rows:?}",
                    statement.sql
                );
            } else {
                conn.execute(&statement.sql)
                    .unwrap_or_else(|e| panic!("{context}: {op:?}\n{}\n{e}", statement.sql));
            }
        }
        schema
            .apply(op)
            .unwrap_or_else(|e| panic!("{context}: apply {op:?}: {e}"));
    }
    let _ = db;
}

matrix!(
    random_operations_and_their_inverses_restore_the_schema,
    |db| {
        use migrate_core::change::random::{Rng, base_table, normalized, operations};
        use migrate_core::change::{Operation, invert_all};
        let cases: u64 = std::env::var("MIGRATE_TEST_PROPERTY_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(12);
        let mut conn = db.conn();
        for case in 0..cases {
            let context = format!("case {case}");
            let mut schema = db.schema();
            for table in schema.tables.clone() {
                run_operations(
                    &db,
                    conn.as_mut(),
                    &mut schema,
                    &[Operation::DropTable { name: table.name }],
                    &context,
                );
            }
            let base = [
                Operation::CreateTable(base_table("p")),
                Operation::CreateTable(base_table("q")),
            ];
            run_operations(&db, conn.as_mut(), &mut schema, &base, &context);
            let start = db.schema();
            let mut rng = Rng::new(0x5EED ^ (case * 7919) ^ db.backend as u64);
            let count = 1 + rng.below(8);
            let ops = operations(&mut rng, &start, count);
            let inverse = invert_all(&ops, &start).expect("inverts");
            let mut current = start.clone();
            run_operations(
                &db,
                conn.as_mut(),
                &mut current,
                &ops,
                &format!("{context} up {ops:?}"),
            );
            let mut reflected = db.schema();
            run_operations(
                &db,
                conn.as_mut(),
                &mut reflected,
                &inverse,
                &format!("{context} down {inverse:?}"),
            );
            assert_eq!(
                normalized(&db.schema()),
                normalized(&start),
                "{context}: {ops:?}"
            );
        }
    }
);

matrix!(code_migrations_read_like_the_seeds, |db| {
    use migrate_core::change::ColumnChange;
    use migrate_core::schema::{Column, ColumnType, DefaultValue, FkAction, Table};
    use migrate_core::session::Session;
    let mut conn = db.conn();
    let mut session = Session::new(conn.as_mut()).expect("session");
    // Seed 002's shape: a table with a named foreign key and index, then drop it and move its
    // data into a column found by autoload.
    session
        .create_table(
            Table::new("compute_nodes")
                .with_column(
                    Column::new("id", ColumnType::Integer { unsigned: false }).autoincrement(),
                )
                .with_column(Column::new("host", ColumnType::String(Some(255))))
                .with_primary_key(&["id"])
                .with_option("mysql_engine", "InnoDB"),
        )
        .expect("create compute_nodes");
    session
        .create_table(
            Table::new("compute_node_stats")
                .with_column(
                    Column::new("id", ColumnType::Integer { unsigned: false }).autoincrement(),
                )
                .with_column(Column::new(
                    "compute_node_id",
                    ColumnType::Integer { unsigned: false },
                ))
                .with_primary_key(&["id"])
                .with_foreign_key(
                    "fk_stats_node",
                    &["compute_node_id"],
                    "compute_nodes",
                    &["id"],
                    Some(FkAction::Cascade),
                )
                .with_index("ix_stats_node", &["compute_node_id"], false),
        )
        .expect("create compute_node_stats");
    let nodes = session.autoload("compute_nodes").expect("autoload").clone();
    assert_eq!(nodes.columns.len(), 2);
    assert!(nodes.column("id").expect("id").autoincrement);
    session.drop_table("compute_node_stats").expect("drop");
    let stats =
        Column::new("stats", ColumnType::Text).default_value(DefaultValue::Text("{}".into()));
    session
        .add_column("compute_nodes", stats)
        .expect("add stats");
    session
        .alter_column(
            "compute_nodes",
            "host",
            ColumnChange {
                name: Some("hostname".into()),
                nullable: Some(false),
                ..ColumnChange::default()
            },
        )
        .expect("alter host");
    session
        .drop_column("compute_nodes", "stats")
        .expect("drop stats");
    let err = session
        .drop_column("compute_nodes", "nope")
        .expect_err("no such column");
    assert_eq!(
        err.to_string(),
        "drop_column on 'compute_nodes': column 'nope' does not exist in table 'compute_nodes'"
    );
    drop(session);
    let reflected = db.schema();
    let t = reflected.table("compute_nodes").expect("table");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["id", "hostname"]);
    assert!(!t.column("hostname").expect("hostname").nullable);
    assert!(reflected.table("compute_node_stats").is_none());
});

#[test]
fn operation_errors_name_script_step_and_fault() {
    let db = TestDb::new(crate::support::Backend::Mysql, "operations::errors");
    db.run(&["create", "repo", "r"]).success();
    db.run(&["version_control", &db.url, "repo"]).success();
    let cases = [
        (
            "create_table = { name = \"t\", columns = [{ name = \"a\", type = \"Strng(3)\" }] }",
            "001_x.toml:1: step 1: unknown type 'Strng(3)'",
        ),
        (
            "create_table = { name = \"t\", columns = [{ name = \"a\", type = \"Integer\" }, { name = \"a\", type = \"Text\" }] }",
            "step 1 (create_table on 't'): column 'a' appears twice in table 't'",
        ),
        (
            "create_table = { name = \"t\", columns = [{ name = \"a\", type = \"Integer\", default = \"many\" }] }",
            "invalid default 'many' for column 'a' of table 't', whose type is Integer",
        ),
        (
            "drop_column = { table = \"nowhere\", column = \"a\" }",
            "step 1 (drop_column on 'nowhere'): table 'nowhere' does not exist",
        ),
        (
            "create_table = { name = \"t\", columns = [{ name = \"a\", type = \"String\" }] }",
            "column 'a' is a String without a length, which MySQL cannot store",
        ),
        (
            "create_table = { name = \"t\", columns = [{ name = \"a\", type = \"Integer\" }], options = { mysql_engin = \"InnoDB\" } }",
            "unknown table option 'mysql_engin' on table 't'",
        ),
    ];
    for (step, message) in cases {
        db.write(
            "repo/versions/001_x.toml",
            &format!("[[upgrade]]\n{step}\n"),
        );
        let before = db.snapshot();
        let out = db.run(&["upgrade", &db.url, "repo"]);
        out.failure(1, message);
        assert_eq!(db.snapshot(), before, "{step}");
    }
}

const KEYS_AND_DATA: &str = r#"
[[upgrade]]
create_table = { name = "tags", columns = [
    { name = "code", type = "String(10)", nullable = false },
    { name = "label", type = "String(40)" },
    { name = "weight", type = "Integer", default = 1 },
] }

[[upgrade]]
add_primary_key = { table = "tags", name = "pk_tags", columns = ["code"] }

[[upgrade]]
create_table = { name = "posts", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "tag", type = "String(10)" },
] }

[[upgrade]]
add_foreign_key = { table = "posts", name = "fk_posts_tag", columns = ["tag"], references = { table = "tags", columns = ["code"] }, on_delete = "SET NULL" }

[[upgrade]]
insert = { table = "tags", rows = [{ code = "a", label = "Alpha" }, { code = "b", label = "Beta", weight = 5 }] }

[[upgrade]]
update = { table = "tags", set = { label = "It's B" }, where = "code = 'b'" }

[[upgrade]]
delete = { table = "tags", where = "code = 'a'" }

[[downgrade]]
drop_table = { name = "posts" }

[[downgrade]]
drop_primary_key = { table = "tags" }

[[downgrade]]
drop_table = { name = "tags" }
"#;

matrix!(keys_and_data_statements_on_the_database, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_keys.toml", KEYS_AND_DATA);
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.success();
    let rows = db.query("SELECT code, label, weight FROM tags ORDER BY code");
    let got: Vec<(String, String, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                crate::support::text(&r[0]),
                crate::support::text(&r[1]),
                r[2].as_int(),
            )
        })
        .collect();
    assert_eq!(got, vec![("b".to_string(), "It's B".to_string(), Some(5))]);
    let schema = db.schema();
    let tags = schema.table("tags").expect("tags");
    assert_eq!(
        tags.primary_key.as_ref().map(|pk| pk.columns.clone()),
        Some(vec!["code".to_string()])
    );
    let fk = &schema.table("posts").expect("posts").foreign_keys[0];
    assert_eq!(
        (fk.name.as_deref(), fk.ref_table.as_str(), fk.on_delete),
        (
            Some("fk_posts_tag"),
            "tags",
            Some(migrate_core::schema::FkAction::SetNull)
        )
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

matrix!(random_models_round_trip_through_the_database, |db| {
    use migrate_core::change::Operation;
    use migrate_core::change::random::{Rng, base_table, operations};
    let cases: u64 = std::env::var("MIGRATE_TEST_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut conn = db.conn();
    for case in 0..cases {
        // A random model: base tables reshaped by random operations, in the model only.
        let mut model = migrate_core::schema::Schema {
            tables: vec![base_table("p"), base_table("q")],
            ..Default::default()
        };
        let mut rng = Rng::new(0xC0FFEE ^ (case * 104_729) ^ db.backend as u64);
        let count = rng.below(10);
        for op in operations(&mut rng, &model, count) {
            model.apply(&op).expect("applies");
        }
        // Created fresh from the model, then read back.
        let mut live = db.schema();
        for t in live.tables.clone() {
            run_operations(
                &db,
                conn.as_mut(),
                &mut live,
                &[Operation::DropTable { name: t.name }],
                "reset",
            );
        }
        let creates: Vec<Operation> = model
            .tables
            .iter()
            .cloned()
            .map(Operation::CreateTable)
            .collect();
        run_operations(
            &db,
            conn.as_mut(),
            &mut live,
            &creates,
            &format!("case {case}"),
        );
        let dialect = conn.dialect();
        let mut reflected = dialect.normalize(&db.schema());
        let expected = dialect.normalize(&model);
        migrate_core::schema::normalize::keep_requested_options(&mut reflected, &expected);
        assert_eq!(reflected, expected, "case {case}: {model:?}");
    }
});
