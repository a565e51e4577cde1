//! Reading a PostgreSQL schema in three catalog queries (columns, constraints, indexes) for
//! the whole current schema, whatever the number of tables.

use std::collections::BTreeMap;

use crate::connection::{Connection, DbError};
use crate::dialect::reflect::{finish, int, list, opt_text, parse_default, text};
use crate::schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

const COLUMNS: &str = "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
    c.character_maximum_length::int8, c.numeric_precision::int8, c.numeric_scale::int8, c.is_nullable::text, \
    c.column_default::text, c.is_identity::text \
    FROM information_schema.columns c JOIN information_schema.tables t \
    ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
    ORDER BY c.table_name, c.ordinal_position";

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
        let raw_default = opt_text(&r, 7).unwrap_or_default();
        let serial = raw_default.starts_with("nextval(") || text(&r, 8) == "YES";
        t.columns.push(Column {
            name: text(&r, 1),
            ty: column_type(&text(&r, 2), int(&r, 3), int(&r, 4), int(&r, 5)),
            nullable: text(&r, 6) == "YES",
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

fn column_type(
    data_type: &str,
    length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
) -> ColumnType {
    let n = |v: Option<i64>| v.and_then(|x| u32::try_from(x).ok());
    match data_type {
        "integer" => ColumnType::Integer { unsigned: false },
        "bigint" => ColumnType::BigInteger { unsigned: false },
        "smallint" => ColumnType::SmallInteger { unsigned: false },
        "boolean" => ColumnType::Boolean,
        "character varying" => ColumnType::String(n(length)),
        "text" => ColumnType::Text,
        "timestamp without time zone" => ColumnType::DateTime,
        "date" => ColumnType::Date,
        "time without time zone" => ColumnType::Time,
        "double precision" | "real" => ColumnType::Float,
        "numeric" => ColumnType::Numeric {
            precision: n(precision),
            scale: n(scale),
        },
        "bytea" => ColumnType::LargeBinary,
        other => ColumnType::Custom(BTreeMap::from([(
            "postgresql".to_string(),
            other.to_string(),
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
