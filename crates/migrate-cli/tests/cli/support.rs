//! Per-test databases, the backend matrix, and running the binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_core::{Connection, DatabaseUrl, Value};

/// The databases the matrix runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// Instantiates a scenario once per backend: `name::sqlite`, `name::postgres`, `name::mysql`.
macro_rules! matrix {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::support::{Backend, TestDb};

            fn scenario($db: TestDb) $body

            #[test]
            fn sqlite() {
                scenario(TestDb::new(Backend::Sqlite, concat!(module_path!(), "::sqlite")));
            }

            #[test]
            fn postgres() {
                scenario(TestDb::new(Backend::Postgres, concat!(module_path!(), "::postgres")));
            }

            #[test]
            fn mysql() {
                scenario(TestDb::new(Backend::Mysql, concat!(module_path!(), "::mysql")));
            }
        }
    };
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database of its own for one test, dropped when the test ends, plus a scratch directory.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub name: String,
    admin_url: String,
    pub dir: tempfile::TempDir,
}

/// The test server's URL for `backend` (PostgreSQL or MySQL), as the environment sets it.
pub fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => std::env::var("MIGRATE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into()),
        _ => std::env::var("MIGRATE_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into()),
    }
}

fn admin_connect(backend: Backend, url: &str) -> Box<dyn Connection> {
    let parsed = DatabaseUrl::parse(url).expect("test server URL parses");
    migrate_drivers::connect(&parsed).unwrap_or_else(|e| {
        let start = match backend {
            Backend::Postgres => "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            _ => "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
        };
        panic!(
            "{backend:?} test server unreachable: {e}\nstart it with `{start}` (or run scripts/test, which does), \
             or point MIGRATE_TEST_POSTGRES_URL / MIGRATE_TEST_MYSQL_URL at one"
        )
    })
}

/// Replaces the database part of a server URL.
fn with_database(server: &str, database: &str) -> String {
    let (scheme, rest) = server.split_once("://").expect("URL has a scheme");
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    format!("{scheme}://{authority}/{database}")
}

impl TestDb {
    pub fn new(backend: Backend, test: &str) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tail: String = test
            .rsplit("::")
            .take(3)
            .collect::<Vec<_>>()
            .join("_")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(36)
            .collect();
        let name = format!("mt_{}_{n}_{tail}", std::process::id());
        let (url, admin_url) = match backend {
            Backend::Sqlite => (
                format!("sqlite:///{}", dir.path().join("test.db").display()),
                String::new(),
            ),
            _ => {
                let admin = server_url(backend);
                let mut conn = admin_connect(backend, &admin);
                let q = conn.dialect().quote_ident(&name);
                conn.execute(&format!("CREATE DATABASE {q}"))
                    .expect("create test database");
                (with_database(&admin, &name), admin)
            }
        };
        TestDb {
            backend,
            url,
            name,
            admin_url,
            dir,
        }
    }

    /// A path inside the test's scratch directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn conn(&self) -> Box<dyn Connection> {
        migrate_drivers::connect(&DatabaseUrl::parse(&self.url).expect("url"))
            .expect("connect to test database")
    }

    pub fn query(&self, sql: &str) -> Vec<Vec<Value>> {
        self.conn()
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub fn execute(&self, sql: &str) {
        self.conn()
            .execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Waits until no other session is connected to the database: a killed client's server
    /// session may still be finishing (and committing) what it was sent.
    pub fn wait_for_other_sessions(&self) {
        let sql = match self.backend {
            Backend::Sqlite => return,
            Backend::Postgres => {
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            }
            Backend::Mysql => {
                "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            }
        };
        let start = std::time::Instant::now();
        while self.query(sql)[0][0].as_int() != Some(0) {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "another session stays connected to {}",
                self.name
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The tables of the database, sorted, without migrate's journal (see `journal`).
    pub fn tables(&self) -> Vec<String> {
        let mut names = self.all_tables();
        names.retain(|t| !t.ends_with("_journal"));
        names
    }

    /// Every table of the database, sorted.
    pub fn all_tables(&self) -> Vec<String> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            }
            Backend::Mysql => {
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
        };
        let mut names: Vec<String> = self.query(sql).into_iter().map(|r| text(&r[0])).collect();
        names.sort();
        names
    }

    /// `(name, type, nullable)` of each column in order, types in the database's own words.
    pub fn columns(&self, table: &str) -> Vec<(String, String, bool)> {
        match self.backend {
            Backend::Sqlite => self
                .query(&format!("SELECT name, type, \"notnull\" FROM pragma_table_info('{table}') ORDER BY cid"))
                .into_iter()
                .map(|r| (text(&r[0]), text(&r[1]), r[2].as_int() == Some(0)))
                .collect(),
            Backend::Postgres => self
                .query(&format!(
                    "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
                ))
                .into_iter()
                .map(|r| (text(&r[0]), text(&r[1]), text(&r[2]) == "YES"))
                .collect(),
            Backend::Mysql => self
                .describe(table)
                .into_iter()
                .map(|r| (r[0].clone(), r[1].clone(), r[2] == "YES"))
                .collect(),
        }
    }

    /// MySQL's `DESCRIBE`: Field, Type, Null, Key, Default, Extra.
    pub fn describe(&self, table: &str) -> Vec<Vec<String>> {
        self.query(&format!("DESCRIBE `{table}`"))
            .into_iter()
            .map(|r| {
                r.iter()
                    .map(|v| {
                        if *v == Value::Null {
                            "NULL".into()
                        } else {
                            text(v)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The rows of the version table: (repository_id, repository_path, version).
    pub fn version_rows(&self, table: &str) -> Vec<(String, String, i64)> {
        let mut rows: Vec<_> = self
            .query(&format!(
                "SELECT repository_id, repository_path, version FROM {table}"
            ))
            .into_iter()
            .map(|r| {
                (
                    text(&r[0]),
                    text(&r[1]),
                    r[2].as_int().expect("int version"),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    /// Tables and version rows: what "unchanged" is checked against.
    pub fn snapshot(&self) -> (Vec<String>, Vec<(String, String, i64)>) {
        let tables = self.tables();
        let rows = if tables.iter().any(|t| t == "migrate_version") {
            self.version_rows("migrate_version")
        } else {
            Vec::new()
        };
        (tables, rows)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.backend == Backend::Sqlite {
            return;
        }
        let mut conn = admin_connect(self.backend, &self.admin_url);
        let q = conn.dialect().quote_ident(&self.name);
        let force = if self.backend == Backend::Postgres {
            " WITH (FORCE)"
        } else {
            ""
        };
        let _ = conn.execute(&format!("DROP DATABASE IF EXISTS {q}{force}"));
    }
}

pub fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Stderr without the timing of a walk (a line per step and the summary, checked in
    /// `conventions`): the warnings and errors.
    pub fn diagnostics(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| !is_timing(l))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn failure(&self, code: i32, needle: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        let errors = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count();
        assert_eq!(
            errors, 1,
            "stderr should hold one 'error: ' line:\n{}",
            self.stderr
        );
        self
    }
}

/// `step 0 -> 1 took 3.1 ms` or `upgraded 0 -> 2: 2 versions in 5.0 ms; slowest step …`.
pub fn is_timing(line: &str) -> bool {
    let step = line.strip_prefix("step ").is_some_and(|rest| {
        rest.split_once(" took ")
            .is_some_and(|(walk, took)| walk.contains(" -> ") && is_duration(took))
    });
    let summary = ["upgraded ", "downgraded "]
        .iter()
        .any(|verb| line.starts_with(verb) && line.contains(" in ") && line.contains(": "));
    step || summary
}

/// `3.1 ms`, `41 ms`, `2.35 s`.
pub fn is_duration(text: &str) -> bool {
    text.strip_suffix(" ms")
        .or_else(|| text.strip_suffix(" s"))
        .is_some_and(|n| n.parse::<f64>().is_ok())
}

/// Fails when `text` holds Rust's `Debug` shapes (`DriverError { … }`, `Some(…)`, `Os { code:
/// … }`), which mean nothing to a user: messages show values, not structures.
#[track_caller]
pub fn assert_no_debug_text(text: &str) {
    for shape in ["Error {", "Some(", "None", "Os {", "kind:", "code:", "\\\""] {
        assert!(
            !text.contains(shape),
            "Rust Debug text ({shape}) in:\n{text}"
        );
    }
}

/// `program`, run in `cwd` with none of migrate's environment variables set.
fn clean_cmd(program: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd);
    for var in [
        "MIGRATE_URL",
        "DATABASE_URL",
        "MIGRATE_REPOSITORY",
        "MIGRATE_BIN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The `migrate` binary, run in `cwd` with none of migrate's environment variables set.
pub fn migrate_cmd(cwd: &Path) -> Command {
    clean_cmd(env!("CARGO_BIN_EXE_migrate"), cwd)
}

/// `python FILE ARGS` in `cwd`, as the Python tool's users run `manage.py`, with none of
/// migrate's environment variables set: `python` where there is one, else `python3` (Debian
/// installs only the latter).
pub fn python_cmd(cwd: &Path, file: &str) -> Command {
    static PYTHON: std::sync::OnceLock<&str> = std::sync::OnceLock::new();
    let python = PYTHON.get_or_init(|| {
        let found = Command::new("python")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if found { "python" } else { "python3" }
    });
    let mut cmd = clean_cmd(python, cwd);
    cmd.arg(file);
    cmd
}

pub fn outcome(cmd: &mut Command) -> Outcome {
    let out = cmd.output().expect("run migrate");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `migrate ARGS` in `cwd`.
pub fn migrate(cwd: &Path, args: &[&str]) -> Outcome {
    outcome(migrate_cmd(cwd).args(args))
}

impl TestDb {
    /// Runs `migrate ARGS` in the test's directory with `input` as its standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Outcome {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = migrate_cmd(self.dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run migrate");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait for migrate");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `migrate ARGS` in the test's directory.
    pub fn run(&self, args: &[&str]) -> Outcome {
        migrate(self.dir.path(), args)
    }

    /// Writes a file under the test's directory, creating parents.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Versions 1..=n of `repo`, each an upgrade script `up(v)` and a downgrade dropping `t{v}`.
    pub fn table_versions(&self, n: usize, up: impl Fn(usize) -> String) {
        for v in 1..=n {
            self.write(
                &format!("repo/versions/{v:03}_t_default_upgrade.sql"),
                &up(v),
            );
            self.write(
                &format!("repo/versions/{v:03}_t_default_downgrade.sql"),
                &format!("DROP TABLE t{v};\n"),
            );
        }
    }
}

/// The example repository of the seed tutorial (books, then isbn).
pub const BOOKS_REPO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/books/migrate_repo"
);

impl TestDb {
    /// Copies the books example repository to `rel` in the test's directory.
    pub fn books_repo(&self, rel: &str) {
        let dest = self.path(rel);
        std::fs::create_dir_all(dest.join("versions")).expect("mkdir");
        std::fs::copy(
            Path::new(BOOKS_REPO).join("migrate.cfg"),
            dest.join("migrate.cfg"),
        )
        .expect("copy cfg");
        for entry in std::fs::read_dir(Path::new(BOOKS_REPO).join("versions")).expect("versions") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dest.join("versions").join(entry.file_name()))
                .expect("copy script");
        }
    }

    /// The example's upgrade script of `version` for this backend, as text.
    pub fn books_script(&self, prefix: &str) -> String {
        let dbms = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
            Backend::Mysql => "mysql",
        };
        let dir = Path::new(BOOKS_REPO).join("versions");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("versions")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(prefix) && n.ends_with("_upgrade.sql"))
            .collect();
        names.sort_by_key(|n| !n.contains(dbms));
        std::fs::read_to_string(dir.join(&names[0])).expect("script")
    }
}

impl TestDb {
    /// The database's schema as migrate reflects it, without migrate's own tables.
    pub fn schema(&self) -> migrate_core::schema::Schema {
        let mut conn = self.conn();
        let dialect = conn.dialect();
        dialect
            .reflect(
                conn.as_mut(),
                &["migrate_version", "migrate_version_journal"],
            )
            .expect("reflect")
    }

    /// Copies an example repository under `examples/` to `rel`.
    pub fn example(&self, name: &str, rel: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name);
        let dest = self.path(rel);
        std::fs::create_dir_all(dest.join("versions")).expect("mkdir");
        std::fs::copy(src.join("migrate.cfg"), dest.join("migrate.cfg")).expect("cfg");
        for e in std::fs::read_dir(src.join("versions")).expect("versions") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dest.join("versions").join(e.file_name())).expect("copy");
        }
    }
}
