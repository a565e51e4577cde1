//! `books-example [URL]`: syncs the database (default `sqlite:///books.db`), makes sure there
//! is a book, and prints how many there are, as the seed's `python main.py` did.

use std::io::Write;
use std::process::ExitCode;

use books_example::Book;

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("MIGRATE_URL").ok())
        .unwrap_or_else(|| "sqlite:///books.db".into());
    let run = || -> Result<i64, Box<dyn std::error::Error>> {
        let mut conn = books_example::open(&url)?;
        if Book::count(conn.as_mut())? == 0 {
            Book::create(
                conn.as_mut(),
                "The Rust Programming Language",
                "Klabnik",
                9781718503106,
            )?;
        }
        Ok(Book::count(conn.as_mut())?)
    };
    match run() {
        Ok(count) => {
            let _ = writeln!(std::io::stdout(), "{count}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}
