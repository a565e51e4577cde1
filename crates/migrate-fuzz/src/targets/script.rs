//! Portable TOML scripts: the loader on any text (target `script`), and the whole pipeline on
//! generated ones (target `pipeline`).
//!
//! Any text: parsing never panics, an error names the file and a line within it, and a
//! script that parses writes back (as `[[upgrade]]` steps) to the same operations and
//! replays and renders without panicking. Generated valid scripts (random operations against
//! two tables, some with awkward names): written → parsed back equal → rendered for each
//! database, every rendered statement one statement to that database's splitter → applied
//! to the schema model → inverted → the inverse through the journal's JSON and back equal →
//! the inverse rendered and applied gives the schema we started from.

use std::path::Path;

use migrate_core::change::random::{Rng, base_table, normalized, operations};
use migrate_core::change::{Operation, invert_all};
use migrate_core::dialect::{Dialect, MYSQL, POSTGRES, SQLITE};
use migrate_core::schema::Schema;
use migrate_core::script::{PortableScript, operations_toml};
use migrate_core::sql::split;
use proptest::prelude::*;
use proptest::sample::select;

use crate::corpus;

/// TOML syntax and the format's keys, for mutations.
const TOKENS: &[&str] = &[
    "[[upgrade]]\n",
    "[[downgrade]]\n",
    "\n",
    "=",
    " = ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\"\"\"",
    "#",
    "\\",
    "\\u00e9",
    "sql = \"SELECT 1\"\n",
    "create_table",
    "drop_table = { name = \"t\" }\n",
    "add_column",
    "alter_column",
    "create_index",
    "add_foreign_key",
    "references = \"t.id\"",
    "name = \"x\"",
    "type = \"Integer\"",
    "type = \"String(\"",
    "Numeric(10, 2)",
    "BigInteger UNSIGNED",
    "primary_key = true",
    "unique = true",
    "index = true",
    "nullable = false",
    "default = 1",
    "default = { sql = \"now()\" }",
    "irreversible = \"x\"\n",
    "no_transaction = true\n",
    "é",
    "\u{0}",
];

/// Inputs: text, or a generated script.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file's text.
    Text(String),
    /// Random valid operations on two tables with these names.
    Generated {
        /// The operation generator's seed.
        seed: u64,
        /// How many operations.
        count: usize,
        /// The two starting tables' names.
        tables: (String, String),
    },
}

/// Table names, some that need quoting in every dialect.
fn table_name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,5}",
        1 => select(&[
            "\"", "`", "'", "[", "]", ";", " ", "--", "/*", "$$", "\\", "é", "日本", "select", "order"
        ][..])
        .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 1..4)
        .prop_map(|p| p.concat())
        // A name of only whitespace is refused as empty, by design.
        .prop_filter("not only whitespace", |n| !n.trim().is_empty())
}

/// Mutated seeds.
pub fn strategy() -> BoxedStrategy<Input> {
    corpus::texts(corpus::seeds("script"), TOKENS)
        .prop_map(Input::Text)
        .boxed()
}

/// Generated valid scripts, for the whole pipeline.
pub fn strategy_generated() -> BoxedStrategy<Input> {
    (any::<u64>(), 1usize..14, table_name(), table_name())
        .prop_map(|(seed, count, a, b)| Input::Generated {
            seed,
            count,
            tables: (a, b),
        })
        .boxed()
}

const PATH: &str = "fuzz/versions/001_x.toml";

fn dialects() -> [&'static dyn Dialect; 3] {
    [&SQLITE, &POSTGRES, &MYSQL]
}

/// Checks one input.
///
/// # Panics
/// When an invariant does not hold.
pub fn check(input: &Input) {
    match input {
        Input::Text(text) => check_text(text),
        Input::Generated {
            seed,
            count,
            tables,
        } => check_generated(*seed, *count, tables),
    }
}

fn check_text(text: &str) {
    let script = match PortableScript::parse(text, Path::new(PATH)) {
        Ok(s) => s,
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.starts_with(PATH),
                "error does not name the file: {shown}"
            );
            if let migrate_core::script::ScriptError::Portable {
                line: Some(line), ..
            } = &e
            {
                let lines = text.matches('\n').count() + 1;
                assert!(
                    (1..=lines).contains(line),
                    "line {line} outside the script's {lines} lines: {shown}"
                );
            }
            return;
        }
    };
    let upgrade: Vec<Operation> = script.upgrade().iter().map(|l| l.op.clone()).collect();
    check_written_back(&upgrade);
    replay_without_panic(&upgrade);
    if let Some(down) = script.downgrade() {
        let ops: Vec<Operation> = down.iter().map(|l| l.op.clone()).collect();
        check_written_back(&ops);
        replay_without_panic(&ops);
    }
}

/// Operations a script can hold write back to a script that reads as the same operations.
fn check_written_back(ops: &[Operation]) {
    let Ok(text) = operations_toml(ops, "upgrade") else {
        return; // data statements: not written to scripts
    };
    let back = PortableScript::parse(&text, Path::new(PATH))
        .unwrap_or_else(|e| panic!("written operations do not read back: {e}\n{text}"));
    let back: Vec<Operation> = back.upgrade().iter().map(|l| l.op.clone()).collect();
    assert_eq!(
        back, ops,
        "written operations read back differently:\n{text}"
    );
}

/// Replays operations from an empty schema, rendering each for every database, as far as
/// they apply; and derives their inverse. Errors are fine here, panics are not.
fn replay_without_panic(ops: &[Operation]) {
    let mut schema = Schema::default();
    for op in ops {
        for d in dialects() {
            let _ = d.render(op, &schema);
        }
        if schema.apply(op).is_err() {
            break;
        }
    }
    let _ = invert_all(ops, &Schema::default());
}

fn check_generated(seed: u64, count: usize, tables: &(String, String)) {
    let (a, b) = tables;
    let b = if a == b { format!("{b}2") } else { b.clone() };
    let start = Schema {
        tables: vec![base_table(a), base_table(&b)],
        ..Schema::default()
    };
    let ops = operations(&mut Rng::new(seed), &start, count);
    let text = operations_toml(&ops, "upgrade").expect("generated operations write");
    let parsed = PortableScript::parse(&text, Path::new(PATH))
        .unwrap_or_else(|e| panic!("a written script does not read: {e}\n{text}"));
    let read: Vec<Operation> = parsed.upgrade().iter().map(|l| l.op.clone()).collect();
    assert_eq!(read, ops, "the script reads back differently:\n{text}");
    let after = apply_rendering(&start, &ops);
    let inverse = invert_all(&ops, &start).expect("generated operations invert");
    let json = serde_json::to_string(&inverse).expect("the inverse encodes");
    let decoded: Vec<Operation> = serde_json::from_str(&json).expect("the journal's JSON decodes");
    assert_eq!(
        decoded, inverse,
        "the inverse changes through the journal: {json}"
    );
    let down = operations_toml(&inverse, "downgrade").expect("the inverse writes");
    let down_back = PortableScript::parse(&down, Path::new(PATH)).expect("the inverse reads");
    let down_back: Vec<Operation> = down_back
        .downgrade()
        .unwrap_or_default()
        .iter()
        .map(|l| l.op.clone())
        .collect();
    assert_eq!(
        down_back, inverse,
        "the written inverse reads back differently"
    );
    let back = apply_rendering(&after, &decoded);
    assert_eq!(
        normalized(&back),
        normalized(&start),
        "upgrade then inverse does not give the schema back:\n{text}"
    );
}

/// Applies `ops` to `start`, rendering each for every database against the schema before
/// it; each rendered statement must be exactly one statement to that database's splitter.
fn apply_rendering(start: &Schema, ops: &[Operation]) -> Schema {
    let mut schema = start.clone();
    for op in ops {
        for d in dialects() {
            let statements = d
                .render(op, &schema)
                .unwrap_or_else(|e| panic!("{}: {op:?} does not render: {e}", d.name()));
            for s in statements {
                let pieces = split(&s.sql, d.lexer());
                let texts: Vec<&str> = pieces.iter().flatten().map(|p| p.text).collect();
                assert!(
                    texts.len() == 1 && texts[0] == s.sql.trim().trim_end_matches(';'),
                    "{}: rendered {:?} splits into {pieces:?}",
                    d.name(),
                    s.sql
                );
            }
        }
        schema
            .apply(op)
            .unwrap_or_else(|e| panic!("{op:?} does not apply: {e}"));
    }
    schema
}
