//! The connection a run works on under the lock. Under a lease lock it refuses every
//! statement once the lease is known lost: another run may hold the lock by then, and two
//! runs must never apply steps side by side.

use std::sync::{Arc, Mutex};

use crate::connection::{BatchError, Connection, DbError, Reopen, Value};
use crate::dialect::Dialect;
use crate::repository::RepositoryId;

/// Why the lease was lost, once it is.
pub(super) type LostFlag = Arc<Mutex<Option<String>>>;

pub(super) struct Watched<'c> {
    conn: &'c mut dyn Connection,
    lost: Option<LostFlag>,
    repository_id: RepositoryId,
}

impl<'c> Watched<'c> {
    pub(super) fn new(
        conn: &'c mut dyn Connection,
        lost: Option<LostFlag>,
        repository_id: RepositoryId,
    ) -> Watched<'c> {
        Watched {
            conn,
            lost,
            repository_id,
        }
    }

    /// The connection itself, for the lock's own statements.
    pub(super) fn inner(&mut self) -> &mut dyn Connection {
        self.conn
    }

    /// Refuses work once the lease is lost; a rollback still goes through, undoing what it
    /// can of the step under way.
    fn check(&self, sql: &str) -> Result<(), DbError> {
        let rollback = sql
            .trim_start()
            .get(..8)
            .is_some_and(|w| w.eq_ignore_ascii_case("ROLLBACK"));
        if rollback {
            return Ok(());
        }
        let why = self
            .lost
            .as_ref()
            .and_then(|flag| flag.lock().ok().and_then(|w| w.clone()));
        match why {
            None => Ok(()),
            Some(why) => Err(DbError::new(
                super::LockError::Lost {
                    repository_id: self.repository_id.clone(),
                    why,
                }
                .to_string(),
            )),
        }
    }
}

impl Connection for Watched<'_> {
    fn dialect(&self) -> &'static dyn Dialect {
        self.conn.dialect()
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.check(sql)?;
        self.conn.execute(sql)
    }

    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.check(sql)?;
        self.conn.execute_with(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.check(sql)?;
        self.conn.query(sql, params)
    }

    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        let first = statements.first().map_or("", String::as_str);
        self.check(first).map_err(|error| BatchError {
            index: Some(0),
            error,
        })?;
        self.conn.execute_all(statements)
    }

    fn last_insert_id(&self) -> Option<i64> {
        self.conn.last_insert_id()
    }

    fn reopener(&self) -> Option<Reopen> {
        self.conn.reopener()
    }

    fn remote_port(&self) -> Option<u16> {
        self.conn.remote_port()
    }
}
