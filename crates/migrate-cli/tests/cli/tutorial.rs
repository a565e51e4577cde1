//! The seed tutorial (../shared/seeds/004, section 1), steps 1.2–1.21 and 1.23, on each database.

use std::fs;
use std::path::Path;

use crate::support::{Backend, TestDb};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/books/migrate_repo/versions"
);

/// Copies the example repository's scripts of one version into `repo`.
fn copy_version(repo: &Path, prefix: &str) {
    for entry in fs::read_dir(EXAMPLE).expect("example repository") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) {
            fs::copy(entry.path(), repo.join("versions").join(&name)).expect("copy script");
        }
    }
}

/// The books table as seed steps 1.16 and 1.21 show it (on MySQL, `DESCRIBE` exactly).
fn check_books(db: &TestDb, with_isbn: bool) {
    match db.backend {
        Backend::Mysql => {
            let row = |f: &str, t: &str, n: &str, k: &str, e: &str| {
                vec![
                    f.to_string(),
                    t.to_string(),
                    n.to_string(),
                    k.to_string(),
                    "NULL".to_string(),
                    e.to_string(),
                ]
            };
            let mut expected = vec![
                row("id", "bigint(20) unsigned", "NO", "PRI", "auto_increment"),
                row("title", "text", "NO", "", ""),
                row("author", "varchar(64)", "NO", "", ""),
                row("created_at", "datetime", "YES", "", ""),
                row("updated_at", "datetime", "YES", "", ""),
            ];
            if with_isbn {
                expected.push(row("isbn", "bigint(13)", "NO", "", ""));
            }
            assert_eq!(db.describe("books"), expected);
        }
        _ => {
            let (id, text, varchar, datetime, bigint) = match db.backend {
                Backend::Postgres => (
                    "bigint",
                    "text",
                    "character varying",
                    "timestamp without time zone",
                    "bigint",
                ),
                _ => ("INTEGER", "TEXT", "VARCHAR(64)", "DATETIME", "BIGINT"),
            };
            let col = |n: &str, t: &str, null: bool| (n.to_string(), t.to_string(), null);
            let mut expected = vec![
                col("id", id, false),
                col("title", text, false),
                col("author", varchar, false),
                col("created_at", datetime, true),
                col("updated_at", datetime, true),
            ];
            if with_isbn {
                expected.push(col("isbn", bigint, false));
            }
            assert_eq!(db.columns("books"), expected);
        }
    }
}

matrix!(walkthrough, |db| {
    let repo = db.path("migrate_repo");
    let r = repo.to_str().expect("utf-8 path");
    let url = db.url.as_str();

    // 1.2–1.3: create the repository.
    db.run(&["create", "migrate_repo", "sample"]).success();
    assert!(repo.join("migrate.cfg").is_file());
    assert!(repo.join("README").is_file());
    assert!(repo.join("versions").is_dir());

    // 1.4–1.6: version control at 0.
    assert_eq!(db.run(&["version_control", url, r]).success().stdout, "");
    assert_eq!(db.run(&["version", r]).success().stdout, "0\n");
    assert_eq!(db.run(&["db_version", url, r]).success().stdout, "0\n");

    // 1.10–1.11: only the version table, one row.
    assert_eq!(db.tables(), vec!["migrate_version"]);
    let canonical = fs::canonicalize(&repo)
        .expect("canonical")
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        db.version_rows("migrate_version"),
        vec![("sample".to_string(), canonical.clone(), 0)]
    );

    // 1.12–1.16: version 1 adds the books table.
    db.run(&["script_sql", "default", "add books table", r])
        .success();
    copy_version(&repo, "001_");
    assert_eq!(db.run(&["version", r]).success().stdout, "1\n");
    assert_eq!(
        db.run(&["upgrade", url, r]).success().stdout,
        "0 -> 1... \ndone\n"
    );
    assert_eq!(db.run(&["db_version", url, r]).success().stdout, "1\n");
    assert_eq!(db.tables(), vec!["books", "migrate_version"]);
    check_books(&db, false);

    // 1.17–1.21: version 2 adds isbn.
    db.run(&["script_sql", "default", "add isbn column", r])
        .success();
    copy_version(&repo, "002_");
    assert_eq!(db.run(&["version", r]).success().stdout, "2\n");
    assert_eq!(
        db.run(&["upgrade", url, r]).success().stdout,
        "1 -> 2... \ndone\n"
    );
    assert_eq!(db.run(&["db_version", url, r]).success().stdout, "2\n");
    check_books(&db, true);

    // 1.23: all the way down, then out of version control.
    let down = db.run(&["downgrade", url, r, "0"]).success().stdout.clone();
    assert_eq!(down, "2 -> 1... \ndone\n1 -> 0... \ndone\n");
    assert_eq!(db.tables(), vec!["migrate_version"]);
    assert_eq!(
        db.version_rows("migrate_version"),
        vec![("sample".to_string(), canonical, 0)]
    );
    assert_eq!(
        db.run(&["drop_version_control", url, r]).success().stdout,
        ""
    );
    assert!(db.tables().is_empty(), "{:?}", db.tables());
});

matrix!(manage_wrapper_holds_the_defaults, |db| {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/books/migrate_repo"
    );
    db.run(&[
        "manage",
        "manage.sh",
        &format!("--url={}", db.url),
        &format!("--repository={example}"),
    ])
    .success();
    let wrapper = db.path("manage.sh");
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&wrapper);
        cmd.args(args)
            .current_dir(db.dir.path())
            .env("MIGRATE_BIN", env!("CARGO_BIN_EXE_migrate"));
        crate::support::outcome(&mut cmd)
    };
    run(&["version_control"]).success();
    assert_eq!(
        run(&["upgrade"]).success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n"
    );
    assert_eq!(run(&["db_version"]).success().stdout, "2\n");
    // Arguments still work, after the defaults: the seed's `manage.py downgrade URL PATH 0`.
    assert_eq!(
        run(&["downgrade", &db.url, example, "1"]).success().stdout,
        "2 -> 1... \ndone\n"
    );
    assert_eq!(
        run(&["downgrade", "0"]).success().stdout,
        "1 -> 0... \ndone\n"
    );
    run(&["drop_version_control"]).success();
    assert!(db.tables().is_empty());
});

/// The tables as the seed lists them at §1.16: MariaDB's own `SHOW TABLES`, elsewhere every
/// table but the database's internal ones (SQLite's `sqlite_sequence`).
fn shown_tables(db: &TestDb) -> Vec<String> {
    match db.backend {
        Backend::Mysql => db
            .query("SHOW TABLES")
            .iter()
            .map(|r| crate::support::text(&r[0]))
            .collect(),
        _ => db.all_tables(),
    }
}

// `journal_table =` (empty) in migrate.cfg: no journal, so after the seed tutorial the database
// holds exactly the tables the seed shows (§1.16), and the commands that read the journal say
// it is off instead of reporting a clean state they cannot know.
matrix!(
    without_a_journal_the_database_holds_only_the_seeds_tables,
    |db| {
        let repo = db.path("migrate_repo");
        let r = repo.to_str().expect("utf-8 path");
        let url = db.url.as_str();
        db.run(&["create", "migrate_repo", "sample"]).success();
        let cfg = repo.join("migrate.cfg");
        let text = fs::read_to_string(&cfg).unwrap();
        assert!(text.contains("\n# journal_table =\n"), "{text}");
        fs::write(
            &cfg,
            text.replace("\n# journal_table =\n", "\njournal_table =\n"),
        )
        .unwrap();

        db.run(&["version_control", url, r]).success();
        db.run(&["script_sql", "default", "add books table", r])
            .success();
        copy_version(&repo, "001_");
        let up = db.run(&["upgrade", url, r]);
        assert_eq!(up.success().stdout, "0 -> 1... \ndone\n");
        // Only where DDL commits by itself does the missing journal cost anything: say so once.
        let warned = up.stderr.matches("journal_table is empty").count();
        assert_eq!(
            warned,
            usize::from(db.backend == Backend::Mysql),
            "{}",
            up.stderr
        );
        assert_eq!(shown_tables(&db), vec!["books", "migrate_version"]);
        check_books(&db, false);

        let status = db.run(&["status", url, r]);
        assert_eq!(
            status.success().stdout,
            "version: 1\nlatest: 1\npending: none\n\
         journal: off: the repository keeps no journal (journal_table is empty in migrate.cfg)\n\
         dirty: unknown\nchanged scripts: unknown\n"
        );
        let history = db.run(&["history", url, r]);
        assert_eq!(history.success().stdout, "");
        assert!(
            history
                .stderr
                .contains("no history: the repository keeps no journal")
        );
        assert_eq!(
            db.run(&["repair", url, r]).success().stdout,
            "unknown: the repository keeps no journal (journal_table is empty in migrate.cfg)\n"
        );
        db.run(&["repair", url, r, "--mark-applied"])
            .failure(1, "keeps no journal");

        db.run(&["script_sql", "default", "add isbn column", r])
            .success();
        copy_version(&repo, "002_");
        db.run(&["upgrade", url, r]).success();
        check_books(&db, true);
        assert_eq!(shown_tables(&db), vec!["books", "migrate_version"]);
        db.run(&["downgrade", url, r, "0"]).success();
        assert_eq!(shown_tables(&db), vec!["migrate_version"]);
    }
);

// sqlalchemy-migrate's `migrate manage manage.py --url=… --repository=…` wrote a Python
// launcher run as `python manage.py upgrade`; a `.py` name gets one here too.
matrix!(manage_py_launcher_holds_the_defaults, |db| {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/books/migrate_repo"
    );
    db.run(&[
        "manage",
        "manage.py",
        &format!("--url={}", db.url),
        &format!("--repository={example}"),
    ])
    .success();
    let launcher = fs::read_to_string(db.path("manage.py")).unwrap();
    assert!(
        launcher.starts_with("#!/usr/bin/env python\n"),
        "{launcher}"
    );
    let run = |args: &[&str]| {
        let mut cmd = crate::support::python_cmd(db.dir.path(), "manage.py");
        cmd.args(args)
            .env("MIGRATE_BIN", env!("CARGO_BIN_EXE_migrate"));
        crate::support::outcome(&mut cmd)
    };
    run(&["version_control"]).success();
    assert_eq!(
        run(&["upgrade"]).success().stdout,
        "0 -> 1... \ndone\n1 -> 2... \ndone\n"
    );
    assert_eq!(run(&["db_version"]).success().stdout, "2\n");
    assert_eq!(
        run(&["downgrade", "0"]).success().stdout,
        "2 -> 1... \ndone\n1 -> 0... \ndone\n"
    );
    run(&["drop_version_control"]).success();
    assert!(db.tables().is_empty());
});

// A launcher holding a password is readable by its owner only, from the moment it exists.
#[cfg(unix)]
#[test]
fn a_launcher_with_a_password_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new(Backend::Sqlite, "tutorial::private_launcher");
    for file in ["manage.py", "manage.sh"] {
        db.run(&[
            "manage",
            file,
            "--url=postgresql://heat:s3cret@127.0.0.1/heat",
        ])
        .success();
        let mode = fs::metadata(db.path(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{file} is readable by others: {mode:o}");
        let text = fs::read_to_string(db.path(file)).unwrap();
        assert!(
            text.contains("s3cret"),
            "the launcher holds the URL it was given"
        );
    }
}

/// Seed 004's two Python scripts, as §1.12 and §1.17 print them.
const SEED_SCRIPTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/python-corpus/tutorial/versions"
);

/// `books` as SQLAlchemy 1.3 made it from the seed's MySQL types on each database: on
/// MariaDB exactly the seed's `DESCRIBE` (§1.16, §1.21).
fn check_python_books(db: &TestDb, with_isbn: bool) {
    if db.backend == Backend::Mysql {
        return check_books(db, with_isbn);
    }
    let (bigint, text, varchar, datetime) = match db.backend {
        Backend::Postgres => (
            "bigint",
            "text",
            "character varying",
            "timestamp without time zone",
        ),
        _ => ("BIGINT", "TEXT", "VARCHAR(64)", "DATETIME"),
    };
    let col = |n: &str, t: &str, null: bool| (n.to_string(), t.to_string(), null);
    let mut expected = vec![
        col("id", bigint, false),
        col("title", text, false),
        col("author", varchar, false),
        col("created_at", datetime, true),
        col("updated_at", datetime, true),
    ];
    if with_isbn {
        expected.push(col("isbn", bigint, false));
    }
    assert_eq!(db.columns("books"), expected);
}

// Seed 004 §1.2–1.21 and §1.23 with the seed's own Python scripts, run by migrate's
// interpreter: no Python involved.
matrix!(the_seed_tutorial_runs_its_python_scripts, |db| {
    let repo = db.path("migrate_repo");
    let r = repo.to_str().expect("utf-8 path");
    let url = db.url.as_str();
    db.run(&["create", "migrate_repo", "sample"]).success();
    db.run(&["version_control", url, r]).success();
    assert_eq!(db.run(&["version", r]).success().stdout, "0\n");
    assert_eq!(db.run(&["db_version", url, r]).success().stdout, "0\n");

    for (step, name) in [(1, "001_add_books_table.py"), (2, "002_add_isbn_column.py")] {
        let description = if step == 1 {
            "add books table"
        } else {
            "add isbn column"
        };
        db.run(&["script", "--python", description, r]).success();
        let template = fs::read_to_string(repo.join("versions").join(name)).expect("template");
        assert!(
            template.contains("def upgrade(migrate_engine):"),
            "{template}"
        );
        fs::copy(
            Path::new(SEED_SCRIPTS).join(name),
            repo.join("versions").join(name),
        )
        .expect("the seed's script");
        assert_eq!(
            db.run(&["version", r]).success().stdout,
            format!("{step}\n")
        );
        let up = db.run(&["upgrade", url, r]);
        assert_eq!(
            up.success().stdout,
            format!("{} -> {step}... \ndone\n", step - 1)
        );
        assert_eq!(up.diagnostics(), "");
        assert_eq!(
            db.run(&["db_version", url, r]).success().stdout,
            format!("{step}\n")
        );
        assert_eq!(db.tables(), vec!["books", "migrate_version"]);
        check_python_books(&db, step == 2);
    }

    let down = db.run(&["downgrade", url, r, "0"]);
    assert_eq!(
        down.success().stdout,
        "2 -> 1... \ndone\n1 -> 0... \ndone\n"
    );
    assert_eq!(db.tables(), vec!["migrate_version"]);
    db.run(&["drop_version_control", url, r]).success();
    assert!(db.tables().is_empty(), "{:?}", db.tables());
});
