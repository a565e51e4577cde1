//! PostgreSQL: transactional DDL, `$n` parameters, dollar-quoted bodies.

use super::{Dialect, DialectKind, MigrationLock, quote_double};
use crate::sql::LexerOptions;

/// The PostgreSQL dialect.
#[derive(Debug)]
pub struct Postgres;

/// The one PostgreSQL dialect value.
pub static POSTGRES: Postgres = Postgres;

impl Dialect for Postgres {
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

    fn integer_max(&self) -> Option<u64> {
        Some(i32::MAX as u64)
    }
}
