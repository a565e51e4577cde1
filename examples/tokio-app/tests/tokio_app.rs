//! The application starts on SQLite, PostgreSQL and MariaDB: each time its database ends at
//! the repository's latest version, the first time from empty, the second as a no-op.

use std::process::Command;

#[path = "../../test_servers.rs"]
mod test_servers;

#[test]
fn the_application_syncs_at_start_up_on_every_database() {
    let dir = tempfile::tempdir().expect("dir");
    let repo = migrate::Repository::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../books/migrate_repo"
    ))
    .expect("the books repository");
    let latest = repo.latest();
    for db in test_servers::every_database(dir.path(), "tokio_app") {
        for run in ["from empty", "again"] {
            let out = Command::new(env!("CARGO_BIN_EXE_tokio-app"))
                .arg(&db.url)
                .output()
                .expect("run tokio-app");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{} ({run}): {stderr}", db.url);
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                latest.to_string(),
                "{} ({run})",
                db.url
            );
            let mut conn = migrate::connect(&db.url).expect("connect");
            let version = migrate::ops::db_version(conn.as_mut(), repo.config()).expect("version");
            assert_eq!(version, latest, "{} ({run})", db.url);
            assert!(
                conn.query("SELECT isbn FROM books", &[]).is_ok(),
                "{} ({run}): the latest version's column is there",
                db.url
            );
        }
    }
}
