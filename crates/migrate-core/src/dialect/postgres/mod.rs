//! PostgreSQL: transactional DDL, `$n` parameters, dollar-quoted bodies.

mod lock;
mod reflect;
mod render;

use super::{
    DdlStatement, Dialect, DialectKind, MigrationLock, RenderError, leading_words, quote_double,
};
use crate::change::Operation;
use crate::connection::{Connection, DbError};
use crate::schema::{Column, Schema};
use crate::sql::LexerOptions;

/// The PostgreSQL dialect.
#[derive(Debug)]
pub struct Postgres;

/// The one PostgreSQL dialect value.
pub static POSTGRES: Postgres = Postgres;

impl Dialect for Postgres {
    fn native_enum(&self) -> bool {
        true
    }

    fn lock_site(
        &self,
        conn: &mut dyn crate::connection::Connection,
    ) -> Result<super::LockSite, crate::lock::LockError> {
        lock::lock_site(conn)
    }

    fn lease_lock_sql(&self, table: &str) -> Option<super::LeaseLockSql> {
        Some(lock::lease_lock_sql(&self.quote_ident(table)))
    }

    fn read_only_check(&self) -> Option<super::ReadOnlyCheck> {
        Some(super::ReadOnlyCheck {
            query: "SELECT (pg_is_in_recovery() \
                    OR current_setting('transaction_read_only') = 'on')::int",
            what: "PostgreSQL is in recovery (a hot standby) or read-only",
        })
    }

    fn enum_type_sql(&self, name: &str, values: &[String]) -> Option<super::EnumTypeSql> {
        let quoted: Vec<String> = values.iter().map(|v| self.string_literal(v)).collect();
        let ident = self.quote_ident(name);
        Some(super::EnumTypeSql {
            create: format!("CREATE TYPE {ident} AS ENUM ({})", quoted.join(", ")),
            drop: format!("DROP TYPE {ident}"),
            exists: "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                     WHERE t.typname = $1 AND t.typtype = 'e' AND n.nspname = current_schema()",
        })
    }

    fn current_database_query(&self) -> &'static str {
        "SELECT current_database()"
    }

    fn binary_literal(&self, bytes: &[u8]) -> String {
        // bytea's hex input form, in an escape string so that it reads the same whatever
        // standard_conforming_strings says (as string_literal does).
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("E'\\\\x{hex}'::bytea")
    }

    fn kind(&self) -> DialectKind {
        DialectKind::Postgres
    }

    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn script_names(&self) -> &'static [&'static str] {
        &["postgresql", "postgres"]
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_double(ident)
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn type_sql(&self, column: &Column) -> Result<String, RenderError> {
        render::type_sql(column)
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

    // PostgreSQL has no unsigned integers, no LONGTEXT and no table options.
    fn normalize(&self, schema: &Schema) -> Schema {
        let mut s = crate::schema::normalize::common(schema);
        for t in &mut s.tables {
            t.options.clear();
            for c in &mut t.columns {
                c.ty = crate::schema::normalize::without_unsigned(&c.ty);
                if c.ty == crate::schema::ColumnType::LongText {
                    c.ty = crate::schema::ColumnType::Text;
                }
                if let crate::schema::ColumnType::Custom(_) = c.ty {
                    if let Ok(sql) = self.type_sql(c) {
                        c.ty = crate::schema::ColumnType::parse(&sql).unwrap_or_else(|_| {
                            crate::schema::ColumnType::Custom(
                                [("postgresql".to_string(), sql.to_lowercase())].into(),
                            )
                        });
                    }
                }
            }
        }
        s
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    fn lexer(&self) -> LexerOptions {
        LexerOptions {
            dollar_quotes: true,
            nested_block_comments: true,
            ..LexerOptions::default()
        }
    }

    fn table_exists_query(&self) -> String {
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1"
            .to_string()
    }

    // Session advisory locks are scoped to the current database; the key is a 64-bit hash
    // of the name, which pg_locks shows split into classid (high) and objid (low).
    // See: https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
    fn migration_lock(&self) -> MigrationLock {
        MigrationLock::Session {
            try_acquire: "SELECT pg_try_advisory_lock(hashtextextended($1, 0))::int",
            release: "SELECT pg_advisory_unlock(hashtextextended($1, 0))::int",
            holder: "SELECT format('PostgreSQL backend %s (%s, %s, since %s)', a.pid, \
                     coalesce(nullif(a.application_name, ''), 'unnamed'), \
                     coalesce(a.client_addr::text, 'local socket'), date_trunc('second', a.backend_start)) \
                     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                     WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
                     (SELECT oid FROM pg_database WHERE datname = current_database()) \
                     AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)",
        }
    }

    // These refuse to run in a transaction block.
    // See: https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
    fn needs_autocommit(&self, sql: &str) -> bool {
        let words = leading_words(sql, 6);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let concurrently = words.iter().any(|x| x == "CONCURRENTLY");
        match w(0) {
            "VACUUM" => true,
            "CREATE" if w(1) == "DATABASE" || w(1) == "TABLESPACE" => true,
            "DROP" if w(1) == "DATABASE" || w(1) == "TABLESPACE" => true,
            "CREATE" | "DROP" | "REINDEX" => concurrently,
            "ALTER" if w(1) == "SYSTEM" => true,
            // Before PostgreSQL 12 this refuses a transaction block; outside one it works on all.
            "ALTER" if w(1) == "TYPE" => sql.to_ascii_uppercase().contains(" ADD VALUE"),
            _ => false,
        }
    }

    // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index that must be dropped.
    fn leftovers_query(&self, sql: &str) -> Option<&'static str> {
        let words = leading_words(sql, 5);
        let creates_index = words.first().is_some_and(|w| w == "CREATE")
            && words.iter().any(|w| w == "CONCURRENTLY");
        creates_index.then_some(
            "SELECT 'DROP INDEX CONCURRENTLY ' || i.indexrelid::regclass::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT i.indisvalid AND n.nspname = current_schema()",
        )
    }

    fn identity_column(&self) -> &'static str {
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    }

    fn integer_max(&self) -> Option<u64> {
        Some(i32::MAX as u64)
    }

    // With standard_conforming_strings off (a server, database or session setting) a
    // backslash in '…' escapes: 'C:\temp' would store a tab, and \' would end the literal.
    // E'…' means the same under both settings, so a text holding a backslash is written so.
    // See: https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS-ESCAPE
    fn string_literal(&self, s: &str) -> String {
        let quoted = s.replace('\'', "''");
        if s.contains('\\') {
            format!("E'{}'", quoted.replace('\\', "\\\\"))
        } else {
            format!("'{quoted}'")
        }
    }

    fn databases_query(&self) -> Option<&'static str> {
        Some("SELECT datname::text FROM pg_catalog.pg_database")
    }

    // The template must have no session (the server waits up to five seconds for one to
    // leave): see https://www.postgresql.org/docs/current/manage-ag-templatedbs.html
    fn clone_database(&self, name: &str, template: &str) -> Option<String> {
        Some(format!(
            "CREATE DATABASE {} TEMPLATE {}",
            self.quote_ident(name),
            self.quote_ident(template)
        ))
    }

    // FORCE ends the sessions still connected (PostgreSQL 13+), e.g. a killed client's.
    fn drop_database(&self, name: &str) -> String {
        format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.quote_ident(name)
        )
    }

    // CREATE TABLE IF NOT EXISTS is not safe against a concurrent CREATE of the same name
    // (both pass the check; one fails on pg_type's unique index), so creators queue on a
    // transaction-scoped advisory lock, held until the table they made is committed.
    fn create_shared_table(&self, table: &str, create: &str, in_transaction: bool) -> Vec<String> {
        let lock = format!(
            "SELECT pg_advisory_xact_lock(hashtextextended({}, 0))",
            self.string_literal(&format!("migrate create table {table}"))
        );
        if in_transaction {
            vec![lock, create.to_string()]
        } else {
            vec![
                "BEGIN".to_string(),
                lock,
                create.to_string(),
                "COMMIT".to_string(),
            ]
        }
    }

    // NAMEDATALEN - 1; a longer name is truncated without an error.
    fn identifier_limit(&self) -> Option<super::IdentifierLimit> {
        Some(super::IdentifierLimit::Bytes(63))
    }
}
