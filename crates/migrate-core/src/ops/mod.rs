//! The commands, as library calls: what `migrate version_control`, `db_version`, `upgrade`,
//! `downgrade` and `drop_version_control` do, given a connection and a repository.
//!
//! Every command that changes the database runs under the migration lock and reads the
//! database's version only once it holds it. The CLI turns arguments into these calls and
//! prints their results; applications call them directly. Nothing here prints.

use std::time::Duration;

use crate::connection::Connection;
use crate::error::Error;
use std::collections::BTreeMap;

use crate::executor::{self, ExecError, Mode, Observer, RunContext, StepTransactions};
use crate::journal::{Entry, Journal, Outcome};
use crate::lock::{DEFAULT_LEASE, LockGuard, LockKind, LockObserver, LockRequest};
use crate::plan::{self, Plan};
use crate::repository::{Config, Repository};
use crate::repository::{ScriptFile, Selection};
use crate::script::{self, ScriptWarning};
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
    /// Run every version of an upgrade or downgrade in one transaction, committed at the end
    /// or rolled back whole (where DDL is transactional: PostgreSQL and SQLite).
    pub single_transaction: bool,
    /// Which lock to take.
    pub lock: LockKind,
    /// The lease of a lease lock.
    pub lock_lease: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: Mode::Execute,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            single_transaction: false,
            lock: LockKind::Auto,
            lock_lease: DEFAULT_LEASE,
        }
    }
}

impl RunOptions {
    /// What these options ask of the lock, for the repository `config` describes.
    pub fn lock_request(&self, config: &Config) -> LockRequest {
        LockRequest::new(config, self.lock_timeout, self.lock, self.lock_lease)
    }
}

/// Refuses a version table whose name, or its journal's (`<version_table>_journal`), is
/// longer than the database allows: before either is created, not after the first is.
pub(crate) fn check_own_tables(
    dialect: &dyn crate::dialect::Dialect,
    config: &Config,
) -> Result<(), Error> {
    use crate::dialect::identifier::check;
    check(dialect, "version table", config.version_table.as_str())?;
    check(dialect, "lock table", config.lock_table().as_str())?;
    if let Some(journal) = Journal::new(config).table() {
        check(dialect, "journal table", journal)?;
    }
    Ok(())
}

/// Runs `work` under the repository's migration lock; SQLite's lock is a transaction that
/// commits whatever `work` completed, even when it then failed.
pub(crate) fn locked<T>(
    conn: &mut dyn Connection,
    config: &Config,
    options: &RunOptions,
    observer: &mut dyn LockObserver,
    work: impl FnOnce(&mut dyn Connection, StepTransactions) -> Result<T, Error>,
) -> Result<T, Error> {
    check_own_tables(conn.dialect(), config)?;
    let mut guard = LockGuard::acquire(conn, &options.lock_request(config), observer)?;
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
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// ops::version_control(conn, &repo, None, ops::RunOptions::default(), &mut Silent)?;
/// # Ok(()) }
/// ```
pub fn version_control(
    conn: &mut dyn Connection,
    repo: &Repository,
    version: Option<Version>,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<(), Error> {
    let version = version.unwrap_or(Version::ZERO);
    plan::check_target(repo, version)?;
    locked(conn, repo.config(), &options, observer, |conn, tx| {
        let table = VersionTable::new(repo.config());
        Ok(table.insert(conn, repo.path(), version, tx.nested())?)
    })
}

/// The database's recorded version for the repository configured by `config`.
///
/// Takes only the configuration so that a no-op status check never reads scripts, and no
/// lock, so it never waits.
///
/// # Errors
/// A database not under version control, or the database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let config = migrate_core::repository::read_config("migrate_repo".as_ref())?;
/// let version = migrate_core::ops::db_version(conn, &config)?;
/// println!("{version}");
/// # Ok(()) }
/// ```
pub fn db_version(conn: &mut dyn Connection, config: &Config) -> Result<Version, Error> {
    Ok(VersionTable::new(config).require(conn)?)
}

/// Upgrades to `target` (the latest when `None`), reporting to `observer`. Returns the plan
/// that ran (empty when the database was already there).
///
/// # Errors
/// A database not under version control, a target below the current version or not in the
/// repository, a missing or broken script, a failing statement, or the lock.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// let plan = ops::upgrade(conn, &repo, None, ops::RunOptions::default(), &mut Silent)?;
/// println!("{} -> {} in {} steps", plan.from, plan.to, plan.steps.len());
/// # Ok(()) }
/// ```
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
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Repository, Version};
/// let repo = Repository::open("migrate_repo")?;
/// ops::downgrade(conn, &repo, Version::ZERO, ops::RunOptions::default(), &mut Silent)?;
/// # Ok(()) }
/// ```
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
    check_own_tables(conn.dialect(), repo.config())?;
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    if options.mode == Mode::Preview {
        let current = table.require(conn)?;
        let plan = plan_for(repo, conn.dialect(), direction, current, target)?;
        let (mode, tx) = (Mode::Preview, StepTransactions::Own);
        let run = RunContext {
            repo,
            table: &table,
            journal: &journal,
            mode,
            transactions: tx,
        };
        executor::run(conn, &run, &plan, observer)?;
        return Ok(plan);
    }
    if options.single_transaction && !conn.dialect().transactional_ddl() {
        return Err(ExecError::SingleTransactionUnsupported {
            database: conn.dialect().name(),
        }
        .into());
    }
    let request = options.lock_request(repo.config());
    let mut guard = LockGuard::acquire(conn, &request, &mut *observer)?;
    let transactions = if options.single_transaction {
        guard.begin_run()?;
        StepTransactions::Run
    } else if guard.nests_transactions() {
        StepTransactions::Savepoints
    } else {
        StepTransactions::Own
    };
    let result = walk_locked(
        guard.conn(),
        repo,
        direction,
        target,
        transactions,
        observer,
    );
    match result {
        Ok(plan) => {
            guard.release()?;
            Ok(plan)
        }
        Err(e) if options.single_transaction => {
            // The run's error matters more than a failed rollback, which the server does
            // anyway when the connection ends.
            let _ = guard.abort();
            Err(e)
        }
        Err(e) => {
            // SQLite commits the versions that completed before the failure.
            let _ = guard.release();
            Err(e)
        }
    }
}

/// The walk itself, for a caller that holds the migration lock: refuses a dirty database or
/// a late script, warns about edited ones, then runs the plan.
pub(crate) fn walk_locked(
    conn: &mut dyn Connection,
    repo: &Repository,
    direction: Direction,
    target: Option<Version>,
    transactions: StepTransactions,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    let current = table.require(conn)?;
    let entries = check_clean(conn, &journal)?;
    let plan = plan_for(repo, conn.dialect(), direction, current, target)?;
    if direction == Direction::Upgrade {
        check_order(&entries, repo, plan.from)?;
    }
    report_changed(conn, &entries, repo, current, observer)?;
    let run = RunContext {
        repo,
        table: &table,
        journal: &journal,
        mode: Mode::Execute,
        transactions,
    };
    executor::run(conn, &run, &plan, observer)?;
    // Steps are sent as batches that do not report the version bump's row count: check the
    // outcome once (under the lock, nobody else can have moved it).
    if !plan.steps.is_empty() && table.require(conn)? != plan.to {
        return Err(crate::version_table::VersionTableError::ConcurrentChange {
            repository_id: repo.config().repository_id.clone(),
            expected: plan.to,
        }
        .into());
    }
    Ok(plan)
}

/// The plan from `current` towards `target` (for a downgrade, version 0 when none is given).
fn plan_for(
    repo: &Repository,
    dialect: &dyn crate::dialect::Dialect,
    direction: Direction,
    current: Version,
    target: Option<Version>,
) -> Result<Plan, Error> {
    Ok(match direction {
        Direction::Upgrade => Plan::upgrade(repo, dialect, current, target)?,
        Direction::Downgrade => {
            Plan::downgrade(repo, dialect, current, target.unwrap_or(Version::ZERO))?
        }
    })
}

/// Reads the journal once (none yet reads as empty: it is created when a step first runs),
/// and refuses to go on from a dirty step.
fn check_clean(conn: &mut dyn Connection, journal: &Journal) -> Result<Vec<Entry>, Error> {
    let entries = journal.entries(conn)?;
    match crate::journal::dirty_in(&entries) {
        Some(entry) => Err(ExecError::Dirty(Box::new(entry.clone())).into()),
        None => Ok(entries),
    }
}

/// Refuses to upgrade past a version that is numbered at or below the database's version but
/// was never applied (a late-merged script), instead of skipping it silently.
fn check_order(entries: &[Entry], repo: &Repository, current: Version) -> Result<(), Error> {
    let missed = unapplied_in(entries, repo, current);
    match missed.first() {
        None => Ok(()),
        Some(&version) => Err(ExecError::OutOfOrder {
            version,
            current,
            count: missed.len(),
        }
        .into()),
    }
}

/// Versions of the repository at or below `current` that the journal shows were never
/// applied, counting only the history the journal covers (a database adopted from
/// sqlalchemy-migrate, or stamped, has no record of its earlier versions).
///
/// # Errors
/// The database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{journal::Journal, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// let current = ops::db_version(conn, repo.config())?;
/// let late = ops::unapplied_below(conn, &repo, &Journal::new(repo.config()), current)?;
/// assert!(late.is_empty());
/// # Ok(()) }
/// ```
pub fn unapplied_below(
    conn: &mut dyn Connection,
    repo: &Repository,
    journal: &Journal,
    current: Version,
) -> Result<Vec<Version>, Error> {
    Ok(unapplied_in(&journal.entries(conn)?, repo, current))
}

fn unapplied_in(entries: &[Entry], repo: &Repository, current: Version) -> Vec<Version> {
    let Some(first) = entries.first() else {
        return Vec::new();
    };
    let mut floor = first.from.min(first.to);
    let mut applied = std::collections::BTreeSet::new();
    for e in entries {
        let done = matches!(e.outcome, Outcome::Applied | Outcome::MarkedApplied);
        match (e.outcome, done) {
            (Outcome::Stamped, _) => {
                floor = e.to;
                applied.clear();
            }
            (_, true) if e.to > e.from => {
                applied.insert(e.to);
            }
            (_, true) if e.to < e.from => {
                applied.remove(&e.from);
            }
            _ => {}
        }
    }
    repo.versions()
        .map(|e| e.version)
        .filter(|v| *v > floor && *v <= current && !applied.contains(v))
        .collect()
}

/// Warns about applied scripts whose text changed since they ran.
fn report_changed(
    conn: &dyn Connection,
    entries: &[Entry],
    repo: &Repository,
    current: Version,
    observer: &mut dyn Observer,
) -> Result<(), Error> {
    for changed in changed_in(entries, repo, conn.dialect(), current)? {
        observer.warning(&ScriptWarning {
            path: changed.path.clone(),
            line: 1,
            message: format!(
                "changed since version {} was applied (checksum {} then, {} now); it is not run again. \
                 Accept it with `migrate repair URL PATH --accept-changed {}`",
                changed.version,
                short(&changed.recorded),
                short(&changed.current),
                changed.version
            ),
        });
    }
    Ok(())
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

/// An applied script whose normalised text no longer matches what was applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedScript {
    /// The version.
    pub version: Version,
    /// The script as it is now.
    pub path: std::path::PathBuf,
    /// The checksum recorded when it ran (or was last accepted).
    pub recorded: String,
    /// The checksum now.
    pub current: String,
}

/// The applied upgrade scripts that have changed since the journal recorded them.
///
/// # Errors
/// The database's error, or a script that cannot be read.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{journal::Journal, ops, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// for changed in ops::changed_scripts(conn, &repo, &Journal::new(repo.config()))? {
///     println!("{} changed since it ran", changed.path.display());
/// }
/// # Ok(()) }
/// ```
pub fn changed_scripts(
    conn: &mut dyn Connection,
    repo: &Repository,
    journal: &Journal,
) -> Result<Vec<ChangedScript>, Error> {
    let current = VersionTable::new(repo.config())
        .read(conn)?
        .unwrap_or(Version::ZERO);
    changed_in(&journal.entries(conn)?, repo, conn.dialect(), current)
}

fn changed_in(
    entries: &[Entry],
    repo: &Repository,
    dialect: &dyn crate::dialect::Dialect,
    current: Version,
) -> Result<Vec<ChangedScript>, Error> {
    let mut recorded: BTreeMap<Version, (&str, Option<&str>)> = BTreeMap::new();
    for entry in entries {
        let counts = matches!(entry.outcome, Outcome::Applied | Outcome::AcceptedChange)
            && entry.action != Direction::Downgrade.as_str();
        if let (true, Some(sum)) = (counts, entry.checksum.as_deref()) {
            // An accepted change records no raw checksum: its text must be normalised again.
            let raw = (entry.outcome == Outcome::Applied)
                .then_some(entry.checksum_raw.as_deref())
                .flatten();
            recorded.insert(entry.to, (sum, raw));
        }
    }
    let work: Vec<(Version, &str, Option<&str>, &ScriptFile)> = recorded
        .into_iter()
        .filter(|(v, _)| *v <= current)
        .filter_map(|(version, (sum, raw))| {
            let entry = repo.entry(version)?;
            match entry.select(dialect, Direction::Upgrade) {
                Selection::Run(file) => Some((version, sum, raw, file)),
                _ => None,
            }
        })
        .collect();
    let check = |(version, sum, raw, file): &(Version, &str, Option<&str>, &ScriptFile)| {
        let now = script::checksum_unless_unchanged(file, dialect, *raw)?;
        Ok::<_, Error>(
            now.filter(|now| now.normalized != *sum)
                .map(|now| ChangedScript {
                    version: *version,
                    path: file.path.clone(),
                    recorded: sum.to_string(),
                    current: now.normalized,
                }),
        )
    };
    // Reading a thousand small files is mostly system calls, which overlap well across
    // threads; below a few hundred scripts a thread costs more than it saves.
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4)
        .min(work.len() / 256)
        .max(1);
    let results: Vec<Result<Option<ChangedScript>, Error>> = if threads == 1 {
        work.iter().map(check).collect()
    } else {
        let chunk = work.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(check).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("checksum thread panicked"))
                .collect()
        })
    };
    results.into_iter().filter_map(Result::transpose).collect()
}

/// Removes the repository's row from the version table, and the table once no repository
/// uses it. The schema itself is left alone.
///
/// # Errors
/// A database not under version control, the lock, or the database's error.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let config = migrate_core::repository::read_config("migrate_repo".as_ref())?;
/// let options = migrate_core::ops::RunOptions::default();
/// migrate_core::ops::drop_version_control(conn, &config, options, &mut migrate_core::executor::Silent)?;
/// # Ok(()) }
/// ```
pub fn drop_version_control(
    conn: &mut dyn Connection,
    config: &Config,
    options: RunOptions,
    observer: &mut dyn LockObserver,
) -> Result<(), Error> {
    locked(conn, config, &options, observer, |conn, _| {
        let table = VersionTable::new(config);
        table.remove(conn)?;
        let last_repository = !table.exists(conn)?;
        Ok(Journal::new(config).remove(conn, last_repository)?)
    })
}

mod check;
mod convert;
mod preview_py;
mod repair;
mod sync;

pub use check::{VersionCheck, drift, drift_from, schema_at, test, update_db_from_model};
pub use convert::{ConvertOutcome, ConvertedVersion, VersionKind, convert};
pub use preview_py::preview_python;
pub use repair::{RepairAction, RepairOutcome, Status, repair, stamp, status};
pub use sync::{SyncOptions, SyncOutcome, sync};

/// The schema `repo` builds at `version`, replayed from its portable scripts without a
/// database.
///
/// # Errors
/// A version up to there that is not a portable script (SQL cannot be replayed without a
/// database), or an operation that does not apply.
///
/// ```no_run
/// # fn f() -> Result<(), migrate_core::Error> {
/// use migrate_core::{dialect::POSTGRES, ops, Repository, Version};
/// let repo = Repository::open("migrate_repo")?;
/// let schema = ops::replay(&repo, &POSTGRES, Version::new(2))?;
/// assert!(schema.table("books").is_some());
/// # Ok(()) }
/// ```
pub fn replay(
    repo: &Repository,
    dialect: &dyn crate::dialect::Dialect,
    version: Version,
) -> Result<crate::schema::Schema, Error> {
    plan::check_target(repo, version)?;
    let mut schema = crate::schema::Schema::default();
    for entry in repo.versions().filter(|e| e.version <= version) {
        let Selection::Run(file) = entry.select(dialect, Direction::Upgrade) else {
            return Err(ExecError::Replay {
                path: repo.path().to_path_buf(),
                message: format!("version {} has no script for this database", entry.version),
            }
            .into());
        };
        let script = script::load(file, dialect, Direction::Upgrade)?;
        if script.operations.is_empty() && !script.statements.is_empty() || script.code.is_some() {
            return Err(ExecError::Replay {
                path: file.path.clone(),
                message: format!("version {} is not a portable script, and SQL cannot be replayed without a database", entry.version),
            }
            .into());
        }
        for located in &script.operations {
            schema
                .apply(&located.op)
                .map_err(|e| ExecError::Operation {
                    path: file.path.clone(),
                    line: located.line,
                    step: located.step,
                    op: located.op.to_string(),
                    message: e.to_string(),
                    help: None,
                })?;
        }
    }
    Ok(schema)
}
