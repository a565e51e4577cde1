//! `MetaData`, `Table`, `Column`, `ForeignKey`, `Index`: SQLAlchemy's schema objects, and
//! sqlalchemy-migrate's changeset methods on them (`table.create()`, `column.create(table)`,
//! `table.c.x.drop()`, `column.alter(…)`), carried out as migrate operations.

mod column;
mod metadata;
mod table;

pub use column::{Column, ForeignKey, fk_action};
pub use metadata::MetaData;
pub use table::Table;

/// Whether SQLAlchemy's autoincrement makes an autoincrement column on this database.
#[derive(Clone, Copy)]
enum Numbering {
    /// As the column says, else implied for a lone integer primary key.
    Implied,
    /// Never (SQLite without `sqlite_autoincrement=True`).
    AskedOnly,
    /// SQLite's `sqlite_autoincrement=True`.
    Always,
}
