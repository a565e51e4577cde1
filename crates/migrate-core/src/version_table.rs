//! The `migrate_version` table, exactly as sqlalchemy-migrate creates it.
//!
//! `migrate_version(repository_id VARCHAR(250) NOT NULL PRIMARY KEY, repository_path TEXT,
//! version INTEGER)`, one row per repository, under the name the repository configures. A
//! database versioned by the Python tool is read and advanced as is; several repositories can
//! share the table. Repositories with timestamp numbering get `version BIGINT`, because their
//! numbers do not fit PostgreSQL's or MySQL's 32-bit INTEGER.

use std::path::Path;

use crate::connection::{Connection, DbError, Value};
use crate::repository::{Config, RepositoryId, TableName};
use crate::version::Version;

/// Errors about the version table's rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VersionTableError {
    /// No row for this repository (or no table at all).
    #[error(
        "the database is not under version control for repository '{repository_id}' (no row in table '{table}')"
    )]
    NotControlled {
        /// The repository.
        repository_id: RepositoryId,
        /// The version table.
        table: TableName,
    },
    /// `version_control` on a database that already has the row.
    #[error(
        "the database is already under version control for repository '{repository_id}', at version {version}"
    )]
    AlreadyControlled {
        /// The repository.
        repository_id: RepositoryId,
        /// Its recorded version.
        version: Version,
    },
    /// The row changed under us (another process migrated the database).
    #[error(
        "the database's version for '{repository_id}' changed while migrating: expected {expected}"
    )]
    ConcurrentChange {
        /// The repository.
        repository_id: RepositoryId,
        /// The version we expected to find.
        expected: Version,
    },
    /// A version number the table's INTEGER column cannot hold.
    #[error("version {version} does not fit the INTEGER version column of table '{table}'")]
    TooLarge {
        /// The version.
        version: Version,
        /// The table.
        table: TableName,
    },
    /// A stored version that is not a non-negative integer.
    #[error(
        "table '{table}' holds {value} as the version of '{repository_id}', which is not a version number"
    )]
    BadValue {
        /// The table.
        table: TableName,
        /// The repository.
        repository_id: RepositoryId,
        /// What was stored.
        value: String,
    },
    /// The database refused a statement on the table.
    #[error("{0}")]
    Db(#[from] DbError),
}

impl VersionTableError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            VersionTableError::NotControlled { .. } => {
                Some("put it under version control first: migrate version_control URL PATH".into())
            }
            VersionTableError::AlreadyControlled { .. } => Some(
                "use `migrate db_version` to see it, or `migrate drop_version_control` to start over".into(),
            ),
            VersionTableError::TooLarge { table, .. } => Some(format!(
                "widen the column: ALTER TABLE {table} ALTER COLUMN version TYPE BIGINT \
                 (PostgreSQL) or ALTER TABLE {table} MODIFY version BIGINT (MySQL)"
            )),
            _ => None,
        }
    }
}

/// One repository's row in one database's version table.
#[derive(Debug, Clone)]
pub struct VersionTable {
    table: TableName,
    repository_id: RepositoryId,
    wide: bool,
}

impl VersionTable {
    /// The row for the repository configured by `config`.
    pub fn new(config: &Config) -> VersionTable {
        VersionTable {
            table: config.version_table.clone(),
            repository_id: config.repository_id.clone(),
            wide: config.use_timestamp_numbering,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &TableName {
        &self.table
    }

    fn quoted(&self, conn: &dyn Connection) -> String {
        conn.dialect().quote_ident(self.table.as_str())
    }

    /// Whether the table exists in the connection's schema.
    ///
    /// # Errors
    /// The database's error.
    pub fn exists(&self, conn: &mut dyn Connection) -> Result<bool, DbError> {
        let sql = conn.dialect().table_exists_query();
        Ok(!conn
            .query(&sql, &[Value::Text(self.table.as_str().into())])?
            .is_empty())
    }

    /// The recorded version, or `None` when there is no table or no row.
    ///
    /// # Errors
    /// The database's error, or a stored value that is not a version.
    pub fn read(&self, conn: &mut dyn Connection) -> Result<Option<Version>, VersionTableError> {
        let d = conn.dialect();
        let sql = format!(
            "SELECT version FROM {} WHERE repository_id = {}",
            self.quoted(conn),
            d.placeholder(1)
        );
        // Querying first and checking the catalog only on failure keeps a no-op
        // `db_version` at one round trip.
        let params = [Value::Text(self.repository_id.as_str().into())];
        let rows = match conn.query(&sql, &params) {
            Ok(rows) => rows,
            // Another repository's run may have created the table since the query failed:
            // then the query is asked again, and its answer (or error) stands.
            Err(_) if self.exists(conn)? => conn.query(&sql, &params)?,
            Err(_) => return Ok(None),
        };
        let Some(value) = rows.into_iter().next().and_then(|r| r.into_iter().next()) else {
            return Ok(None);
        };
        match value.as_int() {
            Some(v) if v >= 0 => Ok(Some(Version::new(v as u64))),
            _ => Err(VersionTableError::BadValue {
                table: self.table.clone(),
                repository_id: self.repository_id.clone(),
                value: value.to_string(),
            }),
        }
    }

    /// The recorded version; an error when the database is not under version control.
    ///
    /// # Errors
    /// [`VersionTableError::NotControlled`], or as [`VersionTable::read`].
    pub fn require(&self, conn: &mut dyn Connection) -> Result<Version, VersionTableError> {
        self.read(conn)?.ok_or_else(|| self.not_controlled())
    }

    fn not_controlled(&self) -> VersionTableError {
        VersionTableError::NotControlled {
            repository_id: self.repository_id.clone(),
            table: self.table.clone(),
        }
    }

    /// Creates the table if needed and inserts this repository's row at `version`.
    /// `in_transaction`: whether the caller holds a transaction open (see
    /// [`crate::dialect::Dialect::create_shared_table`]).
    ///
    /// # Errors
    /// [`VersionTableError::AlreadyControlled`], or the database's error.
    pub fn insert(
        &self,
        conn: &mut dyn Connection,
        path: &Path,
        version: Version,
        in_transaction: bool,
    ) -> Result<(), VersionTableError> {
        if let Some(current) = self.read(conn)? {
            return Err(VersionTableError::AlreadyControlled {
                repository_id: self.repository_id.clone(),
                version: current,
            });
        }
        let value = self.value(conn, version)?;
        if !self.exists(conn)? {
            let column = if self.wide { "BIGINT" } else { "INTEGER" };
            let definition = format!(
                "(\n\trepository_id VARCHAR(250) NOT NULL, \n\trepository_path TEXT, \n\tversion {column}, \n\tPRIMARY KEY (repository_id)\n)"
            );
            create_shared(conn, self.table.as_str(), &definition, in_transaction)?;
        }
        let d = conn.dialect();
        let sql = format!(
            "INSERT INTO {} (repository_id, repository_path, version) VALUES ({}, {}, {})",
            self.quoted(conn),
            d.placeholder(1),
            d.placeholder(2),
            d.placeholder(3)
        );
        conn.execute_with(
            &sql,
            &[
                Value::Text(self.repository_id.as_str().into()),
                Value::Text(path.to_string_lossy().into_owned()),
                value,
            ],
        )?;
        Ok(())
    }

    /// Moves the row from `from` to `to`, failing if it no longer says `from`.
    ///
    /// # Errors
    /// [`VersionTableError::ConcurrentChange`], or the database's error.
    pub fn update(
        &self,
        conn: &mut dyn Connection,
        from: Version,
        to: Version,
    ) -> Result<(), VersionTableError> {
        let sql = self.update_sql(conn);
        let params = [
            self.value(conn, to)?,
            Value::Text(self.repository_id.as_str().into()),
            self.value(conn, from)?,
        ];
        match conn.execute_with(&sql, &params)? {
            1 => Ok(()),
            _ => Err(VersionTableError::ConcurrentChange {
                repository_id: self.repository_id.clone(),
                expected: from,
            }),
        }
    }

    /// Sets the row to `version` whatever it says now (for `stamp`).
    ///
    /// # Errors
    /// The database's error.
    pub fn set(
        &self,
        conn: &mut dyn Connection,
        version: Version,
    ) -> Result<(), VersionTableError> {
        let d = conn.dialect();
        let sql = format!(
            "UPDATE {} SET version = {} WHERE repository_id = {}",
            self.quoted(conn),
            d.placeholder(1),
            d.placeholder(2)
        );
        let value = self.value(conn, version)?;
        conn.execute_with(
            &sql,
            &[value, Value::Text(self.repository_id.as_str().into())],
        )?;
        Ok(())
    }

    /// The statement [`VersionTable::update`] runs, for previews.
    pub fn update_sql(&self, conn: &dyn Connection) -> String {
        let d = conn.dialect();
        format!(
            "UPDATE {} SET version = {} WHERE repository_id = {} AND version = {}",
            self.quoted(conn),
            d.placeholder(1),
            d.placeholder(2),
            d.placeholder(3)
        )
    }

    /// Deletes this repository's row, and the table when no other repository uses it.
    ///
    /// # Errors
    /// [`VersionTableError::NotControlled`], or the database's error.
    pub fn remove(&self, conn: &mut dyn Connection) -> Result<(), VersionTableError> {
        self.require(conn)?;
        let table = self.quoted(conn);
        let sql = format!(
            "DELETE FROM {table} WHERE repository_id = {}",
            conn.dialect().placeholder(1)
        );
        conn.execute_with(&sql, &[Value::Text(self.repository_id.as_str().into())])?;
        let others = conn.query(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
        let remaining = others
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_int)
            .unwrap_or(0);
        if remaining == 0 {
            conn.execute(&format!("DROP TABLE {table}"))?;
        }
        Ok(())
    }

    fn value(&self, conn: &dyn Connection, version: Version) -> Result<Value, VersionTableError> {
        let limit = if self.wide {
            None
        } else {
            conn.dialect().integer_max()
        };
        let fits_i64 = i64::try_from(version.get()).ok();
        match (fits_i64, limit) {
            (Some(v), Some(max)) if version.get() <= max => Ok(Value::Int(v)),
            (Some(v), None) => Ok(Value::Int(v)),
            _ => Err(VersionTableError::TooLarge {
                version,
                table: self.table.clone(),
            }),
        }
    }
}

impl VersionTable {
    /// The version bump as literal SQL, for `--preview-sql` and for batches.
    pub fn update_preview(&self, conn: &dyn Connection, from: Version, to: Version) -> String {
        format!(
            "UPDATE {} SET version = {to} WHERE repository_id = {} AND version = {from}",
            self.quoted(conn),
            conn.dialect().string_literal(self.repository_id.as_str())
        )
    }
}

/// Creates `table` with the column list `definition` unless it exists, safely against
/// sessions (of other repositories sharing it) doing the same at the same moment.
///
/// # Errors
/// The database's error.
pub(crate) fn create_shared(
    conn: &mut dyn Connection,
    table: &str,
    definition: &str,
    in_transaction: bool,
) -> Result<(), DbError> {
    let d = conn.dialect();
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {} {definition}",
        d.quote_ident(table)
    );
    let statements = d.create_shared_table(table, &create, in_transaction);
    conn.execute_all(&statements).map_err(|failure| {
        if !in_transaction {
            // A transaction the statements opened must not outlive their failure.
            let _ = conn.execute("ROLLBACK");
        }
        failure.error
    })
}
