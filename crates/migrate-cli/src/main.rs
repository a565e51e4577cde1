//! The `migrate` command: a thin layer that turns arguments into library calls and prints
//! their results. Results go to stdout in sqlalchemy-migrate's shape; everything else to
//! stderr. Exit codes: 0 ok, 1 failure, 2 usage error.

mod args;
mod cli;
mod commands;
mod engine_args;
mod env_file;
mod help;
mod output;
mod progress;
mod slots;

use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::output::Output;

/// Why a command failed, and so which exit code it gets.
#[derive(Debug)]
pub enum CliError {
    /// The command line itself is wrong (exit 2).
    Usage(String),
    /// The library refused or failed (exit 1).
    Failed(migrate_core::Error),
    /// A check found differences, already printed (exit 3).
    Differences,
    /// The command finished its work but some of it failed, each failure already printed
    /// (exit 1).
    Reported,
}

impl<E: Into<migrate_core::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::Failed(e.into())
    }
}

fn main() -> ExitCode {
    // Before parsing: options read MIGRATE_PYTHONPATH from the environment.
    if let Err(e) = env_file::load(Path::new(".env")) {
        Output::new(false).error(&e.message(), Some(e.help()));
        return ExitCode::FAILURE;
    }
    let engine = engine_args::extract(std::env::args_os().collect());
    let mut command = help::document(cli::Cli::command());
    let parsed = command
        .try_get_matches_from_mut(&engine.args)
        .and_then(|matches| cli::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        // A bare `migrate` prints the help on stdout and succeeds, as sqlalchemy-migrate did.
        Err(_) if engine.args.len() <= 1 => {
            let _ = command.print_help();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap prints help and version itself, to stdout with exit 0, and errors to stderr.
            // Its errors quote arguments, and an argument may be a URL with a password.
            // Errors are masked as plain text: styles around a quoted argument would hide
            // its URL from the masking. Help and version hold no argument, and keep styles.
            let text = if e.use_stderr() {
                e.render().to_string()
            } else {
                e.render().ansi().to_string()
            };
            Output::new(false).parser_text(&text, e.use_stderr());
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    commands::set_python_path(cli.python_path);
    let mut out = Output::new(cli.quiet);
    out.echo = cli.echo || engine.echo;
    out.json = cli.json;
    out.verbose = cli.verbose;
    commands::echo::set_verbose(&out);
    for ignored in &engine.ignored {
        out.warning(&format!(
            "{ignored} has no effect: migrate makes its own connections"
        ));
    }
    match commands::run(cli.command, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            out.error(
                &message,
                Some("run `migrate help COMMAND` for the command's arguments"),
            );
            ExitCode::from(2)
        }
        Err(CliError::Differences) => ExitCode::from(3),
        Err(CliError::Reported) => ExitCode::from(1),
        Err(CliError::Failed(e)) => {
            out.error(&e.to_string(), e.help().as_deref());
            ExitCode::from(if is_usage(&e) { 2 } else { 1 })
        }
    }
}

/// Refusals sqlalchemy-migrate reported as usage errors (its `KnownError`/`UsageError`, exit 2):
/// a walk in the wrong direction, `create` onto an existing path.
fn is_usage(e: &migrate_core::Error) -> bool {
    use migrate_core::plan::PlanError;
    use migrate_core::repository::RepoError;
    matches!(
        e,
        migrate_core::Error::Plan(PlanError::WrongDirection { .. } | PlanError::NotPython { .. })
            | migrate_core::Error::Repository(RepoError::AlreadyExists { .. })
    )
}
