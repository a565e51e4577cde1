//! Getting out of trouble and looking at the state: `stamp`, `repair`, `status`.

use crate::connection::Connection;
use crate::error::Error;
use crate::executor::ExecError;
use crate::journal::{Entry, Journal, Outcome};
use crate::lock::LockObserver;
use crate::plan;
use crate::repository::Repository;
use crate::version::{Direction, Version};
use crate::version_table::VersionTable;

use super::{ChangedScript, RunOptions, changed_scripts, locked};

/// Sets the database's version without running any script (under version control or not),
/// and journals it. For adopting a database whose schema is known to be at `version`, or for
/// leaving a dirty state by hand.
///
/// # Errors
/// A version the repository does not have, the lock, or the database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository, Version};
/// let repo = Repository::open("migrate_repo")?;
/// ops::stamp(conn, &repo, Version::new(2), ops::RunOptions::default(), &mut Silent)?;
/// # Ok(()) }
/// ```
pub fn stamp(
    conn: &mut dyn Connection,
    repo: &Repository,
    version: Version,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<Version, Error> {
    plan::check_target(repo, version)?;
    locked(conn, repo.config(), &options, observer, |conn, tx| {
        let table = VersionTable::new(repo.config());
        let journal = Journal::new(repo.config());
        journal.ensure(conn, tx.nested())?;
        let previous = match table.read(conn)? {
            Some(current) => {
                table.set(conn, version)?;
                current
            }
            None => {
                table.insert(conn, repo.path(), version, tx.nested())?;
                Version::ZERO
            }
        };
        let mut entry = Entry::now(previous, version, "stamp", Outcome::Stamped);
        entry.finish(Outcome::Stamped, std::time::Duration::ZERO);
        journal.insert(conn, &entry)?;
        Ok(previous)
    })
}

/// What `repair` should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepairAction {
    /// Only report the dirty step, if any.
    Show,
    /// The dirty step completed (by itself or by hand): record it and move the version.
    MarkApplied,
    /// The dirty step's effects were undone: record it and keep the version.
    MarkRolledBack,
    /// Accept the current text of this version's changed script as the applied one.
    AcceptChanged(Version),
}

/// What `repair` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairOutcome {
    /// The dirty step, when there was one.
    pub dirty: Option<Entry>,
    /// The database's version afterwards.
    pub version: Version,
}

/// Reports or resolves a dirty step, or accepts a changed script.
///
/// # Errors
/// Marking when nothing is dirty, accepting a version whose script has not changed, the
/// lock, or the database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// let outcome = ops::repair(conn, &repo, ops::RepairAction::Show, ops::RunOptions::default(), &mut Silent)?;
/// if let Some(step) = outcome.dirty {
///     println!("dirty: {} {} -> {}", step.action, step.from, step.to);
/// }
/// # Ok(()) }
/// ```
pub fn repair(
    conn: &mut dyn Connection,
    repo: &Repository,
    action: RepairAction,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<RepairOutcome, Error> {
    locked(conn, repo.config(), &options, observer, |conn, tx| {
        let table = VersionTable::new(repo.config());
        let journal = Journal::new(repo.config());
        if !journal.is_on() && action != RepairAction::Show {
            return Err(ExecError::NoJournal.into());
        }
        let mut version = table.require(conn)?;
        let dirty = journal.dirty(conn)?;
        // Only a decision recorded creates the journal: `repair` that shows or refuses
        // changes nothing.
        let record = |conn: &mut dyn Connection, mut entry: Entry, outcome: Outcome| {
            entry.finish(outcome, std::time::Duration::ZERO);
            journal.ensure(conn, tx.nested())?;
            journal.insert(conn, &entry).map(|_| ())
        };
        match (action, &dirty) {
            (RepairAction::Show, _) => {}
            (RepairAction::MarkApplied, Some(d)) => {
                if version == d.from {
                    table.update(conn, d.from, d.to)?;
                }
                version = d.to;
                let mut e = Entry::now(d.from, d.to, "repair", Outcome::MarkedApplied);
                e.script = d.script.clone();
                e.checksum = d.checksum.clone();
                e.checksum_raw = d.checksum_raw.clone();
                e.message = Some(format!("step of journal row {} marked applied", d.id));
                record(conn, e, Outcome::MarkedApplied)?;
            }
            (RepairAction::MarkRolledBack, Some(d)) => {
                let mut e = Entry::now(d.from, d.to, "repair", Outcome::MarkedRolledBack);
                e.script = d.script.clone();
                e.message = Some(format!("step of journal row {} marked rolled back", d.id));
                record(conn, e, Outcome::MarkedRolledBack)?;
            }
            (RepairAction::MarkApplied | RepairAction::MarkRolledBack, None) => {
                return Err(ExecError::NothingToRepair.into());
            }
            (RepairAction::AcceptChanged(v), _) => {
                let changed = changed_scripts(conn, repo, &journal)?;
                let Some(c) = changed.into_iter().find(|c| c.version == v) else {
                    return Err(ExecError::NotChanged(v).into());
                };
                let mut e = Entry::now(v, v, Direction::Upgrade.as_str(), Outcome::AcceptedChange);
                e.script = c.path.file_name().map(|n| n.to_string_lossy().into_owned());
                e.checksum = Some(c.current);
                e.message = Some(format!("accepted the changed script (was {})", c.recorded));
                record(conn, e, Outcome::AcceptedChange)?;
            }
        }
        Ok(RepairOutcome { dirty, version })
    })
}

/// A database's state against its repository.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// The database's version.
    pub version: Version,
    /// The repository's latest version.
    pub latest: Version,
    /// Versions not yet applied, in order.
    pub pending: Vec<Version>,
    /// The dirty step, if any.
    pub dirty: Option<Entry>,
    /// Applied scripts changed since.
    pub changed: Vec<ChangedScript>,
    /// Versions at or below the database's version that were never applied.
    pub out_of_order: Vec<Version>,
    /// The journal, oldest first.
    pub journal: Vec<Entry>,
    /// The journal's table; `None` when the repository keeps no journal (`journal_table =`),
    /// so that nothing can be known of dirty steps, changed scripts or history.
    pub journal_table: Option<String>,
}

/// Reads the database's state: version, pending versions, dirty step, changed scripts, journal.
///
/// # Errors
/// A database not under version control, or the database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let repo = migrate_core::Repository::open("migrate_repo")?;
/// let status = migrate_core::ops::status(conn, &repo)?;
/// println!("at {} of {}, {} pending", status.version, status.latest, status.pending.len());
/// # Ok(()) }
/// ```
pub fn status(conn: &mut dyn Connection, repo: &Repository) -> Result<Status, Error> {
    let version = VersionTable::new(repo.config()).require(conn)?;
    let journal = Journal::new(repo.config());
    let entries = journal.entries(conn)?;
    let dirty = entries
        .iter()
        .rev()
        .find(|e| e.outcome != Outcome::AcceptedChange)
        .filter(|e| e.outcome.is_dirty())
        .cloned();
    let pending = repo
        .versions()
        .map(|e| e.version)
        .filter(|v| *v > version)
        .collect();
    let changed = changed_scripts(conn, repo, &journal)?;
    let out_of_order = super::unapplied_below(conn, repo, &journal, version)?;
    Ok(Status {
        out_of_order,
        version,
        latest: repo.latest(),
        pending,
        dirty,
        changed,
        journal: entries,
        journal_table: journal.table().map(str::to_string),
    })
}
