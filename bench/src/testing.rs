//! Workload `testing` (issue 16): 100 "tests", each getting a database at the repository's
//! latest version, by `migrate::testing` (a copy of a template migrated once) against the
//! way without it (a new database, then every migration). The two are interleaved test by
//! test, in process; each test's time ends with a connection to its database, and dropping
//! the database is timed apart. The template's one-time cost is reported on its own line:
//! its database is dropped first, so that it is really made.
//!
//! Repositories: `examples/heat` (a squashed schema of sixteen tables, then 70 placeholder
//! versions: what a long-lived project looks like) and a generated one of 50 versions, each a
//! table with five columns and an index. The target, on PostgreSQL: ≤ 0.1× the migrations.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use migrate::Repository;
use migrate::executor::Silent;
use migrate::ops::{self, SyncOptions};
use migrate::testing::TestDatabases;

use crate::backend::{Backend, Db};
use crate::measure::summarize;
use crate::workloads::{Env, Line, Target, make_repo};

/// `tests` "tests" per contender (100 unless `--tests` says otherwise).
pub fn testing(env: &Env, backend: Backend, tests: usize) -> Vec<Line> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let repos = [
        ("heat", root.join("examples/heat/migrate_repo")),
        ("generated 50", make_repo(&env.dir, 50)),
    ];
    let mut lines = Vec::new();
    for (label, path) in repos {
        println!(
            "testing {} ({label}): load average {}",
            backend.name(),
            load()
        );
        lines.extend(compare(env, backend, label, &path, tests));
    }
    println!("testing {}: load average {} after", backend.name(), load());
    lines
}

/// The 1, 5 and 15-minute load averages: the machine is shared, and the ratio moves with them.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn compare(env: &Env, backend: Backend, label: &str, path: &Path, tests: usize) -> Vec<Line> {
    let repo = Repository::open(path).expect("open the repository");
    let server = match backend {
        Backend::Sqlite => "sqlite://".to_string(),
        _ => backend.server(),
    };
    drop_template(backend, &server, &repo);
    let started = Instant::now();
    let databases = TestDatabases::new(&server, repo.clone()).expect("the template");
    let template = started.elapsed();

    let (mut copied, mut migrated, mut drops) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..tests {
        let started = Instant::now();
        let db = databases.fresh().expect("a fresh database");
        let conn = db.connect().expect("connect");
        copied.push(started.elapsed());
        drop(conn);
        let started = Instant::now();
        drop(db);
        drops.push(started.elapsed());

        let started = Instant::now();
        let db = Db::fresh(backend, &env.dir);
        let mut conn = migrate::connect(&db.url).expect("connect");
        ops::sync(conn.as_mut(), &repo, &SyncOptions::default(), &mut Silent).expect("migrate");
        migrated.push(started.elapsed());
        drop(conn);
    }
    let total = |d: &[Duration]| d.iter().sum::<Duration>();
    let name = format!("testing {} ({label})", backend.name());
    vec![
        Line {
            name: format!("{name}, {tests} databases"),
            who: "migrate::testing".into(),
            floor: Some(summarize(&[total(&migrated)])),
            ours: summarize(&[total(&copied)]),
            peak_kib: None,
            target: if backend == Backend::Postgres {
                Target::Ratio(0.1)
            } else {
                Target::None
            },
        },
        Line {
            name: format!("{name}, per database"),
            who: "migrate::testing".into(),
            floor: Some(summarize(&migrated)),
            ours: summarize(&copied),
            peak_kib: None,
            target: Target::None,
        },
        Line {
            name: format!("{name}, drop per database"),
            who: "DROP DATABASE".into(),
            floor: None,
            ours: summarize(&drops),
            peak_kib: None,
            target: Target::None,
        },
        Line {
            name: format!("{name}, template once"),
            who: "TestDatabases::new".into(),
            floor: None,
            ours: summarize(&[template]),
            peak_kib: None,
            target: Target::None,
        },
    ]
}

/// Drops the repository's template, so that the measured `TestDatabases::new` makes it.
fn drop_template(backend: Backend, server: &str, repo: &Repository) {
    if backend == Backend::Sqlite {
        return;
    }
    let name = TestDatabases::new(server, repo.clone())
        .expect("the template")
        .template_name()
        .map(str::to_string);
    let mut admin = migrate::connect(server).expect("admin connection");
    if let Some(name) = name {
        let drop = admin.dialect().drop_database(&name);
        admin.execute(&drop).expect("drop the template");
    }
}
