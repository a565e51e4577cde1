//! SQLite rendering: native `ALTER TABLE` where the bundled SQLite supports it (add, rename
//! and drop column, rename table), and the documented table rebuild for everything else.
//! See: <https://www.sqlite.org/lang_altertable.html>

use super::rebuild;
use crate::change::Operation;
use crate::dialect::ddl::{self, plain};
use crate::dialect::{DdlStatement, Dialect, RenderError};
use crate::schema::{Column, ColumnType, Schema, Table};

/// The type in SQLite's words (affinities follow from these names).
pub(super) fn type_sql(c: &Column) -> Result<String, RenderError> {
    Ok(match &c.ty {
        // Only INTEGER PRIMARY KEY aliases the rowid, so autoincrement keys are INTEGER.
        ty if c.autoincrement && ty.is_integer() => "INTEGER".into(),
        ColumnType::Integer { .. } => "INTEGER".into(),
        ColumnType::BigInteger { .. } => "BIGINT".into(),
        ColumnType::SmallInteger { .. } => "SMALLINT".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::String(Some(n)) => format!("VARCHAR({n})"),
        ColumnType::String(None) => "VARCHAR".into(),
        ColumnType::Text | ColumnType::LongText => "TEXT".into(),
        ColumnType::DateTime => "DATETIME".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::Float => "FLOAT".into(),
        ColumnType::Numeric { precision, scale } => ddl::numeric(*precision, *scale),
        ColumnType::LargeBinary => "BLOB".into(),
        ColumnType::Custom(map) => super::super::custom_type(map, &["sqlite"])?,
    })
}

/// The column that carries the primary key inline, when the key is one autoincrement column.
pub(super) fn inline_pk(t: &Table) -> Option<&str> {
    let pk = t.primary_key.as_ref()?;
    match pk.columns.as_slice() {
        [only] if t.column(only).is_some_and(|c| c.autoincrement) => Some(only),
        _ => None,
    }
}

/// The statements for `op`.
pub(super) fn render(
    d: &dyn Dialect,
    op: &Operation,
    before: &Schema,
) -> Result<Vec<DdlStatement>, RenderError> {
    let q = |n: &str| d.quote_ident(n);
    let alter = |t: &str, rest: String| format!("ALTER TABLE {} {rest}", q(t));
    Ok(match op {
        Operation::CreateTable(t) => plain(ddl::create_table(d, t, inline_pk(t))?),
        Operation::DropTable { name } => plain(vec![format!("DROP TABLE {}", q(name))]),
        Operation::RenameTable { from, to } => {
            plain(vec![alter(from, format!("RENAME TO {}", q(to)))])
        }
        Operation::AddColumn { table, column } if can_add_natively(column) => plain(vec![alter(
            table,
            format!("ADD COLUMN {}", ddl::column_def(d, column)?),
        )]),
        Operation::DropColumn { table, column } if can_drop_natively(before, table, column) => {
            plain(vec![alter(table, format!("DROP COLUMN {}", q(column)))])
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } if is_rename_only(change, column) => {
            let to = change.name.as_deref().unwrap_or(column);
            plain(vec![alter(
                table,
                format!("RENAME COLUMN {} TO {}", q(column), q(to)),
            )])
        }
        Operation::CreateIndex { table, index } => plain(vec![ddl::create_index(d, table, index)]),
        Operation::DropIndex { name, .. } => plain(vec![format!("DROP INDEX {}", q(name))]),
        Operation::RenameIndex { table, from, to } => {
            // SQLite cannot rename an index: drop it and create it under the new name.
            let index = before
                .table(table)
                .and_then(|t| t.index(from))
                .ok_or_else(|| unknown("index", from, table))?;
            let renamed = crate::schema::Index {
                name: to.clone(),
                ..index.clone()
            };
            plain(vec![
                format!("DROP INDEX {}", q(from)),
                ddl::create_index(d, table, &renamed),
            ])
        }
        Operation::Sql(texts) => plain(ddl::raw_sql(d, texts)?),
        Operation::Insert { table, rows } => plain(ddl::insert(d, table, rows)),
        Operation::Update { table, set, filter } => plain(vec![ddl::update(d, table, set, filter)]),
        Operation::Delete { table, filter } => plain(vec![ddl::delete(d, table, filter)]),
        // Keys, constraints, column changes SQLite cannot ALTER: rebuild the table.
        other => rebuild::plan(d, other, before)?,
    })
}

fn unknown(what: &str, name: &str, table: &str) -> RenderError {
    RenderError::new(
        format!("{what} '{name}' of table '{table}' is not known"),
        None,
    )
}

/// SQLite adds a column in place unless it is a key, or NOT NULL without a default.
fn can_add_natively(c: &Column) -> bool {
    !c.autoincrement && (c.nullable || c.default.is_some())
}

/// SQLite ≥ 3.35 drops a column in place unless a key, constraint or index uses it.
fn can_drop_natively(before: &Schema, table: &str, column: &str) -> bool {
    let Some(t) = before.table(table) else {
        return true;
    };
    let uses = |cols: &[String]| cols.iter().any(|c| c == column);
    let referenced = before
        .references_to(table)
        .iter()
        .any(|(_, fk)| uses(&fk.ref_columns));
    !(t.in_primary_key(column)
        || t.uniques.iter().any(|u| uses(&u.columns))
        || t.indexes.iter().any(|i| uses(&i.columns))
        || t.foreign_keys.iter().any(|f| uses(&f.columns))
        || !t.checks.is_empty()
        || referenced)
}

fn is_rename_only(change: &crate::change::ColumnChange, column: &str) -> bool {
    change.ty.is_none()
        && change.nullable.is_none()
        && change.default.is_none()
        && change.autoincrement.is_none()
        && change.name.as_deref().is_some_and(|n| n != column)
}
