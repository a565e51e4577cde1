//! The library's error: one variant per module boundary, each carrying the data that names
//! what is wrong, with the remedy kept apart (see [`Error::help`]) for the CLI to show.

use crate::connection::DbError;
use crate::dialect::IdentifierTooLong;
use crate::executor::ExecError;
use crate::lock::LockError;
use crate::plan::PlanError;
use crate::repository::RepoError;
use crate::script::ScriptError;
use crate::url::UrlError;
use crate::version_table::VersionTableError;

/// Any error migrate's library reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database URL was refused.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// Connecting failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The repository on disk is invalid.
    #[error(transparent)]
    Repository(#[from] RepoError),
    /// A script cannot be loaded.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// The requested walk is impossible.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The version table's state forbids the command.
    #[error(transparent)]
    VersionTable(#[from] VersionTableError),
    /// The migration lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Running the plan failed (boxed: it carries the failing statement).
    #[error(transparent)]
    Exec(Box<ExecError>),
    /// The database refused a statement.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A name migrate would create is longer than the database allows.
    #[error(transparent)]
    Identifier(#[from] IdentifierTooLong),
}

impl Error {
    /// The remedy, when there is one to suggest.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Url(e) => e.help(),
            Error::Connect(e) => e.help(),
            Error::Repository(e) => e.help(),
            Error::Script(e) => e.help(),
            Error::Plan(e) => e.help(),
            Error::VersionTable(e) => e.help(),
            Error::Exec(e) => e.help(),
            Error::Lock(e) => e.help(),
            Error::Db(_) => None,
            Error::Identifier(e) => e.help(),
        }
    }
}

impl From<ExecError> for Error {
    fn from(e: ExecError) -> Self {
        Error::Exec(Box::new(e))
    }
}

/// A connection that could not be made. The URL is already masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The driver or the server refused.
    #[error("cannot connect to {url}: {message}")]
    Failed {
        /// The URL, password masked.
        url: String,
        /// The driver's or server's message.
        message: String,
        /// The remedy.
        help: Option<String>,
    },
    /// The URL names a database whose driver this build leaves out: its Cargo feature is off.
    #[error(
        "cannot connect to {url}: this build has no {database} driver (Cargo feature `{feature}` is off)"
    )]
    DriverNotBuilt {
        /// The URL, password masked.
        url: String,
        /// The database, as people name it (`PostgreSQL`).
        database: &'static str,
        /// The Cargo feature that compiles its driver in (`postgres`).
        feature: &'static str,
    },
}

impl ConnectError {
    /// The remedy, when there is one to suggest.
    pub fn help(&self) -> Option<String> {
        match self {
            ConnectError::Failed { help, .. } => help.clone(),
            ConnectError::DriverNotBuilt { feature, .. } => Some(format!(
                "build with the `{feature}` feature: `cargo install sqlmigrate-cli --features \
                 {feature}`, or `features = [\"{feature}\"]` on the sqlmigrate dependency"
            )),
        }
    }
}
