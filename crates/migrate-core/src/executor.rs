//! Runs a plan: each step's statements and its version bump, in one transaction per step.
//!
//! Every script of the plan is loaded (read, split, rendered) before the first step runs, so
//! a broken script later in the walk stops the run before anything changes. On databases
//! with transactional DDL a failed step leaves no trace; on MySQL, whose DDL commits
//! implicitly, the version is not bumped and the error says what was already applied.

use std::path::PathBuf;

use crate::connection::{Connection, DbError, Transaction};
use crate::lock::LockObserver;
use crate::plan::{Plan, Step};
use crate::script::{self, LoadedScript, ScriptError, ScriptWarning};
use crate::version::Version;
use crate::version_table::{VersionTable, VersionTableError};

/// Receives progress while a plan runs; the CLI prints it, a library user may log it.
pub trait Observer: LockObserver {
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
    #[error("{}:{line}: statement '{}' failed: {message}", path.display(), excerpt(sql))]
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
    },
    /// The version table refused the bump.
    #[error(transparent)]
    VersionTable(#[from] VersionTableError),
    /// `BEGIN` or `COMMIT` failed.
    #[error("{0}")]
    Transaction(#[from] DbError),
}

impl ExecError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            ExecError::Script(e) => e.help(),
            ExecError::VersionTable(e) => e.help(),
            ExecError::Statement {
                version,
                rolled_back: true,
                ..
            } => Some(format!(
                "nothing of this step was applied; the database is still at version {version}"
            )),
            ExecError::Statement {
                version,
                rolled_back: false,
                index,
                ..
            } => Some(format!(
                "this database commits DDL immediately, so the {} statement(s) before it stay applied \
                 while the database is still recorded at version {version}; undo them by hand or fix \
                 the script so it can run again",
                index - 1
            )),
            ExecError::Transaction(_) => None,
        }
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
    /// A savepoint per step inside a transaction the caller holds (SQLite's lock).
    Savepoints,
}

/// Runs `plan` against `conn`, bumping `table` after every step.
///
/// # Errors
/// [`ExecError`]: a script that cannot be loaded (before anything runs), a failing statement
/// (naming file, line and the database's message), or a version-table conflict.
pub fn run(
    conn: &mut dyn Connection,
    table: &VersionTable,
    plan: &Plan,
    mode: Mode,
    transactions: StepTransactions,
    observer: &mut dyn Observer,
) -> Result<(), ExecError> {
    let dialect = conn.dialect();
    let loaded: Vec<LoadedScript> = plan
        .steps
        .iter()
        .map(|s| script::load(&s.script, dialect, s.direction))
        .collect::<Result<_, _>>()?;
    for (step, script) in plan.steps.iter().zip(&loaded) {
        for warning in &script.warnings {
            observer.warning(warning);
        }
        match mode {
            Mode::Execute => run_step(conn, table, step, script, transactions, observer)?,
            Mode::Preview => preview_step(conn, table, step, script, observer),
        }
    }
    Ok(())
}

fn run_step(
    conn: &mut dyn Connection,
    table: &VersionTable,
    step: &Step,
    script: &LoadedScript,
    transactions: StepTransactions,
    observer: &mut dyn Observer,
) -> Result<(), ExecError> {
    observer.step_started(step);
    let rolled_back = conn.dialect().transactional_ddl();
    let mut tx = match transactions {
        StepTransactions::Own => Transaction::begin(conn)?,
        StepTransactions::Savepoints => Transaction::savepoint(conn)?,
    };
    for (i, statement) in script.statements.iter().enumerate() {
        tx.conn()
            .execute(&statement.sql)
            .map_err(|e| ExecError::Statement {
                path: step.script.path.clone(),
                line: statement.line,
                sql: statement.sql.clone(),
                index: i + 1,
                message: e.message,
                version: step.from,
                rolled_back,
            })?;
    }
    table.update(tx.conn(), step.from, step.to)?;
    tx.commit()?;
    observer.step_finished(step);
    Ok(())
}

fn preview_step(
    conn: &mut dyn Connection,
    table: &VersionTable,
    step: &Step,
    script: &LoadedScript,
    observer: &mut dyn Observer,
) {
    observer.step_started(step);
    for statement in &script.statements {
        observer.preview(step, &statement.sql);
    }
    observer.preview(step, &table.update_preview(conn, step.from, step.to));
    observer.step_finished(step);
}
