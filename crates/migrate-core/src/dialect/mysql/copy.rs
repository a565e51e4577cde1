//! Copying a database on MySQL/MariaDB, which has no `CREATE DATABASE … TEMPLATE`: each
//! table's `SHOW CREATE TABLE` is replayed in the new database and its rows are copied with
//! `INSERT … SELECT` from the template. Read once per template, replayed per copy in one
//! batch (one round trip).
//!
//! `CREATE TABLE new.t LIKE tmpl.t` was not taken: it leaves out foreign keys
//! (<https://mariadb.com/kb/en/create-table/#create-table-like>). What the replay cannot
//! copy faithfully (views, whose text names the template; triggers; routines; events;
//! sequences) makes it decline, and the caller runs the migrations instead.

use std::collections::BTreeMap;

use super::Mysql;
use crate::connection::{Connection, DbError, Value};
use crate::dialect::Dialect;
use crate::dialect::reflect::{int, text};

/// How many objects of `template` the replay would not copy.
const UNCOPIED: &str = "SELECT \
    (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'BASE TABLE') \
    + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?) \
    + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) \
    + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?)";

/// Every stored (not generated) column of every base table, in order: generated columns
/// take no values in an `INSERT`.
const COLUMNS: &str = "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.ORDINAL_POSITION \
    FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = ? \
    AND c.EXTRA NOT LIKE '%GENERATED%' AND c.EXTRA NOT LIKE '%PERSISTENT%'";

const TABLES: &str = "SELECT TABLE_NAME FROM information_schema.TABLES \
    WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'";

/// The statements rebuilding `template`'s tables and rows in the current database, or
/// `None` when it holds objects they would not copy.
pub(super) fn copy_script(
    dialect: &Mysql,
    conn: &mut dyn Connection,
    template: &str,
) -> Result<Option<Vec<String>>, DbError> {
    let name = Value::Text(template.to_string());
    let uncopied = conn.query(
        UNCOPIED,
        &[name.clone(), name.clone(), name.clone(), name.clone()],
    )?;
    if uncopied.first().and_then(|r| int(r, 0)).unwrap_or(0) != 0 {
        return Ok(None);
    }
    let mut columns: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in conn.query(COLUMNS, std::slice::from_ref(&name))? {
        columns
            .entry(text(&row, 0))
            .or_default()
            .push((int(&row, 2).unwrap_or(0), text(&row, 1)));
    }
    let mut tables: Vec<String> = conn
        .query(TABLES, &[name])?
        .iter()
        .map(|r| text(r, 0))
        .collect();
    // Sorted here: ORDER BY over an information_schema view spills it into a temporary table.
    tables.sort();
    let q = |s: &str| dialect.quote_ident(s);
    // Tables are created in name order, so one may reference another not made yet.
    let mut script = vec!["SET FOREIGN_KEY_CHECKS = 0".to_string()];
    for table in &tables {
        let source = format!("{}.{}", q(template), q(table));
        let create = conn.query(&format!("SHOW CREATE TABLE {source}"), &[])?;
        let ddl = create.first().map(|r| text(r, 1)).unwrap_or_default();
        if ddl.is_empty() {
            return Err(DbError::new(format!(
                "SHOW CREATE TABLE {source} returned no definition"
            )));
        }
        script.push(ddl);
        let has_rows = conn.query(&format!("SELECT EXISTS (SELECT 1 FROM {source})"), &[])?;
        if has_rows.first().and_then(|r| int(r, 0)).unwrap_or(0) != 0 {
            let mut stored = columns.remove(table).unwrap_or_default();
            stored.sort();
            let list: Vec<String> = stored.iter().map(|(_, c)| q(c)).collect();
            let list = list.join(", ");
            script.push(format!(
                "INSERT INTO {} ({list}) SELECT {list} FROM {source}",
                q(table)
            ));
        }
    }
    script.push("SET FOREIGN_KEY_CHECKS = 1".to_string());
    Ok(Some(script))
}
