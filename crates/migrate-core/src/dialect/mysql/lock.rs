//! Where MySQL's `GET_LOCK` holds, and the lease lock for where it does not.

use crate::connection::{Connection, Value};
use crate::dialect::{LeaseLockSql, LockSite};
use crate::lock::LockError;

/// A Galera node's named locks are its own: `GET_LOCK` held on one node is granted again
/// on another ("Galera known limitations": explicit locking is node-local). There the lease
/// lock is taken, whose row certification gives to exactly one node. The session is readied
/// for the run: reads wait for the cluster's latest writes (`wsrep_sync_wait`), and DDL runs
/// in total-order isolation on every node at once (`TOI`, the default, set in case a
/// server's default is rolling upgrades). A node outside the primary component takes no
/// writes, or takes them only to lose them: refused before anything.
/// See: https://mariadb.com/kb/en/mariadb-galera-cluster-known-limitations/
pub(super) fn lock_site(conn: &mut dyn Connection) -> Result<LockSite, LockError> {
    // SHOW, not @@wsrep_on: MySQL without Galera has no such variable, and would fail.
    let on = variable(conn, "SHOW VARIABLES LIKE 'wsrep_on'")?;
    if !on.iter().any(|(_, v)| v.eq_ignore_ascii_case("ON")) {
        return Ok(LockSite::Trusted);
    }
    let status = variable(
        conn,
        "SHOW STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status')",
    )?;
    let value = |name: &str| {
        status
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("unknown", |(_, v)| v.as_str())
    };
    let (ready, cluster) = (value("wsrep_ready"), value("wsrep_cluster_status"));
    if !ready.eq_ignore_ascii_case("ON") || !cluster.eq_ignore_ascii_case("Primary") {
        return Err(LockError::NotPrimary {
            status: format!("wsrep_cluster_status {cluster}, wsrep_ready {ready}"),
        });
    }
    conn.execute("SET SESSION wsrep_sync_wait = 1, SESSION wsrep_OSU_method = 'TOI'")?;
    Ok(LockSite::Untrusted(
        "a Galera cluster node (GET_LOCK holds on one node only)".into(),
    ))
}

fn variable(conn: &mut dyn Connection, sql: &str) -> Result<Vec<(String, String)>, LockError> {
    let text = |v: &Value| match v {
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        Value::Null => String::new(),
    };
    Ok(conn
        .query(sql, &[])?
        .iter()
        .filter(|r| r.len() >= 2)
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect())
}

// UTC_TIMESTAMP, not NOW(): nodes of one cluster may run in different time zones.
pub(super) fn lease_lock_sql(table: &str) -> LeaseLockSql {
    const UNTIL: &str = "UTC_TIMESTAMP(6) + INTERVAL ? SECOND";
    LeaseLockSql {
        // Galera replicates InnoDB tables with a primary key only.
        create: format!(
            "CREATE TABLE IF NOT EXISTS {table} (lock_key VARCHAR(250) NOT NULL PRIMARY KEY, \
             owner VARCHAR(250) NOT NULL, acquired_at DATETIME(6) NOT NULL, \
             expires_at DATETIME(6) NOT NULL) ENGINE=InnoDB"
        ),
        take: format!(
            "INSERT IGNORE INTO {table} (lock_key, owner, acquired_at, expires_at) \
             VALUES (?, ?, UTC_TIMESTAMP(6), {UNTIL})"
        ),
        take_over: format!(
            "UPDATE {table} SET owner = ?, acquired_at = UTC_TIMESTAMP(6), expires_at = {UNTIL} \
             WHERE lock_key = ? AND expires_at < UTC_TIMESTAMP(6)"
        ),
        renew: format!("UPDATE {table} SET expires_at = {UNTIL} WHERE lock_key = ? AND owner = ?"),
        release: format!("DELETE FROM {table} WHERE lock_key = ? AND owner = ?"),
        holder: format!(
            "SELECT CONCAT(owner, ' (since ', DATE_FORMAT(acquired_at, '%Y-%m-%d %H:%i:%s'), \
             ' UTC, lease until ', DATE_FORMAT(expires_at, '%H:%i:%s'), ' UTC)'), \
             expires_at < UTC_TIMESTAMP(6) FROM {table} WHERE lock_key = ?"
        ),
    }
}
