//! PostgreSQL rendering: `SERIAL` for autoincrement, one `ALTER COLUMN` clause per change,
//! constraints dropped by name (`<table>_pkey` for an unnamed primary key).

use crate::change::{ColumnChange, Operation};
use crate::dialect::ddl::{self, plain};
use crate::dialect::{DdlStatement, Dialect, RenderError};
use crate::schema::{Column, ColumnType, Schema};

/// The type, with `SERIAL`/`BIGSERIAL`/`SMALLSERIAL` for autoincrement integers.
pub(super) fn type_sql(c: &Column) -> Result<String, RenderError> {
    Ok(match (&c.ty, c.autoincrement) {
        (ColumnType::Integer { .. }, true) => "SERIAL".into(),
        (ColumnType::BigInteger { .. }, true) => "BIGSERIAL".into(),
        (ColumnType::SmallInteger { .. }, true) => "SMALLSERIAL".into(),
        (ty, _) => base_type(ty)?,
    })
}

fn base_type(ty: &ColumnType) -> Result<String, RenderError> {
    // PostgreSQL has no unsigned integers; the flag is MySQL's alone.
    Ok(match ty {
        ColumnType::Integer { .. } => "INTEGER".into(),
        ColumnType::BigInteger { .. } => "BIGINT".into(),
        ColumnType::SmallInteger { .. } => "SMALLINT".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::String(Some(n)) => format!("VARCHAR({n})"),
        ColumnType::String(None) => "VARCHAR".into(),
        ColumnType::Text | ColumnType::LongText => "TEXT".into(),
        ColumnType::DateTime => "TIMESTAMP WITHOUT TIME ZONE".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME WITHOUT TIME ZONE".into(),
        ColumnType::Float => "FLOAT".into(),
        ColumnType::Numeric { precision, scale } => ddl::numeric(*precision, *scale),
        ColumnType::LargeBinary => "BYTEA".into(),
        ColumnType::Custom(map) => super::super::custom_type(map, &["postgresql", "postgres"])?,
    })
}

/// The statements for `op`.
pub(super) fn render(
    d: &dyn Dialect,
    op: &Operation,
    before: &Schema,
) -> Result<Vec<DdlStatement>, RenderError> {
    let q = |n: &str| d.quote_ident(n);
    let alter = |t: &str, rest: String| format!("ALTER TABLE {} {rest}", q(t));
    Ok(plain(match op {
        Operation::CreateTable(t) => ddl::create_table(d, t, None)?,
        Operation::DropTable { name } => vec![format!("DROP TABLE {}", q(name))],
        Operation::RenameTable { from, to } => vec![alter(from, format!("RENAME TO {}", q(to)))],
        Operation::AddColumn { table, column } => vec![alter(
            table,
            format!("ADD COLUMN {}", ddl::column_def(d, column)?),
        )],
        Operation::DropColumn { table, column } => {
            vec![alter(table, format!("DROP COLUMN {}", q(column)))]
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } => alter_column(d, table, column, change)?,
        Operation::CreateIndex { table, index } => vec![ddl::create_index(d, table, index)],
        Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", q(name))],
        Operation::RenameIndex { from, to, .. } => {
            vec![format!("ALTER INDEX {} RENAME TO {}", q(from), q(to))]
        }
        Operation::AddPrimaryKey { table, key } => {
            let name = key
                .name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", q(n)))
                .unwrap_or_default();
            vec![ddl::add_clause(
                d,
                table,
                &format!("{name}PRIMARY KEY ({})", ddl::columns(d, &key.columns)),
            )]
        }
        Operation::DropPrimaryKey { table } => {
            let name = before
                .table(table)
                .and_then(|t| t.primary_key.as_ref())
                .and_then(|pk| pk.name.clone())
                .unwrap_or_else(|| format!("{table}_pkey"));
            vec![ddl::drop_constraint(d, table, &name)]
        }
        Operation::AddForeignKey { table, key } => {
            vec![ddl::add_clause(d, table, &ddl::foreign_key(d, table, key))]
        }
        Operation::AddUnique { table, constraint } => {
            vec![ddl::add_clause(d, table, &ddl::unique(d, constraint))]
        }
        Operation::AddCheck { table, check } => {
            vec![ddl::add_clause(d, table, &ddl::check(d, check))]
        }
        Operation::DropForeignKey { table, name }
        | Operation::DropUnique { table, name }
        | Operation::DropCheck { table, name } => {
            vec![ddl::drop_constraint(d, table, name)]
        }
        Operation::Sql(texts) => ddl::raw_sql(d, texts)?,
        Operation::Insert { table, rows } => ddl::insert(d, table, rows),
        Operation::Update { table, set, filter } => vec![ddl::update(d, table, set, filter)],
        Operation::Delete { table, filter } => vec![ddl::delete(d, table, filter)],
    }))
}

/// One statement per kind of change, in an order that keeps each valid: type, nullability,
/// default, then the rename.
fn alter_column(
    d: &dyn Dialect,
    table: &str,
    column: &str,
    change: &ColumnChange,
) -> Result<Vec<String>, RenderError> {
    let col = d.quote_ident(column);
    let alter = |rest: String| {
        format!(
            "ALTER TABLE {} ALTER COLUMN {col} {rest}",
            d.quote_ident(table)
        )
    };
    let mut out = Vec::new();
    if change.autoincrement.is_some() {
        return Err(RenderError::new(
            "changing autoincrement is not supported on PostgreSQL".to_string(),
            Some(
                "use an sql step (CREATE SEQUENCE / ALTER COLUMN … SET DEFAULT nextval(…))".into(),
            ),
        ));
    }
    if let Some(ty) = &change.ty {
        let t = base_type(ty)?;
        out.push(alter(format!("TYPE {t} USING {col}::{t}")));
    }
    match change.nullable {
        Some(true) => out.push(alter("DROP NOT NULL".into())),
        Some(false) => out.push(alter("SET NOT NULL".into())),
        None => {}
    }
    match &change.default {
        Some(Some(v)) => out.push(alter(format!(
            "SET DEFAULT {}",
            ddl::literal(d, &Some(v.clone()))
        ))),
        Some(None) => out.push(alter("DROP DEFAULT".into())),
        None => {}
    }
    if let Some(name) = &change.name {
        if name != column {
            out.push(format!(
                "ALTER TABLE {} RENAME COLUMN {col} TO {}",
                d.quote_ident(table),
                d.quote_ident(name)
            ));
        }
    }
    Ok(out)
}
