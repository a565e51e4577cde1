//! PostgreSQL: transactional DDL, `$n` parameters, dollar-quoted bodies.

use super::{Dialect, DialectKind, quote_double};
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

    fn integer_max(&self) -> Option<u64> {
        Some(i32::MAX as u64)
    }
}
