//! `test`: every version's downgrade must undo its upgrade, checked by comparing the schema
//! reflected before the upgrade with the one after upgrade-then-downgrade.

use super::{RunOptions, downgrade, upgrade};
use crate::change::Operation;
use crate::connection::Connection;
use crate::error::Error;
use crate::executor::{ExecError, Silent};
use crate::journal::Journal;
use crate::repository::Repository;
use crate::schema::{Schema, diff};
use crate::script::ScriptError;
use crate::version::Version;
use crate::version_table::VersionTable;

/// What `test` found for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionCheck {
    /// Up, down and up again; the downgrade restored the schema exactly.
    Reversible(Version),
    /// The version refuses to be downgraded; only its upgrade ran.
    Irreversible(Version),
}

fn reflect(conn: &mut dyn Connection, repo: &Repository) -> Result<Schema, Error> {
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
    Ok(crate::change::random::normalized(
        &conn.dialect().reflect(conn, &exclude)?,
    ))
}

/// Walks the database (a scratch database: it is put under version control at 0 if it is
/// not) up through
/// every remaining version: upgrade, downgrade, compare, upgrade again.
///
/// # Errors
/// [`ExecError::NotReversible`] with the difference at the first version whose downgrade does
/// not restore the schema, or any error of upgrade and downgrade.
///
/// ```no_run
/// # fn f(scratch: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let repo = migrate_core::Repository::open("migrate_repo")?;
/// let report = migrate_core::ops::test(scratch, &repo, migrate_core::ops::RunOptions::default())?;
/// println!("{} versions checked", report.len());
/// # Ok(()) }
/// ```
pub fn test(
    conn: &mut dyn Connection,
    repo: &Repository,
    options: RunOptions,
) -> Result<Vec<VersionCheck>, Error> {
    let table = VersionTable::new(repo.config());
    if table.read(conn)?.is_none() {
        super::version_control(conn, repo, Some(repo.start()), options, &mut Silent)?;
    }
    let current = table.require(conn)?;
    let mut report = Vec::new();
    let versions: Vec<Version> = repo
        .versions()
        .map(|e| e.version)
        .filter(|v| *v > current)
        .collect();
    for v in versions {
        let before = reflect(conn, repo)?;
        let previous = repo.previous(v);
        upgrade(conn, repo, Some(v), options, &mut Silent)?;
        match downgrade(conn, repo, previous, options, &mut Silent) {
            Err(Error::Exec(e))
                if matches!(*e, ExecError::Script(ScriptError::Irreversible { .. })) =>
            {
                report.push(VersionCheck::Irreversible(v));
                continue;
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let after = reflect(conn, repo)?;
        if after != before {
            let fix: Vec<Operation> = diff(&after, &before, &[]);
            let differences: Vec<String> = fix.iter().map(describe).collect();
            return Err(ExecError::NotReversible {
                version: v,
                differences: differences.join("; "),
            }
            .into());
        }
        upgrade(conn, repo, Some(v), options, &mut Silent)?;
        report.push(VersionCheck::Reversible(v));
    }
    // Last, the walk's result against the schema the repository says it builds (where it
    // can be replayed without a database).
    let latest = table.require(conn)?;
    if let Ok(expected) = super::replay(repo, conn.dialect(), latest) {
        // Tables the repository does not know are not its business (a scratch database may
        // hold others); every other difference is.
        let mut differences = drift_from(conn, repo, &expected)?;
        differences.retain(
            |op| !matches!(op, Operation::DropTable { name } if expected.table(name).is_none()),
        );
        if !differences.is_empty() {
            let words: Vec<String> = differences.iter().map(describe).collect();
            return Err(ExecError::NotReversible {
                version: latest,
                differences: format!("after the walk: {}", words.join("; ")),
            }
            .into());
        }
    }
    Ok(report)
}

/// What the downgrade left wrong, in words: the operation that would put it right.
fn describe(op: &Operation) -> String {
    match op {
        Operation::CreateIndex { table, index } => {
            format!("index '{}' on '{table}' is missing", index.name)
        }
        Operation::DropIndex { table, name } => format!("index '{name}' on '{table}' remains"),
        Operation::CreateTable(t) => format!("table '{}' is missing", t.name),
        Operation::DropTable { name } => format!("table '{name}' remains"),
        Operation::AddColumn { table, column } => {
            format!("column '{table}.{}' is missing", column.name)
        }
        Operation::DropColumn { table, column } => format!("column '{table}.{column}' remains"),
        Operation::AlterColumn { table, column, .. } => {
            format!("column '{table}.{column}' differs")
        }
        other => format!("{other} is needed to restore it"),
    }
}

/// Differences between the live schema and the one the repository builds at the database's
/// version (replayed from its portable scripts), as the operations that would make the
/// database match the repository. Empty when they agree.
///
/// # Errors
/// A database not under version control, or a repository that cannot be replayed.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let repo = migrate_core::Repository::open("migrate_repo")?;
/// for op in migrate_core::ops::drift(conn, &repo)? {
///     println!("drift: {op}");
/// }
/// # Ok(()) }
/// ```
pub fn drift(conn: &mut dyn Connection, repo: &Repository) -> Result<Vec<Operation>, Error> {
    let version = VersionTable::new(repo.config()).require(conn)?;
    let expected = super::replay(repo, conn.dialect(), version)?;
    drift_from(conn, repo, &expected)
}

/// As [`drift`], against a schema the caller computed (e.g. with [`schema_at`] on a scratch
/// database, for repositories whose SQL scripts cannot be replayed).
///
/// # Errors
/// The database's error.
pub fn drift_from(
    conn: &mut dyn Connection,
    repo: &Repository,
    expected: &Schema,
) -> Result<Vec<Operation>, Error> {
    let dialect = conn.dialect();
    let expected = dialect.normalize(expected);
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
    let mut live = dialect.normalize(&dialect.reflect(conn, &exclude)?);
    crate::schema::normalize::keep_requested_options(&mut live, &expected);
    Ok(diff(&live, &expected, &[]))
}

/// The schema `repo` builds at `version`, by running it on `scratch`, an empty database
/// (in-memory SQLite, or a temporary database on the server in question): how the schema
/// at a version is known when SQL scripts cannot be replayed.
///
/// # Errors
/// Any error of running the scripts.
///
/// ```no_run
/// # fn f(scratch: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
/// let repo = migrate_core::Repository::open("migrate_repo")?;
/// let schema = migrate_core::ops::schema_at(scratch, &repo, migrate_core::Version::new(2))?;
/// # Ok(()) }
/// ```
pub fn schema_at(
    scratch: &mut dyn Connection,
    repo: &Repository,
    version: Version,
) -> Result<Schema, Error> {
    super::version_control(scratch, repo, None, RunOptions::default(), &mut Silent)?;
    upgrade(
        scratch,
        repo,
        Some(version),
        RunOptions::default(),
        &mut Silent,
    )?;
    reflect_raw(scratch, repo)
}

fn reflect_raw(conn: &mut dyn Connection, repo: &Repository) -> Result<Schema, Error> {
    let table = VersionTable::new(repo.config());
    let journal = Journal::new(repo.config());
    let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
    Ok(conn.dialect().reflect(conn, &exclude)?)
}

/// Changes the database to match `model` (sqlalchemy-migrate's `update_db_from_model`) and
/// records the repository's latest version, under the lock. Tables the model lacks are only
/// dropped with `allow_drop`; constraint names the database made up are not compared.
///
/// # Errors
/// A drop without `allow_drop`, an operation the database refuses, or the lock.
///
/// ```no_run
/// # fn f(conn: &mut dyn migrate_core::Connection, model: &migrate_core::schema::Schema) -> Result<(), migrate_core::Error> {
/// let repo = migrate_core::Repository::open("migrate_repo")?;
/// let applied = migrate_core::ops::update_db_from_model(conn, &repo, model, false, Default::default())?;
/// # Ok(()) }
/// ```
pub fn update_db_from_model(
    conn: &mut dyn Connection,
    repo: &Repository,
    model: &Schema,
    allow_drop: bool,
    options: RunOptions,
) -> Result<Vec<Operation>, Error> {
    super::locked(conn, repo.config(), &options, &mut Silent, |conn, tx| {
        let dialect = conn.dialect();
        let table = VersionTable::new(repo.config());
        let journal = Journal::new(repo.config());
        let exclude = crate::journal::own_tables(table.table().as_str(), &journal);
        let mut live = dialect.normalize(&dialect.reflect(conn, &exclude)?);
        let wanted = dialect.normalize(model);
        crate::schema::normalize::keep_requested_options(&mut live, &wanted);
        let changes = diff(&live, &wanted, &[]);
        let drops: Vec<String> = changes
            .iter()
            .filter_map(|op| match op {
                Operation::DropTable { name } => Some(name.clone()),
                _ => None,
            })
            .collect();
        if !drops.is_empty() && !allow_drop {
            return Err(ExecError::WouldDrop {
                tables: drops.join(", "),
            }
            .into());
        }
        let mut session = crate::session::Session::new(conn)?;
        for op in &changes {
            session.run(op.clone())?;
        }
        drop(session);
        match table.read(conn)? {
            Some(_) => table.set(conn, repo.latest())?,
            None => table.insert(conn, repo.path(), repo.latest(), tx.nested())?,
        }
        Ok(changes)
    })
}
