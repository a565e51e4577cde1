//! `migrate::testing` (issue 16): per-test databases cloned from a template migrated once, on
//! each database, end to end: at the latest version, independent of each other and of the
//! template, dropped with their guard; a changed repository gets a template of its own, and
//! processes creating the same template at once all succeed.

use std::path::Path;

use migrate::testing::{FreshDatabase, TestDatabases};
use migrate_core::{Connection, DatabaseUrl, Repository, Value, ops};
use migrate_drivers::Access;

use crate::support::{BOOKS_REPO, Backend, server_url};

macro_rules! each_database {
    ($name:ident, |$backend:ident| $body:block) => {
        mod $name {
            use super::*;

            fn scenario($backend: Backend) $body

            #[test]
            fn sqlite() {
                scenario(Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                scenario(Backend::Postgres)
            }

            #[test]
            fn mysql() {
                scenario(Backend::Mysql)
            }
        }
    };
}

fn server(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "sqlite://".into(),
        _ => server_url(backend),
    }
}

/// Whether the database still exists, without creating an SQLite file.
fn exists(url: &str) -> bool {
    let url = DatabaseUrl::parse(url).expect("url");
    migrate_drivers::open_database(&url, Access::Existing).is_ok()
}

fn count_books(conn: &mut dyn Connection) -> i64 {
    let rows = conn
        .query("SELECT COUNT(*) FROM books", &[])
        .expect("count");
    rows[0][0].as_int().expect("a count")
}

fn insert_book(conn: &mut dyn Connection) {
    conn.execute("INSERT INTO books (title, author, isbn) VALUES ('T', 'A', 1)")
        .expect("insert");
}

fn assert_latest(db: &FreshDatabase, repo: &Repository) {
    let mut conn = db.connect().expect("connect to the fresh database");
    let version = ops::db_version(conn.as_mut(), repo.config()).expect("version");
    assert_eq!(version, repo.latest(), "{}", db.url());
}

each_database!(
    fresh_databases_are_at_the_latest_version_independent_and_dropped,
    |backend| {
        let repo = Repository::open(BOOKS_REPO).expect("open");
        let databases = TestDatabases::new(&server(backend), repo.clone()).expect("template");
        let (a, b) = (
            databases.fresh().expect("first"),
            databases.fresh().expect("second"),
        );
        assert_ne!(a.url(), b.url());
        for db in [&a, &b] {
            assert_latest(db, &repo);
        }
        let mut conn_a = a.connect().expect("connect a");
        insert_book(conn_a.as_mut());
        assert_eq!(count_books(conn_a.as_mut()), 1);
        let mut conn_b = b.connect().expect("connect b");
        assert_eq!(count_books(conn_b.as_mut()), 0, "b is not a");
        drop(conn_b);
        // The template was not written through a copy: a third database is empty too.
        let c = databases.fresh().expect("third");
        assert_eq!(count_books(c.connect().expect("connect c").as_mut()), 0);

        let url = a.url().to_string();
        drop(conn_a);
        drop(a);
        assert!(!exists(&url), "{url} is dropped with its guard");
        assert!(exists(b.url()), "the others stay");

        // A second suite over the same repository finds the template and reuses it.
        let again = TestDatabases::new(&server(backend), repo.clone()).expect("template again");
        assert_eq!(again.template_name(), databases.template_name());
        assert_latest(&again.fresh().expect("from the kept template"), &repo);
    }
);

/// A copy of the books repository with a third version creating a view, whose comment
/// carries `marker` (so each run gets a template of its own).
fn books_with_view(dir: &Path, marker: &str) -> Repository {
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).expect("mkdir");
    let src = Path::new(BOOKS_REPO);
    std::fs::copy(src.join("migrate.cfg"), dir.join("migrate.cfg")).expect("cfg");
    for e in std::fs::read_dir(src.join("versions")).expect("versions") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), versions.join(e.file_name())).expect("copy");
    }
    std::fs::write(
        versions.join("003_titles_default_upgrade.sql"),
        format!("-- {marker}\nCREATE VIEW titles AS SELECT title FROM books;\n"),
    )
    .expect("upgrade");
    std::fs::write(
        versions.join("003_titles_default_downgrade.sql"),
        "DROP VIEW titles;\n",
    )
    .expect("downgrade");
    Repository::open(dir).expect("open the copy")
}

fn drop_template(backend: Backend, name: Option<&str>) {
    let (Backend::Postgres | Backend::Mysql, Some(name)) = (backend, name) else {
        return;
    };
    let mut admin = migrate::connect(&server_url(backend)).expect("admin");
    admin
        .execute(&admin.dialect().drop_database(name))
        .expect("drop the template");
}

// Two suites starting at once on a repository nobody has migrated yet (another test process
// doing the same): both get the one template. The repository holds a view, which MariaDB's
// replay does not copy; there each database is migrated instead, and still has it.
each_database!(
    a_changed_repository_gets_its_own_template_made_once,
    |backend| {
        let dir = tempfile::tempdir().expect("dir");
        let marker = format!(
            "run {} {:?}",
            std::process::id(),
            std::time::SystemTime::now()
        );
        let repo = books_with_view(dir.path(), &marker);
        let books = Repository::open(BOOKS_REPO).expect("open");
        let url = server(backend);
        let suites: Vec<TestDatabases> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..2)
                .map(|_| s.spawn(|| TestDatabases::new(&url, repo.clone())))
                .collect();
            starts
                .into_iter()
                .map(|t| t.join().expect("no panic").expect("template"))
                .collect()
        });
        let name = suites[0].template_name().map(str::to_string);
        assert_eq!(name.as_deref(), suites[1].template_name());
        if backend != Backend::Sqlite {
            let plain = TestDatabases::new(&url, books.clone()).expect("books");
            assert_ne!(
                name.as_deref(),
                plain.template_name(),
                "a template per repository"
            );
        }
        for suite in &suites {
            let db = suite.fresh().expect("fresh");
            assert_latest(&db, &repo);
            let mut conn = db.connect().expect("connect");
            insert_book(conn.as_mut());
            let titles = conn
                .query("SELECT title FROM titles", &[])
                .expect("the view");
            assert_eq!(titles, vec![vec![Value::Text("T".into())]]);
        }
        drop(suites);
        drop_template(backend, name.as_deref());
    }
);
