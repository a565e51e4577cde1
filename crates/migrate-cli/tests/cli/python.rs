//! Differential tests: the sqlalchemy-migrate repositories of Python scripts in
//! `testdata/python-corpus`, run by migrate step by step, against what the real
//! sqlalchemy-migrate 0.13 (SQLAlchemy 1.3.24) did on the same database
//! (`reference/<repo>/<db>.json`, made by `generate_reference.py`): the same exit status, the
//! same output, and the same schema and rows through the oracle's normaliser (ported to Rust in
//! `migrate-testkit`). Where the real tool failed, the comparison ends there: migrate may do
//! better, but the records say nothing of what better is.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::support::{Backend, TestDb, outcome};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/python-corpus");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read corpus") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn reference(repo: &str, backend: Backend) -> Vec<Json> {
    let db = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
        Backend::Mysql => "mariadb",
    };
    let path = PathBuf::from(CORPUS).join(format!("reference/{repo}/{db}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str::<Vec<Json>>(&text).expect("reference JSON")
}

/// Which repository a test runs: the one the real tool ran, or what `migrate convert` made of
/// it (which must give the same schemas and rows).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Python,
    Converted,
}

/// Copies `from` to a directory of the test named `name`, converted when `form` says so.
fn prepare(db: &TestDb, from: &Path, name: &str, form: Form) -> PathBuf {
    let original = db.path(name);
    copy_dir(from, &original);
    if form == Form::Python {
        return original;
    }
    let converted = db.path(&format!("{name}-converted"));
    let out = db.run(&[
        "convert",
        original.to_str().expect("utf-8"),
        "--out",
        converted.to_str().expect("utf-8"),
    ]);
    // A version that cannot run is kept as it is, and said (exit 1); the rest is converted.
    assert!(
        (out.code == 0 || out.code == 1 && out.stderr.contains("error: "))
            && out.stdout.starts_with("version  file"),
        "convert {name}: exit {}\n{}\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    converted
}

/// Runs `repo`'s recorded steps; returns each difference found (empty when none), with the
/// test's own paths replaced by `<REPO>` so that the report is the same on every run.
fn differences(db: &TestDb, repo: &str, form: Form) -> Vec<String> {
    let repo_dir = prepare(db, &PathBuf::from(CORPUS).join(repo), repo, form);
    let repo_path = repo_dir.to_str().expect("utf-8").to_string();
    let mut found = Vec::new();
    for step in reference(repo, db.backend) {
        let command = step["command"].as_str().expect("command");
        let args: Vec<String> = command
            .split_whitespace()
            .skip(1)
            .map(|a| a.replace("<URL>", &db.url).replace("<REPO>", &repo_path))
            .collect();
        if step["exit_code"] != 0 {
            // The Python tool failed here; what follows describes its failure's aftermath.
            break;
        }
        let mut cmd = crate::support::migrate_cmd(db.dir.path());
        cmd.args(&args).env("MIGRATE_PYTHONPATH", CORPUS);
        let out = outcome(&mut cmd);
        if out.code != 0 {
            found.push(format!(
                "{command}: exit {}: {}",
                out.code,
                out.stderr.trim()
            ));
            break;
        }
        if out.stdout != step["stdout"].as_str().unwrap_or_default() {
            found.push(format!(
                "{command}: stdout {:?}, the Python tool's {:?}",
                out.stdout, step["stdout"]
            ));
        }
        let mut conn = db.conn();
        let ours = migrate_testkit::dump_schema(conn.as_mut(), true).expect("dump");
        if let Err(diff) = migrate_testkit::compare_dumps(&step["schema"], &ours) {
            found.push(format!(
                "{command}: schema differs (expected / ours):\n{diff}"
            ));
        }
    }
    // The test's own paths, so that a report reads the same on every run.
    found
        .into_iter()
        .map(|f| f.replace(&repo_path, "<REPO>"))
        .collect()
}

/// The repository matches the Python tool's records at every step.
fn check(db: &TestDb, repo: &str, form: Form) {
    let found = differences(db, repo, form);
    assert!(
        found.is_empty(),
        "{repo} on {:?}:\n{}",
        db.backend,
        found.join("\n")
    );
}

/// The repository's differences from the Python tool's records are exactly the known ones
/// (a snapshot under `snapshots/`, each explained in testdata/python-corpus/README.md): a new
/// difference fails, and so does one that went away, until the snapshot is updated.
fn check_known(db: &TestDb, repo: &str, form: Form) {
    let found = differences(db, repo, form).join("\n");
    let name = match form {
        Form::Python => format!("{repo}_{:?}", db.backend),
        Form::Converted => format!("{repo}_converted_{:?}", db.backend),
    }
    .to_lowercase();
    insta::assert_snapshot!(name, found);
}

matrix!(corpus_tutorial_matches_sqlalchemy_migrate, |db| {
    check(&db, "tutorial", Form::Python);
});
matrix!(corpus_inventory_differs_only_as_known, |db| {
    check_known(&db, "inventory", Form::Python);
});
matrix!(corpus_stacks_matches_sqlalchemy_migrate, |db| {
    check(&db, "stacks", Form::Python);
});
matrix!(corpus_billing_differs_only_as_known, |db| {
    check_known(&db, "billing", Form::Python);
});
matrix!(corpus_quirks_matches_sqlalchemy_migrate, |db| {
    check(&db, "quirks", Form::Python);
});

// `migrate convert` on the same repositories: the portable scripts it writes (and the Python
// it keeps) give the schemas and rows the real tool gave.
matrix!(converted_tutorial_matches_sqlalchemy_migrate, |db| {
    check(&db, "tutorial", Form::Converted);
});
matrix!(converted_inventory_differs_only_as_known, |db| {
    check_known(&db, "inventory", Form::Converted);
});
matrix!(converted_stacks_matches_sqlalchemy_migrate, |db| {
    check(&db, "stacks", Form::Converted);
});
matrix!(converted_billing_differs_only_as_known, |db| {
    check_known(&db, "billing", Form::Converted);
});
matrix!(converted_quirks_matches_sqlalchemy_migrate, |db| {
    check(&db, "quirks", Form::Converted);
});

const ORACLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/sam-oracle/seeds"
);

/// Seeds 000–003 as the Python repositories the oracle ran (`testdata/sam-oracle`), run by
/// migrate with the oracle's command sequence; each stage's schema and rows compared with the
/// records, up to the first command the real tool failed. Returns the differences.
fn seed_differences(db: &TestDb, seed: &str, form: Form) -> Vec<String> {
    let record = match db.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
        Backend::Mysql => "mariadb",
    };
    let dir = PathBuf::from(ORACLE).join(seed);
    let repo_dir = prepare(db, &dir.join("repo"), "repo", form);
    let repo_path = repo_dir.to_str().expect("utf-8").to_string();
    let run: Vec<Json> = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{record}-run.json"))).expect("run record"),
    )
    .expect("run JSON");
    let stage_of = |step: &str| {
        [
            ("upgrade to seed", "after-upgrade"),
            ("downgrade to", "after-downgrade"),
            ("upgrade again", "after-reupgrade"),
        ]
        .into_iter()
        .find(|(prefix, _)| step.starts_with(prefix))
        .map(|(_, stage)| stage)
    };
    let mut found = Vec::new();
    let compare = |stage: &str, found: &mut Vec<String>| {
        let path = dir.join(format!("{record}-{stage}.json"));
        let expected: Json =
            serde_json::from_str(&std::fs::read_to_string(path).expect("stage record"))
                .expect("stage JSON");
        let mut conn = db.conn();
        let ours = migrate_testkit::dump_schema(conn.as_mut(), true).expect("dump");
        if let Err(diff) = migrate_testkit::compare_dumps(&expected, &ours) {
            found.push(format!(
                "{stage}: schema differs (expected / ours):\n{diff}"
            ));
        }
    };
    for entry in &run {
        let cmd = entry["cmd"].as_str().expect("cmd");
        let step = entry["step"].as_str().unwrap_or_default();
        if step.starts_with("load sample rows") {
            let text = std::fs::read_to_string(dir.join("sample_data.sql")).expect("sample data");
            let mut conn = db.conn();
            let lexer = conn.dialect().lexer();
            for statement in migrate_core::sql::split(&text, lexer).expect("split") {
                conn.execute(statement.text).expect("sample row");
            }
            continue;
        }
        let Some(args) = cmd.strip_prefix("migrate ") else {
            continue;
        };
        if step.starts_with("upgrade to seed") {
            compare("before-upgrade", &mut found);
        }
        let args: Vec<String> = args
            .split_whitespace()
            .map(|a| {
                if a.contains("://") {
                    db.url.clone()
                } else if a.ends_with("/repo") {
                    repo_path.clone()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let out = db.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        if entry["rc"] != 0 {
            // The Python tool failed here; the records say nothing of what follows. Say what
            // migrate did instead (it should succeed).
            found.push(format!(
                "{step}: the Python tool failed (exit {}); migrate: exit {}, {:?}",
                entry["rc"], out.code, out.stdout
            ));
            // A downgrade that succeeds where the Python tool's failed must leave the
            // database as it was before the upgrade.
            if out.code == 0 && step.starts_with("downgrade to") {
                compare("before-upgrade", &mut found);
            }
            break;
        }
        if out.code != 0 {
            found.push(format!("{step}: exit {}: {}", out.code, out.stderr.trim()));
            break;
        }
        if out.stdout != entry["stdout"].as_str().unwrap_or_default() {
            found.push(format!(
                "{step}: stdout {:?}, the Python tool's {:?}",
                out.stdout, entry["stdout"]
            ));
        }
        if let Some(stage) = stage_of(step) {
            compare(stage, &mut found);
        }
    }
    found
        .into_iter()
        .map(|f| f.replace(&repo_path, "<REPO>"))
        .collect()
}

fn check_seed(db: &TestDb, seed: &str, form: Form) {
    let found = seed_differences(db, seed, form).join("\n");
    let name = match form {
        Form::Python => format!("seed_{seed}_{:?}", db.backend),
        Form::Converted => format!("seed_{seed}_converted_{:?}", db.backend),
    }
    .to_lowercase();
    insta::assert_snapshot!(name, found);
}

matrix!(seed_000_differs_only_as_known, |db| {
    check_seed(&db, "000", Form::Python);
});
matrix!(seed_000_converted_differs_only_as_known, |db| {
    check_seed(&db, "000", Form::Converted);
});
matrix!(seed_001_differs_only_as_known, |db| {
    check_seed(&db, "001", Form::Python);
});
matrix!(seed_001_converted_differs_only_as_known, |db| {
    check_seed(&db, "001", Form::Converted);
});
matrix!(seed_002_differs_only_as_known, |db| {
    check_seed(&db, "002", Form::Python);
});
matrix!(seed_002_converted_differs_only_as_known, |db| {
    check_seed(&db, "002", Form::Converted);
});
matrix!(seed_003_differs_only_as_known, |db| {
    check_seed(&db, "003", Form::Python);
});
matrix!(seed_003_converted_differs_only_as_known, |db| {
    check_seed(&db, "003", Form::Converted);
});

// Application modules are found through `python_path` in migrate.cfg (relative to the
// repository) or `--python-path`; without either, the import is an error naming the line and
// the remedy, and nothing runs.
matrix!(application_modules_are_found_on_the_python_path, |db| {
    copy_dir(&PathBuf::from(CORPUS).join("stacks"), &db.path("stacks"));
    copy_dir(&PathBuf::from(CORPUS).join("app"), &db.path("app"));
    db.run(&["version_control", &db.url, "stacks"]).success();
    let before = db.snapshot();
    let missing = db.run(&["upgrade", &db.url, "stacks", "1"]);
    missing.failure(1, "ImportError: No module named 'app.db'");
    assert!(
        missing.stderr.contains("--python-path"),
        "{}",
        missing.stderr
    );
    assert_eq!(db.snapshot(), before);
    let flag = db.run(&["upgrade", &db.url, "stacks", "1", "--python-path", "."]);
    assert_eq!(flag.success().stdout, "0 -> 1... \ndone\n");
    let cfg = db.path("stacks/migrate.cfg");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}\npython_path = ..\n")).unwrap();
    assert_eq!(
        db.run(&["upgrade", &db.url, "stacks", "2"])
            .success()
            .stdout,
        "1 -> 2... \ndone\n"
    );
});

// A Python step that fails after its DDL ran: rolled back whole where DDL is transactional;
// where it commits at once (MySQL) the step is dirty and says what stays applied, never
// "nothing was applied" over a table that is there.
matrix!(
    a_python_step_failing_after_its_ddl_is_dirty_where_ddl_commits,
    |db| {
        db.run(&["create", "r", "r"]).success();
        db.write(
            "r/versions/001_half.py",
            "from sqlalchemy import Column, Integer, MetaData, Table\n\n\n\
         def upgrade(migrate_engine):\n\
         \x20   meta = MetaData(bind=migrate_engine)\n\
         \x20   Table('made', meta, Column('id', Integer, primary_key=True)).create()\n\
         \x20   migrate_engine.execute('INSERT INTO no_such_table VALUES (1)')\n\n\n\
         def downgrade(migrate_engine):\n\
         \x20   pass\n",
        );
        db.run(&["version_control", &db.url, "r"]).success();
        let out = db.run(&["upgrade", &db.url, "r"]);
        out.failure(1, "001_half.py:7");
        let status = db.run(&["status", &db.url, "r"]);
        let made = db.tables().contains(&"made".to_string());
        if db.backend == Backend::Mysql {
            assert!(made, "MySQL committed the CREATE TABLE");
            assert!(out.stderr.contains("stay applied"), "{}", out.stderr);
            assert!(
                status.stdout.contains("dirty: upgrade 0 -> 1 001_half.py"),
                "{}",
                status.stdout
            );
        } else {
            assert!(!made, "rolled back whole");
            assert!(
                out.stderr.contains("nothing of this step was applied"),
                "{}",
                out.stderr
            );
            assert!(status.stdout.contains("dirty: no"), "{}", status.stdout);
        }
    }
);

// `convert` says per version what it does and what became of it; the converted scripts are
// portable TOML (the declarative ones hold no SQL); nothing is written without --out, and an
// --out that exists or lies inside the repository is refused before anything is written.
#[test]
fn convert_reports_each_version_and_refuses_a_bad_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &PathBuf::from(CORPUS).join("billing"),
        &dir.path().join("billing"),
    );
    let run = |args: &[&str]| crate::support::migrate(dir.path(), args);
    let dry = run(&["convert", "billing"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    insta::assert_snapshot!("convert_billing_report", dry.stdout);
    assert!(dry.stderr.contains("nothing written"), "{}", dry.stderr);
    let json = run(&["convert", "billing", "--json"]);
    let doc: Json = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(doc["versions"][0]["result"], "converted", "{doc}");
    assert_eq!(doc["versions"][0]["written"], "001_initial.toml", "{doc}");
    assert_eq!(doc["versions"][1]["does"], "data migration", "{doc}");
    assert_eq!(doc["versions"][1]["result"], "kept", "{doc}");
    std::fs::create_dir(dir.path().join("taken")).expect("mkdir");
    run(&["convert", "billing", "--out", "taken"]).failure(2, "already exists");
    run(&["convert", "billing", "--out", "billing/inside"]).failure(1, "inside the repository");
    assert!(!dir.path().join("billing/inside").exists());
    let wrote = run(&["convert", "billing", "--out", "out"]);
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    let first = std::fs::read_to_string(dir.path().join("out/versions/001_initial.toml"))
        .expect("001 converted");
    // Its tables differ per database (SQLAlchemy's Boolean CHECK, autoincrement), so they
    // are each database's SQL.
    assert!(first.contains("[[upgrade]]\nsql = { sqlite = "), "{first}");
    assert!(
        dir.path()
            .join("out/versions/002_normalise_invoice_states.py")
            .exists(),
        "a data migration stays Python"
    );
    assert!(!dir.path().join("out/versions/001_initial.py").exists());
    assert!(dir.path().join("out/migrate.cfg").exists());
}
