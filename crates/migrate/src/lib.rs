//! Versioned database schema migrations for SQLite, PostgreSQL and MySQL/MariaDB, with
//! sqlalchemy-migrate's repositories and version table, as a library.
//!
//! Migrations compiled into the application and applied at startup:
//!
//! ```no_run
//! fn main() -> Result<(), migrate::Error> {
//!     let repo = migrate::embed_repository!("../../examples/books/migrate_repo")?;
//!     let mut conn = migrate::connect("sqlite:///books.db")?;
//!     migrate::ops::sync(conn.as_mut(), &repo, &Default::default(), &mut migrate::executor::Silent)?;
//!     println!("at version {}", migrate::ops::db_version(conn.as_mut(), repo.config())?);
//!     Ok(())
//! }
//! ```
//!
//! Everything the `migrate` command does is here: [`ops`] holds the commands
//! (`version_control`, `db_version`, `upgrade`, `downgrade`, `sync`, `stamp`, `repair`,
//! `status`), [`session::Session`] runs schema operations from Rust code, and each dialect can
//! [`reflect`](dialect::Dialect::reflect) a live schema.

pub use migrate_core::*;
// One driver per Cargo feature (`sqlite`, `postgres`, `mysql`): a build without one has no
// such type, and `connect` refuses its URLs with `ConnectError::DriverNotBuilt`.
#[cfg(feature = "mysql")]
pub use migrate_drivers::MysqlConnection;
#[cfg(feature = "postgres")]
pub use migrate_drivers::PostgresConnection;
#[cfg(feature = "sqlite")]
pub use migrate_drivers::SqliteConnection;
pub use migrate_macros::embed_repository;

#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "tokio")]
pub mod tokio;

/// Connects to the database a SQLAlchemy-style URL names (`sqlite:///file.db`,
/// `postgresql://user:pass@host/db`, `mysql://…`).
///
/// # Errors
/// A malformed URL, or a connection the server refuses; passwords are masked in the message.
///
/// ```no_run
/// let mut conn = migrate::connect("sqlite://")?;
/// conn.execute("CREATE TABLE t (id INTEGER)")?;
/// # Ok::<(), migrate::Error>(())
/// ```
pub fn connect(url: &str) -> Result<Box<dyn Connection>, Error> {
    let url = DatabaseUrl::parse(url)?;
    Ok(migrate_drivers::connect(&url)?)
}
