//! Reading a PostgreSQL schema in three catalog queries (columns, constraints, indexes) for
//! the whole current schema, whatever the number of tables.

use std::collections::BTreeMap;

use crate::connection::{Connection, DbError};
use crate::dialect::reflect::{finish, int, list, opt_text, parse_default, text};
use crate::schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

// pg_catalog rather than information_schema: the latter's views cost seconds on thousands
// of tables.
const COLUMNS: &str = "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
    (NOT a.attnotnull)::int, pg_get_expr(d.adbin, d.adrelid), (a.attidentity <> '')::int \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
    ORDER BY c.relname, a.attnum";

// Column lists are joined with the unit separator (chr(31)), which no sane name contains.
const CONSTRAINTS: &str = "SELECT t.relname::text, con.conname::text, con.contype::text, \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), chr(31)), \
    rt.relname::text, \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), chr(31)), \
    con.confdeltype::text, con.confupdtype::text, pg_get_constraintdef(con.oid) \
    FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_class rt ON rt.oid = con.confrelid \
    WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') \
    ORDER BY t.relname, con.conname";

const INDEXES: &str = "SELECT t.relname::text, i.relname::text, ix.indisunique::int, \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n ORDER BY k.o), chr(31)) \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND NOT ix.indisprimary \
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x')) \
    ORDER BY t.relname, i.relname";

/// The current schema, without the tables in `exclude`.
pub(super) fn reflect(conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in conn.query(COLUMNS, &[])? {
        let t = tables.entry(text(&r, 0)).or_insert_with(|| Table {
            name: text(&r, 0),
            ..Table::default()
        });
        let raw_default = opt_text(&r, 4).unwrap_or_default();
        let serial = raw_default.starts_with("nextval(") || int(&r, 5) == Some(1);
        t.columns.push(Column {
            name: text(&r, 1),
            ty: column_type(&text(&r, 2)),
            nullable: int(&r, 3) == Some(1),
            default: if serial {
                None
            } else {
                parse_default(&raw_default)
            },
            autoincrement: serial,
        });
    }
    for r in conn.query(CONSTRAINTS, &[])? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        let (name, columns) = (Some(text(&r, 1)), list(&text(&r, 3)));
        match text(&r, 2).as_str() {
            "p" => t.primary_key = Some(PrimaryKey { name, columns }),
            "u" => t.uniques.push(Unique { name, columns }),
            "f" => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_table: text(&r, 4),
                ref_columns: list(&text(&r, 5)),
                on_delete: action(&text(&r, 6)),
                on_update: action(&text(&r, 7)),
            }),
            _ => {
                let def = text(&r, 8);
                let expression = def.strip_prefix("CHECK ").unwrap_or(&def).to_string();
                t.checks.push(Check {
                    name,
                    expression: unwrap_parens(&expression),
                });
            }
        }
    }
    for r in conn.query(INDEXES, &[])? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        t.indexes.push(Index {
            name: text(&r, 1),
            columns: list(&text(&r, 3)),
            unique: int(&r, 2) == Some(1),
        });
    }
    Ok(finish(tables, exclude))
}

fn unwrap_parens(s: &str) -> String {
    let t = s.trim();
    match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => inner.to_string(),
        None => t.to_string(),
    }
}

/// A type as `format_type` spells it (`character varying(64)`, `numeric(10,2)`).
fn column_type(formatted: &str) -> ColumnType {
    let (name, args) = match formatted.split_once('(') {
        Some((n, rest)) => (n.trim(), rest.trim_end_matches(')')),
        None => (formatted.trim(), ""),
    };
    let nums: Vec<u32> = args
        .split(',')
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    match name {
        "integer" => ColumnType::Integer { unsigned: false },
        "bigint" => ColumnType::BigInteger { unsigned: false },
        "smallint" => ColumnType::SmallInteger { unsigned: false },
        "boolean" => ColumnType::Boolean,
        "character varying" => ColumnType::String(nums.first().copied()),
        "text" => ColumnType::Text,
        "timestamp without time zone" => ColumnType::DateTime,
        "date" => ColumnType::Date,
        "time without time zone" => ColumnType::Time,
        "double precision" | "real" => ColumnType::Float,
        "numeric" => ColumnType::Numeric {
            precision: nums.first().copied(),
            scale: nums.get(1).copied(),
        },
        "bytea" => ColumnType::LargeBinary,
        _ => ColumnType::Custom(BTreeMap::from([(
            "postgresql".to_string(),
            formatted.to_string(),
        )])),
    }
}

fn action(code: &str) -> Option<FkAction> {
    match code {
        "c" => Some(FkAction::Cascade),
        "n" => Some(FkAction::SetNull),
        "d" => Some(FkAction::SetDefault),
        "r" => Some(FkAction::Restrict),
        _ => None,
    }
}
