//! Rendering shared by the three dialects: the SQL-standard shapes of `CREATE TABLE`, column
//! definitions, constraints, indexes and data statements. Every database-specific word comes
//! from the [`Dialect`] passed in; each dialect's `render.rs` decides which of these to use.

use std::collections::BTreeMap;

use super::{DdlStatement, Dialect, RenderError};
use crate::change::Literal;
use crate::schema::{Check, Column, DefaultValue, ForeignKey, Index, Table, Unique};
use crate::sql;

/// A quoted, comma-separated column list.
pub(crate) fn columns(d: &dyn Dialect, names: &[String]) -> String {
    names
        .iter()
        .map(|n| d.quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `NUMERIC`, `NUMERIC(p)` or `NUMERIC(p, s)`: the same words in the three databases.
pub(crate) fn numeric(precision: Option<u32>, scale: Option<u32>) -> String {
    match (precision, scale) {
        (Some(p), Some(s)) => format!("NUMERIC({p}, {s})"),
        (Some(p), None) => format!("NUMERIC({p})"),
        _ => "NUMERIC".into(),
    }
}

/// A value as a SQL literal.
pub(crate) fn literal(d: &dyn Dialect, value: &Literal) -> String {
    match value {
        None => "NULL".into(),
        Some(DefaultValue::Text(s)) => d.string_literal(s),
        Some(DefaultValue::Number(n)) => n.clone(),
        Some(DefaultValue::Bool(b)) => d.bool_literal(*b).into(),
        Some(DefaultValue::Expression(e)) => e.clone(),
    }
}

/// `name TYPE [NOT NULL] [DEFAULT …]` and the dialect's suffix (MySQL `AUTO_INCREMENT`).
pub(crate) fn column_def(d: &dyn Dialect, c: &Column) -> Result<String, RenderError> {
    let mut sql = format!("{} {}", d.quote_ident(&c.name), d.type_sql(c)?);
    if !c.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = &c.default {
        sql.push_str(&format!(" DEFAULT {}", literal(d, &Some(default.clone()))));
    }
    sql.push_str(d.column_suffix(c));
    Ok(sql)
}

/// `[CONSTRAINT n] FOREIGN KEY (…) REFERENCES t (…) [ON DELETE …] [ON UPDATE …]` on
/// `table`. An unnamed key whose name the database would make too long gets migrate's
/// generated one (`fk_<table>_<columns>`, shortened as `schema::naming` says).
pub(crate) fn foreign_key(d: &dyn Dialect, table: &str, fk: &ForeignKey) -> String {
    let name = match &fk.name {
        None if d.own_foreign_key_name_overflows(table) => Some(
            crate::schema::naming::generated_for("fk", table, &fk.columns.join("_")),
        ),
        name => name.clone(),
    };
    let mut sql = constraint_name(d, &name);
    sql.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        columns(d, &fk.columns),
        d.quote_ident(&fk.ref_table),
        columns(d, &fk.ref_columns)
    ));
    if let Some(a) = fk.on_delete {
        sql.push_str(&format!(" ON DELETE {}", a.sql()));
    }
    if let Some(a) = fk.on_update {
        sql.push_str(&format!(" ON UPDATE {}", a.sql()));
    }
    sql
}

fn constraint_name(d: &dyn Dialect, name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", d.quote_ident(n)))
        .unwrap_or_default()
}

/// `[CONSTRAINT n] UNIQUE (…)`.
pub(crate) fn unique(d: &dyn Dialect, u: &Unique) -> String {
    format!(
        "{}UNIQUE ({})",
        constraint_name(d, &u.name),
        columns(d, &u.columns)
    )
}

/// `[CONSTRAINT n] CHECK (…)`.
pub(crate) fn check(d: &dyn Dialect, c: &Check) -> String {
    format!("{}CHECK ({})", constraint_name(d, &c.name), c.expression)
}

/// `CREATE TABLE` with its columns and constraints, then its indexes. `inline_pk` names the
/// column that carries its primary key inline (SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT`).
pub(crate) fn create_table(
    d: &dyn Dialect,
    t: &Table,
    inline_pk: Option<&str>,
) -> Result<Vec<String>, RenderError> {
    let mut lines = Vec::new();
    for c in &t.columns {
        let mut def = column_def(d, c)?;
        if inline_pk == Some(c.name.as_str()) {
            def.push_str(" PRIMARY KEY AUTOINCREMENT");
        }
        lines.push(def);
    }
    if let (Some(pk), None) = (&t.primary_key, inline_pk) {
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(d, &pk.name),
            columns(d, &pk.columns)
        ));
    }
    lines.extend(t.uniques.iter().map(|u| unique(d, u)));
    lines.extend(t.checks.iter().map(|c| check(d, c)));
    lines.extend(t.foreign_keys.iter().map(|fk| foreign_key(d, &t.name, fk)));
    let mut out = vec![format!(
        "CREATE TABLE {} (\n    {}\n){}",
        d.quote_ident(&t.name),
        lines.join(",\n    "),
        d.table_options(t)?
    )];
    out.extend(t.indexes.iter().map(|i| create_index(d, &t.name, i)));
    Ok(out)
}

/// `CREATE [UNIQUE] INDEX`.
pub(crate) fn create_index(d: &dyn Dialect, table: &str, i: &Index) -> String {
    format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        d.quote_ident(&i.name),
        d.quote_ident(table),
        columns(d, &i.columns)
    )
}

/// `INSERT` of each row.
pub(crate) fn insert(
    d: &dyn Dialect,
    table: &str,
    rows: &[BTreeMap<String, Literal>],
) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let names: Vec<String> = row.keys().cloned().collect();
            let values: Vec<String> = row.values().map(|v| literal(d, v)).collect();
            format!(
                "INSERT INTO {} ({}) VALUES ({})",
                d.quote_ident(table),
                columns(d, &names),
                values.join(", ")
            )
        })
        .collect()
}

/// `UPDATE … SET … [WHERE …]`.
pub(crate) fn update(
    d: &dyn Dialect,
    table: &str,
    set: &BTreeMap<String, Literal>,
    filter: &Option<String>,
) -> String {
    let sets: Vec<String> = set
        .iter()
        .map(|(k, v)| format!("{} = {}", d.quote_ident(k), literal(d, v)))
        .collect();
    let mut sql = format!("UPDATE {} SET {}", d.quote_ident(table), sets.join(", "));
    if let Some(f) = filter {
        sql.push_str(&format!(" WHERE {f}"));
    }
    sql
}

/// `DELETE FROM … [WHERE …]`.
pub(crate) fn delete(d: &dyn Dialect, table: &str, filter: &Option<String>) -> String {
    let mut sql = format!("DELETE FROM {}", d.quote_ident(table));
    if let Some(f) = filter {
        sql.push_str(&format!(" WHERE {f}"));
    }
    sql
}

/// Raw SQL for this database: its own text, else `default`; split into statements.
pub(crate) fn raw_sql(
    d: &dyn Dialect,
    texts: &BTreeMap<String, String>,
) -> Result<Vec<String>, RenderError> {
    let own = texts.iter().find(|(k, _)| {
        matches!(crate::repository::Dbms::parse(k), Some(crate::repository::Dbms::Named(n)) if d.script_names().contains(&n.as_str()))
    });
    let text = own
        .or_else(|| texts.iter().find(|(k, _)| k.as_str() == "default"))
        .map(|(_, v)| v)
        .ok_or_else(|| {
            RenderError::new(
                format!("no SQL for {} and no default", d.name()),
                Some(format!("add sql.{} or sql.default", d.name())),
            )
        })?;
    let statements =
        sql::split(text, d.lexer()).map_err(|e| RenderError::new(e.to_string(), e.help()))?;
    let mut kept = Vec::with_capacity(statements.len());
    for statement in statements {
        match statement.transaction_control() {
            Some(sql::TransactionControl::Redundant) => {}
            Some(sql::TransactionControl::Refused) => {
                return Err(RenderError::new(
                    format!(
                        "'{}' cannot be honoured in a migration script: migrate runs each version in a transaction of its own",
                        statement.text
                    ),
                    Some("remove it: a version is applied or rolled back as a whole; put work that must be undone or committed on its own in a version of its own".into()),
                ));
            }
            None => kept.push(statement.text.to_string()),
        }
    }
    Ok(kept)
}

/// Plain statements.
pub(crate) fn plain(sql: Vec<String>) -> Vec<DdlStatement> {
    sql.into_iter().map(DdlStatement::run).collect()
}

/// `ALTER TABLE t ADD <clause>`.
pub(crate) fn add_clause(d: &dyn Dialect, table: &str, clause: &str) -> String {
    format!("ALTER TABLE {} ADD {clause}", d.quote_ident(table))
}

/// `ALTER TABLE t DROP CONSTRAINT n`.
pub(crate) fn drop_constraint(d: &dyn Dialect, table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        d.quote_ident(table),
        d.quote_ident(name)
    )
}
