//! Taking over a database that sqlalchemy-migrate versioned, and sharing the table.

use crate::support::TestDb;

/// The table exactly as sqlalchemy-migrate's `ControlledSchema.create` issued it.
const SAM_TABLE: &str = "CREATE TABLE migrate_version (\n\trepository_id VARCHAR(250) NOT NULL, \n\trepository_path TEXT, \n\tversion INTEGER, \n\tPRIMARY KEY (repository_id)\n)";

fn python_tool_state(db: &TestDb) {
    db.execute(SAM_TABLE);
    db.execute("INSERT INTO migrate_version VALUES ('sample', '/work/sampleApp/db/sqlalchemy/migrate_repo', 1)");
    db.execute("INSERT INTO migrate_version VALUES ('heat', '/opt/heat/heat/db/sqlalchemy/migrate_repo', 71)");
    // The schema the Python tool's version 1 left behind.
    let script = db.books_script("001_");
    let lexer = db.conn().dialect().lexer();
    for statement in migrate_core::sql::split(&script, lexer).expect("split") {
        db.execute(statement.text);
    }
}

matrix!(adopts_a_version_table_written_by_sqlalchemy_migrate, |db| {
    python_tool_state(&db);
    db.books_repo("repo");
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "1\n"
    );
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "1 -> 2... \ndone\n"
    );
    let heat = (
        "heat".to_string(),
        "/opt/heat/heat/db/sqlalchemy/migrate_repo".to_string(),
        71,
    );
    let sample = |v| {
        (
            "sample".to_string(),
            "/work/sampleApp/db/sqlalchemy/migrate_repo".to_string(),
            v,
        )
    };
    assert_eq!(
        db.version_rows("migrate_version"),
        vec![heat.clone(), sample(2)]
    );
    assert_eq!(
        db.run(&["downgrade", &db.url, "repo", "0"])
            .success()
            .stdout,
        "2 -> 1... \ndone\n1 -> 0... \ndone\n"
    );
    // Another repository still uses the table: only our row goes.
    db.run(&["drop_version_control", &db.url, "repo"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
    assert_eq!(db.version_rows("migrate_version"), vec![heat]);
    db.run(&["db_version", &db.url, "repo"])
        .failure(1, "not under version control");
});

matrix!(repositories_share_one_table, |db| {
    db.books_repo("books");
    db.run(&["create", "other", "other"]).success();
    db.write(
        "other/versions/001_t_default_upgrade.sql",
        "CREATE TABLE other_t (id INTEGER);",
    );
    db.write(
        "other/versions/001_t_default_downgrade.sql",
        "DROP TABLE other_t;",
    );
    for repo in ["books", "other"] {
        db.run(&["version_control", &db.url, repo]).success();
        db.run(&["upgrade", &db.url, repo]).success();
    }
    assert_eq!(
        db.run(&["db_version", &db.url, "books"]).success().stdout,
        "2\n"
    );
    assert_eq!(
        db.run(&["db_version", &db.url, "other"]).success().stdout,
        "1\n"
    );
    db.run(&["downgrade", &db.url, "other", "0"]).success();
    db.run(&["drop_version_control", &db.url, "other"])
        .success();
    assert_eq!(
        db.run(&["db_version", &db.url, "books"]).success().stdout,
        "2\n"
    );
    db.run(&["downgrade", &db.url, "books", "0"]).success();
    db.run(&["drop_version_control", &db.url, "books"])
        .success();
    assert!(
        db.tables().is_empty(),
        "the last repository out drops the table: {:?}",
        db.tables()
    );
});
