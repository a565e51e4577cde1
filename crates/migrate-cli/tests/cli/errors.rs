//! Every error the spine promises: a clear sentence, the right exit code, nothing changed.

use crate::support::{Backend, TestDb, migrate};

matrix!(not_under_version_control, |db| {
    db.books_repo("repo");
    let before = db.snapshot();
    for command in ["db_version", "upgrade", "drop_version_control"] {
        db.run(&[command, &db.url, "repo"]).failure(
            1,
            "the database is not under version control for repository 'sample'",
        );
    }
    db.run(&["downgrade", &db.url, "repo", "0"])
        .failure(1, "not under version control");
    assert_eq!(db.snapshot(), before);
});

matrix!(already_under_version_control, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo", "1"]).success();
    let before = db.snapshot();
    let out = db.run(&["version_control", &db.url, "repo"]);
    out.failure(
        1,
        "the database is already under version control for repository 'sample', at version 1",
    );
    assert_eq!(db.snapshot(), before);
    db.run(&["version_control", &db.url, "repo", "3"])
        .failure(1, "version 3 is beyond the repository's latest version, 2");
});

matrix!(wrong_direction_and_bad_versions, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo", "1"]).success();
    let before = db.snapshot();
    let out = db.run(&["upgrade", &db.url, "repo", "0"]);
    out.failure(2, "cannot upgrade from version 1 to version 0");
    assert!(
        out.stderr.contains("help: use `migrate downgrade`"),
        "{}",
        out.stderr
    );
    let out = db.run(&["downgrade", &db.url, "repo", "2"]);
    out.failure(2, "cannot downgrade from version 1 to version 2");
    assert!(
        out.stderr.contains("help: use `migrate upgrade`"),
        "{}",
        out.stderr
    );
    db.run(&["downgrade", &db.url, "repo"])
        .failure(2, "downgrade needs the VERSION");
    db.run(&["upgrade", &db.url, "repo", "5"])
        .failure(1, "version 5 is beyond the repository's latest version, 2");
    db.run(&["upgrade", &db.url, "repo", "-1"])
        .failure(2, "version '-1' is below 0");
    db.run(&["upgrade", &db.url, "repo", "two"])
        .failure(2, "version 'two' is not a number");
    db.run(&["downgrade", &db.url, "repo", "--version=x"])
        .failure(2, "version 'x' is not a number");
    assert_eq!(db.snapshot(), before);
    // Already there: nothing to do, nothing printed.
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo", "1"]).success().stdout,
        ""
    );
});

matrix!(bad_repository_paths, |db| {
    db.books_repo("repo");
    std::fs::create_dir(db.path("not_a_repo")).expect("mkdir");
    let before = db.snapshot();
    db.run(&["db_version", &db.url, "missing"])
        .failure(1, "repository 'missing' does not exist");
    db.run(&["upgrade", &db.url, "not_a_repo"])
        .failure(1, "'not_a_repo' is not a repository: it has no migrate.cfg");
    db.run(&["version_control", &db.url, "missing"])
        .failure(1, "does not exist");
    db.run(&["create", "repo", "again"]).failure(
        2,
        "cannot create a repository at 'repo': the path already exists",
    );
    assert_eq!(db.snapshot(), before);
});

matrix!(failing_script_changes_nothing_it_can_undo, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.write(
        "repo/versions/003_broken_default_upgrade.sql",
        "CREATE TABLE t3 (id INTEGER);\nINSERT INTO t3 VALUES (1);\n\nINSERT INTO no_such_table VALUES (1);\n",
    );
    db.write(
        "repo/versions/003_broken_default_downgrade.sql",
        "DROP TABLE t3;\n",
    );
    let before = db.snapshot();
    let out = db.run(&["upgrade", &db.url, "repo"]);
    out.failure(1, "003_broken_default_upgrade.sql:4: statement 'INSERT INTO no_such_table VALUES (1)' failed: ");
    assert_eq!(out.stdout, "2 -> 3... \n");
    let own_message = match db.backend {
        Backend::Sqlite => "no such table: no_such_table",
        Backend::Postgres => "relation \"no_such_table\" does not exist (SQLSTATE 42P01)",
        Backend::Mysql => "ERROR 1146 (42S02)",
    };
    assert!(out.stderr.contains(own_message), "{}", out.stderr);
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "2\n"
    );
    if db.backend == Backend::Mysql {
        // DDL commits implicitly on MySQL: the version stays, and the message says what remains.
        assert!(
            out.stderr
                .contains("the 2 statement(s) before it stay applied"),
            "{}",
            out.stderr
        );
        assert_eq!(db.snapshot().1, before.1);
    } else {
        assert!(
            out.stderr
                .contains("nothing of this step was applied; the database is still at version 2")
        );
        assert_eq!(db.snapshot(), before);
    }
});

#[test]
fn unreachable_servers_wrong_passwords_and_unknown_databases() {
    let db = TestDb::new(Backend::Sqlite, "errors::connections");
    db.books_repo("repo");
    let cases = [
        (
            "postgresql://postgres:s3cret@127.0.0.1:1/x",
            "cannot connect to postgresql://postgres:***@127.0.0.1:1/x",
            "help: is PostgreSQL running",
        ),
        (
            "mysql+pymysql://root:s3cret@127.0.0.1:1/x",
            "cannot connect to mysql+pymysql://root:***@127.0.0.1:1/x",
            "help: is MySQL/MariaDB running",
        ),
        (
            "mysql://root:s3cret@127.0.0.1:3306/mysql",
            "Access denied for user 'root'",
            "help: check the user name and password",
        ),
        (
            "postgresql://postgres@127.0.0.1:5432/mt_no_such_database",
            "database \"mt_no_such_database\" does not exist",
            "help: create the database first",
        ),
        (
            "mysql://root@127.0.0.1:3306/mt_no_such_database",
            "Unknown database 'mt_no_such_database'",
            "help: create the database first",
        ),
        // What TLS does is tested against servers of the tests' own (`tls::`).
        (
            "postgresql://postgres:s3cret@127.0.0.1:5432/postgres?sslmode=bogus",
            "sslmode 'bogus' is not one of disable, allow, prefer, require, verify-ca, verify-full",
            "error:",
        ),
        (
            "mysql://root@127.0.0.1:3306/mysql?bogus=1",
            "unknown URL option 'bogus'",
            "help: supported options",
        ),
    ];
    for (url, message, help) in cases {
        let out = db.run(&["db_version", url, "repo"]);
        out.failure(1, message);
        assert!(out.stderr.contains(help), "{url}: {}", out.stderr);
        assert!(
            !out.stderr.contains("s3cret"),
            "password leaked: {}",
            out.stderr
        );
        crate::support::assert_no_debug_text(&out.stderr);
    }
}

#[test]
fn malformed_urls_are_named_and_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path();
    migrate(
        p,
        &["db_version", "mysql://root:s3cret@host:notaport/db", "repo"],
    )
    .failure(
        1,
        "malformed database URL 'mysql://root:***@host:notaport/db'",
    );
    migrate(p, &["db_version", "oracle://scott:tiger@h/db", "repo"])
        .failure(1, "unknown database 'oracle'");
    let out = migrate(p, &["db_version", "books.db", "repo"]);
    out.failure(
        2,
        "'books.db' is not a database URL (did you mean sqlite:///books.db?)",
    );
    assert!(
        !migrate(p, &["upgrade", "--url=postgres://u:s3cret@h:x/d", "r"])
            .stderr
            .contains("s3cret")
    );
}
