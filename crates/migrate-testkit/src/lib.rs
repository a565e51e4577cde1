//! Test support for migrate: a Rust port of `testdata/sam-oracle/dump_schema.py`, the
//! normaliser the records of the real sqlalchemy-migrate 0.13 (the oracle) were made with,
//! so tests compare the schemas migrate produces with those records without Python.
//!
//! [`dump_schema`] reads the catalogs with the same queries as the Python script (through
//! migrate's own drivers instead of PyMySQL, psycopg2 and sqlite3) and returns the same JSON;
//! [`to_python_json`] prints it as `dump_schema.py URL --data` does; [`compare_dumps`]
//! compares two dumps the way the oracle's README says to (ignoring the server version, the
//! database name and migrate's own journal table) and names every differing key.

mod compare;
mod mysql;
mod normalize;
mod postgres;
mod sqlite;

use migrate_core::dialect::DialectKind;
use migrate_core::{Connection, DbError};
use serde_json::Value as Json;

pub use compare::{JOURNAL_TABLE, compare_dumps, strip_ignored};
pub use normalize::python_json;

/// The normalised description of the database `conn` is connected to, exactly as
/// `dump_schema.py URL` prints it (`URL --data` when `with_data`): dialect, server version,
/// database options, every table's columns, keys, indexes and constraints, PostgreSQL's
/// sequences and enum types, the `migrate_version` rows and, with data, every other table's
/// rows (sorted).
///
/// # Errors
/// The database's error from any catalog query.
pub fn dump_schema(conn: &mut dyn Connection, with_data: bool) -> Result<Json, DbError> {
    match conn.dialect().kind() {
        DialectKind::Sqlite => sqlite::dump(conn, with_data),
        DialectKind::Postgres => postgres::dump(conn, with_data),
        DialectKind::Mysql => mysql::dump(conn, with_data),
        other => Err(DbError::new(format!("no dump_schema for {other:?}"))),
    }
}

/// The text `dump_schema.py` prints for a dump: `json.dump(out, indent=2, sort_keys=True,
/// ensure_ascii=False)` and a newline.
pub fn to_python_json(dump: &Json) -> String {
    let mut text = python_json(dump, Some(2), false);
    text.push('\n');
    text
}
