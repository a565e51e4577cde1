//! One file per command: each turns its arguments into a library call and prints the result.

mod create;
mod database;
pub mod echo;
mod generate;
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

static PYTHON_PATH: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();

/// `--python-path` (or `MIGRATE_PYTHONPATH`), once, from the command line.
pub fn set_python_path(path: Vec<PathBuf>) {
    let _ = PYTHON_PATH.set(path);
}

/// Opens a repository with the Python interpreter attached, so that sqlalchemy-migrate's
/// `.py` scripts run. Application modules they import are found under `--python-path`
/// (`MIGRATE_PYTHONPATH`), then under `python_path` in `migrate.cfg` (relative to the
/// repository).
pub fn open_repository(path: impl AsRef<Path>) -> Result<Repository, CliError> {
    let repo = Repository::open(path)?;
    let mut search: Vec<PathBuf> = PYTHON_PATH.get().cloned().unwrap_or_default();
    search.extend(
        repo.config()
            .python_path
            .iter()
            .map(|p| repo.path().join(p)),
    );
    let interpreter = migrate_python::PythonInterpreter::new(search);
    Ok(repo.with_interpreter(&interpreter)?)
}

/// Runs the parsed command.
pub fn run(command: Command, out: &mut Output) -> Result<(), CliError> {
    match command {
        Command::Create(args) => create::run(args, out),
        Command::Convert(args) => script::convert(args, out),
        Command::Completions(args) => generate::completions(args, out),
        Command::Man(args) => generate::man(args, out),
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
