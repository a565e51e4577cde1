//! Issue 12, the SQL statement splitter and the MySQL driver: every statement of a script
//! runs, or the run stops with an error naming it; nothing is silently lost or half applied.

use crate::support::{Backend, TestDb};

/// A repository whose version 1 upgrade is `script` (for every database) and whose downgrade
/// drops nothing; the database is put under version control at 0.
fn one_version(db: &TestDb, script: &str) {
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_s_default_upgrade.sql", script);
    db.write("repo/versions/001_s_default_downgrade.sql", "SELECT 1;\n");
    db.run(&["version_control", &db.url, "repo"]).success();
}

fn db_version(db: &TestDb) -> String {
    db.run(&["db_version", &db.url, "repo"])
        .success()
        .stdout
        .trim()
        .to_string()
}

fn mysql(test: &str) -> TestDb {
    TestDb::new(Backend::Mysql, test)
}

// Item 1: a statement holding several (DELIMITER) is one multi-statement query; an error in
// any of its result sets must stop the step.
#[test]
fn mysql_error_after_the_first_statement_of_a_batch_is_reported() {
    let db = mysql("defects_sql::mysql_error_after_the_first_statement_of_a_batch_is_reported");
    one_version(
        &db,
        "DELIMITER //\nCREATE TABLE m1 (a INT); INSERT INTO nope VALUES (1); CREATE TABLE m2 (a INT)//\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).failure(
        1,
        "nope' doesn't exist (in statement 2 of this text; the 1 before it ran)",
    );
    assert_eq!(db_version(&db), "0");
    assert!(
        !db.tables().contains(&"m2".to_string()),
        "{:?}",
        db.tables()
    );
}

// Item 2: `END CASE` closes the CASE; the statements after the procedure are statements of
// their own, and a failing one stops the step there.
#[test]
fn mysql_end_case_does_not_swallow_the_rest_of_the_script() {
    let db = mysql("defects_sql::mysql_end_case_does_not_swallow_the_rest_of_the_script");
    one_version(
        &db,
        "CREATE PROCEDURE p() BEGIN CASE 1 WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE; END;\nCREATE TABLE after_p (a INT);\nINSERT INTO nope VALUES (1);\nCREATE TABLE never (a INT);\n",
    );
    db.run(&["upgrade", &db.url, "repo"])
        .failure(1, "001_s_default_upgrade.sql:3");
    assert_eq!(db_version(&db), "0");
    let tables = db.tables();
    assert!(tables.contains(&"after_p".to_string()), "{tables:?}");
    assert!(!tables.contains(&"never".to_string()), "{tables:?}");
}

// Item 3: executable comments are statements; MariaDB runs `/*!…*/` and `/*M!…*/`.
#[test]
fn mysql_executable_comments_run() {
    let db = mysql("defects_sql::mysql_executable_comments_run");
    one_version(
        &db,
        "/*!40101 SET @saved_cs_client = @@character_set_client */;\n/*!40101 CREATE TABLE from_bang (a INT) */;\n/*M!100100 CREATE TABLE from_m_bang (a INT) */;\n/* a plain comment; */\nCREATE TABLE plain (a INT);\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(db_version(&db), "1");
    assert_eq!(
        db.tables(),
        vec!["from_bang", "from_m_bang", "migrate_version", "plain"]
    );
}

// Item 4: transaction control that cannot be honoured is refused before anything runs.
matrix!(
    transaction_control_in_a_script_is_refused_before_anything_runs,
    |db| {
        db.run(&["create", "repo", "r"]).success();
        db.table_versions(2, |v| format!("CREATE TABLE t{v} (a INTEGER);\n"));
        db.run(&["version_control", &db.url, "repo"]).success();
        for statement in [
            "ROLLBACK",
            "ROLLBACK WORK",
            "SAVEPOINT s1",
            "RELEASE SAVEPOINT s1",
            "ROLLBACK TO SAVEPOINT s1",
        ] {
            db.write(
                "repo/versions/002_t_default_upgrade.sql",
                &format!(
                    "CREATE TABLE t2 (a INTEGER);\n{statement};\nCREATE TABLE t3 (a INTEGER);\n"
                ),
            );
            let before = db.snapshot();
            let out = db.run(&["upgrade", &db.url, "repo"]);
            out.failure(1, "002_t_default_upgrade.sql:2");
            assert!(
                out.stderr.contains(&format!("'{statement}'")),
                "{}",
                out.stderr
            );
            assert!(out.stderr.contains("help: "), "{}", out.stderr);
            assert_eq!(out.stdout, "", "nothing runs");
            assert_eq!(
                db.snapshot(),
                before,
                "{statement}: the database is unchanged"
            );
            assert_eq!(db_version(&db), "0");
        }
    }
);

// Item 4: the spellings of BEGIN and COMMIT are ignored with a warning; block `BEGIN … END`
// is not transaction control.
matrix!(transaction_spellings_are_ignored_and_blocks_are_not, |db| {
    let (begin, end) = match db.backend {
        Backend::Sqlite => ("BEGIN IMMEDIATE TRANSACTION", "END TRANSACTION"),
        Backend::Postgres => ("BEGIN ISOLATION LEVEL SERIALIZABLE", "END"),
        Backend::Mysql => ("START TRANSACTION WITH CONSISTENT SNAPSHOT", "COMMIT WORK"),
    };
    let block = match db.backend {
        Backend::Sqlite => {
            "CREATE TRIGGER tr AFTER INSERT ON t1 BEGIN\n  DELETE FROM t1 WHERE a < 0;\nEND;\n"
        }
        Backend::Postgres => "DO $$ BEGIN\n  CREATE TABLE t2 (a INTEGER);\nEND $$;\n",
        Backend::Mysql => "BEGIN NOT ATOMIC\n  CREATE TABLE t2 (a INTEGER);\nEND;\n",
    };
    one_version(
        &db,
        &format!("{begin};\nCREATE TABLE t1 (a INTEGER);\n{block}{end};\n"),
    );
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("001_s_default_upgrade.sql:1: ignoring '{begin}'")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("ignoring '{end}'")),
        "{}",
        out.stderr
    );
    assert_eq!(db_version(&db), "1");
    assert!(db.tables().contains(&"t1".to_string()));
    if db.backend != Backend::Sqlite {
        assert!(db.tables().contains(&"t2".to_string()), "{:?}", db.tables());
    }
});

// Item 9: non-ASCII text near the start of a statement splits (no panic) on every database.
matrix!(non_ascii_text_near_statement_starts_splits, |db| {
    one_version(
        &db,
        "CREATE TABLE tä (a VARCHAR(20));\nINSERT INTO tä VALUES ('é');\nUPDATE tä SET a = 'ü€😀';\nSELECT 'é';\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(db_version(&db), "1");
    assert_eq!(db.query("SELECT COUNT(*) FROM tä")[0][0].as_int(), Some(1));
});

// Item 9: a bare DELIMITER line is an error naming the file and line, before anything runs.
#[test]
fn mysql_bare_delimiter_line_is_an_error() {
    let db = mysql("defects_sql::mysql_bare_delimiter_line_is_an_error");
    for bare in ["DELIMITER", "DELIMITER   ", "delimiter\t"] {
        std::fs::remove_dir_all(db.path("repo")).ok();
        one_version(
            &db,
            &format!("CREATE TABLE t1 (a INT);\n{bare}\nCREATE TABLE t2 (a INT);\n"),
        );
        let out = db.run(&["upgrade", &db.url, "repo"]);
        out.failure(1, "001_s_default_upgrade.sql: DELIMITER on line 2");
        assert_eq!(db_version(&db), "0");
        assert_eq!(db.tables(), vec!["migrate_version"]);
        db.run(&["drop_version_control", &db.url, "repo"]).success();
    }
}

// Item 10: Unicode and ASCII whitespace between statements is whitespace, never a statement.
matrix!(
    unicode_whitespace_between_statements_is_not_a_statement,
    |db| {
        one_version(
            &db,
            "\u{feff}CREATE TABLE t1 (a INTEGER);\u{a0}\n\u{b};\u{c}\n\u{2003};\nCREATE TABLE t2 (a INTEGER);\u{a0}\u{3000}\n/* only a comment */;\n\u{b}",
        );
        db.run(&["upgrade", &db.url, "repo"]).success();
        assert_eq!(db_version(&db), "1");
        assert_eq!(db.tables(), vec!["migrate_version", "t1", "t2"]);
    }
);

// Item 4, portable scripts: a `sql` operation's ROLLBACK is refused too, and nothing of the
// step stays.
matrix!(
    transaction_control_in_a_portable_sql_operation_is_refused,
    |db| {
        db.run(&["create", "repo", "r"]).success();
        db.write(
        "repo/versions/001_p.toml",
        "[[upgrade]]\nsql = \"CREATE TABLE a (x INTEGER); ROLLBACK\"\n\n[[downgrade]]\nsql = \"DROP TABLE a\"\n",
    );
        db.run(&["version_control", &db.url, "repo"]).success();
        let out = db.run(&["upgrade", &db.url, "repo"]);
        out.failure(1, "'ROLLBACK' cannot be honoured in a migration script");
        assert_eq!(db_version(&db), "0");
        assert_eq!(db.tables(), vec!["migrate_version"]);
    }
);
