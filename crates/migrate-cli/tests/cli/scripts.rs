//! Script contents: statement splitting per database, transaction statements, portable
//! scripts, and previews.

use crate::support::Backend;

/// A table, a log table and a trigger whose body holds `;`-terminated statements, written the
/// way each database's own client takes it.
fn trigger_script(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => (
            "sqlite",
            "CREATE TABLE t (id INTEGER, note TEXT DEFAULT 'a;b');\nCREATE TABLE log (n INTEGER);\n-- the body's statements end with ';' too\nCREATE TRIGGER t_ins AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (NEW.id);\n  UPDATE log SET n = n + 0 WHERE n = CASE WHEN NEW.id > 0 THEN NEW.id ELSE 0 END;\nEND;\n",
        ),
        Backend::Postgres => (
            "postgresql",
            "CREATE TABLE t (id INTEGER, note TEXT DEFAULT 'a;b');\nCREATE TABLE log (n INTEGER);\nCREATE FUNCTION log_t() RETURNS trigger AS $body$\nBEGIN\n  INSERT INTO log VALUES (NEW.id);\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nCREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION log_t();\n",
        ),
        Backend::Mysql => (
            "mysql",
            "CREATE TABLE t (id INTEGER, note TEXT);\nCREATE TABLE log (n INTEGER);\n# MySQL's client command for bodies with ';'\nDELIMITER //\nCREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW BEGIN\n  INSERT INTO log VALUES (NEW.id);\n  IF NEW.id < 0 THEN\n    DELETE FROM log;\n  END IF;\nEND//\nDELIMITER ;\nCREATE TABLE `odd;name` (`a``b` INTEGER);\n",
        ),
    }
}

matrix!(bodies_with_semicolons_run_whole, |db| {
    db.run(&["create", "repo", "r"]).success();
    let (dbms, script) = trigger_script(db.backend);
    db.write(
        &format!("repo/versions/001_trigger_{dbms}_upgrade.sql"),
        script,
    );
    db.write(
        "repo/versions/001_trigger_default_downgrade.sql",
        "DROP TABLE t;\nDROP TABLE log;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.execute("INSERT INTO t (id) VALUES (7)");
    assert_eq!(db.query("SELECT n FROM log")[0][0].as_int(), Some(7));
});

matrix!(transaction_statements_are_ignored_with_a_warning, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_tx_default_upgrade.sql",
        "BEGIN;\nCREATE TABLE t1 (id INTEGER);\nCOMMIT;\n",
    );
    db.write(
        "repo/versions/001_tx_default_downgrade.sql",
        "DROP TABLE t1;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(out.success().stdout, "0 -> 1... \ndone\n");
    assert!(
        out.stderr
            .contains("001_tx_default_upgrade.sql:1: ignoring 'BEGIN'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("001_tx_default_upgrade.sql:3: ignoring 'COMMIT'"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), vec!["migrate_version", "t1"]);
});

const PORTABLE_BOOKS: &str = r#"# add books table
[[upgrade]]
sql.mysql = "CREATE TABLE books (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, title TEXT NOT NULL)"
sql.postgresql = "CREATE TABLE books (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL)"
sql.sqlite = "CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL)"

[[upgrade]]
sql = """
INSERT INTO books (title) VALUES ('one');
INSERT INTO books (title) VALUES ('two;three');
"""

[[downgrade]]
sql = "DROP TABLE books"
"#;

matrix!(portable_sql_scripts_run_per_database, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.run(&["script", "add books table", "repo"]).success();
    let path = db.path("repo/versions/001_add_books_table.toml");
    let template = std::fs::read_to_string(&path).expect("template");
    assert!(
        template.contains("[[upgrade]]") && template.starts_with("# add books table"),
        "{template}"
    );
    std::fs::write(&path, PORTABLE_BOOKS).expect("write");
    db.run(&["version_control", &db.url, "repo"]).success();
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n"
    );
    assert_eq!(
        db.query("SELECT COUNT(*) FROM books")[0][0].as_int(),
        Some(2)
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

matrix!(portable_script_errors_name_file_and_line, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_bad.toml",
        "[[upgrade]]\nsql = \"CREATE TABLE a (id INTEGER)\"\n\n[[upgrade]]\nsqll = \"x\"\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    let before = db.snapshot();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.failure(1, "001_bad.toml:5: unknown variant `sqll`");
    assert_eq!(out.stdout, "", "nothing starts when a script is broken");
    db.write(
        "repo/versions/001_bad.toml",
        "[[upgrade]]\nsql = \"CREATE TABLE a (id INTEGER)\"\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.run(&["downgrade", &db.url, "repo", "0"])
        .failure(1, "001_bad.toml:1: there is no downgrade");
    assert_eq!(
        db.snapshot().0,
        vec!["a".to_string(), "migrate_version".to_string()]
    );
    assert_eq!(before.1[0].2, 0);
});

matrix!(preview_sql_prints_and_runs_nothing, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    let before = db.snapshot();
    let out = db.run(&["upgrade", &db.url, "repo", "--preview_sql"]);
    let sql = &out.success().stdout;
    assert!(sql.starts_with("-- 0 -> 1 ("), "{sql}");
    assert!(sql.contains("CREATE TABLE books ("), "{sql}");
    assert!(sql.contains("-- 1 -> 2 ("), "{sql}");
    assert!(sql.contains("ADD COLUMN isbn"), "{sql}");
    assert!(
        sql.contains("SET version = 2 WHERE repository_id = 'sample' AND version = 1;"),
        "{sql}"
    );
    assert_eq!(db.snapshot(), before);
});
