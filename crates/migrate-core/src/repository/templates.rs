//! Text of the files `create`, `script` and `script_sql` write.

use super::Dbms;
use crate::version::Direction;

pub(super) fn readme(name: &str) -> String {
    format!(
        "This is a database migration repository for '{name}'.\n\
         \n\
         It is managed by migrate: https://example.invalid/migrate\n\
         Scripts live in versions/, numbered in the order they apply.\n\
         \n\
         More information: migrate help\n"
    )
}

pub(super) fn portable_script(description: &str) -> String {
    format!(
        "# {description}\n\
         #\n\
         # A portable migration: its steps run in order, in one transaction where the database\n\
         # allows. Each step is a table with one key naming what it does.\n\
         #\n\
         # `sql` runs SQL: one text for every database, or one per database, e.g.\n\
         #\n\
         #   [[upgrade]]\n\
         #   sql = \"CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL)\"\n\
         #\n\
         #   [[upgrade]]\n\
         #   sql.postgresql = \"ALTER TABLE books ADD COLUMN isbn BIGINT\"\n\
         #   sql.default = \"ALTER TABLE books ADD isbn BIGINT\"\n\
         #\n\
         # [[downgrade]] holds the steps that undo the upgrade, in the same form.\n"
    )
}

pub(super) fn sql_script(description: &str, dbms: &Dbms, direction: Direction) -> String {
    let database = match dbms {
        Dbms::Default => "any database without its own script".to_string(),
        Dbms::Named(n) => n.clone(),
    };
    format!(
        "-- {description}: {direction} for {database}.\n\
         -- Statements end with ';'. The whole file runs in one transaction where the database allows.\n"
    )
}
