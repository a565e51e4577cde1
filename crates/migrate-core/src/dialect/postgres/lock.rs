//! Where PostgreSQL's session advisory lock holds, and the lease lock for where it does not.

use crate::connection::{Connection, Value};
use crate::dialect::{LeaseLockSql, LockSite};
use crate::lock::LockError;

/// A proxy (PgBouncer, pgcat, a forwarded port) answers on a port other than the one the
/// server says it listens on. Behind PgBouncer in transaction mode each transaction may run
/// on another server session: an advisory lock taken there stays with that session, another
/// client handed the same session is granted it again (advisory locks are re-entrant), and
/// the unlock lands elsewhere. A forwarded port that is not a pooler costs only the lease
/// lock's slower recovery after a crash; `--lock=session` keeps the advisory lock.
pub(super) fn lock_site(conn: &mut dyn Connection) -> Result<LockSite, LockError> {
    let Some(ours) = conn.remote_port() else {
        return Ok(LockSite::Trusted);
    };
    let rows = conn.query("SELECT inet_server_port()", &[])?;
    let theirs = rows.first().and_then(|r| r.first()).and_then(Value::as_int);
    Ok(match theirs {
        Some(port) if port == i64::from(ours) => LockSite::Trusted,
        Some(port) => LockSite::Untrusted(format!(
            "a proxy is in between (connected to port {ours}, the server listens on {port})"
        )),
        None => LockSite::Untrusted(format!(
            "a proxy is in between (connected to port {ours}, the server sees a local socket)"
        )),
    })
}

// clock_timestamp(), not now(): now() is the transaction's start, and these run in
// autocommit, but the renewal must count from the moment it runs.
pub(super) fn lease_lock_sql(table: &str) -> LeaseLockSql {
    let until = |p: u8| format!("clock_timestamp() + make_interval(secs => ${p}::float8)");
    LeaseLockSql {
        create: format!(
            "CREATE TABLE IF NOT EXISTS {table} (lock_key VARCHAR(250) PRIMARY KEY, \
             owner VARCHAR(250) NOT NULL, acquired_at TIMESTAMPTZ NOT NULL, \
             expires_at TIMESTAMPTZ NOT NULL)"
        ),
        take: format!(
            "INSERT INTO {table} (lock_key, owner, acquired_at, expires_at) \
             VALUES ($1, $2, clock_timestamp(), {}) ON CONFLICT (lock_key) DO NOTHING",
            until(3)
        ),
        take_over: format!(
            "UPDATE {table} SET owner = $1, acquired_at = clock_timestamp(), expires_at = {} \
             WHERE lock_key = $3 AND expires_at < clock_timestamp()",
            until(2)
        ),
        renew: format!(
            "UPDATE {table} SET expires_at = {} WHERE lock_key = $2 AND owner = $3",
            until(1)
        ),
        release: format!("DELETE FROM {table} WHERE lock_key = $1 AND owner = $2"),
        holder: format!(
            "SELECT owner || ' (since ' || to_char(acquired_at AT TIME ZONE 'UTC', \
             'YYYY-MM-DD HH24:MI:SS') || ' UTC, lease until ' || \
             to_char(expires_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' UTC)', \
             (expires_at < clock_timestamp())::int FROM {table} WHERE lock_key = $1"
        ),
    }
}
