//! The journal: dirty steps and repair, changed scripts, stamp, status and history.

use crate::support::{Backend, TestDb, text};

fn journal_outcomes(db: &TestDb) -> Vec<String> {
    db.query("SELECT outcome FROM migrate_version_journal ORDER BY id")
        .iter()
        .map(|r| crate::support::text(&r[0]))
        .collect()
}

matrix!(a_half_applied_step_is_dirty_until_repaired, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.write("repo/versions/003_half_default_upgrade.sql", "CREATE TABLE t3 (id INTEGER);\nINSERT INTO missing VALUES (1);\nCREATE TABLE t3b (id INTEGER);\n");
    db.write(
        "repo/versions/003_half_default_downgrade.sql",
        "DROP TABLE t3b;\nDROP TABLE t3;\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).failure(
        1,
        "003_half_default_upgrade.sql:2: statement 'INSERT INTO missing VALUES (1)' failed",
    );
    if db.backend != Backend::Mysql {
        // Rolled back whole: journaled as failed, not dirty; the same error again.
        assert_eq!(journal_outcomes(&db), vec!["applied", "applied", "failed"]);
        db.run(&["upgrade", &db.url, "repo"])
            .failure(1, "statement 'INSERT INTO missing VALUES (1)' failed");
        return;
    }
    assert_eq!(journal_outcomes(&db), vec!["applied", "applied", "dirty"]);
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.failure(1, "the database is dirty: upgrade 2 -> 3 (003_half_default_upgrade.sql) stopped at statement 2: ERROR 1146");
    assert!(
        out.stderr.contains("--mark-applied") && out.stderr.contains("--mark-rolled-back"),
        "{}",
        out.stderr
    );
    db.run(&["downgrade", &db.url, "repo", "0"])
        .failure(1, "the database is dirty");
    assert!(
        db.run(&["status", &db.url, "repo"])
            .success()
            .stdout
            .contains("dirty: upgrade 2 -> 3 003_half_default_upgrade.sql (dirty) at statement 2")
    );
    assert!(
        db.run(&["repair", &db.url, "repo"])
            .success()
            .stdout
            .starts_with("dirty: upgrade 2 -> 3")
    );
    // Undo the step's first statement by hand, then say so.
    db.execute("DROP TABLE t3");
    db.run(&["repair", &db.url, "repo", "--mark-rolled-back"])
        .success();
    assert_eq!(
        db.run(&["repair", &db.url, "repo"]).success().stdout,
        "clean: no dirty step\n"
    );
    db.write(
        "repo/versions/003_half_default_upgrade.sql",
        "CREATE TABLE t3 (id INTEGER);\nCREATE TABLE t3b (id INTEGER);\n",
    );
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "2 -> 3... \ndone\n"
    );
    // A step finished by hand is marked applied, which moves the version.
    db.write(
        "repo/versions/004_more_default_upgrade.sql",
        "CREATE TABLE t4 (id INTEGER);\nINSERT INTO missing VALUES (1);\n",
    );
    db.write(
        "repo/versions/004_more_default_downgrade.sql",
        "DROP TABLE t4;\n",
    );
    db.run(&["upgrade", &db.url, "repo"]).failure(1, "failed");
    db.run(&["repair", &db.url, "repo", "--mark-applied"])
        .success();
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "4\n"
    );
    let outcomes = journal_outcomes(&db);
    assert_eq!(&outcomes[outcomes.len() - 2..], ["dirty", "marked_applied"]);
    db.run(&["repair", &db.url, "repo", "--mark-applied"])
        .failure(1, "there is no dirty step to repair");
});

matrix!(edited_applied_scripts_are_reported_not_rerun, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo", "1"]).success();
    let script = match db.backend {
        Backend::Sqlite => "repo/versions/001_add_books_table_sqlite_upgrade.sql",
        Backend::Postgres => "repo/versions/001_add_books_table_postgresql_upgrade.sql",
        Backend::Mysql => "repo/versions/001_add_books_table_mysql_upgrade.sql",
    };
    let original = std::fs::read_to_string(db.path(script)).expect("script");
    // Line endings, trailing whitespace and comments do not count.
    let cosmetic = format!(
        "-- reformatted\r\n{}\r\n\r\n/* note */\r\n",
        original.replace('\n', "   \r\n")
    );
    db.write(script, &cosmetic);
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(out.success().stdout, "1 -> 2... \ndone\n");
    assert!(!out.stderr.contains("changed since"), "{}", out.stderr);
    assert!(
        db.run(&["status", &db.url, "repo"])
            .success()
            .stdout
            .contains("changed scripts: none")
    );
    // A real change is reported, by upgrade and status, and not run again.
    db.write(
        script,
        &original.replace("author VARCHAR(64)", "author VARCHAR(128)"),
    );
    db.write(
        "repo/versions/003_x_default_upgrade.sql",
        "CREATE TABLE t3 (id INTEGER);",
    );
    db.write(
        "repo/versions/003_x_default_downgrade.sql",
        "DROP TABLE t3;",
    );
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(out.success().stdout, "2 -> 3... \ndone\n");
    let file = script.rsplit('/').next().expect("name");
    assert!(
        out.stderr.contains(file) && out.stderr.contains("changed since version 1 was applied"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--accept-changed 1"), "{}", out.stderr);
    let status = db
        .run(&["status", &db.url, "repo", "--json"])
        .success()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_str(&status).expect("json");
    assert_eq!(json["changed"][0]["version"], 1, "{status}");
    db.run(&["repair", &db.url, "repo", "--accept-changed", "1"])
        .success();
    assert!(
        db.run(&["status", &db.url, "repo"])
            .success()
            .stdout
            .contains("changed scripts: none")
    );
    db.run(&["repair", &db.url, "repo", "--accept-changed", "2"])
        .failure(1, "version 2's script has not changed");
});

/// Many applied scripts are checked on several threads; a change in any part is still found,
/// and reported in version order.
#[test]
fn edits_are_found_among_many_applied_scripts() {
    let db = TestDb::new(Backend::Sqlite, "journal::many_applied");
    db.write(
        "repo/migrate.cfg",
        "[db_settings]\nrepository_id=many\nversion_table=migrate_version\n",
    );
    for v in 1..=700 {
        db.write(
            &format!("repo/versions/{v:03}_t_default_upgrade.sql"),
            &format!("CREATE TABLE t{v} (id INTEGER);"),
        );
    }
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert!(
        !out.success().stderr.contains("changed since"),
        "{}",
        out.stderr
    );
    for v in [650, 3, 351] {
        db.write(
            &format!("repo/versions/{v:03}_t_default_upgrade.sql"),
            &format!("CREATE TABLE t{v} (id INTEGER, x INTEGER);"),
        );
    }
    let out = db.run(&["upgrade", &db.url, "repo"]);
    let reported: Vec<usize> = ["003_t", "351_t", "650_t"]
        .iter()
        .map(|name| out.success().stderr.find(name).expect(name))
        .collect();
    assert!(reported.is_sorted(), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("changed since version").count(),
        3,
        "{}",
        out.stderr
    );
}

// Every step of a walk leaves exactly one journal row with its outcome (on MySQL the next
// step's `running` row is written in the previous step's end batch: it must be the one the
// step then finishes, also when the step fails).
matrix!(each_step_of_a_walk_has_one_journal_row, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.table_versions(3, |v| format!("CREATE TABLE t{v} (id INTEGER);\n"));
    db.write(
        "repo/versions/004_data_default_upgrade.sql",
        "INSERT INTO t3 VALUES (3);\n",
    );
    db.write(
        "repo/versions/004_data_default_downgrade.sql",
        "DELETE FROM t3;\n",
    );
    db.write(
        "repo/versions/005_bad_default_upgrade.sql",
        "INSERT INTO missing VALUES (1);\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"])
        .failure(1, "005_bad_default_upgrade.sql:1");
    assert_eq!(
        journal_outcomes(&db),
        ["applied", "applied", "applied", "applied", "failed"]
    );
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    assert_eq!(journal_outcomes(&db).len(), 8);
    assert!(journal_outcomes(&db)[5..].iter().all(|o| o == "applied"));
    let rows = db.query("SELECT version_from, version_to FROM migrate_version_journal ORDER BY id");
    let steps: Vec<(String, String)> = rows.iter().map(|r| (text(&r[0]), text(&r[1]))).collect();
    let expected: Vec<(String, String)> = [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
        (4, 3),
        (3, 2),
        (2, 1),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(steps, expected);
    assert!(
        db.run(&["status", &db.url, "repo"])
            .success()
            .stdout
            .contains("dirty: no")
    );
});

matrix!(stamp_sets_the_version_without_running_scripts, |db| {
    db.books_repo("repo");
    db.run(&["stamp", &db.url, "repo", "2"]).success();
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "2\n"
    );
    assert_eq!(db.tables(), vec!["migrate_version"], "no script ran");
    db.run(&["stamp", &db.url, "repo", "1"]).success();
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "1\n"
    );
    db.run(&["stamp", &db.url, "repo", "9"])
        .failure(1, "version 9 is beyond the repository's latest version, 2");
    db.run(&["stamp", &db.url, "repo"])
        .failure(2, "stamp needs the VERSION");
    let history = db
        .run(&["history", &db.url, "repo"])
        .success()
        .stdout
        .clone();
    assert_eq!(
        history.lines().filter(|l| l.contains("stamped")).count(),
        2,
        "{history}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &db.run(&["history", &db.url, "repo", "--json"])
            .success()
            .stdout,
    )
    .expect("json");
    assert_eq!(json[1]["from"], 2);
    assert_eq!(json[1]["to"], 1);
    assert_eq!(json[1]["outcome"], "stamped");
});

matrix!(a_late_script_numbered_below_the_version_is_reported, |db| {
    db.run(&["create", "repo", "r", "--use_timestamp_numbering"])
        .success();
    for (v, t) in [("20200101000000", "a"), ("20220101000000", "c")] {
        db.write(
            &format!("repo/versions/{v}_{t}_default_upgrade.sql"),
            &format!("CREATE TABLE {t} (id INTEGER);"),
        );
        db.write(
            &format!("repo/versions/{v}_{t}_default_downgrade.sql"),
            &format!("DROP TABLE {t};"),
        );
    }
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    // A branch merged late brings a script dated before the database's version.
    db.write(
        "repo/versions/20210101000000_b_default_upgrade.sql",
        "CREATE TABLE b (id INTEGER);",
    );
    db.write(
        "repo/versions/20210101000000_b_default_downgrade.sql",
        "DROP TABLE b;",
    );
    db.run(&["upgrade", &db.url, "repo"]).failure(
        1,
        "version 20210101000000 is numbered at or below the database's version (20220101000000) but was never applied",
    );
    let status = db
        .run(&["status", &db.url, "repo"])
        .success()
        .stdout
        .clone();
    assert!(
        status.contains("never applied, numbered below the version: 20210101000000"),
        "{status}"
    );
    // As the help says: renumber it above the database's version, and it runs next.
    for direction in ["upgrade", "downgrade"] {
        std::fs::rename(
            db.path(&format!(
                "repo/versions/20210101000000_b_default_{direction}.sql"
            )),
            db.path(&format!(
                "repo/versions/20230101000000_b_default_{direction}.sql"
            )),
        )
        .expect("rename");
    }
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(
        out.success().stdout,
        "20220101000000 -> 20230101000000... \ndone\n"
    );
    assert_eq!(db.tables(), vec!["a", "b", "c", "migrate_version"]);
});

// `journal_table = NAME` puts the journal where the repository says, and every command that
// reads it finds it there.
matrix!(the_journal_lives_where_journal_table_names, |db| {
    db.books_repo("repo");
    let cfg = db.path("repo/migrate.cfg");
    let settings = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{settings}\njournal_table = step_log\n")).unwrap();
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(
        db.all_tables(),
        vec!["books", "migrate_version", "step_log"]
    );
    let outcomes: Vec<String> = db
        .query("SELECT outcome FROM step_log ORDER BY id")
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    assert_eq!(outcomes, vec!["applied", "applied"]);
    let history = db.run(&["history", &db.url, "repo"]);
    assert_eq!(history.success().stdout.lines().count(), 2);
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    db.run(&["drop_version_control", &db.url, "repo"]).success();
    assert_eq!(db.all_tables(), Vec::<String>::new());
});
