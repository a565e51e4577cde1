//! Deriving a downgrade: each operation's inverse, computed against the schema just before
//! it, in reverse order. Drops are inverted from what the dropped table or column was (so the
//! structure comes back, not the data); raw SQL and data statements have no inverse.

use super::Operation;
use crate::schema::{ModelError, Schema};

/// An operation that cannot be inverted automatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvertError {
    /// Raw SQL, data statements, or an unnamed constraint.
    #[error("operation {index} ({op}) cannot be inverted automatically{reason}")]
    NoInverse {
        /// 1-based position in the upgrade.
        index: usize,
        /// What it is.
        op: String,
        /// Why, when there is more to say.
        reason: String,
    },
    /// The operation does not fit the schema before it.
    #[error("operation {index} ({op}): {source}")]
    Model {
        /// 1-based position.
        index: usize,
        /// What it is.
        op: String,
        /// What is wrong.
        source: ModelError,
    },
}

/// The operations that undo `ops`, given the schema before the first of them.
///
/// # Errors
/// [`InvertError`] naming the first operation that has no inverse or does not fit.
pub fn invert_all(ops: &[Operation], before: &Schema) -> Result<Vec<Operation>, InvertError> {
    let mut schema = before.clone();
    let mut inverse = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let index = i + 1;
        let mut undo = invert(op, &schema).map_err(|reason| InvertError::NoInverse {
            index,
            op: op.to_string(),
            reason,
        })?;
        schema.apply(op).map_err(|source| InvertError::Model {
            index,
            op: op.to_string(),
            source,
        })?;
        undo.reverse();
        inverse.extend(undo);
    }
    inverse.reverse();
    Ok(inverse)
}

/// One operation's inverse, in the order to run it.
fn invert(op: &Operation, before: &Schema) -> Result<Vec<Operation>, String> {
    let table = |name: &str| {
        before
            .table(name)
            .ok_or_else(|| format!(": table '{name}' is not known before it"))
    };
    Ok(match op {
        Operation::CreateTable(t) => vec![Operation::DropTable {
            name: t.name.clone(),
        }],
        Operation::DropTable { name } => vec![Operation::CreateTable(table(name)?.clone())],
        Operation::RenameTable { from, to } => vec![Operation::RenameTable {
            from: to.clone(),
            to: from.clone(),
        }],
        Operation::AddColumn { table, column } => {
            vec![Operation::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
            }]
        }
        Operation::DropColumn {
            table: name,
            column,
        } => restore_column(table(name)?, column)?,
        Operation::AlterColumn {
            table: name,
            column,
            change,
        } => {
            let t = table(name)?;
            let from = t
                .column(column)
                .ok_or_else(|| format!(": column '{column}' is not known"))?;
            let renamed = change.name.clone().unwrap_or_else(|| column.clone());
            vec![Operation::AlterColumn {
                table: name.clone(),
                column: renamed,
                change: change.reverse(from),
            }]
        }
        Operation::CreateIndex { table, index } => {
            vec![Operation::DropIndex {
                table: table.clone(),
                name: index.name.clone(),
            }]
        }
        Operation::DropIndex {
            table: name,
            name: index,
        } => {
            let t = table(name)?;
            match (
                t.index(index),
                t.uniques.iter().find(|u| u.name.as_ref() == Some(index)),
            ) {
                (Some(i), _) => vec![Operation::CreateIndex {
                    table: name.clone(),
                    index: i.clone(),
                }],
                (None, Some(u)) => vec![Operation::AddUnique {
                    table: name.clone(),
                    constraint: u.clone(),
                }],
                (None, None) => return Err(format!(": index '{index}' is not known")),
            }
        }
        Operation::RenameIndex { table, from, to } => {
            vec![Operation::RenameIndex {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            }]
        }
        Operation::AddPrimaryKey { table, .. } => vec![Operation::DropPrimaryKey {
            table: table.clone(),
        }],
        Operation::DropPrimaryKey { table: name } => {
            let key = table(name)?
                .primary_key
                .clone()
                .ok_or(": the table has no primary key")?;
            vec![Operation::AddPrimaryKey {
                table: name.clone(),
                key,
            }]
        }
        Operation::AddForeignKey { table, key } => {
            let name = key
                .name
                .clone()
                .ok_or(": name the foreign key so it can be dropped")?;
            vec![Operation::DropForeignKey {
                table: table.clone(),
                name,
            }]
        }
        Operation::DropForeignKey {
            table: name,
            name: fk,
        } => {
            let key = table(name)?
                .foreign_key(fk)
                .ok_or_else(|| format!(": foreign key '{fk}' is not known"))?;
            vec![Operation::AddForeignKey {
                table: name.clone(),
                key: key.clone(),
            }]
        }
        Operation::AddUnique { table, constraint } => {
            let name = constraint
                .name
                .clone()
                .ok_or(": name the constraint so it can be dropped")?;
            vec![Operation::DropUnique {
                table: table.clone(),
                name,
            }]
        }
        Operation::DropUnique {
            table: name,
            name: u,
        } => {
            let t = table(name)?;
            match (
                t.uniques.iter().find(|c| c.name.as_deref() == Some(u)),
                t.index(u),
            ) {
                (Some(c), _) => vec![Operation::AddUnique {
                    table: name.clone(),
                    constraint: c.clone(),
                }],
                (None, Some(i)) => vec![Operation::CreateIndex {
                    table: name.clone(),
                    index: i.clone(),
                }],
                (None, None) => return Err(format!(": unique constraint '{u}' is not known")),
            }
        }
        Operation::AddCheck { table, check } => {
            let name = check
                .name
                .clone()
                .ok_or(": name the constraint so it can be dropped")?;
            vec![Operation::DropCheck {
                table: table.clone(),
                name,
            }]
        }
        Operation::DropCheck {
            table: name,
            name: c,
        } => {
            let k = table(name)?
                .checks
                .iter()
                .find(|k| k.name.as_deref() == Some(c));
            let k = k.ok_or_else(|| format!(": check constraint '{c}' is not known"))?;
            vec![Operation::AddCheck {
                table: name.clone(),
                check: k.clone(),
            }]
        }
        Operation::Sql(_)
        | Operation::Insert { .. }
        | Operation::Update { .. }
        | Operation::Delete { .. } => {
            return Err(": write the [[downgrade]] steps that undo it".into());
        }
    })
}

/// Brings back a dropped column with the indexes and constraints that went with it.
fn restore_column(t: &crate::schema::Table, column: &str) -> Result<Vec<Operation>, String> {
    let c = t
        .column(column)
        .ok_or_else(|| format!(": column '{column}' is not known"))?;
    let uses = |cols: &Vec<String>| cols.iter().any(|x| x == column);
    let table = t.name.clone();
    let mut ops = vec![Operation::AddColumn {
        table: table.clone(),
        column: c.clone(),
    }];
    for i in t.indexes.iter().filter(|i| uses(&i.columns)) {
        ops.push(Operation::CreateIndex {
            table: table.clone(),
            index: i.clone(),
        });
    }
    for u in t.uniques.iter().filter(|u| uses(&u.columns)) {
        ops.push(Operation::AddUnique {
            table: table.clone(),
            constraint: u.clone(),
        });
    }
    for fk in t.foreign_keys.iter().filter(|f| uses(&f.columns)) {
        ops.push(Operation::AddForeignKey {
            table: table.clone(),
            key: fk.clone(),
        });
    }
    Ok(ops)
}
