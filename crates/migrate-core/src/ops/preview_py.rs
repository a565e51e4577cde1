//! `--preview_py`: the Python function each step of a walk would run, shown, nothing run.

use crate::connection::Connection;
use crate::error::Error;
use crate::executor::Observer;
use crate::plan::{Plan, PlanError};
use crate::repository::{Repository, ScriptKind, function_source};
use crate::script::ScriptError;
use crate::version::{Direction, Version};
use crate::version_table::VersionTable;

/// Walks from the database's version towards `target` (the latest, or 0 going down, when
/// `None`) without running anything: for each step, `observer` sees it start, then its
/// script's `upgrade` or `downgrade` function as [`Observer::preview`] text, then its end. As
/// sqlalchemy-migrate did, a step whose script is not Python stops the walk with
/// [`PlanError::NotPython`] once its start has been reported.
///
/// # Errors
/// The plan's errors, [`PlanError::NotPython`], a script that cannot be read or lacks the
/// function, or the database's error reading the version.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// use migrate_core::{executor::Silent, ops, Direction, Repository};
/// let repo = Repository::open("migrate_repo")?;
/// ops::preview_python(conn, &repo, Direction::Upgrade, None, &mut Silent)?;
/// # Ok(()) }
/// ```
pub fn preview_python(
    conn: &mut dyn Connection,
    repo: &Repository,
    direction: Direction,
    target: Option<Version>,
    observer: &mut dyn Observer,
) -> Result<Plan, Error> {
    let current = VersionTable::new(repo.config()).require(conn)?;
    let plan = Plan::with_python(repo, conn.dialect(), direction, current, target)?;
    let name = direction.as_str();
    for step in &plan.steps {
        observer.step_started(step);
        let file = &step.script;
        // By name: with an interpreter the script is run as code, but its text is Python.
        let is_python = file.path.extension().is_some_and(|e| e == "py");
        if !is_python || matches!(file.kind, ScriptKind::Sql { .. } | ScriptKind::Portable) {
            return Err(PlanError::NotPython {
                version: step.from.max(step.to),
                file: file.file_name(),
            }
            .into());
        }
        let text = file.read().map_err(|source| ScriptError::Io {
            path: file.path.clone(),
            source,
        })?;
        let source = function_source(&text, name).ok_or_else(|| ScriptError::NoFunction {
            path: file.path.clone(),
            name,
        })?;
        observer.preview(step, &source);
        observer.step_finished(step);
    }
    Ok(plan)
}
