//! Builders, so schema values read in Rust code the way the seeds' SQLAlchemy tables do:
//!
//! ```
//! use migrate_core::schema::{Column, ColumnType, Table};
//!
//! let books = Table::new("books")
//!     .with_column(Column::new("id", ColumnType::BigInteger { unsigned: true }).autoincrement())
//!     .with_column(Column::new("title", ColumnType::Text).not_null())
//!     .with_column(Column::new("author", ColumnType::String(Some(64))).not_null())
//!     .with_primary_key(&["id"])
//!     .with_option("mysql_engine", "InnoDB");
//! assert_eq!(books.columns.len(), 3);
//! ```

use super::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique,
};

impl Column {
    /// A nullable column without default.
    pub fn new(name: &str, ty: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            ty,
            nullable: true,
            default: None,
            autoincrement: false,
        }
    }

    /// `NOT NULL`.
    pub fn not_null(mut self) -> Column {
        self.nullable = false;
        self
    }

    /// A server default.
    pub fn default_value(mut self, value: DefaultValue) -> Column {
        self.default = Some(value);
        self
    }

    /// Numbered by the database (and so `NOT NULL`).
    pub fn autoincrement(mut self) -> Column {
        self.autoincrement = true;
        self.nullable = false;
        self
    }
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

impl Table {
    /// An empty table.
    pub fn new(name: &str) -> Table {
        Table {
            name: name.to_string(),
            ..Table::default()
        }
    }

    /// Adds a column.
    pub fn with_column(mut self, column: Column) -> Table {
        self.columns.push(column);
        self
    }

    /// Sets the primary key (its columns become `NOT NULL`).
    pub fn with_primary_key(mut self, columns: &[&str]) -> Table {
        for c in self
            .columns
            .iter_mut()
            .filter(|c| columns.contains(&c.name.as_str()))
        {
            c.nullable = false;
        }
        self.primary_key = Some(PrimaryKey {
            name: None,
            columns: names(columns),
        });
        self
    }

    /// Adds an index.
    pub fn with_index(mut self, name: &str, columns: &[&str], unique: bool) -> Table {
        self.indexes.push(Index {
            name: name.to_string(),
            columns: names(columns),
            unique,
        });
        self
    }

    /// Adds a named unique constraint.
    pub fn with_unique(mut self, name: &str, columns: &[&str]) -> Table {
        self.uniques.push(Unique {
            name: Some(name.to_string()),
            columns: names(columns),
        });
        self
    }

    /// Adds a named check constraint.
    pub fn with_check(mut self, name: &str, expression: &str) -> Table {
        self.checks.push(Check {
            name: Some(name.to_string()),
            expression: expression.to_string(),
        });
        self
    }

    /// Adds a named foreign key from `columns` to `ref_table (ref_columns)`.
    pub fn with_foreign_key(
        mut self,
        name: &str,
        columns: &[&str],
        ref_table: &str,
        ref_columns: &[&str],
        on_delete: Option<FkAction>,
    ) -> Table {
        self.foreign_keys.push(ForeignKey {
            name: Some(name.to_string()),
            columns: names(columns),
            ref_table: ref_table.to_string(),
            ref_columns: names(ref_columns),
            on_delete,
            on_update: None,
        });
        self
    }

    /// Sets a table option (`mysql_engine`, `mysql_charset`, `mysql_collate`).
    pub fn with_option(mut self, key: &str, value: &str) -> Table {
        self.options.insert(key.to_string(), value.to_string());
        self
    }
}
