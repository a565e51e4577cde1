//! Issue 11's benchmark: a 50-version repository of sqlalchemy-migrate Python scripts, upgraded
//! 0→50 by migrate's interpreter, by the real sqlalchemy-migrate (when installed, see the
//! README) and, as the floor, by the database's client running the walk's SQL: the same
//! tables, columns and indexes, a transaction per version with its version-table update.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backend::{Backend, Db};
use crate::measure::{self, summarize};
use crate::peers::{Peer, sqlalchemy_url};
use crate::workloads::{Env, Line, Target, floor_file};

fn script(v: usize) -> String {
    format!(
        "from sqlalchemy import *\nfrom migrate import *\n\nmeta = MetaData()\n\n\n\
         def upgrade(migrate_engine):\n    meta.bind = migrate_engine\n    \
         t = Table('t{v}', meta,\n              Column('id', Integer, primary_key=True),\n              \
         Column('a', String(50), index=True),\n              Column('b', Integer),\n              \
         Column('c', String(200)),\n              Column('d', BigInteger))\n    t.create()\n\n\n\
         def downgrade(migrate_engine):\n    meta.bind = migrate_engine\n    \
         Table('t{v}', meta, autoload=True).drop()\n"
    )
}

/// The repository, as `migrate create` and sqlalchemy-migrate lay it out.
fn make_repo(dir: &Path, n: usize) -> PathBuf {
    let repo = dir.join(format!("python{n}"));
    if repo.exists() {
        return repo;
    }
    fs::create_dir_all(repo.join("versions")).expect("mkdir");
    fs::write(repo.join("__init__.py"), "").expect("init");
    fs::write(repo.join("versions/__init__.py"), "").expect("init");
    fs::write(
        repo.join("migrate.cfg"),
        "[db_settings]\nrepository_id=bench\nversion_table=migrate_version\nrequired_dbs=[]\nuse_timestamp_numbering=False\n",
    )
    .expect("cfg");
    for v in 1..=n {
        fs::write(repo.join(format!("versions/{v:03}_t{v}.py")), script(v)).expect("script");
    }
    repo
}

/// Upgrades 0→n, interleaved: the floor, migrate, and sqlalchemy-migrate when installed.
pub fn walk(env: &Env, backend: Backend, n: usize, peers: &[Peer]) -> Vec<Line> {
    let repo = make_repo(&env.dir, n);
    let r = repo.to_string_lossy().to_string();
    let floor = floor_file(&env.dir, n, true);
    let sam = peers.iter().find(|p| p.is_sqlalchemy_migrate());
    let contenders = if sam.is_some() { 3 } else { 2 };
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders];
    for _ in 0..env.runs {
        for (c, samples) in times.iter_mut().enumerate() {
            let db = Db::fresh(backend, &env.dir);
            let mut upgrade = match (c, sam) {
                (0, _) => {
                    measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
                    db.client(&floor)
                }
                (1, _) => {
                    measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
                    env.migrate(&["upgrade", &db.url, &r])
                }
                (_, Some(p)) => {
                    let url = sqlalchemy_url(&db);
                    measure::run(&mut p.command(&repo, &db, &["version_control", &url, &r]));
                    p.command(&repo, &db, &["upgrade", &url, &r])
                }
                _ => unreachable!("a third contender only with sqlalchemy-migrate"),
            };
            samples.push(measure::run(&mut upgrade));
            assert!(
                db.has_table(&format!("t{n}")),
                "contender {c} did not upgrade"
            );
        }
    }
    let floor = summarize(&times[0]);
    let ours = summarize(&times[1]);
    let target = match backend {
        Backend::Sqlite => Target::None,
        _ => Target::Ratio(1.1),
    };
    let mut lines = vec![Line {
        name: format!("python upgrade 0→{n} {}", backend.name()),
        who: "migrate".into(),
        floor: Some(floor),
        ours,
        peak_kib: None,
        target,
    }];
    if sam.is_some() {
        // Against the Python tool, migrate's time is the floor: the ratio is how many times
        // slower sqlalchemy-migrate is (the target: at least 10× on SQLite).
        lines.push(Line {
            name: format!("python upgrade 0→{n} {} vs migrate", backend.name()),
            who: "sqlalchemy-migrate".into(),
            floor: Some(ours),
            ours: summarize(&times[2]),
            peak_kib: None,
            target: Target::None,
        });
    }
    lines
}
