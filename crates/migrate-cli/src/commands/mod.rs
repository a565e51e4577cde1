//! One file per command: each turns its arguments into a library call and prints the result.

mod create;
mod database;
mod echo;
mod manage;
mod model;
mod run;
mod safety;
mod schema;
mod scratch;
mod script;

use std::path::{Path, PathBuf};

use migrate_core::Repository;

use crate::CliError;
use crate::cli::Command;
use crate::output::Output;

/// Opens a repository with the Python interpreter attached, so that sqlalchemy-migrate's
/// `.py` scripts run. Application modules they import are found on `MIGRATE_PYTHONPATH`
/// (directories separated as in `PATH`), then in the repository's parent directories' order
/// of `python_path`.
pub fn open_repository(path: impl AsRef<Path>) -> Result<Repository, CliError> {
    let repo = Repository::open(path)?;
    let search: Vec<PathBuf> = std::env::var_os("MIGRATE_PYTHONPATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let interpreter = migrate_python::PythonInterpreter::new(search);
    Ok(repo.with_interpreter(&interpreter)?)
}

/// Runs the parsed command.
pub fn run(command: Command, out: &mut Output) -> Result<(), CliError> {
    match command {
        Command::Create(args) => create::run(args, out),
        Command::Script(args) => script::portable(args, out),
        Command::ScriptSql(args) => script::sql(args, out),
        Command::Version(args) => script::version(args, out),
        Command::VersionControl(args) => database::version_control(args, out),
        Command::DbVersion(args) => database::db_version(args, out),
        Command::DropVersionControl(args) => database::drop_version_control(args, out),
        Command::Upgrade(args) => run::upgrade(args, out),
        Command::Downgrade(args) => run::downgrade(args, out),
        Command::Sync(args) => run::sync(args, out),
        Command::Test(args) => run::test(args, out),
        Command::Drift(args) => run::drift(args, out),
        Command::CompareModelToDb(args) => model::compare(args, out),
        Command::CreateModel(args) => model::create(args, out),
        Command::MakeUpdateScriptForModel(args) => model::make_update_script(args, out),
        Command::UpdateDbFromModel(args) => model::update_db(args, out),
        Command::Diff(args) => model::diff(args, out),
        Command::Schema(args) => schema::run(args, out),
        Command::Stamp(args) => safety::stamp(args, out),
        Command::Repair(args) => safety::repair(args, out),
        Command::Status(args) => safety::status(args, out),
        Command::History(args) => safety::history(args, out),
        Command::Manage(args) => manage::run(args, out),
    }
}
