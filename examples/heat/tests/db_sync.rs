//! `heat-manage db_sync` on SQLite, and on PostgreSQL and MariaDB when the test servers are
//! configured (as `scripts/test` does): sixteen tables, migrate_version at 71, twice.

use std::process::Command;

fn run(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heat-manage"))
        .args(["--database", url, "db_sync"])
        .output()
        .expect("run heat-manage")
}

#[test]
fn db_sync_brings_every_database_to_71() {
    let dir = tempfile::tempdir().expect("dir");
    let mut urls = vec![(
        format!("sqlite:///{}", dir.path().join("heat.db").display()),
        None,
    )];
    for var in ["MIGRATE_TEST_POSTGRES_URL", "MIGRATE_TEST_MYSQL_URL"] {
        if let Ok(server) = std::env::var(var) {
            let name = format!("heat_{}_{}", std::process::id(), urls.len());
            let mut admin = migrate::connect(&server).expect("server");
            let q = admin.dialect().quote_ident(&name);
            admin
                .execute(&format!("CREATE DATABASE {q}"))
                .expect("create");
            let (scheme, rest) = server.split_once("://").expect("url");
            let authority = rest.split(['/', '?']).next().unwrap_or_default();
            urls.push((
                format!("{scheme}://{authority}/{name}"),
                Some((server, name)),
            ));
        }
    }
    for (url, admin) in urls {
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
        if let Some((server, name)) = admin {
            let mut c = migrate::connect(&server).expect("server");
            let q = c.dialect().quote_ident(&name);
            let force = if server.starts_with("postgres") {
                " WITH (FORCE)"
            } else {
                ""
            };
            let _ = c.execute(&format!("DROP DATABASE IF EXISTS {q}{force}"));
        }
    }
}
