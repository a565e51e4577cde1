//! Commands that read or extend a repository without a database: `version`, `script`,
//! `script_sql`.

use migrate_core::Repository;

use crate::CliError;
use crate::args::{Bound, Slot, bind};
use crate::cli::{RepositoryArgs, ScriptArgs, ScriptSqlArgs};
use crate::output::Output;

fn open(args: RepositoryArgs) -> Result<Repository, CliError> {
    let explicit = Bound {
        repository: args.repository,
        ..Bound::default()
    };
    let bound = bind(
        &[Slot::Repository],
        args.positional.into_iter().collect(),
        explicit,
    )?;
    super::open_repository(bound.repository()?)
}

/// `version PATH`: the latest version, alone on a line.
pub fn version(args: RepositoryArgs, out: &mut Output) -> Result<(), CliError> {
    let repo = open(args)?;
    out.value("version", repo.latest());
    Ok(())
}

/// `script DESCRIPTION PATH`: the next version's portable script.
pub fn portable(args: ScriptArgs, out: &mut Output) -> Result<(), CliError> {
    let repo = open(args.repository)?;
    let python = args.python || repo.is_python();
    let path = if python {
        repo.create_python_script(&args.description)?
    } else {
        repo.create_script(&args.description)?
    };
    out.created(&[path]);
    Ok(())
}

/// `script_sql DBMS DESCRIPTION PATH [--version N]`: the next version's SQL pair, or one
/// more database's pair for version N.
pub fn sql(args: ScriptSqlArgs, out: &mut Output) -> Result<(), CliError> {
    let version = args
        .version
        .as_deref()
        .map(|v| {
            v.parse::<migrate_core::Version>()
                .map_err(|e| CliError::Usage(e.to_string()))
        })
        .transpose()?;
    let repo = open(args.repository)?;
    let paths = repo.create_sql_scripts(&args.dbms, &args.description, version)?;
    out.created(&paths);
    Ok(())
}
