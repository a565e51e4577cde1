//! Commands about a database's version-control state: `version_control`, `db_version`,
//! `drop_version_control`.

use std::time::Duration;

use migrate_core::lock::LockKind;
use migrate_core::ops::RunOptions;
use migrate_core::{Connection, ops, repository};
use migrate_drivers::Access;

use crate::CliError;
use crate::args::{Bound, Slot, bind};
use crate::cli::{DatabaseArgs, LockArgs, LockChoice, TargetArgs};
use crate::output::{Output, StepPrinter};
use crate::slots::Given;

/// Options with the lock as asked.
pub fn lock_options(lock: LockArgs) -> RunOptions {
    RunOptions {
        lock_timeout: Duration::from_secs(lock.lock_timeout),
        lock: match lock.lock {
            LockChoice::Auto => LockKind::Auto,
            LockChoice::Session => LockKind::Session,
            LockChoice::Table => LockKind::Table,
        },
        lock_lease: Duration::from_secs(lock.lock_lease),
        ..RunOptions::default()
    }
}

pub fn bind_database(args: DatabaseArgs) -> Result<Bound, CliError> {
    let explicit = Bound {
        url: args.url,
        repository: args.repository,
        version: None,
    };
    bind(
        &[Slot::Url, Slot::Repository],
        args.positional.given(),
        explicit,
    )
}

/// Opens the bound URL's database; read-only commands pass [`Access::Existing`].
pub fn connect(bound: &Bound, access: Access) -> Result<Box<dyn Connection>, CliError> {
    let url = bound.url()?;
    Ok(super::echo::verbose(migrate_drivers::open_database(
        &url, access,
    )?))
}

/// Binds URL, REPOSITORY and VERSION, and the lock options.
pub fn bind_target(args: TargetArgs) -> Result<(Bound, RunOptions), CliError> {
    let options = lock_options(args.lock);
    let explicit = Bound {
        url: args.url,
        repository: args.repository,
        version: args.version,
    };
    let slots = [Slot::Url, Slot::Repository, Slot::Version];
    Ok((bind(&slots, args.positional.given(), explicit)?, options))
}

/// `version_control URL PATH [VERSION]`.
pub fn version_control(args: TargetArgs, out: &mut Output) -> Result<(), CliError> {
    let (bound, options) = bind_target(args)?;
    let version = bound.version()?;
    let url = bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let mut conn = super::echo::verbose(migrate_drivers::open_database(&url, Access::Create)?);
    ops::version_control(
        conn.as_mut(),
        &repo,
        version,
        options,
        &mut StepPrinter::new(out),
    )?;
    if out.json {
        let version = ops::db_version(conn.as_mut(), repo.config())?;
        out.value("version", version);
    }
    Ok(())
}

/// `db_version URL PATH`: the database's version, alone on a line. Reads only migrate.cfg.
pub fn db_version(args: DatabaseArgs, out: &mut Output) -> Result<(), CliError> {
    let bound = bind_database(args)?;
    let url = bound.url()?;
    let config = repository::read_config(bound.repository()?.as_ref())?;
    let mut conn = super::echo::verbose(migrate_drivers::open_database(&url, Access::Existing)?);
    let version = ops::db_version(conn.as_mut(), &config)?;
    out.value("version", version);
    Ok(())
}

/// `drop_version_control URL PATH`.
pub fn drop_version_control(args: DatabaseArgs, out: &mut Output) -> Result<(), CliError> {
    let options = lock_options(args.lock);
    let bound = bind_database(args)?;
    let url = bound.url()?;
    let config = repository::read_config(bound.repository()?.as_ref())?;
    let mut conn = super::echo::verbose(migrate_drivers::open_database(&url, Access::Existing)?);
    ops::drop_version_control(conn.as_mut(), &config, options, &mut StepPrinter::new(out))?;
    if out.json {
        out.json_result(&serde_json::json!({ "dropped": config.repository_id.to_string() }));
    }
    Ok(())
}
