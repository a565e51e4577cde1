//! The one seam between migrate and a database driver.
//!
//! Drivers (the `migrate-drivers` crate, or an application's own) implement [`Connection`];
//! everything above talks to databases only through it. Transactions are guards that roll
//! back when dropped, so an early `?` can never leave one open.

use crate::dialect::Dialect;

/// A value passed to or read from a query. Migrate's own queries need no more than these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Any integer column.
    Int(i64),
    /// Any text column.
    Text(String),
}

/// As SQL shows it: `NULL`, `-1`, `'text'`. Messages quote values this way, never as Rust
/// debug text (`Int(-1)`).
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(t) => write!(f, "'{}'", t.replace('\'', "''")),
        }
    }
}

impl Value {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Null => None,
        }
    }
}

/// An error reported by the database or its driver, already free of passwords.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    /// The database's own message (e.g. `ERROR 1146 (42S02): Table 'x' doesn't exist`).
    pub message: String,
    /// The SQL standard's five-character SQLSTATE, where the database gives one (SQLite's
    /// constraint violations are reported as `23000`).
    pub sqlstate: Option<String>,
}

impl DbError {
    /// Wraps a message.
    pub fn new(message: impl Into<String>) -> DbError {
        DbError {
            message: message.into(),
            sqlstate: None,
        }
    }

    /// The same error, with its SQLSTATE.
    pub fn with_sqlstate(mut self, sqlstate: impl Into<String>) -> DbError {
        self.sqlstate = Some(sqlstate.into());
        self
    }

    /// Whether other objects depend on what the statement would drop (SQLSTATE 2BP01: a
    /// table a foreign key of another table still references).
    pub fn is_dependency_violation(&self) -> bool {
        self.sqlstate.as_deref() == Some("2BP01")
    }

    /// Whether the connection was lost (SQLSTATE class 08): the server may or may not have
    /// carried out the statement under way, or committed the transaction.
    pub fn is_connection_lost(&self) -> bool {
        self.sqlstate
            .as_deref()
            .is_some_and(|s| s.starts_with("08"))
    }

    /// Whether the statement lost a race with another session's and may simply be tried
    /// again: a serialization failure or deadlock (SQLSTATE 40001, 40P01), which is also how
    /// a Galera node reports a transaction that failed certification against another node's.
    pub fn is_conflict(&self) -> bool {
        matches!(self.sqlstate.as_deref(), Some("40001" | "40P01"))
    }

    /// Whether a constraint refused the statement (SQLSTATE class 23: a duplicate key, a
    /// foreign key, a NOT NULL): what SQLAlchemy raised as `IntegrityError`.
    pub fn is_integrity_violation(&self) -> bool {
        self.sqlstate
            .as_deref()
            .is_some_and(|s| s.starts_with("23"))
    }
}

/// A live database session.
pub trait Connection {
    /// The SQL dialect of this database.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs one statement (or a batch where the driver allows it) that takes no parameters
    /// and whose rows, if any, are discarded.
    ///
    /// # Errors
    /// The database's error.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs a statement with parameters (markers from [`Dialect::placeholder`]) and returns
    /// the number of rows it changed.
    ///
    /// # Errors
    /// The database's error.
    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Runs a query with parameters and returns all its rows.
    ///
    /// # Errors
    /// The database's error.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError>;

    /// Runs statements in order, in as few round trips as the protocol allows, stopping at
    /// the first failure. The error carries the failing statement's 0-based index when the
    /// driver can tell.
    ///
    /// # Errors
    /// The first failure, with its index where known.
    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        for (i, sql) in statements.iter().enumerate() {
            self.execute(sql).map_err(|error| BatchError {
                index: Some(i),
                error,
            })?;
        }
        Ok(())
    }

    /// The id the last `INSERT` generated, where the driver reports it without a query.
    fn last_insert_id(&self) -> Option<i64> {
        None
    }

    /// Opens, on any thread, another session to the same database with the same settings:
    /// the lease lock renews itself on one while this session runs long statements. `None`
    /// where the connection cannot tell how it was opened.
    fn reopener(&self) -> Option<Reopen> {
        None
    }

    /// The TCP port this session was opened to, where it is a TCP session: a server that
    /// says it listens on another port is behind a proxy.
    fn remote_port(&self) -> Option<u16> {
        None
    }
}

/// Opens a new session (see [`Connection::reopener`]).
pub type Reopen = Box<dyn Fn() -> Result<Box<dyn Connection>, DbError> + Send>;

/// A statement of a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    /// Which statement (0-based), when the driver can tell.
    pub index: Option<usize>,
    /// The database's error.
    pub error: DbError,
}

/// An open transaction (or a savepoint inside one). Commit it explicitly; dropping it rolls
/// back.
pub struct Transaction<'c> {
    conn: &'c mut dyn Connection,
    bounds: Bounds,
    done: bool,
}

const SAVEPOINT: &str = "migrate_step";

/// How a step's transaction opens, commits and rolls back: a transaction of its own, or a
/// savepoint inside the transaction the run holds (`nested`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    nested: bool,
}

impl Bounds {
    pub(crate) fn new(nested: bool) -> Bounds {
        Bounds { nested }
    }

    pub(crate) fn begin(self, dialect: &dyn crate::dialect::Dialect) -> String {
        if self.nested {
            format!("SAVEPOINT {SAVEPOINT}")
        } else {
            dialect.begin_transaction().to_string()
        }
    }

    pub(crate) fn commit(self) -> String {
        if self.nested {
            format!("RELEASE SAVEPOINT {SAVEPOINT}")
        } else {
            "COMMIT".to_string()
        }
    }

    pub(crate) fn rollback(self) -> String {
        if self.nested {
            format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}")
        } else {
            "ROLLBACK".to_string()
        }
    }
}

impl<'c> Transaction<'c> {
    /// Opens a transaction with the dialect's `BEGIN`.
    ///
    /// # Errors
    /// The database's error.
    pub fn begin(conn: &'c mut dyn Connection) -> Result<Transaction<'c>, DbError> {
        Self::open(conn, Bounds::new(false))
    }

    fn open(conn: &'c mut dyn Connection, bounds: Bounds) -> Result<Transaction<'c>, DbError> {
        conn.execute(&bounds.begin(conn.dialect()))?;
        Ok(Transaction {
            conn,
            bounds,
            done: false,
        })
    }

    /// A transaction that the first statement will end anyway (MySQL DDL commits what is
    /// open before it runs): no `BEGIN` is sent, the rest behaves as [`Transaction::begin`].
    pub fn ended_by_first_statement(conn: &'c mut dyn Connection) -> Transaction<'c> {
        Transaction {
            conn,
            bounds: Bounds::new(false),
            done: false,
        }
    }

    /// Opens a savepoint inside the transaction already open on `conn`; it commits and
    /// rolls back like a transaction of its own.
    ///
    /// # Errors
    /// The database's error.
    pub fn savepoint(conn: &'c mut dyn Connection) -> Result<Transaction<'c>, DbError> {
        Self::open(conn, Bounds::new(true))
    }

    /// The connection, for statements inside the transaction.
    pub fn conn(&mut self) -> &mut dyn Connection {
        self.conn
    }

    /// Commits.
    ///
    /// # Errors
    /// The database's error (the transaction is then rolled back).
    pub fn commit(mut self) -> Result<(), DbError> {
        self.done = true;
        self.conn.execute(&self.bounds.commit())
    }

    /// Runs `statements` and commits, all in one batch (one round trip where the protocol
    /// allows). The statements' row counts are not seen.
    ///
    /// # Errors
    /// The failing statement's index in `statements` and the database's error (the
    /// transaction is then rolled back).
    pub fn commit_after(mut self, mut statements: Vec<String>) -> Result<(), BatchError> {
        statements.push(self.bounds.commit());
        let result = self.conn.execute_all(&statements);
        self.done = result.is_ok();
        result
    }

    /// Rolls back explicitly (dropping does the same, ignoring errors).
    ///
    /// # Errors
    /// The database's error.
    pub fn rollback(mut self) -> Result<(), DbError> {
        self.done = true;
        self.conn.execute(&self.bounds.rollback())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Nothing useful can be done with a failed rollback while unwinding from another
            // error; the connection is about to be closed, which rolls back anyway.
            let _ = self.conn.execute(&self.bounds.rollback());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn values_display_as_sql_not_debug_text() {
        assert_eq!(Value::Int(-1).to_string(), "-1");
        assert_eq!(Value::Text("it's".into()).to_string(), "'it''s'");
        assert_eq!(Value::Null.to_string(), "NULL");
    }
}
