//! Scratch databases: where a repository whose SQL scripts cannot be replayed is run to learn
//! its schema at a version. In-memory SQLite, or a temporary database on the server in
//! question (same credentials), dropped afterwards.
//!
//! A killed process cannot drop its scratch database, so names carry this host and the
//! process id (`migrate_scratch_<host>_<pid>_<n>`): every later run on the same host drops
//! those whose process is gone.

use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_core::schema::Schema;
use migrate_core::{Connection, DatabaseUrl, Error, Repository, Value, Version, ops};

use crate::CliError;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

const PREFIX: &str = "migrate_scratch_";

/// The schema `repo` builds at `version`: replayed when its scripts are portable, otherwise
/// run on a scratch database like `like` (in-memory SQLite when `None`).
pub fn schema_at(
    repo: &Repository,
    version: Version,
    like: Option<&DatabaseUrl>,
    dialect: &'static dyn migrate_core::dialect::Dialect,
) -> Result<Schema, CliError> {
    match ops::replay(repo, dialect, version) {
        Ok(schema) => Ok(schema),
        Err(Error::Exec(e)) if matches!(*e, migrate_core::executor::ExecError::Replay { .. }) => {
            run_on_scratch(repo, version, like)
        }
        Err(e) => Err(e.into()),
    }
}

fn run_on_scratch(
    repo: &Repository,
    version: Version,
    like: Option<&DatabaseUrl>,
) -> Result<Schema, CliError> {
    with_scratch(like, |scratch| ops::schema_at(scratch, repo, version))
}

/// Runs `work` on a new, empty database beside `like` (same server and credentials), or on
/// an in-memory SQLite database when `like` is SQLite or `None`, and drops it afterwards
/// whatever `work` returned. The database `like` names is never touched.
pub fn with_scratch<T>(
    like: Option<&DatabaseUrl>,
    work: impl FnOnce(&mut dyn Connection) -> Result<T, Error>,
) -> Result<T, CliError> {
    let Some((url, name)) = like.and_then(|u| {
        let name = format!(
            "{}{}_{}",
            host_prefix(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        u.with_database(&name).map(|s| (u, (s, name)))
    }) else {
        let mut memory =
            super::echo::verbose(migrate_drivers::connect(&DatabaseUrl::parse("sqlite://")?)?);
        return Ok(work(memory.as_mut())?);
    };
    let (scratch_url, name) = name;
    let mut admin = migrate_drivers::connect(url)?;
    drop_stale(admin.as_mut());
    let quoted = admin.dialect().quote_ident(&name);
    admin
        .execute(&format!("CREATE DATABASE {quoted}"))
        .map_err(Error::from)?;
    let result = migrate_drivers::connect(&scratch_url)
        .map_err(Error::from)
        .map(super::echo::verbose)
        .and_then(|mut scratch: Box<dyn Connection>| work(scratch.as_mut()));
    let _ = admin.execute(&admin.dialect().drop_database(&name));
    Ok(result?)
}

/// `migrate_scratch_<host>_`: this host's scratch databases, `<host>` a short hash of its
/// name (a pid means nothing on another host).
fn host_prefix() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = host.trim().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("{PREFIX}{hash:08x}_")
}

/// Drops this host's scratch databases whose process is no longer running (it was killed
/// before it could). Best effort: a failure here must not stop the command.
fn drop_stale(admin: &mut dyn Connection) {
    let Some(query) = admin.dialect().databases_query() else {
        return;
    };
    let prefix = host_prefix();
    let names = admin.query(query, &[]).unwrap_or_default();
    for name in names.into_iter().filter_map(|r| r.into_iter().next()) {
        let Value::Text(name) = name else { continue };
        let pid = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = admin.execute(&admin.dialect().drop_database(&name));
        }
    }
}

/// Whether process `pid` runs on this host. Where that cannot be told (no `/proc`), it is
/// taken to run, so nothing is dropped that might be in use.
fn process_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}
