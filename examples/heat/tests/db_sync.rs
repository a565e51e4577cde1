//! `heat-manage db_sync` on SQLite, PostgreSQL and MariaDB: sixteen tables, migrate_version
//! at 71, twice.

use std::process::Command;

#[path = "../../test_servers.rs"]
mod test_servers;

fn run(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heat-manage"))
        .args(["--database", url, "db_sync"])
        .output()
        .expect("run heat-manage")
}

#[test]
fn db_sync_brings_every_database_to_71() {
    let dir = tempfile::tempdir().expect("dir");
    for db in test_servers::every_database(dir.path(), "heat") {
        let url = db.url.clone();
        for attempt in 0..2 {
            let out = run(&url);
            assert!(
                out.status.success(),
                "{url} (run {attempt}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut conn = migrate::connect(&url).expect("connect");
        let rows = conn
            .query("SELECT repository_id, version FROM migrate_version", &[])
            .expect("query");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][1].as_int(), Some(71), "{url}");
        let dialect = conn.dialect();
        let schema = dialect
            .reflect(
                conn.as_mut(),
                &["migrate_version", "migrate_version_journal"],
            )
            .expect("reflect");
        assert_eq!(
            schema.tables.len(),
            15,
            "{url}: fifteen tables besides migrate_version"
        );
        drop(conn);
    }
}
