//! The schema model: tables, columns with portable types, keys, indexes, constraints and
//! table options, as one value that reflection produces, operations change, and dialects
//! render. Nothing here knows SQL syntax or talks to a database.

mod apply;
mod build;
mod diff;
pub mod naming;
pub mod normalize;
mod types;

use std::collections::BTreeMap;

pub use apply::ModelError;
pub use diff::{diff, rename_candidates};
pub use types::{ColumnType, TypeError};

/// A whole schema: its tables in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// The tables.
    pub tables: Vec<Table>,
    /// Triggers and views, kept as the database's own SQL so a table rebuild can restore them.
    #[serde(default)]
    pub dependents: Vec<Dependent>,
}

/// A trigger or view, as its `CREATE` statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dependent {
    /// `trigger` or `view`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The table it is on (triggers) or the table whose name it mentions (views).
    pub table: String,
    /// The `CREATE` statement.
    pub sql: String,
}

impl Schema {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The table named `name`, to change it.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name == name)
    }

    /// Foreign keys of other tables (or this one) that reference `table`, as (table, key).
    pub fn references_to(&self, table: &str) -> Vec<(&Table, &ForeignKey)> {
        self.tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
            .filter(|(_, fk)| fk.ref_table == table)
            .collect()
    }
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// The primary key.
    pub primary_key: Option<PrimaryKey>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints.
    pub uniques: Vec<Unique>,
    /// Check constraints.
    pub checks: Vec<Check>,
    /// Indexes (not those backing the primary key or unique constraints).
    pub indexes: Vec<Index>,
    /// Table options (`mysql_engine`, `mysql_charset`, `mysql_collate`).
    pub options: BTreeMap<String, String>,
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The foreign key named `name`.
    pub fn foreign_key(&self, name: &str) -> Option<&ForeignKey> {
        self.foreign_keys
            .iter()
            .find(|f| f.name.as_deref() == Some(name))
    }

    /// Whether `column` is part of the primary key.
    pub fn in_primary_key(&self, column: &str) -> bool {
        self.primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its portable type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// The server default.
    pub default: Option<DefaultValue>,
    /// Whether the database numbers it (AUTO_INCREMENT, SERIAL, AUTOINCREMENT).
    pub autoincrement: bool,
}

/// A column's server default.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultValue {
    /// A string literal.
    Text(String),
    /// A number, as written.
    Number(String),
    /// A boolean.
    Bool(bool),
    /// A SQL expression such as `CURRENT_TIMESTAMP`, used as is.
    Expression(String),
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrimaryKey {
    /// Constraint name, where the database keeps one.
    pub name: Option<String>,
    /// Columns in order.
    pub columns: Vec<String>,
}

/// What a foreign key does when the referenced row goes or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FkAction {
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    #[serde(alias = "SET NULL")]
    SetNull,
    /// `SET DEFAULT`.
    #[serde(alias = "SET DEFAULT")]
    SetDefault,
    /// `RESTRICT`.
    Restrict,
    /// `NO ACTION`.
    #[serde(alias = "NO ACTION")]
    NoAction,
}

impl FkAction {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    /// Constraint name (the database makes one up when absent).
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: Option<FkAction>,
    /// `ON UPDATE`.
    pub on_update: Option<FkAction>,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unique {
    /// Constraint name.
    pub name: Option<String>,
    /// Columns in order.
    pub columns: Vec<String>,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    /// Constraint name.
    pub name: Option<String>,
    /// The SQL expression.
    pub expression: String,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}
