//! The portable script format: `NNN_description.toml`.
//!
//! ```toml
//! [[upgrade]]
//! create_table = { name = "books", columns = [
//!     { name = "id", type = "BigInteger UNSIGNED", primary_key = true },
//!     { name = "title", type = "Text", nullable = false },
//! ] }
//!
//! [[upgrade]]
//! add_column = { table = "books", column = { name = "isbn", type = "BigInteger", nullable = false, default = 0 } }
//!
//! [[upgrade]]
//! sql.postgresql = "…"
//! sql.default = "…"
//! ```
//!
//! Each step is a table with one key naming the operation. `[[downgrade]]` is optional: when
//! absent, the downgrade is the upgrade's operations inverted in reverse order. TOML because
//! Rust users already write it (Cargo.toml), it has multi-line strings for SQL, and its parser
//! reports lines.

use std::path::Path;

use serde::Deserialize;

use super::ScriptError;
use super::defs::StepDef;
use crate::change::Operation;

/// An operation and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedOperation {
    /// The operation.
    pub op: Operation,
    /// The 1-based step it came from.
    pub step: usize,
    /// The line of the file where that step starts.
    pub line: usize,
}

/// A parsed portable script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableScript {
    upgrade: Vec<LocatedOperation>,
    downgrade: Option<Vec<LocatedOperation>>,
    no_transaction: bool,
    irreversible: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    no_transaction: bool,
    irreversible: Option<String>,
    #[serde(default)]
    upgrade: Vec<toml::Spanned<StepDef>>,
    downgrade: Option<Vec<toml::Spanned<StepDef>>>,
}

impl PortableScript {
    /// Parses a script's text; `path` is for messages.
    ///
    /// # Errors
    /// [`ScriptError::Portable`] with the line of a TOML syntax error, an unknown step kind,
    /// key or type, or a database name that does not exist.
    pub fn parse(text: &str, path: &Path) -> Result<PortableScript, ScriptError> {
        let def: FileDef = toml::from_str(text).map_err(|e| ScriptError::Portable {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_at(text, s.start)),
            message: e.message().trim().to_string(),
            help: Some("see the comments `migrate script` writes for the format".into()),
        })?;
        let locate =
            |steps: Vec<toml::Spanned<StepDef>>| -> Result<Vec<LocatedOperation>, ScriptError> {
                let mut out = Vec::new();
                for (i, s) in steps.into_iter().enumerate() {
                    // The span of an array-of-tables element starts at its `[[upgrade]]` header.
                    let line = line_at(text, s.span().start);
                    let fail = |message: String, help| ScriptError::Portable {
                        path: path.to_path_buf(),
                        line: Some(line),
                        message: format!("step {}: {message}", i + 1),
                        help,
                    };
                    let ops = s
                        .get_ref()
                        .operations()
                        .map_err(|(message, help)| fail(message, help))?;
                    if let Some((op, what)) = ops
                        .iter()
                        .find_map(|op| super::names::empty_name(op).map(|w| (op, w)))
                    {
                        return Err(fail(format!("{}: the {what} is empty", op.kind()), None));
                    }
                    out.extend(ops.into_iter().map(|op| LocatedOperation {
                        op,
                        step: i + 1,
                        line,
                    }));
                }
                Ok(out)
            };
        Ok(PortableScript {
            upgrade: locate(def.upgrade)?,
            downgrade: def.downgrade.map(locate).transpose()?,
            no_transaction: def.no_transaction,
            irreversible: def.irreversible,
        })
    }

    /// Whether the script asks to run outside a transaction (`no_transaction = true`).
    pub fn no_transaction(&self) -> bool {
        self.no_transaction
    }

    /// Why the version refuses to be downgraded (`irreversible = "…"`), if it does.
    pub fn irreversible(&self) -> Option<&str> {
        self.irreversible.as_deref()
    }

    /// The upgrade's operations.
    pub fn upgrade(&self) -> &[LocatedOperation] {
        &self.upgrade
    }

    /// The written downgrade, if there is one.
    pub fn downgrade(&self) -> Option<&[LocatedOperation]> {
        self.downgrade.as_deref()
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    const SCRIPT: &str = "# add isbn\n\n[[upgrade]]\nsql = \"CREATE TABLE t (a INT)\"\n\n[[upgrade]]\nadd_column = { table = \"t\", column = { name = \"b\", type = \"BigInteger\", index = true } }\n\n[[downgrade]]\nsql = \"DROP TABLE t\"\n";

    #[test]
    fn steps_become_located_operations() {
        let s = PortableScript::parse(SCRIPT, Path::new("x.toml")).unwrap();
        let up = s.upgrade();
        assert_eq!(up.len(), 3, "{up:?}");
        assert_eq!((up[0].step, up[0].line), (1, 3));
        assert_eq!((up[1].step, up[1].line), (2, 6));
        assert!(
            matches!(&up[1].op, Operation::AddColumn { column, .. } if column.ty == ColumnType::BigInteger { unsigned: false } && column.nullable)
        );
        assert!(
            matches!(&up[2].op, Operation::CreateIndex { index, .. } if index.name == "ix_t_b")
        );
        assert_eq!(s.downgrade().map(<[_]>::len), Some(1));
    }

    #[test]
    fn errors_name_file_line_and_step() {
        let err = PortableScript::parse("[[upgrade]]\nsqll = \"x\"\n", Path::new("v/001_x.toml"))
            .unwrap_err();
        assert!(err.to_string().starts_with("v/001_x.toml:"), "{err}");
        assert!(err.to_string().contains("sqll"), "{err}");
        let err = PortableScript::parse("[[upgrade]]\nsql.oracel = \"x\"\n", Path::new("a.toml"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.toml:1: step 1: 'oracel' is not a database (sqlite, postgresql, mysql or default)"
        );
        let bad_type = "[[upgrade]]\ncreate_table = { name = \"t\", columns = [{ name = \"a\", type = \"Strng(3)\" }] }\n";
        let err = PortableScript::parse(bad_type, Path::new("a.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("a.toml:1: step 1: unknown type 'Strng(3)'"),
            "{err}"
        );
    }

    #[test]
    fn lone_integer_primary_keys_autoincrement() {
        let text = "[[upgrade]]\ncreate_table = { name = \"t\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }, { name = \"k\", type = \"String(5)\", unique = true }] }\n";
        let s = PortableScript::parse(text, Path::new("a.toml")).unwrap();
        let Operation::CreateTable(t) = &s.upgrade()[0].op else {
            panic!()
        };
        assert!(t.columns[0].autoincrement && !t.columns[0].nullable);
        assert_eq!(t.primary_key.as_ref().unwrap().columns, vec!["id"]);
        assert_eq!(t.uniques.len(), 1);
    }
}
