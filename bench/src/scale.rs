//! Workload `scale` (issue 15): one portable version (a column, an index on it and a foreign
//! key to another table) up and down on a database of just the two tables it names, and on
//! the 2,000-table fixture that holds the same two among 1,998 others. The ratio of the two
//! is what the tables a step leaves alone cost it; the target is ≤ 1.1. The database's own
//! client runs the statements migrate previews for the version on both databases too: its
//! ratio is what the database itself pays for the other tables.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::backend::{Backend, Db};
use crate::fixture;
use crate::measure::{self, summarize};
use crate::workloads::{Env, Line, Target};

const VERSION: &str = r#"[[upgrade]]
add_column = { table = "r1", column = { name = "owner_id", type = "Integer" } }

[[upgrade]]
create_index = { table = "r1", name = "ix_r1_owner_id", columns = ["owner_id"] }

[[upgrade]]
add_foreign_key = { table = "r1", name = "fk_r1_owner", columns = ["owner_id"], references = { table = "r0", columns = ["id"] } }
"#;

fn repo(dir: &Path) -> PathBuf {
    let repo = dir.join("scale_repo");
    fs::create_dir_all(repo.join("versions")).expect("mkdir");
    fs::write(
        repo.join("migrate.cfg"),
        "[db_settings]\nrepository_id=bench_scale\nversion_table=migrate_version\n",
    )
    .expect("cfg");
    fs::write(repo.join("versions/001_owner.toml"), VERSION).expect("version");
    repo
}

/// Takes a kept database back to before the version, should an earlier run have stopped
/// between its upgrade and its downgrade.
fn reset(env: &Env, db: &Db, repo: &str) {
    let under_control = Command::new(&env.migrate)
        .args(["db_version", &db.url, repo])
        .output()
        .expect("run migrate")
        .status
        .success();
    if under_control {
        measure::run(&mut env.migrate(&["downgrade", &db.url, repo, "0"]));
        measure::run(&mut env.migrate(&["drop_version_control", &db.url, repo]));
    }
}

/// The floor's upgrade and downgrade files: the statements `--preview-sql` prints for the
/// version (with the version-table update), in the transaction migrate runs them in.
fn floor_files(env: &Env, backend: Backend, db: &Db, repo: &str) -> [PathBuf; 2] {
    let preview = |args: &[&str]| {
        let out = env.migrate(args).output().expect("preview");
        assert!(out.status.success(), "preview failed");
        let body: String = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("--"))
            .map(|l| format!("{l}\n"))
            .collect();
        match backend {
            Backend::Sqlite => format!("PRAGMA foreign_keys = OFF;\nBEGIN;\n{body}COMMIT;\n"),
            Backend::Postgres => format!("BEGIN;\n{body}COMMIT;\n"),
            Backend::Mysql => body,
        }
    };
    measure::run(&mut env.migrate(&["version_control", &db.url, repo]));
    let up = preview(&["upgrade", &db.url, repo, "--preview-sql"]);
    measure::run(&mut env.migrate(&["upgrade", &db.url, repo]));
    let down = preview(&["downgrade", &db.url, repo, "0", "--preview-sql"]);
    measure::run(&mut env.migrate(&["downgrade", &db.url, repo, "0"]));
    measure::run(&mut env.migrate(&["drop_version_control", &db.url, repo]));
    [("up", up), ("down", down)].map(|(name, sql)| {
        let file = env
            .dir
            .join(format!("scale_floor_{name}_{}.sql", backend.name()));
        fs::write(&file, sql).expect("write");
        file
    })
}

pub fn scale(env: &Env, backend: Backend) -> Vec<Line> {
    let repo = repo(&env.dir);
    let r = repo.to_string_lossy().to_string();
    let small = Db::fresh(backend, &env.dir);
    let file = env.dir.join(format!("scale_small_{}.sql", backend.name()));
    fs::write(&file, fixture::wide_sql(backend, 2)).expect("write");
    measure::run(&mut small.client(&file));
    let wide = fixture::wide(env, backend, 2000);
    reset(env, &wide, &r);
    let floor = floor_files(env, backend, &small, &r);
    // [contender][database][direction] samples: contender 0 migrate, 1 the client; database
    // 0 the small one.
    let mut samples: [[[Vec<Duration>; 2]; 2]; 2] = Default::default();
    for _ in 0..env.runs {
        for (i, db) in [&small, &wide].into_iter().enumerate() {
            measure::run(&mut env.migrate(&["version_control", &db.url, &r]));
            samples[0][i][0].push(measure::run(&mut env.migrate(&["upgrade", &db.url, &r])));
            samples[0][i][1].push(measure::run(&mut env.migrate(&[
                "downgrade",
                &db.url,
                &r,
                "0",
            ])));
            samples[1][i][0].push(measure::run(&mut db.client(&floor[0])));
            samples[1][i][1].push(measure::run(&mut db.client(&floor[1])));
            measure::run(&mut env.migrate(&["drop_version_control", &db.url, &r]));
        }
    }
    let mut lines = Vec::new();
    for (c, who) in ["migrate", backend.client()].into_iter().enumerate() {
        for (d, direction) in ["upgrade", "downgrade"].into_iter().enumerate() {
            lines.push(Line {
                name: format!("{direction} 2,000 tables (floor: 2) {}", backend.name()),
                who: who.into(),
                floor: Some(summarize(&samples[c][0][d])),
                ours: summarize(&samples[c][1][d]),
                peak_kib: None,
                target: if c == 0 {
                    Target::Ratio(1.1)
                } else {
                    Target::None
                },
            });
        }
    }
    lines
}
