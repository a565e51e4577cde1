//! Repositories on disk: creating, opening what sqlalchemy-migrate made, and refusing broken ones.

use std::fs;

use crate::support::{TestDb, migrate};

/// What `migrate create` of sqlalchemy-migrate 0.13 wrote (seed tutorial step 1.3).
fn python_repository(dir: &std::path::Path) {
    let cfg = "[db_settings]\n# Used to identify which repository this database is versioned under.\n# You can use the name of your project.\nrepository_id=sample\n\n# The name of the database table used to track the schema version.\n# This name shouldn't already be used by your project.\n# If this is changed once a database is under version control, you'll need to \n# change the table name in each database too. \nversion_table=migrate_version\n\n# When committing a change script, Migrate will attempt to generate the \n# sql for all supported databases; normally, if one of them fails - probably\n# because you don't have that database installed - it is ignored and the \n# commit continues, perhaps ending successfully. \n# Databases in this list MUST compile successfully during a commit, or the \n# entire commit will fail. List the databases your application will actually \n# be using to ensure your updates to that database work properly.\n# This must be a list; example: ['postgres','sqlite']\nrequired_dbs=[]\n\n# When creating new change scripts, Migrate will stamp the new script with\n# a version number. By default this is latest_version + 1. You can set this\n# to 'true' to tag your scripts with the current time in UTC.\nuse_timestamp_numbering=False\n";
    fs::create_dir_all(dir.join("versions")).expect("mkdir");
    fs::write(dir.join("migrate.cfg"), cfg).expect("cfg");
    fs::write(
        dir.join("README"),
        "This is a database migration repository.\n",
    )
    .expect("readme");
    fs::write(dir.join("manage.py"), "#!/usr/bin/env python\nfrom migrate.versioning.shell import main\n\nif __name__ == '__main__':\n    main(debug='False')\n").expect("manage");
    for f in [
        "__init__.py",
        "__init__.pyc",
        "versions/__init__.py",
        "versions/__init__.pyc",
        "versions/001_add_books_table.pyc",
    ] {
        fs::write(dir.join(f), "").expect("helper");
    }
    fs::write(
        dir.join("versions/001_add_books_table.py"),
        "def upgrade(migrate_engine):\n    pass\n",
    )
    .expect("py");
}

#[test]
fn a_repository_made_by_sqlalchemy_migrate_opens() {
    let db = TestDb::new(crate::support::Backend::Sqlite, "repository::python");
    python_repository(&db.path("repo"));
    assert_eq!(db.run(&["version", "repo"]).success().stdout, "1\n");
    db.run(&["version_control", &db.url, "repo"]).success();
    // The Python script runs (here it does nothing); so does a downgrade back to 0.
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n"
    );
    db.write(
        "repo/versions/001_add_books_table.py",
        "def upgrade(migrate_engine):\n    pass\n\n\ndef downgrade(migrate_engine):\n    pass\n",
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    // A script that does not parse is refused before anything runs, naming file and line.
    db.write(
        "repo/versions/001_add_books_table.py",
        "def upgrade(migrate_engine):\n    pass(\n",
    );
    let before = db.snapshot();
    db.run(&["upgrade", &db.url, "repo"])
        .failure(1, "001_add_books_table.py:2: SyntaxError");
    assert_eq!(db.snapshot(), before);
    // SQL scripts beside the Python one take precedence, as they did in sqlalchemy-migrate.
    db.write(
        "repo/versions/001_add_books_table_default_upgrade.sql",
        "CREATE TABLE books (id INTEGER);",
    );
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n"
    );
}

#[test]
fn broken_repositories_name_the_files() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path();
    let cases: &[(&[&str], &str)] = &[
        (
            &["001_a_sqlite_upgrade.sql", "001_b_sqlite_upgrade.sql"],
            "both claim version 1 for sqlite upgrade",
        ),
        (
            &["001_a_postgres_upgrade.sql", "001_b_postgresql_upgrade.sql"],
            "both claim version 1 for postgresql upgrade",
        ),
        (
            &["001_a.py", "001_b.py"],
            "both claim version 1 as its Python script",
        ),
        (
            &["001_a.toml", "001_a_default_downgrade.sql"],
            "with both a portable script and SQL scripts",
        ),
        (
            &["001_x_sqlite_up.sql"],
            "001_x_sqlite_up.sql' is not a valid script name",
        ),
        (&["001_x_sqlit_upgrade.sql"], "'sqlit' is not a database"),
        (&["001_notes.txt"], "'.txt' is not a script extension"),
    ];
    for (i, (files, message)) in cases.iter().enumerate() {
        let repo = format!("r{i}");
        migrate(p, &["create", &repo, "r"]).success();
        for f in *files {
            fs::write(p.join(&repo).join("versions").join(f), "").expect("write");
        }
        let out = migrate(p, &["version", &repo]);
        out.failure(1, message);
        for f in *files {
            if files.len() == 2 {
                assert!(out.stderr.contains(f), "{f} not named: {}", out.stderr);
            }
        }
    }
}

#[test]
fn create_takes_sqlalchemy_migrate_options() {
    let db = TestDb::new(
        crate::support::Backend::Sqlite,
        "repository::create_options",
    );
    db.run(&[
        "create",
        "r",
        "name",
        "--repository_id=other",
        "--table=my_versions",
        "--required_dbs=['sqlite','postgresql']",
    ])
    .success();
    let cfg = fs::read_to_string(db.path("r/migrate.cfg")).expect("cfg");
    for line in [
        "repository_id=other",
        "version_table=my_versions",
        "required_dbs=['sqlite','postgresql']",
        "use_timestamp_numbering=False",
    ] {
        assert!(cfg.contains(line), "{line} missing from:\n{cfg}");
    }
    db.run(&["version_control", &db.url, "r"]).success();
    assert_eq!(db.tables(), vec!["my_versions"]);
    assert_eq!(db.version_rows("my_versions")[0].0, "other");
    db.run(&[
        "create",
        "r2",
        "n",
        "--version_table",
        "t2",
        "--use_timestamp_numbering",
    ])
    .success();
    let cfg = fs::read_to_string(db.path("r2/migrate.cfg")).expect("cfg");
    assert!(
        cfg.contains("version_table=t2") && cfg.contains("use_timestamp_numbering=True"),
        "{cfg}"
    );
    db.run(&["script_sql", "oracle", "x", "r"])
        .failure(1, "'oracle' is not a database");
    db.run(&["script", "!!!", "r"])
        .failure(1, "description '!!!' has no letters or digits");
}

matrix!(timestamp_numbering_end_to_end, |db| {
    db.run(&["create", "repo", "stamped", "--use_timestamp_numbering"])
        .success();
    db.run(&["script", "first change", "repo"]).success();
    let names: Vec<String> = fs::read_dir(db.path("repo/versions"))
        .expect("versions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "__init__.py")
        .collect();
    assert_eq!(names.len(), 1);
    assert!(
        names[0].len() == "20261121093000_first_change.toml".len()
            && names[0].ends_with("_first_change.toml"),
        "{names:?}"
    );
    fs::remove_file(db.path("repo/versions").join(&names[0])).expect("rm");
    for (v, table) in [("20200101000000", "a"), ("20210615120000", "b")] {
        db.write(
            &format!("repo/versions/{v}_{table}_default_upgrade.sql"),
            &format!("CREATE TABLE t_{table} (id INTEGER);"),
        );
        db.write(
            &format!("repo/versions/{v}_{table}_default_downgrade.sql"),
            &format!("DROP TABLE t_{table};"),
        );
    }
    db.run(&["version_control", &db.url, "repo"]).success();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    assert_eq!(
        out.success().stdout,
        "0 -> 20200101000000... \ndone\n20200101000000 -> 20210615120000... \ndone\n"
    );
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "20210615120000\n"
    );
    db.run(&["downgrade", &db.url, "repo", "20210101000000"])
        .failure(
            1,
            "version 20210101000000 is not a version of this repository",
        );
    let out = db.run(&["downgrade", &db.url, "repo", "20200101000000"]);
    assert_eq!(
        out.success().stdout,
        "20210615120000 -> 20200101000000... \ndone\n"
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

#[test]
fn script_sql_adds_a_database_to_an_existing_version() {
    let db = TestDb::new(
        crate::support::Backend::Sqlite,
        "repository::script_sql_version",
    );
    db.run(&["create", "repo", "r"]).success();
    db.run(&["script_sql", "mysql", "add books table", "repo"])
        .success();
    let out = db.run(&[
        "script_sql",
        "sqlite",
        "add books table",
        "repo",
        "--version",
        "1",
    ]);
    out.success();
    assert!(
        out.stderr
            .contains("001_add_books_table_sqlite_upgrade.sql"),
        "{}",
        out.stderr
    );
    assert!(
        db.path("repo/versions/001_add_books_table_sqlite_downgrade.sql")
            .is_file()
    );
    assert_eq!(db.run(&["version", "repo"]).success().stdout, "1\n");
    db.run(&["script_sql", "sqlite", "again", "repo", "--version", "1"])
        .failure(1, "both claim version 1 for sqlite upgrade");
    db.run(&["script_sql", "postgresql", "x", "repo", "--version", "2"])
        .failure(1, "version 2 is not in the repository (its latest is 1)");
    db.run(&["script", "portable", "repo"]).success();
    db.run(&["script_sql", "sqlite", "x", "repo", "--version", "2"])
        .failure(1, "with both a portable script and SQL scripts");
    assert_eq!(db.run(&["version", "repo"]).success().stdout, "2\n");
}
