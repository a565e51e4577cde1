//! For the example crates' tests (included with `#[path]`): a fresh database on each of the
//! three databases. The servers are those `scripts/test` uses, `MIGRATE_TEST_POSTGRES_URL` and
//! `MIGRATE_TEST_MYSQL_URL` or their defaults on 127.0.0.1; one that cannot be reached fails
//! the test, naming it, so plain `cargo test` never skips a database.

use std::path::Path;

/// A database made for one test, dropped when this goes out of scope.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    /// For a server database: the server's URL and the database's name.
    server: Option<(String, String)>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = &self.server else {
            return;
        };
        if let Ok(mut conn) = migrate::connect(server) {
            let drop = conn.dialect().drop_database(name);
            let _ = conn.execute(&drop);
        }
    }
}

const SERVERS: [(&str, &str); 2] = [
    (
        "MIGRATE_TEST_POSTGRES_URL",
        "postgresql://postgres@127.0.0.1:5432/postgres",
    ),
    ("MIGRATE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/"),
];

/// A SQLite file in `dir`, then a new database named `<prefix>_<pid>_<n>` on each server.
pub fn every_database(dir: &Path, prefix: &str) -> Vec<TestDatabase> {
    let mut out = vec![TestDatabase {
        url: format!("sqlite:///{}", dir.join(format!("{prefix}.db")).display()),
        server: None,
    }];
    for (var, default) in SERVERS {
        let server = std::env::var(var).unwrap_or_else(|_| default.to_string());
        let name = format!("{prefix}_{}_{}", std::process::id(), out.len());
        let mut admin = migrate::connect(&server).unwrap_or_else(|e| {
            // The error names the server, its password masked.
            panic!("test server unreachable: {e}; start it (bash scripts/test does), or point {var} at one")
        });
        let create = format!("CREATE DATABASE {}", admin.dialect().quote_ident(&name));
        admin.execute(&create).expect("create the test database");
        let (scheme, rest) = server.split_once("://").expect("a server URL");
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        out.push(TestDatabase {
            url: format!("{scheme}://{authority}/{name}"),
            server: Some((server, name)),
        });
    }
    out
}
