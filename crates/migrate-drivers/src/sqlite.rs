//! SQLite through `rusqlite` with the bundled library, so every user gets the same SQLite.

use std::time::Duration;

use migrate_core::dialect::{Dialect, SQLITE};
use migrate_core::url::SqliteTarget;
use migrate_core::{Connection, DbError, Value};
use rusqlite::types::{Value as SqlValue, ValueRef};

/// A connection to an SQLite database.
pub struct SqliteConnection {
    conn: rusqlite::Connection,
}

impl SqliteConnection {
    /// Opens the file (creating it, as SQLite does) or an in-memory database.
    ///
    /// # Errors
    /// The message and remedy when SQLite cannot open it.
    pub fn open(target: &SqliteTarget) -> Result<SqliteConnection, (String, Option<String>)> {
        let opened = match target {
            SqliteTarget::File(path) => rusqlite::Connection::open(path).map_err(|e| {
                (
                    e.to_string(),
                    Some(format!(
                        "check that the directory of '{}' exists and is writable",
                        path.display()
                    )),
                )
            })?,
            _ => rusqlite::Connection::open_in_memory().map_err(|e| (e.to_string(), None))?,
        };
        Self::from_connection(opened).map_err(|e| (e.message, None))
    }

    /// Opens a database that must already exist: never creates the file.
    ///
    /// # Errors
    /// The message and remedy when the file is missing or SQLite cannot open it.
    pub fn open_existing(
        target: &SqliteTarget,
    ) -> Result<SqliteConnection, (String, Option<String>)> {
        Self::open_with(target, crate::Access::Existing)
    }

    /// Opens the file as `access` allows: creating it, only if it exists, or read-only.
    /// An in-memory database is always created.
    ///
    /// # Errors
    /// The message and remedy when the file is missing or SQLite cannot open it.
    pub fn open_with(
        target: &SqliteTarget,
        access: crate::Access,
    ) -> Result<SqliteConnection, (String, Option<String>)> {
        use rusqlite::OpenFlags;
        let SqliteTarget::File(path) = target else {
            return Self::open(target);
        };
        // Without SQLITE_OPEN_CREATE, SQLite itself refuses a missing file, with no race.
        let flags = match access {
            crate::Access::Create => return Self::open(target),
            crate::Access::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
            _ => OpenFlags::SQLITE_OPEN_READ_WRITE,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| {
            if path.exists() {
                (e.to_string(), None)
            } else {
                (
                    format!("the database '{}' does not exist", path.display()),
                    Some(
                        "check the path; a command that only reads, or a URL with ?mode=rw or \
                         ?mode=ro, never creates a database"
                            .into(),
                    ),
                )
            }
        })?;
        Self::from_connection(opened).map_err(|e| (e.message, None))
    }

    /// Wraps a connection the application already has.
    ///
    /// # Errors
    /// The database's error while configuring the connection.
    pub fn from_connection(conn: rusqlite::Connection) -> Result<SqliteConnection, DbError> {
        // Another writer holding the lock makes us wait rather than fail at once.
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(db_error)?;
        Ok(SqliteConnection { conn })
    }

    /// The underlying `rusqlite` connection.
    pub fn inner(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

fn db_error(e: rusqlite::Error) -> DbError {
    let integrity = e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation);
    let error = DbError::new(e.to_string());
    if integrity {
        error.with_sqlstate("23000")
    } else {
        error
    }
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Text(t) => SqlValue::Text(t.clone()),
        _ => SqlValue::Null,
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &SQLITE
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.execute_batch(sql).map_err(db_error)
    }

    fn last_insert_id(&self) -> Option<i64> {
        Some(self.conn.last_insert_rowid()).filter(|id| *id > 0)
    }

    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_error)?;
        let changed = stmt
            .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(db_error)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_error)?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(db_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(from_sql(row.get_ref(i).map_err(db_error)?));
            }
            out.push(values);
        }
        Ok(out)
    }
}
