//! The workloads of issue 7, each timing migrate against its floor.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Db};
use crate::measure::{self, Summary, show, summarize};

/// Where the runs happen and with what.
pub struct Env {
    pub migrate: PathBuf,
    pub dir: PathBuf,
    pub runs: usize,
}

impl Env {
    fn migrate(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.migrate);
        c.args(args);
        c
    }
}

/// A result line: what, the floor (if any), migrate, and the target.
pub struct Line {
    pub name: String,
    pub floor: Option<Summary>,
    pub ours: Summary,
    pub peak_kib: Option<u64>,
    pub target: Target,
}

pub enum Target {
    /// At most this multiple of the floor.
    Ratio(f64),
    /// At most this long.
    Absolute(Duration),
    /// Reported only.
    None,
}

impl Line {
    pub fn print(&self) {
        let range = |s: &Summary| format!("{} ({}–{})", show(s.median), show(s.min), show(s.max));
        let floor = self.floor.as_ref().map(range).unwrap_or_else(|| "-".into());
        let ratio = self
            .floor
            .as_ref()
            .map(|f| self.ours.median.as_secs_f64() / f.median.as_secs_f64());
        let verdict = match (&self.target, ratio) {
            (Target::Ratio(t), Some(r)) if r <= *t => format!("ok (≤ {t:.2}×)"),
            (Target::Ratio(t), Some(r)) => {
                format!("MISSED ≤ {t:.2}× by {:.0}%", (r / t - 1.0) * 100.0)
            }
            (Target::Absolute(t), _) if self.ours.median <= *t => format!("ok (≤ {})", show(*t)),
            (Target::Absolute(t), _) => {
                format!(
                    "MISSED ≤ {} by {:.0}%",
                    show(*t),
                    (self.ours.median.as_secs_f64() / t.as_secs_f64() - 1.0) * 100.0
                )
            }
            _ => String::new(),
        };
        println!(
            "{:<34} floor {:<28} migrate {:<28} ratio {:<7} peak {:<9} {}",
            self.name,
            floor,
            range(&self.ours),
            ratio
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_else(|| "-".into()),
            self.peak_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "-".into()),
            verdict
        );
    }
}

fn up_sql(v: usize) -> String {
    format!(
        "CREATE TABLE t{v} (id INTEGER NOT NULL PRIMARY KEY, a VARCHAR(50), b INTEGER, c VARCHAR(200), d BIGINT);\nCREATE INDEX ix_t{v}_a ON t{v} (a);\n"
    )
}

fn down_sql(v: usize) -> String {
    format!("DROP TABLE t{v};\n")
}

/// A repository of `n` versions, each a table with five columns and an index.
pub fn make_repo(dir: &Path, n: usize) -> PathBuf {
    let repo = dir.join(format!("repo{n}"));
    if repo.exists() {
        return repo;
    }
    fs::create_dir_all(repo.join("versions")).expect("mkdir");
    fs::write(repo.join("migrate.cfg"), "[db_settings]\nrepository_id=bench\nversion_table=migrate_version\nrequired_dbs=[]\nuse_timestamp_numbering=False\n").expect("cfg");
    for v in 1..=n {
        fs::write(
            repo.join(format!("versions/{v:05}_t_default_upgrade.sql")),
            up_sql(v),
        )
        .expect("up");
        fs::write(
            repo.join(format!("versions/{v:05}_t_default_downgrade.sql")),
            down_sql(v),
        )
        .expect("down");
    }
    repo
}

/// The floor: the same statements, a transaction per version with its version-table update.
fn floor_file(dir: &Path, n: usize, up: bool) -> PathBuf {
    let path = dir.join(format!("floor_{}_{n}.sql", if up { "up" } else { "down" }));
    let mut sql = String::new();
    let steps: Vec<usize> = if up {
        (1..=n).collect()
    } else {
        (1..=n).rev().collect()
    };
    for v in steps {
        let (body, from, to) = if up {
            (up_sql(v), v - 1, v)
        } else {
            (down_sql(v), v, v - 1)
        };
        sql.push_str(&format!(
            "BEGIN;\n{body}UPDATE migrate_version SET version = {to} WHERE repository_id = 'bench' AND version = {from};\nCOMMIT;\n"
        ));
    }
    fs::write(&path, sql).expect("floor file");
    path
}

/// Workload 1: upgrade 0→n and downgrade n→0.
pub fn walk(env: &Env, backend: Backend, n: usize) -> Vec<Line> {
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let (up, down) = (
        floor_file(&env.dir, n, true),
        floor_file(&env.dir, n, false),
    );
    let mut samples: [Vec<Duration>; 4] = Default::default();
    let mut peak = None;
    for run in 0..env.runs {
        // Upgrade: floor, then migrate, each on a fresh database at version 0.
        for ours in [false, true] {
            let db = Db::fresh(backend, &env.dir);
            measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
            let wall = if ours {
                let w = measure::run(&mut env.migrate(&["upgrade", &db.url, &r]));
                if run == 0 && backend == Backend::Sqlite {
                    // Peak memory, measured once on a database of its own.
                    let other = Db::fresh(backend, &env.dir);
                    measure::run(&mut env.migrate(&["version_control", &other.url, &r]));
                    let args = vec!["upgrade".to_string(), other.url.clone(), r.clone()];
                    peak = measure::peak_memory_kib(&env.migrate.to_string_lossy(), &args, &[]);
                }
                w
            } else {
                measure::run(&mut db.client(&up))
            };
            samples[usize::from(ours)].push(wall);
            // Downgrade from n, reached by the floor for both.
            let db = Db::fresh(backend, &env.dir);
            measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
            measure::run(&mut db.client(&up));
            let wall = if ours {
                measure::run(&mut env.migrate(&["downgrade", &db.url, &r, "0"]))
            } else {
                measure::run(&mut db.client(&down))
            };
            samples[2 + usize::from(ours)].push(wall);
        }
    }
    let strict = if backend == Backend::Sqlite {
        1.02
    } else {
        1.00
    };
    vec![
        Line {
            name: format!("upgrade 0→{n} {}", backend.name()),
            floor: Some(summarize(&samples[0])),
            ours: summarize(&samples[1]),
            peak_kib: peak,
            target: Target::Ratio(strict),
        },
        Line {
            name: format!("downgrade {n}→0 {}", backend.name()),
            floor: Some(summarize(&samples[2])),
            ours: summarize(&samples[3]),
            peak_kib: None,
            target: Target::Ratio(strict),
        },
    ]
}

/// Workload 2: no-op `db_version` and `upgrade` on SQLite with n applied versions.
pub fn noop(env: &Env, n: usize) -> Vec<Line> {
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let db = Db::fresh(Backend::Sqlite, &env.dir);
    measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
    measure::run(&mut env.migrate(&["upgrade", &db.url, &r]));
    let query = env.dir.join("floor_db_version.sql");
    fs::write(
        &query,
        "SELECT version FROM migrate_version WHERE repository_id = 'bench';\n",
    )
    .expect("write");
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for _ in 0..env.runs * 10 {
        samples[0].push(measure::run(&mut db.client(&query)));
        samples[1].push(measure::run(&mut env.migrate(&["db_version", &db.url, &r])));
        samples[2].push(measure::run(&mut env.migrate(&["upgrade", &db.url, &r])));
    }
    let target = Target::Absolute(Duration::from_millis(6));
    vec![
        Line {
            name: format!("no-op db_version ({n} applied) sqlite"),
            floor: Some(summarize(&samples[0])),
            ours: summarize(&samples[1]),
            peak_kib: None,
            target,
        },
        Line {
            name: format!("no-op upgrade ({n} applied) sqlite"),
            floor: Some(summarize(&samples[0])),
            ours: summarize(&samples[2]),
            peak_kib: None,
            target: Target::Absolute(Duration::from_millis(6)),
        },
    ]
}

/// Workload 3: opening and validating an n-version repository (`migrate version`).
pub fn open(env: &Env, n: usize) -> Line {
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let samples: Vec<Duration> = (0..env.runs * 4)
        .map(|_| measure::run(&mut env.migrate(&["version", &r])))
        .collect();
    Line {
        name: format!("open a {n}-version repository"),
        floor: None,
        ours: summarize(&samples),
        peak_kib: None,
        target: Target::Absolute(Duration::from_millis(50)),
    }
}

/// Workload 4: reflecting `tables` tables (20 columns, 2 indexes, 1 foreign key each).
pub fn reflect(env: &Env, backend: Backend, tables: usize) -> Line {
    let db = Db::fresh(backend, &env.dir);
    // One transaction on SQLite (else a sync per statement); PostgreSQL would run out of
    // lock slots holding 2,000 new tables in one.
    let one_transaction = backend == Backend::Sqlite;
    let mut sql = String::from(if one_transaction { "BEGIN;\n" } else { "" });
    for t in 0..tables {
        let cols: Vec<String> = (0..18).map(|c| format!("c{c} VARCHAR(40)")).collect();
        let fk = if t == 0 {
            String::new()
        } else {
            format!(", FOREIGN KEY (parent_id) REFERENCES r{} (id)", t - 1)
        };
        sql.push_str(&format!(
            "CREATE TABLE r{t} (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER, {}{fk});\n",
            cols.join(", ")
        ));
        sql.push_str(&format!(
            "CREATE INDEX ix_r{t}_a ON r{t} (c0);\nCREATE INDEX ix_r{t}_b ON r{t} (c1, c2);\n"
        ));
    }
    if one_transaction {
        sql.push_str("COMMIT;\n");
    }
    let file = env.dir.join(format!("reflect_{}.sql", backend.name()));
    fs::write(&file, sql).expect("write");
    measure::run(&mut db.client(&file));
    let mut conn = migrate::connect(&db.url).expect("connect");
    let mut samples = Vec::new();
    for _ in 0..env.runs {
        let start = Instant::now();
        let dialect = conn.dialect();
        let schema = dialect.reflect(conn.as_mut(), &[]).expect("reflect");
        samples.push(start.elapsed());
        assert_eq!(schema.tables.len(), tables);
    }
    // SQLAlchemy's MetaData.reflect() on the same database, when a virtualenv with it is
    // given (MIGRATE_BENCH_SQLALCHEMY=/path/to/python): the comparison issue 4 asks for.
    let sqlalchemy = std::env::var("MIGRATE_BENCH_SQLALCHEMY")
        .ok()
        .map(|python| {
            let url = match backend {
                Backend::Mysql => db.url.replacen("mysql://", "mysql+pymysql://", 1),
                Backend::Postgres => db
                    .url
                    .replacen("postgresql://", "postgresql+psycopg2://", 1)
                    .replacen("postgres://", "postgresql+psycopg2://", 1),
                _ => db.url.clone(),
            };
            let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sqlalchemy_reflect.py");
            let out = Command::new(python)
                .arg(script)
                .arg(&url)
                .arg(env.runs.to_string())
                .output()
                .expect("run python");
            assert!(
                out.status.success(),
                "sqlalchemy: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let secs: f64 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("seconds");
            let d = Duration::from_secs_f64(secs);
            Summary {
                median: d,
                min: d,
                max: d,
            }
        });
    let name = match sqlalchemy {
        Some(_) => format!(
            "reflect {tables} tables {} (floor: SQLAlchemy)",
            backend.name()
        ),
        None => format!("reflect {tables} tables {}", backend.name()),
    };
    Line {
        name,
        floor: sqlalchemy,
        ours: summarize(&samples),
        peak_kib: None,
        target: Target::None,
    }
}

/// Workload 5: an SQLite table rebuild (a column's type changes) on a table of `rows` rows,
/// against `sqlite3` running the same statements migrate previews.
pub fn rebuild(env: &Env, rows: usize) -> Line {
    let repo = env.dir.join("rebuild_repo");
    fs::create_dir_all(repo.join("versions")).expect("mkdir");
    fs::write(
        repo.join("migrate.cfg"),
        "[db_settings]\nrepository_id=bench\nversion_table=migrate_version\n",
    )
    .expect("cfg");
    fs::write(
        repo.join("versions/001_big_default_upgrade.sql"),
        format!("CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL);\nCREATE INDEX ix_big_b ON big (b);\nWITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) INSERT INTO big SELECT x, 'row ' || x, x % 1000, x * 0.5 FROM n;\n"),
    )
    .expect("v1");
    fs::write(
        repo.join("versions/001_big_default_downgrade.sql"),
        "DROP TABLE big;\n",
    )
    .expect("v1 down");
    fs::write(repo.join("versions/002_widen.toml"), "[[upgrade]]\nalter_column = { table = \"big\", column = \"b\", type = \"BigInteger\", nullable = false }\n").expect("v2");
    let r = repo.to_string_lossy().to_string();
    let template = Db::fresh(Backend::Sqlite, &env.dir);
    measure::run(&mut env.migrate(&["version_control", &template.url, &r]));
    measure::run(&mut env.migrate(&["upgrade", &template.url, &r, "1"]));
    let preview = Command::new(&env.migrate)
        .args(["upgrade", &template.url, &r, "--preview-sql"])
        .output()
        .expect("preview");
    let body: String = String::from_utf8_lossy(&preview.stdout)
        .lines()
        .filter(|l| !l.starts_with("--") && !l.starts_with("PRAGMA"))
        .map(|l| format!("{l}\n"))
        .collect();
    let floor_sql = env.dir.join("floor_rebuild.sql");
    fs::write(&floor_sql, format!("PRAGMA foreign_keys = OFF;\nBEGIN;\n{body}PRAGMA foreign_key_check(\"big\");\nCOMMIT;\n")).expect("floor");
    let mut samples: [Vec<Duration>; 2] = Default::default();
    for _ in 0..env.runs {
        for ours in [false, true] {
            let db = Db::fresh(Backend::Sqlite, &env.dir);
            fs::copy(template.file().expect("file"), db.file().expect("file")).expect("copy");
            let wall = if ours {
                measure::run(&mut env.migrate(&["upgrade", &db.url, &r]))
            } else {
                measure::run(&mut db.client(&floor_sql))
            };
            samples[usize::from(ours)].push(wall);
        }
    }
    Line {
        name: format!("sqlite rebuild of {rows} rows"),
        floor: Some(summarize(&samples[0])),
        ours: summarize(&samples[1]),
        peak_kib: None,
        target: Target::Ratio(1.05),
    }
}
