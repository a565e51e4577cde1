//! heat's database management, as the seed's `heat-manage db_sync` (§2.1): the repository is
//! compiled in, and `db_sync` brings any database to version 71.

/// heat's migration repository, compiled in.
///
/// # Errors
/// A broken repository (caught by the tests, since it is fixed at build time).
pub fn repository() -> Result<migrate::Repository, migrate::Error> {
    Ok(migrate::embed_repository!("migrate_repo")?)
}

/// `heat-manage db_sync [VERSION]`: version-controls a fresh database and upgrades it (or
/// walks it to VERSION), checking on MySQL that every table is InnoDB and utf8, as heat did.
///
/// # Errors
/// The connection, the repository, or a migration failed.
pub fn db_sync(
    url: &str,
    version: Option<migrate::Version>,
) -> Result<migrate::Version, migrate::Error> {
    let repo = repository()?;
    let mut conn = migrate::connect(url)?;
    let options = migrate::ops::SyncOptions {
        target: version,
        expect_engine: Some("InnoDB".into()),
        expect_charset: Some("utf8".into()),
        ..Default::default()
    };
    migrate::ops::sync(
        conn.as_mut(),
        &repo,
        &options,
        &mut migrate::executor::Silent,
    )?;
    migrate::ops::db_version(conn.as_mut(), repo.config())
}
