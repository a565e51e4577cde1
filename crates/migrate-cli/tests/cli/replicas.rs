//! Replicas and proxies (issue 14): every command that changes the database stops before
//! anything on a server that takes no writes, with "this server is a read-only replica";
//! `db_version` and `status` work there. Through PgBouncer's transaction pooling nothing a
//! client names outlives it. Each test starts its own servers (`topology`).

use std::path::Path;

use crate::support::{Backend, Outcome, TestDb, migrate};
use crate::topology::{MariaDb, PgBouncer, PgStandby};

/// A repository of two SQL versions (tables `a` and `b`).
fn repo(dir: &Path) {
    migrate(dir, &["create", "repo", "replicas"]).success();
    for (v, t) in [(1, "a"), (2, "b")] {
        for (way, sql) in [
            (
                "upgrade",
                format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY);\n"),
            ),
            ("downgrade", format!("DROP TABLE {t};\n")),
        ] {
            let path = dir.join(format!("repo/versions/{v:03}_{t}_default_{way}.sql"));
            std::fs::write(path, sql).expect("script");
        }
    }
}

/// Every changing command refused with the replica's message; the reading ones work.
#[track_caller]
fn refused_on(dir: &Path, url: &str) -> Vec<Outcome> {
    let changing: [&[&str]; 6] = [
        &["upgrade", url, "repo"],
        &["downgrade", url, "repo", "0"],
        &["sync", url, "repo"],
        &["stamp", url, "repo", "2"],
        &["drop_version_control", url, "repo"],
        &["repair", url, "repo", "--mark-rolled-back"],
    ];
    for args in changing {
        let out = migrate(dir, args);
        out.failure(1, "this server is a read-only replica");
    }
    let version = migrate(dir, &["db_version", url, "repo"]);
    assert_eq!(version.success().stdout, "1\n");
    let status = migrate(dir, &["status", url, "repo"]);
    assert!(
        status.success().stdout.contains("version: 1"),
        "{}",
        status.stdout
    );
    vec![version, status]
}

#[test]
fn a_postgresql_hot_standby_is_refused_and_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    repo(dir.path());
    let servers = PgStandby::start();
    migrate(dir.path(), &["version_control", &servers.primary, "repo"]).success();
    migrate(dir.path(), &["upgrade", &servers.primary, "repo", "1"]).success();
    servers.sync();
    // Without the check the standby's own words came late: "cannot execute CREATE TABLE in a
    // read-only transaction", after the lock and the plan.
    refused_on(dir.path(), &servers.standby);
    assert_eq!(
        migrate(dir.path(), &["db_version", &servers.primary, "repo"])
            .success()
            .stdout,
        "1\n"
    );
}

#[test]
fn a_mariadb_with_read_only_is_refused_and_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    repo(dir.path());
    let server = MariaDb::start(None);
    server.sql("CREATE DATABASE app").expect("database");
    let url = server.url("app");
    migrate(dir.path(), &["version_control", &url, "repo"]).success();
    migrate(dir.path(), &["upgrade", &url, "repo", "1"]).success();
    server.sql("SET GLOBAL read_only = ON").expect("read_only");
    // What the check is for: read_only does not stop root, so without it the upgrade would
    // have written to the replica.
    server
        .sql("CREATE TABLE app.root_writes (i INT)")
        .expect("root bypasses read_only");
    refused_on(dir.path(), &url);
    let tables = server.sql("SHOW TABLES FROM app").expect("tables");
    assert!(
        !tables.contains('b'),
        "version 2 ran on the replica: {tables}"
    );
}

// Clients take turns on one pooled server session. Each process used to prepare its queries as
// `s0`, `s1`…, which stayed on that session, so the next process failed with "prepared
// statement \"s0\" already exists". Queries are now unnamed statements.
#[test]
fn through_pgbouncer_in_transaction_mode_nothing_named_outlives_a_client() {
    let db = TestDb::new(Backend::Postgres, "pgbouncer");
    let dir = db.dir.path();
    repo(dir);
    let bouncer = PgBouncer::in_front_of(&db.url);
    let url = bouncer.url(&db.url);
    migrate(dir, &["version_control", &url, "repo"]).success();
    migrate(dir, &["upgrade", &url, "repo", "1"]).success();
    migrate(dir, &["upgrade", &url, "repo"]).success();
    let version = migrate(dir, &["db_version", &url, "repo"]);
    assert_eq!(version.success().stdout, "2\n");
    migrate(dir, &["status", &url, "repo"]).success();
    drop(bouncer);
}
