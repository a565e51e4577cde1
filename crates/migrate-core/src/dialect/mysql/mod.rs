//! MySQL and MariaDB: DDL commits implicitly, backtick identifiers, `#` comments, `DELIMITER`.

mod copy;
mod lock;
mod reflect;
mod render;

use super::{DdlStatement, Dialect, DialectKind, MigrationLock, RenderError};
use crate::change::Operation;
use crate::connection::{Connection, DbError};
use crate::schema::{Column, Schema, Table};
use crate::sql::LexerOptions;

/// The MySQL/MariaDB dialect, for a session whose `sql_mode` lacks or has
/// `NO_BACKSLASH_ESCAPES` (which decides what a backslash in a string literal means).
#[derive(Debug)]
pub struct Mysql {
    backslash_escapes: bool,
}

/// MySQL/MariaDB with the default `sql_mode`: a backslash in a string literal escapes.
pub static MYSQL: Mysql = Mysql {
    backslash_escapes: true,
};

/// MySQL/MariaDB whose session `sql_mode` has `NO_BACKSLASH_ESCAPES`: a backslash is a
/// backslash. Drivers pick it from the server's status flags.
pub static MYSQL_NO_BACKSLASH_ESCAPES: Mysql = Mysql {
    backslash_escapes: false,
};

impl Dialect for Mysql {
    fn kind(&self) -> DialectKind {
        DialectKind::Mysql
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    fn script_names(&self) -> &'static [&'static str] {
        &["mysql", "mariadb"]
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".to_string()
    }

    fn type_sql(&self, column: &Column) -> Result<String, RenderError> {
        render::type_sql(column)
    }

    fn column_suffix(&self, column: &Column) -> &'static str {
        if column.autoincrement {
            " AUTO_INCREMENT"
        } else {
            ""
        }
    }

    // With the default sql_mode a backslash escapes in MySQL strings, so it is doubled too;
    // under NO_BACKSLASH_ESCAPES doubling it would store two. No spelling means the same in
    // both modes (and MariaDB rejects a hex `_utf8mb4 X'…'` DEFAULT holding a backslash), so
    // the driver says which mode the session is in.
    fn string_literal(&self, s: &str) -> String {
        let quoted = s.replace('\'', "''");
        if self.backslash_escapes {
            format!("'{}'", quoted.replace('\\', "\\\\"))
        } else {
            format!("'{quoted}'")
        }
    }

    fn native_enum(&self) -> bool {
        true
    }

    fn alters_only_storage(&self, statement: &str) -> bool {
        // ALTER TABLE t ENGINE=… / ALTER TABLE t CONVERT TO CHARACTER SET …
        let words: Vec<String> = statement
            .split_whitespace()
            .skip(3)
            .take(2)
            .map(|w| w.to_ascii_uppercase())
            .collect();
        words.first().is_some_and(|w| w.starts_with("ENGINE"))
            || (words.len() == 2 && words[0] == "CONVERT" && words[1] == "TO")
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
            query: "SELECT @@global.read_only",
            what: "read_only is ON, which does not stop a user with SUPER such as root",
        })
    }

    fn current_database_query(&self) -> &'static str {
        "SELECT DATABASE()"
    }

    fn bool_literal(&self, b: bool) -> &'static str {
        if b { "1" } else { "0" }
    }

    fn table_options(&self, table: &Table) -> Result<String, RenderError> {
        render::table_options(table)
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

    // MySQL keeps booleans as TINYINT(1), an index for every foreign key (named after the
    // key or its column), and reports utf8 as utf8mb3; table options it reports that a schema
    // built from operations did not ask for are its defaults.
    fn normalize(&self, schema: &Schema) -> Schema {
        let mut s = schema.clone();
        for t in &mut s.tables {
            let fk_indexes: Vec<(Vec<String>, Vec<String>)> = t
                .foreign_keys
                .iter()
                .map(|f| {
                    (
                        f.columns.clone(),
                        [f.name.clone().unwrap_or_default(), f.columns[0].clone()].to_vec(),
                    )
                })
                .collect();
            t.indexes.retain(|i| {
                !fk_indexes.iter().any(|(cols, names)| {
                    !i.unique && i.columns.starts_with(cols) && names.contains(&i.name)
                })
            });
            for c in &mut t.columns {
                c.default = crate::schema::normalize::numeric_bool_default(&c.default);
                if let crate::schema::ColumnType::Custom(map) = &c.ty {
                    if let Some(sql) = map
                        .get("mysql")
                        .or_else(|| map.get("mariadb"))
                        .or_else(|| map.get("default"))
                    {
                        c.ty = crate::schema::ColumnType::Custom(
                            [("mysql".to_string(), sql.to_lowercase())].into(),
                        );
                    }
                }
            }
            if let Some(charset) = t.options.get_mut("mysql_charset") {
                if charset == "utf8" {
                    *charset = "utf8mb3".into();
                }
            }
        }
        crate::schema::normalize::common(&s)
    }

    // Every DDL statement commits the open transaction first.
    // See: https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html
    fn boolean_check(&self) -> bool {
        true
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn ends_transaction(&self, sql: &str) -> bool {
        // Data statements keep the transaction; anything else is taken to end it (DDL, LOCK,
        // GRANT…; see "Statements That Cause an Implicit Commit"). A data statement taken
        // for DDL only costs an early commit; DDL taken for data leaves the step's end to
        // autocommit, as a crash would.
        let first = sql
            .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        !matches!(
            first.as_str(),
            "INSERT"
                | "UPDATE"
                | "DELETE"
                | "REPLACE"
                | "SELECT"
                | "WITH"
                | "SET"
                | "DO"
                | "VALUES"
        )
    }

    fn begin_transaction(&self) -> &'static str {
        "START TRANSACTION"
    }

    fn lexer(&self) -> LexerOptions {
        LexerOptions {
            backtick_identifiers: true,
            hash_comments: true,
            backslash_escapes: self.backslash_escapes,
            delimiter_command: true,
            executable_comments: true,
            ..LexerOptions::default()
        }
    }

    fn table_exists_query(&self) -> String {
        "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
            .to_string()
    }

    // GET_LOCK names are server-wide and at most 64 characters, so the name hashes the
    // database with the repository.
    // See: https://dev.mysql.com/doc/refman/8.0/en/locking-functions.html
    fn migration_lock(&self) -> MigrationLock {
        MigrationLock::Session {
            try_acquire: "SELECT GET_LOCK(CONCAT('migrate:', SHA1(CONCAT(DATABASE(), ':', ?))), 0)",
            release: "SELECT RELEASE_LOCK(CONCAT('migrate:', SHA1(CONCAT(DATABASE(), ':', ?))))",
            holder: "SELECT CONCAT('connection ', p.ID, ' (', p.USER, '@', p.HOST, ', for ', p.TIME, 's)') \
                     FROM information_schema.PROCESSLIST p \
                     WHERE p.ID = IS_USED_LOCK(CONCAT('migrate:', SHA1(CONCAT(DATABASE(), ':', ?))))",
        }
    }

    fn identity_column(&self) -> &'static str {
        "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
    }

    fn copy_database_script(
        &self,
        conn: &mut dyn Connection,
        template: &str,
    ) -> Result<Option<Vec<String>>, DbError> {
        copy::copy_script(self, conn, template)
    }

    fn databases_query(&self) -> Option<&'static str> {
        Some("SELECT schema_name FROM information_schema.schemata")
    }

    fn integer_max(&self) -> Option<u64> {
        Some(i32::MAX as u64)
    }

    // Tables, columns, indexes and constraints alike (error 1059 beyond it).
    fn identifier_limit(&self) -> Option<super::IdentifierLimit> {
        Some(super::IdentifierLimit::Chars(64))
    }

    // An unnamed foreign key is named `<table>_ibfk_<n>`, and refused (error 1059) when that
    // passes 64 characters; two digits of n are allowed for.
    fn own_foreign_key_name_overflows(&self, table: &str) -> bool {
        table.chars().count() + "_ibfk_NN".len() > 64
    }
}

#[cfg(test)]
mod transaction_tests {
    use crate::dialect::{Dialect, MYSQL};

    #[test]
    fn ddl_ends_the_transaction_and_data_statements_do_not() {
        for ddl in [
            "CREATE TABLE t (id INT)",
            "  alter table t add x int",
            "DROP INDEX ix ON t",
            "RENAME TABLE a TO b",
            "TRUNCATE t",
        ] {
            assert!(MYSQL.ends_transaction(ddl), "{ddl}");
        }
        for dml in [
            "INSERT INTO t VALUES (1)",
            "update t set x = 1",
            "DELETE FROM t",
            "(SELECT 1)",
            "WITH a AS (SELECT 1) SELECT * FROM a",
        ] {
            assert!(!MYSQL.ends_transaction(dml), "{dml}");
        }
    }
}
