//! Comparing two schemas: the operations that turn one into the other.
//!
//! Objects are matched by name (unnamed constraints by their columns). Renames are never
//! guessed: a table or column that disappears while another appears is a drop and an add
//! unless a rename hint (`old=new`, or `table.old=new` for a column) says otherwise.

use super::{Column, Schema, Table};
use crate::change::{ColumnChange, Operation};

/// The operations that turn `from` into `to`, in an order that applies.
///
/// ```no_run
/// use migrate_core::schema::{diff, Column, ColumnType, Schema, Table};
/// let before = Schema { tables: vec![Table::new("t").with_column(Column::new("a", ColumnType::Text))], ..Schema::default() };
/// let mut after = before.clone();
/// after.tables[0].columns.push(Column::new("b", ColumnType::Integer { unsigned: false }));
/// let ops = diff(&before, &after, &[]);
/// assert_eq!(ops.len(), 1);
/// ```
pub fn diff(from: &Schema, to: &Schema, renames: &[(String, String)]) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut matched: Vec<(&Table, &Table)> = Vec::new();
    for old in &from.tables {
        let target = table_target(renames, &old.name);
        if let Some(new) = to.table(target) {
            if target != old.name {
                ops.push(Operation::RenameTable {
                    from: old.name.clone(),
                    to: target.to_string(),
                });
            }
            matched.push((old, new));
        }
    }
    for (old, new) in &matched {
        diff_table(old, new, renames, &mut ops);
    }
    let matched_new: Vec<&str> = matched.iter().map(|(_, n)| n.name.as_str()).collect();
    for new in to
        .tables
        .iter()
        .filter(|t| !matched_new.contains(&t.name.as_str()))
    {
        ops.push(Operation::CreateTable(new.clone()));
    }
    let matched_old: Vec<&str> = matched.iter().map(|(o, _)| o.name.as_str()).collect();
    for old in from
        .tables
        .iter()
        .filter(|t| !matched_old.contains(&t.name.as_str()))
    {
        ops.push(Operation::DropTable {
            name: old.name.clone(),
        });
    }
    ops
}

/// The name table `old` has in the other schema: its rename hint's, or its own.
fn table_target<'a>(renames: &'a [(String, String)], old: &'a str) -> &'a str {
    renames
        .iter()
        .find(|(o, _)| o == old)
        .map_or(old, |(_, n)| n.as_str())
}

/// The name column `old` of `table` has in the other schema (hints say `table.old=new`).
fn column_target<'a>(renames: &'a [(String, String)], table: &str, old: &'a str) -> &'a str {
    renames
        .iter()
        .find(|(o, _)| o.strip_prefix(table).and_then(|r| r.strip_prefix('.')) == Some(old))
        .map_or(old, |(_, n)| n.as_str())
}

/// The renames [`diff`] would otherwise see as a drop and an add, for a person to confirm:
/// a table that goes while another appears (`old=new`), and within a kept table a column that
/// goes while another of the same type appears (`table.old=new`). Hints already given are
/// applied first, so confirming one and asking again never offers it twice.
pub fn rename_candidates(
    from: &Schema,
    to: &Schema,
    renames: &[(String, String)],
) -> Vec<(String, String)> {
    let target = |old: &str| table_target(renames, old).to_string();
    let kept: Vec<String> = from.tables.iter().map(|t| target(&t.name)).collect();
    let gone: Vec<&Table> = from
        .tables
        .iter()
        .filter(|t| to.table(&target(&t.name)).is_none())
        .collect();
    let added: Vec<&Table> = to
        .tables
        .iter()
        .filter(|t| !kept.contains(&t.name))
        .collect();
    let mut out = Vec::new();
    for old in &gone {
        for new in &added {
            out.push((old.name.clone(), new.name.clone()));
        }
    }
    for old in &from.tables {
        let Some(new) = to.table(&target(&old.name)) else {
            continue;
        };
        let column_target = |c: &str| column_target(renames, &old.name, c).to_string();
        let kept: Vec<String> = old.columns.iter().map(|c| column_target(&c.name)).collect();
        for c in old
            .columns
            .iter()
            .filter(|c| new.column(&column_target(&c.name)).is_none())
        {
            for n in new
                .columns
                .iter()
                .filter(|n| !kept.contains(&n.name) && n.ty == c.ty)
            {
                out.push((format!("{}.{}", old.name, c.name), n.name.clone()));
            }
        }
    }
    out
}

fn diff_table(old: &Table, new: &Table, renames: &[(String, String)], ops: &mut Vec<Operation>) {
    let table = new.name.clone();
    let renamed = |c: &str| column_target(renames, &old.name, c).to_string();
    // Constraints and indexes that go, first: they may use columns that go.
    for fk in old
        .foreign_keys
        .iter()
        .filter(|f| !new.foreign_keys.contains(f))
    {
        if let Some(name) = &fk.name {
            ops.push(Operation::DropForeignKey {
                table: table.clone(),
                name: name.clone(),
            });
        }
    }
    for i in old.indexes.iter().filter(|i| !new.indexes.contains(i)) {
        ops.push(Operation::DropIndex {
            table: table.clone(),
            name: i.name.clone(),
        });
    }
    for u in old.uniques.iter().filter(|u| !new.uniques.contains(u)) {
        if let Some(name) = &u.name {
            ops.push(Operation::DropUnique {
                table: table.clone(),
                name: name.clone(),
            });
        }
    }
    for c in old.checks.iter().filter(|c| !new.checks.contains(c)) {
        if let Some(name) = &c.name {
            ops.push(Operation::DropCheck {
                table: table.clone(),
                name: name.clone(),
            });
        }
    }
    if old.primary_key.is_some() && old.primary_key != new.primary_key {
        ops.push(Operation::DropPrimaryKey {
            table: table.clone(),
        });
    }
    for c in &old.columns {
        let target = renamed(&c.name);
        match new.column(&target) {
            Some(n) => {
                let change = column_change(c, n);
                if change != ColumnChange::default() {
                    ops.push(Operation::AlterColumn {
                        table: table.clone(),
                        column: c.name.clone(),
                        change,
                    });
                }
            }
            None => ops.push(Operation::DropColumn {
                table: table.clone(),
                column: c.name.clone(),
            }),
        }
    }
    let kept: Vec<String> = old.columns.iter().map(|c| renamed(&c.name)).collect();
    for c in new.columns.iter().filter(|c| !kept.contains(&c.name)) {
        ops.push(Operation::AddColumn {
            table: table.clone(),
            column: c.clone(),
        });
    }
    if new.primary_key.is_some() && old.primary_key != new.primary_key {
        if let Some(key) = &new.primary_key {
            ops.push(Operation::AddPrimaryKey {
                table: table.clone(),
                key: key.clone(),
            });
        }
    }
    for i in new.indexes.iter().filter(|i| !old.indexes.contains(i)) {
        ops.push(Operation::CreateIndex {
            table: table.clone(),
            index: i.clone(),
        });
    }
    for u in new.uniques.iter().filter(|u| !old.uniques.contains(u)) {
        ops.push(Operation::AddUnique {
            table: table.clone(),
            constraint: u.clone(),
        });
    }
    for c in new.checks.iter().filter(|c| !old.checks.contains(c)) {
        ops.push(Operation::AddCheck {
            table: table.clone(),
            check: c.clone(),
        });
    }
    for fk in new
        .foreign_keys
        .iter()
        .filter(|f| !old.foreign_keys.contains(f))
    {
        ops.push(Operation::AddForeignKey {
            table: table.clone(),
            key: fk.clone(),
        });
    }
}

fn column_change(old: &Column, new: &Column) -> ColumnChange {
    ColumnChange {
        name: (old.name != new.name).then(|| new.name.clone()),
        ty: (old.ty != new.ty).then(|| new.ty.clone()),
        nullable: (old.nullable != new.nullable).then_some(new.nullable),
        default: (old.default != new.default).then(|| new.default.clone()),
        autoincrement: (old.autoincrement != new.autoincrement).then_some(new.autoincrement),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{any, prop_assert_eq, proptest};

    use super::*;
    use crate::change::random::{Rng, base_table, normalized, operations};

    proptest! {
        /// Applying the diff of two schemas to the first gives the second.
        #[test]
        fn applying_the_diff_reaches_the_target(seed in any::<u64>(), count in 0usize..10) {
            let start = Schema { tables: vec![base_table("p"), base_table("q")], dependents: Vec::new() };
            let ops = operations(&mut Rng::new(seed), &start, count);
            let mut target = start.clone();
            for op in &ops { target.apply(op).expect("applies"); }
            let mut s = start.clone();
            for op in diff(&start, &target, &[]) {
                s.apply(&op).unwrap_or_else(|e| panic!("{op:?}: {e}"));
            }
            prop_assert_eq!(normalized(&s), normalized(&target));
        }

        /// A schema's diff with itself is empty.
        #[test]
        fn a_schema_does_not_differ_from_itself(seed in any::<u64>(), count in 0usize..10) {
            let start = Schema { tables: vec![base_table("p")], dependents: Vec::new() };
            let ops = operations(&mut Rng::new(seed), &start, count);
            let mut s = start.clone();
            for op in &ops { s.apply(op).expect("applies"); }
            prop_assert_eq!(diff(&s, &s, &[]), Vec::<Operation>::new());
        }
    }

    #[test]
    fn rename_candidates_offer_each_drop_and_add_pair_once() {
        let from = Schema {
            tables: vec![base_table("p"), base_table("q")],
            dependents: Vec::new(),
        };
        let mut to = from.clone();
        to.tables[0].name = "r".into();
        let col = to.tables[1].columns[1].name.clone();
        to.tables[1].columns[1].name = "renamed".into();
        let offered = rename_candidates(&from, &to, &[]);
        assert_eq!(
            offered,
            vec![
                ("p".to_string(), "r".to_string()),
                (format!("q.{col}"), "renamed".to_string())
            ]
        );
        let confirmed = rename_candidates(&from, &to, &offered[..1]);
        assert_eq!(confirmed, offered[1..].to_vec());
        let ops = diff(&from, &to, &offered);
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert!(rename_candidates(&from, &to, &offered).is_empty());
    }

    #[test]
    fn renames_are_taken_only_from_hints() {
        let from = Schema {
            tables: vec![base_table("p")],
            dependents: Vec::new(),
        };
        let mut to = from.clone();
        to.tables[0].name = "r".into();
        let guessed = diff(&from, &to, &[]);
        assert!(
            matches!(
                guessed.as_slice(),
                [Operation::CreateTable(_), Operation::DropTable { .. }]
            ),
            "{guessed:?}"
        );
        let hinted = diff(&from, &to, &[("p".into(), "r".into())]);
        assert_eq!(
            hinted,
            vec![Operation::RenameTable {
                from: "p".into(),
                to: "r".into()
            }]
        );
    }
}
