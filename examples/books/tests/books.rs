//! The seed's four tests (§1.22), on SQLite, PostgreSQL and MariaDB.

use books_example::{Book, NotFound};

#[path = "../../test_servers.rs"]
mod test_servers;

#[test]
fn the_seed_tests_on_every_database() {
    let dir = tempfile::tempdir().expect("dir");
    for db in test_servers::every_database(dir.path(), "books") {
        let url = db.url.clone();
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
    }
}
