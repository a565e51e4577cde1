//! Database connections for migrate: SQLite (bundled `rusqlite`), PostgreSQL (`postgres`) and
//! MySQL/MariaDB (`mysql`), each behind `migrate_core::Connection`.
//!
//! This is the only place that knows which driver serves which database. Errors leave here
//! as plain messages with passwords already masked.

mod mysql;
mod pg_text;
mod pg_thread;
mod postgres;
mod sqlite;
mod tls;

use migrate_core::dialect::DialectKind;
use migrate_core::url::{SqliteMode, Target};
use migrate_core::{ConnectError, Connection, DatabaseUrl};

pub use mysql::MysqlConnection;
pub use postgres::PostgresConnection;
pub use sqlite::SqliteConnection;

/// Opens a connection to the database `url` points at.
///
/// # Errors
/// [`ConnectError`] with the masked URL, the server's or driver's message, and a remedy:
/// unreachable server, refused credentials, unknown database or unsupported URL option.
pub fn connect(url: &DatabaseUrl) -> Result<Box<dyn Connection>, ConnectError> {
    let fail = |(message, help): (String, Option<String>)| ConnectError {
        url: url.masked().to_string(),
        message,
        help,
    };
    match (url.kind(), url.target()) {
        (_, Target::Sqlite(target)) => Ok(Box::new(
            SqliteConnection::open_with(target, narrowed(url, Access::Create)).map_err(fail)?,
        )),
        (DialectKind::Postgres, Target::Server(server)) => {
            Ok(Box::new(PostgresConnection::open(server).map_err(fail)?))
        }
        (_, Target::Server(server)) => Ok(Box::new(MysqlConnection::open(server).map_err(fail)?)),
        (_, _) => Err(fail((
            "this kind of database URL is not supported".into(),
            None,
        ))),
    }
}

/// Whether opening a database may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// A command that writes: an SQLite file is created when missing, as SQLite does.
    Create,
    /// A command that only reads (`db_version`, `status`, `schema URL`…): the database must
    /// exist, so a typo in a file name is reported instead of leaving an empty file behind.
    Existing,
    /// Nothing may be written: an SQLite file is opened read-only (`?mode=ro`).
    ReadOnly,
}

/// The command's access narrowed by the URL's `?mode=` (SQLite): the URL can forbid creating
/// (`rw`) or writing (`ro`), never widen what the command does (`rwc` is SQLite's default, so
/// a command that only reads still refuses a missing file).
fn narrowed(url: &DatabaseUrl, access: Access) -> Access {
    match (url.sqlite_mode(), access) {
        (Some(SqliteMode::ReadOnly), _) | (_, Access::ReadOnly) => Access::ReadOnly,
        (Some(SqliteMode::ReadWrite), _) => Access::Existing,
        _ => access,
    }
}

/// Opens the database a command works on. Unlike [`connect`], which may reach a server
/// without choosing a database (to create or drop one), this refuses a server URL that names
/// no database: a MySQL session without one has nowhere to keep the version table and no
/// name for its lock, and PostgreSQL would silently fall back to the database named after
/// the user, which is never the one meant for migrations.
///
/// # Errors
/// [`ConnectError`] as for [`connect`], and for a URL without a database, or a missing
/// SQLite file with [`Access::Existing`] or [`Access::ReadOnly`] (also asked for by the URL's
/// `?mode=rw` or `?mode=ro`).
pub fn open_database(
    url: &DatabaseUrl,
    access: Access,
) -> Result<Box<dyn Connection>, ConnectError> {
    let fail = |(message, help): (String, Option<String>)| ConnectError {
        url: url.masked().to_string(),
        message,
        help,
    };
    match url.target() {
        Target::Server(server) if server.database.is_none() => Err(fail((
            "the URL names no database".into(),
            Some(format!(
                "add the database after the host: {}://user@host/DATABASE",
                url.dialect().name()
            )),
        ))),
        Target::Sqlite(target) => Ok(Box::new(
            SqliteConnection::open_with(target, narrowed(url, access)).map_err(fail)?,
        )),
        _ => connect(url),
    }
}

/// The remedy for a server that cannot be reached.
fn unreachable_help(what: &str, host: &str, port: u16) -> Option<String> {
    Some(format!(
        "is {what} running and accepting TCP connections on {host}:{port}?"
    ))
}

/// A URL option the driver does not know.
fn unknown_option(key: &str, known: &str) -> (String, Option<String>) {
    (
        format!("unknown URL option '{key}'"),
        Some(format!("supported options: {known}")),
    )
}
