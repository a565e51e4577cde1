//! Folding operations into a schema: replay (the schema at any version without a database)
//! and the checks that catch a script's mistakes before any SQL runs — a column that does not
//! exist, a name used twice.

use super::{Schema, Table};
use crate::change::Operation;

/// An operation that does not fit the schema it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

fn missing(what: &str, name: &str, table: &str) -> ModelError {
    ModelError(format!("{what} '{name}' does not exist in table '{table}'"))
}

impl Schema {
    /// Applies `op`, checking that what it names exists and what it creates does not.
    ///
    /// # Errors
    /// [`ModelError`] saying what is missing or duplicated.
    pub fn apply(&mut self, op: &Operation) -> Result<(), ModelError> {
        match op {
            Operation::CreateTable(table) => {
                if self.table(&table.name).is_some() {
                    return Err(ModelError(format!("table '{}' already exists", table.name)));
                }
                check_table(table)?;
                self.tables.push(table.clone());
            }
            Operation::DropTable { name } => {
                self.need(name)?;
                self.tables.retain(|t| &t.name != name);
            }
            Operation::RenameTable { from, to } => {
                if self.table(to).is_some() {
                    return Err(ModelError(format!("table '{to}' already exists")));
                }
                self.need_mut(from)?.name = to.clone();
                for t in &mut self.tables {
                    for fk in &mut t.foreign_keys {
                        if &fk.ref_table == from {
                            fk.ref_table = to.clone();
                        }
                    }
                }
            }
            Operation::Sql(_)
            | Operation::Insert { .. }
            | Operation::Update { .. }
            | Operation::Delete { .. } => {}
            _ => self.apply_to_table(op)?,
        }
        Ok(())
    }

    fn need(&self, name: &str) -> Result<&Table, ModelError> {
        self.table(name)
            .ok_or_else(|| ModelError(format!("table '{name}' does not exist")))
    }

    fn need_mut(&mut self, name: &str) -> Result<&mut Table, ModelError> {
        self.table_mut(name)
            .ok_or_else(|| ModelError(format!("table '{name}' does not exist")))
    }

    fn apply_to_table(&mut self, op: &Operation) -> Result<(), ModelError> {
        let name = op.table().unwrap_or_default().to_string();
        let t = self.need_mut(&name)?;
        match op {
            Operation::AddColumn { column, .. } => {
                if t.column(&column.name).is_some() {
                    return Err(ModelError(format!(
                        "column '{}' already exists in table '{name}'",
                        column.name
                    )));
                }
                check_default(&name, column)?;
                t.columns.push(column.clone());
            }
            Operation::DropColumn { column, .. } => {
                t.column(column)
                    .ok_or_else(|| missing("column", column, &name))?;
                drop_column(t, column);
            }
            Operation::AlterColumn { column, change, .. } => {
                let pos = t
                    .columns
                    .iter()
                    .position(|c| &c.name == column)
                    .ok_or_else(|| missing("column", column, &name))?;
                let new = change.applied_to(&t.columns[pos]);
                check_default(&name, &new)?;
                if new.name != *column && t.column(&new.name).is_some() {
                    return Err(ModelError(format!(
                        "column '{}' already exists in table '{name}'",
                        new.name
                    )));
                }
                rename_column(t, column, &new.name);
                t.columns[pos] = new;
            }
            Operation::CreateIndex { index, .. } => {
                if t.index(&index.name).is_some() {
                    return Err(ModelError(format!(
                        "index '{}' already exists on table '{name}'",
                        index.name
                    )));
                }
                check_columns(t, &index.columns)?;
                t.indexes.push(index.clone());
            }
            Operation::DropIndex { name: index, .. } => {
                // MySQL reports a unique index as a unique constraint: they are one object.
                let (indexes, uniques) = (t.indexes.len(), t.uniques.len());
                t.indexes.retain(|i| &i.name != index);
                if indexes == t.indexes.len() {
                    t.uniques.retain(|u| u.name.as_ref() != Some(index));
                    if uniques == t.uniques.len() {
                        return Err(missing("index", index, &name));
                    }
                }
            }
            Operation::RenameIndex { from, to, .. } => {
                if t.index(to).is_some() {
                    return Err(ModelError(format!(
                        "index '{to}' already exists on table '{name}'"
                    )));
                }
                if let Some(index) = t.indexes.iter_mut().find(|i| &i.name == from) {
                    index.name = to.clone();
                } else if let Some(u) = t.uniques.iter_mut().find(|u| u.name.as_ref() == Some(from))
                {
                    u.name = Some(to.clone());
                } else {
                    return Err(missing("index", from, &name));
                }
            }
            Operation::AddPrimaryKey { key, .. } => {
                if t.primary_key.is_some() {
                    return Err(ModelError(format!(
                        "table '{name}' already has a primary key"
                    )));
                }
                check_columns(t, &key.columns)?;
                t.primary_key = Some(key.clone());
            }
            Operation::DropPrimaryKey { .. } => {
                t.primary_key
                    .take()
                    .ok_or_else(|| ModelError(format!("table '{name}' has no primary key")))?;
            }
            Operation::AddForeignKey { key, .. } => {
                check_columns(t, &key.columns)?;
                if key
                    .name
                    .as_ref()
                    .is_some_and(|n| t.foreign_key(n).is_some())
                {
                    return Err(ModelError(format!(
                        "foreign key '{}' already exists",
                        key.name.as_deref().unwrap_or("")
                    )));
                }
                t.foreign_keys.push(key.clone());
            }
            Operation::DropForeignKey { name: fk, .. } => {
                t.foreign_key(fk)
                    .ok_or_else(|| missing("foreign key", fk, &name))?;
                t.foreign_keys.retain(|f| f.name.as_deref() != Some(fk));
            }
            Operation::AddUnique { constraint, .. } => {
                check_columns(t, &constraint.columns)?;
                t.uniques.push(constraint.clone());
            }
            Operation::DropUnique { name: u, .. } => {
                let (uniques, indexes) = (t.uniques.len(), t.indexes.len());
                t.uniques.retain(|c| c.name.as_deref() != Some(u));
                if uniques == t.uniques.len() {
                    t.indexes.retain(|i| !(i.unique && &i.name == u));
                    if indexes == t.indexes.len() {
                        return Err(missing("unique constraint", u, &name));
                    }
                }
            }
            Operation::AddCheck { check, .. } => t.checks.push(check.clone()),
            Operation::DropCheck { name: c, .. } => {
                let before = t.checks.len();
                t.checks.retain(|k| k.name.as_deref() != Some(c));
                if before == t.checks.len() {
                    return Err(missing("check constraint", c, &name));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A default that cannot belong to the column's type (text for a number, a number for a
/// boolean) is refused here rather than by the database, with the column named.
fn check_default(table: &str, c: &super::Column) -> Result<(), ModelError> {
    use super::{ColumnType, DefaultValue};
    let Some(default) = &c.default else {
        return Ok(());
    };
    let numeric = matches!(
        c.ty,
        ColumnType::Integer { .. }
            | ColumnType::BigInteger { .. }
            | ColumnType::SmallInteger { .. }
            | ColumnType::Float
            | ColumnType::Numeric { .. }
    );
    let fits = match default {
        DefaultValue::Expression(_) => true,
        DefaultValue::Bool(_) => matches!(c.ty, ColumnType::Boolean | ColumnType::Custom(_)),
        DefaultValue::Number(_) => {
            numeric || matches!(c.ty, ColumnType::Boolean | ColumnType::Custom(_))
        }
        DefaultValue::Text(t) => !numeric || t.trim().parse::<f64>().is_ok(),
    };
    if fits {
        return Ok(());
    }
    let shown = match default {
        DefaultValue::Text(t) => format!("'{t}'"),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Expression(e) => e.clone(),
    };
    Err(ModelError(format!(
        "invalid default {shown} for column '{}' of table '{table}', whose type is {}",
        c.name, c.ty
    )))
}

fn check_table(table: &Table) -> Result<(), ModelError> {
    let mut seen = std::collections::BTreeSet::new();
    for c in &table.columns {
        check_default(&table.name, c)?;
        if !seen.insert(c.name.as_str()) {
            return Err(ModelError(format!(
                "column '{}' appears twice in table '{}'",
                c.name, table.name
            )));
        }
        if c.autoincrement && !c.ty.is_integer() {
            return Err(ModelError(format!(
                "column '{}' is autoincrement but its type {} is not an integer",
                c.name, c.ty
            )));
        }
    }
    if let Some(pk) = &table.primary_key {
        check_columns(table, &pk.columns)?;
    }
    for i in &table.indexes {
        check_columns(table, &i.columns)?;
    }
    for fk in &table.foreign_keys {
        check_columns(table, &fk.columns)?;
    }
    for u in &table.uniques {
        check_columns(table, &u.columns)?;
    }
    Ok(())
}

fn check_columns(table: &Table, columns: &[String]) -> Result<(), ModelError> {
    if columns.is_empty() {
        return Err(ModelError(format!(
            "no columns given for a key or index of table '{}'",
            table.name
        )));
    }
    match columns.iter().find(|c| table.column(c).is_none()) {
        Some(c) => Err(missing("column", c, &table.name)),
        None => Ok(()),
    }
}

/// Removes a column and everything on the table that used it, as databases do.
fn drop_column(t: &mut Table, column: &str) {
    let uses = |cols: &Vec<String>| cols.iter().any(|c| c == column);
    t.columns.retain(|c| c.name != column);
    t.indexes.retain(|i| !uses(&i.columns));
    t.uniques.retain(|u| !uses(&u.columns));
    t.foreign_keys.retain(|f| !uses(&f.columns));
    if t.primary_key.as_ref().is_some_and(|pk| uses(&pk.columns)) {
        t.primary_key = None;
    }
}

fn rename_column(t: &mut Table, from: &str, to: &str) {
    if from == to {
        return;
    }
    let rename = |cols: &mut Vec<String>| {
        cols.iter_mut()
            .filter(|c| *c == from)
            .for_each(|c| *c = to.to_string())
    };
    t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
    t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
    t.foreign_keys
        .iter_mut()
        .for_each(|f| rename(&mut f.columns));
    if let Some(pk) = &mut t.primary_key {
        rename(&mut pk.columns);
    }
}
