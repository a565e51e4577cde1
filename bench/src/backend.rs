//! The three databases as the harness uses them: a fresh database per run, its URL for
//! migrate, and its own client (`sqlite3`, `psql`, `mariadb`) running a SQL file: the floor.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
            Backend::Mysql => "mariadb",
        }
    }

    /// The database's own client program.
    pub fn client(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite3",
            Backend::Postgres => "psql",
            Backend::Mysql => "mariadb",
        }
    }

    /// The test server's URL (PostgreSQL or MariaDB).
    pub fn server(self) -> String {
        match self {
            Backend::Postgres => std::env::var("MIGRATE_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into()),
            _ => std::env::var("MIGRATE_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into()),
        }
    }
}

/// One fresh database (or a kept one: see [`Db::kept`]).
pub struct Db {
    pub backend: Backend,
    pub url: String,
    name: String,
    file: Option<PathBuf>,
    /// Left in place when dropped.
    keep: bool,
}

impl Db {
    pub fn fresh(backend: Backend, dir: &Path) -> Db {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("mbench_{}_{n}", std::process::id());
        match backend {
            Backend::Sqlite => {
                let file = dir.join(format!("{name}.db"));
                Db {
                    backend,
                    url: format!("sqlite:///{}", file.display()),
                    name,
                    file: Some(file),
                    keep: false,
                }
            }
            _ => {
                let server = backend.server();
                let mut conn =
                    migrate::connect(&server).unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
                let q = conn.dialect().quote_ident(&name);
                conn.execute(&format!("CREATE DATABASE {q}"))
                    .expect("create database");
                let (scheme, rest) = server.split_once("://").expect("url");
                let authority = rest.split(['/', '?']).next().unwrap_or_default();
                Db {
                    backend,
                    url: format!("{scheme}://{authority}/{name}"),
                    name,
                    file: None,
                    keep: false,
                }
            }
        }
    }

    /// The server database `name`, created if missing and kept when dropped, with whether it
    /// already existed: what a fixture too slow to build per run lives in.
    pub fn kept(backend: Backend, name: &str) -> (Db, bool) {
        assert!(backend != Backend::Sqlite, "only server databases are kept");
        let server = backend.server();
        let mut conn =
            migrate::connect(&server).unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
        let list = conn
            .dialect()
            .databases_query()
            .expect("servers list databases");
        let existed = conn
            .query(list, &[])
            .expect("list databases")
            .iter()
            .any(|r| r.first() == Some(&migrate::Value::Text(name.to_string())));
        if !existed {
            let q = conn.dialect().quote_ident(name);
            conn.execute(&format!("CREATE DATABASE {q}"))
                .expect("create database");
        }
        let (scheme, rest) = server.split_once("://").expect("url");
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let db = Db {
            backend,
            url: format!("{scheme}://{authority}/{name}"),
            name: name.to_string(),
            file: None,
            keep: true,
        };
        (db, existed)
    }

    /// Drops and recreates the database, empty.
    pub fn empty(&self) {
        if let Some(file) = &self.file {
            let _ = std::fs::remove_file(file);
            return;
        }
        let mut conn = migrate::connect(&self.backend.server()).expect("connect");
        let dialect = conn.dialect();
        conn.execute(&dialect.drop_database(&self.name))
            .expect("drop database");
        conn.execute(&format!(
            "CREATE DATABASE {}",
            dialect.quote_ident(&self.name)
        ))
        .expect("create database");
    }

    /// The database's own client reading `sql` from a file: the floor.
    pub fn client(&self, sql: &Path) -> Command {
        let mut cmd = match self.backend {
            Backend::Sqlite => {
                let mut c = Command::new("sqlite3");
                c.arg(self.file.as_ref().expect("file"));
                c
            }
            Backend::Postgres => {
                let mut c = Command::new("psql");
                c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url]);
                c
            }
            Backend::Mysql => {
                // The server the URL names (a Galera node on a port of its own, say).
                let authority = self
                    .url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split('/').next())
                    .unwrap_or_default();
                let host_port = authority.rsplit('@').next().unwrap_or_default();
                let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
                let mut c = Command::new("mariadb");
                c.args(["-h", host, "-P", port, "-u", "root", &self.name]);
                c
            }
        };
        cmd.stdin(Stdio::from(std::fs::File::open(sql).expect("sql file")));
        cmd
    }

    /// Whether `table` exists: how the harness checks that a contender did the work it timed.
    pub fn has_table(&self, table: &str) -> bool {
        let mut conn = migrate::connect(&self.url).expect("connect");
        let q = conn.dialect().quote_ident(table);
        conn.execute(&format!("SELECT 1 FROM {q} WHERE 1 = 0"))
            .is_ok()
    }

    /// The sqlite file (SQLite only).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if self.backend == Backend::Sqlite {
            if let Some(f) = &self.file {
                let _ = std::fs::remove_file(f);
            }
            return;
        }
        if let Ok(mut conn) = migrate::connect(&self.backend.server()) {
            let q = conn.dialect().quote_ident(&self.name);
            let force = if self.backend == Backend::Postgres {
                " WITH (FORCE)"
            } else {
                ""
            };
            let _ = conn.execute(&format!("DROP DATABASE IF EXISTS {q}{force}"));
        }
    }
}
