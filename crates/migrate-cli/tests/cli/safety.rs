//! Safety under concurrency: the migration lock on each database.

use std::process::Stdio;

use migrate_core::Value;

use crate::support::{Backend, TestDb, migrate_cmd, text};

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
        // The journal proves it too: 50 applied upgrades per round, nothing else but the
        // downgrades between rounds.
        let journal = db.query(
            "SELECT action, outcome, COUNT(*) FROM migrate_version_journal GROUP BY action, outcome ORDER BY action",
        );
        let applied = |action: &str| {
            journal
                .iter()
                .find(|r| text(&r[0]) == action && text(&r[1]) == "applied")
                .and_then(|r| r[2].as_int())
        };
        assert_eq!(
            applied("upgrade"),
            Some(50 * (round as i64 + 1)),
            "round {round}: {journal:?}"
        );
        assert_eq!(
            journal.len(),
            if round == 0 { 1 } else { 2 },
            "only applied steps: {journal:?}"
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

/// A repository of 50 versions whose every step spends most of its time in a slow statement,
/// so that a kill at a random moment usually lands mid-statement.
fn slow_repo(db: &TestDb) {
    let slow = match db.backend {
        Backend::Postgres => "SELECT pg_sleep(0.01)",
        Backend::Mysql => "SELECT SLEEP(0.01)",
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT count(*) FROM c"
        }
    };
    db.run(&["create", "repo", "r"]).success();
    for v in 1..=50 {
        let setup = if v == 1 {
            "CREATE TABLE applied (v INTEGER NOT NULL);\n"
        } else {
            ""
        };
        db.write(
            &format!("repo/versions/{v:03}_t{v}_default_upgrade.sql"),
            &format!("{setup}CREATE TABLE t{v} (id INTEGER);\n{slow};\nINSERT INTO applied VALUES ({v});\n"),
        );
        let teardown = if v == 1 { "DROP TABLE applied;\n" } else { "" };
        db.write(
            &format!("repo/versions/{v:03}_t{v}_default_downgrade.sql"),
            &format!("DELETE FROM applied WHERE v = {v};\n{slow};\nDROP TABLE t{v};\n{teardown}"),
        );
    }
}

/// The schema a database at `version` must have: t1..tV and one `applied` row each.
fn assert_consistent(db: &TestDb, version: u64, context: &str) {
    let tables = db.tables();
    for v in 1..=50u64 {
        let present = tables.contains(&format!("t{v}"));
        assert_eq!(
            present,
            v <= version,
            "{context}: table t{v} at version {version}: {tables:?}"
        );
    }
    if version > 0 {
        let rows: Vec<i64> = db
            .query("SELECT v FROM applied ORDER BY v")
            .iter()
            .filter_map(|r| r[0].as_int())
            .collect();
        assert_eq!(rows, (1..=version as i64).collect::<Vec<_>>(), "{context}");
    } else {
        assert!(
            !tables.contains(&"applied".to_string()),
            "{context}: {tables:?}"
        );
    }
}

fn db_version(db: &TestDb) -> u64 {
    let out = db.run(&["db_version", &db.url, "repo"]);
    out.success().stdout.trim().parse().expect("a version")
}

/// On MySQL a killed step is journaled `running`: decide from the database what it did, tell
/// `repair`, and check that the dirty step is exactly the one that was interrupted.
fn repair_after_kill(db: &TestDb, version: u64, context: &str) {
    let status = db
        .run(&["status", &db.url, "repo", "--json"])
        .success()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_str(&status).expect("status json");
    let dirty = &json["dirty"];
    if dirty.is_null() {
        return;
    }
    let (from, to) = (
        dirty["from"].as_u64().expect("from"),
        dirty["to"].as_u64().expect("to"),
    );
    assert_eq!(to.abs_diff(from), 1, "{context}: {dirty}");
    let blocked = db.run(&["upgrade", &db.url, "repo"]);
    blocked.failure(
        1,
        &format!(
            "the database is dirty: {} {from} -> {to}",
            dirty["action"].as_str().unwrap_or("")
        ),
    );
    if version == to {
        // The bump committed; only the journal's last word was lost.
        db.run(&["repair", &db.url, "repo", "--mark-applied"])
            .success();
        return;
    }
    assert_eq!(
        version, from,
        "{context}: the version is the dirty step's start: {dirty}"
    );
    // As an operator would: undo whatever part of an upgrade ran, or finish a downgrade.
    let step = from.max(to);
    let mut conn = db.conn();
    // `applied` may not exist yet (or any more) when the step was version 1's.
    let _ = conn.execute(&format!("DELETE FROM applied WHERE v = {step}"));
    conn.execute(&format!("DROP TABLE IF EXISTS t{step}"))
        .expect("drop");
    if step == 1 {
        conn.execute("DROP TABLE IF EXISTS applied")
            .expect("drop applied");
    }
    let flag = if from < to {
        "--mark-rolled-back"
    } else {
        "--mark-applied"
    };
    db.run(&["repair", &db.url, "repo", flag]).success();
}

matrix!(killed_runs_leave_a_consistent_database, |db| {
    slow_repo(&db);
    db.run(&["version_control", &db.url, "repo"]).success();
    let trials = std::env::var("MIGRATE_TEST_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ (db.backend as u64 + 1);
    for trial in 0..trials {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_millis(seed % 900);
        let (args, goal): (Vec<&str>, u64) = if trial % 2 == 0 {
            (vec!["upgrade", &db.url, "repo"], 50)
        } else {
            (vec!["downgrade", &db.url, "repo", "0"], 0)
        };
        let context = format!("trial {trial} ({}, killed after {delay:?})", args[0]);
        let mut child = migrate_cmd(db.dir.path())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // The server may still be finishing what the killed client sent; inspect after.
        db.wait_for_other_sessions();
        let version = db_version(&db);
        if db.backend == Backend::Mysql {
            repair_after_kill(&db, version, &context);
        } else {
            let status = db
                .run(&["status", &db.url, "repo"])
                .success()
                .stdout
                .clone();
            assert!(status.contains("dirty: no"), "{context}: {status}");
        }
        let version = db_version(&db);
        assert_consistent(&db, version, &context);
        // A rerun finishes the job.
        db.run(&args).success();
        assert_eq!(db_version(&db), goal, "{context}");
        assert_consistent(&db, goal, &context);
    }
});

#[test]
fn create_index_concurrently_runs_outside_a_transaction_and_its_failure_is_cleaned_up() {
    let db = TestDb::new(Backend::Postgres, "safety::concurrently");
    db.run(&["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_t_default_upgrade.sql",
        "CREATE TABLE t (id INTEGER, v INTEGER);\nINSERT INTO t VALUES (1, 1), (2, 1);\n",
    );
    db.write(
        "repo/versions/001_t_default_downgrade.sql",
        "DROP TABLE t;\n",
    );
    db.write(
        "repo/versions/002_idx_default_upgrade.sql",
        "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n",
    );
    db.write(
        "repo/versions/002_idx_default_downgrade.sql",
        "DROP INDEX CONCURRENTLY t_v_idx;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n"
    );
    let valid =
        db.query("SELECT indisvalid::int FROM pg_index WHERE indexrelid = 't_v_idx'::regclass");
    assert_eq!(valid[0][0].as_int(), Some(1));
    // A unique index over duplicates fails and leaves an INVALID index behind.
    db.write(
        "repo/versions/003_uniq_default_upgrade.sql",
        "CREATE UNIQUE INDEX CONCURRENTLY t_v_unique ON t (v);\n",
    );
    db.write(
        "repo/versions/003_uniq_default_downgrade.sql",
        "DROP INDEX CONCURRENTLY t_v_unique;\n",
    );
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.failure(
        1,
        "statement 'CREATE UNIQUE INDEX CONCURRENTLY t_v_unique ON t (v)' failed",
    );
    assert!(
        out.stderr
            .contains("remove it with: DROP INDEX CONCURRENTLY t_v_unique"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "2\n"
    );
    db.execute("DROP INDEX CONCURRENTLY t_v_unique");
    assert_eq!(
        db.run(&["downgrade", &db.url, "repo", "1"])
            .success()
            .stdout,
        "2 -> 1... \ndone\n"
    );
    // Marked explicitly: each statement commits, so a failure half-way is a dirty step.
    db.write("repo/versions/002_idx_default_upgrade.sql", "-- migrate:no-transaction\nCREATE TABLE u (id INTEGER);\nINSERT INTO missing VALUES (1);\n");
    db.run(&["upgrade", &db.url, "repo", "2"])
        .failure(1, "INSERT INTO missing");
    db.run(&["upgrade", &db.url, "repo"])
        .failure(1, "the database is dirty: upgrade 1 -> 2");
    assert!(
        db.tables().contains(&"u".to_string()),
        "the first statement stayed: {:?}",
        db.tables()
    );
}

#[test]
fn sqlite_vacuum_runs_outside_the_run_transaction() {
    let db = TestDb::new(Backend::Sqlite, "safety::vacuum");
    db.run(&["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_t_default_upgrade.sql",
        "CREATE TABLE t (id INTEGER);\n",
    );
    db.write(
        "repo/versions/001_t_default_downgrade.sql",
        "DROP TABLE t;\n",
    );
    db.write(
        "repo/versions/002_vacuum_default_upgrade.sql",
        "DELETE FROM t;\nVACUUM;\n",
    );
    db.write(
        "repo/versions/002_vacuum_default_downgrade.sql",
        "VACUUM;\n",
    );
    db.write(
        "repo/versions/003_u_default_upgrade.sql",
        "CREATE TABLE u (id INTEGER);\n",
    );
    db.write(
        "repo/versions/003_u_default_downgrade.sql",
        "DROP TABLE u;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(
        out.success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n2 -> 3... \ndone\n"
    );
    assert_eq!(db.tables(), vec!["migrate_version", "t", "u"]);
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
}

matrix!(
    a_single_transaction_run_commits_all_versions_or_none,
    |db| {
        db.run(&["create", "repo", "r"]).success();
        db.table_versions(2, |v| {
            format!("CREATE TABLE t{v} (id INTEGER);\nINSERT INTO t{v} VALUES ({v});\n")
        });
        db.write(
            "repo/versions/003_bad_default_upgrade.sql",
            "CREATE TABLE t3 (id INTEGER);\nINSERT INTO missing VALUES (1);\nCREATE TABLE t3b (id INTEGER);\n",
        );
        db.write(
            "repo/versions/003_bad_default_downgrade.sql",
            "DROP TABLE t3;\n",
        );
        db.run(&["version_control", &db.url, "repo"]).success();
        let before = db.snapshot();
        if db.backend == Backend::Mysql {
            db.run(&["upgrade", &db.url, "repo", "--single-transaction"])
                .failure(1, "commits each DDL statement at once");
            assert_eq!(db.snapshot(), before);
            return;
        }
        let out = db.run(&["upgrade", &db.url, "repo", "--single-transaction"]);
        out.failure(1, "003_bad_default_upgrade.sql:2");
        assert!(
            out.stderr
                .contains("nothing of it was applied; the database is still at version 0"),
            "{}",
            out.stderr
        );
        // Versions 1 and 2 succeeded inside the run, and went with it.
        assert_eq!(db.snapshot(), before);
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "0\n"
        );
        // Without the option, the versions before the failure stay (the contrast).
        db.run(&["upgrade", &db.url, "repo"])
            .failure(1, "003_bad_default_upgrade.sql:2");
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "2\n"
        );
        db.run(&["downgrade", &db.url, "repo", "0", "--single-transaction"])
            .success();
        assert_eq!(db.snapshot(), before);
        db.write(
            "repo/versions/003_bad_default_upgrade.sql",
            "CREATE TABLE t3 (id INTEGER);\n",
        );
        let out = db.run(&["upgrade", &db.url, "repo", "--single-transaction"]);
        assert_eq!(
            out.success().stdout,
            "0 -> 1... \ndone\n1 -> 2... \ndone\n2 -> 3... \ndone\n"
        );
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "3\n"
        );
        assert_eq!(text(&db.query("SELECT id FROM t2")[0][0]), "2");
        // A version that must run outside a transaction is refused before anything runs.
        db.write(
            "repo/versions/004_outside_default_upgrade.sql",
            "-- migrate:no-transaction\nCREATE TABLE t4 (id INTEGER);\n",
        );
        db.write(
            "repo/versions/005_t_default_upgrade.sql",
            "CREATE TABLE t5 (id INTEGER);\n",
        );
        let after = db.snapshot();
        db.run(&["upgrade", &db.url, "repo", "--single-transaction"])
            .failure(
                1,
                "004_outside_default_upgrade.sql: version 4 must run outside a transaction",
            );
        assert_eq!(db.snapshot(), after);
    }
);
