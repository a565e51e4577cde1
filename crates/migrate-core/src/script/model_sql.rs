//! Model files in SQL DDL: `CREATE TABLE` and `CREATE INDEX` statements, parsed with
//! sqlparser (a maintained SQL parser) into the schema model. Types go through the portable
//! names (`VARCHAR(64)` is `String(64)`); what has no portable name is kept as written.

use std::collections::BTreeMap;
use std::path::Path;

use sqlparser::ast::{
    ColumnOption, CreateIndex, CreateTable, Expr, ForeignKeyConstraint, Ident, IndexColumn,
    ObjectName, ObjectNamePart, ReferentialAction, Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

use super::ScriptError;
use crate::change::Operation;
use crate::dialect::reflect::parse_default;
use crate::schema::{
    Check, Column, ColumnType, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

/// Reads a SQL model file's text (`path` is for messages).
///
/// # Errors
/// [`ScriptError::Portable`] with the parser's message, or a statement that is not a table
/// or index definition.
pub fn parse_sql_model(text: &str, path: &Path) -> Result<Schema, ScriptError> {
    let fail = |message: String| ScriptError::Portable {
        path: path.to_path_buf(),
        line: None,
        message,
        help: None,
    };
    let dialects: [&dyn SqlDialect; 4] = [
        &GenericDialect {},
        &PostgreSqlDialect {},
        &MySqlDialect {},
        &SQLiteDialect {},
    ];
    let mut first_error = None;
    let statements = dialects
        .iter()
        .find_map(|d| match Parser::parse_sql(*d, text) {
            Ok(s) => Some(s),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
                None
            }
        });
    let statements = statements.ok_or_else(|| fail(first_error.unwrap_or_default()))?;
    let mut schema = Schema::default();
    for statement in statements {
        let op = match statement {
            Statement::CreateTable(t) => Operation::CreateTable(table(&t)),
            Statement::CreateIndex(i) => index(&i),
            other => {
                return Err(fail(format!(
                    "a model holds CREATE TABLE and CREATE INDEX only, not: {other}"
                )));
            }
        };
        schema.apply(&op).map_err(|e| fail(e.to_string()))?;
    }
    Ok(schema)
}

fn object_name(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(ident)) => ident.value.clone(),
        _ => name.to_string(),
    }
}

fn index_column(c: &IndexColumn) -> String {
    match &c.column.expr {
        Expr::Identifier(ident) => ident.value.clone(),
        other => other.to_string(),
    }
}

/// A foreign key written inline on a column or as a table constraint: the same clause.
fn foreign_key(
    name: Option<&Ident>,
    columns: Vec<String>,
    fk: &ForeignKeyConstraint,
) -> ForeignKey {
    ForeignKey {
        name: name.map(|n| n.value.clone()),
        columns,
        ref_table: object_name(&fk.foreign_table),
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|i| i.value.clone())
            .collect(),
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    }
}

fn action(a: &Option<ReferentialAction>) -> Option<FkAction> {
    match a {
        Some(ReferentialAction::Cascade) => Some(FkAction::Cascade),
        Some(ReferentialAction::SetNull) => Some(FkAction::SetNull),
        Some(ReferentialAction::SetDefault) => Some(FkAction::SetDefault),
        Some(ReferentialAction::Restrict) => Some(FkAction::Restrict),
        Some(ReferentialAction::NoAction) => Some(FkAction::NoAction),
        None => None,
    }
}

/// `SERIAL` types, `AUTO_INCREMENT`, `AUTOINCREMENT`: the column is numbered.
fn column_type(sql: &str) -> (ColumnType, bool) {
    match sql.to_ascii_uppercase().as_str() {
        "SERIAL" => (ColumnType::Integer { unsigned: false }, true),
        "BIGSERIAL" => (ColumnType::BigInteger { unsigned: false }, true),
        "SMALLSERIAL" => (ColumnType::SmallInteger { unsigned: false }, true),
        _ => (
            ColumnType::parse(sql).unwrap_or_else(|_| {
                ColumnType::Custom(BTreeMap::from([("default".to_string(), sql.to_string())]))
            }),
            false,
        ),
    }
}

fn table(t: &CreateTable) -> Table {
    let mut out = Table {
        name: object_name(&t.name),
        ..Table::default()
    };
    for c in &t.columns {
        let (ty, serial) = column_type(&c.data_type.to_string());
        let mut column = Column {
            name: c.name.value.clone(),
            ty,
            nullable: true,
            default: None,
            autoincrement: serial,
        };
        for o in &c.options {
            match &o.option {
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(e) => column.default = parse_default(&e.to_string()),
                ColumnOption::PrimaryKey(_) => {
                    column.nullable = false;
                    out.primary_key = Some(PrimaryKey {
                        name: None,
                        columns: vec![column.name.clone()],
                    });
                }
                ColumnOption::Unique(_) => out.uniques.push(Unique {
                    name: None,
                    columns: vec![column.name.clone()],
                }),
                ColumnOption::ForeignKey(fk) => out.foreign_keys.push(foreign_key(
                    o.name.as_ref(),
                    vec![column.name.clone()],
                    fk,
                )),
                ColumnOption::Check(ck) => out.checks.push(Check {
                    name: o.name.as_ref().map(|n| n.value.clone()),
                    expression: ck.expr.to_string(),
                }),
                ColumnOption::DialectSpecific(tokens) => {
                    let words = tokens
                        .iter()
                        .map(|t| t.to_string().to_ascii_uppercase())
                        .collect::<Vec<_>>();
                    if words
                        .iter()
                        .any(|w| w == "AUTO_INCREMENT" || w == "AUTOINCREMENT")
                    {
                        column.autoincrement = true;
                    }
                }
                _ => {}
            }
        }
        out.columns.push(column);
    }
    for constraint in &t.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let columns: Vec<String> = pk.columns.iter().map(index_column).collect();
                for c in out.columns.iter_mut().filter(|c| columns.contains(&c.name)) {
                    c.nullable = false;
                }
                out.primary_key = Some(PrimaryKey {
                    name: pk.name.as_ref().map(|n| n.value.clone()),
                    columns,
                });
            }
            TableConstraint::Unique(u) => out.uniques.push(Unique {
                name: u.name.as_ref().map(|n| n.value.clone()),
                columns: u.columns.iter().map(index_column).collect(),
            }),
            TableConstraint::ForeignKey(fk) => out.foreign_keys.push(foreign_key(
                fk.name.as_ref(),
                fk.columns.iter().map(|i| i.value.clone()).collect(),
                fk,
            )),
            TableConstraint::Check(ck) => out.checks.push(Check {
                name: ck.name.as_ref().map(|n| n.value.clone()),
                expression: ck.expr.to_string(),
            }),
            TableConstraint::Index(i) => out.indexes.push(Index {
                name: i.name.as_ref().map(|n| n.value.clone()).unwrap_or_default(),
                columns: i.columns.iter().map(index_column).collect(),
                unique: false,
            }),
            _ => {}
        }
    }
    out
}

fn index(i: &CreateIndex) -> Operation {
    Operation::CreateIndex {
        table: object_name(&i.table_name),
        index: Index {
            name: i.name.as_ref().map(object_name).unwrap_or_default(),
            columns: i.columns.iter().map(index_column).collect(),
            unique: i.unique,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_becomes_the_model() {
        let sql = "CREATE TABLE books (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
            title TEXT NOT NULL,
            author VARCHAR(64) NOT NULL DEFAULT 'anon',
            shelf_id INTEGER REFERENCES shelves (id) ON DELETE CASCADE,
            price NUMERIC(10, 2),
            PRIMARY KEY (id),
            CONSTRAINT uq_books_title UNIQUE (title, author),
            CONSTRAINT ck_price CHECK (price >= 0)
        );
        CREATE TABLE shelves (id SERIAL PRIMARY KEY);
        CREATE INDEX ix_books_author ON books (author);";
        let schema = parse_sql_model(sql, Path::new("m.sql")).unwrap();
        let books = schema.table("books").unwrap();
        let id = books.column("id").unwrap();
        assert_eq!(
            (id.ty.clone(), id.autoincrement, id.nullable),
            (ColumnType::BigInteger { unsigned: true }, true, false)
        );
        assert_eq!(
            books.column("author").unwrap().default,
            Some(crate::schema::DefaultValue::Text("anon".into()))
        );
        assert_eq!(
            books.column("price").unwrap().ty,
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(books.foreign_keys[0].on_delete, Some(FkAction::Cascade));
        assert_eq!(books.uniques[0].name.as_deref(), Some("uq_books_title"));
        assert_eq!(books.checks[0].name.as_deref(), Some("ck_price"));
        assert_eq!(books.indexes[0].name, "ix_books_author");
        assert!(schema.table("shelves").unwrap().columns[0].autoincrement);
        let err = parse_sql_model("DROP TABLE x;", Path::new("m.sql")).unwrap_err();
        assert!(
            err.to_string()
                .contains("CREATE TABLE and CREATE INDEX only"),
            "{err}"
        );
    }
}
