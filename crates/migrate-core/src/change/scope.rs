//! The part of a live schema a list of operations needs before it can be rendered, applied
//! and inverted (issue 15): the tables the operations name, and whether the tables that
//! point at them must be known too. Dialects read that much and nothing else
//! ([`Dialect::reflect_scope`](crate::dialect::Dialect::reflect_scope)), so a step costs the
//! same on a database of two tables as on one of thousands.

use std::collections::BTreeSet;

use super::Operation;

/// What a step reads of the live schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    tables: BTreeSet<String>,
    referencing: bool,
    drops_columns: bool,
}

impl Scope {
    /// The scope of `ops`, run in order.
    pub fn of<'a>(ops: impl IntoIterator<Item = &'a Operation>) -> Scope {
        let mut scope = Scope::default();
        for op in ops {
            scope.add(op);
        }
        scope
    }

    fn add(&mut self, op: &Operation) {
        if let Some(table) = op.table() {
            self.tables.insert(table.to_string());
        }
        match op {
            // A table created or renamed into a name must be seen if it already exists, so
            // that the step fails as it would against the whole schema.
            Operation::RenameTable { to, .. } => {
                self.tables.insert(to.clone());
            }
            Operation::CreateTable(t) => {
                self.tables
                    .extend(t.foreign_keys.iter().map(|fk| fk.ref_table.clone()));
            }
            Operation::AddForeignKey { key, .. } => {
                self.tables.insert(key.ref_table.clone());
            }
            _ => {}
        }
        // Dropping or renaming a table other tables' foreign keys point at is rendered (MySQL
        // drops those keys first) and applied (a rename follows into the keys) from those
        // tables' definitions. Only these operations pay for finding them: on MariaDB that
        // query opens every table of the database.
        match op {
            Operation::DropTable { .. } | Operation::RenameTable { .. } => self.referencing = true,
            Operation::DropColumn { .. } => self.drops_columns = true,
            _ => {}
        }
    }

    /// The tables the operations name (their own, a rename's new name, the tables their
    /// foreign keys reference).
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(String::as_str)
    }

    /// Whether the tables whose foreign keys reference [`Scope::tables`] are needed too.
    pub fn needs_referencing(&self) -> bool {
        self.referencing
    }

    /// Whether a column is dropped: a dialect that drops one differently when another table
    /// references it (SQLite) needs the referencing tables then too.
    pub fn drops_columns(&self) -> bool {
        self.drops_columns
    }

    /// Whether no table is needed at all (raw SQL only).
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType, ForeignKey};

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            ty: ColumnType::Integer { unsigned: false },
            nullable: true,
            default: None,
            autoincrement: false,
        }
    }

    #[test]
    fn a_step_names_its_tables_and_the_targets_of_its_keys() {
        let ops = [
            Operation::AddColumn {
                table: "items".into(),
                column: column("owner_id"),
            },
            Operation::AddForeignKey {
                table: "items".into(),
                key: ForeignKey {
                    name: Some("fk".into()),
                    columns: vec!["owner_id".into()],
                    ref_table: "owners".into(),
                    ref_columns: vec!["id".into()],
                    on_delete: None,
                    on_update: None,
                },
            },
        ];
        let scope = Scope::of(&ops);
        assert_eq!(scope.tables().collect::<Vec<_>>(), ["items", "owners"]);
        assert!(!scope.needs_referencing());
    }

    #[test]
    fn table_drops_and_renames_need_the_tables_pointing_at_them() {
        let rename = Operation::RenameTable {
            from: "a".into(),
            to: "b".into(),
        };
        let scope = Scope::of([&rename]);
        assert_eq!(scope.tables().collect::<Vec<_>>(), ["a", "b"]);
        assert!(scope.needs_referencing());
        let drop = Operation::DropColumn {
            table: "a".into(),
            column: "c".into(),
        };
        let scope = Scope::of([&drop]);
        assert!(!scope.needs_referencing() && scope.drops_columns());
        assert!(Scope::of([&Operation::Sql(Default::default())]).is_empty());
    }
}
