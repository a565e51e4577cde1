//! Reading a MySQL/MariaDB schema from `information_schema` in five queries for the whole
//! database: tables, columns, key columns, indexes and checks.

use std::collections::BTreeMap;

use crate::connection::{Connection, DbError};
use crate::dialect::reflect::{finish, int, opt_text, parse_default, text};
use crate::schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

const TABLES: &str = "SELECT t.TABLE_NAME, t.ENGINE, ca.CHARACTER_SET_NAME, t.TABLE_COLLATION \
    FROM information_schema.TABLES t LEFT JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY ca \
    ON ca.COLLATION_NAME = t.TABLE_COLLATION \
    WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'";

const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, \
    NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";

const KEYS: &str = "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.COLUMN_NAME, \
    k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE \
    FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.TABLE_CONSTRAINTS c \
    ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
    LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
    ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
    WHERE k.TABLE_SCHEMA = DATABASE() ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

const INDEXES: &str = "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
    WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

const CHECKS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
    WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME";

/// The connection's database, without the tables in `exclude`.
pub(super) fn reflect(conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in conn.query(TABLES, &[])? {
        let mut t = Table {
            name: text(&r, 0),
            ..Table::default()
        };
        if let Some(engine) = opt_text(&r, 1) {
            t.options.insert("mysql_engine".into(), engine);
        }
        if let Some(charset) = opt_text(&r, 2) {
            t.options.insert("mysql_charset".into(), charset);
        }
        tables.insert(t.name.clone(), t);
    }
    for r in conn.query(COLUMNS, &[])? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        t.columns.push(Column {
            name: text(&r, 1),
            ty: column_type(
                &text(&r, 2),
                &text(&r, 3),
                int(&r, 4),
                int(&r, 5),
                int(&r, 6),
            ),
            nullable: text(&r, 7) == "YES",
            default: opt_text(&r, 8).and_then(|d| parse_default(&d)),
            autoincrement: text(&r, 9).contains("auto_increment"),
        });
    }
    let mut unique_names = Vec::new();
    for r in conn.query(KEYS, &[])? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        let (name, column) = (text(&r, 1), text(&r, 3));
        match text(&r, 2).as_str() {
            "PRIMARY KEY" => t
                .primary_key
                .get_or_insert_with(|| PrimaryKey {
                    name: None,
                    columns: Vec::new(),
                })
                .columns
                .push(column),
            "UNIQUE" => {
                unique_names.push((t.name.clone(), name.clone()));
                match t
                    .uniques
                    .iter_mut()
                    .find(|u| u.name.as_deref() == Some(&name))
                {
                    Some(u) => u.columns.push(column),
                    None => t.uniques.push(Unique {
                        name: Some(name),
                        columns: vec![column],
                    }),
                }
            }
            "FOREIGN KEY" => match t
                .foreign_keys
                .iter_mut()
                .find(|f| f.name.as_deref() == Some(&name))
            {
                Some(f) => {
                    f.columns.push(column);
                    f.ref_columns.push(text(&r, 5));
                }
                None => t.foreign_keys.push(ForeignKey {
                    name: Some(name),
                    columns: vec![column],
                    ref_table: text(&r, 4),
                    ref_columns: vec![text(&r, 5)],
                    on_delete: action(&text(&r, 6)),
                    on_update: action(&text(&r, 7)),
                }),
            },
            _ => {}
        }
    }
    for r in conn.query(INDEXES, &[])? {
        let (table, name) = (text(&r, 0), text(&r, 1));
        if unique_names.iter().any(|(t, n)| *t == table && *n == name) {
            continue;
        }
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        match t.indexes.iter_mut().find(|i| i.name == name) {
            Some(i) => i.columns.push(text(&r, 3)),
            None => t.indexes.push(Index {
                name,
                columns: vec![text(&r, 3)],
                unique: int(&r, 2) == Some(0),
            }),
        }
    }
    for r in conn.query(CHECKS, &[])? {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        t.checks.push(Check {
            name: Some(text(&r, 1)),
            expression: text(&r, 2),
        });
    }
    Ok(finish(tables, exclude))
}

fn column_type(
    data_type: &str,
    column_type: &str,
    length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
) -> ColumnType {
    let n = |v: Option<i64>| v.and_then(|x| u32::try_from(x).ok());
    let unsigned = column_type.contains("unsigned");
    match data_type {
        "int" => ColumnType::Integer { unsigned },
        "bigint"
            if column_type.starts_with("bigint(20)")
                || column_type == "bigint"
                || column_type == "bigint unsigned" =>
        {
            ColumnType::BigInteger { unsigned }
        }
        "smallint" => ColumnType::SmallInteger { unsigned },
        "tinyint" if column_type == "tinyint(1)" => ColumnType::Boolean,
        "varchar" => ColumnType::String(n(length)),
        "text" => ColumnType::Text,
        "longtext" => ColumnType::LongText,
        "datetime" => ColumnType::DateTime,
        "date" => ColumnType::Date,
        "time" => ColumnType::Time,
        "float" | "double" => ColumnType::Float,
        "decimal" => ColumnType::Numeric {
            precision: n(precision),
            scale: n(scale),
        },
        "blob" => ColumnType::LargeBinary,
        _ => ColumnType::Custom(BTreeMap::from([(
            "mysql".to_string(),
            column_type.to_string(),
        )])),
    }
}

fn action(rule: &str) -> Option<FkAction> {
    match rule {
        "CASCADE" => Some(FkAction::Cascade),
        "SET NULL" => Some(FkAction::SetNull),
        "SET DEFAULT" => Some(FkAction::SetDefault),
        "RESTRICT" => Some(FkAction::Restrict),
        _ => None,
    }
}
