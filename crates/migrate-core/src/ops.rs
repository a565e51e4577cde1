//! The commands, as library calls: what `migrate version_control`, `db_version`, `upgrade`,
//! `downgrade` and `drop_version_control` do, given a connection and a repository.
//!
//! The CLI turns arguments into these calls and prints their results; applications call them
//! directly. Nothing here prints.

use crate::connection::Connection;
use crate::error::Error;
use crate::executor::{self, Mode, Observer};
use crate::plan::{self, Plan};
use crate::repository::{Config, Repository};
use crate::version::Version;
use crate::version_table::VersionTable;

/// Options for [`upgrade`] and [`downgrade`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Run the statements, or only report them.
    pub mode: Mode,
}

/// Puts the database under version control for `repo`, at `version` (default 0).
///
/// No script runs: the version is recorded as given, as sqlalchemy-migrate did.
///
/// # Errors
/// A version the repository does not have, a database already under version control for this
/// repository, or the database's error.
pub fn version_control(
    conn: &mut dyn Connection,
    repo: &Repository,
    version: Option<Version>,
) -> Result<(), Error> {
    let version = version.unwrap_or(Version::ZERO);
    plan::check_target(repo, version)?;
    VersionTable::new(repo.config()).insert(conn, repo.path(), version)?;
    Ok(())
}

/// The database's recorded version for the repository configured by `config`.
///
/// Takes only the configuration so that a no-op status check never reads scripts.
///
/// # Errors
/// A database not under version control, or the database's error.
pub fn db_version(conn: &mut dyn Connection, config: &Config) -> Result<Version, Error> {
    Ok(VersionTable::new(config).require(conn)?)
}

/// Upgrades to `target` (the latest when `None`), reporting to `observer`. Returns the plan
/// that ran (empty when the database was already there).
///
/// # Errors
/// A database not under version control, a target below the current version or not in the
/// repository, a missing or broken script, or a failing statement.
pub fn upgrade(
    conn: &mut dyn Connection,
    repo: &Repository,
    target: Option<Version>,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    let table = VersionTable::new(repo.config());
    let current = table.require(conn)?;
    let plan = Plan::upgrade(repo, conn.dialect(), current, target)?;
    executor::run(conn, &table, &plan, options.mode, observer)?;
    Ok(plan)
}

/// Downgrades to `target`, reporting to `observer`. Returns the plan that ran.
///
/// # Errors
/// As [`upgrade`], the other way round.
pub fn downgrade(
    conn: &mut dyn Connection,
    repo: &Repository,
    target: Version,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    let table = VersionTable::new(repo.config());
    let current = table.require(conn)?;
    let plan = Plan::downgrade(repo, conn.dialect(), current, target)?;
    executor::run(conn, &table, &plan, options.mode, observer)?;
    Ok(plan)
}

/// Removes the repository's row from the version table, and the table once no repository
/// uses it. The schema itself is left alone.
///
/// # Errors
/// A database not under version control, or the database's error.
pub fn drop_version_control(conn: &mut dyn Connection, config: &Config) -> Result<(), Error> {
    VersionTable::new(config).remove(conn)?;
    Ok(())
}
