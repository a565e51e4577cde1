//! Safety under concurrency: the migration lock on each database.

use std::process::Stdio;

use migrate_core::Value;

use crate::support::{Backend, TestDb, migrate_cmd};

/// A repository of `n` versions; each creates a table and records itself in `applied`, so a
/// version applied twice shows as a duplicate row (and fails on its CREATE TABLE).
fn counted_repo(db: &TestDb, n: usize) {
    db.run(&["create", "repo", "r"]).success();
    for v in 1..=n {
        let setup = if v == 1 {
            "CREATE TABLE applied (v INTEGER NOT NULL);\n"
        } else {
            ""
        };
        db.write(
            &format!("repo/versions/{v:03}_t{v}_default_upgrade.sql"),
            &format!("{setup}CREATE TABLE t{v} (id INTEGER);\nINSERT INTO applied VALUES ({v});\n"),
        );
        let teardown = if v == 1 { "DROP TABLE applied;\n" } else { "" };
        db.write(
            &format!("repo/versions/{v:03}_t{v}_default_downgrade.sql"),
            &format!("DELETE FROM applied WHERE v = {v};\nDROP TABLE t{v};\n{teardown}"),
        );
    }
}

fn rounds() -> usize {
    std::env::var("MIGRATE_TEST_CONCURRENCY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

matrix!(sixteen_concurrent_upgrades_apply_each_version_once, |db| {
    counted_repo(&db, 50);
    db.run(&["version_control", &db.url, "repo"]).success();
    for round in 0..rounds() {
        let children: Vec<_> = (0..16)
            .map(|_| {
                migrate_cmd(db.dir.path())
                    .args(["upgrade", &db.url, "repo"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn migrate")
            })
            .collect();
        let mut steps = 0;
        for child in children {
            let out = child.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "round {round}: a process failed: {stderr}"
            );
            steps += String::from_utf8_lossy(&out.stdout).matches("done").count();
        }
        assert_eq!(
            steps, 50,
            "round {round}: every version ran exactly once across the processes"
        );
        let counts = db.query("SELECT v, COUNT(*) FROM applied GROUP BY v ORDER BY v");
        assert_eq!(counts.len(), 50, "round {round}");
        assert!(
            counts.iter().all(|r| r[1].as_int() == Some(1)),
            "round {round}: {counts:?}"
        );
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "50\n"
        );
        db.run(&["downgrade", &db.url, "repo", "0"]).success();
    }
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

/// Holds the migration lock of repository `r` from another session.
fn hold_lock(db: &TestDb) -> Box<dyn migrate_core::Connection> {
    let mut conn = db.conn();
    let name = Value::Text("migrate:r".into());
    match db.backend {
        Backend::Sqlite => conn.execute("BEGIN IMMEDIATE").expect("begin"),
        Backend::Postgres => {
            conn.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[name])
                .expect("lock");
        }
        Backend::Mysql => {
            conn.query(
                "SELECT GET_LOCK(CONCAT('migrate:', SHA1(CONCAT(DATABASE(), ':', ?))), 5)",
                &[name],
            )
            .expect("lock");
        }
    }
    conn
}

matrix!(a_held_lock_makes_runs_wait_then_give_up, |db| {
    counted_repo(&db, 2);
    db.run(&["version_control", &db.url, "repo"]).success();
    let before = db.snapshot();
    let holder = hold_lock(&db);
    let out = db.run(&["upgrade", &db.url, "repo", "--lock-timeout", "1"]);
    out.failure(1, "gave up waiting for the migration lock of 'r' after 1s");
    assert!(
        out.stderr.contains("waiting for the migration lock"),
        "{}",
        out.stderr
    );
    if db.backend != Backend::Sqlite {
        assert!(
            out.stderr.contains("held by "),
            "the holder is named: {}",
            out.stderr
        );
    }
    drop(holder);
    assert_eq!(db.snapshot(), before);
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n"
    );
});
