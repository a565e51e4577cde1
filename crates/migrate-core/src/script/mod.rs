//! A step's script turned into the statements to run on one database.
//!
//! SQL files are split into statements; portable scripts are parsed and each step rendered
//! for the dialect. A script's `BEGIN`/`COMMIT` is dropped with a warning, as sqlalchemy-migrate
//! did: every version already runs in its own transaction. `ROLLBACK`, `SAVEPOINT` and
//! `RELEASE` cannot be honoured there, so such a script is refused before anything runs.

mod canonical;
mod defs;
mod model;
// Behind a feature: sqlparser is a whole SQL parser, and only the CLI reads model files.
#[cfg(feature = "model-files")]
mod model_sql;
mod names;
mod portable;
mod precheck;

use std::path::{Path, PathBuf};

pub use model::{model_toml, operations_toml, parse_model, table_toml};
#[cfg(feature = "model-files")]
pub use model_sql::parse_sql_model;
pub use portable::{LocatedOperation, PortableScript};

use crate::dialect::Dialect;
use crate::repository::{ScriptFile, ScriptKind};
use crate::sql;
use crate::version::Direction;

/// One statement ready to run, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStatement {
    /// The SQL text.
    pub sql: String,
    /// The 1-based line in the script file where it starts.
    pub line: usize,
}

/// Something worth telling the user that does not stop the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptWarning {
    /// The script.
    pub path: PathBuf,
    /// The line.
    pub line: usize,
    /// What happened.
    pub message: String,
}

/// A script loaded for one database and direction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadedScript {
    /// The statements, in order.
    pub statements: Vec<PlannedStatement>,
    /// Warnings found while loading.
    pub warnings: Vec<ScriptWarning>,
    /// Fingerprints of the file.
    pub checksum: Checksum,
    /// The step must run outside a transaction: marked so in the script, or a statement that
    /// the database refuses to run inside one.
    pub outside_transaction: bool,
    /// A portable script's operations, rendered when the step runs against the schema then.
    pub operations: Vec<LocatedOperation>,
    /// The operations are the upgrade's, to be inverted (the script has no `[[downgrade]]`).
    pub invert: bool,
    /// An upgrade whose script has no `[[downgrade]]`: record its inverse when it runs.
    pub store_inverse: bool,
    /// A migration written in Rust, and which of its methods to run.
    pub code: Option<(crate::code::CodeScript, Direction)>,
}

/// The marker a SQL script carries (in a comment) to run outside a transaction.
pub const NO_TRANSACTION_MARKER: &str = "migrate:no-transaction";

/// The marker a script carries (in a comment) to say that it does nothing on purpose.
pub const PLACEHOLDER_MARKER: &str = "migrate:placeholder";

/// SHA-256 fingerprints of a script file, hex-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checksum {
    /// Of the normalised text: comments, blank lines, line endings and trailing whitespace do
    /// not count, so only a change to what runs changes it.
    pub normalized: String,
    /// Of the bytes as they are.
    pub raw: String,
}

impl Checksum {
    fn of(text: &str, normalized: &str) -> Checksum {
        Checksum {
            normalized: sha256_hex(normalized.as_bytes()),
            raw: sha256_hex(text.as_bytes()),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    // By table rather than `format!` per byte: a no-op upgrade hashes every applied script,
    // and formatting was half of that work.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

/// The checksum of `file` as it is on disk now, for comparing with the one recorded when it
/// was applied.
///
/// # Errors
/// The file cannot be read or does not split.
pub fn checksum(file: &ScriptFile, dialect: &dyn Dialect) -> Result<Checksum, ScriptError> {
    if let ScriptKind::Code(code) = &file.kind {
        // An interpreted script's text is compared as written; compiled code has no text,
        // and its description stands in for it.
        let text = code.0.source().unwrap_or_else(|| code.0.description());
        return Ok(Checksum::of(text, text));
    }
    let text = read(file)?;
    checksum_of(file, &text, dialect)
}

/// The checksum of `file` unless its bytes are exactly those recorded as `raw` (the common
/// case, decided without normalising the text).
///
/// # Errors
/// As [`checksum`].
pub fn checksum_unless_unchanged(
    file: &ScriptFile,
    dialect: &dyn Dialect,
    raw: Option<&str>,
) -> Result<Option<Checksum>, ScriptError> {
    if let (ScriptKind::Sql { .. } | ScriptKind::Portable, Some(raw)) = (&file.kind, raw) {
        let text = read(file)?;
        if sha256_hex(text.as_bytes()) == raw {
            return Ok(None);
        }
        return checksum_of(file, &text, dialect).map(Some);
    }
    checksum(file, dialect).map(Some)
}

fn checksum_of(
    file: &ScriptFile,
    text: &str,
    dialect: &dyn Dialect,
) -> Result<Checksum, ScriptError> {
    let normalized = match file.kind {
        ScriptKind::Portable => {
            canonical::canonical_toml(text).map_err(|e| ScriptError::Portable {
                path: file.path.clone(),
                line: e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
                message: e.message().trim().to_string(),
                help: None,
            })?
        }
        _ => sql::normalize(text, dialect.lexer()).map_err(|source| ScriptError::Split {
            path: file.path.clone(),
            source,
        })?,
    };
    Ok(Checksum::of(text, &normalized))
}

/// Why a script cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The file cannot be read.
    #[error("cannot read '{path}': {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The SQL does not split (an unclosed quote or comment).
    #[error("{}: {source}", path.display())]
    Split {
        /// The file.
        path: PathBuf,
        /// Where and what.
        source: sql::SplitError,
    },
    /// The portable script is malformed or cannot run here.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Portable {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
        /// The remedy.
        help: Option<String>,
    },
    /// A Python script without the function a step needs (`--preview_py`).
    #[error("{}: no top-level function {name}()", path.display())]
    NoFunction {
        /// The file.
        path: PathBuf,
        /// `upgrade` or `downgrade`.
        name: &'static str,
    },
    /// The version refuses to be downgraded.
    #[error("{}: this version cannot be downgraded: {message}", path.display())]
    Irreversible {
        /// The script.
        path: PathBuf,
        /// The script's reason.
        message: String,
    },
    /// The script controls the transaction in a way that cannot be honoured (`ROLLBACK`,
    /// `SAVEPOINT`, `RELEASE`…).
    #[error(
        "{}:{line}: '{statement}' cannot be honoured in a migration script: migrate runs each version in a transaction of its own",
        path.display()
    )]
    TransactionControl {
        /// The script.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// The statement.
        statement: String,
    },
    /// An interpreted script (Python) that cannot run: it does not parse, or uses what the
    /// interpreter does not support.
    #[error("{}:{line}: {message}", path.display())]
    Interpreted {
        /// The file.
        path: PathBuf,
        /// The 1-based line at fault.
        line: usize,
        /// What is wrong.
        message: String,
        /// The remedy.
        help: Option<String>,
    },
    /// A Python script cannot be run.
    #[error("'{path}' is a Python script; migrate does not execute Python")]
    Python {
        /// The file.
        path: PathBuf,
    },
}

impl ScriptError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            ScriptError::Portable { help, .. } | ScriptError::Interpreted { help, .. } => {
                help.clone()
            }
            ScriptError::Split { source, .. } => source.help(),
            ScriptError::TransactionControl { .. } => Some(
                "remove the statement: a version is applied or rolled back as a whole (on \
                 MySQL/MariaDB each statement commits at once); put work that must be undone \
                 or committed on its own in a version of its own"
                    .into(),
            ),
            ScriptError::Python { .. } => Some(
                "rewrite it as SQL scripts (`migrate script_sql DBMS DESCRIPTION PATH`) \
                 or as a portable .toml script (`migrate script DESCRIPTION PATH`)"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Reads `file` and produces the statements that move `direction` on `dialect`.
///
/// # Errors
/// [`ScriptError`] naming the file (and line) when it cannot be read, split or rendered.
pub fn load(
    file: &ScriptFile,
    dialect: &dyn Dialect,
    direction: Direction,
) -> Result<LoadedScript, ScriptError> {
    match &file.kind {
        ScriptKind::Code(code) => {
            code.0.check()?;
            let checksum = checksum(file, dialect)?;
            Ok(LoadedScript {
                checksum,
                code: Some((code.clone(), direction)),
                ..LoadedScript::default()
            })
        }
        ScriptKind::Python => Err(ScriptError::Python {
            path: file.path.clone(),
        }),
        ScriptKind::Sql { .. } => {
            let text = read(file)?;
            let mut out = LoadedScript {
                checksum: checksum_of(file, &text, dialect)?,
                ..LoadedScript::default()
            };
            push_sql(&mut out, &file.path, &text, 1, dialect)?;
            out.outside_transaction |= text
                .lines()
                .any(|l| l.trim_start().starts_with("--") && l.contains(NO_TRANSACTION_MARKER));
            if out.statements.is_empty() {
                out.warnings
                    .extend(changes_nothing(file, direction, &text, "--"));
            }
            Ok(out)
        }
        ScriptKind::Portable => {
            let text = read(file)?;
            let script = PortableScript::parse(&text, &file.path)?;
            let checksum = checksum_of(file, &text, dialect)?;
            if let (Direction::Downgrade, Some(message)) = (direction, script.irreversible()) {
                return Err(ScriptError::Irreversible {
                    path: file.path.clone(),
                    message: message.to_string(),
                });
            }
            let (operations, invert) = match (direction, script.downgrade()) {
                (Direction::Upgrade, _) => (script.upgrade().to_vec(), false),
                (Direction::Downgrade, Some(ops)) => (ops.to_vec(), false),
                (Direction::Downgrade, None) => (script.upgrade().to_vec(), true),
            };
            precheck::check(&operations, &file.path, dialect)?;
            if invert {
                check_invertible(&operations, &file.path)?;
            }
            let outside_transaction = script.no_transaction();
            let store_inverse = direction == Direction::Upgrade && script.downgrade().is_none();
            let warnings = if operations.is_empty() {
                changes_nothing(file, direction, &text, "#")
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            };
            Ok(LoadedScript {
                warnings,
                checksum,
                operations,
                invert,
                store_inverse,
                outside_transaction,
                ..LoadedScript::default()
            })
        }
    }
}

/// The warning for a script with nothing to run (empty, comments only, the untouched
/// template): recorded like any other version, as sqlalchemy-migrate did, but never
/// silently, unless a `comment` line marks it a placeholder on purpose.
fn changes_nothing(
    file: &ScriptFile,
    direction: Direction,
    text: &str,
    comment: &str,
) -> Option<ScriptWarning> {
    let marked = text
        .lines()
        .any(|l| l.trim_start().starts_with(comment) && l.contains(PLACEHOLDER_MARKER));
    let what = match direction {
        Direction::Upgrade => format!("version {}", file.version),
        Direction::Downgrade => format!("version {}'s downgrade", file.version),
    };
    (!marked).then(|| ScriptWarning {
        path: file.path.clone(),
        line: 1,
        message: format!(
            "{what} changes nothing: the script has no statements (a comment saying \
             `{comment} {PLACEHOLDER_MARKER}` marks a placeholder kept on purpose)"
        ),
    })
}

/// Raw SQL and data statements never have an inverse, nor does adding a constraint the
/// script leaves unnamed (the database names it, so its drop cannot): say so before anything
/// runs, whatever the schema.
fn check_invertible(operations: &[LocatedOperation], path: &Path) -> Result<(), ScriptError> {
    use crate::change::Operation;
    let stuck = operations.iter().find_map(|l| {
        let why = match &l.op {
            Operation::Sql(_)
            | Operation::Insert { .. }
            | Operation::Update { .. }
            | Operation::Delete { .. } => "",
            Operation::AddForeignKey { key, .. } if key.name.is_none() => {
                ": name the foreign key so it can be dropped"
            }
            Operation::AddUnique { constraint, .. } if constraint.name.is_none() => {
                ": name the constraint so it can be dropped"
            }
            Operation::AddCheck { check, .. } if check.name.is_none() => {
                ": name the constraint so it can be dropped"
            }
            _ => return None,
        };
        Some((l, why))
    });
    match stuck {
        None => Ok(()),
        Some((l, why)) => Err(ScriptError::Portable {
            path: path.to_path_buf(),
            line: Some(l.line),
            message: format!(
                "there is no downgrade, and upgrade step {} ({}) cannot be inverted automatically{why}",
                l.step,
                l.op.kind()
            ),
            help: Some("add [[downgrade]] steps that undo the upgrade".into()),
        }),
    }
}

fn read(file: &ScriptFile) -> Result<String, ScriptError> {
    let path = &file.path;
    file.read().map_err(|source| ScriptError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn push_sql(
    out: &mut LoadedScript,
    path: &Path,
    text: &str,
    first_line: usize,
    dialect: &dyn Dialect,
) -> Result<(), ScriptError> {
    let statements = sql::split(text, dialect.lexer()).map_err(|source| ScriptError::Split {
        path: path.to_path_buf(),
        source,
    })?;
    for statement in statements {
        let line = first_line + statement.line - 1;
        match statement.transaction_control() {
            Some(sql::TransactionControl::Redundant) => {
                out.warnings.push(ScriptWarning {
                    path: path.to_path_buf(),
                    line,
                    message: format!(
                        "ignoring '{}': each version already runs in its own transaction",
                        statement.text
                    ),
                });
                continue;
            }
            Some(sql::TransactionControl::Refused) => {
                return Err(ScriptError::TransactionControl {
                    path: path.to_path_buf(),
                    line,
                    statement: statement.text.to_string(),
                });
            }
            None => {}
        }
        out.outside_transaction |= dialect.needs_autocommit(statement.text);
        out.statements.push(PlannedStatement {
            sql: statement.text.to_string(),
            line,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sha256_hex;

    #[test]
    fn sha256_hex_is_the_standard_lowercase_digest() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
