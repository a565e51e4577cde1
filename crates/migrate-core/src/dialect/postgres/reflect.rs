//! Reading a PostgreSQL schema in three catalog queries (columns, constraints, indexes) for
//! the whole current schema, whatever the number of tables, or for a step's scope (the same
//! queries narrowed to a list of tables, found through pg_class's name index).

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Scope;

use crate::connection::{Connection, DbError, Value};
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
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped {scope} \
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
    WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') {scope} \
    ORDER BY t.relname, con.conname";

const INDEXES: &str = "SELECT t.relname::text, i.relname::text, ix.indisunique::int, \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n ORDER BY k.o), chr(31)) \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND NOT ix.indisprimary \
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = ix.indrelid AND c.conindid = ix.indexrelid \
      AND c.contype IN ('p', 'u', 'x')) {scope} \
    ORDER BY t.relname, i.relname";

/// The current schema, without the tables in `exclude`.
pub(super) fn reflect(conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
    Ok(finish(read(conn, None)?, exclude))
}

// The foreign keys between a list of tables and the others: those of the listed tables
// found through pg_constraint's index on conrelid, and (`{referencing}`) those pointing at
// them, which that index cannot find: one pass over the keys, joined to their tables' names
// only when they match (joining every key first cost 11 ms on 2,000 tables).
const RELATED: &str = "WITH named AS (SELECT c.oid FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relname = ANY(string_to_array($1, chr(31)))) \
    SELECT t.relname::text, rt.relname::text FROM pg_constraint con \
    JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class rt ON rt.oid = con.confrelid \
    WHERE con.contype = 'f' AND (con.conrelid IN (SELECT oid FROM named){referencing})";

/// The tables `scope` needs: those it names, the tables they reference, and the tables
/// referencing them when it asks.
pub(super) fn reflect_scope(conn: &mut dyn Connection, scope: &Scope) -> Result<Schema, DbError> {
    let named: BTreeSet<&str> = scope.tables().collect();
    let mut wanted: BTreeSet<String> = named.iter().map(|t| t.to_string()).collect();
    if wanted.is_empty() {
        return Ok(Schema::default());
    }
    let list = Value::Text(named.iter().copied().collect::<Vec<_>>().join("\u{1f}"));
    let referencing = if scope.needs_referencing() {
        " OR con.confrelid IN (SELECT oid FROM named)"
    } else {
        ""
    };
    let related = RELATED.replace("{referencing}", referencing);
    for r in conn.query(&related, std::slice::from_ref(&list))? {
        let (table, referenced) = (text(&r, 0), text(&r, 1));
        if named.contains(table.as_str()) {
            wanted.insert(referenced);
        } else if scope.needs_referencing() {
            wanted.insert(table);
        }
    }
    Ok(finish(read(conn, Some(&wanted))?, &[]))
}

/// The tables of the current schema, or only those in `only`.
fn read(
    conn: &mut dyn Connection,
    only: Option<&BTreeSet<String>>,
) -> Result<BTreeMap<String, Table>, DbError> {
    // Names are joined with the unit separator, as the queries join column lists.
    let params: Vec<Value> = only
        .map(|names| {
            let joined: Vec<&str> = names.iter().map(String::as_str).collect();
            vec![Value::Text(joined.join("\u{1f}"))]
        })
        .unwrap_or_default();
    let scoped = |query: &str, table: &str| match only {
        Some(_) => query.replace(
            "{scope}",
            &format!("AND {table}.relname = ANY(string_to_array($1, chr(31)))"),
        ),
        None => query.replace("{scope}", ""),
    };
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in conn.query(&scoped(COLUMNS, "c"), &params)? {
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
    for r in conn.query(&scoped(CONSTRAINTS, "t"), &params)? {
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
    for r in conn.query(&scoped(INDEXES, "t"), &params)? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        t.indexes.push(Index {
            name: text(&r, 1),
            columns: list(&text(&r, 3)),
            unique: int(&r, 2) == Some(1),
        });
    }
    Ok(tables)
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
