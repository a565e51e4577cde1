//! The command line's shape: sqlalchemy-migrate's commands and arguments, with kebab-case
//! aliases. Positional URL/REPOSITORY/VERSION (`slots`) are re-bound in `args` so they can
//! also come from options and the environment.

use clap::{Args, Parser, Subcommand};

pub use crate::slots::{DatabaseSlots, ModelSlots, TargetSlots, UpdateScriptSlots};

/// Versioned database schema migrations for SQLite, PostgreSQL and MySQL/MariaDB.
#[derive(Debug, Parser)]
// Usage lines, examples and the URL forms are added by `help::document`.
#[command(name = "migrate", version, about, long_about = None)]
pub struct Cli {
    /// Print nothing but errors (sqlalchemy-migrate's --disable_logging).
    #[arg(
        short = 'q',
        long = "disable_logging",
        alias = "disable-logging",
        alias = "quiet",
        global = true
    )]
    pub quiet: bool,
    /// Print each statement as it is sent (sqlalchemy-migrate's --engine_arg_echo=True).
    #[arg(long, global = true, hide = true)]
    pub echo: bool,
    /// Print each statement on stderr as it is sent.
    #[arg(short = 'v', long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print the result as one JSON document on stdout instead of text (every command but
    /// `completions` and `man`); progress, warnings and errors stay text on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// Where the application modules Python scripts import are (`heat/db/…`): directories
    /// separated by ':', searched before `python_path` in migrate.cfg.
    #[arg(
        long = "python-path",
        alias = "python_path",
        env = "MIGRATE_PYTHONPATH",
        value_delimiter = ':',
        global = true
    )]
    pub python_path: Vec<std::path::PathBuf>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty repository at PATH, named NAME.
    Create(CreateArgs),
    /// Create the next version's portable script (NNN_description.toml).
    #[command(alias = "s")]
    Script(ScriptArgs),
    /// Create the next version's SQL upgrade and downgrade scripts for one database.
    #[command(name = "script_sql", alias = "script-sql")]
    ScriptSql(ScriptSqlArgs),
    /// Print the latest version in the repository.
    #[command(alias = "v")]
    Version(RepositoryArgs),
    /// Put a database under version control, at version 0 or VERSION.
    #[command(name = "version_control", alias = "version-control", alias = "vc")]
    VersionControl(TargetArgs),
    /// Print the database's current version.
    #[command(name = "db_version", alias = "db-version", alias = "dbv")]
    DbVersion(DatabaseArgs),
    /// Upgrade the database to the latest version, or to VERSION.
    Upgrade(RunArgs),
    /// Downgrade the database to VERSION.
    Downgrade(RunArgs),
    /// Remove the database's version-control row (and the table when no repository is left).
    #[command(name = "drop_version_control", alias = "drop-version-control")]
    DropVersionControl(DatabaseArgs),
    /// Print a database's schema (reflected), or a repository's at a version (replayed from its
    /// portable scripts: PATH@VERSION), as JSON or as SQL for a database.
    Schema(SchemaArgs),
    /// Compare the database with a model file (exit 3 on differences).
    #[command(name = "compare_model_to_db", alias = "compare-model-to-db")]
    CompareModelToDb(ModelArgs),
    /// Print the database's schema as a model file.
    #[command(name = "create_model", alias = "create-model")]
    CreateModel(DatabaseArgs),
    /// Write the next version's portable script: the changes from OLDMODEL to MODEL.
    #[command(
        name = "make_update_script_for_model",
        alias = "make-update-script-for-model"
    )]
    MakeUpdateScriptForModel(UpdateScriptArgs),
    /// Change the database to match a model, and record the repository's latest version.
    #[command(name = "update_db_from_model", alias = "update-db-from-model")]
    UpdateDbFromModel(UpdateDbArgs),
    /// The operations that turn schema A into schema B; each a URL, a model file or PATH@VERSION.
    Diff(DiffArgs),
    /// Compare the database's schema with the one its repository builds at its version (exit 3 on differences).
    Drift(DatabaseArgs),
    /// Prove every version reversible (upgrade, downgrade, compare the schema, upgrade) on a
    /// scratch database beside URL's (in-memory for SQLite); URL's own database is not changed.
    Test(DatabaseArgs),
    /// OpenStack's db_sync: version-control the database if needed, then walk it to VERSION or the latest.
    Sync(SyncArgs),
    /// Set the database's version without running scripts (adopting a database, or by hand).
    Stamp(TargetArgs),
    /// Show a dirty step, or resolve it: --mark-applied, --mark-rolled-back, --accept-changed.
    Repair(RepairArgs),
    /// Show the version, pending versions, dirty state and changed scripts.
    Status(ReportArgs),
    /// Show the journal of applied steps.
    History(ReportArgs),
    /// Write an executable wrapper FILE that runs migrate with a default URL and repository.
    Manage(ManageArgs),
    /// Rewrite a repository's Python versions as portable scripts where they map exactly onto
    /// portable operations (per-database SQL where the databases differ); keep the others.
    /// Prints what each version does and what became of it; --out DIR writes the result.
    Convert(ConvertArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish or powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of migrate or of one command; --out DIR writes them all.
    Man(ManArgs),
}

/// `completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man [COMMAND] [--out DIR]`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (any of its spellings) [default: migrate's own].
    #[arg(conflicts_with = "out")]
    pub command: Option<String>,
    /// Write migrate.1 and a migrate-COMMAND.1 page for every command into DIR (which must
    /// exist) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

/// `convert PATH [--out DIR]`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub repository: RepositoryArgs,
    /// Where to write the converted repository (a path that does not exist yet); without
    /// it nothing is written.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

/// `create PATH NAME`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Where to create the repository (must not exist).
    pub path: String,
    /// The repository's name (the default repository_id).
    pub name: String,
    /// Identifies the repository in the version table [default: NAME].
    #[arg(long = "repository_id", alias = "repository-id", value_name = "ID")]
    pub repository_id: Option<String>,
    /// The version table's name [default: migrate_version].
    #[arg(
        long = "version_table",
        alias = "version-table",
        alias = "table",
        value_name = "TABLE"
    )]
    pub version_table: Option<String>,
    /// Databases every script must support, e.g. "['postgresql','sqlite']" or postgresql,sqlite.
    #[arg(long = "required_dbs", alias = "required-dbs", value_name = "LIST")]
    pub required_dbs: Option<String>,
    /// Number new versions by UTC time (YYYYMMDDHHMMSS) instead of latest + 1.
    #[arg(long = "use_timestamp_numbering", alias = "use-timestamp-numbering", value_name = "BOOL",
          num_args = 0..=1, default_missing_value = "true")]
    pub use_timestamp_numbering: Option<String>,
}

/// `script DESCRIPTION [REPOSITORY]`.
#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// What the version does ("add books table").
    pub description: String,
    #[command(flatten)]
    pub repository: RepositoryArgs,
    /// Write sqlalchemy-migrate's Python template (`NNN_description.py`) instead of a
    /// portable script; the default in a repository whose scripts are Python already.
    #[arg(long)]
    pub python: bool,
}

/// `script_sql DBMS DESCRIPTION [REPOSITORY]`.
#[derive(Debug, Args)]
pub struct ScriptSqlArgs {
    /// sqlite, postgresql, mysql or default.
    pub dbms: String,
    /// What the version does.
    pub description: String,
    #[command(flatten)]
    pub repository: RepositoryArgs,
    /// Add this database's pair to existing version N instead of making the next version.
    #[arg(long, value_name = "N")]
    pub version: Option<String>,
}

/// Commands that need only a repository.
#[derive(Debug, Args)]
pub struct RepositoryArgs {
    /// The repository's path; required, here or as --repository or MIGRATE_REPOSITORY.
    #[arg(value_name = "REPOSITORY")]
    pub positional: Option<String>,
    /// The repository's path, instead of the positional argument.
    #[arg(long)]
    pub repository: Option<String>,
}

/// Commands that need a database and a repository.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    #[command(flatten)]
    pub positional: DatabaseSlots,
    /// The database URL.
    #[arg(long)]
    pub url: Option<String>,
    /// The repository's path.
    #[arg(long)]
    pub repository: Option<String>,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// How a command that changes the database takes the migration lock.
#[derive(Debug, Args, Clone, Copy)]
pub struct LockArgs {
    /// Seconds to wait for another run holding the migration lock.
    #[arg(
        long = "lock-timeout",
        alias = "lock_timeout",
        value_name = "SECONDS",
        default_value_t = 300
    )]
    pub lock_timeout: u64,
    /// Which lock: the server's session lock, or a lease lock kept in a table (for Galera
    /// clusters and transaction-pooling proxies, which `auto` detects).
    #[arg(long, value_enum, default_value_t = LockChoice::Auto)]
    pub lock: LockChoice,
    /// Seconds a lease lock lasts without renewal: a run that dies holding one blocks others
    /// that long. A live run renews it every third of that.
    #[arg(long = "lock-lease", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(3..))]
    pub lock_lease: u64,
}

/// `--lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LockChoice {
    /// The session lock, or the lease lock where the session lock cannot be trusted.
    Auto,
    /// The server's session lock (PostgreSQL advisory lock, MySQL GET_LOCK).
    Session,
    /// The lease lock, in the table `<version_table>_lock`.
    Table,
}

/// Commands that take a database, a repository and a version.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TargetArgs {
    #[command(flatten)]
    pub positional: TargetSlots,
    /// The database URL.
    #[arg(long)]
    pub url: Option<String>,
    /// The repository's path.
    #[arg(long)]
    pub repository: Option<String>,
    /// The version.
    #[arg(long, allow_negative_numbers = true)]
    pub version: Option<String>,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `upgrade` and `downgrade`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the SQL that would run, and run nothing.
    #[arg(long = "preview-sql", alias = "preview_sql")]
    pub preview_sql: bool,
    /// Print the Python `upgrade`/`downgrade` function of each step (sqlalchemy-migrate
    /// scripts only), and run nothing.
    #[arg(
        long = "preview-py",
        alias = "preview_py",
        conflicts_with = "preview_sql"
    )]
    pub preview_py: bool,

    /// Run every version in one transaction: all of them commit at the end, or none
    /// (PostgreSQL and SQLite; MySQL/MariaDB commit DDL at once).
    #[arg(long = "single-transaction", alias = "single_transaction")]
    pub single_transaction: bool,
}

/// `manage FILE`.
#[derive(Debug, Args)]
pub struct ManageArgs {
    /// The wrapper script to write.
    pub file: String,
    /// The default database URL.
    #[arg(long)]
    pub url: Option<String>,
    /// The default repository path.
    #[arg(long)]
    pub repository: Option<String>,
}

/// `repair URL PATH`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The dirty step completed: record it and move the version forward.
    #[arg(long = "mark-applied", alias = "mark_applied", conflicts_with_all = ["mark_rolled_back", "accept_changed"])]
    pub mark_applied: bool,
    /// The dirty step's effects are undone: record it and keep the version.
    #[arg(
        long = "mark-rolled-back",
        alias = "mark_rolled_back",
        conflicts_with = "accept_changed"
    )]
    pub mark_rolled_back: bool,
    /// Accept the current text of VERSION's changed script as the applied one.
    #[arg(
        long = "accept-changed",
        alias = "accept_changed",
        value_name = "VERSION"
    )]
    pub accept_changed: Option<String>,
}

/// `status` and `history`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `sync URL PATH [VERSION]`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// For a database that has tables but no version row: the version its schema is at.
    #[arg(long = "init-version", alias = "init_version", value_name = "VERSION")]
    pub init_version: Option<String>,
    /// On MySQL, fail unless every table uses this engine (e.g. InnoDB).
    #[arg(long = "mysql-engine", value_name = "ENGINE")]
    pub mysql_engine: Option<String>,
    /// On MySQL, fail unless every table uses this character set (e.g. utf8).
    #[arg(long = "mysql-charset", value_name = "CHARSET")]
    pub mysql_charset: Option<String>,
}

/// `schema URL|PATH[@VERSION]`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// A database URL, or a repository path with an optional @VERSION (default: latest).
    pub source: String,
    /// json, sql or toml (a model file).
    #[arg(long, default_value = "json")]
    pub format: String,
    /// For a repository rendered as SQL: the database to write it for (sqlite, postgresql, mysql).
    #[arg(long, default_value = "postgresql")]
    pub dialect: String,
}

/// `compare_model_to_db URL PATH MODEL`.
#[derive(Debug, Args)]
pub struct ModelArgs {
    #[command(flatten)]
    pub positional: ModelSlots,
    /// The database URL.
    #[arg(long)]
    pub url: Option<String>,
    /// The repository's path.
    #[arg(long)]
    pub repository: Option<String>,
    /// The model file.
    #[arg(long)]
    pub model: Option<String>,
}

/// `make_update_script_for_model URL PATH OLDMODEL MODEL`.
#[derive(Debug, Args)]
pub struct UpdateScriptArgs {
    #[command(flatten)]
    pub positional: UpdateScriptSlots,
    #[command(flatten)]
    pub renames: RenameArgs,
}

/// How a comparison learns that a table or column was renamed rather than dropped and added.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// A rename hint, old=new (table) or table.old=new (column); repeatable.
    #[arg(long = "rename")]
    pub hints: Vec<String>,
    /// Ask, for each table or same-typed column that goes while another appears, whether it
    /// is a rename (answers `y`/`n` read from standard input).
    #[arg(long, short = 'i')]
    pub interactive: bool,
}

/// `update_db_from_model URL PATH MODEL [--allow-drop]`.
#[derive(Debug, Args)]
pub struct UpdateDbArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Let it drop tables the model does not have.
    #[arg(long = "allow-drop")]
    pub allow_drop: bool,
}

/// `diff A B`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A database URL, a model file (.toml) or a repository PATH@VERSION.
    pub a: String,
    /// Likewise.
    pub b: String,
    /// The database to compare for when neither side is a URL.
    #[arg(long, default_value = "postgresql")]
    pub dialect: String,
    #[command(flatten)]
    pub renames: RenameArgs,
}
