//! `sync`, OpenStack's `db_sync`: whatever state the database is in, bring it to the
//! repository's latest version (or a given one), under one lock so that many application
//! instances starting at once do it exactly once.

use super::{RunOptions, walk_locked};
use crate::connection::Connection;
use crate::error::Error;
use crate::executor::{ExecError, Observer, StepTransactions};
use crate::journal::Journal;
use crate::lock::LockGuard;
use crate::plan::{self, Plan};
use crate::repository::Repository;
use crate::version::{Direction, Version};
use crate::version_table::VersionTable;

/// Options for [`sync`].
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Lock timeout and mode.
    pub run: RunOptions,
    /// The version to end at (the latest when `None`); lower than the current one downgrades.
    pub target: Option<Version>,
    /// For a database that has tables but no version row: the version its schema is at.
    pub init_version: Option<Version>,
    /// On MySQL, the engine every table must use afterwards (OpenStack's sanity check).
    pub expect_engine: Option<String>,
    /// On MySQL, the character set every table must use afterwards.
    pub expect_charset: Option<String>,
}

/// What [`sync`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Whether it put the database under version control first.
    pub placed_under_control: bool,
    /// The walk it made.
    pub plan: Plan,
}

/// Version-controls the database if needed, then walks it to the target.
///
/// # Errors
/// A database with tables but no version row (unless `init_version` says where it is), a
/// table with the wrong engine or charset, and everything [`super::upgrade`] refuses.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// let outcome = ops::sync(conn, &repo, &ops::SyncOptions::default(), &mut Silent)?;
/// println!("now at {}", outcome.plan.to);
/// # Ok(()) }
/// ```
pub fn sync(
    conn: &mut dyn Connection,
    repo: &Repository,
    options: &SyncOptions,
    observer: &mut dyn Observer,
) -> Result<SyncOutcome, Error> {
    if let Some(t) = options.target {
        plan::check_target(repo, t)?;
    }
    super::check_own_tables(conn.dialect(), repo.config())?;
    let request = options.run.lock_request(repo.config());
    let mut guard = LockGuard::acquire(conn, &request, &mut *observer)?;
    let transactions = if guard.nests_transactions() {
        StepTransactions::Savepoints
    } else {
        StepTransactions::Own
    };
    let result = sync_locked(guard.conn(), repo, options, transactions, observer);
    let released = guard.release();
    let outcome = result?;
    released?;
    Ok(outcome)
}

fn sync_locked(
    conn: &mut dyn Connection,
    repo: &Repository,
    options: &SyncOptions,
    transactions: StepTransactions,
    observer: &mut dyn Observer,
) -> Result<SyncOutcome, Error> {
    let table = VersionTable::new(repo.config());
    let placed_under_control = match table.read(conn)? {
        Some(_) => false,
        None => {
            let start = match options.init_version {
                Some(v) => v,
                None => {
                    let journal = Journal::new(repo.config());
                    let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
                    let existing = conn.dialect().reflect(conn, &exclude)?;
                    if !existing.tables.is_empty() {
                        let names: Vec<&str> = existing
                            .tables
                            .iter()
                            .map(|t| t.name.as_str())
                            .take(5)
                            .collect();
                        return Err(ExecError::NotEmpty {
                            tables: names.join(", "),
                            count: existing.tables.len(),
                        }
                        .into());
                    }
                    // An empty database starts where the history does: 27 for a history
                    // squashed into 028, as OpenStack's db_sync passed INIT_VERSION.
                    repo.start()
                }
            };
            plan::check_target(repo, start)?;
            table.insert(conn, repo.path(), start, transactions.nested())?;
            true
        }
    };
    let current = table.require(conn)?;
    let direction = match options.target {
        Some(t) if t < current => Direction::Downgrade,
        _ => Direction::Upgrade,
    };
    let plan = walk_locked(
        conn,
        repo,
        direction,
        options.target,
        transactions,
        observer,
    )?;
    check_mysql_tables(conn, repo, options)?;
    Ok(SyncOutcome {
        placed_under_control,
        plan,
    })
}

/// OpenStack's sanity check: every table (but the version table) uses the expected engine
/// and character set. Only MySQL reports them; elsewhere there is nothing to check.
fn check_mysql_tables(
    conn: &mut dyn Connection,
    repo: &Repository,
    options: &SyncOptions,
) -> Result<(), Error> {
    if options.expect_engine.is_none() && options.expect_charset.is_none() {
        return Ok(());
    }
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
    let schema = conn.dialect().reflect(conn, &exclude)?;
    let mut wrong = Vec::new();
    for t in &schema.tables {
        let (engine, charset) = (
            t.options.get("mysql_engine"),
            t.options.get("mysql_charset"),
        );
        let bad_engine = matches!((&options.expect_engine, engine), (Some(want), Some(got)) if !got.eq_ignore_ascii_case(want));
        // MariaDB names MySQL's utf8 `utf8mb3`.
        let same_charset = |want: &str, got: &str| {
            got.eq_ignore_ascii_case(want)
                || (want.eq_ignore_ascii_case("utf8") && got == "utf8mb3")
        };
        let bad_charset = matches!((&options.expect_charset, charset), (Some(want), Some(got)) if !same_charset(want, got));
        if bad_engine || bad_charset {
            wrong.push(format!(
                "{} ({}, {})",
                t.name,
                engine.map_or("-", String::as_str),
                charset.map_or("-", String::as_str)
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(ExecError::WrongTableOptions {
            tables: wrong.join(", "),
        }
        .into())
    }
}
