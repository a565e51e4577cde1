//! `migrate create PATH NAME`: a new, empty repository.

use migrate_core::Repository;
use migrate_core::repository::CreateOptions;

use crate::CliError;
use crate::cli::CreateArgs;
use crate::output::Output;

/// Creates the repository.
pub fn run(args: CreateArgs, out: &mut Output) -> Result<(), CliError> {
    let use_timestamp_numbering = match args.use_timestamp_numbering.as_deref() {
        None => false,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            other => {
                return Err(CliError::Usage(format!(
                    "--use_timestamp_numbering takes true or false, not '{other}'"
                )));
            }
        },
    };
    let required_dbs = args
        .required_dbs
        .as_deref()
        .map(|list| {
            list.trim_matches(['[', ']'])
                .split(',')
                .map(|d| d.trim().trim_matches(['\'', '"']).to_string())
                .filter(|d| !d.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let options = CreateOptions {
        repository_id: args.repository_id,
        version_table: args.version_table,
        required_dbs,
        use_timestamp_numbering,
        migrate_bin: std::env::current_exe().ok(),
    };
    let repo = Repository::create(&args.path, &args.name, &options)?;
    if out.json {
        out.created(&[repo.path().to_path_buf()]);
        return Ok(());
    }
    out.status(&format!(
        "created repository '{}' at {}",
        args.name,
        repo.path().display()
    ));
    Ok(())
}
