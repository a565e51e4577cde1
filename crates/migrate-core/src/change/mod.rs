//! Schema operations: the one vocabulary portable scripts, the Rust API, inversion and the
//! dialect renderers share (design.md §4).
//!
//! Operations are resolved and atomic: a column's inline `unique`, `index` or `references`
//! become operations of their own when a script is read. What an operation needs to know
//! about the schema before it (MySQL's full column spec, SQLite's table rebuild, the inverse
//! of a drop) comes from the schema context it is rendered or inverted against.

pub mod encoding;
mod invert;
mod names;
pub mod random;
mod scope;

use std::collections::BTreeMap;
use std::fmt;

pub use invert::{InvertError, invert_all};
pub use scope::Scope;

use crate::schema::{
    Check, Column, ColumnType, DefaultValue, ForeignKey, Index, PrimaryKey, Table, Unique,
};

/// The changes `alter_column` makes; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnChange {
    /// New name.
    pub name: Option<String>,
    /// New type.
    pub ty: Option<ColumnType>,
    /// New nullability.
    pub nullable: Option<bool>,
    /// New default (`Some(None)` drops it). Absent from JSON when `None`, `null` when
    /// `Some(None)`, so the journal keeps "drop it" and "leave it" apart.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "encoding::double_option"
    )]
    pub default: Option<Option<DefaultValue>>,
    /// New autoincrement.
    pub autoincrement: Option<bool>,
}

impl ColumnChange {
    /// `column` with these changes made.
    pub fn applied_to(&self, column: &Column) -> Column {
        Column {
            name: self.name.clone().unwrap_or_else(|| column.name.clone()),
            ty: self.ty.clone().unwrap_or_else(|| column.ty.clone()),
            nullable: self.nullable.unwrap_or(column.nullable),
            default: self
                .default
                .clone()
                .unwrap_or_else(|| column.default.clone()),
            autoincrement: self.autoincrement.unwrap_or(column.autoincrement),
        }
    }

    /// The change that turns `to` back into `from`, for the fields this change touches.
    pub fn reverse(&self, from: &Column) -> ColumnChange {
        ColumnChange {
            name: self.name.as_ref().map(|_| from.name.clone()),
            ty: self.ty.as_ref().map(|_| from.ty.clone()),
            nullable: self.nullable.map(|_| from.nullable),
            default: self.default.as_ref().map(|_| from.default.clone()),
            autoincrement: self.autoincrement.map(|_| from.autoincrement),
        }
    }
}

/// A value in a data statement.
pub type Literal = Option<DefaultValue>;

/// One schema or data change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE` with its keys, constraints, indexes and options.
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        name: String,
    },
    /// Renames a table.
    RenameTable {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Adds a column.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: Column,
    },
    /// Drops a column (and the indexes and constraints that use it).
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Changes a column's name, type, nullability, default or autoincrement.
    AlterColumn {
        /// The table.
        table: String,
        /// The column's current name.
        column: String,
        /// What changes.
        change: ColumnChange,
    },
    /// Creates an index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drops an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// Renames an index.
    RenameIndex {
        /// The table.
        table: String,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Adds a primary key.
    AddPrimaryKey {
        /// The table.
        table: String,
        /// The key.
        key: PrimaryKey,
    },
    /// Drops the primary key.
    DropPrimaryKey {
        /// The table.
        table: String,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        key: ForeignKey,
    },
    /// Drops a foreign key.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key's name.
        name: String,
    },
    /// Adds a unique constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        constraint: Unique,
    },
    /// Drops a unique constraint.
    DropUnique {
        /// The table.
        table: String,
        /// Its name.
        name: String,
    },
    /// Adds a check constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: Check,
    },
    /// Drops a check constraint.
    DropCheck {
        /// The table.
        table: String,
        /// Its name.
        name: String,
    },
    /// Raw SQL: one text for all databases (`default`) or one per database.
    Sql(BTreeMap<String, String>),
    /// Inserts rows.
    Insert {
        /// The table.
        table: String,
        /// The rows, column → value.
        rows: Vec<BTreeMap<String, Literal>>,
    },
    /// Updates rows.
    Update {
        /// The table.
        table: String,
        /// Column → new value.
        set: BTreeMap<String, Literal>,
        /// A SQL condition (all rows when absent).
        filter: Option<String>,
    },
    /// Deletes rows.
    Delete {
        /// The table.
        table: String,
        /// A SQL condition (all rows when absent).
        filter: Option<String>,
    },
}

impl Operation {
    /// The operation's kind as scripts name it (`add_column`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::CreateTable(_) => "create_table",
            Operation::DropTable { .. } => "drop_table",
            Operation::RenameTable { .. } => "rename_table",
            Operation::AddColumn { .. } => "add_column",
            Operation::DropColumn { .. } => "drop_column",
            Operation::AlterColumn { .. } => "alter_column",
            Operation::CreateIndex { .. } => "create_index",
            Operation::DropIndex { .. } => "drop_index",
            Operation::RenameIndex { .. } => "rename_index",
            Operation::AddPrimaryKey { .. } => "add_primary_key",
            Operation::DropPrimaryKey { .. } => "drop_primary_key",
            Operation::AddForeignKey { .. } => "add_foreign_key",
            Operation::DropForeignKey { .. } => "drop_foreign_key",
            Operation::AddUnique { .. } => "add_unique",
            Operation::DropUnique { .. } => "drop_unique",
            Operation::AddCheck { .. } => "add_check",
            Operation::DropCheck { .. } => "drop_check",
            Operation::Sql(_) => "sql",
            Operation::Insert { .. } => "insert",
            Operation::Update { .. } => "update",
            Operation::Delete { .. } => "delete",
        }
    }

    /// The table the operation changes, if it is about one.
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::CreateTable(t) => Some(&t.name),
            Operation::DropTable { name } => Some(name),
            Operation::RenameTable { from, .. } => Some(from),
            Operation::Sql(_) => None,
            Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::CreateIndex { table, .. }
            | Operation::DropIndex { table, .. }
            | Operation::RenameIndex { table, .. }
            | Operation::AddPrimaryKey { table, .. }
            | Operation::DropPrimaryKey { table }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. }
            | Operation::AddUnique { table, .. }
            | Operation::DropUnique { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropCheck { table, .. }
            | Operation::Insert { table, .. }
            | Operation::Update { table, .. }
            | Operation::Delete { table, .. } => Some(table),
        }
    }

    /// Whether undoing it loses data (its inverse cannot bring rows or values back).
    pub fn is_lossy(&self) -> bool {
        matches!(
            self,
            Operation::DropTable { .. } | Operation::DropColumn { .. }
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind(), self.table()) {
            (kind, Some(table)) => write!(f, "{kind} on '{table}'"),
            (kind, None) => f.write_str(kind),
        }
    }
}
