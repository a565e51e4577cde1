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
    Some(match rng.below(13) {
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
        // Setting and dropping defaults: the journal must keep "drop it" apart from "leave it".
        // The default suits the column's type: these sequences also run on real databases.
        12 => {
            use crate::schema::DefaultValue;
            let c = rng.pick(&keyable)?;
            let default = match (&c.ty, rng.below(2)) {
                (_, 0) => None,
                (ColumnType::Integer { .. } | ColumnType::BigInteger { .. }, _) => {
                    Some(DefaultValue::Number(rng.below(100).to_string()))
                }
                (ColumnType::String(_), _) => Some(DefaultValue::Text("x'y".into())),
                (ColumnType::Boolean, _) => Some(DefaultValue::Bool(rng.below(2) == 0)),
                _ => return None,
            };
            Operation::AlterColumn {
                table,
                column: c.name.clone(),
                change: ColumnChange {
                    default: Some(default),
                    ..ColumnChange::default()
                },
            }
        }
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

/// A default to set, or `None` to drop the column's.
fn random_default(rng: &mut Rng) -> Option<crate::schema::DefaultValue> {
    use crate::schema::DefaultValue;
    match rng.below(4) {
        0 => None,
        1 => Some(DefaultValue::Number(format!("{}", rng.below(100)))),
        2 => Some(DefaultValue::Text("x'y".into())),
        _ => Some(DefaultValue::Expression("CURRENT_TIMESTAMP".into())),
    }
}

/// The number of [`Operation`] variants [`any_operation`] draws from.
pub const VARIANTS: usize = 21;

/// One operation of any variant with random contents, valid on no schema in particular: for
/// properties of the operations themselves (their journal encoding), not of applying them.
pub fn any_operation(rng: &mut Rng, n: usize) -> Operation {
    match rng.below(VARIANTS) {
        k @ 0..=10 => any_table_operation(rng, n, k),
        k => any_constraint_or_data_operation(rng, n, k),
    }
}

fn maybe(rng: &mut Rng, s: String) -> Option<String> {
    (rng.below(2) == 0).then_some(s)
}

/// Variant `k` (0–10) of [`any_operation`]: tables, columns, indexes, primary keys.
fn any_table_operation(rng: &mut Rng, n: usize, k: usize) -> Operation {
    let table = format!("t{n}");
    let name = |prefix: &str| format!("{prefix}_{n}");
    match k {
        0 => {
            let mut t = base_table(&table);
            t.columns.push(random_column(rng, n));
            Operation::CreateTable(t)
        }
        1 => Operation::DropTable { name: table },
        2 => Operation::RenameTable {
            from: table,
            to: name("r"),
        },
        3 => Operation::AddColumn {
            table,
            column: random_column(rng, n),
        },
        4 => Operation::DropColumn {
            table,
            column: name("c"),
        },
        5 => Operation::AlterColumn {
            table,
            column: name("c"),
            change: ColumnChange {
                name: maybe(rng, name("r")),
                ty: (rng.below(2) == 0).then_some(random_column(rng, n).ty),
                nullable: (rng.below(2) == 0).then_some(rng.below(2) == 0),
                default: (rng.below(2) == 0).then(|| random_default(rng)),
                autoincrement: (rng.below(2) == 0).then_some(rng.below(2) == 0),
            },
        },
        6 => Operation::CreateIndex {
            table,
            index: Index {
                name: name("ix"),
                columns: vec!["a".into(), "b".into()],
                unique: rng.below(2) == 0,
            },
        },
        7 => Operation::DropIndex {
            table,
            name: name("ix"),
        },
        8 => Operation::RenameIndex {
            table,
            from: name("ix"),
            to: name("iy"),
        },
        9 => Operation::AddPrimaryKey {
            table,
            key: PrimaryKey {
                name: maybe(rng, name("pk")),
                columns: vec!["id".into()],
            },
        },
        _ => Operation::DropPrimaryKey { table },
    }
}

/// Variant `k` (11–20) of [`any_operation`]: foreign keys, constraints, SQL and data.
fn any_constraint_or_data_operation(rng: &mut Rng, n: usize, k: usize) -> Operation {
    use std::collections::BTreeMap;

    use crate::schema::{FkAction, ForeignKey};
    let table = format!("t{n}");
    let name = |prefix: &str| format!("{prefix}_{n}");
    let value = |rng: &mut Rng| random_default(rng);
    match k {
        11 => Operation::AddForeignKey {
            table,
            key: ForeignKey {
                name: maybe(rng, name("fk")),
                columns: vec!["a".into()],
                ref_table: "p".into(),
                ref_columns: vec!["id".into()],
                on_delete: (rng.below(2) == 0).then_some(FkAction::Cascade),
                on_update: (rng.below(2) == 0).then_some(FkAction::SetNull),
            },
        },
        12 => Operation::DropForeignKey {
            table,
            name: name("fk"),
        },
        13 => Operation::AddUnique {
            table,
            constraint: Unique {
                name: maybe(rng, name("uq")),
                columns: vec!["a".into()],
            },
        },
        14 => Operation::DropUnique {
            table,
            name: name("uq"),
        },
        15 => Operation::AddCheck {
            table,
            check: Check {
                name: maybe(rng, name("ck")),
                expression: "a <> 'x'".into(),
            },
        },
        16 => Operation::DropCheck {
            table,
            name: name("ck"),
        },
        17 => Operation::Sql(BTreeMap::from([
            ("default".to_string(), "SELECT 1".to_string()),
            ("mysql".to_string(), "SELECT 2".to_string()),
        ])),
        18 => Operation::Insert {
            table,
            rows: vec![BTreeMap::from([
                ("a".to_string(), value(rng)),
                ("b".to_string(), None),
            ])],
        },
        19 => Operation::Update {
            table,
            set: BTreeMap::from([("a".to_string(), value(rng))]),
            filter: maybe(rng, "b > 1".into()),
        },
        _ => Operation::Delete {
            table,
            filter: maybe(rng, "b > 1".into()),
        },
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
    use crate::change::encoding::{decode, encode};
    use crate::change::invert_all;

    #[test]
    fn any_operation_draws_every_variant() {
        let mut rng = Rng::new(7);
        let kinds: std::collections::BTreeSet<&str> = (0..2000)
            .map(|n| any_operation(&mut rng, n).kind())
            .collect();
        assert_eq!(kinds.len(), VARIANTS, "{kinds:?}");
    }

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

        /// Every variant comes back from the journal's encoding as it went in.
        #[test]
        fn journal_encoding_round_trips_every_variant(seed in any::<u64>(), count in 1usize..30) {
            let mut rng = Rng::new(seed);
            let ops: Vec<Operation> = (0..count).map(|n| any_operation(&mut rng, n)).collect();
            prop_assert_eq!(decode(&encode(&ops)).expect("decodes"), ops);
        }

        /// The inverse the journal records reads back as the one computed, and inverting the
        /// decoded upgrade gives that same inverse.
        #[test]
        fn inverse_read_from_the_journal_is_the_computed_one(seed in any::<u64>(), count in 1usize..12) {
            let start = Schema { tables: vec![base_table("p"), base_table("q")], dependents: Vec::new() };
            let ops = operations(&mut Rng::new(seed), &start, count);
            let inverse = invert_all(&ops, &start).expect("inverts");
            prop_assert_eq!(&decode(&encode(&inverse)).expect("decodes"), &inverse);
            let decoded = decode(&encode(&ops)).expect("decodes");
            prop_assert_eq!(&invert_all(&decoded, &start).expect("inverts"), &inverse);
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
