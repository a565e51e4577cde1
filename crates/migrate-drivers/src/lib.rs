//! Database connections for migrate: SQLite (bundled `rusqlite`), PostgreSQL (`postgres`) and
//! MySQL/MariaDB (`mysql`), each behind `migrate_core::Connection`.
//!
//! This is the only place that knows which driver serves which database. Errors leave here
//! as plain messages with passwords already masked.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod pg_text;
#[cfg(feature = "postgres")]
mod pg_thread;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "postgres")]
mod tls;

use migrate_core::dialect::DialectKind;
#[cfg(feature = "sqlite")]
use migrate_core::url::SqliteMode;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use migrate_core::url::Target;
use migrate_core::{ConnectError, Connection, DatabaseUrl};

#[cfg(feature = "mysql")]
pub use mysql::MysqlConnection;
#[cfg(feature = "postgres")]
pub use postgres::PostgresConnection;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteConnection;

/// Opens a connection to the database `url` points at.
///
/// # Errors
/// [`ConnectError`] with the masked URL, the server's or driver's message, and a remedy:
/// unreachable server, refused credentials, unknown database or unsupported URL option; or
/// [`ConnectError::DriverNotBuilt`] when this build leaves out the URL's driver.
pub fn connect(url: &DatabaseUrl) -> Result<Box<dyn Connection>, ConnectError> {
    open(url, Access::Create, false)
}

/// The one place that picks a driver for a URL. Each arm exists only when its driver is
/// compiled in; a URL whose driver is not falls through to [`not_built`].
fn open(
    url: &DatabaseUrl,
    access: Access,
    require_database: bool,
) -> Result<Box<dyn Connection>, ConnectError> {
    // Each argument is read only by the arms of the drivers that need it.
    #[cfg(not(feature = "sqlite"))]
    let _ = access;
    #[cfg(not(any(feature = "postgres", feature = "mysql")))]
    let _ = require_database;
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    let database_named = |server: &migrate_core::url::ServerTarget| match server.database {
        None if require_database => Err(no_database(url)),
        _ => Ok(()),
    };
    match (url.kind(), url.target()) {
        #[cfg(feature = "sqlite")]
        (_, Target::Sqlite(target)) => Ok(Box::new(
            SqliteConnection::open_with(target, narrowed(url, access))
                .map_err(|e| failed(url, e))?,
        )),
        #[cfg(feature = "postgres")]
        (DialectKind::Postgres, Target::Server(server)) => {
            database_named(server)?;
            Ok(Box::new(
                PostgresConnection::open(server).map_err(|e| failed(url, e))?,
            ))
        }
        #[cfg(feature = "mysql")]
        (DialectKind::Mysql, Target::Server(server)) => {
            database_named(server)?;
            Ok(Box::new(
                MysqlConnection::open(server).map_err(|e| failed(url, e))?,
            ))
        }
        (kind, _) => Err(not_built(url, kind)),
    }
}

/// The error for a URL no arm of [`open`] took: its driver is compiled out (the usual case,
/// named with the feature that adds it), or the URL pairs a database with a target that no
/// driver serves.
fn not_built(url: &DatabaseUrl, kind: DialectKind) -> ConnectError {
    match driver_feature(kind) {
        Some((database, feature, false)) => ConnectError::DriverNotBuilt {
            url: url.masked().to_string(),
            database,
            feature,
        },
        _ => failed(
            url,
            ("this kind of database URL is not supported".into(), None),
        ),
    }
}

/// A driver's refusal, `(message, help)`, as the error for `url` (password masked).
fn failed(url: &DatabaseUrl, (message, help): (String, Option<String>)) -> ConnectError {
    ConnectError::Failed {
        url: url.masked().to_string(),
        message,
        help,
    }
}

/// For each database: its name, the Cargo feature that compiles its driver in, and whether
/// this build has it.
fn driver_feature(kind: DialectKind) -> Option<(&'static str, &'static str, bool)> {
    match kind {
        DialectKind::Sqlite => Some(("SQLite", "sqlite", cfg!(feature = "sqlite"))),
        DialectKind::Postgres => Some(("PostgreSQL", "postgres", cfg!(feature = "postgres"))),
        DialectKind::Mysql => Some(("MySQL/MariaDB", "mysql", cfg!(feature = "mysql"))),
        _ => None,
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
#[cfg(feature = "sqlite")]
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
    open(url, access, true)
}

/// The error for a server URL without a database, which [`open_database`] refuses.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn no_database(url: &DatabaseUrl) -> ConnectError {
    let help = format!(
        "add the database after the host: {}://user@host/DATABASE",
        url.dialect().name()
    );
    failed(url, ("the URL names no database".into(), Some(help)))
}

// Each test here runs only in a build that leaves its driver out; scripts/test runs them with
// `cargo test -p sqlmigrate-drivers --no-default-features --lib`.
#[cfg(all(
    test,
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql"))
))]
mod tests {
    use super::*;

    /// The error a URL gets when its driver is compiled out: typed, naming the feature, the
    /// password masked, for `connect` and `open_database` alike (before any check of the
    /// URL's database name, which would only send the user to fix the wrong thing first).
    fn assert_not_built(url: &str, database: &str, feature: &str) {
        let parsed = DatabaseUrl::parse(url).expect("a valid URL");
        for err in [
            connect(&parsed).err().expect("connect must fail"),
            open_database(&parsed, Access::Existing)
                .err()
                .expect("open must fail"),
        ] {
            match &err {
                ConnectError::DriverNotBuilt {
                    database: d,
                    feature: f,
                    ..
                } => assert_eq!((*d, *f), (database, feature)),
                other => panic!("expected DriverNotBuilt for {url}, got {other:?}"),
            }
            let text = err.to_string();
            assert!(text.contains(&format!("feature `{feature}`")), "{text}");
            assert!(!text.contains("secret"), "password shown: {text}");
            let help = err.help().expect("a remedy");
            assert!(help.contains(&format!("--features {feature}")), "{help}");
        }
    }

    #[cfg(not(feature = "sqlite"))]
    #[test]
    fn a_sqlite_url_without_the_sqlite_feature_names_the_feature() {
        assert_not_built("sqlite:///app.db", "SQLite", "sqlite");
        assert_not_built("sqlite://", "SQLite", "sqlite");
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn a_postgres_url_without_the_postgres_feature_names_the_feature() {
        assert_not_built(
            "postgresql://u:secret@localhost/app",
            "PostgreSQL",
            "postgres",
        );
        assert_not_built("postgres://u:secret@localhost", "PostgreSQL", "postgres");
    }

    #[cfg(not(feature = "mysql"))]
    #[test]
    fn a_mysql_url_without_the_mysql_feature_names_the_feature() {
        assert_not_built("mysql://u:secret@localhost/app", "MySQL/MariaDB", "mysql");
        assert_not_built(
            "mysql+pymysql://u:secret@localhost",
            "MySQL/MariaDB",
            "mysql",
        );
    }
}
