//! The step journal: one row per applied (or attempted) step, in a table beside the version
//! table, which stays exactly as sqlalchemy-migrate made it.
//!
//! Where DDL is transactional the journal row commits with the step, so it never lies. On
//! MySQL a step is journaled as `running` before it starts and finished afterwards: a crash or
//! a failure half-way leaves a `running` or `dirty` row, which stops every later command until
//! `repair` says what happened.

use std::fmt;
use std::time::Duration;

use crate::connection::{Connection, DbError, Value};
use crate::repository::{Config, RepositoryId};
use crate::version::Version;

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Started and not finished: still running, or its process died (dirty).
    Running,
    /// Done and committed.
    Applied,
    /// Failed and rolled back whole: the database is as before the step.
    Failed,
    /// Failed after some of its statements were committed (MySQL): needs `repair`.
    Dirty,
    /// A dirty step the user declared done.
    MarkedApplied,
    /// A dirty step the user declared undone.
    MarkedRolledBack,
    /// The version was set without running scripts.
    Stamped,
    /// A changed script was accepted as the applied one.
    AcceptedChange,
}

impl Outcome {
    /// The word stored in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Applied => "applied",
            Outcome::Failed => "failed",
            Outcome::Dirty => "dirty",
            Outcome::MarkedApplied => "marked_applied",
            Outcome::MarkedRolledBack => "marked_rolled_back",
            Outcome::Stamped => "stamped",
            Outcome::AcceptedChange => "accepted_change",
        }
    }

    fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Running,
            Outcome::Applied,
            Outcome::Failed,
            Outcome::Dirty,
            Outcome::MarkedApplied,
            Outcome::MarkedRolledBack,
            Outcome::Stamped,
            Outcome::AcceptedChange,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// Whether a step with this outcome blocks further runs.
    pub fn is_dirty(self) -> bool {
        matches!(self, Outcome::Running | Outcome::Dirty)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One journal row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Row id (0 before insertion).
    pub id: i64,
    /// Version before the step.
    pub from: Version,
    /// Version after it.
    pub to: Version,
    /// `upgrade`, `downgrade`, `stamp` or `repair`.
    pub action: String,
    /// The script's file name, when a script ran.
    pub script: Option<String>,
    /// Checksum of the script's normalised text.
    pub checksum: Option<String>,
    /// Checksum of the script's bytes.
    pub checksum_raw: Option<String>,
    /// UTC start, RFC 3339.
    pub started_at: String,
    /// UTC end, RFC 3339.
    pub finished_at: Option<String>,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// What became of it.
    pub outcome: Outcome,
    /// The 1-based statement reached (the failing one, for failures).
    pub statement: Option<i64>,
    /// The database's message, or the user's note.
    pub message: Option<String>,
    /// `user@host` that ran it.
    pub actor: String,
    /// migrate's version.
    pub tool_version: String,
    /// For a portable upgrade without a written downgrade: the operations that undo it,
    /// computed from the live schema just before it ran (JSON).
    pub inverse: Option<String>,
}

impl Entry {
    /// A new entry starting now, by this process's user and host.
    pub fn now(from: Version, to: Version, action: &str, outcome: Outcome) -> Entry {
        Entry {
            id: 0,
            from,
            to,
            action: action.to_string(),
            script: None,
            checksum: None,
            checksum_raw: None,
            started_at: timestamp(),
            finished_at: None,
            duration_ms: None,
            outcome,
            statement: None,
            message: None,
            actor: actor(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            inverse: None,
        }
    }

    /// Marks the entry finished now, after `elapsed`.
    pub fn finish(&mut self, outcome: Outcome, elapsed: Duration) {
        self.outcome = outcome;
        self.finished_at = Some(timestamp());
        self.duration_ms = Some(elapsed.as_millis().min(i64::MAX as u128) as i64);
    }
}

/// The current UTC time, RFC 3339.
pub fn timestamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn actor() -> String {
    // Read once per process: every journal row carries it.
    static ACTOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ACTOR
        .get_or_init(|| {
            let user = ["USER", "USERNAME", "LOGNAME"]
                .iter()
                .find_map(|k| std::env::var(k).ok())
                .unwrap_or_else(|| "unknown".into());
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .or_else(|_| std::fs::read_to_string("/etc/hostname"))
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "unknown".into());
            format!("{user}@{host}")
        })
        .clone()
}

const COLUMNS: &str = "repository_id, version_from, version_to, action, script, checksum, checksum_raw, \
    started_at, finished_at, duration_ms, outcome, statement_index, message, actor, tool_version, inverse";

/// migrate's own tables, which reflection leaves out: the version table, the journal and
/// the lease lock's table.
pub fn own_tables<'a>(version_table: &'a str, journal: &'a Journal) -> Vec<&'a str> {
    [version_table, journal.lock_table.as_str()]
        .into_iter()
        .chain(journal.table())
        .collect()
}

/// The journal of one repository in one database.
#[derive(Debug, Clone)]
pub struct Journal {
    /// `None` when the repository keeps no journal (`journal_table =`): then nothing is
    /// written and every read finds no entries.
    table: Option<String>,
    repository_id: RepositoryId,
    /// The lease lock's table, kept here to be left out with the journal.
    lock_table: String,
}

impl Journal {
    /// The journal `config` names (by default `<version_table>_journal`).
    pub fn new(config: &Config) -> Journal {
        Journal {
            table: config.journal_table().map(|t| t.as_str().to_string()),
            repository_id: config.repository_id.clone(),
            lock_table: config.lock_table().as_str().to_string(),
        }
    }

    /// The table's name, or `None` when the journal is off.
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }

    /// Whether steps are journaled at all.
    pub fn is_on(&self) -> bool {
        self.table.is_some()
    }

    fn quoted(&self, conn: &dyn Connection) -> String {
        conn.dialect()
            .quote_ident(self.table.as_deref().unwrap_or_default())
    }

    /// Whether the table exists.
    ///
    /// # Errors
    /// The database's error.
    pub fn exists(&self, conn: &mut dyn Connection) -> Result<bool, DbError> {
        let Some(table) = &self.table else {
            return Ok(false);
        };
        let sql = conn.dialect().table_exists_query();
        Ok(!conn.query(&sql, &[Value::Text(table.clone())])?.is_empty())
    }

    /// Creates the table when it is missing. Only commands that write a row call it, so a
    /// refused or no-op command leaves the database as it was. `in_transaction`: whether the
    /// caller holds a transaction open (see [`crate::dialect::Dialect::create_shared_table`]).
    ///
    /// # Errors
    /// The database's error.
    pub fn ensure(&self, conn: &mut dyn Connection, in_transaction: bool) -> Result<(), DbError> {
        let Some(table) = &self.table else {
            return Ok(());
        };
        if self.exists(conn)? {
            return Ok(());
        }
        let id = conn.dialect().identity_column();
        let definition = format!(
            "(\n\tid {id},\n\trepository_id VARCHAR(250) NOT NULL,\n\
             \tversion_from BIGINT NOT NULL,\n\tversion_to BIGINT NOT NULL,\n\taction VARCHAR(16) NOT NULL,\n\
             \tscript VARCHAR(1000),\n\tchecksum VARCHAR(64),\n\tchecksum_raw VARCHAR(64),\n\
             \tstarted_at VARCHAR(40) NOT NULL,\n\tfinished_at VARCHAR(40),\n\tduration_ms BIGINT,\n\
             \toutcome VARCHAR(32) NOT NULL,\n\tstatement_index BIGINT,\n\tmessage TEXT,\n\
             \tactor VARCHAR(250) NOT NULL,\n\ttool_version VARCHAR(32) NOT NULL,\n\tinverse TEXT\n)"
        );
        crate::version_table::create_shared(conn, table, &definition, in_transaction)
    }

    fn values(&self, e: &Entry) -> Vec<Value> {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        vec![
            Value::Text(self.repository_id.as_str().into()),
            Value::Int(e.from.get() as i64),
            Value::Int(e.to.get() as i64),
            Value::Text(e.action.clone()),
            text(&e.script),
            text(&e.checksum),
            text(&e.checksum_raw),
            Value::Text(e.started_at.clone()),
            text(&e.finished_at),
            e.duration_ms.map_or(Value::Null, Value::Int),
            Value::Text(e.outcome.as_str().into()),
            e.statement.map_or(Value::Null, Value::Int),
            text(&e.message),
            Value::Text(e.actor.clone()),
            Value::Text(e.tool_version.clone()),
            text(&e.inverse),
        ]
    }

    /// Appends `entry` and returns its id.
    ///
    /// # Errors
    /// The database's error.
    pub fn insert(&self, conn: &mut dyn Connection, entry: &Entry) -> Result<i64, DbError> {
        if !self.is_on() {
            return Ok(0);
        }
        let d = conn.dialect();
        let marks: Vec<String> = (1..=16).map(|n| d.placeholder(n)).collect();
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}) VALUES ({})",
            self.quoted(conn),
            marks.join(", ")
        );
        conn.execute_with(&sql, &self.values(entry))?;
        self.newest_id(conn)
    }

    /// The id of the row this connection inserted last: from the driver, or, since the
    /// migration lock is held, the newest row of this repository.
    ///
    /// # Errors
    /// The database's error.
    pub fn newest_id(&self, conn: &mut dyn Connection) -> Result<i64, DbError> {
        if !self.is_on() {
            return Ok(0);
        }
        if let Some(id) = conn.last_insert_id() {
            return Ok(id);
        }
        let d = conn.dialect();
        let sql = format!(
            "SELECT MAX(id) FROM {} WHERE repository_id = {}",
            self.quoted(conn),
            d.placeholder(1)
        );
        let rows = conn.query(&sql, &[Value::Text(self.repository_id.as_str().into())])?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_int)
            .unwrap_or(0))
    }

    /// The `INSERT` of `entry` as one literal statement, to send in a batch with the step
    /// (`None` when the journal is off).
    pub fn insert_sql(&self, conn: &dyn Connection, entry: &Entry) -> Option<String> {
        self.is_on().then(|| {
            let literal = |v| literal(conn, v);
            let values: Vec<String> = self.values(entry).into_iter().map(literal).collect();
            format!(
                "INSERT INTO {} ({COLUMNS}) VALUES ({})",
                self.quoted(conn),
                values.join(", ")
            )
        })
    }

    /// [`Journal::update`] as one literal statement, to send in a batch with the step's end
    /// (`None` when the journal is off).
    pub fn update_sql(&self, conn: &dyn Connection, entry: &Entry) -> Option<String> {
        self.is_on().then(|| {
            let values = self.update_values(entry).map(|v| literal(conn, v));
            self.update_statement(conn, &values)
        })
    }

    /// The `UPDATE` recording that row `id`'s step has reached its `statement`th (1-based)
    /// statement, as one literal statement to send in a batch with that statement (`None`
    /// when the journal is off).
    pub fn progress_sql(&self, conn: &dyn Connection, id: i64, statement: i64) -> Option<String> {
        self.is_on().then(|| {
            format!(
                "UPDATE {} SET statement_index = {statement} WHERE id = {id}",
                self.quoted(conn)
            )
        })
    }

    /// Rewrites the outcome columns of row `entry.id`.
    ///
    /// # Errors
    /// The database's error.
    pub fn update(&self, conn: &mut dyn Connection, entry: &Entry) -> Result<(), DbError> {
        if !self.is_on() {
            return Ok(());
        }
        let d = conn.dialect();
        let placeholders: [String; 6] = std::array::from_fn(|i| d.placeholder(i + 1));
        let sql = self.update_statement(conn, &placeholders);
        conn.execute_with(&sql, &self.update_values(entry))?;
        Ok(())
    }

    /// The `UPDATE` of an entry's outcome columns, with `values` (literals or placeholders)
    /// in the order [`Journal::update_values`] gives them.
    fn update_statement(&self, conn: &dyn Connection, values: &[String; 6]) -> String {
        let [finished, duration, outcome, statement, message, id] = values;
        format!(
            "UPDATE {} SET finished_at = {finished}, duration_ms = {duration}, outcome = {outcome}, statement_index = {statement}, message = {message} WHERE id = {id}",
            self.quoted(conn)
        )
    }

    fn update_values(&self, entry: &Entry) -> [Value; 6] {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        [
            text(&entry.finished_at),
            entry.duration_ms.map_or(Value::Null, Value::Int),
            Value::Text(entry.outcome.as_str().into()),
            entry.statement.map_or(Value::Null, Value::Int),
            text(&entry.message),
            Value::Int(entry.id),
        ]
    }

    /// Deletes this repository's rows, and the table with them when `drop_table`.
    ///
    /// # Errors
    /// The database's error.
    pub fn remove(&self, conn: &mut dyn Connection, drop_table: bool) -> Result<(), DbError> {
        if !self.exists(conn)? {
            return Ok(());
        }
        let table = self.quoted(conn);
        if drop_table {
            return conn.execute(&format!("DROP TABLE {table}"));
        }
        let sql = format!(
            "DELETE FROM {table} WHERE repository_id = {}",
            conn.dialect().placeholder(1)
        );
        conn.execute_with(&sql, &[Value::Text(self.repository_id.as_str().into())])
            .map(|_| ())
    }

    /// Every entry of this repository, oldest first (empty when there is no journal).
    ///
    /// # Errors
    /// The database's error.
    pub fn entries(&self, conn: &mut dyn Connection) -> Result<Vec<Entry>, DbError> {
        if !self.exists(conn)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, {COLUMNS} FROM {} WHERE repository_id = {} ORDER BY id",
            self.quoted(conn),
            conn.dialect().placeholder(1)
        );
        let rows = conn.query(&sql, &[Value::Text(self.repository_id.as_str().into())])?;
        Ok(rows.into_iter().map(|r| row_to_entry(&r)).collect())
    }

    /// The inverse recorded when `version` was last applied by an upgrade, if any.
    ///
    /// # Errors
    /// The database's error.
    pub fn inverse_for(
        &self,
        conn: &mut dyn Connection,
        version: Version,
    ) -> Result<Option<String>, DbError> {
        Ok(self
            .entries(conn)?
            .into_iter()
            .rev()
            .find(|e| {
                e.to == version
                    && e.to > e.from
                    && matches!(e.outcome, Outcome::Applied | Outcome::MarkedApplied)
            })
            .and_then(|e| e.inverse))
    }

    /// The oldest step left dirty and not yet resolved by `repair`, if any.
    ///
    /// # Errors
    /// The database's error.
    pub fn dirty(&self, conn: &mut dyn Connection) -> Result<Option<Entry>, DbError> {
        Ok(dirty_in(&self.entries(conn)?).cloned())
    }
}

/// Of entries oldest first, the oldest step left dirty that no `repair` decision resolved.
/// Every such step counts, not only the newest entry: a step that two runs raced into (a
/// lock that did not hold) can leave its `running` row under newer rows of applied steps,
/// and hiding it would call a half-applied database clean. A decision resolves the oldest
/// open step of the same versions, the one `repair` showed.
pub fn dirty_in(entries: &[Entry]) -> Option<&Entry> {
    let mut open: Vec<&Entry> = Vec::new();
    for e in entries {
        if e.outcome.is_dirty() {
            open.push(e);
        } else if matches!(
            e.outcome,
            Outcome::MarkedApplied | Outcome::MarkedRolledBack
        ) {
            if let Some(i) = open.iter().position(|d| d.from == e.from && d.to == e.to) {
                open.remove(i);
            }
        }
    }
    open.first().copied()
}

/// A value as an SQL literal of `conn`'s dialect.
fn literal(conn: &dyn Connection, value: Value) -> String {
    match value {
        Value::Null => "NULL".to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) => conn.dialect().string_literal(&t),
    }
}

fn row_to_entry(r: &[Value]) -> Entry {
    let text = |i: usize| match &r[i] {
        Value::Text(t) => Some(t.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    };
    let int = |i: usize| r[i].as_int();
    let version = |i: usize| Version::new(int(i).unwrap_or(0).max(0) as u64);
    Entry {
        id: int(0).unwrap_or(0),
        from: version(2),
        to: version(3),
        action: text(4).unwrap_or_default(),
        script: text(5),
        checksum: text(6),
        checksum_raw: text(7),
        started_at: text(8).unwrap_or_default(),
        finished_at: text(9),
        duration_ms: int(10),
        outcome: text(11)
            .and_then(|o| Outcome::parse(&o))
            .unwrap_or(Outcome::Dirty),
        statement: int(12),
        message: text(13),
        actor: text(14).unwrap_or_default(),
        tool_version: text(15).unwrap_or_default(),
        inverse: text(16),
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Outcome, dirty_in};
    use crate::version::Version;

    fn entry(id: i64, from: u64, outcome: Outcome) -> Entry {
        let mut e = Entry::now(
            Version::new(from),
            Version::new(from + 1),
            "upgrade",
            outcome,
        );
        e.id = id;
        e
    }

    #[test]
    fn an_older_dirty_step_is_not_hidden_by_newer_applied_ones() {
        let entries = [
            entry(1, 0, Outcome::Applied),
            entry(2, 1, Outcome::Running),
            entry(3, 1, Outcome::Applied),
            entry(4, 2, Outcome::Applied),
        ];
        assert_eq!(dirty_in(&entries).map(|e| e.id), Some(2));
    }

    #[test]
    fn a_repair_decision_resolves_the_oldest_open_step_of_its_versions() {
        let mut entries = vec![
            entry(1, 1, Outcome::Dirty),
            entry(2, 3, Outcome::Running),
            entry(3, 1, Outcome::MarkedRolledBack),
        ];
        assert_eq!(dirty_in(&entries).map(|e| e.id), Some(2));
        entries.push(entry(4, 3, Outcome::MarkedApplied));
        entries.push(entry(5, 4, Outcome::Applied));
        assert_eq!(dirty_in(&entries).map(|e| e.id), None);
        entries.push(entry(6, 5, Outcome::Failed));
        assert_eq!(
            dirty_in(&entries).map(|e| e.id),
            None,
            "failed steps rolled back whole"
        );
    }
}
