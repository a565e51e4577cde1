//! `migrate schema URL|PATH[@VERSION]`: a schema as JSON, or as the SQL that creates it.

use migrate_core::change::Operation;
use migrate_core::dialect::{Dialect, DialectKind};
use migrate_core::schema::Schema;
use migrate_core::{DatabaseUrl, Version};

use crate::CliError;
use crate::cli::SchemaArgs;
use crate::output::Output;

/// Prints the schema.
pub fn run(args: SchemaArgs, out: &mut Output) -> Result<(), CliError> {
    let (schema, dialect) = if crate::args::looks_like_url(&args.source) {
        let url = DatabaseUrl::parse(&args.source)?;
        let mut conn = super::echo::verbose(migrate_drivers::open_database(
            &url,
            migrate_drivers::Access::Existing,
        )?);
        let exclude = ["migrate_version", "migrate_version_journal"];
        (
            url.dialect().reflect(conn.as_mut(), &exclude)?,
            url.dialect(),
        )
    } else {
        let (path, version) = match args.source.rsplit_once('@') {
            Some((p, v)) => (
                p,
                Some(
                    v.parse::<Version>()
                        .map_err(|e| CliError::Usage(e.to_string()))?,
                ),
            ),
            None => (args.source.as_str(), None),
        };
        let repo = super::open_repository(path)?;
        let kind = DialectKind::from_scheme(&args.dialect).ok_or_else(|| {
            CliError::Usage(format!(
                "'{}' is not a database: use sqlite, postgresql or mysql",
                args.dialect
            ))
        })?;
        let version = version.unwrap_or_else(|| repo.latest());
        (
            super::scratch::schema_at(&repo, version, None, kind.dialect())?,
            kind.dialect(),
        )
    };
    match args.format.as_str() {
        "json" => out.json_result(&schema),
        // The SQL is the result; --json asks for the schema itself, which is what --format
        // json prints.
        "sql" if out.json => {
            return Err(CliError::Usage(
                "--json prints the schema as JSON: leave out --format sql".into(),
            ));
        }
        "sql" => print_sql(&schema, dialect, out)?,
        other => {
            return Err(CliError::Usage(format!(
                "--format takes json or sql, not '{other}'"
            )));
        }
    }
    Ok(())
}

fn print_sql(schema: &Schema, dialect: &dyn Dialect, out: &mut Output) -> Result<(), CliError> {
    let mut built = Schema::default();
    for table in &schema.tables {
        let op = Operation::CreateTable(table.clone());
        let statements = dialect.render(&op, &built).map_err(|e| {
            CliError::Failed(
                migrate_core::executor::ExecError::Operation {
                    path: "<schema>".into(),
                    line: 0,
                    step: 0,
                    op: op.to_string(),
                    message: e.message,
                    help: e.help,
                }
                .into(),
            )
        })?;
        for s in statements {
            out.result(&format!("{};", s.sql));
        }
        built.tables.push(table.clone());
    }
    Ok(())
}
