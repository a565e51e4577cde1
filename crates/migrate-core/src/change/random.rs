//! Random valid operation sequences, for the property tests here and against real databases:
//! every operation is drawn against the schema the previous ones produced, so it applies.

use super::{ColumnChange, Operation};
use crate::schema::{Check, Column, ColumnType, Index, PrimaryKey, Schema, Table, Unique};

/// A small deterministic generator (xorshift64*), seeded by the test.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// A table `name` with an integer key and two plain columns.
pub fn base_table(name: &str) -> Table {
    let column = |n: &str, ty| Column {
        name: n.into(),
        ty,
        nullable: true,
        default: None,
        autoincrement: false,
    };
    let mut id = column("id", ColumnType::Integer { unsigned: false });
    id.nullable = false;
    Table {
        name: name.into(),
        columns: vec![
            id,
            column("a", ColumnType::String(Some(20))),
            column("b", ColumnType::Integer { unsigned: false }),
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        }),
        ..Table::default()
    }
}

/// `count` operations, each valid on the schema the ones before it leave, starting at `start`.
/// Names are made unique with `n`, a counter the caller keeps.
pub fn operations(rng: &mut Rng, start: &Schema, count: usize) -> Vec<Operation> {
    let mut schema = start.clone();
    let mut ops = Vec::new();
    let mut n = 0;
    while ops.len() < count {
        n += 1;
        if let Some(op) = one(rng, &schema, n) {
            if schema.apply(&op).is_ok() {
                ops.push(op);
            }
        }
    }
    ops
}

fn one(rng: &mut Rng, s: &Schema, n: usize) -> Option<Operation> {
    let t = rng.pick(&s.tables)?.clone();
    let table = t.name.clone();
    let plain: Vec<&Column> = t
        .columns
        .iter()
        .filter(|c| !t.in_primary_key(&c.name))
        .collect();
    let keyable: Vec<&Column> = plain
        .iter()
        .copied()
        .filter(|c| !matches!(c.ty, ColumnType::Text))
        .collect();
    let col = |rng: &mut Rng, from: &[&Column]| {
        from.get(rng.below(from.len().max(1)))
            .map(|c| c.name.clone())
    };
    Some(match rng.below(12) {
        0 => Operation::AddColumn {
            table,
            column: random_column(rng, n),
        },
        1 if plain.len() > 1 => Operation::DropColumn {
            table,
            column: col(rng, &plain)?,
        },
        2 => Operation::AlterColumn {
            table,
            column: col(rng, &plain)?,
            change: ColumnChange {
                name: Some(format!("r{n}")),
                ..ColumnChange::default()
            },
        },
        3 => {
            let c = rng.pick(&keyable)?;
            let wider = match c.ty {
                ColumnType::Integer { .. } => ColumnType::BigInteger { unsigned: false },
                ColumnType::String(Some(len)) => ColumnType::String(Some(len + 10)),
                _ => return None,
            };
            Operation::AlterColumn {
                table,
                column: c.name.clone(),
                change: ColumnChange {
                    ty: Some(wider),
                    ..ColumnChange::default()
                },
            }
        }
        4 => Operation::CreateIndex {
            table: table.clone(),
            index: Index {
                name: format!("ix_{table}_{n}"),
                columns: vec![col(rng, &keyable)?],
                unique: rng.below(2) == 0,
            },
        },
        5 => Operation::DropIndex {
            table,
            name: rng.pick(&t.indexes)?.name.clone(),
        },
        6 => Operation::RenameIndex {
            table: table.clone(),
            from: rng.pick(&t.indexes)?.name.clone(),
            to: format!("ix_{table}_r{n}"),
        },
        7 => Operation::AddUnique {
            table: table.clone(),
            constraint: Unique {
                name: Some(format!("uq_{table}_{n}")),
                columns: vec![col(rng, &keyable)?],
            },
        },
        8 => Operation::AddCheck {
            table: table.clone(),
            check: Check {
                name: Some(format!("ck_{table}_{n}")),
                expression: "id > 0".into(),
            },
        },
        9 => Operation::CreateTable(base_table(&format!("t{n}"))),
        10 if s.tables.len() > 1 && s.references_to(&table).is_empty() => {
            Operation::DropTable { name: table }
        }
        11 => Operation::RenameTable {
            from: table,
            to: format!("t{n}"),
        },
        _ => return None,
    })
}

/// A nullable column of a random portable type, sometimes with a default.
fn random_column(rng: &mut Rng, n: usize) -> Column {
    use crate::schema::DefaultValue;
    let (ty, default) = match rng.below(8) {
        0 => (
            ColumnType::Integer { unsigned: false },
            Some(DefaultValue::Number("5".into())),
        ),
        1 => (
            ColumnType::String(Some(30)),
            Some(DefaultValue::Text("it's".into())),
        ),
        2 => (ColumnType::Text, None),
        3 => (ColumnType::BigInteger { unsigned: false }, None),
        4 => (
            ColumnType::Boolean,
            Some(DefaultValue::Bool(rng.below(2) == 0)),
        ),
        5 => (ColumnType::DateTime, None),
        6 => (
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            None,
        ),
        _ => (ColumnType::Float, None),
    };
    let default = default.filter(|_| rng.below(2) == 0);
    Column {
        name: format!("c{n}"),
        ty,
        nullable: true,
        default,
        autoincrement: false,
    }
}

/// `schema` in a canonical order (tables, columns, keys and indexes sorted by name), for
/// comparing schemas whose objects came back in a different order.
pub fn normalized(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    s.dependents.clear();
    s.tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &mut s.tables {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.uniques
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.columns.cmp(&b.columns)));
        t.checks.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{any, prop_assert_eq, proptest};

    use super::*;
    use crate::change::invert_all;

    proptest! {
        /// Applying random operations and then their derived inverse gives back the schema
        /// (up to column order: a restored column comes back last).
        #[test]
        fn inverse_undoes_random_operations(seed in any::<u64>(), count in 1usize..12) {
            let start = Schema { tables: vec![base_table("p"), base_table("q")], dependents: Vec::new() };
            let mut rng = Rng::new(seed);
            let ops = operations(&mut rng, &start, count);
            let inverse = invert_all(&ops, &start).expect("every generated operation inverts");
            let mut s = start.clone();
            for op in ops.iter().chain(&inverse) {
                s.apply(op).expect("applies");
            }
            prop_assert_eq!(normalized(&s), normalized(&start));
        }

        /// The inverse of the inverse is the operations again (as a net effect on the schema).
        #[test]
        fn inverse_of_inverse_redoes(seed in any::<u64>(), count in 1usize..8) {
            let start = Schema { tables: vec![base_table("p")], dependents: Vec::new() };
            let ops = operations(&mut Rng::new(seed), &start, count);
            let mut after = start.clone();
            for op in &ops { after.apply(op).expect("applies"); }
            let inverse = invert_all(&ops, &start).expect("inverts");
            let again = invert_all(&inverse, &after).expect("inverts back");
            let mut s = after.clone();
            for op in inverse.iter().chain(&again) { s.apply(op).expect("applies"); }
            prop_assert_eq!(normalized(&s), normalized(&after));
        }
    }
}
