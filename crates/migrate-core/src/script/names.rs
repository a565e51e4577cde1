//! Empty names in portable operations. TOML accepts `name = ""`; SQL would then get `""` or
//! ``` `` ```, which some databases take as a real (and unreachable) name, or fail later with a
//! message about syntax rather than the script. Refused when the script is read.

use crate::change::Operation;
use crate::schema::{Column, ForeignKey, Table};

/// What is empty in `op` ("table name", "column name"…), if anything.
pub(super) fn empty_name(op: &Operation) -> Option<&'static str> {
    use Operation::*;
    let (table, inner) = match op {
        CreateTable(t) => return in_table(t),
        DropTable { name } => (name, None),
        RenameTable { from, to } => (from, blank(to, "new table name")),
        AddColumn { table, column } => (table, in_columns(std::slice::from_ref(column))),
        DropColumn { table, column } => (table, blank(column, "column name")),
        AlterColumn {
            table,
            column,
            change,
        } => (
            table,
            blank(column, "column name").or(change
                .name
                .as_deref()
                .and_then(|n| blank(n, "new column name"))),
        ),
        CreateIndex { table, index } => (
            table,
            blank(&index.name, "index name").or(in_list(&index.columns)),
        ),
        DropIndex { table, name } | DropForeignKey { table, name } => {
            (table, blank(name, "constraint or index name"))
        }
        DropUnique { table, name } | DropCheck { table, name } => {
            (table, blank(name, "constraint name"))
        }
        RenameIndex { table, from, to } => (
            table,
            blank(from, "index name").or(blank(to, "new index name")),
        ),
        AddPrimaryKey { table, key } => (table, in_list(&key.columns)),
        AddForeignKey { table, key } => (table, in_key(key)),
        AddUnique { table, constraint } => (table, in_list(&constraint.columns)),
        DropPrimaryKey { table }
        | AddCheck { table, .. }
        | Update { table, .. }
        | Delete { table, .. }
        | Insert { table, .. } => (table, None),
        _ => return None,
    };
    blank(table, "table name").or(inner)
}

fn blank(name: &str, what: &'static str) -> Option<&'static str> {
    name.trim().is_empty().then_some(what)
}

fn in_list(columns: &[String]) -> Option<&'static str> {
    columns.iter().find_map(|c| blank(c, "column name"))
}

fn in_columns(columns: &[Column]) -> Option<&'static str> {
    columns.iter().find_map(|c| blank(&c.name, "column name"))
}

fn in_key(key: &ForeignKey) -> Option<&'static str> {
    in_list(&key.columns)
        .or(blank(&key.ref_table, "referenced table name"))
        .or(in_list(&key.ref_columns))
}

fn in_table(t: &Table) -> Option<&'static str> {
    blank(&t.name, "table name")
        .or(in_columns(&t.columns))
        .or(t.indexes.iter().find_map(|i| in_list(&i.columns)))
        .or(t.foreign_keys.iter().find_map(in_key))
        .or(t.uniques.iter().find_map(|u| in_list(&u.columns)))
        .or(t.primary_key.as_ref().and_then(|k| in_list(&k.columns)))
}
