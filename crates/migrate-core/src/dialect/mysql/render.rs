//! MySQL/MariaDB rendering: `CHANGE`/`MODIFY COLUMN` with the full column spec (taken from the
//! schema before the change), table options, and the foreign keys MySQL makes you drop before
//! the table or column they need.

use crate::change::{ColumnChange, Operation};
use crate::dialect::ddl::{self, plain};
use crate::dialect::{DdlStatement, Dialect, RenderError};
use crate::schema::{Column, ColumnType, Schema, Table};

/// The type in MySQL's words.
pub(super) fn type_sql(c: &Column) -> Result<String, RenderError> {
    let u = |unsigned: &bool| if *unsigned { " UNSIGNED" } else { "" };
    Ok(match &c.ty {
        ColumnType::Integer { unsigned } => format!("INTEGER{}", u(unsigned)),
        ColumnType::BigInteger { unsigned } => format!("BIGINT{}", u(unsigned)),
        ColumnType::SmallInteger { unsigned } => format!("SMALLINT{}", u(unsigned)),
        ColumnType::Boolean => "BOOL".into(),
        ColumnType::String(Some(n)) => format!("VARCHAR({n})"),
        ColumnType::String(None) => {
            return Err(RenderError::new(
                format!(
                    "column '{}' is a String without a length, which MySQL cannot store",
                    c.name
                ),
                Some("give it one, e.g. String(255)".into()),
            ));
        }
        ColumnType::Text => "TEXT".into(),
        ColumnType::LongText => "LONGTEXT".into(),
        ColumnType::DateTime => "DATETIME".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::Float => "FLOAT".into(),
        ColumnType::Numeric { precision, scale } => ddl::numeric(*precision, *scale),
        ColumnType::LargeBinary => "BLOB".into(),
        ColumnType::Custom(map) => super::super::custom_type(map, &["mysql", "mariadb"])?,
    })
}

/// `ENGINE=… DEFAULT CHARSET=… COLLATE=…` from `mysql_engine`, `mysql_charset`, `mysql_collate`.
pub(super) fn table_options(t: &Table) -> Result<String, RenderError> {
    let mut out = String::new();
    // ENGINE first, as MySQL itself prints it; then the rest in name order.
    let mut options: Vec<(&String, &String)> = t.options.iter().collect();
    options.sort_by_key(|(k, _)| (k.as_str() != "mysql_engine", k.as_str()));
    for (key, value) in options {
        let clause = match key.as_str() {
            "mysql_engine" => "ENGINE",
            "mysql_charset" => "DEFAULT CHARSET",
            "mysql_collate" => "COLLATE",
            other => {
                return Err(RenderError::new(
                    format!("unknown table option '{other}' on table '{}'", t.name),
                    Some("use mysql_engine, mysql_charset or mysql_collate".into()),
                ));
            }
        };
        if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(RenderError::new(
                format!("table option {key} = '{value}' is not a name"),
                None,
            ));
        }
        out.push_str(&format!(" {clause}={value}"));
    }
    Ok(out)
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
        Operation::DropTable { name } => {
            // MySQL refuses to drop a table other tables' foreign keys still point at.
            let mut out =
                drop_foreign_keys(d, before, |t, fk| fk.ref_table == *name && t.name != *name);
            out.push(format!("DROP TABLE {}", q(name)));
            out
        }
        Operation::RenameTable { from, to } => {
            vec![format!("RENAME TABLE {} TO {}", q(from), q(to))]
        }
        Operation::AddColumn { table, column } => vec![alter(
            table,
            format!("ADD COLUMN {}", ddl::column_def(d, column)?),
        )],
        Operation::DropColumn { table, column } => {
            // …nor a column one of its table's foreign keys needs.
            let mut out = drop_foreign_keys(d, before, |t, fk| {
                t.name == *table && fk.columns.contains(column)
            });
            out.push(alter(table, format!("DROP COLUMN {}", q(column))));
            out
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } => vec![alter_column(d, before, table, column, change)?],
        Operation::CreateIndex { table, index } => vec![ddl::create_index(d, table, index)],
        Operation::DropIndex { table, name } | Operation::DropUnique { table, name } => {
            vec![format!("DROP INDEX {} ON {}", q(name), q(table))]
        }
        Operation::RenameIndex { table, from, to } => vec![alter(
            table,
            format!("RENAME INDEX {} TO {}", q(from), q(to)),
        )],
        Operation::AddPrimaryKey { table, key } => {
            vec![ddl::add_clause(
                d,
                table,
                &format!("PRIMARY KEY ({})", ddl::columns(d, &key.columns)),
            )]
        }
        Operation::DropPrimaryKey { table } => vec![alter(table, "DROP PRIMARY KEY".into())],
        Operation::AddForeignKey { table, key } => {
            vec![ddl::add_clause(d, table, &ddl::foreign_key(d, table, key))]
        }
        Operation::DropForeignKey { table, name } => {
            vec![alter(table, format!("DROP FOREIGN KEY {}", q(name)))]
        }
        Operation::AddUnique { table, constraint } => {
            vec![ddl::add_clause(d, table, &ddl::unique(d, constraint))]
        }
        Operation::AddCheck { table, check } => {
            vec![ddl::add_clause(d, table, &ddl::check(d, check))]
        }
        Operation::DropCheck { table, name } => vec![ddl::drop_constraint(d, table, name)],
        Operation::Sql(texts) => ddl::raw_sql(d, texts)?,
        Operation::Insert { table, rows } => ddl::insert(d, table, rows),
        Operation::Update { table, set, filter } => vec![ddl::update(d, table, set, filter)],
        Operation::Delete { table, filter } => vec![ddl::delete(d, table, filter)],
    }))
}

fn drop_foreign_keys(
    d: &dyn Dialect,
    schema: &Schema,
    wanted: impl Fn(&Table, &crate::schema::ForeignKey) -> bool,
) -> Vec<String> {
    schema
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(t, fk)| wanted(t, fk))
        .filter_map(|(t, fk)| {
            fk.name.as_ref().map(|n| {
                format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    d.quote_ident(&t.name),
                    d.quote_ident(n)
                )
            })
        })
        .collect()
}

/// `CHANGE COLUMN old new <spec>` or `MODIFY COLUMN c <spec>`: MySQL restates the whole
/// column, so the current definition must be known.
fn alter_column(
    d: &dyn Dialect,
    before: &Schema,
    table: &str,
    column: &str,
    change: &ColumnChange,
) -> Result<String, RenderError> {
    let current = before
        .table(table)
        .and_then(|t| t.column(column))
        .ok_or_else(|| {
            RenderError::new(
                format!("the definition of column '{column}' of table '{table}' is not known"),
                Some("MySQL needs the whole column to change part of it".into()),
            )
        })?;
    let new = change.applied_to(current);
    let spec = ddl::column_def(d, &new)?;
    Ok(if new.name != current.name {
        format!(
            "ALTER TABLE {} CHANGE COLUMN {} {spec}",
            d.quote_ident(table),
            d.quote_ident(column)
        )
    } else {
        format!("ALTER TABLE {} MODIFY COLUMN {spec}", d.quote_ident(table))
    })
}
