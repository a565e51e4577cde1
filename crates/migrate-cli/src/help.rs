//! What `--help` says beyond the argument list: each command's usage line, showing which
//! positional arguments are required (the parser takes them all as optional, since each may
//! come from an option or the environment), examples, and the URL forms.

use clap::builder::StyledStr;

/// One command's usage (after `migrate NAME`) and examples.
struct CommandHelp {
    name: &'static str,
    usage: &'static str,
    examples: &'static [&'static str],
}

const fn help(
    name: &'static str,
    usage: &'static str,
    examples: &'static [&'static str],
) -> CommandHelp {
    CommandHelp {
        name,
        usage,
        examples,
    }
}

const COMMANDS: &[CommandHelp] = &[
    help(
        "create",
        "<PATH> <NAME>",
        &["migrate create migrate_repo \"my project\""],
    ),
    help(
        "script",
        "<DESCRIPTION> <REPOSITORY>",
        &["migrate script \"add books table\" migrate_repo"],
    ),
    help(
        "script_sql",
        "<DBMS> <DESCRIPTION> <REPOSITORY>",
        &["migrate script_sql postgresql \"add isbn\" migrate_repo"],
    ),
    help("version", "<REPOSITORY>", &["migrate version migrate_repo"]),
    help(
        "version_control",
        "<URL> <REPOSITORY> [VERSION]",
        &[
            "migrate version_control sqlite:///app.db migrate_repo",
            "migrate version_control postgresql://app@localhost/app migrate_repo 27",
        ],
    ),
    help(
        "db_version",
        "<URL> <REPOSITORY>",
        &["migrate db_version sqlite:///app.db migrate_repo"],
    ),
    help(
        "upgrade",
        "<URL> <REPOSITORY> [VERSION]",
        &[
            "migrate upgrade sqlite:///app.db migrate_repo",
            "migrate upgrade mysql://root@localhost/app migrate_repo 3 --preview-sql",
        ],
    ),
    help(
        "downgrade",
        "<URL> <REPOSITORY> <VERSION>",
        &["migrate downgrade sqlite:///app.db migrate_repo 0"],
    ),
    help(
        "drop_version_control",
        "<URL> <REPOSITORY>",
        &["migrate drop_version_control sqlite:///app.db migrate_repo"],
    ),
    help(
        "schema",
        "<URL | REPOSITORY[@VERSION]>",
        &[
            "migrate schema postgresql://app@localhost/app --format sql",
            "migrate schema migrate_repo@3 --format sql --dialect mysql",
        ],
    ),
    help(
        "compare_model_to_db",
        "<URL> <REPOSITORY> <MODEL>",
        &["migrate compare_model_to_db sqlite:///app.db migrate_repo model.sql"],
    ),
    help(
        "create_model",
        "<URL> [REPOSITORY]",
        &["migrate create_model sqlite:///app.db migrate_repo > model.toml"],
    ),
    help(
        "make_update_script_for_model",
        "[URL] <REPOSITORY> <OLDMODEL> <MODEL>",
        &["migrate make_update_script_for_model sqlite:///app.db migrate_repo old.sql new.sql"],
    ),
    help(
        "update_db_from_model",
        "<URL> <REPOSITORY> <MODEL>",
        &["migrate update_db_from_model sqlite:///app.db migrate_repo model.sql"],
    ),
    help(
        "diff",
        "<A> <B>",
        &[
            "migrate diff migrate_repo@1 migrate_repo@2",
            "migrate diff postgresql://app@localhost/app model.sql --rename books=volumes",
        ],
    ),
    help(
        "drift",
        "<URL> <REPOSITORY>",
        &["migrate drift postgresql://app@localhost/app migrate_repo"],
    ),
    help(
        "test",
        "<URL> <REPOSITORY>",
        &["migrate test sqlite:///app.db migrate_repo"],
    ),
    help(
        "sync",
        "<URL> <REPOSITORY> [VERSION]",
        &["migrate sync mysql://root@localhost/heat migrate_repo --init-version 27"],
    ),
    help(
        "stamp",
        "<URL> <REPOSITORY> <VERSION>",
        &["migrate stamp sqlite:///app.db migrate_repo 3"],
    ),
    help(
        "repair",
        "<URL> <REPOSITORY>",
        &[
            "migrate repair mysql://root@localhost/app migrate_repo",
            "migrate repair mysql://root@localhost/app migrate_repo --mark-applied",
        ],
    ),
    help(
        "status",
        "<URL> <REPOSITORY>",
        &["migrate status sqlite:///app.db migrate_repo --json"],
    ),
    help(
        "history",
        "<URL> <REPOSITORY>",
        &["migrate history sqlite:///app.db migrate_repo"],
    ),
    help(
        "manage",
        "<FILE>",
        &["migrate manage manage.py --url sqlite:///app.db --repository migrate_repo"],
    ),
    help(
        "convert",
        "<REPOSITORY> [--out DIR]",
        &[
            "migrate convert heat/db/sqlalchemy/migrate_repo",
            "migrate convert heat/db/sqlalchemy/migrate_repo --out migrate_repo_portable",
        ],
    ),
    help(
        "completions",
        "<SHELL>",
        &[
            "migrate completions bash > ~/.local/share/bash-completion/completions/migrate",
            "migrate completions zsh > ~/.zfunc/_migrate",
        ],
    ),
    help(
        "man",
        "[COMMAND] [--out DIR]",
        &[
            "migrate man | man -l -",
            "migrate man upgrade | man -l -",
            "migrate man --out /usr/local/share/man/man1",
        ],
    ),
];

/// The top level's closing text: where URL and REPOSITORY may come from, and URL forms.
const TOP: &str = "\
URL and REPOSITORY may also come from --url/--repository, MIGRATE_URL or DATABASE_URL, and
MIGRATE_REPOSITORY, set in the environment or in ./.env. A positional argument containing
'://' is always the database URL.

Database URLs:
  sqlite:///relative.db   sqlite:////absolute/path.db   sqlite:// (in memory)
  sqlx's too: sqlite:relative.db   sqlite::memory:   sqlite://relative.db?mode=rwc|rw|ro|memory
  postgresql://user@host:5432/db   mysql://user@host:3306/db   (with a password: user:password@;
  messages never show it)";

/// A heading styled as clap styles its own ("Usage:", "Options:").
fn heading(text: &str) -> String {
    let style = clap::builder::Styles::default().get_header().to_owned();
    format!("{style}{text}{style:#}")
}

fn examples(lines: &[&str]) -> StyledStr {
    let mut text = heading("Examples:");
    for line in lines {
        text.push_str(&format!("\n  {line}"));
    }
    text.into()
}

/// Adds each command's usage line and examples, and the top level's closing text, to `cmd`.
pub fn document(mut cmd: clap::Command) -> clap::Command {
    for help in COMMANDS {
        cmd = cmd.mut_subcommand(help.name, |sub| {
            sub.override_usage(format!("migrate {} [OPTIONS] {}", help.name, help.usage))
                .after_help(examples(help.examples))
        });
    }
    cmd.after_help(TOP)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::COMMANDS;

    #[test]
    fn every_command_has_a_usage_line_and_examples() {
        let cmd = crate::cli::Cli::command();
        for sub in cmd.get_subcommands() {
            assert!(
                COMMANDS.iter().any(|h| h.name == sub.get_name()),
                "{} has no entry",
                sub.get_name()
            );
        }
        for help in COMMANDS {
            assert!(cmd.find_subcommand(help.name).is_some(), "{}", help.name);
            assert!(!help.examples.is_empty(), "{}", help.name);
        }
    }
}
