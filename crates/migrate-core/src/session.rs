//! A migration session for Rust code: the schema operations, raw SQL and queries, run on a
//! connection against the schema as it is (`autoload` is reading it), so a code migration
//! reads like the seeds:
//!
//! ```no_run
//! # fn run(conn: &mut dyn migrate_core::Connection) -> Result<(), migrate_core::Error> {
//! use migrate_core::schema::{Column, ColumnType, DefaultValue};
//! use migrate_core::session::Session;
//!
//! let mut session = Session::new(conn)?;
//! let nodes = session.autoload("compute_nodes")?.clone();
//! if nodes.column("stats").is_none() {
//!     let stats = Column::new("stats", ColumnType::Text).default_value(DefaultValue::Text("{}".into()));
//!     session.add_column("compute_nodes", stats)?;
//! }
//! session.drop_table("compute_node_stats")?;
//! # Ok(()) }
//! ```

use crate::change::{ColumnChange, Operation};
use crate::connection::{Connection, DbError, Value};
use crate::error::Error;
use crate::executor::ExecError;
use crate::schema::{Column, Schema, Table};

/// Operations, SQL and queries on one connection, with the schema kept current.
pub struct Session<'c> {
    conn: &'c mut dyn Connection,
    schema: Schema,
    /// Set when the session only writes down what it is asked (for `convert`).
    transcript: Option<Transcript>,
    /// How many statements may stay applied should the migration fail now: those up to the
    /// last one that committed by itself (MySQL's DDL), or that may have.
    committed: usize,
    /// How many statements were sent.
    sent: usize,
}

/// What a migration asked of a transcribing session, in order: nothing ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Transcript {
    pub entries: Vec<Transcribed>,
    /// The first query the migration made: it reads rows, so what it writes depends on them.
    pub read: Option<String>,
}

/// One thing a migration asked of a transcribing session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transcribed {
    /// A schema or data operation, checked against the schema of the moment.
    Operation(Operation),
    /// Raw SQL (`migrate_engine.execute("…")`), in this database's dialect.
    Sql(String),
    /// A data statement the migration wrote in this database's dialect.
    Data(String),
}

/// The connection of a transcribing session: it has a dialect and runs nothing.
#[derive(Debug)]
pub(crate) struct Offline(pub &'static dyn crate::dialect::Dialect);

impl Connection for Offline {
    fn dialect(&self) -> &'static dyn crate::dialect::Dialect {
        self.0
    }
    fn execute(&mut self, _: &str) -> Result<(), DbError> {
        Err(DbError::new("a transcribing session runs nothing"))
    }
    fn execute_with(&mut self, _: &str, _: &[Value]) -> Result<u64, DbError> {
        Err(DbError::new("a transcribing session runs nothing"))
    }
    fn query(&mut self, _: &str, _: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        Err(DbError::new("a transcribing session runs nothing"))
    }
}

fn op_error(op: &Operation, message: String, help: Option<String>) -> Error {
    ExecError::Operation {
        path: "<code>".into(),
        line: 0,
        step: 0,
        op: op.to_string(),
        message,
        help,
    }
    .into()
}

impl<'c> Session<'c> {
    /// Starts a session, reading the schema (without migrate's own tables).
    ///
    /// # Errors
    /// The database's error.
    pub fn new(conn: &'c mut dyn Connection) -> Result<Session<'c>, Error> {
        let exclude = ["migrate_version", "migrate_version_journal"];
        let schema = conn.dialect().reflect(conn, &exclude)?;
        Ok(Session {
            conn,
            schema,
            transcript: None,
            committed: 0,
            sent: 0,
        })
    }

    /// Starts a session on a database whose schema (without migrate's own tables) is known
    /// to be `schema`: the executor's, handing one code step's schema to the next.
    pub(crate) fn with_schema(conn: &'c mut dyn Connection, schema: Schema) -> Session<'c> {
        Session {
            conn,
            schema,
            transcript: None,
            committed: 0,
            sent: 0,
        }
    }

    /// A session that runs nothing and writes down what it is asked, on a database whose
    /// schema is `schema`: operations are checked and folded into it as if they ran; a query
    /// fails (its rows cannot be known), and raw SQL leaves the schema as it was.
    pub(crate) fn transcribing(conn: &'c mut Offline, schema: Schema) -> Session<'c> {
        Session {
            conn,
            schema,
            transcript: Some(Transcript::default()),
            committed: 0,
            sent: 0,
        }
    }

    /// The schema as the session left it.
    pub(crate) fn into_schema(self) -> Schema {
        self.schema
    }

    /// How many of the statements sent stay applied should the step fail now, where the
    /// database commits some statements by itself (MySQL's DDL); a statement that failed
    /// part-way through a batch counts as one that may have.
    pub(crate) fn committed(&self) -> usize {
        self.committed
    }

    /// Sends one statement (or a batch), counting what may stay applied.
    fn send(&mut self, sql: &str, params: Option<&[Value]>) -> Result<(), DbError> {
        self.sent += 1;
        let dialect = self.conn.dialect();
        let result = match params {
            None => self.conn.execute(sql),
            Some(p) => self.conn.execute_with(sql, p).map(|_| ()),
        };
        // A batch that failed may have committed its first statements; DDL that ran did.
        let ends = dialect.ends_transaction(sql);
        if ends || (result.is_err() && !dialect.transactional_ddl()) {
            self.committed = self.sent;
        }
        result
    }

    /// The schema and what a transcribing session was asked.
    pub(crate) fn into_transcript(self) -> (Schema, Transcript) {
        (self.schema, self.transcript.unwrap_or_default())
    }

    /// The database's dialect (what sqlalchemy-migrate scripts read as `migrate_engine.name`).
    pub fn dialect(&self) -> &'static dyn crate::dialect::Dialect {
        self.conn.dialect()
    }

    /// The schema as it stands.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// A table as it stands (SQLAlchemy's `autoload=True`).
    ///
    /// # Errors
    /// No such table.
    pub fn autoload(&self, table: &str) -> Result<&Table, Error> {
        self.schema.table(table).ok_or_else(|| {
            op_error(
                &Operation::DropTable { name: table.into() },
                format!("table '{table}' does not exist"),
                None,
            )
        })
    }

    /// Runs one operation: checked against the schema, rendered for this database, executed.
    ///
    /// # Errors
    /// The operation does not fit, the database cannot do it, or a statement fails.
    pub fn run(&mut self, op: Operation) -> Result<(), Error> {
        // PostgreSQL would truncate a long name silently, MySQL refuse it: refuse it first.
        for (what, name) in op.names() {
            crate::dialect::identifier::check(self.conn.dialect(), what, name)?;
        }
        let mut next = self.schema.clone();
        next.apply(&op)
            .map_err(|e| op_error(&op, e.to_string(), None))?;
        if let Some(transcript) = &mut self.transcript {
            if let Operation::DropTable { name } = &op {
                refuse_drop_of_referenced(&self.schema, name)?;
            }
            transcript.entries.push(Transcribed::Operation(op));
            self.schema = next;
            return Ok(());
        }
        let statements = self
            .conn
            .dialect()
            .render(&op, &self.schema)
            .map_err(|e| op_error(&op, e.message, e.help))?;
        for s in statements {
            if s.must_return_nothing {
                let rows = self.conn.query(&s.sql, &[])?;
                if !rows.is_empty() {
                    return Err(op_error(
                        &op,
                        format!("{} found {} problem row(s)", s.sql, rows.len()),
                        None,
                    ));
                }
            } else {
                self.send(&s.sql, None)?;
            }
        }
        self.schema = next;
        Ok(())
    }

    /// `CREATE TABLE`.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn create_table(&mut self, table: Table) -> Result<(), Error> {
        self.run(Operation::CreateTable(table))
    }

    /// `DROP TABLE`.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn drop_table(&mut self, name: &str) -> Result<(), Error> {
        self.run(Operation::DropTable { name: name.into() })
    }

    /// Adds a column.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn add_column(&mut self, table: &str, column: Column) -> Result<(), Error> {
        self.run(Operation::AddColumn {
            table: table.into(),
            column,
        })
    }

    /// Drops a column.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn drop_column(&mut self, table: &str, column: &str) -> Result<(), Error> {
        self.run(Operation::DropColumn {
            table: table.into(),
            column: column.into(),
        })
    }

    /// Changes a column.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: ColumnChange,
    ) -> Result<(), Error> {
        self.run(Operation::AlterColumn {
            table: table.into(),
            column: column.into(),
            change,
        })
    }

    /// Runs raw SQL (one statement). The schema is read again afterwards, since SQL may
    /// change it.
    ///
    /// # Errors
    /// The database's error.
    pub fn execute(&mut self, sql: &str) -> Result<(), Error> {
        if let Some(transcript) = &mut self.transcript {
            transcript.entries.push(Transcribed::Sql(sql.to_string()));
            return Ok(());
        }
        self.send(sql, None)?;
        let exclude = ["migrate_version", "migrate_version_journal"];
        self.schema = self.conn.dialect().reflect(self.conn, &exclude)?;
        Ok(())
    }

    /// Runs one data statement with parameters (markers as the dialect writes them). The
    /// schema is not read again: data statements do not change it.
    ///
    /// # Errors
    /// The database's error.
    pub fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<(), Error> {
        if let Some(transcript) = &mut self.transcript {
            if !params.is_empty() {
                return Err(DbError::new(
                    "a data statement with parameters cannot be written down as SQL",
                )
                .into());
            }
            transcript.entries.push(Transcribed::Data(sql.to_string()));
            return Ok(());
        }
        self.send(sql, Some(params))?;
        Ok(())
    }

    /// Runs one data statement whose failure the caller may recover from (see
    /// [`Session::recoverable`]).
    ///
    /// # Errors
    /// The database's error.
    pub fn execute_recoverable(&mut self, sql: &str) -> Result<(), Error> {
        self.recoverable(|s| s.execute_with(sql, &[]))
    }

    /// Runs `work` so that its failure leaves the session usable: where DDL is
    /// transactional (the step's transaction is open) it runs in a savepoint, rolled back on
    /// failure (PostgreSQL refuses every later statement otherwise). Elsewhere it just runs.
    ///
    /// # Errors
    /// What `work` returned, or the database's error handling the savepoint.
    pub fn recoverable<T>(
        &mut self,
        work: impl FnOnce(&mut Session<'c>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if !self.conn.dialect().transactional_ddl() || self.transcript.is_some() {
            return work(self);
        }
        // The same savepoint statements a nested step uses.
        let bounds = crate::connection::Bounds::new(true);
        self.conn.execute(&bounds.begin(self.conn.dialect()))?;
        match work(self) {
            Ok(v) => {
                self.conn.execute(&bounds.commit())?;
                Ok(v)
            }
            Err(e) => {
                self.conn.execute(&bounds.rollback())?;
                Err(e)
            }
        }
    }

    /// Runs a query with parameters (markers as the dialect writes them).
    ///
    /// # Errors
    /// The database's error.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
        if let Some(transcript) = &mut self.transcript {
            transcript.read.get_or_insert_with(|| sql.to_string());
            return Err(DbError::new(
                "the migration reads rows, which a transcribing session does not have",
            )
            .into());
        }
        Ok(self.conn.query(sql, params)?)
    }
}

/// What a database with foreign keys does when a table another one references is dropped:
/// refuses it (SQLSTATE 2BP01), so a transcript orders drops as the real run does.
fn refuse_drop_of_referenced(schema: &Schema, name: &str) -> Result<(), Error> {
    let referrer = schema
        .tables
        .iter()
        .find(|t| t.name != name && t.foreign_keys.iter().any(|fk| fk.ref_table == name));
    match referrer {
        Some(t) => Err(DbError::new(format!(
            "cannot drop table {name} because table {} references it",
            t.name
        ))
        .with_sqlstate("2BP01")
        .into()),
        None => Ok(()),
    }
}
