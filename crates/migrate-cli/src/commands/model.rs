//! The model commands: a desired schema in a model file, compared with a database, turned
//! into the next version's script, or applied; and `diff` between any two schemas.

use std::path::Path;

use migrate_core::dialect::{Dialect, DialectKind};
use migrate_core::schema::{Schema, diff as schema_diff, normalize, rename_candidates};
use migrate_core::{DatabaseUrl, Repository, Version, ops, script};
use migrate_drivers::Access;

use crate::CliError;
use crate::args::{Bound, Slot, bind};
use crate::cli::{DatabaseArgs, DiffArgs, ModelArgs, RenameArgs, UpdateDbArgs, UpdateScriptArgs};
use crate::output::Output;
use crate::slots::Given;

use super::database::{bind_database, connect};

fn read_model(path: &str) -> Result<Schema, CliError> {
    let text = migrate_core::repository::read_text_file(Path::new(path))
        .map_err(|e| CliError::Usage(format!("cannot read model '{path}': {e}")))?;
    if path.ends_with(".sql") {
        return Ok(script::parse_sql_model(&text, Path::new(path))?);
    }
    Ok(script::parse_model(&text, Path::new(path))?)
}

fn reflect(conn: &mut dyn migrate_core::Connection) -> Result<Schema, CliError> {
    let exclude = ["migrate_version", "migrate_version_journal"];
    Ok(conn.dialect().reflect(conn, &exclude)?)
}

/// `(reflected, model)` for a database and a model file: bound, connected, read.
fn database_and_model(
    args: ModelArgs,
    access: Access,
) -> Result<(Box<dyn migrate_core::Connection>, Repository, Schema), CliError> {
    let mut positional = args.positional.given();
    let model = match args.model {
        Some(m) => m,
        None if positional
            .last()
            .is_some_and(|p| p.ends_with(".toml") || p.ends_with(".sql")) =>
        {
            positional.pop().unwrap_or_default()
        }
        None => {
            return Err(CliError::Usage(
                "give the MODEL file (.toml or .sql) after URL and REPOSITORY, or --model".into(),
            ));
        }
    };
    let explicit = Bound {
        url: args.url,
        repository: args.repository,
        version: None,
    };
    let bound = bind(&[Slot::Url, Slot::Repository], positional, explicit)?;
    bound.url()?;
    let repo = super::open_repository(bound.repository()?)?;
    let conn = connect(&bound, access)?;
    Ok((conn, repo, read_model(&model)?))
}

fn print_ops(out: &mut Output, ops: &[migrate_core::change::Operation], what: &str) {
    for op in ops {
        out.result(&format!("{what} {op}"));
    }
}

/// `compare_model_to_db URL PATH MODEL`: exit 3 when they differ.
pub fn compare(args: ModelArgs, out: &mut Output) -> Result<(), CliError> {
    let (mut conn, _repo, model) = database_and_model(args, Access::Existing)?;
    let dialect = conn.dialect();
    let mut live = dialect.normalize(&reflect(conn.as_mut())?);
    let model = dialect.normalize(&model);
    normalize::keep_requested_options(&mut live, &model);
    let ops = schema_diff(&live, &model, &[]);
    if out.json {
        out.json_result(&serde_json::json!({ "matches": ops.is_empty(), "differences": ops }));
    } else if ops.is_empty() {
        out.result("the database matches the model");
    } else {
        print_ops(out, &ops, "the model needs");
    }
    if ops.is_empty() {
        Ok(())
    } else {
        Err(CliError::Differences)
    }
}

/// `create_model URL PATH`: the database as a model file, on stdout.
pub fn create(args: DatabaseArgs, out: &mut Output) -> Result<(), CliError> {
    let bound = bind_database(args)?;
    let mut conn = connect(&bound, Access::Existing)?;
    let schema = reflect(conn.as_mut())?;
    if out.json {
        out.json_result(&schema);
    } else {
        out.result(script::model_toml(&schema).trim_end());
    }
    Ok(())
}

/// `make_update_script_for_model URL PATH OLDMODEL MODEL` (sqlalchemy-migrate's order).
pub fn make_update_script(args: UpdateScriptArgs, out: &mut Output) -> Result<(), CliError> {
    let mut p = args.positional.given();
    if p.len() < 3 {
        return Err(CliError::Usage(
            "give REPOSITORY, OLDMODEL and MODEL (URL first is accepted)".into(),
        ));
    }
    let new = p.pop().unwrap_or_default();
    let old = p.pop().unwrap_or_default();
    let repository = p.pop().unwrap_or_default();
    let (from, to) = (read_model(&old)?, read_model(&new)?);
    let renames = renames(&args.renames, &from, &to, out)?;
    let ops = schema_diff(&from, &to, &renames);
    if ops.is_empty() {
        out.status("the models do not differ: no script written");
        if out.json {
            out.created(&[]);
        }
        return Ok(());
    }
    let steps = script::operations_toml(&ops, "upgrade").map_err(CliError::Usage)?;
    let repo = super::open_repository(&repository)?;
    let path = repo.create_script("update from model")?;
    let text = format!("# The changes from {old} to {new}; the downgrade is derived.\n{steps}");
    std::fs::write(&path, text)
        .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
    out.created(&[path]);
    Ok(())
}

/// `update_db_from_model URL PATH MODEL [--allow-drop]`.
pub fn update_db(args: UpdateDbArgs, out: &mut Output) -> Result<(), CliError> {
    let (mut conn, repo, model) = database_and_model(args.model, Access::Create)?;
    let options = ops::RunOptions::default();
    let changes =
        ops::update_db_from_model(conn.as_mut(), &repo, &model, args.allow_drop, options)?;
    if out.json {
        out.json_result(&serde_json::json!({ "applied": changes }));
    } else {
        print_ops(out, &changes, "applied");
    }
    Ok(())
}

/// One side of `diff`: a URL, a model file, or PATH[@VERSION]; and the dialect it implies.
fn load(
    source: &str,
    fallback: &'static dyn Dialect,
    like: Option<&DatabaseUrl>,
) -> Result<(Schema, Option<&'static dyn Dialect>), CliError> {
    if crate::args::looks_like_url(source) {
        let url = DatabaseUrl::parse(source)?;
        let mut conn =
            super::echo::verbose(migrate_drivers::open_database(&url, Access::Existing)?);
        return Ok((reflect(conn.as_mut())?, Some(url.dialect())));
    }
    if (source.ends_with(".toml") || source.ends_with(".sql")) && Path::new(source).is_file() {
        return Ok((read_model(source)?, None));
    }
    let (path, version) = match source.rsplit_once('@') {
        Some((p, v)) => (
            p,
            Some(
                v.parse::<Version>()
                    .map_err(|e| CliError::Usage(e.to_string()))?,
            ),
        ),
        None => (source, None),
    };
    let repo = super::open_repository(path)?;
    let version = version.unwrap_or_else(|| repo.latest());
    Ok((
        super::scratch::schema_at(&repo, version, like, fallback)?,
        None,
    ))
}

/// `diff A B`.
pub fn diff(args: DiffArgs, out: &mut Output) -> Result<(), CliError> {
    let fallback = DialectKind::from_scheme(&args.dialect)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "'{}' is not a database: use sqlite, postgresql or mysql",
                args.dialect
            ))
        })?
        .dialect();
    // A repository whose SQL cannot be replayed runs on a scratch database beside the URL's.
    let like = [&args.a, &args.b]
        .into_iter()
        .find(|s| crate::args::looks_like_url(s))
        .map(|s| DatabaseUrl::parse(s))
        .transpose()?;
    let (a, da) = load(&args.a, fallback, like.as_ref())?;
    let (b, db) = load(&args.b, fallback, like.as_ref())?;
    let dialect = da.or(db).unwrap_or(fallback);
    let (mut a, b) = (dialect.normalize(&a), dialect.normalize(&b));
    normalize::keep_requested_options(&mut a, &b);
    let renames = renames(&args.renames, &a, &b, out)?;
    let ops = schema_diff(&a, &b, &renames);
    if out.json {
        out.json_result(&ops);
    } else if ops.is_empty() {
        out.result("no differences");
    } else {
        for op in &ops {
            out.result(&op.to_string());
        }
    }
    if ops.is_empty() {
        Ok(())
    } else {
        Err(CliError::Differences)
    }
}

/// The renames the user gave as hints, then confirmed when asked.
fn renames(
    args: &RenameArgs,
    a: &Schema,
    b: &Schema,
    out: &mut Output,
) -> Result<Vec<(String, String)>, CliError> {
    let mut renames: Vec<(String, String)> = args
        .hints
        .iter()
        .map(|r| {
            r.split_once('=')
                .map(|(o, n)| (o.to_string(), n.to_string()))
                .ok_or_else(|| {
                    CliError::Usage(format!("--rename {r}: give old=new or table.old=new"))
                })
        })
        .collect::<Result<_, _>>()?;
    if args.interactive {
        confirm_renames(a, b, &mut renames, out)?;
    }
    Ok(renames)
}

/// Asks on the terminal about each possible rename, one at a time: confirming a table rename
/// changes which column renames are possible, so the candidates are recomputed after each.
fn confirm_renames(
    a: &Schema,
    b: &Schema,
    renames: &mut Vec<(String, String)>,
    out: &mut Output,
) -> Result<(), CliError> {
    let mut asked: Vec<(String, String)> = Vec::new();
    while let Some(candidate) = rename_candidates(a, b, renames)
        .into_iter()
        .find(|c| !asked.contains(c))
    {
        let (old, new) = &candidate;
        let yes = out
            .confirm(&format!("is {old} renamed to {new}?"))
            .map_err(|e| CliError::Usage(format!("reading the answer: {e}")))?;
        if yes {
            renames.push(candidate.clone());
        }
        asked.push(candidate);
    }
    Ok(())
}
