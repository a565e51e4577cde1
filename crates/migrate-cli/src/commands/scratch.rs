//! Scratch databases: where a repository whose SQL scripts cannot be replayed is run to learn
//! its schema at a version. In-memory SQLite, or a temporary database on the server in
//! question (same credentials), dropped afterwards.

use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_core::schema::Schema;
use migrate_core::{Connection, DatabaseUrl, Error, Repository, Version, ops};

use crate::CliError;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

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
    let Some((url, name)) = like.and_then(|u| {
        let name = format!(
            "migrate_scratch_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        u.with_database(&name).map(|s| (u, (s, name)))
    }) else {
        let mut memory = migrate_drivers::connect(&DatabaseUrl::parse("sqlite://")?)?;
        return Ok(ops::schema_at(memory.as_mut(), repo, version)?);
    };
    let (scratch_url, name) = name;
    let mut admin = migrate_drivers::connect(url)?;
    let quoted = admin.dialect().quote_ident(&name);
    admin
        .execute(&format!("CREATE DATABASE {quoted}"))
        .map_err(Error::from)?;
    let result = migrate_drivers::connect(&scratch_url)
        .map_err(Error::from)
        .and_then(|mut scratch: Box<dyn Connection>| {
            ops::schema_at(scratch.as_mut(), repo, version)
        });
    let force = if admin.dialect().name() == "postgresql" {
        " WITH (FORCE)"
    } else {
        ""
    };
    let _ = admin.execute(&format!("DROP DATABASE IF EXISTS {quoted}{force}"));
    Ok(result?)
}
