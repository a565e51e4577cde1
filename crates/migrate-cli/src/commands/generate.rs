//! `completions` and `man`: text generated from the command line's own definition (the
//! same `Command` the parser uses, with `help::document`'s usage lines and examples), so
//! they never drift from what `migrate` accepts.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use migrate_core::Error;
use migrate_core::repository::RepoError;

use crate::CliError;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output::Output;

/// The command line as the parser sees it, with every subcommand's names resolved.
fn command() -> clap::Command {
    let mut cmd = crate::help::document(Cli::command());
    cmd.build();
    cmd
}

/// `migrate completions SHELL`: the shell's completion script on stdout.
pub fn completions(args: CompletionsArgs, out: &mut Output) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command(), "migrate", &mut script);
    out.generated(&script);
    Ok(())
}

/// `migrate man [COMMAND]`: a manual page in roff on stdout; `--out DIR` writes every page.
pub fn man(args: ManArgs, out: &mut Output) -> Result<(), CliError> {
    let cmd = command();
    if let Some(dir) = &args.out {
        return write_pages(cmd, dir, out);
    }
    let page = match &args.command {
        None => cmd,
        Some(name) => cmd.find_subcommand(name).cloned().ok_or_else(|| {
            CliError::Usage(format!(
                "no command '{name}': `migrate help` lists the commands"
            ))
        })?,
    };
    let mut roff = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man_page(page).render(&mut roff);
    out.generated(&roff);
    Ok(())
}

/// A page whose footer names migrate and its version (a command's own page would show
/// only the command's name).
fn man_page(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("migrate {}", env!("CARGO_PKG_VERSION")))
}

/// `migrate.1` and `migrate-COMMAND.1` for every command but `help`, into `dir`.
fn write_pages(cmd: clap::Command, dir: &Path, out: &mut Output) -> Result<(), CliError> {
    let io = |path: PathBuf| {
        move |source| {
            CliError::Failed(Error::Repository(RepoError::Io {
                action: "write",
                path,
                source,
            }))
        }
    };
    let subcommands: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    let mut written = Vec::new();
    for page in std::iter::once(cmd).chain(subcommands) {
        let man = man_page(page);
        let path = dir.join(man.get_filename());
        written.push(man.generate_to(dir).map_err(io(path))?);
    }
    out.created(&written);
    Ok(())
}
