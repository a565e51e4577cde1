//! The commands, as library calls: what `migrate version_control`, `db_version`, `upgrade`,
//! `downgrade` and `drop_version_control` do, given a connection and a repository.
//!
//! Every command that changes the database runs under the migration lock and reads the
//! database's version only once it holds it. The CLI turns arguments into these calls and
//! prints their results; applications call them directly. Nothing here prints.

use std::time::Duration;

use crate::connection::Connection;
use crate::error::Error;
use crate::executor::{self, Mode, Observer, StepTransactions};
use crate::lock::{LockGuard, LockObserver};
use crate::plan::{self, Plan};
use crate::repository::{Config, Repository};
use crate::version::{Direction, Version};
use crate::version_table::VersionTable;

/// How long a run waits for another run's lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// Options for the commands that change the database.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Run the statements, or only report them.
    pub mode: Mode,
    /// How long to wait for another run holding the migration lock.
    pub lock_timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: Mode::Execute,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// Runs `work` under the repository's migration lock; SQLite's lock is a transaction that
/// commits whatever `work` completed, even when it then failed.
fn locked<T>(
    conn: &mut dyn Connection,
    config: &Config,
    timeout: Duration,
    observer: &mut dyn LockObserver,
    work: impl FnOnce(&mut dyn Connection, StepTransactions) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut guard = LockGuard::acquire(conn, &config.repository_id, timeout, observer)?;
    let transactions = if guard.nests_transactions() {
        StepTransactions::Savepoints
    } else {
        StepTransactions::Own
    };
    let result = work(guard.conn(), transactions);
    let released = guard.release();
    let value = result?;
    released?;
    Ok(value)
}

/// Puts the database under version control for `repo`, at `version` (default 0).
///
/// No script runs: the version is recorded as given, as sqlalchemy-migrate did.
///
/// # Errors
/// A version the repository does not have, a database already under version control for this
/// repository, the lock, or the database's error.
pub fn version_control(
    conn: &mut dyn Connection,
    repo: &Repository,
    version: Option<Version>,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<(), Error> {
    let version = version.unwrap_or(Version::ZERO);
    plan::check_target(repo, version)?;
    locked(
        conn,
        repo.config(),
        options.lock_timeout,
        observer,
        |conn, _| Ok(VersionTable::new(repo.config()).insert(conn, repo.path(), version)?),
    )
}

/// The database's recorded version for the repository configured by `config`.
///
/// Takes only the configuration so that a no-op status check never reads scripts, and no
/// lock, so it never waits.
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
/// repository, a missing or broken script, a failing statement, or the lock.
pub fn upgrade(
    conn: &mut dyn Connection,
    repo: &Repository,
    target: Option<Version>,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    walk(conn, repo, Direction::Upgrade, target, options, observer)
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
    walk(
        conn,
        repo,
        Direction::Downgrade,
        Some(target),
        options,
        observer,
    )
}

fn walk(
    conn: &mut dyn Connection,
    repo: &Repository,
    direction: Direction,
    target: Option<Version>,
    options: RunOptions,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    let table = VersionTable::new(repo.config());
    let plan_from = |conn: &mut dyn Connection| -> Result<Plan, Error> {
        let current = table.require(conn)?;
        Ok(match direction {
            Direction::Upgrade => Plan::upgrade(repo, conn.dialect(), current, target)?,
            Direction::Downgrade => Plan::downgrade(
                repo,
                conn.dialect(),
                current,
                target.unwrap_or(Version::ZERO),
            )?,
        })
    };
    if options.mode == Mode::Preview {
        let plan = plan_from(conn)?;
        executor::run(
            conn,
            &table,
            &plan,
            Mode::Preview,
            StepTransactions::Own,
            observer,
        )?;
        return Ok(plan);
    }
    let id = &repo.config().repository_id;
    let mut guard = LockGuard::acquire(conn, id, options.lock_timeout, &mut *observer)?;
    let transactions = if guard.nests_transactions() {
        StepTransactions::Savepoints
    } else {
        StepTransactions::Own
    };
    let result = plan_from(guard.conn()).and_then(|plan| {
        executor::run(
            guard.conn(),
            &table,
            &plan,
            Mode::Execute,
            transactions,
            observer,
        )?;
        Ok(plan)
    });
    let released = guard.release();
    let plan = result?;
    released?;
    Ok(plan)
}

/// Removes the repository's row from the version table, and the table once no repository
/// uses it. The schema itself is left alone.
///
/// # Errors
/// A database not under version control, the lock, or the database's error.
pub fn drop_version_control(
    conn: &mut dyn Connection,
    config: &Config,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<(), Error> {
    locked(conn, config, options.lock_timeout, observer, |conn, _| {
        Ok(VersionTable::new(config).remove(conn)?)
    })
}
