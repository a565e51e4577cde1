//! What can be known about a portable script on one database before anything runs: every
//! name fits the database's identifier limit, every `sql` step has SQL for this database,
//! and every column type can be written in it. A run refuses at load, before its first
//! version, instead of failing halfway with earlier versions committed.

use std::path::Path;

use super::{LocatedOperation, ScriptError};
use crate::change::Operation;
use crate::dialect::{Dialect, identifier};
use crate::schema::Column;

/// Checks `operations` (of the script at `path`) for `dialect`.
///
/// # Errors
/// [`ScriptError::Portable`] naming the file, the step's line and what is wrong.
pub(super) fn check(
    operations: &[LocatedOperation],
    path: &Path,
    dialect: &dyn Dialect,
) -> Result<(), ScriptError> {
    for located in operations {
        let fail = |message: String, help: Option<String>| ScriptError::Portable {
            path: path.to_path_buf(),
            line: Some(located.line),
            message: format!("step {}: {message}", located.step),
            help,
        };
        for (what, name) in located.op.names() {
            identifier::check(dialect, what, name).map_err(|e| {
                let help = Some(format!(
                    "{}; {} would not take the name as written",
                    e.help().unwrap_or_default(),
                    dialect.name()
                ));
                fail(e.to_string(), help)
            })?;
        }
        if let Operation::Sql(texts) = &located.op {
            crate::dialect::ddl::raw_sql(dialect, texts).map_err(|e| fail(e.message, e.help))?;
        }
        for column in columns(&located.op) {
            dialect
                .type_sql(column)
                .map_err(|e| fail(format!("column '{}': {}", column.name, e.message), e.help))?;
        }
    }
    Ok(())
}

/// The columns an operation defines.
fn columns(op: &Operation) -> Vec<&Column> {
    match op {
        Operation::CreateTable(t) => t.columns.iter().collect(),
        Operation::AddColumn { column, .. } => vec![column],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MYSQL, POSTGRES, SQLITE};
    use crate::script::PortableScript;

    fn run(text: &str, dialect: &dyn Dialect) -> Result<(), ScriptError> {
        let script = PortableScript::parse(text, Path::new("v/001_x.toml")).unwrap();
        check(script.upgrade(), Path::new("v/001_x.toml"), dialect)
    }

    #[test]
    fn names_over_the_limit_are_refused_with_file_line_and_limit() {
        let long = "c".repeat(64);
        let text = format!(
            "# x\n[[upgrade]]\nadd_column = {{ table = \"t\", column = {{ name = \"{long}\", type = \"Integer\" }} }}\n"
        );
        let e = run(&text, &POSTGRES).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "v/001_x.toml:2: step 1: the column '{long}' is 64 bytes; postgresql allows at most 63"
            )
        );
        assert!(run(&text, &MYSQL).is_ok());
        assert!(run(&text, &SQLITE).is_ok());
    }

    #[test]
    fn sql_without_text_for_this_database_is_refused() {
        let text = "[[upgrade]]\nsql.postgresql = \"SELECT 1\"\n";
        assert!(run(text, &POSTGRES).is_ok());
        let e = run(text, &MYSQL).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("v/001_x.toml:1: step 1: no SQL for mysql"),
            "{e}"
        );
    }
}
