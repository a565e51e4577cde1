//! The modules scripts import: SQLAlchemy 1.3's and sqlalchemy-migrate's vocabulary, carried
//! out through migrate's session, and the parts of the standard library scripts use.

mod constraints;
mod datetime;
mod engine;
mod schema;
mod sql;
mod stdlib;
pub mod types;

use std::rc::Rc;

use migrate_core::change::Literal;
use migrate_core::schema::DefaultValue;

use crate::builtins::{Builtin, ExceptionClass};
use crate::error::Exc;
use crate::eval::Interp;
use crate::modules::module as make_module;
use crate::value::{Args, Value};

pub use engine::Engine;

/// The `dialect` a `TypeDecorator`'s methods receive: its `name`, and `type_descriptor`.
pub(crate) fn dialect_object(interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let name = interp.session()?.dialect().name();
    Ok(make_module(
        "dialect",
        vec![
            ("name", Value::str(name)),
            ctor("type_descriptor", |a, _| {
                Ok(a.pos.first().cloned().unwrap_or_default())
            }),
        ],
    ))
}

/// A database error as the Python exception scripts catch (`except OperationalError`).
pub(crate) fn db_error(e: migrate_core::Error) -> Exc {
    let class = match &e {
        migrate_core::Error::Db(d) if d.is_integrity_violation() => "IntegrityError",
        _ => "OperationalError",
    };
    Exc::new(class, e.to_string())
}

/// A Python value as a SQL literal for an operation.
///
/// # Errors
/// A value with no SQL form.
pub(crate) fn literal(v: &Value) -> Result<Literal, Exc> {
    Ok(match v {
        Value::None => None,
        Value::Bool(b) => Some(DefaultValue::Bool(*b)),
        Value::Int(i) => Some(DefaultValue::Number(i.to_string())),
        Value::Float(f) if f.is_finite() => Some(DefaultValue::Number(f.to_string())),
        Value::Str(s) => Some(DefaultValue::Text(s.to_string())),
        other => {
            return Err(Exc::type_error(format!(
                "'{}' has no SQL literal",
                other.type_name()
            )));
        }
    })
}

fn ctor(
    name: &'static str,
    f: fn(Args, &mut Interp<'_, '_>) -> Result<Value, Exc>,
) -> (&'static str, Value) {
    (name, Builtin::value(name, f))
}

fn schema_items() -> Vec<(&'static str, Value)> {
    vec![
        ctor("MetaData", |a, _| {
            Ok(Value::native(schema::MetaData::new(&a)))
        }),
        ctor("Table", |a, i| schema::Table::construct(&a, i)),
        ctor("Column", |a, i| {
            Ok(Value::native(schema::Column::new(&a, i)?))
        }),
        ctor("ForeignKey", |a, _| {
            Ok(Value::native(schema::ForeignKey::new(&a)?))
        }),
        ctor("Index", |a, i| {
            Ok(Value::native(constraints::Index::new(&a, i)?))
        }),
        ctor("UniqueConstraint", |a, i| {
            Ok(Value::native(constraints::Constraint::new(
                "UniqueConstraint",
                &a,
                i,
            )?))
        }),
        ctor("PrimaryKeyConstraint", |a, i| {
            Ok(Value::native(constraints::Constraint::new(
                "PrimaryKeyConstraint",
                &a,
                i,
            )?))
        }),
        ctor("ForeignKeyConstraint", |a, i| {
            Ok(Value::native(constraints::Constraint::new(
                "ForeignKeyConstraint",
                &a,
                i,
            )?))
        }),
        ctor("CheckConstraint", |a, i| {
            Ok(Value::native(constraints::Constraint::new(
                "CheckConstraint",
                &a,
                i,
            )?))
        }),
    ]
}

fn sql_items() -> Vec<(&'static str, Value)> {
    vec![
        ctor("text", |a, _| {
            let sql = a
                .get(0, "text")
                .and_then(Value::as_str)
                .ok_or_else(|| Exc::type_error("text() takes SQL"))?;
            Ok(Value::native(sql::TextClause {
                sql: sql.to_string(),
            }))
        }),
        ctor("select", |a, i| sql::select(&a, i)),
        ("func", Value::native(sql::Func)),
        ctor("exists", |_, _| Ok(Value::native(sql::Exists::default()))),
        // `column == null()` is `IS NULL`, as for `None`.
        ctor("null", |_, _| Ok(Value::None)),
        ctor("true", |_, _| Ok(Value::native(sql::BoolLiteral(true)))),
        ctor("false", |_, _| Ok(Value::native(sql::BoolLiteral(false)))),
        ctor("and_", |a, _| sql::boolean("and_", &a)),
        ctor("or_", |a, _| sql::boolean("or_", &a)),
        ctor("not_", |a, _| sql::boolean("not_", &a)),
    ]
}

fn type_items(names: &'static [&'static str]) -> Vec<(&'static str, Value)> {
    names.iter().map(|n| (*n, types::class(n))).collect()
}

const SA_EXCEPTIONS: &[&str] = &[
    "SQLAlchemyError",
    "DBAPIError",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
    "DataError",
    "InternalError",
    "NotSupportedError",
    "NoSuchTableError",
    "InvalidRequestError",
];

fn exception_items() -> Vec<(&'static str, Value)> {
    SA_EXCEPTIONS
        .iter()
        .map(|n| (*n, Value::native(ExceptionClass(n))))
        .collect()
}

/// The vocabulary's module `name`, if it provides one.
pub fn module(name: &str) -> Option<Value> {
    let items: Vec<(&str, Value)> = match name {
        "sqlalchemy" => {
            let mut items = schema_items();
            items.extend(sql_items());
            items.extend(type_items(types::GENERIC));
            items.extend(type_items(types::STANDARD));
            items.push(("exc", make_module("sqlalchemy.exc", exception_items())));
            items.push(("types", module("sqlalchemy.types")?));
            items.push(("schema", module("sqlalchemy.schema")?));
            items.push(("sql", module("sqlalchemy.sql")?));
            items.push(("dialects", module("sqlalchemy.dialects")?));
            items.push(("orm", module("sqlalchemy.orm")?));
            items
        }
        "sqlalchemy.types" => {
            let mut items = type_items(types::GENERIC);
            items.extend(type_items(types::STANDARD));
            items.push(("TypeDecorator", types::class("TypeDecorator")));
            items
        }
        "sqlalchemy.schema" => schema_items(),
        "sqlalchemy.sql" | "sqlalchemy.sql.expression" => sql_items(),
        "sqlalchemy.exc" => exception_items(),
        "sqlalchemy.orm" => vec![ctor("sessionmaker", |a, _| {
            let bind = a.kw("bind").cloned().unwrap_or_default();
            Ok(Value::native(engine::SessionMaker(bind)))
        })],
        "sqlalchemy.dialects" => vec![("mysql", module("sqlalchemy.dialects.mysql")?)],
        "sqlalchemy.dialects.mysql" | "sqlalchemy.dialects.mysql.base" => type_items(types::MYSQL),
        "migrate" | "migrate.changeset" => {
            let mut items: Vec<(&str, Value)> = schema_items()
                .into_iter()
                .filter(|(n, _)| n.ends_with("Constraint"))
                .collect();
            items.push(("changeset", module("migrate.changeset.constraint")?));
            items
        }
        "migrate.changeset.constraint" => schema_items()
            .into_iter()
            .filter(|(n, _)| n.ends_with("Constraint"))
            .collect(),
        other => return stdlib::module(other),
    };
    Some(make_module(name, items))
}

/// The value a migration's `upgrade(migrate_engine)` receives.
pub fn engine(dialect: &str) -> Value {
    Value::Native(Rc::new(Engine::new(dialect)))
}
