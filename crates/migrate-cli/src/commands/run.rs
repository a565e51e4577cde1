//! `upgrade` and `downgrade`: walk the database, printing `N -> M... ` and `done` per step,
//! or with `--preview-sql` print the SQL and run nothing.

use migrate_core::executor::Mode;
use migrate_core::ops::{self, RunOptions};
use migrate_core::{Repository, Version};
use migrate_drivers::Access;

use crate::CliError;
use crate::args::{Bound, Slot, bind};
use crate::cli::RunArgs;
use crate::output::{Output, SqlPrinter, StepPrinter};
use crate::progress::{Progress, WalkReport};
use crate::slots::Given;

struct Prepared {
    bound: Bound,
    version: Option<Version>,
    repo: Repository,
    options: RunOptions,
    preview_py: bool,
}

fn prepare(args: RunArgs) -> Result<Prepared, CliError> {
    let single_transaction = args.single_transaction;
    let t = args.target;
    let lock = t.lock;
    let explicit = Bound {
        url: t.url,
        repository: t.repository,
        version: t.version,
    };
    let bound = bind(
        &[Slot::Url, Slot::Repository, Slot::Version],
        t.positional.given(),
        explicit,
    )?;
    let version = bound.version()?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mode = if args.preview_sql {
        Mode::Preview
    } else {
        Mode::Execute
    };
    Ok(Prepared {
        preview_py: args.preview_py,
        bound,
        version,
        repo,
        options: RunOptions {
            mode,
            single_transaction,
            ..super::database::lock_options(lock)
        },
    })
}

/// The step printer for `mode` (step lines, or the SQL of a preview), timed.
fn observer<'o>(mode: Mode, out: &'o mut Output) -> Progress<'o> {
    let shared = out.clone();
    match mode {
        Mode::Preview => Progress::new(Box::new(SqlPrinter::new(out)), shared, false),
        _ => Progress::new(Box::new(StepPrinter::new(out)), shared, true),
    }
}

/// With `--json`, a walk's report is the result.
fn report(walk: WalkReport, out: &mut Output) {
    if out.json {
        out.json_result(&walk);
    }
}

/// Connects, echoing every statement when `--engine_arg_echo=True` asked for it.
fn connect(bound: &Bound, out: &Output) -> Result<Box<dyn migrate_core::Connection>, CliError> {
    let conn = super::database::connect(bound, Access::Create)?;
    Ok(if out.echo {
        Box::new(super::echo::Echo::new(conn, out.clone()))
    } else {
        conn
    })
}

/// Warns, once per command, that where DDL commits by itself nothing will record where a
/// failed step stopped: the repository keeps no journal.
fn warn_without_journal(
    repo: &Repository,
    bound: &Bound,
    mode: Mode,
    out: &mut Output,
) -> Result<(), CliError> {
    let dialect = bound.url()?.dialect();
    if mode == Mode::Execute
        && repo.config().journal_table().is_none()
        && !dialect.transactional_ddl()
    {
        out.warning(
            "journal_table is empty in migrate.cfg: this database commits each DDL statement \
             at once, and with no journal a step that fails half-way leaves no record of \
             where it stopped",
        );
    }
    Ok(())
}

/// `--preview_py`: each step's Python function, nothing run, on a database that must exist.
fn preview_python(
    p: &Prepared,
    direction: migrate_core::Direction,
    out: &mut Output,
) -> Result<(), CliError> {
    let mut conn = super::database::connect(&p.bound, Access::Existing)?;
    let shared = out.clone();
    let mut progress = Progress::new(Box::new(StepPrinter::new(out)), shared, false);
    let plan = ops::preview_python(conn.as_mut(), &p.repo, direction, p.version, &mut progress)?;
    report(progress.finish(&plan), out);
    Ok(())
}

/// `upgrade URL PATH [VERSION]`.
pub fn upgrade(args: RunArgs, out: &mut Output) -> Result<(), CliError> {
    let p = prepare(args)?;
    if p.preview_py {
        return preview_python(&p, migrate_core::Direction::Upgrade, out);
    }
    warn_without_journal(&p.repo, &p.bound, p.options.mode, out)?;
    let mut conn = connect(&p.bound, out)?;
    let mut progress = observer(p.options.mode, out);
    let plan = ops::upgrade(conn.as_mut(), &p.repo, p.version, p.options, &mut progress)?;
    report(progress.finish(&plan), out);
    Ok(())
}

/// `downgrade URL PATH VERSION`.
pub fn downgrade(args: RunArgs, out: &mut Output) -> Result<(), CliError> {
    let p = prepare(args)?;
    let target = p.version.ok_or_else(|| {
        CliError::Usage(
            "downgrade needs the VERSION to go down to (0 for the empty database)".into(),
        )
    })?;
    if p.preview_py {
        return preview_python(&p, migrate_core::Direction::Downgrade, out);
    }
    warn_without_journal(&p.repo, &p.bound, p.options.mode, out)?;
    let mut conn = connect(&p.bound, out)?;
    let mut progress = observer(p.options.mode, out);
    let plan = ops::downgrade(conn.as_mut(), &p.repo, target, p.options, &mut progress)?;
    report(progress.finish(&plan), out);
    Ok(())
}

/// `sync URL PATH [VERSION]`: db_sync.
pub fn sync(args: crate::cli::SyncArgs, out: &mut Output) -> Result<(), CliError> {
    let init_version = args
        .init_version
        .as_deref()
        .map(|v| {
            v.parse::<Version>()
                .map_err(|e| CliError::Usage(e.to_string()))
        })
        .transpose()?;
    let (bound, run) = super::database::bind_target(args.target)?;
    let target = bound.version()?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    warn_without_journal(&repo, &bound, run.mode, out)?;
    let mut conn = connect(&bound, out)?;
    let options = ops::SyncOptions {
        run,
        target,
        init_version,
        expect_engine: args.mysql_engine,
        expect_charset: args.mysql_charset,
    };
    let mut progress = observer(Mode::Execute, out);
    let outcome = ops::sync(conn.as_mut(), &repo, &options, &mut progress)?;
    let walk = progress.finish(&outcome.plan);
    if out.json {
        out.json_result(&serde_json::json!({
            "placed_under_control": outcome.placed_under_control,
            "walk": walk,
        }));
    } else if outcome.placed_under_control {
        out.status(&format!(
            "put the database under version control at {}",
            outcome.plan.from
        ));
    }
    Ok(())
}

/// `test URL PATH`: on a scratch database beside URL's (in-memory for SQLite), every version
/// up, down (schema compared), and up again. The database URL names is never changed.
pub fn test(args: crate::cli::DatabaseArgs, out: &mut Output) -> Result<(), CliError> {
    let options = super::database::lock_options(args.lock);
    let bound = super::database::bind_database(args)?;
    let url = bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    // The given database must exist (and be named), as for every command; it is only read.
    drop(super::database::connect(&bound, Access::Existing)?);
    let checks =
        super::scratch::with_scratch(Some(&url), |scratch| ops::test(scratch, &repo, options))?;
    if out.json {
        let versions: Vec<_> = checks
            .iter()
            .filter_map(|check| match check {
                ops::VersionCheck::Reversible(v) => Some((v, true)),
                ops::VersionCheck::Irreversible(v) => Some((v, false)),
                _ => None,
            })
            .map(|(v, reversible)| serde_json::json!({"version": v, "reversible": reversible}))
            .collect();
        out.json_result(&serde_json::json!({ "versions": versions }));
        return Ok(());
    }
    for check in checks {
        match check {
            ops::VersionCheck::Reversible(v) => {
                out.result(&format!("{v}: upgrade, downgrade, upgrade... ok"))
            }
            ops::VersionCheck::Irreversible(v) => out.result(&format!(
                "{v}: upgrade... ok (irreversible: not downgraded)"
            )),
            _ => {}
        }
    }
    Ok(())
}

/// `drift URL PATH`: the live schema against the repository's at the database's version.
pub fn drift(args: crate::cli::DatabaseArgs, out: &mut Output) -> Result<(), CliError> {
    let bound = super::database::bind_database(args)?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mut conn = super::database::connect(&bound, Access::Existing)?;
    let version = ops::db_version(conn.as_mut(), repo.config())?;
    let url = bound.url()?;
    let expected = super::scratch::schema_at(&repo, version, Some(&url), url.dialect())?;
    let differences = ops::drift_from(conn.as_mut(), &repo, &expected)?;
    if out.json {
        out.json_result(&serde_json::json!({
            "version": version,
            "drift": !differences.is_empty(),
            "differences": differences,
        }));
    } else if differences.is_empty() {
        out.result("no drift: the database matches the repository at its version");
    }
    if !out.json {
        for op in &differences {
            out.result(&format!("drift: the repository's schema needs {op}"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(CliError::Differences)
    }
}
