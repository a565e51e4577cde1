//! The workloads of issue 7, each timing migrate against its floor.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Db};
use crate::measure::{self, Summary, show, summarize};
use crate::peers::Peer;

/// Where the runs happen and with what.
pub struct Env {
    pub migrate: PathBuf,
    pub dir: PathBuf,
    pub runs: usize,
}

impl Env {
    pub fn migrate(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.migrate);
        c.args(args);
        c
    }
}

/// A result line: what, the floor (if any), the contender (migrate or a peer), and the target.
pub struct Line {
    pub name: String,
    pub who: String,
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
            "{:<34} floor {:<28} {:<18} {:<28} ratio {:<7} peak {:<9} {}",
            self.name,
            floor,
            self.who,
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

pub fn up_sql(v: usize) -> String {
    format!(
        "CREATE TABLE t{v} (id INTEGER NOT NULL PRIMARY KEY, a VARCHAR(50), b INTEGER, c VARCHAR(200), d BIGINT);\nCREATE INDEX ix_t{v}_a ON t{v} (a);\n"
    )
}

pub fn down_sql(v: usize) -> String {
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
pub fn floor_file(dir: &Path, n: usize, up: bool) -> PathBuf {
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

/// Workload 1: upgrade 0→n and downgrade n→0, by the floor, migrate and each peer tool
/// found, interleaved.
pub fn walk(env: &Env, backend: Backend, n: usize, peers: &[Peer]) -> Vec<Line> {
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let (up, down) = (
        floor_file(&env.dir, n, true),
        floor_file(&env.dir, n, false),
    );
    let roots: Vec<PathBuf> = peers.iter().map(|p| p.prepare(&env.dir, n)).collect();
    // Contender 0 is the floor, 1 migrate, 2.. the peers; each has upgrade and downgrade samples.
    let contenders = 2 + peers.len();
    let mut ups: Vec<Vec<Duration>> = vec![Vec::new(); contenders];
    let mut downs: Vec<Vec<Duration>> = vec![Vec::new(); contenders];
    let mut peaks: Vec<Option<u64>> = vec![None; contenders];
    for run in 0..env.runs {
        for c in 0..contenders {
            let peer = c.checked_sub(2).map(|i| (&peers[i], &roots[i]));
            // Upgrade, on a fresh database at version 0.
            let db = Db::fresh(backend, &env.dir);
            let mut upgrade = match peer {
                None => {
                    measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
                    if c == 0 {
                        db.client(&up)
                    } else {
                        env.migrate(&["upgrade", &db.url, &r])
                    }
                }
                Some((p, root)) => {
                    if let Some(mut init) = p.init(root, &db) {
                        measure::run(&mut init);
                    }
                    p.upgrade(root, &db)
                }
            };
            ups[c].push(measure::run(&mut upgrade));
            assert!(
                db.has_table(&format!("t{n}")),
                "contender {c} did not upgrade"
            );
            if run == 0 && c > 0 {
                // Peak memory, measured once on a database of its own.
                let other = Db::fresh(backend, &env.dir);
                let mut cmd = match peer {
                    None => {
                        measure::run(&mut env.migrate(&["version_control", &other.url, &r]));
                        env.migrate(&["upgrade", &other.url, &r])
                    }
                    Some((p, root)) => {
                        if let Some(mut init) = p.init(root, &other) {
                            measure::run(&mut init);
                        }
                        p.upgrade(root, &other)
                    }
                };
                peaks[c] = measure::peak_memory_kib(&mut cmd);
            }
            // Downgrade from n, reached by the floor (or the peer's own upgrade, untimed).
            let db = Db::fresh(backend, &env.dir);
            let downgrade = match peer {
                None => {
                    measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
                    measure::run(&mut db.client(&up));
                    Some(if c == 0 {
                        db.client(&down)
                    } else {
                        env.migrate(&["downgrade", &db.url, &r, "0"])
                    })
                }
                Some((p, root)) => p.downgrade(root, &db).inspect(|_| {
                    if let Some(mut init) = p.init(root, &db) {
                        measure::run(&mut init);
                    }
                    measure::run(&mut p.upgrade(root, &db));
                }),
            };
            if let Some(mut cmd) = downgrade {
                downs[c].push(measure::run(&mut cmd));
                assert!(!db.has_table("t1"), "contender {c} did not downgrade");
            }
        }
    }
    let strict = if backend == Backend::Sqlite {
        1.02
    } else {
        1.00
    };
    let floor_up = summarize(&ups[0]);
    let floor_down = summarize(&downs[0]);
    let mut lines = Vec::new();
    for c in 1..contenders {
        let (who, target) = match c {
            1 => ("migrate".to_string(), Target::Ratio(strict)),
            _ => (peers[c - 2].name().to_string(), Target::None),
        };
        lines.push(Line {
            name: format!("upgrade 0→{n} {}", backend.name()),
            who: who.clone(),
            floor: Some(floor_up),
            ours: summarize(&ups[c]),
            peak_kib: peaks[c],
            target: if c == 1 {
                Target::Ratio(strict)
            } else {
                Target::None
            },
        });
        if !downs[c].is_empty() {
            lines.push(Line {
                name: format!("downgrade {n}→0 {}", backend.name()),
                who,
                floor: Some(floor_down),
                ours: summarize(&downs[c]),
                peak_kib: None,
                target,
            });
        }
    }
    lines
}

/// Workload 1b: upgrade 0→n as one transaction (`--single-transaction`), against the
/// floor running the same statements and version updates between one `BEGIN` and `COMMIT`.
/// Only where DDL is transactional (SQLite, PostgreSQL).
pub fn walk_single(env: &Env, backend: Backend, n: usize) -> Option<Line> {
    if backend == Backend::Mysql {
        return None;
    }
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let floor = env.dir.join(format!("floor_single_{n}.sql"));
    let mut sql = String::from("BEGIN;\n");
    for v in 1..=n {
        sql.push_str(&up_sql(v));
        sql.push_str(&format!(
            "UPDATE migrate_version SET version = {v} WHERE repository_id = 'bench' AND version = {};\n",
            v - 1
        ));
    }
    sql.push_str("COMMIT;\n");
    fs::write(&floor, sql).expect("floor file");
    let mut samples: [Vec<Duration>; 2] = Default::default();
    for _ in 0..env.runs {
        for ours in [false, true] {
            let db = Db::fresh(backend, &env.dir);
            measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
            let mut cmd = if ours {
                env.migrate(&["upgrade", &db.url, &r, "--single-transaction"])
            } else {
                db.client(&floor)
            };
            samples[usize::from(ours)].push(measure::run(&mut cmd));
            assert!(db.has_table(&format!("t{n}")), "no upgrade");
        }
    }
    Some(Line {
        name: format!("upgrade 0→{n} one transaction {}", backend.name()),
        who: "migrate".into(),
        floor: Some(summarize(&samples[0])),
        ours: summarize(&samples[1]),
        peak_kib: None,
        target: Target::Ratio(if backend == Backend::Sqlite {
            1.02
        } else {
            1.00
        }),
    })
}

/// Workload 2: no-op `db_version` and `upgrade` on SQLite with n applied versions, by
/// migrate and each peer found (its status command and its upgrade on its own database).
pub fn noop(env: &Env, n: usize, peers: &[Peer]) -> Vec<Line> {
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
    // Each contender: (who, status command, upgrade command), on its own up-to-date database.
    let mut contenders: Vec<(String, Option<Command>, Command)> = vec![(
        "migrate".into(),
        Some(env.migrate(&["db_version", &db.url, &r])),
        env.migrate(&["upgrade", &db.url, &r]),
    )];
    let mut keep = Vec::new();
    for p in peers {
        let root = p.prepare(&env.dir, n);
        let pdb = Db::fresh(Backend::Sqlite, &env.dir);
        if let Some(mut init) = p.init(&root, &pdb) {
            measure::run(&mut init);
        }
        measure::run(&mut p.upgrade(&root, &pdb));
        contenders.push((
            p.name().into(),
            p.status(&root, &pdb),
            p.upgrade(&root, &pdb),
        ));
        keep.push(pdb);
    }
    let mut floor = Vec::new();
    let mut status: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    let mut upgrade: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for _ in 0..env.runs * 10 {
        floor.push(measure::run(&mut db.client(&query)));
        for (i, (_, s, u)) in contenders.iter_mut().enumerate() {
            if let Some(s) = s {
                status[i].push(measure::run(s));
            }
            upgrade[i].push(measure::run(u));
        }
    }
    let floor = summarize(&floor);
    let target = |i: usize| {
        if i == 0 {
            Target::Absolute(Duration::from_millis(6))
        } else {
            Target::None
        }
    };
    let mut lines = Vec::new();
    for (i, (who, ..)) in contenders.iter().enumerate() {
        if !status[i].is_empty() {
            lines.push(Line {
                name: format!("no-op db_version ({n} applied) sqlite"),
                who: who.clone(),
                floor: Some(floor),
                ours: summarize(&status[i]),
                peak_kib: None,
                target: target(i),
            });
        }
        lines.push(Line {
            name: format!("no-op upgrade ({n} applied) sqlite"),
            who: who.clone(),
            floor: Some(floor),
            ours: summarize(&upgrade[i]),
            peak_kib: None,
            target: target(i),
        });
    }
    lines
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
        who: "migrate".into(),
        floor: None,
        ours: summarize(&samples),
        peak_kib: None,
        target: Target::Absolute(Duration::from_millis(50)),
    }
}

/// Workload 4: reflecting `tables` tables (20 columns, 2 indexes, 1 foreign key each).
pub fn reflect(env: &Env, backend: Backend, tables: usize) -> Line {
    let db = crate::fixture::wide(env, backend, tables);
    let mut conn = migrate::connect(&db.url).expect("connect");
    let mut samples = Vec::new();
    for _ in 0..env.runs {
        let start = Instant::now();
        let dialect = conn.dialect();
        let schema = dialect
            .reflect(
                conn.as_mut(),
                &["migrate_version", "migrate_version_journal"],
            )
            .expect("reflect");
        samples.push(start.elapsed());
        assert_eq!(schema.tables.len(), tables);
    }
    // SQLAlchemy's MetaData.reflect() on the same database, when a virtualenv with it is
    // given (MIGRATE_BENCH_SQLALCHEMY=/path/to/python): the comparison issue 4 asks for.
    let sqlalchemy = std::env::var("MIGRATE_BENCH_SQLALCHEMY")
        .ok()
        .map(|python| {
            let url = crate::peers::sqlalchemy_url(&db);
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
        who: "migrate".into(),
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
        who: "migrate".into(),
        floor: Some(summarize(&samples[0])),
        ours: summarize(&samples[1]),
        peak_kib: None,
        target: Target::Ratio(1.05),
    }
}
