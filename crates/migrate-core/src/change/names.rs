//! The names an operation gives or uses, for checking them against a database's limits
//! before anything runs.

use super::Operation;
use crate::schema::Table;

impl Operation {
    /// Every name the operation gives or uses (tables, columns, indexes, constraints), with
    /// what it names: what must fit the database's identifier limit.
    pub fn names(&self) -> Vec<(&'static str, &str)> {
        let op = self;
        let mut out = Vec::new();
        if let Some(table) = op.table() {
            out.push(("table", table));
        }
        match op {
            Operation::CreateTable(t) => table_names(t, &mut out),
            Operation::RenameTable { to, .. } => out.push(("table", to)),
            Operation::AddColumn { column, .. } => out.push(("column", &column.name)),
            Operation::DropColumn { column, .. } => out.push(("column", column)),
            Operation::AlterColumn { column, change, .. } => {
                out.push(("column", column));
                out.extend(change.name.as_deref().map(|n| ("column", n)));
            }
            Operation::CreateIndex { index, .. } => {
                out.push(("index", &index.name));
                out.extend(index.columns.iter().map(|c| ("column", c.as_str())));
            }
            Operation::DropIndex { name, .. } => out.push(("index", name)),
            Operation::RenameIndex { from, to, .. } => {
                out.extend([("index", from.as_str()), ("index", to.as_str())]);
            }
            Operation::AddPrimaryKey { key, .. } => {
                out.extend(key.name.as_deref().map(|n| ("primary key", n)));
                out.extend(key.columns.iter().map(|c| ("column", c.as_str())));
            }
            Operation::AddForeignKey { key, .. } => {
                out.extend(key.name.as_deref().map(|n| ("foreign key", n)));
                out.push(("table", &key.ref_table));
                out.extend(
                    key.columns
                        .iter()
                        .chain(&key.ref_columns)
                        .map(|c| ("column", c.as_str())),
                );
            }
            Operation::DropForeignKey { name, .. } => out.push(("foreign key", name)),
            Operation::AddUnique { constraint, .. } => {
                out.extend(constraint.name.as_deref().map(|n| ("unique constraint", n)));
                out.extend(constraint.columns.iter().map(|c| ("column", c.as_str())));
            }
            Operation::DropUnique { name, .. } => out.push(("unique constraint", name)),
            Operation::AddCheck { check, .. } => {
                out.extend(check.name.as_deref().map(|n| ("check constraint", n)));
            }
            Operation::DropCheck { name, .. } => out.push(("check constraint", name)),
            Operation::Insert { rows, .. } => {
                out.extend(
                    rows.iter()
                        .flat_map(|r| r.keys().map(|c| ("column", c.as_str()))),
                );
            }
            Operation::Update { set, .. } => out.extend(set.keys().map(|c| ("column", c.as_str()))),
            _ => {}
        }
        out
    }
}

fn table_names<'a>(t: &'a Table, out: &mut Vec<(&'static str, &'a str)>) {
    out.extend(t.columns.iter().map(|c| ("column", c.name.as_str())));
    out.extend(
        t.primary_key
            .iter()
            .filter_map(|k| k.name.as_deref())
            .map(|n| ("primary key", n)),
    );
    out.extend(t.indexes.iter().map(|i| ("index", i.name.as_str())));
    for fk in &t.foreign_keys {
        out.extend(fk.name.as_deref().map(|n| ("foreign key", n)));
        out.push(("table", &fk.ref_table));
        out.extend(fk.ref_columns.iter().map(|c| ("column", c.as_str())));
    }
    out.extend(
        t.uniques
            .iter()
            .filter_map(|u| u.name.as_deref())
            .map(|n| ("unique constraint", n)),
    );
    out.extend(
        t.checks
            .iter()
            .filter_map(|c| c.name.as_deref())
            .map(|n| ("check constraint", n)),
    );
}
