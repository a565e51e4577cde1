//! A step's statements: a SQL script's as written; a portable script's operations rendered
//! against the schema of the moment (reflected from the database under the lock, then folded
//! forward operation by operation), or, for a downgrade nobody wrote, inverted first.

use super::{ExecError, StepContext};
use crate::change::{Operation, Scope, invert_all};
use crate::connection::Connection;
use crate::plan::Step;
use crate::repository::{ScriptKind, Selection};
use crate::schema::Schema;
use crate::script::{LoadedScript, LocatedOperation, PortableScript};
use crate::version::{Direction, Version};

/// One statement to run.
#[derive(Debug, Clone)]
pub(super) struct Exec {
    pub sql: String,
    pub line: usize,
    /// A query whose rows mean failure.
    pub check: bool,
}

/// What a step will run, and (for a portable upgrade without a written downgrade) the
/// operations that undo it, as JSON for the journal.
pub(super) struct StepSql {
    pub statements: Vec<Exec>,
    pub inverse: Option<String>,
    /// A Rust migration to run after the statements (there are none then).
    pub code: Option<(crate::code::CodeScript, Direction)>,
}

/// The statements of `step`. `schema` is the schema before it, or `None` to read as much of
/// the live one as the step's operations need (their [`Scope`]); it is left as the schema
/// after it.
pub(super) fn statements(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    script: &LoadedScript,
    schema: &mut Option<Schema>,
) -> Result<StepSql, ExecError> {
    if script.code.is_some() {
        return Ok(StepSql {
            statements: Vec::new(),
            inverse: None,
            code: script.code.clone(),
        });
    }
    if !renders_operations(script) {
        let statements = script
            .statements
            .iter()
            .map(|s| Exec {
                sql: s.sql.clone(),
                line: s.line,
                check: false,
            })
            .collect();
        return Ok(StepSql {
            statements,
            inverse: None,
            code: None,
        });
    }
    let operations = if script.invert {
        derive_downgrade(conn, ctx, step, script)?
    } else {
        script.operations.clone()
    };
    let before = match schema.take() {
        Some(s) => s,
        None => {
            let scope = Scope::of(operations.iter().map(|l| &l.op));
            conn.dialect().reflect_scope(conn, &scope)?
        }
    };
    let dialect = conn.dialect();
    let mut current = before.clone();
    let mut statements = Vec::new();
    for located in &operations {
        let failure = |message: String, help: Option<String>| ExecError::Operation {
            path: step.script.path.clone(),
            line: located.line,
            step: located.step,
            op: located.op.to_string(),
            message,
            help,
        };
        let mut next = current.clone();
        next.apply(&located.op)
            .map_err(|e| failure(e.to_string(), None))?;
        let rendered = dialect
            .render(&located.op, &current)
            .map_err(|e| failure(e.message, e.help))?;
        statements.extend(rendered.into_iter().map(|s| Exec {
            sql: s.sql,
            line: located.line,
            check: s.must_return_nothing,
        }));
        current = next;
    }
    let inverse = if script.store_inverse {
        let ops: Vec<Operation> = operations.iter().map(|l| l.op.clone()).collect();
        invert_all(&ops, &before)
            .ok()
            .map(|inv| crate::change::encoding::encode(&inv))
    } else {
        None
    };
    *schema = Some(current);
    Ok(StepSql {
        statements,
        inverse,
        code: None,
    })
}

/// Whether the step renders operations against the schema (a portable script, or a
/// downgrade derived from one), rather than running SQL or code as written.
pub(super) fn renders_operations(script: &LoadedScript) -> bool {
    script.code.is_none() && (!script.operations.is_empty() || script.invert)
}

/// The whole schema as the database has it now, without migrate's own tables.
pub(super) fn reflect(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
) -> Result<Schema, ExecError> {
    let exclude = crate::journal::own_tables(ctx.table.table().as_str(), ctx.journal);
    Ok(conn.dialect().reflect(conn, &exclude)?)
}

/// The downgrade of a portable version nobody wrote: the inverse the journal recorded when
/// the upgrade ran (computed from the live schema then), else the upgrade inverted against
/// the schema the repository's earlier versions build.
pub(super) fn derive_downgrade(
    conn: &mut dyn Connection,
    ctx: &StepContext<'_>,
    step: &Step,
    script: &LoadedScript,
) -> Result<Vec<LocatedOperation>, ExecError> {
    let version = step.from;
    let line = script.operations.first().map_or(1, |o| o.line);
    let locate = |ops: Vec<Operation>| {
        // Steps are numbered from 1, as lines are and as a written downgrade's are.
        ops.into_iter()
            .enumerate()
            .map(|(i, op)| LocatedOperation {
                op,
                step: i + 1,
                line,
            })
            .collect()
    };
    if let Some(json) = ctx.journal.inverse_for(conn, version)? {
        if let Ok(ops) = crate::change::encoding::decode(&json) {
            return Ok(locate(ops));
        }
    }
    let derive_error = |message: String| ExecError::Derive {
        path: step.script.path.clone(),
        version,
        message,
    };
    let base = replay(ctx, conn.dialect(), version).map_err(derive_error)?;
    let ops: Vec<Operation> = script.operations.iter().map(|l| l.op.clone()).collect();
    let inverse = invert_all(&ops, &base).map_err(|e| derive_error(e.to_string()))?;
    Ok(locate(inverse))
}

/// The schema the repository's versions before `version` build, from their portable scripts.
fn replay(
    ctx: &StepContext<'_>,
    dialect: &dyn crate::dialect::Dialect,
    version: Version,
) -> Result<Schema, String> {
    let mut schema = Schema::default();
    for entry in ctx.repo.versions().filter(|e| e.version < version) {
        let Selection::Run(file) = entry.select(dialect, Direction::Upgrade) else {
            return Err(format!(
                "version {} has no script migrate can replay",
                entry.version
            ));
        };
        if file.kind != ScriptKind::Portable {
            return Err(format!(
                "the schema before it is not known: version {} is a SQL script ({}), which cannot be replayed, \
                 and the journal has no record of this version's upgrade",
                entry.version,
                file.file_name()
            ));
        }
        let text = file
            .read()
            .map_err(|e| format!("cannot read {}: {e}", file.path.display()))?;
        let parsed = PortableScript::parse(&text, &file.path).map_err(|e| e.to_string())?;
        for located in parsed.upgrade() {
            schema
                .apply(&located.op)
                .map_err(|e| format!("replaying version {}: {e}", entry.version))?;
        }
    }
    Ok(schema)
}

/// Runs a Rust (or interpreted) migration's method for `direction` in a session on `conn`,
/// starting from `schema` when the previous step left it (else reading the database), and
/// leaving the schema there for the next step when this one succeeds.
pub(super) fn run_code(
    conn: &mut dyn Connection,
    code: &(crate::code::CodeScript, Direction),
    schema: &std::cell::RefCell<Option<Schema>>,
) -> Result<(), (usize, crate::connection::DbError)> {
    use crate::connection::DbError;
    let mut session = match schema.take() {
        Some(known) => crate::session::Session::with_schema(conn, known),
        None => crate::session::Session::new(conn).map_err(|e| (1, DbError::new(e.to_string())))?,
    };
    let result = match code.1 {
        Direction::Upgrade => code.0.0.upgrade(&mut session),
        Direction::Downgrade => code.0.0.downgrade(&mut session),
    };
    // The failure is reported as the statement after the last that stays applied, so that
    // where DDL commits by itself the step is dirty, not "nothing was applied".
    result.map_err(|e| (session.committed() + 1, DbError::new(e.to_string())))?;
    schema.replace(Some(session.into_schema()));
    Ok(())
}
