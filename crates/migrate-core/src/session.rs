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
use crate::connection::{Connection, Value};
use crate::error::Error;
use crate::executor::ExecError;
use crate::schema::{Column, Schema, Table};

/// Operations, SQL and queries on one connection, with the schema kept current.
pub struct Session<'c> {
    conn: &'c mut dyn Connection,
    schema: Schema,
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
        Ok(Session { conn, schema })
    }

    /// Starts a session on a database whose schema (without migrate's own tables) is known
    /// to be `schema`: the executor's, handing one code step's schema to the next.
    pub(crate) fn with_schema(conn: &'c mut dyn Connection, schema: Schema) -> Session<'c> {
        Session { conn, schema }
    }

    /// The schema as the session left it.
    pub(crate) fn into_schema(self) -> Schema {
        self.schema
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
                self.conn.execute(&s.sql)?;
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
        self.conn.execute(sql)?;
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
        self.conn.execute_with(sql, params)?;
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
        if !self.conn.dialect().transactional_ddl() {
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
        Ok(self.conn.query(sql, params)?)
    }
}
