//! Commands that read or extend a repository without a database: `version`, `script`,
//! `script_sql`, `convert`.

use migrate_core::Repository;

use crate::CliError;
use crate::args::{Bound, Slot, bind};
use crate::cli::{ConvertArgs, RepositoryArgs, ScriptArgs, ScriptSqlArgs};
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

/// `convert PATH [--out DIR]`: a table of the versions, what each does and what became of
/// it; each version that could not be run is an error below it (exit 1).
pub fn convert(args: ConvertArgs, out: &mut Output) -> Result<(), CliError> {
    use migrate_core::ops::{self, ConvertOutcome};
    let repo = open(args.repository)?;
    let report = ops::convert(&repo, args.out.as_deref())?;
    if out.json {
        let versions: Vec<serde_json::Value> = report
            .iter()
            .map(|v| {
                let (result, file, why) = match &v.outcome {
                    ConvertOutcome::Converted(f) => ("converted", Some(f.as_str()), None),
                    ConvertOutcome::Kept(why) => ("kept", None, Some(why.as_str())),
                    ConvertOutcome::Failed(why) => ("failed", None, Some(why.as_str())),
                    _ => ("kept", None, None),
                };
                serde_json::json!({
                    "version": v.version.get(),
                    "files": v.files,
                    "does": v.kind.map(|k| k.to_string()),
                    "result": result,
                    "written": file,
                    "why": why,
                })
            })
            .collect();
        out.json_result(&serde_json::json!({
            "out": args.out.as_ref().map(|d| d.display().to_string()),
            "versions": versions,
        }));
        return finish_convert(&report, out);
    }
    let rows: Vec<[String; 4]> = report
        .iter()
        .map(|v| {
            let kind = v.kind.map_or_else(|| "-".to_string(), |k| k.to_string());
            let result = match &v.outcome {
                ConvertOutcome::Converted(file) => format!("converted: {file}"),
                ConvertOutcome::Kept(why) => format!("kept: {why}"),
                ConvertOutcome::Failed(_) => "kept: it cannot run (below)".to_string(),
                _ => "kept".to_string(),
            };
            [v.version.to_string(), v.files.join(", "), kind, result]
        })
        .collect();
    let header = ["version", "file", "does", "result"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.result(line.trim_end());
    }
    match &args.out {
        Some(dir) => out.status(&format!("wrote {}", dir.display())),
        None => out.status("nothing written: --out DIR writes the converted repository"),
    }
    finish_convert(&report, out)
}

/// Each version that could not be run, as an error (exit 1).
fn finish_convert(
    report: &[migrate_core::ops::ConvertedVersion],
    out: &mut Output,
) -> Result<(), CliError> {
    let mut failed = false;
    for v in report {
        if let migrate_core::ops::ConvertOutcome::Failed(message) = &v.outcome {
            out.error(message, None);
            failed = true;
        }
    }
    if failed {
        return Err(CliError::Reported);
    }
    Ok(())
}
