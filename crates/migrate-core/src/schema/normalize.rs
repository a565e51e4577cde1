//! Making two schemas of one database comparable when one was reflected and the other built
//! from operations: what the database does not keep (constraint names it makes up, the
//! spelling of a check, types it stores as others) is set aside, the way each dialect
//! documents it (`Dialect::normalize`).

use super::{ColumnType, DefaultValue, Schema};

/// What the three databases have in common: constraint names other than indexes' are
/// dropped (databases invent them), checks compare by name only (databases respell them),
/// unique indexes and unique constraints are one thing, and columns, indexes and
/// constraints are sorted.
pub fn common(schema: &Schema) -> Schema {
    let mut s = crate::change::random::normalized(schema);
    for t in &mut s.tables {
        if let Some(pk) = &mut t.primary_key {
            pk.name = None;
        }
        for fk in &mut t.foreign_keys {
            fk.name = None;
            // NO ACTION (RESTRICT to MariaDB) is the default; some report it, some do not.
            let explicit = |a: &super::FkAction| {
                !matches!(a, super::FkAction::NoAction | super::FkAction::Restrict)
            };
            fk.on_delete = fk.on_delete.filter(explicit);
            fk.on_update = fk.on_update.filter(explicit);
        }
        for c in &mut t.checks {
            c.expression.clear();
        }
        let unique_indexes: Vec<super::Unique> = t
            .indexes
            .iter()
            .filter(|i| i.unique)
            .map(|i| super::Unique {
                name: Some(i.name.clone()),
                columns: i.columns.clone(),
            })
            .collect();
        t.indexes.retain(|i| !i.unique);
        t.uniques.extend(unique_indexes);
        for u in &mut t.uniques {
            u.name = None;
        }
        t.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        // Two unique constraints on the same columns are one (PostgreSQL merges them).
        t.uniques.dedup();
        t.foreign_keys
            .sort_by(|a, b| (&a.columns, &a.ref_table).cmp(&(&b.columns, &b.ref_table)));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// Integers have no sign outside MySQL.
pub fn without_unsigned(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Integer { .. } => ColumnType::Integer { unsigned: false },
        ColumnType::BigInteger { .. } => ColumnType::BigInteger { unsigned: false },
        ColumnType::SmallInteger { .. } => ColumnType::SmallInteger { unsigned: false },
        other => other.clone(),
    }
}

/// Booleans stored as numbers (MySQL, SQLite): a `TRUE` default reads back as `1`.
pub fn numeric_bool_default(d: &Option<DefaultValue>) -> Option<DefaultValue> {
    match d {
        Some(DefaultValue::Bool(b)) => {
            Some(DefaultValue::Number(if *b { "1" } else { "0" }.into()))
        }
        other => other.clone(),
    }
}

/// Drops from `live` the table options `model` does not set: those are the database's
/// defaults (MySQL's engine and character set), not differences.
pub fn keep_requested_options(live: &mut Schema, model: &Schema) {
    for t in &mut live.tables {
        match model.table(&t.name) {
            Some(m) => t.options.retain(|k, _| m.options.contains_key(k)),
            None => t.options.clear(),
        }
    }
}
