//! The seed tutorial's sample application (§1.22): a `books` table, migrated when the
//! application starts, with a small model.

use migrate::{Connection, Value};

/// A book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// Its id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Author.
    pub author: String,
    /// ISBN.
    pub isbn: i64,
}

/// No book has that id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound(pub i64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attempt to update book with id: {}", self.0)
    }
}

impl std::error::Error for NotFound {}

/// The application's migrations, compiled in.
///
/// # Errors
/// A broken repository (caught by the tests, since it is fixed at build time).
pub fn migrations() -> Result<migrate::Repository, migrate::Error> {
    Ok(migrate::embed_repository!("migrate_repo")?)
}

/// Connects and brings the database to the latest version (db_sync).
///
/// # Errors
/// The connection or a migration failed.
pub fn open(url: &str) -> Result<Box<dyn Connection>, migrate::Error> {
    let mut conn = migrate::connect(url)?;
    let repo = migrations()?;
    migrate::ops::sync(
        conn.as_mut(),
        &repo,
        &Default::default(),
        &mut migrate::executor::Silent,
    )?;
    Ok(conn)
}

fn placeholder(conn: &dyn Connection, n: usize) -> String {
    conn.dialect().placeholder(n)
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

impl Book {
    /// Adds a book and returns its id.
    ///
    /// # Errors
    /// The database's error.
    pub fn create(
        conn: &mut dyn Connection,
        title: &str,
        author: &str,
        isbn: i64,
    ) -> Result<i64, migrate::Error> {
        let p = |n| placeholder(conn, n);
        let sql = format!(
            "INSERT INTO books (title, author, isbn) VALUES ({}, {}, {})",
            p(1),
            p(2),
            p(3)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(title.into()),
                Value::Text(author.into()),
                Value::Int(isbn),
            ],
        )?;
        let rows = conn.query("SELECT MAX(id) FROM books", &[])?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_int)
            .unwrap_or(0))
    }

    /// The book with this id.
    ///
    /// # Errors
    /// The database's error.
    pub fn find(conn: &mut dyn Connection, id: i64) -> Result<Option<Book>, migrate::Error> {
        let sql = format!(
            "SELECT id, title, author, isbn FROM books WHERE id = {}",
            placeholder(conn, 1)
        );
        let rows = conn.query(&sql, &[Value::Int(id)])?;
        Ok(rows.first().map(|r| Book {
            id: r[0].as_int().unwrap_or(0),
            title: text(&r[1]),
            author: text(&r[2]),
            isbn: r[3].as_int().unwrap_or(0),
        }))
    }

    /// Changes a book's author.
    ///
    /// # Errors
    /// [`NotFound`] (boxed) when no book has this id, or the database's error.
    pub fn update_author(
        conn: &mut dyn Connection,
        id: i64,
        author: &str,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let sql = format!(
            "UPDATE books SET author = {} WHERE id = {}",
            placeholder(conn, 1),
            placeholder(conn, 2)
        );
        match conn.execute_with(&sql, &[Value::Text(author.into()), Value::Int(id)])? {
            0 => Err(Box::new(NotFound(id))),
            _ => Ok(()),
        }
    }

    /// How many books there are.
    ///
    /// # Errors
    /// The database's error.
    pub fn count(conn: &mut dyn Connection) -> Result<i64, migrate::Error> {
        let rows = conn.query("SELECT COUNT(*) FROM books", &[])?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_int)
            .unwrap_or(0))
    }
}
