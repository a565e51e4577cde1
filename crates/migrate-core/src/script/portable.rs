//! The portable script format: `NNN_description.toml`.
//!
//! ```toml
//! [[upgrade]]
//! sql = "CREATE TABLE books (id INTEGER PRIMARY KEY)"
//!
//! [[upgrade]]
//! sql.postgresql = "ALTER TABLE books ADD COLUMN isbn BIGINT"
//! sql.default = "ALTER TABLE books ADD isbn BIGINT"
//!
//! [[downgrade]]
//! sql = "DROP TABLE books"
//! ```
//!
//! Each step is a table with one key naming its kind, so schema operations join `sql` as
//! further kinds without changing the file's shape. TOML because it is what Rust users already
//! write (Cargo.toml), it has multi-line strings for SQL, and its parser reports lines.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::ScriptError;
use crate::dialect::Dialect;
use crate::repository::Dbms;
use crate::version::Direction;

/// A parsed portable script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableScript {
    upgrade: Vec<Located>,
    downgrade: Option<Vec<Located>>,
    no_transaction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    step: StepDef,
    line: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    no_transaction: bool,
    #[serde(default)]
    upgrade: Vec<toml::Spanned<StepDef>>,
    downgrade: Option<Vec<toml::Spanned<StepDef>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum StepDef {
    Sql(SqlDef),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum SqlDef {
    All(String),
    PerDatabase(BTreeMap<String, String>),
}

/// A raw SQL step, ready to render for one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStep<'a> {
    def: &'a SqlDef,
    /// The step's 1-based position in its section.
    pub index: usize,
    /// The line of the file where the step starts.
    pub line: usize,
}

impl PortableScript {
    /// Parses a script's text; `path` is for messages.
    ///
    /// # Errors
    /// [`ScriptError::Portable`] with the line of a TOML syntax error, an unknown step kind or
    /// key, or a database name that does not exist.
    pub fn parse(text: &str, path: &Path) -> Result<PortableScript, ScriptError> {
        let def: FileDef = toml::from_str(text).map_err(|e| ScriptError::Portable {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_at(text, s.start)),
            message: e.message().trim().to_string(),
            help: Some("see the comments `migrate script` writes for the format".into()),
        })?;
        let locate = |steps: Vec<toml::Spanned<StepDef>>| -> Result<Vec<Located>, ScriptError> {
            steps
                .into_iter()
                .map(|s| {
                    // The span of an array-of-tables element starts at its `[[upgrade]]` header.
                    let line = line_at(text, s.span().start);
                    check_step(s.get_ref(), path, line)?;
                    Ok(Located {
                        step: s.into_inner(),
                        line,
                    })
                })
                .collect()
        };
        Ok(PortableScript {
            upgrade: locate(def.upgrade)?,
            downgrade: def.downgrade.map(locate).transpose()?,
            no_transaction: def.no_transaction,
        })
    }

    /// Whether the script asks to run outside a transaction (`no_transaction = true`).
    pub fn no_transaction(&self) -> bool {
        self.no_transaction
    }

    /// The steps for `direction`.
    ///
    /// # Errors
    /// A downgrade that is not written: raw SQL has no automatic inverse.
    pub fn steps(
        &self,
        direction: Direction,
        path: &Path,
    ) -> Result<Vec<SqlStep<'_>>, ScriptError> {
        let steps = match (direction, &self.downgrade) {
            (Direction::Upgrade, _) => &self.upgrade,
            (Direction::Downgrade, Some(steps)) => steps,
            (Direction::Downgrade, None) => match self.upgrade.first() {
                None => &self.upgrade,
                Some(first) => {
                    return Err(ScriptError::Portable {
                        path: path.to_path_buf(),
                        line: Some(first.line),
                        message: "there is no downgrade, and upgrade step 1 (sql) cannot be inverted automatically"
                            .into(),
                        help: Some("add [[downgrade]] steps that undo the upgrade".into()),
                    });
                }
            },
        };
        Ok(steps
            .iter()
            .enumerate()
            .map(|(i, l)| match &l.step {
                StepDef::Sql(def) => SqlStep {
                    def,
                    index: i + 1,
                    line: l.line,
                },
            })
            .collect())
    }
}

impl SqlStep<'_> {
    /// The SQL for `dialect`: its own text, else `default`.
    ///
    /// # Errors
    /// No text for this database and no `default`.
    pub fn render(&self, dialect: &dyn Dialect, path: &Path) -> Result<&str, ScriptError> {
        match self.def {
            SqlDef::All(sql) => Ok(sql),
            SqlDef::PerDatabase(map) => {
                let own = map.iter().find(|(k, _)| {
                    matches!(Dbms::parse(k), Some(Dbms::Named(n)) if dialect.script_names().contains(&n.as_str()))
                });
                own.or_else(|| map.iter().find(|(k, _)| k.as_str() == "default"))
                    .map(|(_, sql)| sql.as_str())
                    .ok_or_else(|| ScriptError::Portable {
                        path: path.to_path_buf(),
                        line: Some(self.line),
                        message: format!(
                            "step {} has no SQL for {} and no default",
                            self.index,
                            dialect.name()
                        ),
                        help: Some(format!(
                            "add sql.{} or sql.default to the step",
                            dialect.name()
                        )),
                    })
            }
        }
    }
}

fn check_step(step: &StepDef, path: &Path, line: usize) -> Result<(), ScriptError> {
    let StepDef::Sql(SqlDef::PerDatabase(map)) = step else {
        return Ok(());
    };
    for key in map.keys() {
        if Dbms::parse(key).is_none() {
            return Err(ScriptError::Portable {
                path: path.to_path_buf(),
                line: Some(line),
                message: format!(
                    "'{key}' is not a database (sqlite, postgresql, mysql or default)"
                ),
                help: None,
            });
        }
    }
    Ok(())
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MYSQL, POSTGRES, SQLITE};

    const SCRIPT: &str = "# add isbn\n\n[[upgrade]]\nsql = \"CREATE TABLE t (a INT)\"\n\n[[upgrade]]\nsql.postgresql = \"ALTER TABLE t ADD COLUMN b BIGINT\"\nsql.default = \"ALTER TABLE t ADD b BIGINT\"\n\n[[downgrade]]\nsql = \"DROP TABLE t\"\n";

    #[test]
    fn steps_render_per_database() {
        let s = PortableScript::parse(SCRIPT, Path::new("x.toml")).unwrap();
        let p = Path::new("x.toml");
        let up = s.steps(Direction::Upgrade, p).unwrap();
        assert_eq!(up.len(), 2);
        assert_eq!(up[0].line, 3);
        assert_eq!(up[1].line, 6);
        assert_eq!(
            up[1].render(&POSTGRES, p).unwrap(),
            "ALTER TABLE t ADD COLUMN b BIGINT"
        );
        assert_eq!(
            up[1].render(&MYSQL, p).unwrap(),
            "ALTER TABLE t ADD b BIGINT"
        );
        assert_eq!(
            up[1].render(&SQLITE, p).unwrap(),
            "ALTER TABLE t ADD b BIGINT"
        );
        assert_eq!(s.steps(Direction::Downgrade, p).unwrap().len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = PortableScript::parse("[[upgrade]]\nsqll = \"x\"\n", Path::new("v/001_x.toml"))
            .unwrap_err();
        assert!(err.to_string().starts_with("v/001_x.toml:"), "{err}");
        assert!(err.to_string().contains("sqll"), "{err}");
        let err = PortableScript::parse("[[upgrade]]\nsql.oracel = \"x\"\n", Path::new("a.toml"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.toml:1: 'oracel' is not a database (sqlite, postgresql, mysql or default)"
        );
        let only_up =
            PortableScript::parse("[[upgrade]]\nsql = \"x\"\n", Path::new("a.toml")).unwrap();
        let err = only_up
            .steps(Direction::Downgrade, Path::new("a.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("cannot be inverted"), "{err}");
    }

    #[test]
    fn empty_script_is_an_empty_version_both_ways() {
        let s = PortableScript::parse("# nothing yet\n", Path::new("a.toml")).unwrap();
        assert!(
            s.steps(Direction::Upgrade, Path::new("a.toml"))
                .unwrap()
                .is_empty()
        );
        assert!(
            s.steps(Direction::Downgrade, Path::new("a.toml"))
                .unwrap()
                .is_empty()
        );
    }
}
