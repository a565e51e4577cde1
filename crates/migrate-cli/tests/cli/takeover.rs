//! Squashed histories shaped like Heat's: the first version is 028, an empty database is put
//! under control at 27 (`INIT_VERSION`), placeholders do nothing, and walks that would cross
//! versions the repository does not have are refused before anything runs.

use crate::support::TestDb;

/// A repository like Heat's Mitaka one, scaled down: 028 creates the tables from nothing,
/// 029 adds a column, 030 and 031 are placeholders, 032 adds an index.
fn heat_like(db: &TestDb, rel: &str) {
    db.run(&["create", rel, "heat"]).success();
    db.write(
        &format!("{rel}/versions/028_havana.toml"),
        r#"
[[upgrade]]
create_table = { name = "stack", columns = [
    { name = "id", type = "String(36)", primary_key = true },
    { name = "name", type = "String(255)" },
] }

[[upgrade]]
create_table = { name = "resource", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "stack_id", type = "String(36)", nullable = false },
] }
"#,
    );
    db.write(
        &format!("{rel}/versions/029_stack_owner.toml"),
        r#"
[[upgrade]]
add_column = { table = "stack", column = { name = "owner_id", type = "String(36)" } }
"#,
    );
    for placeholder in ["030_placeholder", "031_placeholder"] {
        for direction in ["upgrade", "downgrade"] {
            db.write(
                &format!("{rel}/versions/{placeholder}_default_{direction}.sql"),
                "-- This is a placeholder for backports.\n",
            );
        }
    }
    db.write(
        &format!("{rel}/versions/032_resource_index.toml"),
        r#"
[[upgrade]]
create_index = { name = "ix_resource_stack_id", table = "resource", columns = ["stack_id"] }
"#,
    );
}

fn app_tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| !t.starts_with("migrate_version"))
        .collect()
}

matrix!(squashed_history_from_its_init_version, |db| {
    heat_like(&db, "repo");
    assert_eq!(db.run(&["version", "repo"]).success().stdout, "32\n");
    db.run(&["version_control", &db.url, "repo", "27"])
        .success();
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "27\n"
    );
    let out = db
        .run(&["upgrade", &db.url, "repo"])
        .success()
        .stdout
        .clone();
    assert_eq!(
        out,
        "27 -> 28... \ndone\n28 -> 29... \ndone\n29 -> 30... \ndone\n30 -> 31... \ndone\n31 -> 32... \ndone\n"
    );
    assert_eq!(app_tables(&db), vec!["resource", "stack"]);
    // Down to where the history starts, and no further.
    db.run(&["downgrade", &db.url, "repo", "27"]).success();
    assert_eq!(app_tables(&db), Vec::<String>::new());
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "27\n"
    );
    db.run(&["upgrade", &db.url, "repo", "29"]).success();
    let before = db.snapshot();
    db.run(&["downgrade", &db.url, "repo", "0"]).failure(
        1,
        "versions 1 to 27 are not in this repository (its history starts at 28)",
    );
    assert_eq!(db.snapshot(), before, "a refused downgrade changes nothing");
});

matrix!(sync_puts_an_empty_database_at_the_init_version, |db| {
    heat_like(&db, "repo");
    db.run(&["sync", &db.url, "repo", "--init-version", "27"])
        .success();
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "32\n"
    );
    assert_eq!(app_tables(&db), vec!["resource", "stack"]);
});

matrix!(
    sync_without_init_version_starts_where_the_history_does,
    |db| {
        heat_like(&db, "repo");
        db.run(&["sync", &db.url, "repo"]).success();
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "32\n"
        );
        let rows = db.version_rows("migrate_version");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].2, 32);
    }
);

matrix!(
    walks_across_missing_versions_are_refused_before_anything_runs,
    |db| {
        heat_like(&db, "repo");
        // Version 0 is below the history: the walk would need versions 1 to 27.
        db.run(&["version_control", &db.url, "repo"]).success();
        let before = db.snapshot();
        let out = db.run(&["upgrade", &db.url, "repo"]);
        out.failure(1, "cannot upgrade from version 0: versions 1 to 27 are not in this repository (its history starts at 28)");
        assert!(
            out.stderr.contains("migrate version_control URL PATH 27"),
            "{}",
            out.stderr
        );
        assert_eq!(db.snapshot(), before);
        db.run(&["drop_version_control", &db.url, "repo"]).success();

        // A hole in the middle: 030 is gone.
        for direction in ["upgrade", "downgrade"] {
            std::fs::remove_file(db.path(&format!(
                "repo/versions/030_placeholder_default_{direction}.sql"
            )))
            .unwrap();
        }
        db.run(&["version_control", &db.url, "repo", "27"])
            .success();
        let before = db.snapshot();
        db.run(&["upgrade", &db.url, "repo"]).failure(
            1,
            "cannot upgrade from version 27: version 30 is not in this repository",
        );
        assert_eq!(db.snapshot(), before, "nothing ran, not even 028");
        // Up to the hole works.
        db.run(&["upgrade", &db.url, "repo", "29"]).success();
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "29\n"
        );
    }
);

// The state the Python tool left: every table of the last version and its row in
// `migrate_version` written by sqlalchemy-migrate itself.
matrix!(
    a_database_the_python_tool_left_at_the_last_version_is_adopted_as_is,
    |db| {
        heat_like(&db, "repo");
        db.execute("CREATE TABLE migrate_version (\n\trepository_id VARCHAR(250) NOT NULL, \n\trepository_path TEXT, \n\tversion INTEGER, \n\tPRIMARY KEY (repository_id)\n)");
        db.execute("INSERT INTO migrate_version VALUES ('heat', '/usr/lib/python3/dist-packages/heat/db/sqlalchemy/migrate_repo', 32)");
        db.execute("CREATE TABLE stack (id VARCHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(255), owner_id VARCHAR(36))");
        db.execute("CREATE TABLE resource (id INTEGER NOT NULL PRIMARY KEY, stack_id VARCHAR(36) NOT NULL)");
        db.execute("CREATE INDEX ix_resource_stack_id ON resource (stack_id)");
        let tables = db.all_tables();
        assert_eq!(
            db.run(&["db_version", &db.url, "repo"]).success().stdout,
            "32\n"
        );
        assert_eq!(db.run(&["upgrade", &db.url, "repo"]).success().stdout, "");
        db.run(&["sync", &db.url, "repo"]).success();
        assert_eq!(db.all_tables(), tables, "adopting creates nothing");
        assert_eq!(
            db.version_rows("migrate_version")[0].2,
            32,
            "the Python tool's row is kept"
        );
    }
);

/// Runs `python manage.py ARGS` in `dir`, as seed 004 does.
fn manage_py(dir: &std::path::Path, args: &[&str]) -> crate::support::Outcome {
    let mut cmd = crate::support::python_cmd(dir, "manage.py");
    cmd.args(args);
    crate::support::outcome(&mut cmd)
}

// Seed 004 §1.2–1.4 and on: `migrate create`, then `cd migrate_repo` and `python manage.py …`
// with the seed's own arguments (an absolute repository path), then without it.
matrix!(the_seed_tutorials_manage_py_lines_run_as_printed, |db| {
    db.run(&["create", "migrate_repo", "sample"]).success();
    for file in [
        "README",
        "__init__.py",
        "manage.py",
        "migrate.cfg",
        "versions/__init__.py",
    ] {
        assert!(
            db.path("migrate_repo").join(file).is_file(),
            "{file} missing"
        );
    }
    let readme = std::fs::read_to_string(db.path("migrate_repo/README")).unwrap();
    assert!(!readme.contains("example.invalid"), "{readme}");
    let repo = db.path("migrate_repo");
    let abs = repo.canonicalize().unwrap();
    let abs = abs.to_str().unwrap();
    manage_py(&repo, &["version_control", &db.url, abs]).success();
    manage_py(&repo, &["script", "add books table", abs]).success();
    db.write(
        "migrate_repo/versions/001_add_books_table.toml",
        r#"
[[upgrade]]
create_table = { name = "books", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "title", type = "Text", nullable = false },
] }
"#,
    );
    let out = manage_py(&repo, &["upgrade", &db.url, abs]);
    assert_eq!(out.success().stdout, "0 -> 1... \ndone\n");
    // The repository is the default: the URL alone is enough.
    assert_eq!(manage_py(&repo, &["version"]).success().stdout, "1\n");
    assert_eq!(
        manage_py(&repo, &["db_version", &db.url]).success().stdout,
        "1\n"
    );
    let out = manage_py(&repo, &["downgrade", &db.url, abs, "0"]);
    assert_eq!(out.success().stdout, "1 -> 0... \ndone\n");
    manage_py(&repo, &["drop_version_control", &db.url, abs]).success();
    assert_eq!(db.all_tables(), Vec::<String>::new());
});

// A version whose script does nothing is recorded, as the Python tool did (Heat keeps
// placeholders on purpose), but never silently: a warning names it, unless a comment marks
// it a placeholder.
matrix!(versions_that_change_nothing_are_named_unless_marked, |db| {
    heat_like(&db, "repo");
    db.write(
        "repo/versions/031_placeholder_default_upgrade.sql",
        "-- migrate:placeholder (kept for backports)\n",
    );
    db.run(&["version_control", &db.url, "repo", "27"])
        .success();
    let up = db.run(&["upgrade", &db.url, "repo"]);
    up.success();
    let diagnostics = up.diagnostics();
    let warnings: Vec<&str> = diagnostics.lines().collect();
    assert_eq!(warnings.len(), 1, "{}", up.stderr);
    assert!(
        warnings[0].starts_with("warning: ")
            && warnings[0]
                .contains("030_placeholder_default_upgrade.sql:1: version 30 changes nothing"),
        "{}",
        up.stderr
    );
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "32\n"
    );
    let down = db.run(&["downgrade", &db.url, "repo", "29"]);
    down.success();
    assert_eq!(
        down.stderr.matches("changes nothing").count(),
        2,
        "both downgrades are unmarked: {}",
        down.stderr
    );
    assert!(
        down.stderr
            .contains("version 31's downgrade changes nothing"),
        "{}",
        down.stderr
    );
});
