//! SQLite: the bundled library, transactional DDL, `?NNN` parameters.

mod rebuild;
mod reflect;
mod render;

use super::{
    DdlStatement, Dialect, DialectKind, MigrationLock, RenderError, leading_words, quote_double,
};
use crate::change::Operation;
use crate::connection::{Connection, DbError};
use crate::schema::{Column, Schema};
use crate::sql::LexerOptions;

/// The SQLite dialect.
#[derive(Debug)]
pub struct Sqlite;

/// The one SQLite dialect value.
pub static SQLITE: Sqlite = Sqlite;

impl Dialect for Sqlite {
    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn script_names(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_double(ident)
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn type_sql(&self, column: &Column) -> Result<String, RenderError> {
        render::type_sql(column)
    }

    fn current_database_query(&self) -> &'static str {
        "SELECT file FROM pragma_database_list WHERE name = 'main'"
    }

    fn bool_literal(&self, b: bool) -> &'static str {
        if b { "1" } else { "0" }
    }

    fn render(&self, op: &Operation, before: &Schema) -> Result<Vec<DdlStatement>, RenderError> {
        render::render(self, op, before)
    }

    fn reflect(&self, conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
        reflect::reflect(conn, exclude)
    }

    fn reflect_scope(
        &self,
        conn: &mut dyn Connection,
        scope: &crate::change::Scope,
    ) -> Result<Schema, DbError> {
        reflect::reflect_scope(conn, scope)
    }

    // SQLite has no unsigned integers, keeps booleans as numbers, and only INTEGER can
    // autoincrement; it has no table options.
    fn normalize(&self, schema: &Schema) -> Schema {
        let mut s = crate::schema::normalize::common(schema);
        for t in &mut s.tables {
            t.options.clear();
            for c in &mut t.columns {
                c.ty = crate::schema::normalize::without_unsigned(&c.ty);
                if c.autoincrement {
                    c.ty = crate::schema::ColumnType::Integer { unsigned: false };
                }
                c.default = crate::schema::normalize::numeric_bool_default(&c.default);
                c.ty = resolve_custom(self, c);
            }
        }
        s
    }

    fn implied_autoincrement(&self) -> bool {
        false
    }

    fn boolean_check(&self) -> bool {
        true
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    // IMMEDIATE takes the write lock up front, so two writers fail fast on the busy timeout
    // instead of deadlocking when both try to upgrade a read lock.
    // See: https://www.sqlite.org/lang_transaction.html
    fn begin_transaction(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn lexer(&self) -> LexerOptions {
        LexerOptions {
            // SQLite accepts MySQL's and SQL Server's identifier quotes for compatibility.
            // See: https://www.sqlite.org/lang_keywords.html
            backtick_identifiers: true,
            bracket_identifiers: true,
            ..LexerOptions::default()
        }
    }

    fn table_exists_query(&self) -> String {
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1".to_string()
    }

    // SQLite has no named locks; a write transaction is the lock.
    // See: https://www.sqlite.org/lang_transaction.html
    fn migration_lock(&self) -> MigrationLock {
        MigrationLock::WriteTransaction {
            busy_timeout: "PRAGMA busy_timeout = {}",
            foreign_keys: "PRAGMA foreign_keys",
        }
    }

    // VACUUM fails inside a transaction. See: https://www.sqlite.org/lang_vacuum.html
    fn needs_autocommit(&self, sql: &str) -> bool {
        leading_words(sql, 1).first().is_some_and(|w| w == "VACUUM")
    }

    fn identity_column(&self) -> &'static str {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    }

    fn integer_max(&self) -> Option<u64> {
        None
    }
}

/// A per-database type as the database would report it back.
fn resolve_custom(d: &dyn Dialect, c: &Column) -> crate::schema::ColumnType {
    match &c.ty {
        crate::schema::ColumnType::Custom(_) => match d.type_sql(c) {
            Ok(sql) => crate::schema::ColumnType::parse(&sql).unwrap_or_else(|_| {
                crate::schema::ColumnType::Custom([(d.name().to_string(), sql)].into())
            }),
            Err(_) => c.ty.clone(),
        },
        other => other.clone(),
    }
}
