//! What differs between SQLite, PostgreSQL and MySQL/MariaDB, in one place per database.
//!
//! Every difference is a named capability or a rendering method on [`Dialect`]; code outside
//! this module asks the dialect instead of matching on which database it is. A dialect only
//! renders text and describes behaviour: it never talks to a database (drivers do that).

pub(crate) mod ddl;
pub mod identifier;
mod mysql;
mod postgres;
pub(crate) mod reflect;
#[cfg(test)]
mod render_tests;
mod sqlite;

use crate::change::Operation;
use crate::schema::{Column, Schema, Table};
use crate::sql::LexerOptions;

pub use identifier::{IdentifierLimit, IdentifierTooLong};
pub use mysql::{MYSQL, MYSQL_NO_BACKSLASH_ESCAPES};
pub use postgres::POSTGRES;
pub use sqlite::SQLITE;

/// The database families migrate supports. Used once, to pick a dialect and a driver from a
/// URL; everything else goes through [`Dialect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DialectKind {
    /// SQLite 3, through the bundled library.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl DialectKind {
    /// The dialect for this family.
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            DialectKind::Sqlite => &SQLITE,
            DialectKind::Postgres => &POSTGRES,
            DialectKind::Mysql => &MYSQL,
        }
    }

    /// The family named by a URL scheme (without its `+driver` suffix), as SQLAlchemy names them.
    pub fn from_scheme(scheme: &str) -> Option<DialectKind> {
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Some(DialectKind::Sqlite),
            "postgresql" | "postgres" | "pgsql" => Some(DialectKind::Postgres),
            "mysql" | "mariadb" => Some(DialectKind::Mysql),
            _ => None,
        }
    }
}

/// How to ask a server whether it takes writes (see [`Dialect::read_only_check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOnlyCheck {
    /// A query whose one value is non-zero when the server takes no writes.
    pub query: &'static str,
    /// What that means, for the refusal.
    pub what: &'static str,
}

/// Whether the session lock can be trusted where a run is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockSite {
    /// One server, and a session of our own: its lock excludes every other run.
    Trusted,
    /// It does not, for the reason given (shown when another run holds the lease lock).
    Untrusted(String),
}

/// The lease lock's statements (see [`Dialect::lease_lock_sql`]). Times are the server's,
/// in UTC; `lease` parameters are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseLockSql {
    /// Makes the table when it is missing.
    pub create: String,
    /// Inserts the lock row unless one exists: (key, owner, lease) → rows changed.
    pub take: String,
    /// Takes an expired row over: (owner, lease, key) → rows changed.
    pub take_over: String,
    /// Extends the owner's lease: (lease, key, owner) → rows changed, 0 when lost.
    pub renew: String,
    /// Deletes the owner's row: (key, owner) → rows changed.
    pub release: String,
    /// Who holds it and until when, as one text, and 1 when its lease has run out: (key).
    pub holder: String,
}

/// The statements of an enum type that is an object of its own (see
/// [`Dialect::enum_type_sql`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumTypeSql {
    /// `CREATE TYPE … AS ENUM (…)`.
    pub create: String,
    /// `DROP TYPE …`.
    pub drop: String,
    /// Returns a row when the type exists; its one parameter is the name.
    pub exists: &'static str,
}

/// SQL rendering and behaviour of one database family.
pub trait Dialect: Send + Sync + std::fmt::Debug {
    /// Which family this is.
    fn kind(&self) -> DialectKind;

    /// The canonical name, as SQLAlchemy's engine names it and as SQL script names use it
    /// (`sqlite`, `postgresql`, `mysql`).
    fn name(&self) -> &'static str;

    /// Every `<dbms>` word in a SQL script name that targets this database, most specific
    /// first. `default` is not listed: it is the fallback for all of them.
    fn script_names(&self) -> &'static [&'static str];

    /// Quotes an identifier so any name (spaces, reserved words, quotes, mixed case) works.
    fn quote_ident(&self, ident: &str) -> String;

    /// The bind-parameter marker for the `n`th (1-based) parameter.
    fn placeholder(&self, n: usize) -> String;

    /// Whether DDL statements take part in transactions (so a failed version rolls back whole).
    fn transactional_ddl(&self) -> bool;

    /// Whether a lone integer primary key that SQLAlchemy numbers by default (its
    /// `autoincrement="auto"`) is an autoincrement column here (`SERIAL`, `AUTO_INCREMENT`).
    /// Not on SQLite, where SQLAlchemy wrote no `AUTOINCREMENT` unless the table asked for
    /// it (`sqlite_autoincrement=True`): an `INTEGER PRIMARY KEY` numbers itself there.
    fn implied_autoincrement(&self) -> bool {
        true
    }

    /// Whether SQLAlchemy 1.3 guarded a `Boolean` column with `CHECK (col IN (0, 1))` here
    /// (`create_constraint=True`, its default, where the database has no boolean type).
    fn boolean_check(&self) -> bool {
        false
    }

    /// How to ask the server whether it takes writes, where it can be a replica (a
    /// PostgreSQL hot standby, a MySQL server with `read_only`): asked before a command that
    /// changes the database takes the migration lock.
    fn read_only_check(&self) -> Option<ReadOnlyCheck> {
        None
    }

    /// Whether SQLAlchemy 1.3 made an `Enum` column a type of the database's own here
    /// (PostgreSQL's named enum type, MySQL's `ENUM`) rather than a `VARCHAR` guarded by a
    /// CHECK of its values.
    fn native_enum(&self) -> bool {
        false
    }

    /// Where enum types are objects of their own (PostgreSQL): the statement that makes
    /// one, the statement that drops one, and a query with one parameter (the name) that
    /// returns a row when such a type exists.
    fn enum_type_sql(&self, _name: &str, _values: &[String]) -> Option<EnumTypeSql> {
        None
    }

    /// Whether `statement` (an `ALTER TABLE`) changes only how a table is stored, not its
    /// columns, keys or indexes (MySQL's `ENGINE=`, `CONVERT TO CHARACTER SET`).
    fn alters_only_storage(&self, _statement: &str) -> bool {
        false
    }

    /// Whether `sql` commits the open transaction by itself (MySQL's implicit commit before
    /// and after DDL), so that what follows it runs in autocommit mode. Never where DDL is
    /// transactional.
    fn ends_transaction(&self, _sql: &str) -> bool {
        false
    }

    /// The statement that opens a version's transaction.
    fn begin_transaction(&self) -> &'static str {
        "BEGIN"
    }

    /// How this database's SQL is tokenised when a script is split into statements.
    fn lexer(&self) -> LexerOptions;

    /// A query with one parameter (a table name) that returns a row when that table exists in
    /// the connection's current schema or database.
    fn table_exists_query(&self) -> String;

    /// Whether `sql` refuses to run inside a transaction (PostgreSQL's `CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`…), so its step must run outside one.
    fn needs_autocommit(&self, _sql: &str) -> bool {
        false
    }

    /// For a statement that can fail half-way and leave an object behind, a query returning
    /// the statements that remove such leftovers (one text column).
    fn leftovers_query(&self, _sql: &str) -> Option<&'static str> {
        None
    }

    /// The column definition of an auto-numbered BIGINT primary key named `id`.
    fn identity_column(&self) -> &'static str;

    /// How concurrent runs against one database and repository are serialised.
    fn migration_lock(&self) -> MigrationLock;

    /// Asked before the migration lock: whether this server's session lock excludes every
    /// other run (not on a Galera node, whose named locks are its own, nor behind a proxy
    /// that shares server sessions). Readies the session for a run on such a topology (a
    /// Galera node reads the cluster's latest writes) and refuses a node that cannot take
    /// writes now.
    ///
    /// # Errors
    /// [`crate::lock::LockError::NotPrimary`], or the database's error.
    fn lock_site(
        &self,
        _conn: &mut dyn crate::connection::Connection,
    ) -> Result<LockSite, crate::lock::LockError> {
        Ok(LockSite::Trusted)
    }

    /// The statements of the lease lock kept in `table` (quoted here), where the session
    /// lock may not hold (see [`Dialect::lock_site`]).
    fn lease_lock_sql(&self, _table: &str) -> Option<LeaseLockSql> {
        None
    }

    /// The column's type in this database's words (an autoincrement integer may be spelt
    /// differently, as PostgreSQL's `SERIAL`).
    ///
    /// # Errors
    /// A type this database cannot store as given (MySQL `VARCHAR` without a length).
    fn type_sql(&self, column: &Column) -> Result<String, RenderError>;

    /// What follows a column definition (MySQL's ` AUTO_INCREMENT`).
    fn column_suffix(&self, _column: &Column) -> &'static str {
        ""
    }

    /// A string literal.
    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// A boolean literal.
    fn bool_literal(&self, b: bool) -> &'static str {
        if b { "TRUE" } else { "FALSE" }
    }

    /// A binary string literal (SQL's `X'…'`).
    fn binary_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("X'{hex}'")
    }

    /// A query giving the connection's database (SQLAlchemy's `engine.url.database`): its
    /// name, or for SQLite its file.
    fn current_database_query(&self) -> &'static str;

    /// What follows `CREATE TABLE (…)`: MySQL's `ENGINE=… DEFAULT CHARSET=…`.
    ///
    /// # Errors
    /// An unknown option.
    fn table_options(&self, _table: &Table) -> Result<String, RenderError> {
        Ok(String::new())
    }

    /// The statements that perform `op` on this database, given the schema just before it.
    ///
    /// # Errors
    /// [`RenderError`] when this database cannot do it, naming why and what to do instead.
    fn render(&self, op: &Operation, before: &Schema) -> Result<Vec<DdlStatement>, RenderError>;

    /// Reads the schema of the connection's database (current schema on PostgreSQL) in a few
    /// catalog queries, leaving out the tables named in `exclude`.
    ///
    /// # Errors
    /// The database's error.
    fn reflect(
        &self,
        conn: &mut dyn crate::connection::Connection,
        exclude: &[&str],
    ) -> Result<Schema, crate::connection::DbError>;

    /// Reads what `scope` needs and nothing else: the tables it names, the tables their
    /// foreign keys reference, the tables referencing them when the scope asks, and what a
    /// rebuild of any of them restores (SQLite's triggers and views). A portable step reads
    /// this much, so its cost does not grow with the tables it leaves alone (issue 15).
    ///
    /// # Errors
    /// The database's error.
    fn reflect_scope(
        &self,
        conn: &mut dyn crate::connection::Connection,
        scope: &crate::change::Scope,
    ) -> Result<Schema, crate::connection::DbError>;

    /// `schema` as this database would reflect it back, for comparing a reflected schema with
    /// one built from operations: see `schema::normalize`.
    fn normalize(&self, schema: &Schema) -> Schema {
        crate::schema::normalize::common(schema)
    }

    /// Largest value the version column holds when it is `INTEGER`, if the database limits it.
    /// sqlalchemy-migrate's table uses `INTEGER`, which is 32-bit on PostgreSQL and MySQL: too
    /// small for timestamp numbering, so repositories using it get a `BIGINT` column instead.
    fn integer_max(&self) -> Option<u64>;

    /// The statements that run `create` (a `CREATE TABLE IF NOT EXISTS` of a table that runs
    /// of several repositories share: the version table, the journal) so that sessions doing
    /// it at the same moment all succeed. `in_transaction` says whether a transaction is open
    /// (one the caller commits) or each statement commits by itself.
    fn create_shared_table(
        &self,
        _table: &str,
        create: &str,
        _in_transaction: bool,
    ) -> Vec<String> {
        vec![create.to_string()]
    }

    /// A query listing the server's databases (one text column), where a server has several.
    fn databases_query(&self) -> Option<&'static str> {
        None
    }

    /// The statement that drops database `name`, if it exists, even with sessions still in it.
    fn drop_database(&self, name: &str) -> String {
        format!("DROP DATABASE IF EXISTS {}", self.quote_ident(name))
    }

    /// The statement that creates database `name` as a copy of `template`, where the server
    /// clones databases itself (PostgreSQL's `CREATE DATABASE … TEMPLATE`). Per-test
    /// databases (`migrate::testing`) are made this way from a template migrated once.
    fn clone_database(&self, _name: &str, _template: &str) -> Option<String> {
        None
    }

    /// Where the server cannot clone a database: the statements that rebuild the tables of
    /// database `template`, with their rows, in another one (run with that database current),
    /// read through `conn`. `None` when the template holds what they would not copy (views,
    /// triggers, routines), so that the caller runs the migrations instead.
    ///
    /// # Errors
    /// The database's error.
    fn copy_database_script(
        &self,
        _conn: &mut dyn crate::connection::Connection,
        _template: &str,
    ) -> Result<Option<Vec<String>>, crate::connection::DbError> {
        Ok(None)
    }

    /// The longest table, column, index or constraint name the database accepts, if it
    /// limits them.
    fn identifier_limit(&self) -> Option<IdentifierLimit> {
        None
    }

    /// Whether the name this database makes up for an unnamed foreign key of `table` could be
    /// longer than it accepts (so migrate must name the key itself).
    fn own_foreign_key_name_overflows(&self, _table: &str) -> bool {
        false
    }
}

/// One rendered statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlStatement {
    /// The SQL.
    pub sql: String,
    /// A query that must return no rows (SQLite's `PRAGMA foreign_key_check` after a rebuild).
    pub must_return_nothing: bool,
}

impl DdlStatement {
    /// A statement to run.
    pub fn run(sql: impl Into<String>) -> DdlStatement {
        DdlStatement {
            sql: sql.into(),
            must_return_nothing: false,
        }
    }

    /// A check whose rows mean failure.
    pub fn check(sql: impl Into<String>) -> DdlStatement {
        DdlStatement {
            sql: sql.into(),
            must_return_nothing: true,
        }
    }
}

/// An operation a database cannot perform as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    /// What is wrong.
    pub message: String,
    /// What to do instead.
    pub help: Option<String>,
}

impl RenderError {
    /// A new error.
    pub fn new(message: impl Into<String>, help: Option<String>) -> RenderError {
        RenderError {
            message: message.into(),
            help,
        }
    }
}

/// How a database serialises migration runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationLock {
    /// A named lock held by the session. Each query takes the lock name as its one parameter.
    Session {
        /// Tries to take the lock without waiting; returns one row, 1 when taken.
        try_acquire: &'static str,
        /// Releases it.
        release: &'static str,
        /// Describes the session holding it (one text row), where the database can tell.
        holder: &'static str,
    },
    /// One write transaction held for the whole run (SQLite): versions commit as savepoints
    /// inside it, and other writers wait on the database's busy timeout.
    WriteTransaction {
        /// Sets how long to wait for another writer, in milliseconds (formatted in).
        busy_timeout: &'static str,
        /// Reads (without `{}`) and sets (`{}` = 0 or 1) foreign-key enforcement, which must
        /// be off while tables are rebuilt and can only change outside a transaction.
        foreign_keys: &'static str,
    },
}

/// The first `n` words of `sql`, upper-cased.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    sql.split_whitespace()
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// A per-database type (`{ mysql = "BIGINT(13)", default = "BIGINT" }`) for this database.
fn custom_type(
    map: &std::collections::BTreeMap<String, String>,
    names: &[&str],
) -> Result<String, RenderError> {
    names
        .iter()
        .chain(std::iter::once(&"default"))
        .find_map(|n| map.get(*n))
        .cloned()
        .ok_or_else(|| {
            RenderError::new(
                format!("the type gives no {} or default", names[0]),
                Some(format!(
                    "add {} = \"…\" or default = \"…\" to the type",
                    names[0]
                )),
            )
        })
}

/// Double-quote quoting (SQL standard), doubling embedded quotes.
fn quote_double(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_embedded_quotes() {
        assert_eq!(SQLITE.quote_ident("we\"ird name"), "\"we\"\"ird name\"");
        assert_eq!(POSTGRES.quote_ident("Order"), "\"Order\"");
        assert_eq!(MYSQL.quote_ident("back`tick"), "`back``tick`");
    }

    #[test]
    fn statements_that_refuse_transactions_are_recognised() {
        let pg = |sql: &str| POSTGRES.needs_autocommit(sql);
        assert!(pg("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(pg("create unique index concurrently i on t (a)"));
        assert!(pg("DROP INDEX CONCURRENTLY IF EXISTS i"));
        assert!(pg("VACUUM ANALYZE t"));
        assert!(pg("ALTER TYPE mood ADD VALUE 'meh'"));
        assert!(!pg("CREATE INDEX i ON t (a)"));
        assert!(!pg("ALTER TYPE mood RENAME TO feeling"));
        assert!(SQLITE.needs_autocommit("VACUUM"));
        assert!(!SQLITE.needs_autocommit("CREATE TABLE vacuum_log (a INT)"));
        assert!(!MYSQL.needs_autocommit("CREATE INDEX i ON t (a)"));
    }

    #[test]
    fn string_literals_mean_the_same_under_every_escaping_setting() {
        // PostgreSQL: E'…' reads the same whatever standard_conforming_strings says.
        assert_eq!(POSTGRES.string_literal("it's"), "'it''s'");
        assert_eq!(POSTGRES.string_literal(r"C:\t'x"), r"E'C:\\t''x'");
        // MySQL: a backslash is doubled only where the session treats it as an escape.
        assert_eq!(MYSQL.string_literal(r"a\'b"), r"'a\\''b'");
        assert_eq!(
            MYSQL_NO_BACKSLASH_ESCAPES.string_literal(r"a\'b"),
            r"'a\''b'"
        );
        assert!(!MYSQL_NO_BACKSLASH_ESCAPES.lexer().backslash_escapes);
        assert_eq!(SQLITE.string_literal(r"a\'b"), r"'a\''b'");
    }

    #[test]
    fn schemes_map_to_families() {
        assert_eq!(
            DialectKind::from_scheme("postgres"),
            Some(DialectKind::Postgres)
        );
        assert_eq!(
            DialectKind::from_scheme("MariaDB"),
            Some(DialectKind::Mysql)
        );
        assert_eq!(DialectKind::from_scheme("oracle"), None);
    }
}
