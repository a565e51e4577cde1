//! The port of `dump_schema.py` against the oracle's own records: each seed's recorded
//! statements are replayed on a fresh database, stage by stage, and the port's dump of the
//! result must equal the record `dump_schema.py --data` made at that stage.
//!
//! Stages come from the section labels of `<db>-run.statements.txt` (SQLite:
//! `sqlite-echo.statements.txt`, the second, identical pass with SQLAlchemy's echo):
//! `version_control` and `upgrade to prerequisite version 1` (then, for 003, the sample rows
//! of `sample_data.sql`, loaded by the oracle with the database's own client) make
//! before-upgrade; `upgrade to seed version N` makes after-upgrade; `downgrade to version
//! …` after-downgrade; `upgrade again …` after-reupgrade. Statements the server rejected in
//! the recorded run must fail here too, and no others (see `failed_in_record`); the replay
//! carries on past them, as the recorded run did. All four stages are checked for every
//! seed and every database label of the records: `sqlite`, `postgresql`, `mariadb`
//! (PyMySQL), `mariadb-mysqldb` (MySQLdb) and, for 001, both on a latin1 database.

#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use migrate_core::{Connection, DatabaseUrl, Value};
use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    BeforeUpgrade,
    AfterUpgrade,
    AfterDowngrade,
    AfterReupgrade,
}

impl Stage {
    const ALL: [Stage; 4] = [
        Stage::BeforeUpgrade,
        Stage::AfterUpgrade,
        Stage::AfterDowngrade,
        Stage::AfterReupgrade,
    ];

    fn record(self) -> &'static str {
        match self {
            Stage::BeforeUpgrade => "before-upgrade",
            Stage::AfterUpgrade => "after-upgrade",
            Stage::AfterDowngrade => "after-downgrade",
            Stage::AfterReupgrade => "after-reupgrade",
        }
    }

    /// The stage a section of the statements file belongs to (`None`: `db_version`, which
    /// changes nothing).
    fn of_section(label: &str) -> Option<Stage> {
        if label == "version_control" || label.starts_with("upgrade to prerequisite") {
            Some(Stage::BeforeUpgrade)
        } else if label.starts_with("upgrade to seed version") {
            Some(Stage::AfterUpgrade)
        } else if label.starts_with("downgrade to version") {
            Some(Stage::AfterDowngrade)
        } else if label.starts_with("upgrade again") {
            Some(Stage::AfterReupgrade)
        } else {
            assert!(label.starts_with("db_version"), "unknown section [{label}]");
            None
        }
    }
}

/// One recorded statement.
#[derive(Debug)]
struct Statement {
    sql: String,
    /// SQLite echo: the parameters SQLAlchemy bound to the `?` markers.
    params: Option<Vec<Value>>,
    /// The server log recorded an error for it.
    failed: bool,
}

struct Section {
    label: String,
    /// The recorded command's exit code.
    exit_code: i32,
    statements: Vec<Statement>,
}

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sam-oracle/seeds")
}

/// Python's repr of a tuple of ints, strings and None, as the echo prints parameters.
fn parse_params(text: &str) -> Vec<Value> {
    let inner = text.trim().trim_start_matches('(').trim_end_matches(')');
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ',' || c == ' ' {
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut s = String::new();
            while let Some(ch) = chars.next() {
                match ch {
                    '\\' => s.extend(chars.next()),
                    ch if ch == c => break,
                    ch => s.push(ch),
                }
            }
            values.push(Value::Text(s));
        } else {
            let token: String = std::iter::from_fn(|| chars.next_if(|ch| *ch != ',')).collect();
            let token = token.trim();
            values.push(match token.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) if token == "None" => Value::Null,
                Err(_) => Value::Text(token.to_string()),
            });
        }
    }
    values
}

fn parse_statements(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut buffer = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("==== [") {
            let label = rest.split_once("] ").map_or(rest, |(l, _)| l);
            sections.push(Section {
                label: label.to_string(),
                exit_code: 0,
                statements: Vec::new(),
            });
            continue;
        }
        let section = sections
            .last_mut()
            .expect("statements start with a section");
        if let Some(code) = line.strip_prefix("-- exit code ") {
            let code = code.split(';').next().unwrap_or_default();
            section.exit_code = code.parse().expect("exit code");
            continue;
        }
        if buffer.is_empty() && line.starts_with("-- ") {
            let last = section.statements.last_mut();
            if let (Some(p), Some(last)) = (line.strip_prefix("-- params: "), last) {
                last.params = Some(parse_params(p));
            } else if let (true, Some(last)) = (
                line.starts_with("-- server ERROR"),
                section.statements.last_mut(),
            ) {
                last.failed = true;
            }
            continue;
        }
        if buffer.is_empty() && line.trim().is_empty() {
            continue;
        }
        buffer.push_str(line);
        buffer.push('\n');
        if line.trim_end().ends_with(';') {
            let sql = buffer.trim_end().trim_end_matches(';').to_string();
            buffer.clear();
            section.statements.push(Statement {
                sql,
                params: None,
                failed: false,
            });
        }
    }
    assert!(buffer.trim().is_empty(), "unterminated statement: {buffer}");
    sections
}

fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => std::env::var("MIGRATE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into()),
        _ => std::env::var("MIGRATE_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into()),
    }
}

fn connect(url: &str) -> Box<dyn Connection> {
    let parsed = DatabaseUrl::parse(url).expect("URL parses");
    migrate_drivers::connect(&parsed).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// A fresh database of the test's own, dropped at the end.
struct TestDb {
    conn: Option<Box<dyn Connection>>,
    backend: Backend,
    name: String,
    dir: Option<tempfile::TempDir>,
}

impl TestDb {
    fn new(backend: Backend, tag: &str, latin1: bool) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = format!("mt_testkit_{}_{tag}", std::process::id());
        let url = match backend {
            Backend::Sqlite => format!("sqlite:///{}", dir.path().join("oracle.db").display()),
            _ => {
                let server = server_url(backend);
                let mut admin = connect(&server);
                let q = admin.dialect().quote_ident(&name);
                admin
                    .execute(&format!("CREATE DATABASE {q}"))
                    .expect("create database");
                if latin1 {
                    admin
                        .execute(&format!(
                            "ALTER DATABASE {q} CHARACTER SET latin1 COLLATE latin1_swedish_ci"
                        ))
                        .expect("latin1 database");
                }
                let (scheme, rest) = server.split_once("://").expect("scheme");
                let authority = rest.split(['/', '?']).next().unwrap_or_default();
                format!("{scheme}://{authority}/{name}")
            }
        };
        TestDb {
            conn: Some(connect(&url)),
            backend,
            name,
            dir: Some(dir),
        }
    }

    fn conn(&mut self) -> &mut dyn Connection {
        self.conn.as_deref_mut().expect("open connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.conn = None;
        // MIGRATE_TESTKIT_KEEP=1 keeps the databases (their final stage), to run the Python
        // dump_schema.py on them by hand.
        if std::env::var_os("MIGRATE_TESTKIT_KEEP").is_some() {
            let kept = match self.dir.take() {
                Some(dir) if self.backend == Backend::Sqlite => dir.keep().display().to_string(),
                _ => self.name.clone(),
            };
            eprintln!("kept {:?} database {kept}", self.backend);
            return;
        }
        if self.backend == Backend::Sqlite {
            return;
        }
        let mut admin = connect(&server_url(self.backend));
        let q = admin.dialect().quote_ident(&self.name);
        let force = if self.backend == Backend::Postgres {
            " WITH (FORCE)"
        } else {
            ""
        };
        let _ = admin.execute(&format!("DROP DATABASE IF EXISTS {q}{force}"));
    }
}

/// One database label of the records (`sqlite`, `postgresql`, `mariadb`, …) and how to
/// replay its statements.
struct Replay {
    label: &'static str,
    backend: Backend,
    /// PyMySQL sends a text holding several statements with multi-statements off: the server
    /// rejects all of it (a syntax error at the second statement) and runs none.
    single_statements: bool,
    latin1: bool,
}

impl Replay {
    fn statements_file(&self) -> String {
        match self.backend {
            Backend::Sqlite => "sqlite-echo.statements.txt".into(),
            _ => format!("{}-run.statements.txt", self.label),
        }
    }
}

/// Runs one recorded statement; `Err` with the server's message when it fails.
fn run(db: &mut TestDb, replay: &Replay, seed: &str, statement: &Statement) -> Result<(), String> {
    let sql = statement.sql.replace(
        &format!("ALTER DATABASE seed{seed} "),
        &format!("ALTER DATABASE {} ", db.name),
    );
    if replay.single_statements && sql.contains(';') {
        return Err("several statements in one text (rejected under PyMySQL)".into());
    }
    let conn = db.conn();
    let result = match &statement.params {
        Some(params) => conn.execute_with(&sql, params).map(|_| ()),
        None => conn.execute(&sql),
    };
    result.map_err(|e| e.message)
}

fn sample_rows(seed: &str) -> Vec<String> {
    let path = oracle_dir().join(seed).join("sample_data.sql");
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    body.split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn record(seed: &str, label: &str, stage: Stage) -> Json {
    let path = oracle_dir()
        .join(seed)
        .join(format!("{label}-{}.json", stage.record()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("record is JSON")
}

/// Whether the recorded run saw this statement fail. PostgreSQL's log says so; the MariaDB
/// general log and SQLAlchemy's echo do not, so there it follows from the run (SUMMARY.md):
/// the last statement of a command that exited non-zero (the error that stopped it), a text
/// of several statements (PyMySQL: rejected whole; MySQLdb: stops at 001's `CONVERT TO`,
/// which the run only logged), and 003's INSERTs of an address already present (the seed
/// swallows the IntegrityError).
fn failed_in_record(replay: &Replay, section: &Section, statement: &Statement) -> bool {
    if replay.backend == Backend::Postgres {
        return statement.failed;
    }
    let last = section
        .statements
        .last()
        .is_some_and(|s| std::ptr::eq(s, statement));
    let taken = |address: &str| {
        statement.sql.contains(&format!("'{address}'")) || params_hold(statement, address)
    };
    // Node 2's address is taken only before the downgrade deletes its row; node 4's always.
    let duplicate_address = statement.sql.starts_with("INSERT INTO bm_interfaces")
        && (taken("aa:aa:aa:aa:aa:04")
            || (taken("aa:aa:aa:aa:aa:02") && section.label.starts_with("upgrade to seed")));
    (section.exit_code != 0 && last) || statement.sql.contains(';') || duplicate_address
}

fn params_hold(statement: &Statement, text: &str) -> bool {
    statement
        .params
        .as_ref()
        .is_some_and(|p| p.iter().any(|v| *v == Value::Text(text.to_string())))
}

/// Replays seed `seed` for `replay`, checking the dump at every stage against the record.
fn check_seed(seed: &str, replay: &Replay) {
    let path = oracle_dir().join(seed).join(replay.statements_file());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sections = parse_statements(&text);
    let tag = format!("{seed}_{}", replay.label.replace('-', "_"));
    let mut db = TestDb::new(replay.backend, &tag, replay.latin1);
    let mut failures = Vec::new();
    for stage in Stage::ALL {
        for section in sections
            .iter()
            .filter(|s| Stage::of_section(&s.label) == Some(stage))
        {
            for statement in &section.statements {
                let result = run(&mut db, replay, seed, statement);
                if let Err(e) = &result {
                    failures.push(format!("[{}] {}: {e}", section.label, statement.sql));
                }
                assert_eq!(
                    result.is_err(),
                    failed_in_record(replay, section, statement),
                    "[{}] {}: {result:?}",
                    section.label,
                    statement.sql
                );
            }
            if section.label.starts_with("upgrade to prerequisite") {
                for sql in sample_rows(seed) {
                    db.conn().execute(&sql).expect("sample row");
                }
            }
        }
        let dump = migrate_testkit::dump_schema(db.conn(), true).expect("dump");
        let expected = record(seed, replay.label, stage);
        if stage == Stage::AfterUpgrade {
            // Not vacuous: every seed's upgrade changes the dump.
            let before = record(seed, replay.label, Stage::BeforeUpgrade);
            assert!(migrate_testkit::compare_dumps(&before, &dump).is_err());
        }
        if let Err(report) = migrate_testkit::compare_dumps(&expected, &dump) {
            panic!(
                "seed {seed}, {}, {}: {report}\nstatements that failed: {failures:#?}",
                replay.label,
                stage.record()
            );
        }
    }
    for f in &failures {
        eprintln!(
            "failed as recorded: {}",
            f.lines().next().unwrap_or_default()
        );
    }
}

const SQLITE: Replay = Replay {
    label: "sqlite",
    backend: Backend::Sqlite,
    single_statements: false,
    latin1: false,
};
const POSTGRESQL: Replay = Replay {
    label: "postgresql",
    backend: Backend::Postgres,
    single_statements: false,
    latin1: false,
};
const MARIADB: Replay = Replay {
    label: "mariadb",
    backend: Backend::Mysql,
    single_statements: true,
    latin1: false,
};
const MARIADB_MYSQLDB: Replay = Replay {
    label: "mariadb-mysqldb",
    backend: Backend::Mysql,
    single_statements: false,
    latin1: false,
};

macro_rules! seed_tests {
    ($module:ident, $seed:literal) => {
        mod $module {
            use super::*;

            #[test]
            fn sqlite() {
                check_seed($seed, &SQLITE);
            }

            #[test]
            fn postgresql() {
                check_seed($seed, &POSTGRESQL);
            }

            #[test]
            fn mariadb() {
                check_seed($seed, &MARIADB);
            }

            #[test]
            fn mariadb_mysqldb() {
                check_seed($seed, &MARIADB_MYSQLDB);
            }
        }
    };
}

seed_tests!(seed000, "000");
seed_tests!(seed001, "001");
seed_tests!(seed002, "002");
seed_tests!(seed003, "003");

/// Seed 001 on a database created as latin1 (the MySQL 5.x default), both drivers.
#[test]
fn seed001_latin1() {
    for (label, single_statements) in [("mariadb-latin1", true), ("mariadb-mysqldb-latin1", false)]
    {
        let replay = Replay {
            label,
            backend: Backend::Mysql,
            single_statements,
            latin1: true,
        };
        check_seed("001", &replay);
    }
}

#[test]
fn statements_files_parse_into_sections() {
    let text =
        std::fs::read_to_string(oracle_dir().join("003/sqlite-echo.statements.txt")).expect("read");
    let sections = parse_statements(&text);
    let upgrade = sections
        .iter()
        .find(|s| s.label == "upgrade to seed version 2")
        .expect("seed section");
    assert_eq!(upgrade.statements.len(), 6);
    assert_eq!(
        upgrade.statements[2].params,
        Some(vec![Value::Int(3), Value::Null])
    );
    assert_eq!(
        parse_params("('seed000', '$ORACLE_TMP/x', 0)"),
        vec![
            Value::Text("seed000".into()),
            Value::Text("$ORACLE_TMP/x".into()),
            Value::Int(0)
        ]
    );
}
