//! The lease lock: a row in a table of ours (`<version_table>_lock`) naming its owner and
//! when its lease runs out, for where a session lock does not exclude other runs.
//!
//! The row is taken in a statement of its own, committed at once: on PostgreSQL the primary
//! key lets one insert win; on a Galera cluster certification does the same across nodes
//! (the loser's commit fails as a deadlock, and it waits like any other). A thread renews
//! the lease on a session of its own every third of it, so a step may run for as long as it
//! needs; a run that stops renewing (killed, cut off) loses the lock when the lease runs out,
//! and the next run takes it over, saying whose it was. A run that finds its lease gone
//! stops before its next statement (see `watched`).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::watched::LostFlag;
use super::{LockError, LockObserver, LockRequest};
use crate::connection::{Connection, DbError, Reopen, Value};
use crate::dialect::LeaseLockSql;
use crate::repository::RepositoryId;

/// A held lease lock.
pub(crate) struct Held {
    sql: LeaseLockSql,
    key: Value,
    owner: Value,
    repository_id: RepositoryId,
    lost: LostFlag,
    heartbeat: Option<Heartbeat>,
}

impl Held {
    /// Makes the table if needed and takes the row, waiting up to the request's timeout.
    pub(crate) fn take(
        conn: &mut dyn Connection,
        sql: LeaseLockSql,
        request: &LockRequest,
        observer: &mut dyn LockObserver,
    ) -> Result<Held, LockError> {
        let create = conn
            .dialect()
            .create_shared_table(&request.table, &sql.create, false);
        retry_conflicts(|| conn.execute_all(&create).map_err(|e| e.error))?;
        let seconds = Value::Int(request.lease.as_secs().max(3) as i64);
        let key = Value::Text(request.repository_id.as_str().to_string());
        let owner = Value::Text(owner());
        let start = Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut reported = false;
        loop {
            let taken =
                conn.execute_with(&sql.take, &[key.clone(), owner.clone(), seconds.clone()]);
            if won(taken)? {
                break;
            }
            let holder = describe(conn, &sql.holder, &key)?;
            if let Some((who, true)) = &holder {
                let over = conn.execute_with(
                    &sql.take_over,
                    &[owner.clone(), seconds.clone(), key.clone()],
                );
                if won(over)? {
                    observer.took_over(who);
                    break;
                }
            }
            let who = holder.map(|(who, _)| who);
            if start.elapsed() >= request.timeout {
                return Err(LockError::Timeout {
                    repository_id: request.repository_id.clone(),
                    waited: request.timeout,
                    holder: who,
                });
            }
            if !reported {
                observer.waiting(who.as_deref());
                reported = true;
            }
            thread::sleep(pause.min(request.timeout.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(250));
        }
        let lost: LostFlag = Arc::new(Mutex::new(None));
        let heartbeat = conn.reopener().map(|reopen| {
            Heartbeat::start(
                reopen,
                Renewal {
                    renew: sql.renew.clone(),
                    holder: sql.holder.clone(),
                    params: [seconds, key.clone(), owner.clone()],
                    lease: request.lease.max(Duration::from_secs(3)),
                },
                lost.clone(),
            )
        });
        Ok(Held {
            sql,
            key,
            owner,
            repository_id: request.repository_id.clone(),
            lost,
            heartbeat,
        })
    }

    /// Set once the lease is known lost.
    pub(crate) fn lost_flag(&self) -> LostFlag {
        self.lost.clone()
    }

    /// Stops renewing and deletes the row; says so when the lease had been lost.
    pub(crate) fn release(&mut self, conn: &mut dyn Connection) -> Result<(), LockError> {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.stop();
        }
        let params = [self.key.clone(), self.owner.clone()];
        let deleted = retry_conflicts(|| conn.execute_with(&self.sql.release, &params));
        let lost = self.lost.lock().ok().and_then(|w| w.clone());
        let why = match (lost, deleted?) {
            (Some(why), _) => why,
            (None, 0) => "its lease ran out and another run took it over".to_string(),
            (None, _) => return Ok(()),
        };
        Err(LockError::Lost {
            repository_id: self.repository_id.clone(),
            why,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.detach();
        }
    }
}

/// Whether a take or take-over statement won the row. Losing a race (on Galera, failing
/// certification against another node's insert) is not an error: the row is someone's.
fn won(changed: Result<u64, DbError>) -> Result<bool, DbError> {
    match changed {
        Ok(n) => Ok(n == 1),
        Err(e) if e.is_conflict() || e.is_integrity_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs `f` again while it loses races, a few times.
fn retry_conflicts<T>(mut f: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let mut tries = 0;
    loop {
        match f() {
            Err(e) if e.is_conflict() && tries < 5 => {
                tries += 1;
                thread::sleep(Duration::from_millis(20 * tries));
            }
            other => return other,
        }
    }
}

/// Who holds the row and whether its lease has run out, if there is one.
fn describe(
    conn: &mut dyn Connection,
    sql: &str,
    key: &Value,
) -> Result<Option<(String, bool)>, DbError> {
    let rows = conn.query(sql, std::slice::from_ref(key))?;
    Ok(rows.into_iter().next().map(|row| {
        let who = match row.first() {
            Some(Value::Text(t)) => t.clone(),
            _ => "another run".to_string(),
        };
        let expired = row.get(1).and_then(Value::as_int) == Some(1);
        (who, expired)
    }))
}

/// This run, as the row names it: who and where, and a token no other run shares.
fn owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let actor: String = crate::journal::actor().chars().take(200).collect();
    format!("{actor} pid {} #{nanos:08x}", std::process::id())
}

struct Renewal {
    renew: String,
    holder: String,
    /// (lease seconds, key, owner), as the renewal statement takes them.
    params: [Value; 3],
    lease: Duration,
}

/// The thread renewing the lease.
struct Heartbeat {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Heartbeat {
    fn start(reopen: Reopen, renewal: Renewal, lost: LostFlag) -> Heartbeat {
        let (stop, stopped) = mpsc::channel();
        let thread = thread::spawn(move || renew_until_stopped(&reopen, &renewal, &lost, &stopped));
        Heartbeat { stop, thread }
    }

    /// Stops it and waits for the renewal under way, so that none lands after the release.
    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }

    /// Stops it without waiting (unwinding: a renewal may be stuck on the network).
    fn detach(self) {
        let _ = self.stop.send(());
    }
}

fn renew_until_stopped(
    reopen: &Reopen,
    renewal: &Renewal,
    lost: &LostFlag,
    stopped: &mpsc::Receiver<()>,
) {
    let mark = |why: String| {
        if let Ok(mut w) = lost.lock() {
            *w = Some(why);
        }
    };
    let mut conn: Option<Box<dyn Connection>> = None;
    let mut renewed = Instant::now();
    loop {
        match stopped.recv_timeout(renewal.lease / 3) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        if conn.is_none() {
            conn = reopen().ok();
        }
        let outcome = conn
            .as_mut()
            .map(|c| retry_conflicts(|| c.execute_with(&renewal.renew, &renewal.params)));
        match outcome {
            Some(Ok(0)) => {
                let now = conn
                    .as_mut()
                    .and_then(|c| describe(c.as_mut(), &renewal.holder, &renewal.params[1]).ok())
                    .flatten()
                    .map_or("nobody holds it now".to_string(), |(who, _)| {
                        format!("it is held by {who}")
                    });
                return mark(format!("its lease ran out before it was renewed; {now}"));
            }
            Some(Ok(_)) => renewed = Instant::now(),
            // A new session next time; the lease may still be saved.
            Some(Err(_)) | None => conn = None,
        }
        if renewed.elapsed() >= renewal.lease {
            return mark(format!(
                "its lease could not be renewed for {}s (the database was out of reach)",
                renewal.lease.as_secs()
            ));
        }
    }
}
