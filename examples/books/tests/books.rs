//! The seed's four tests (§1.22), on SQLite, and on PostgreSQL and MariaDB when the test
//! servers are configured (as `scripts/test` does).

use books_example::{Book, NotFound};

/// A fresh database URL per backend: a temp SQLite file, or a new database on each server.
fn databases(dir: &std::path::Path) -> Vec<(String, Option<(String, String)>)> {
    let mut out = vec![(
        format!("sqlite:///{}", dir.join("books.db").display()),
        None,
    )];
    for var in ["MIGRATE_TEST_POSTGRES_URL", "MIGRATE_TEST_MYSQL_URL"] {
        if let Ok(server) = std::env::var(var) {
            let name = format!("books_{}_{}", std::process::id(), out.len());
            let mut admin = migrate::connect(&server).expect("test server reachable");
            let q = admin.dialect().quote_ident(&name);
            admin
                .execute(&format!("CREATE DATABASE {q}"))
                .expect("create database");
            let (scheme, rest) = server.split_once("://").expect("url");
            let authority = rest.split(['/', '?']).next().unwrap_or_default();
            out.push((
                format!("{scheme}://{authority}/{name}"),
                Some((server, name)),
            ));
        }
    }
    out
}

fn drop_database(admin: &Option<(String, String)>) {
    if let Some((server, name)) = admin {
        let mut conn = migrate::connect(server).expect("reconnect");
        let q = conn.dialect().quote_ident(name);
        let force = if server.starts_with("postgres") {
            " WITH (FORCE)"
        } else {
            ""
        };
        let _ = conn.execute(&format!("DROP DATABASE IF EXISTS {q}{force}"));
    }
}

#[test]
fn the_seed_tests_on_every_database() {
    let dir = tempfile::tempdir().expect("dir");
    for (url, admin) in databases(dir.path()) {
        let mut conn = books_example::open(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let id = Book::create(conn.as_mut(), "Book", "Author", 9784101010014).expect("create");

        // test_1_book_find: Book.find return not None
        let book = Book::find(conn.as_mut(), id).expect("find");
        assert!(book.is_some(), "{url}");

        // test_2_access_isbn: Book#isbn can access
        assert_eq!(book.expect("book").isbn, 9784101010014, "{url}");

        // test_3_update_author: Book#author can update
        Book::update_author(conn.as_mut(), id, "Someone Else").expect("update");
        assert_eq!(
            Book::find(conn.as_mut(), id)
                .expect("find")
                .expect("book")
                .author,
            "Someone Else"
        );

        // test_4_update_not_found: Book#author cannot update due to NotFound
        let err = Book::update_author(conn.as_mut(), 1000, "Nobody").expect_err("no book 1000");
        assert_eq!(
            err.downcast_ref::<NotFound>(),
            Some(&NotFound(1000)),
            "{url}"
        );
        assert_eq!(err.to_string(), "Attempt to update book with id: 1000");

        // Starting the application again is a no-op sync.
        drop(conn);
        let mut again = books_example::open(&url).expect("reopen");
        assert_eq!(Book::count(again.as_mut()).expect("count"), 1);
        drop(again);
        drop_database(&admin);
    }
}
