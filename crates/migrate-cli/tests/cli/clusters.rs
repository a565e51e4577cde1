//! Clusters and proxies (issue 14): one run at a time, and every version applied exactly
//! once, where a session lock does not exclude other runs. On a Galera cluster `GET_LOCK` is
//! each node's own; behind PgBouncer in transaction mode a session lock stays with whichever
//! server session it was taken on. There migrate takes its lease lock instead (`--lock=auto`
//! detects both). Each test starts its own servers (`topology`).

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::{Backend, Outcome, TestDb, migrate, migrate_cmd};
use crate::topology::{GaleraCluster, PgBouncer};

const VERSIONS: u32 = 50;

/// 50 versions, each making a table and recording itself in `applied` (made by version 1),
/// so that a version run twice shows as a second row. `slow` makes version 3 sleep first
/// (`sleep` is the database's statement for it).
fn counted_repo(dir: &Path, name: &str, slow: Option<&str>) {
    migrate(dir, &["create", name, name]).success();
    for v in 1..=VERSIONS {
        let setup = if v == 1 {
            "CREATE TABLE applied (v INTEGER NOT NULL);\n"
        } else {
            ""
        };
        let pause = match slow {
            Some(sleep) if v == 3 => format!("{sleep};\n"),
            _ => String::new(),
        };
        let versions = dir.join(name).join("versions");
        std::fs::write(
            versions.join(format!("{v:03}_t{v}_default_upgrade.sql")),
            format!(
                "{setup}{pause}CREATE TABLE t{v} (id INTEGER);\nINSERT INTO applied VALUES ({v});\n"
            ),
        )
        .expect("script");
        let teardown = if v == 1 { "DROP TABLE applied;\n" } else { "" };
        std::fs::write(
            versions.join(format!("{v:03}_t{v}_default_downgrade.sql")),
            format!("DELETE FROM applied WHERE v = {v};\nDROP TABLE t{v};\n{teardown}"),
        )
        .expect("script");
    }
}

fn rounds() -> usize {
    std::env::var("MIGRATE_TEST_CONCURRENCY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    migrate_cmd(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn migrate")
}

fn finish(child: Child) -> Outcome {
    let out = child.wait_with_output().expect("wait");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// 16 processes running `command URL repo`, spread over `urls` in turn; each must succeed,
/// and the versions they ran together must be all 50, once.
#[track_caller]
fn sixteen(dir: &Path, command: &str, urls: &[String], round: usize) {
    let children: Vec<Child> = (0..16)
        .map(|i| spawn(dir, &[command, &urls[i % urls.len()], "repo"]))
        .collect();
    let mut steps = 0;
    for child in children {
        let out = finish(child);
        assert_eq!(
            out.code, 0,
            "{command}, round {round}: a process failed: {}",
            out.stderr
        );
        steps += out.stdout.matches("done").count();
    }
    assert_eq!(
        steps, VERSIONS as usize,
        "{command}, round {round}: every version ran exactly once across the processes"
    );
}

/// What the data and the journal say: (rows in `applied` and distinct versions in it,
/// applied upgrades in the journal, journal rows that are not applied steps).
fn census(query: impl Fn(&str) -> String) -> (String, String, String) {
    let applied = query("SELECT COUNT(*), COUNT(DISTINCT v) FROM applied");
    let journal = query(
        "SELECT COUNT(*) FROM migrate_version_journal WHERE action = 'upgrade' AND outcome = 'applied'",
    );
    let other = query("SELECT COUNT(*) FROM migrate_version_journal WHERE outcome <> 'applied'");
    (applied, journal, other)
}

/// The cluster's database `db`, as the `mariadb` client prints a one-row answer.
fn on_node(cluster: &GaleraCluster, node: usize, db: &str) -> impl Fn(&str) -> String {
    move |sql: &str| {
        cluster
            .sql(node, &format!("USE {db}; {sql}"))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .replace('\t', " ")
    }
}

#[test]
fn on_a_galera_cluster_runs_on_different_nodes_exclude_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    counted_repo(dir, "repo", None);
    counted_repo(dir, "slow", Some("SELECT SLEEP(3)"));
    let mut cluster = GaleraCluster::start();

    // Before: GET_LOCK held on one node is granted again on another, so two runs through
    // different nodes went side by side (59 of 80 processes failed, a data INSERT ran twice).
    let connect = |node: usize| {
        let url = migrate_core::DatabaseUrl::parse(&cluster.url(node, "mysql")).expect("url");
        migrate_drivers::connect(&url).expect("connect to a node")
    };
    let (mut first, mut second) = (connect(0), connect(1));
    let get_lock = "SELECT GET_LOCK('migrate:demo', 0)";
    assert_eq!(
        first.query(get_lock, &[]).expect("lock")[0][0].as_int(),
        Some(1)
    );
    assert_eq!(
        second.query(get_lock, &[]).expect("lock")[0][0].as_int(),
        Some(1),
        "GET_LOCK is node-local on Galera: the reason for the lease lock"
    );
    drop((first, second));
    session_lock_does_not_hold(&cluster, dir);

    // 16 processes over the three nodes, upgrade then sync, every version exactly once.
    cluster.sql(0, "CREATE DATABASE app").expect("database");
    let urls: Vec<String> = (0..3).map(|n| cluster.url(n, "app")).collect();
    migrate(dir, &["version_control", &urls[0], "repo"]).success();
    for round in 0..rounds() {
        sixteen(dir, "upgrade", &urls, round);
        let (applied, journal, other) = census(on_node(&cluster, round % 3, "app"));
        assert_eq!(applied, "50 50", "round {round}");
        assert_eq!(journal, (50 * (round + 1)).to_string(), "round {round}");
        assert_eq!(other, "0", "round {round}: only applied steps");
        migrate(dir, &["downgrade", &urls[round % 3], "repo", "0"]).success();
    }
    for round in 0..rounds() {
        let db = format!("fresh{round}");
        cluster
            .sql(0, &format!("CREATE DATABASE {db}"))
            .expect("database");
        let urls: Vec<String> = (0..3).map(|n| cluster.url(n, &db)).collect();
        sixteen(dir, "sync", &urls, round);
        let (applied, journal, other) = census(on_node(&cluster, 2, &db));
        assert_eq!(
            (applied.as_str(), journal.as_str()),
            ("50 50", "50"),
            "round {round}"
        );
        assert_eq!(other, "0", "round {round}: only applied steps");
        let version = on_node(&cluster, 1, &db)("SELECT version FROM migrate_version");
        assert_eq!(version, "50");
    }

    killing_a_node_mid_step(&mut cluster, dir);
}

/// With `--lock=session` a run through another node does not wait for one under way.
fn session_lock_does_not_hold(cluster: &GaleraCluster, dir: &Path) {
    for (lock, db) in [("session", "demo_session"), ("auto", "demo_auto")] {
        cluster
            .sql(0, &format!("CREATE DATABASE {db}"))
            .expect("database");
        let (a, b) = (cluster.url(0, db), cluster.url(1, db));
        migrate(dir, &["version_control", &a, "slow"]).success();
        let slow = spawn(dir, &["upgrade", &a, "slow", "3", "--lock", lock]);
        std::thread::sleep(Duration::from_millis(1500));
        let second = migrate(dir, &["upgrade", &b, "slow", "3", "--lock", lock]);
        let first = finish(slow);
        assert_eq!(first.code, 0, "{lock}: {}", first.stderr);
        if lock == "session" {
            // It went ahead at once, into the step the first run had under way.
            assert!(!second.stderr.contains("waiting for the migration lock"));
            second.failure(1, "the database is dirty");
        } else {
            second.success();
            assert!(
                second
                    .stderr
                    .contains("waiting for the migration lock held by"),
                "{}",
                second.stderr
            );
            assert!(
                second.stdout.is_empty(),
                "nothing left to run: {}",
                second.stdout
            );
        }
    }
}

/// A node killed (SIGKILL) under a run in the middle of a step: a run through another node
/// waits out the dead run's lease, takes the lock over, and names the unfinished step; once
/// it is resolved, a rerun finishes, every version once.
fn killing_a_node_mid_step(cluster: &mut GaleraCluster, dir: &Path) {
    cluster.sql(0, "CREATE DATABASE killed").expect("database");
    let (doomed, survivor) = (cluster.url(2, "killed"), cluster.url(0, "killed"));
    let run = spawn(dir, &["sync", &doomed, "slow", "--lock-lease", "3"]);
    std::thread::sleep(Duration::from_millis(1500));
    cluster.kill(2);
    let lost = finish(run);
    assert_ne!(lost.code, 0, "the run lost its node: {}", lost.stderr);
    // The rest of the cluster goes on once it has seen the node go (a few seconds).
    let start = std::time::Instant::now();
    while cluster.size(0) != "2" {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the cluster never dropped the node"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let rerun = migrate(dir, &["sync", &survivor, "slow", "--lock-lease", "3"]);
    rerun.failure(1, "upgrade 2 -> 3 (003_t3_default_upgrade.sql) stopped");
    assert!(
        rerun.stderr.contains("took over the migration lock"),
        "{}",
        rerun.stderr
    );
    // The step died in its first statement: t3 was never made, so it is rolled back.
    let tables = on_node(cluster, 1, "killed")("SHOW TABLES LIKE 't3'");
    assert_eq!(tables, "", "version 3 made nothing");
    migrate(dir, &["repair", &survivor, "slow", "--mark-rolled-back"]).success();
    migrate(dir, &["sync", &survivor, "slow"]).success();
    let (applied, _, _) = census(on_node(cluster, 1, "killed"));
    assert_eq!(applied, "50 50");

    // One node of two left: it is no longer the primary component, and takes no run.
    cluster.kill(1);
    let start = std::time::Instant::now();
    while cluster
        .sql(0, "SHOW STATUS LIKE 'wsrep_cluster_status'")
        .is_ok_and(|s| s.ends_with("\tPrimary"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "node 0 stayed primary"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    migrate(dir, &["downgrade", &survivor, "slow", "0"])
        .failure(1, "this cluster node is not part of the primary component");
}

#[test]
fn through_pgbouncer_in_transaction_mode_sixteen_runs_apply_each_version_once() {
    let db = TestDb::new(Backend::Postgres, "bouncer16");
    let dir = db.dir.path();
    counted_repo(dir, "repo", None);
    let bouncer = PgBouncer::in_front_of(&db.url);
    let url = bouncer.url(&db.url);
    migrate(dir, &["version_control", &url, "repo"]).success();
    let text = |sql: &str| {
        db.query(sql)
            .first()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    for round in 0..rounds() {
        sixteen(dir, "upgrade", std::slice::from_ref(&url), round);
        let (applied, journal, other) = census(text);
        assert_eq!(applied, "50 50", "round {round}");
        assert_eq!(journal, (50 * (round + 1)).to_string(), "round {round}");
        assert_eq!(other, "0", "round {round}: only applied steps");
        migrate(dir, &["downgrade", &url, "repo", "0"]).success();
    }
    // The proxy was seen (its port is not the server's): the lease lock was taken, and is
    // free again.
    assert_eq!(text("SELECT COUNT(*) FROM migrate_version_lock"), "0");
    drop(bouncer);
}

/// A repository of one slow version (`sleep` first) and one quick one.
fn slow_then_quick(dir: &Path, sleep: &str) {
    migrate(dir, &["create", "repo", "repo"]).success();
    let versions = dir.join("repo/versions");
    for (name, text) in [
        (
            "001_slow_default_upgrade.sql",
            format!("{sleep};\nCREATE TABLE t1 (id INTEGER);\n"),
        ),
        (
            "001_slow_default_downgrade.sql",
            "DROP TABLE t1;\n".to_string(),
        ),
        (
            "002_t2_default_upgrade.sql",
            "CREATE TABLE t2 (id INTEGER);\n".to_string(),
        ),
        (
            "002_t2_default_downgrade.sql",
            "DROP TABLE t2;\n".to_string(),
        ),
    ] {
        std::fs::write(versions.join(name), text).expect("script");
    }
}

/// Waits until `sql` on `db` returns a row (it may fail until then), and returns its first
/// value.
fn first_value(db: &TestDb, sql: &str) -> i64 {
    let start = std::time::Instant::now();
    loop {
        let rows = db.conn().query(sql, &[]).unwrap_or_default();
        if let Some(v) = rows.first().and_then(|r| r[0].as_int()) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing from {sql}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// A run whose lease is gone (here its row deleted, as a run that took an expired lease over
// would have replaced it) stops before its next statement instead of going on beside the new
// holder. The renewal finds out within a third of the lease; version 1 was sent whole (one
// round trip) before then and stays, version 2 never starts.
#[test]
fn a_run_that_loses_its_lease_stops_before_its_next_statement() {
    let db = TestDb::new(Backend::Postgres, "lease_lost");
    let dir = db.dir.path();
    slow_then_quick(dir, "SELECT pg_sleep(4)");
    db.run(&["version_control", &db.url, "repo"]).success();
    let run = spawn(
        dir,
        &[
            "upgrade",
            &db.url,
            "repo",
            "--lock",
            "table",
            "--lock-lease",
            "3",
        ],
    );
    first_value(&db, "SELECT 1 FROM migrate_version_lock");
    db.query("DELETE FROM migrate_version_lock");
    let out = finish(run);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the migration lock of 'repo' was lost during the run"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "1\n"
    );
    let tables = db.tables();
    assert!(
        tables.contains(&"t1".to_string()) && !tables.contains(&"t2".to_string()),
        "{tables:?}"
    );
}

// A connection lost under a statement: the server may have finished it, so its outcome is
// reported as unknown, never as "nothing was applied".
#[test]
fn a_connection_lost_under_a_statement_leaves_its_outcome_unknown() {
    let db = TestDb::new(Backend::Mysql, "connection_lost");
    let dir = db.dir.path();
    slow_then_quick(dir, "SELECT SLEEP(5)");
    db.run(&["version_control", &db.url, "repo"]).success();
    let run = spawn(dir, &["upgrade", &db.url, "repo"]);
    let id = first_value(
        &db,
        "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(5)%'",
    );
    db.query(&format!("KILL {id}"));
    let out = finish(run);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("took effect is unknown"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("nothing was applied"),
        "{}",
        out.stderr
    );
    let status = db.run(&["status", &db.url, "repo"]);
    assert!(
        status.stdout.contains("dirty: upgrade 0 -> 1"),
        "{}",
        status.stdout
    );
}
