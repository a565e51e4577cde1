//! Reading a MySQL/MariaDB schema from `information_schema`: one query per view (tables,
//! collations, columns, key columns, referential rules, indexes, checks), for the whole
//! database or for a step's scope.
//!
//! MariaDB builds its `information_schema` views by opening every table they may contain,
//! and only narrows that to one table on an equality (`TABLE_NAME = ?`, not `IN (…)`), so:
//! - views are queried one by one and joined here: joining two views made MariaDB rebuild
//!   the inner one per row (the key columns ⋈ table constraints ⋈ referential constraints
//!   join took 2.3 s of a 3 s reflection of 2,000 tables, tables ⋈ collations 0.8 s);
//! - rows are sorted here, since `ORDER BY` over a view spills it into a temporary table;
//! - a scope is read as one `UNION ALL` branch per table, each an equality.
//!
//! Measurements and the alternatives tried are in BENCHMARKS.md ("Reflection").

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Scope;
use crate::connection::{Connection, DbError, Value};
use crate::dialect::reflect::{finish, int, opt_text, parse_default, text};
use crate::schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

/// One `information_schema` view as a query: what it selects, and the columns naming the
/// database and the table of each row.
struct View {
    select: &'static str,
    schema_column: &'static str,
    table_column: &'static str,
}

const TABLES: View = View {
    select: "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES \
        WHERE TABLE_TYPE = 'BASE TABLE'",
    schema_column: "TABLE_SCHEMA",
    table_column: "TABLE_NAME",
};

const COLUMNS: View = View {
    select: "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, \
        NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, ORDINAL_POSITION \
        FROM information_schema.COLUMNS WHERE TRUE",
    schema_column: "TABLE_SCHEMA",
    table_column: "TABLE_NAME",
};

// Primary keys, unique constraints and foreign keys are the only key columns listed: the
// constraint's type follows from its name (`PRIMARY`) and its reference, which spares the
// TABLE_CONSTRAINTS view.
const KEYS: View = View {
    select: "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, \
        REFERENCED_COLUMN_NAME, ORDINAL_POSITION FROM information_schema.KEY_COLUMN_USAGE WHERE TRUE",
    schema_column: "TABLE_SCHEMA",
    table_column: "TABLE_NAME",
};

const RULES: View = View {
    select: "SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE \
        FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE TRUE",
    schema_column: "CONSTRAINT_SCHEMA",
    table_column: "TABLE_NAME",
};

const INDEXES: View = View {
    select: "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SEQ_IN_INDEX \
        FROM information_schema.STATISTICS WHERE INDEX_NAME <> 'PRIMARY'",
    schema_column: "TABLE_SCHEMA",
    table_column: "TABLE_NAME",
};

const CHECKS: View = View {
    select: "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
        WHERE TRUE",
    schema_column: "CONSTRAINT_SCHEMA",
    table_column: "TABLE_NAME",
};

/// The tables whose foreign keys reference one of a list: this view has no lookup by
/// referenced table, so it opens every table of the database (see [`Scope`]).
const REFERENCING: &str = "SELECT DISTINCT TABLE_NAME, REFERENCED_TABLE_NAME \
    FROM information_schema.KEY_COLUMN_USAGE \
    WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL";

/// Which tables a query reads.
#[derive(Clone, Copy)]
enum Filter<'a> {
    Database,
    Tables(&'a BTreeSet<String>),
}

impl View {
    /// The query and its parameters for `filter`.
    fn query(&self, filter: Filter<'_>) -> (String, Vec<Value>) {
        let branch = |table: &str| {
            format!(
                "{} AND {} = DATABASE(){table}",
                self.select, self.schema_column
            )
        };
        match filter {
            Filter::Database => (branch(""), Vec::new()),
            Filter::Tables(names) => {
                let one = branch(&format!(" AND {} = ?", self.table_column));
                let sql = vec![one; names.len()].join(" UNION ALL ");
                (sql, names.iter().map(|n| Value::Text(n.clone())).collect())
            }
        }
    }

    fn rows(
        &self,
        conn: &mut dyn Connection,
        filter: Filter<'_>,
    ) -> Result<Vec<Vec<Value>>, DbError> {
        let (sql, params) = self.query(filter);
        conn.query(&sql, &params)
    }
}

/// The connection's database, without the tables in `exclude`.
pub(super) fn reflect(conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
    Ok(finish(read(conn, Filter::Database)?, exclude))
}

/// The tables `scope` needs: those it names, those referencing them when it asks, then the
/// tables their foreign keys reference.
pub(super) fn reflect_scope(conn: &mut dyn Connection, scope: &Scope) -> Result<Schema, DbError> {
    let named: BTreeSet<&str> = scope.tables().collect();
    let mut wanted: BTreeSet<String> = named.iter().map(|t| t.to_string()).collect();
    if scope.needs_referencing() && !named.is_empty() {
        for r in conn.query(REFERENCING, &[])? {
            if named.contains(text(&r, 1).as_str()) {
                wanted.insert(text(&r, 0));
            }
        }
    }
    let mut tables = read(conn, Filter::Tables(&wanted))?;
    let referenced: BTreeSet<String> = tables
        .values()
        .flat_map(|t| &t.foreign_keys)
        .map(|fk| fk.ref_table.clone())
        .filter(|name| !tables.contains_key(name))
        .collect();
    tables.extend(read(conn, Filter::Tables(&referenced))?);
    Ok(finish(tables, &[]))
}

/// The tables `filter` selects, by name.
fn read(conn: &mut dyn Connection, filter: Filter<'_>) -> Result<BTreeMap<String, Table>, DbError> {
    let mut tables = BTreeMap::new();
    if matches!(filter, Filter::Tables(names) if names.is_empty()) {
        return Ok(tables);
    }
    read_tables(conn, filter, &mut tables)?;
    if tables.is_empty() {
        return Ok(tables);
    }
    read_columns(conn, filter, &mut tables)?;
    let unique_names = read_keys(conn, filter, &mut tables)?;
    read_indexes(conn, filter, &mut tables, &unique_names)?;
    for r in CHECKS.rows(conn, filter)? {
        if let Some(t) = tables.get_mut(&text(&r, 0)) {
            t.checks.push(Check {
                name: Some(text(&r, 1)),
                expression: text(&r, 2),
            });
        }
    }
    for t in tables.values_mut() {
        t.checks.sort_by_key(|c| c.name.as_deref().map(ci));
    }
    Ok(tables)
}

/// A name as `information_schema` orders it (its collation ignores case), ties broken by
/// the name itself: constraints and indexes keep the order the `ORDER BY` gave them before.
fn ci(name: &str) -> (String, String) {
    (name.to_lowercase(), name.to_string())
}

fn read_tables(
    conn: &mut dyn Connection,
    filter: Filter<'_>,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), DbError> {
    let rows = TABLES.rows(conn, filter)?;
    let collations: BTreeSet<String> = rows.iter().filter_map(|r| opt_text(r, 2)).collect();
    let charsets = charsets(conn, &collations)?;
    for r in rows {
        let mut t = Table {
            name: text(&r, 0),
            ..Table::default()
        };
        if let Some(engine) = opt_text(&r, 1) {
            t.options.insert("mysql_engine".into(), engine);
        }
        if let Some(charset) = opt_text(&r, 2).and_then(|c| charsets.get(&c)) {
            t.options.insert("mysql_charset".into(), charset.clone());
        }
        tables.insert(t.name.clone(), t);
    }
    Ok(())
}

/// The character set of each collation in `collations`.
fn charsets(
    conn: &mut dyn Connection,
    collations: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, DbError> {
    if collations.is_empty() {
        return Ok(BTreeMap::new());
    }
    let marks = vec!["?"; collations.len()].join(", ");
    let sql = format!(
        "SELECT COLLATION_NAME, CHARACTER_SET_NAME \
         FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE COLLATION_NAME IN ({marks})"
    );
    let params: Vec<Value> = collations.iter().map(|c| Value::Text(c.clone())).collect();
    Ok(conn
        .query(&sql, &params)?
        .iter()
        .map(|r| (text(r, 0), text(r, 1)))
        .collect())
}

fn read_columns(
    conn: &mut dyn Connection,
    filter: Filter<'_>,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), DbError> {
    let mut rows = COLUMNS.rows(conn, filter)?;
    rows.sort_by_cached_key(|r| (text(r, 0), int(r, 10)));
    for r in rows {
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
    Ok(())
}

/// Primary keys, unique constraints and foreign keys; returns the unique constraints'
/// (table, name), whose indexes are not listed again as indexes.
fn read_keys(
    conn: &mut dyn Connection,
    filter: Filter<'_>,
    tables: &mut BTreeMap<String, Table>,
) -> Result<BTreeSet<(String, String)>, DbError> {
    let mut rows = KEYS.rows(conn, filter)?;
    rows.sort_by_cached_key(|r| (text(r, 0), ci(&text(r, 1)), int(r, 5)));
    let has_foreign_keys = rows.iter().any(|r| opt_text(r, 3).is_some());
    let rules: BTreeMap<(String, String), (String, String)> = if has_foreign_keys {
        RULES
            .rows(conn, filter)?
            .iter()
            .map(|r| ((text(r, 0), text(r, 1)), (text(r, 2), text(r, 3))))
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut unique_names = BTreeSet::new();
    for r in rows {
        let Some(t) = tables.get_mut(&text(&r, 0)) else {
            continue;
        };
        let (name, column) = (text(&r, 1), text(&r, 2));
        if let Some(ref_table) = opt_text(&r, 3) {
            add_foreign_key_column(t, name, column, ref_table, text(&r, 4), &rules);
        } else if name == "PRIMARY" {
            t.primary_key
                .get_or_insert_with(|| PrimaryKey {
                    name: None,
                    columns: Vec::new(),
                })
                .columns
                .push(column);
        } else {
            unique_names.insert((t.name.clone(), name.clone()));
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
    }
    Ok(unique_names)
}

fn add_foreign_key_column(
    t: &mut Table,
    name: String,
    column: String,
    ref_table: String,
    ref_column: String,
    rules: &BTreeMap<(String, String), (String, String)>,
) {
    if let Some(f) = t
        .foreign_keys
        .iter_mut()
        .find(|f| f.name.as_deref() == Some(&name))
    {
        f.columns.push(column);
        f.ref_columns.push(ref_column);
        return;
    }
    let (on_delete, on_update) = rules
        .get(&(t.name.clone(), name.clone()))
        .map(|(d, u)| (action(d), action(u)))
        .unwrap_or((None, None));
    t.foreign_keys.push(ForeignKey {
        name: Some(name),
        columns: vec![column],
        ref_table,
        ref_columns: vec![ref_column],
        on_delete,
        on_update,
    });
}

fn read_indexes(
    conn: &mut dyn Connection,
    filter: Filter<'_>,
    tables: &mut BTreeMap<String, Table>,
    unique_names: &BTreeSet<(String, String)>,
) -> Result<(), DbError> {
    let mut rows = INDEXES.rows(conn, filter)?;
    rows.sort_by_cached_key(|r| (text(r, 0), ci(&text(r, 1)), int(r, 4)));
    for r in rows {
        let key = (text(&r, 0), text(&r, 1));
        if unique_names.contains(&key) {
            continue;
        }
        let (table, name) = key;
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
    Ok(())
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
