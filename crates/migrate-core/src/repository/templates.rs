//! Text of the files `create`, `script` and `script_sql` write.

use super::Dbms;
use crate::version::Direction;

pub(super) fn readme(name: &str) -> String {
    format!(
        "This is a database migration repository for '{name}'.\n\
         \n\
         It is managed by migrate, the successor of sqlalchemy-migrate, in that tool's layout.\n\
         Scripts live in versions/, numbered in the order they apply.\n\
         \n\
         \x20 migrate version_control URL .      put a database under version control\n\
         \x20 migrate upgrade URL .              walk it to the latest version\n\
         \x20 python manage.py upgrade URL       the same, through this repository's launcher\n\
         \n\
         More information: migrate help\n"
    )
}

/// `manage.py`: the seed's `python manage.py COMMAND …` runs migrate with this repository as
/// its default. Python 2 and 3 alike. It runs `MIGRATE_BIN`, else the binary that wrote it,
/// else `migrate` on the PATH (not first: sqlalchemy-migrate installs a `migrate` too).
pub(super) fn manage_py(fallback_bin: &str) -> String {
    python_launcher(
        "Written by `migrate create`: runs migrate with this repository as the default.",
        "here = os.path.dirname(os.path.abspath(__file__))\n\
         os.environ.setdefault(\"MIGRATE_REPOSITORY\", here)\n",
        fallback_bin,
    )
}

/// A Python script that sets up the environment with `setup` (Python statements, each line
/// ending in a newline; `os` and `sys` are imported) and then becomes migrate with its own
/// arguments: `MIGRATE_BIN`, else `fallback_bin`, else `migrate` on the PATH. For launchers
/// that replace sqlalchemy-migrate's `manage.py`, run as `python manage.py COMMAND …`.
pub fn python_launcher(comment: &str, setup: &str, fallback_bin: &str) -> String {
    let fallback = fallback_bin.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "#!/usr/bin/env python\n\
         # {comment}\n\
         import os\n\
         import sys\n\
         \n\
         {setup}\
         binary = os.environ.get(\"MIGRATE_BIN\") or \"{fallback}\"\n\
         if not os.path.exists(binary):\n\
         \x20   binary = \"migrate\"\n\
         os.execvp(binary, [binary] + sys.argv[1:])\n"
    )
}

/// sqlalchemy-migrate's template for a Python script, as `migrate script` wrote it.
pub(super) const PYTHON_SCRIPT: &str = "from sqlalchemy import *\nfrom migrate import *\n\n\n\
def upgrade(migrate_engine):\n    # Upgrade operations go here. Don't create your own engine; bind\n    \
# migrate_engine to your metadata\n    pass\n\n\n\
def downgrade(migrate_engine):\n    # Operations to reverse the above upgrade go here.\n    pass\n";

pub(super) fn portable_script(description: &str) -> String {
    format!("# {description}\n{PORTABLE_HELP}")
}

/// The commented guide at the top of every new portable script.
const PORTABLE_HELP: &str = r#"#
# A portable migration: written once, it runs on SQLite, PostgreSQL and MySQL/MariaDB, in
# one transaction where the database allows. Each [[upgrade]] step is a table with one key
# naming an operation:
#
#   [[upgrade]]
#   create_table = { name = "books", options = { mysql_engine = "InnoDB", mysql_charset = "utf8" }, columns = [
#       { name = "id", type = "BigInteger UNSIGNED", primary_key = true },   # autoincrement implied
#       { name = "title", type = "Text", nullable = false },
#       { name = "author", type = "String(64)", nullable = false, index = true },
#       { name = "shelf_id", type = "Integer", references = "shelves.id" },
#       { name = "in_print", type = "Boolean", default = true },
#   ] }
#
#   [[upgrade]]
#   add_column = { table = "books", column = { name = "isbn", type = "BigInteger", nullable = false, default = 0 } }
#
# Operations: create_table, drop_table, rename_table, add_column, drop_column,
# alter_column (name, type, nullable, default, drop_default, autoincrement), create_index,
# drop_index, rename_index, add_primary_key, drop_primary_key, add_foreign_key,
# drop_foreign_key, add_unique, drop_unique, add_check, drop_check, insert, update, delete,
# and sql ("…" for every database, or sql.postgresql = "…", sql.default = "…").
# Types: Integer, BigInteger, SmallInteger (UNSIGNED on MySQL), Boolean, String(n), Text,
# LongText, DateTime, Date, Time, Float, Numeric(p, s), LargeBinary, or per database:
# type = { mysql = "BIGINT(13)", default = "BIGINT" }.
#
# [[downgrade]] steps are optional: without them the downgrade is the upgrade's operations
# inverted in reverse order (sql and data steps have no inverse: write a downgrade for them).
# irreversible = "why" refuses downgrades; no_transaction = true runs outside a transaction.
"#;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the template is a working script once uncommented.
    #[test]
    fn the_template_example_parses() {
        let example: String = PORTABLE_HELP
            .lines()
            .filter_map(|l| l.strip_prefix("#   "))
            .map(|l| format!("{l}\n"))
            .collect();
        let script =
            crate::script::PortableScript::parse(&example, std::path::Path::new("template.toml"))
                .unwrap();
        assert_eq!(
            script.upgrade().len(),
            2,
            "create_table and add_column: {example}"
        );
    }
}
