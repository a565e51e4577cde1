//! The exit codes and flags sqlalchemy-migrate's users script against: usage refusals exit 2,
//! a bare `migrate` prints the help, `-q`/`--disable_logging` print nothing, the underscore
//! spellings, and `--engine_arg_*`.

use crate::support::{Backend, TestDb, migrate};

#[test]
fn bare_migrate_prints_the_help_on_stdout_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let out = migrate(dir.path(), &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Usage: migrate"), "{}", out.stdout);
    assert!(out.stdout.contains("upgrade"), "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn create_onto_an_existing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let out = migrate(dir.path(), &["create", "repo", "r"]);
    out.failure(
        2,
        "cannot create a repository at 'repo': the path already exists",
    );
    assert_eq!(out.stdout, "");
}

matrix!(walking_the_wrong_way_is_a_usage_error, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo", "1"]).success();
    let before = db.snapshot();
    let out = db.run(&["downgrade", &db.url, "repo", "2"]);
    out.failure(2, "cannot downgrade from version 1 to version 2");
    assert_eq!(out.stdout, "");
    let out = db.run(&["upgrade", &db.url, "repo", "0"]);
    out.failure(2, "cannot upgrade from version 1 to version 0");
    assert_eq!(out.stdout, "");
    assert_eq!(db.snapshot(), before);
});

matrix!(quiet_prints_nothing_but_does_the_work, |db| {
    db.books_repo("repo");
    for quiet in ["-q", "--disable_logging"] {
        let out = db.run(&[quiet, "version", "repo"]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        let out = db.run(&["version_control", &db.url, "repo", quiet]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        let out = db.run(&[quiet, "upgrade", &db.url, "repo"]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "2\n"
        );
        // Errors still say what went wrong.
        db.run(&[quiet, "upgrade", &db.url, "repo", "7"])
            .failure(1, "beyond the repository's latest version");
        for args in [
            vec![quiet, "downgrade", &db.url, "repo", "0"],
            vec![quiet, "drop_version_control", &db.url, "repo"],
        ] {
            let out = db.run(&args);
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (0, "", "")
            );
        }
        assert!(!db.tables().contains(&"books".to_string()));
    }
});

matrix!(preview_sql_underscore_spelling_runs_nothing, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    let before = db.snapshot();
    let out = db.run(&["upgrade", &db.url, "repo", "--preview_sql"]);
    out.success();
    assert!(out.stdout.contains("CREATE TABLE"), "{}", out.stdout);
    assert_eq!(db.snapshot(), before);
});

matrix!(engine_arg_echo_prints_each_statement_as_it_runs, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo", "--engine_arg_echo=True"]);
    out.success();
    let create = out.stdout.find("CREATE TABLE books").expect(&out.stdout);
    let step = out.stdout.find("0 -> 1... ").expect(&out.stdout);
    let done = out.stdout.find("done").expect(&out.stdout);
    assert!(step < create && create < done, "{}", out.stdout);
    assert!(out.stdout.contains("ALTER TABLE books"), "{}", out.stdout);
    assert_eq!(out.diagnostics(), "");
    // Without it, only the step lines.
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    let out = db.run(&["upgrade", &db.url, "repo", "--engine_arg_echo=False"]);
    assert_eq!(out.success().stdout, "0 -> 1... \ndone\n1 -> 2... \ndone\n");
});

#[test]
fn other_engine_args_are_accepted_with_a_warning() {
    let db = TestDb::new(Backend::Sqlite, "flags::other_engine_args");
    db.books_repo("repo");
    let out = db.run(&[
        "version_control",
        &db.url,
        "repo",
        "--engine_arg_pool_recycle=3600",
    ]);
    out.success();
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "warning: --engine_arg_pool_recycle has no effect: migrate makes its own connections\n"
    );
}

#[test]
fn a_sqlite_file_where_the_url_belongs_is_named() {
    let db = TestDb::new(Backend::Sqlite, "flags::sqlite_file_for_url");
    db.books_repo("migrate_repo");
    let out = db.run(&["upgrade", "heat.db", "migrate_repo"]);
    out.failure(
        2,
        "'heat.db' is not a database URL (did you mean sqlite:///heat.db?)",
    );
    assert_eq!(out.stdout, "");
    assert!(!db.path("heat.db").exists(), "no database file made");
}

const PY_SCRIPT: &str = "from sqlalchemy import *\n\nmeta = MetaData()\n\n\ndef upgrade(migrate_engine):\n    meta.bind = migrate_engine\n    t = Table('t', meta,\n              Column('id', Integer, primary_key=True))\n    t.create()\n\n\ndef downgrade(migrate_engine):\n    meta.bind = migrate_engine\n    Table('t', meta, autoload=True).drop()\n";

// sqlalchemy-migrate's `--preview_py`: each step's function between `N -> M... ` and `done`,
// nothing run; a step that is not Python stops it with the Python tool's usage error (exit 2).
matrix!(preview_py_shows_each_steps_python_function, |db| {
    db.books_repo("repo");
    db.write("repo/versions/003_add_t.py", PY_SCRIPT);
    db.run(&["version_control", &db.url, "repo", "2"]).success();
    let before = db.snapshot();
    let up = db.run(&["upgrade", &db.url, "repo", "--preview_py"]);
    assert_eq!(
        up.success().stdout,
        "2 -> 3... \ndef upgrade(migrate_engine):\n    meta.bind = migrate_engine\n    t = Table('t', meta,\n              Column('id', Integer, primary_key=True))\n    t.create()\n\ndone\n"
    );
    assert_eq!(up.stderr, "");
    // Going down from 2, the first step's script is SQL: shown started, then refused.
    let down = db.run(&["downgrade", &db.url, "repo", "0", "--preview_py"]);
    down.failure(
        2,
        "Python source can be only displayed for python migration files \
         ('002_add_isbn_column_default_downgrade.sql' of version 2 is not one)",
    );
    assert_eq!(down.stdout, "2 -> 1... \n");
    assert_eq!(db.snapshot(), before);
});
