//! The migration lock: one run at a time per (database, repository).
//!
//! PostgreSQL takes a session advisory lock, MySQL/MariaDB a `GET_LOCK` named lock, SQLite a
//! write transaction (`BEGIN IMMEDIATE`) held for the whole run, with each version a savepoint
//! inside it. Where a session lock does not exclude other runs (a Galera node, a pooling
//! proxy; see [`crate::dialect::Dialect::lock_site`]) or when asked to, a lease lock: a row in
//! a table of ours (the `lease` module). The lock is a guard: it is released on every path,
//! including early returns and panics, and a crashed process's session lock dies with its
//! connection (a lease lock when its lease runs out). The current version must be read
//! *after* taking the lock, so that a run that waited sees what the previous one did.

mod lease;
mod watched;

use std::thread;
use std::time::{Duration, Instant};

use crate::connection::{Connection, DbError, Value};
use crate::dialect::{LockSite, MigrationLock};
use crate::repository::{Config, RepositoryId};

use watched::Watched;

/// Which lock a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LockKind {
    /// The session lock where it excludes every other run, the lease lock where it does not
    /// (a Galera node, a server behind a proxy).
    #[default]
    Auto,
    /// The session lock, even where the server seems to be behind a proxy.
    Session,
    /// The lease lock, wherever the run is (SQLite keeps its write transaction, which no
    /// proxy or cluster can share).
    Table,
}

/// How long a lease lasts unless told otherwise; a live run renews it every third of that.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// What a run asks of the lock.
#[derive(Debug, Clone)]
pub struct LockRequest {
    /// The repository whose runs exclude each other.
    pub repository_id: RepositoryId,
    /// How long to wait for another run.
    pub timeout: Duration,
    /// Which lock.
    pub kind: LockKind,
    /// The lease lock's lease (whole seconds, at least 3).
    pub lease: Duration,
    /// The lease lock's table (`<version_table>_lock`).
    pub table: String,
}

impl LockRequest {
    /// The request for the repository `config` describes.
    pub fn new(config: &Config, timeout: Duration, kind: LockKind, lease: Duration) -> Self {
        LockRequest {
            repository_id: config.repository_id.clone(),
            timeout,
            kind,
            lease,
            table: config.lock_table().as_str().to_string(),
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another run held it for longer than the timeout.
    #[error("gave up waiting for the migration lock of '{repository_id}' after {}s{}", waited.as_secs(), holder.as_ref().map(|h| format!("; it is held by {h}")).unwrap_or_default())]
    Timeout {
        /// The repository.
        repository_id: RepositoryId,
        /// How long we waited.
        waited: Duration,
        /// Who holds it, where the database can tell.
        holder: Option<String>,
    },
    /// The database refused a lock statement.
    #[error("cannot take the migration lock: {0}")]
    Db(#[from] DbError),
    /// The server takes no writes (a standby, `read_only`): refused before anything.
    #[error("this server is a read-only replica ({what}); nothing was changed")]
    ReadOnly {
        /// How the server said so.
        what: &'static str,
    },
    /// A cluster node outside the primary component (Galera): refused before anything.
    #[error(
        "this cluster node is not part of the primary component ({status}); nothing was changed"
    )]
    NotPrimary {
        /// What the node said of itself.
        status: String,
    },
    /// A lease lock ran out during the run and another run took it over.
    #[error("the migration lock of '{repository_id}' was lost during the run: {why}")]
    Lost {
        /// The repository.
        repository_id: RepositoryId,
        /// What happened, and who holds it now where known.
        why: String,
    },
}

impl LockError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            LockError::Timeout { .. } => Some(
                "another migration is running against this database; wait for it, or raise --lock-timeout".into(),
            ),
            LockError::ReadOnly { .. } => Some(
                "run it against the primary (the server that takes writes); db_version and \
                 status work here"
                    .into(),
            ),
            LockError::NotPrimary { .. } => Some(
                "connect to a node of the primary component; this one is cut off from the \
                 cluster or still joining"
                    .into(),
            ),
            LockError::Lost { .. } => Some(
                "the lease was not renewed in time (a stalled process or a lost connection); \
                 check `status` for a dirty step, and raise --lock-lease if steps stall for \
                 long"
                    .into(),
            ),
            LockError::Db(_) => Some(
                "behind a transaction-pooling proxy (PgBouncer pool_mode=transaction) session locks \
                 do not hold; connect directly or through a session-pooled port"
                    .into(),
            ),
        }
    }
}

/// Tells the caller the run is waiting, and for whom.
pub trait LockObserver {
    /// The lock is taken by someone else; `holder` says who, where the database can tell.
    fn waiting(&mut self, _holder: Option<&str>) {}

    /// The lease lock of a run that stopped renewing it (`holder`) ran out and was taken
    /// over: that run died, or lost its connection, perhaps half-way through a step.
    fn took_over(&mut self, _holder: &str) {}
}

/// The held lock. Release it with [`LockGuard::release`]; dropping it releases too (for
/// SQLite, dropping rolls the run back, release commits it).
pub struct LockGuard<'c> {
    conn: Watched<'c>,
    name: String,
    kind: HeldKind,
    /// A transaction opened by [`LockGuard::begin_run`] beside a session lock.
    run_transaction: bool,
    released: bool,
}

enum HeldKind {
    Session {
        release: &'static str,
    },
    Lease(Box<lease::Held>),
    /// `restore` sets foreign-key enforcement back as it was.
    WriteTransaction {
        restore: Option<&'static str>,
    },
}

impl<'c> LockGuard<'c> {
    /// Takes the lock `request` asks for, waiting up to its timeout.
    ///
    /// # Errors
    /// [`LockError::Timeout`] naming the holder, a server that takes no writes, or the
    /// database's error.
    pub fn acquire(
        conn: &'c mut dyn Connection,
        request: &LockRequest,
        observer: &mut dyn LockObserver,
    ) -> Result<LockGuard<'c>, LockError> {
        // Before the lock: a replica refuses writes late and in its own words, and a
        // MySQL root bypasses read_only altogether, writing to a replica silently.
        if let Some(check) = conn.dialect().read_only_check() {
            let rows = conn.query(check.query, &[])?;
            let flag = rows
                .first()
                .and_then(|r| r.first())
                .and_then(|v| v.as_int());
            if flag.is_some_and(|f| f != 0) {
                return Err(LockError::ReadOnly { what: check.what });
            }
        }
        let name = format!("migrate:{}", request.repository_id.as_str());
        let timed_out = |holder| LockError::Timeout {
            repository_id: request.repository_id.clone(),
            waited: request.timeout,
            holder,
        };
        let kind = match conn.dialect().migration_lock() {
            MigrationLock::Session {
                try_acquire,
                release,
                holder,
            } => {
                let site = conn.dialect().lock_site(conn)?;
                let lease_sql = conn.dialect().lease_lock_sql(&request.table);
                match (request.kind, site, lease_sql) {
                    (LockKind::Session, _, _)
                    | (LockKind::Auto, LockSite::Trusted, _)
                    | (_, _, None) => {
                        wait_for_session_lock(
                            conn,
                            &name,
                            try_acquire,
                            holder,
                            request.timeout,
                            observer,
                        )
                        .map_err(timed_out)??;
                        HeldKind::Session { release }
                    }
                    (_, _, Some(sql)) => {
                        HeldKind::Lease(Box::new(lease::Held::take(conn, sql, request, observer)?))
                    }
                }
            }
            MigrationLock::WriteTransaction {
                busy_timeout,
                foreign_keys,
            } => {
                let enforced = conn
                    .query(foreign_keys, &[])
                    .map_err(LockError::Db)?
                    .first()
                    .and_then(|r| r.first())
                    .and_then(Value::as_int)
                    == Some(1);
                // Rebuilding a table drops it; with enforcement on that would delete (or
                // refuse) rows that reference it. The pragma is a no-op inside a transaction.
                // See: https://www.sqlite.org/lang_altertable.html#otheralter
                if enforced {
                    conn.execute(&format!("{foreign_keys} = 0"))
                        .map_err(LockError::Db)?;
                }
                let restore = enforced.then_some(foreign_keys);
                begin_write(conn, busy_timeout, request.timeout, observer).map_err(
                    |e| match e {
                        WriteLockError::Busy => timed_out(None),
                        WriteLockError::Db(e) => LockError::Db(e),
                    },
                )?;
                HeldKind::WriteTransaction { restore }
            }
        };
        let lost = match &kind {
            HeldKind::Lease(held) => Some(held.lost_flag()),
            _ => None,
        };
        Ok(LockGuard {
            conn: Watched::new(conn, lost, request.repository_id.clone()),
            name,
            kind,
            run_transaction: false,
            released: false,
        })
    }

    /// The connection, for the work done under the lock. Under a lease lock its statements
    /// fail once the lease is lost, rather than run beside the run that took it over.
    pub fn conn(&mut self) -> &mut dyn Connection {
        &mut self.conn
    }

    /// Whether work under this lock already runs in a transaction, so each version must be a
    /// savepoint rather than a transaction of its own.
    pub fn nests_transactions(&self) -> bool {
        matches!(self.kind, HeldKind::WriteTransaction { .. })
    }

    /// Makes the rest of the run one transaction, committed by [`LockGuard::release`] and
    /// rolled back by [`LockGuard::abort`]. SQLite's lock already is one.
    ///
    /// # Errors
    /// The database's error.
    pub fn begin_run(&mut self) -> Result<(), DbError> {
        if !self.nests_transactions() {
            let begin = self.conn.dialect().begin_transaction();
            self.conn.execute(begin)?;
            self.run_transaction = true;
        }
        Ok(())
    }

    /// Rolls back the run's transaction (see [`LockGuard::begin_run`]; for SQLite, all work
    /// under the lock), then releases the lock.
    ///
    /// # Errors
    /// The database's error.
    pub fn abort(mut self) -> Result<(), LockError> {
        self.finish_aborted()
    }

    fn finish_aborted(&mut self) -> Result<(), LockError> {
        self.released = true;
        let conn = self.conn.inner();
        let rolled_back = match &self.kind {
            HeldKind::WriteTransaction { restore } => {
                let rolled_back = conn.execute("ROLLBACK");
                restore_foreign_keys(conn, *restore);
                rolled_back
            }
            _ if self.run_transaction => conn.execute("ROLLBACK"),
            _ => Ok(()),
        };
        self.release_lock()?;
        Ok(rolled_back?)
    }

    /// Releases a session or lease lock (a write transaction ends with its commit).
    fn release_lock(&mut self) -> Result<(), LockError> {
        let conn = self.conn.inner();
        match &mut self.kind {
            HeldKind::Session { release } => {
                conn.query(release, &[Value::Text(self.name.clone())])?;
                Ok(())
            }
            HeldKind::Lease(held) => held.release(conn),
            HeldKind::WriteTransaction { .. } => Ok(()),
        }
    }

    /// Releases the lock, keeping the work done under it.
    ///
    /// # Errors
    /// The database's error (for SQLite, or a run made one transaction, the commit's), or
    /// a lease lost during the run.
    pub fn release(mut self) -> Result<(), LockError> {
        self.released = true;
        if self.run_transaction {
            if let Err(e) = self.conn.inner().execute("COMMIT") {
                let _ = self.finish_aborted();
                return Err(e.into());
            }
        }
        match &self.kind {
            HeldKind::WriteTransaction { restore } => {
                let restore = *restore;
                let conn = self.conn.inner();
                let committed = conn.execute("COMMIT");
                restore_foreign_keys(conn, restore);
                Ok(committed?)
            }
            _ => self.release_lock(),
        }
    }
}

fn restore_foreign_keys(conn: &mut dyn Connection, restore: Option<&str>) {
    if let Some(pragma) = restore {
        // Best effort: the setting belongs to this connection only, which is about to end.
        let _ = conn.execute(&format!("{pragma} = 1"));
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // Unwinding from another error: a failed release cannot be reported, and the lock
        // dies with the connection anyway (a lease lock with its lease).
        let _ = self.finish_aborted();
    }
}

/// Polls the session lock until it is taken (`Ok(Ok(()))`), the database fails
/// (`Ok(Err(_))`), or the timeout passes (`Err(holder)`).
fn wait_for_session_lock(
    conn: &mut dyn Connection,
    name: &str,
    try_acquire: &str,
    holder_sql: &str,
    timeout: Duration,
    observer: &mut dyn LockObserver,
) -> Result<Result<(), DbError>, Option<String>> {
    let key = [Value::Text(name.to_string())];
    let start = Instant::now();
    let mut pause = Duration::from_millis(10);
    let mut reported = false;
    loop {
        let taken = match conn.query(try_acquire, &key) {
            Ok(rows) => rows.first().and_then(|r| r.first()).and_then(Value::as_int),
            Err(e) => return Ok(Err(e)),
        };
        // 1 is taken and 0 is busy; NULL is an error, and waiting for it would only end in a
        // timeout that blames another migration.
        let Some(taken) = taken.map(|t| t == 1) else {
            return Ok(Err(DbError::new(
                "the database could not take the migration lock (its lock function returned \
                 NULL); a MySQL connection does this when it has no database selected",
            )));
        };
        if taken {
            return Ok(Ok(()));
        }
        let mut holder = || {
            conn.query(holder_sql, &key).ok().and_then(|rows| {
                rows.into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .and_then(|v| match v {
                        Value::Text(t) => Some(t),
                        _ => None,
                    })
            })
        };
        if start.elapsed() >= timeout {
            return Err(holder());
        }
        if !reported {
            observer.waiting(holder().as_deref());
            reported = true;
        }
        thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

enum WriteLockError {
    Busy,
    Db(DbError),
}

/// `BEGIN IMMEDIATE` at once; when another writer has the database, says so and waits on
/// the busy timeout.
fn begin_write(
    conn: &mut dyn Connection,
    busy_timeout: &str,
    timeout: Duration,
    observer: &mut dyn LockObserver,
) -> Result<(), WriteLockError> {
    let set = |conn: &mut dyn Connection, ms: u128| {
        conn.execute(&busy_timeout.replace("{}", &ms.to_string()))
    };
    let begin = conn.dialect().begin_transaction();
    set(conn, 0).map_err(WriteLockError::Db)?;
    let first = conn.execute(begin);
    let result = match first {
        Ok(()) => Ok(()),
        Err(e) if is_busy(&e) => {
            observer.waiting(None);
            set(conn, timeout.as_millis()).map_err(WriteLockError::Db)?;
            conn.execute(begin).map_err(|e| {
                if is_busy(&e) {
                    WriteLockError::Busy
                } else {
                    WriteLockError::Db(e)
                }
            })
        }
        Err(e) => Err(WriteLockError::Db(e)),
    };
    // Later statements of the run should wait for readers rather than fail.
    let _ = set(conn, timeout.as_millis());
    result
}

fn is_busy(e: &DbError) -> bool {
    e.message.contains("database is locked") || e.message.contains("database is busy")
}
