//! Runs a plan: each step's statements and its version bump, in one transaction per step.
//!
//! Every script of the plan is loaded (read, split, rendered) before the first step runs, so
//! a broken script later in the walk stops the run before anything changes. On databases
//! with transactional DDL a failed step leaves no trace; on MySQL, whose DDL commits
//! implicitly, the version is not bumped and the error says what was already applied.

use std::path::PathBuf;

mod operations;

use std::time::Instant;

use operations::Exec;

use crate::connection::{Bounds, Connection, DbError, Transaction};
use crate::dialect::Dialect;
use crate::journal::{Entry, Journal, Outcome};
use crate::lock::LockObserver;
use crate::plan::{Plan, Step};
use crate::repository::Repository;
use crate::schema::Schema;
use crate::script::{self, LoadedScript, ScriptError, ScriptWarning};
use crate::version::Version;
use crate::version_table::{VersionTable, VersionTableError};

/// Receives progress while a plan runs; the CLI prints it, a library user may log it.
///
/// ```no_run
/// use migrate_core::executor::Observer;
/// use migrate_core::lock::LockObserver;
/// use migrate_core::plan::Step;
///
/// /// Progress events, e.g. for a log or a progress bar.
/// struct Log;
/// impl LockObserver for Log {}
/// impl Observer for Log {
///     fn step_started(&mut self, step: &Step) {
///         eprintln!("{} -> {}", step.from, step.to);
///     }
/// }
/// ```
pub trait Observer: LockObserver {
    /// A walk is about to run its first step (not called for an empty walk or a preview),
    /// so a progress display knows how many steps there are.
    fn run_started(&mut self, _plan: &Plan) {}
    /// A step is about to run.
    fn step_started(&mut self, _step: &Step) {}
    /// A step committed.
    fn step_finished(&mut self, _step: &Step) {}
    /// A script produced a warning.
    fn warning(&mut self, _warning: &ScriptWarning) {}
    /// In preview mode: a statement that would run, in order (script statements, then the
    /// version-table update of each step).
    fn preview(&mut self, _step: &Step, _sql: &str) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}
impl LockObserver for Silent {}

/// Why running a plan failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// A script could not be loaded; nothing ran.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// A statement of a script failed.
    #[error("{}", describe_failure(path, *line, sql, message))]
    Statement {
        /// The script.
        path: PathBuf,
        /// Its line.
        line: usize,
        /// The statement.
        sql: String,
        /// 1-based index among the script's statements.
        index: usize,
        /// The database's message.
        message: String,
        /// The version the database is still recorded at.
        version: Version,
        /// Whether earlier statements of the step were rolled back with it.
        rolled_back: bool,
        /// Whether the run was one transaction, rolled back whole (`version` is where the
        /// run started).
        whole_run: bool,
        /// Statements that remove what the failed statement left behind.
        leftovers: Vec<String>,
        /// Whether the connection was lost while it ran: then whether it, or the step's
        /// commit, took effect is unknown.
        connection_lost: bool,
    },
    /// The version table refused the bump.
    #[error(transparent)]
    VersionTable(#[from] VersionTableError),
    /// A run cannot be one transaction on this database.
    #[error("{database} commits each DDL statement at once, so a run cannot be one transaction")]
    SingleTransactionUnsupported {
        /// The database's name.
        database: &'static str,
    },
    /// A run made one transaction contains a step that must run outside any transaction.
    #[error(
        "{}: version {version} must run outside a transaction, so the run cannot be one transaction",
        path.display()
    )]
    OutsideSingleTransaction {
        /// The version.
        version: Version,
        /// Its script.
        path: PathBuf,
    },
    /// `BEGIN` or `COMMIT` failed.
    #[error("{0}")]
    Transaction(#[from] DbError),
    /// A portable operation does not fit the schema or this database.
    #[error("{}", operation_message(path, *line, *step, op, message))]
    Operation {
        /// The script.
        path: PathBuf,
        /// The step's line.
        line: usize,
        /// The step's 1-based index.
        step: usize,
        /// The operation.
        op: String,
        /// What is wrong.
        message: String,
        /// What to do.
        help: Option<String>,
    },
    /// A downgrade that is not written and cannot be derived.
    #[error("{}: cannot derive the downgrade of version {version}: {message}", path.display())]
    Derive {
        /// The script.
        path: PathBuf,
        /// The version.
        version: Version,
        /// Why.
        message: String,
    },
    /// A repository's schema cannot be computed without a database.
    #[error("{}: cannot replay the repository: {message}", path.display())]
    Replay {
        /// The script or repository.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// An earlier step stopped half-way and nobody has said what became of it.
    #[error("the database is dirty: {} {} -> {}{} stopped{}{}", .0.action, .0.from, .0.to,
        .0.script.as_ref().map(|s| format!(" ({s})")).unwrap_or_default(),
        .0.statement.map(|n| format!(" at statement {n}")).unwrap_or_default(),
        .0.message.as_ref().map(|m| format!(": {m}")).unwrap_or_else(|| " (its process died)".into()))]
    Dirty(Box<Entry>),
    /// A version numbered below the database's that was never applied.
    #[error("version {version} is numbered at or below the database's version ({current}) but was never applied{}", if *count > 1 { format!(" ({count} such versions)") } else { String::new() })]
    OutOfOrder {
        /// The first such version.
        version: Version,
        /// The database's version.
        current: Version,
        /// How many there are.
        count: usize,
    },
    /// `sync` on a database that has tables but no version row.
    #[error("the database has {count} table(s) ({tables}) but is not under version control")]
    NotEmpty {
        /// Some of the tables.
        tables: String,
        /// How many there are.
        count: usize,
    },
    /// `sync`'s MySQL sanity check failed.
    #[error("these tables do not use the expected engine or character set: {tables}")]
    WrongTableOptions {
        /// The tables, with what they use.
        tables: String,
    },
    /// `test` found a downgrade that does not undo its upgrade.
    #[error("version {version}'s downgrade does not undo its upgrade: {differences}")]
    NotReversible {
        /// The version.
        version: Version,
        /// What differs after up and down.
        differences: String,
    },
    /// `update_db_from_model` would drop tables.
    #[error("the model would drop table(s) {tables}")]
    WouldDrop {
        /// The tables.
        tables: String,
    },
    /// `repair --mark-…` with no dirty step.
    #[error("there is no dirty step to repair")]
    NothingToRepair,
    /// `repair --mark-…` or `--accept-changed` where the repository keeps no journal.
    #[error(
        "the repository keeps no journal (journal_table is empty in migrate.cfg), so there is no step or checksum to repair"
    )]
    NoJournal,
    /// `repair --accept-changed` for a script that has not changed.
    #[error("version {0}'s script has not changed since it was applied (or was never journaled)")]
    NotChanged(Version),
}

/// A failed statement as the error says it; a code step (a Rust or interpreted migration) has
/// no statement, and its message names its own file and line.
fn describe_failure(path: &std::path::Path, line: usize, sql: &str, message: &str) -> String {
    if sql.is_empty() {
        if message.starts_with(&*path.to_string_lossy()) {
            return message.to_string();
        }
        return format!("{}: {message}", path.display());
    }
    format!(
        "{}:{line}: statement '{}' failed: {message}",
        path.display(),
        excerpt(sql)
    )
}

impl ExecError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            ExecError::Script(e) => e.help(),
            ExecError::Operation { help, .. } => help.clone(),
            ExecError::Derive { .. } => {
                Some("add [[downgrade]] steps to the script that undo its upgrade".into())
            }
            ExecError::VersionTable(e) => e.help(),
            ExecError::Statement {
                connection_lost: true,
                ..
            } => Some(
                "the connection was lost while it ran, so whether it (or the step's commit) took \
                 effect is unknown: `migrate status URL PATH` shows the version now recorded and \
                 any unfinished step; for one, see whether its changes are there (`migrate schema \
                 URL`), then `migrate repair URL PATH --mark-applied` or `--mark-rolled-back`"
                    .into(),
            ),
            ExecError::Statement { leftovers, .. } if !leftovers.is_empty() => Some(format!(
                "the failed statement left an invalid object behind; remove it with: {}",
                leftovers.join("; ")
            )),
            ExecError::Statement {
                version,
                whole_run: true,
                ..
            } => Some(format!(
                "the run was one transaction (--single-transaction): nothing of it was applied; \
                 the database is still at version {version}"
            )),
            ExecError::SingleTransactionUnsupported { .. } => Some(
                "run without --single-transaction: each version is then a step of its own, \
                 journaled as it goes"
                    .into(),
            ),
            ExecError::OutsideSingleTransaction { version, .. } => Some(format!(
                "run without --single-transaction, or stop one version before {version} and run \
                 the rest without it"
            )),
            ExecError::Statement {
                version,
                rolled_back: true,
                ..
            } => Some(format!(
                "nothing of this step was applied; the database is still at version {version}"
            )),
            ExecError::Statement {
                version, index: 1, ..
            } => Some(format!(
                "it was the step's first statement, so nothing was applied; the database is still \
                 at version {version}"
            )),
            ExecError::Statement { version, index, .. } => Some(format!(
                "this step ran outside a transaction (the database commits DDL at once, or the \
                 script asked to), so the {} statement(s) before it stay applied while the database \
                 is still recorded at version {version}; see `migrate repair`",
                index - 1
            )),
            ExecError::NoJournal => Some(
                "set the version by hand with `migrate stamp URL PATH VERSION` once the database \
                 is as that version leaves it"
                    .into(),
            ),
            ExecError::Transaction(_) | ExecError::NothingToRepair | ExecError::NotChanged(_) => {
                None
            }
            ExecError::WouldDrop { .. } => Some("pass --allow-drop if their data may go".into()),
            ExecError::Replay { .. } => Some("read the schema from a database instead: migrate schema URL".into()),
            ExecError::NotReversible { .. } => Some(
                "fix the version's downgrade so it removes what the upgrade added and restores what it removed".into(),
            ),
            ExecError::NotEmpty { .. } => Some(
                "if its schema is at a known version of this repository, say which with --init-version VERSION".into(),
            ),
            ExecError::WrongTableOptions { .. } => Some(
                "convert them, e.g. ALTER TABLE t ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8".into(),
            ),
            ExecError::OutOfOrder { current, .. } => Some(format!(
                "renumber its scripts above {current} so they run next, or, if the database already \
                 has their changes, record that with `migrate stamp`"
            )),
            ExecError::Dirty(entry) => Some(format!(
                "check what the step did, then run `migrate repair URL PATH --mark-applied` if it \
                 completed (the version becomes {}) or `--mark-rolled-back` if you undid it (it stays {})",
                entry.to, entry.from
            )),
        }
    }
}

/// `file:line: step N (op): message`, or `op: message` for operations run from code.
fn operation_message(
    path: &std::path::Path,
    line: usize,
    step: usize,
    op: &str,
    message: &str,
) -> String {
    if line == 0 {
        format!("{op}: {message}")
    } else {
        format!("{}:{line}: step {step} ({op}): {message}", path.display())
    }
}

fn excerpt(sql: &str) -> String {
    let first = sql.lines().next().unwrap_or_default().trim();
    let cut: String = first.chars().take(80).collect();
    if cut.len() < sql.trim().len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Whether statements run or are only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Run them.
    #[default]
    Execute,
    /// Report each through [`Observer::preview`] and change nothing.
    Preview,
}

/// How each step's transaction is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepTransactions {
    /// A transaction per step.
    #[default]
    Own,
    /// A savepoint per step inside a transaction the caller holds (SQLite's lock); a failed
    /// step rolls back alone and the steps before it stay.
    Savepoints,
    /// The whole run is one transaction the caller holds (`--single-transaction`): a
    /// savepoint per step, and a failure rolls back the run. Steps that must run outside a
    /// transaction are refused before anything runs.
    Run,
}

impl StepTransactions {
    /// Whether steps are savepoints inside the caller's transaction.
    pub(crate) fn nested(self) -> bool {
        matches!(self, StepTransactions::Savepoints | StepTransactions::Run)
    }
}

/// What a run needs besides the connection and the plan.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    /// The repository (for replaying earlier versions).
    pub repo: &'a Repository,
    /// The version table.
    pub table: &'a VersionTable,
    /// The journal.
    pub journal: &'a Journal,
    /// Run or preview.
    pub mode: Mode,
    /// A transaction per step, or savepoints inside the lock's.
    pub transactions: StepTransactions,
}

/// Runs `plan` against `conn`, bumping the version table after every step.
///
/// # Errors
/// [`ExecError`]: a script that cannot be loaded (before anything runs), a failing statement
/// (naming file, line and the database's message), or a version-table conflict.
pub fn run(
    conn: &mut dyn Connection,
    run: &RunContext<'_>,
    plan: &Plan,
    observer: &mut dyn Observer,
) -> Result<(), ExecError> {
    let dialect = conn.dialect();
    let loaded: Vec<LoadedScript> = plan
        .steps
        .iter()
        .map(|s| script::load(&s.script, dialect, s.direction))
        .collect::<Result<_, _>>()?;
    if run.transactions == StepTransactions::Run && run.mode == Mode::Execute {
        if let Some((step, _)) = plan
            .steps
            .iter()
            .zip(&loaded)
            .find(|(_, script)| script.outside_transaction)
        {
            return Err(ExecError::OutsideSingleTransaction {
                version: step.to.max(step.from),
                path: step.script.path.clone(),
            });
        }
    }
    if run.mode == Mode::Execute && !plan.steps.is_empty() {
        // Only now that a step will run: a refused or no-op command creates nothing.
        run.journal.ensure(conn, run.transactions.nested())?;
    }
    let ctx = StepContext {
        repo: run.repo,
        table: run.table,
        journal: run.journal,
        transactions: run.transactions,
        written_ahead: std::cell::Cell::default(),
        run_so_far: std::cell::RefCell::default(),
        schema: std::cell::RefCell::default(),
    };
    // Every derived downgrade of the walk is derived now: one that cannot be is refused
    // before the versions ahead of it in the walk run, not after.
    for (step, script) in plan.steps.iter().zip(&loaded).filter(|(_, s)| s.invert) {
        operations::derive_downgrade(conn, &ctx, step, script)?;
    }
    // In a preview the schema is reflected once and folded forward through the portable
    // steps; when running, each portable step reflects as much of the database as its
    // operations need, as it then is.
    let mut preview_schema = None;
    let mut sql_before: Option<Version> = None;
    if run.mode == Mode::Execute && !plan.steps.is_empty() {
        observer.run_started(plan);
    }
    for (i, (step, script)) in plan.steps.iter().zip(&loaded).enumerate() {
        let next = plan.steps.get(i + 1).zip(loaded.get(i + 1));
        if script.code.is_none() {
            // Anything but a code step may change the schema behind the cached one.
            ctx.schema.replace(None);
        }
        for warning in &script.warnings {
            observer.warning(warning);
        }
        match run.mode {
            Mode::Execute => {
                run_step(conn, &ctx, step, script, next, observer).map_err(|mut e| {
                    if let ExecError::Statement {
                        version,
                        rolled_back,
                        whole_run,
                        ..
                    } = &mut e
                    {
                        if run.transactions == StepTransactions::Run {
                            // The caller rolls the whole run back.
                            (*version, *rolled_back, *whole_run) = (plan.from, true, true);
                        }
                    }
                    e
                })?;
            }
            Mode::Preview => {
                preview_step(conn, &ctx, step, script, &mut preview_schema, observer)
                    .map_err(|e| explain_preview(e, sql_before))?;
                if script.operations.is_empty() && !script.invert {
                    sql_before.get_or_insert(step.to);
                }
            }
        }
    }
    Ok(())
}

struct StepContext<'a> {
    repo: &'a Repository,
    table: &'a VersionTable,
    journal: &'a Journal,
    transactions: StepTransactions,
    /// A journal row already written as `running` for the step (from, to) about to run.
    written_ahead: std::cell::Cell<Option<(Version, Version, i64)>>,
    /// In a run made one transaction, the script statements it has sent so far (to find a
    /// failing statement).
    run_so_far: std::cell::RefCell<Vec<String>>,
    /// The schema as the previous step left it when that was a code step (its session kept it
    /// current), so the next code step need not read it again: reflecting a whole database
    /// per step made a walk of Python or Rust steps cost several times its statements.
    schema: std::cell::RefCell<Option<crate::schema::Schema>>,
}

/// Where and when a step's journal row records how the step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JournalRow {
    /// Inserted inside the step's transaction, which DDL does not break: all or nothing.
    WithStep,
    /// Inserted `running` first; its outcome is set in the batch that ends the step's
    /// transaction, with the version bump.
    InEndBatch,
    /// Inserted `running` first; its outcome is set after the step.
    After,
}

/// Runs one step and journals it. Where DDL is transactional the journal row commits with
/// the step; elsewhere it is written as `running` first, so a crash leaves it behind.
fn run_step(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    script: &LoadedScript,
    next: Option<(&Step, &LoadedScript)>,
    observer: &mut dyn Observer,
) -> Result<(), ExecError> {
    observer.step_started(step);
    let started = Instant::now();
    let sql = operations::statements(conn, ctx, step, script, &mut None)?;
    let dialect = conn.dialect();
    let mut entry = running_entry(step, script, sql.inverse.clone());
    let row = journal_row(dialect, ctx, script);
    // Atomic: the statements, the version bump and the journal row commit together. Otherwise
    // the journal row is written first, so that an interruption leaves it behind.
    let atomic = row == JournalRow::WithStep;
    if !atomic {
        entry.id = match ctx.written_ahead.take() {
            Some((from, to, id)) if (from, to) == (step.from, step.to) => id,
            _ => ctx.journal.insert(conn, &entry)?,
        };
    }
    // The next step's `running` row can go in this step's end batch, saving it a durable
    // commit of its own, when nothing about that step waits on this one: a plain SQL script
    // or a code step (no operations rendered against the schema then, no inverse to record).
    let ahead = next
        .filter(|(_, s)| {
            row == JournalRow::InEndBatch
                && journal_row(dialect, ctx, s) == JournalRow::InEndBatch
                && s.operations.is_empty()
                && !s.invert
                && !s.store_inverse
        })
        .map(|(next, s)| running_entry(next, s, None));
    let result = if script.outside_transaction {
        run_autocommit(conn, ctx, step, &sql, &mut entry, started)
    } else {
        run_in_transaction(
            conn,
            ctx,
            step,
            &sql,
            &mut entry,
            started,
            Finish { row, ahead },
        )
    };
    let (index, error) = match result {
        Ok(()) => {
            if row == JournalRow::After {
                ctx.journal.update(conn, &entry)?;
            }
            observer.step_finished(step);
            return Ok(());
        }
        Err(failure) => failure,
    };
    let connection_lost = error.is_connection_lost();
    let message = error.message;
    entry.statement = Some(index as i64);
    entry.message = Some(message.clone());
    let partial = !atomic && index > 1;
    entry.finish(
        if partial {
            Outcome::Dirty
        } else {
            Outcome::Failed
        },
        started.elapsed(),
    );
    // The step's error matters more than a failure to journal it.
    let _ = if atomic {
        ctx.journal.insert(conn, &entry).map(|_| ())
    } else {
        ctx.journal.update(conn, &entry)
    };
    let failed = sql.statements.get(index.saturating_sub(1));
    let leftovers = failed.map_or_else(Vec::new, |s| leftovers_of(conn, &s.sql));
    Err(ExecError::Statement {
        path: step.script.path.clone(),
        line: failed.map_or(0, |s| s.line),
        sql: failed.map_or_else(String::new, |s| s.sql.clone()),
        index,
        message,
        version: step.from,
        rolled_back: atomic,
        whole_run: false,
        leftovers,
        connection_lost,
    })
}

/// How a step in a transaction ends: where its journal row is finished, and the next
/// step's `running` row to write in the same commit, if any.
struct Finish {
    row: JournalRow,
    ahead: Option<Entry>,
}

/// The journal row of `step` before it runs.
fn running_entry(step: &Step, script: &LoadedScript, inverse: Option<String>) -> Entry {
    let mut entry = Entry::now(
        step.from,
        step.to,
        step.direction.as_str(),
        Outcome::Running,
    );
    entry.script = Some(step.script.file_name());
    entry.checksum = Some(script.checksum.normalized.clone());
    entry.checksum_raw = Some(script.checksum.raw.clone());
    entry.inverse = inverse;
    entry
}

/// Where `script`'s journal row is finished.
fn journal_row(dialect: &dyn Dialect, ctx: &StepContext<'_>, script: &LoadedScript) -> JournalRow {
    if dialect.transactional_ddl() && !script.outside_transaction {
        JournalRow::WithStep
    } else if !script.outside_transaction && ctx.transactions == StepTransactions::Own {
        JournalRow::InEndBatch
    } else {
        JournalRow::After
    }
}

/// What a failed statement may have left behind that must be removed by hand (an INVALID
/// index after `CREATE INDEX CONCURRENTLY` on PostgreSQL), as the statements that remove it.
fn leftovers_of(conn: &mut dyn Connection, sql: &str) -> Vec<String> {
    let Some(query) = conn.dialect().leftovers_query(sql) else {
        return Vec::new();
    };
    conn.query(query, &[])
        .map(|rows| {
            rows.into_iter()
                .filter_map(|r| r.into_iter().next())
                .filter_map(|v| match v {
                    crate::connection::Value::Text(t) => Some(t),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The step's statements and version bump (and its journal row, as `row` says) in one
/// transaction. A statement failure comes back as its 1-based index and the message.
fn run_in_transaction(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    sql: &operations::StepSql,
    entry: &mut Entry,
    started: Instant,
    finish: Finish,
) -> Result<(), (usize, DbError)> {
    let Finish { row, ahead } = finish;
    let atomic = row == JournalRow::WithStep;
    // Only where the step is atomic: a MySQL server goes on running a multi-statement batch
    // after its client was killed, racing whoever repairs the dirty step it left.
    let batchable = atomic && sql.code.is_none() && !sql.statements.iter().any(|s| s.check);
    if batchable {
        return run_batched(conn, ctx, step, &sql.statements, entry, started);
    }
    let statements = &sql.statements;
    let as_failure = |index: usize| move |e: DbError| (index, e);
    let dialect = conn.dialect();
    let first_ends = statements
        .first()
        .is_some_and(|s| sql.code.is_none() && dialect.ends_transaction(&s.sql));
    let mut tx = if ctx.transactions.nested() {
        Transaction::savepoint(conn)
    } else if first_ends {
        // A `BEGIN` would be committed by the first statement before it runs: one round
        // trip a version saved.
        Ok(Transaction::ended_by_first_statement(conn))
    } else {
        Transaction::begin(conn)
    }
    .map_err(as_failure(1))?;
    for i in 0..statements.len() {
        let journaled = row == JournalRow::InEndBatch;
        let progress = journaled.then_some(Progress::AfterDdl);
        execute_reaching(tx.conn(), ctx, entry, statements, i, progress)?;
    }
    if let Some(code) = &sql.code {
        operations::run_code(tx.conn(), code, &ctx.schema)?;
    }
    let last = statements.len().max(1);
    if row == JournalRow::InEndBatch {
        // Where DDL commits by itself (MySQL) the step's end is the version bump, the journal
        // row's outcome and the commit: one batch, one round trip. Killed before it, the
        // step is left running (dirty) in the journal; once sent, all of it commits together:
        // DDL has ended the step's transaction, so the batch opens another (else each row
        // would autocommit: two durable commits where one does).
        entry.statement = Some(statements.len() as i64);
        entry.finish(Outcome::Applied, started.elapsed());
        let c = tx.conn();
        let dialect = c.dialect();
        let ended =
            sql.code.is_some() || statements.iter().any(|s| dialect.ends_transaction(&s.sql));
        let mut end = Vec::with_capacity(4);
        if ended {
            end.push(dialect.begin_transaction().to_string());
        }
        end.push(ctx.table.update_preview(c, step.from, step.to));
        end.extend(ctx.journal.update_sql(c, entry));
        if let Some(next) = &ahead {
            end.extend(ctx.journal.insert_sql(c, next));
        }
        tx.commit_after(end)
            .map_err(|failure| (last, failure.error))?;
        if let Some(next) = ahead {
            // Unreadable only on a failing connection: the next step then fails to start,
            // and the row written ahead shows it dirty, as an interruption would.
            if let Ok(id) = ctx.journal.newest_id(conn) {
                ctx.written_ahead.set(Some((next.from, next.to, id)));
            }
        }
        return Ok(());
    }
    if atomic {
        // The version bump, the journal row and the commit in one round trip, as a batched
        // step ends (two saved per step: a code step's statements cannot be batched).
        entry.statement = Some(statements.len() as i64);
        entry.finish(Outcome::Applied, started.elapsed());
        let c = tx.conn();
        let mut end = vec![ctx.table.update_preview(c, step.from, step.to)];
        end.extend(ctx.journal.insert_sql(c, entry));
        return tx
            .commit_after(end)
            .map_err(|failure| (last, failure.error));
    }
    ctx.table
        .update(tx.conn(), step.from, step.to)
        .map_err(|e| (last, DbError::new(e.to_string())))?;
    entry.statement = Some(statements.len() as i64);
    entry.finish(Outcome::Applied, started.elapsed());
    tx.commit().map_err(as_failure(last))
}

/// When the journal row of a step written ahead (MySQL) records the statement it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// After a statement that committed by itself (DDL).
    AfterDdl,
    /// After every statement: each commits by itself (the step runs outside a transaction).
    Always,
}

/// Runs statement `i` (0-based) of a step; with `progress`, in one batch after the journal
/// update recording that the step reached it, so that a killed run names where it stopped.
/// Only after a statement that committed by itself: the update then commits by itself too,
/// in the round trip the statement makes anyway (inside a transaction it would only be
/// rolled back with the rest). A failure comes back as its 1-based index and the message.
fn execute_reaching(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    entry: &Entry,
    statements: &[Exec],
    i: usize,
    progress: Option<Progress>,
) -> Result<(), (usize, DbError)> {
    let statement = &statements[i];
    let committed = |previous: &Exec| {
        !previous.check
            && (progress == Some(Progress::Always)
                || conn.dialect().ends_transaction(&previous.sql))
    };
    let record = progress.is_some()
        && !statement.check
        && i.checked_sub(1)
            .and_then(|p| statements.get(p))
            .is_some_and(committed);
    if !record {
        return execute(conn, statement).map_err(|m| (i + 1, m));
    }
    let Some(update) = ctx.journal.progress_sql(conn, entry.id, i as i64 + 1) else {
        return execute(conn, statement).map_err(|m| (i + 1, m));
    };
    conn.execute_all(&[update, statement.sql.clone()])
        .map_err(|failure| (i + 1, failure.error))
}

/// The whole (atomic) step as one batch: `BEGIN` (or `SAVEPOINT`), its statements, the
/// version bump, its journal row, `COMMIT` (or `RELEASE`): one round trip where the protocol
/// allows. The version bump's row count is not seen here; the walk checks the version once
/// at its end, under the lock.
fn run_batched(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    statements: &[Exec],
    entry: &mut Entry,
    started: Instant,
) -> Result<(), (usize, DbError)> {
    let n = statements.len();
    // In a run made one transaction a failure rolls back the whole run, so steps need no
    // savepoints, which PostgreSQL makes costly by the thousand (subtransactions).
    let whole_run = ctx.transactions == StepTransactions::Run;
    let bounds = Bounds::new(ctx.transactions.nested());
    let mut batch = Vec::with_capacity(n + 4);
    if !whole_run {
        batch.push(bounds.begin(conn.dialect()));
    }
    let first = batch.len();
    batch.extend(statements.iter().map(|s| s.sql.clone()));
    batch.push(ctx.table.update_preview(conn, step.from, step.to));
    entry.statement = Some(n as i64);
    entry.finish(Outcome::Applied, started.elapsed());
    batch.extend(ctx.journal.insert_sql(conn, entry));
    if !whole_run {
        batch.push(bounds.commit());
    }
    let Err(failure) = conn.execute_all(&batch) else {
        if whole_run {
            // The scripts' statements only: the journal may have been created in this run.
            let sent = &batch[first..first + n];
            ctx.run_so_far.borrow_mut().extend_from_slice(sent);
        }
        return Ok(());
    };
    if !whole_run {
        let _ = conn.execute(&bounds.rollback());
    }
    let last = n.max(1);
    match failure.index {
        Some(i) if (first..first + n).contains(&i) => Err((i + 1 - first, failure.error)),
        Some(i) if i < first => Err((1, failure.error)),
        Some(_) => Err((last, failure.error)),
        None if whole_run => Err(locate_in_run(conn, &ctx.run_so_far.borrow(), statements)
            .unwrap_or((last, failure.error))),
        None => Err(locate_failure(conn, bounds, statements).unwrap_or((last, failure.error))),
    }
}

/// [`locate_failure`] for a run made one transaction, which the failure aborted: the run is
/// replayed up to the failed step in a new transaction, then the step's statements one by one;
/// all of it is rolled back, and a transaction is left open for the caller to roll back.
fn locate_in_run(
    conn: &mut dyn Connection,
    run_so_far: &[String],
    statements: &[Exec],
) -> Option<(usize, DbError)> {
    let begin = conn.dialect().begin_transaction();
    conn.execute("ROLLBACK").ok()?;
    conn.execute(begin).ok()?;
    let found = if run_so_far.is_empty() || conn.execute_all(run_so_far).is_ok() {
        statements
            .iter()
            .enumerate()
            .find_map(|(i, s)| conn.execute(&s.sql).err().map(|e| (i + 1, e)))
    } else {
        None
    };
    let _ = conn.execute("ROLLBACK");
    let _ = conn.execute(begin);
    found
}

/// Which statement of a failed batch failed: run them again one by one in a transaction
/// (or savepoint) that is then rolled back (only where DDL is transactional, so nothing stays).
fn locate_failure(
    conn: &mut dyn Connection,
    bounds: Bounds,
    statements: &[Exec],
) -> Option<(usize, DbError)> {
    conn.execute(&bounds.begin(conn.dialect())).ok()?;
    let found = statements
        .iter()
        .enumerate()
        .find_map(|(i, s)| conn.execute(&s.sql).err().map(|e| (i + 1, e)));
    let _ = conn.execute(&bounds.rollback());
    found
}

/// The step's statements one by one outside any transaction (MySQL, whose DDL commits
/// anyway, or statements such as `CREATE INDEX CONCURRENTLY` that refuse to run inside one),
/// journaling how far it got after each, then the version bump.
fn run_autocommit(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    sql: &operations::StepSql,
    entry: &mut Entry,
    started: Instant,
) -> Result<(), (usize, DbError)> {
    let statements = &sql.statements;
    let as_failure = |index: usize| move |e: DbError| (index, e);
    let nested = ctx.transactions.nested();
    // SQLite's lock is the run's transaction: leave it for these statements and take it
    // again after; the version bump below still checks that nobody moved the version.
    if nested {
        conn.execute("COMMIT").map_err(as_failure(1))?;
    }
    let journal_each = conn.dialect().transactional_ddl();
    if let Some(code) = &sql.code {
        operations::run_code(conn, code, &ctx.schema)?;
    }
    for i in 0..statements.len() {
        // Where each statement is not journaled after it (MySQL), the one it reaches is.
        let progress = (!journal_each).then_some(Progress::Always);
        execute_reaching(conn, ctx, entry, statements, i, progress)?;
        if journal_each {
            entry.statement = Some(i as i64 + 1);
            ctx.journal.update(conn, entry).map_err(as_failure(i + 1))?;
        }
    }
    let last = statements.len().max(1);
    if nested {
        let begin = conn.dialect().begin_transaction();
        conn.execute(begin).map_err(as_failure(last))?;
    }
    ctx.table
        .update(conn, step.from, step.to)
        .map_err(|e| (last, DbError::new(e.to_string())))?;
    entry.statement = Some(statements.len() as i64);
    entry.finish(Outcome::Applied, started.elapsed());
    Ok(())
}

/// Runs one statement; a check fails when it returns rows.
fn execute(conn: &mut dyn Connection, statement: &Exec) -> Result<(), DbError> {
    if !statement.check {
        return conn.execute(&statement.sql);
    }
    let rows = conn.query(&statement.sql, &[])?;
    if rows.is_empty() {
        return Ok(());
    }
    let row = |r: &Vec<_>| {
        r.iter()
            .map(|v| format!("{v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let shown: Vec<String> = rows
        .iter()
        .take(5)
        .map(|r| format!("({})", row(r)))
        .collect();
    Err(DbError::new(format!(
        "{} row(s) violate it, e.g. {}",
        rows.len(),
        shown.join("; ")
    )))
}

/// A preview does not run SQL scripts, so a portable step after one cannot see its tables.
fn explain_preview(e: ExecError, sql_before: Option<Version>) -> ExecError {
    match (e, sql_before) {
        (
            ExecError::Operation {
                path,
                line,
                step,
                op,
                message,
                ..
            },
            Some(v),
        ) => ExecError::Operation {
            path,
            line,
            step,
            op,
            message,
            help: Some(format!(
                "a preview runs nothing, so it cannot see what version {v}'s SQL script would change; \
                 preview from that version on"
            )),
        },
        (e, _) => e,
    }
}

fn preview_step(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    script: &LoadedScript,
    schema: &mut Option<Schema>,
    observer: &mut dyn Observer,
) -> Result<(), ExecError> {
    observer.step_started(step);
    if schema.is_none() && operations::renders_operations(script) {
        // One reflection is folded forward through every step of a preview, so it is of the
        // whole schema: the steps after this one may need any table.
        *schema = Some(operations::reflect(conn, ctx)?);
    }
    for statement in operations::statements(conn, ctx, step, script, schema)?.statements {
        observer.preview(step, &statement.sql);
    }
    observer.preview(step, &ctx.table.update_preview(conn, step.from, step.to));
    observer.step_finished(step);
    Ok(())
}
