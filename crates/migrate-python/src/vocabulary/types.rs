//! SQLAlchemy column types, generic (`Integer`, `String(64)`) and dialect (`mysql.BIGINT(13)`),
//! and the portable type each stands for. A dialect type on another database becomes its
//! nearest type there (SQLAlchemy 1.3 failed instead: MySQL's `DATETIME` on PostgreSQL).

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use migrate_core::schema::ColumnType;

use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

/// A type class, or an instance of one with its arguments.
pub struct SaType {
    /// The class name (`BIGINT`, `String`…).
    pub name: &'static str,
    /// Constructor arguments.
    pub args: Args,
    /// Whether this is the class itself (used bare: `Column('x', Text)`).
    pub is_class: bool,
}

impl Native for SaType {
    fn type_name(&self) -> &str {
        self.name
    }
    fn call(&self, _: &Rc<dyn Native>, args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        Ok(Value::native(SaType {
            name: self.name,
            args,
            is_class: false,
        }))
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "__name__" if self.is_class => Some(Value::str(self.name)),
            "length" => Some(self.args.get(0, "length").cloned().unwrap_or(Value::None)),
            _ => None,
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Generic types (CamelCase) and SQL-standard and MySQL types (UPPERCASE) the vocabulary
/// offers.
pub const GENERIC: &[&str] = &[
    "Integer",
    "BigInteger",
    "SmallInteger",
    "String",
    "Unicode",
    "Text",
    "UnicodeText",
    "Boolean",
    "DateTime",
    "Date",
    "Time",
    "Float",
    "Numeric",
    "LargeBinary",
    "Binary",
    "PickleType",
    "Enum",
    "Interval",
];
/// Uppercase types in `sqlalchemy` and `sqlalchemy.types`.
pub const STANDARD: &[&str] = &[
    "INTEGER",
    "INT",
    "BIGINT",
    "SMALLINT",
    "VARCHAR",
    "CHAR",
    "NVARCHAR",
    "TEXT",
    "CLOB",
    "BOOLEAN",
    "DATETIME",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "FLOAT",
    "REAL",
    "NUMERIC",
    "DECIMAL",
    "BLOB",
    "BINARY",
    "VARBINARY",
];
/// Types of `sqlalchemy.dialects.mysql`.
pub const MYSQL: &[&str] = &[
    "INTEGER",
    "INT",
    "BIGINT",
    "SMALLINT",
    "TINYINT",
    "MEDIUMINT",
    "VARCHAR",
    "CHAR",
    "NVARCHAR",
    "TEXT",
    "TINYTEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "BOOLEAN",
    "DATETIME",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "NUMERIC",
    "DECIMAL",
    "BLOB",
    "TINYBLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
    "BINARY",
    "VARBINARY",
    "ENUM",
    "SET",
    "BIT",
    "YEAR",
];

/// The type class `name` as a value.
pub fn class(name: &'static str) -> Value {
    Value::native(SaType {
        name,
        args: Args::default(),
        is_class: true,
    })
}

fn int_arg(args: &Args, i: usize, name: &str) -> Option<u32> {
    args.get(i, name)
        .and_then(Value::as_int)
        .and_then(|n| u32::try_from(n).ok())
}

/// `{mysql: …, default: …}`.
fn per_database(mysql: String, default: &str) -> ColumnType {
    ColumnType::Custom(BTreeMap::from([
        ("mysql".to_string(), mysql),
        ("default".to_string(), default.to_string()),
    ]))
}

fn everywhere(sql: String) -> ColumnType {
    ColumnType::Custom(BTreeMap::from([("default".to_string(), sql)]))
}

/// The portable type a SQLAlchemy type stands for.
///
/// # Errors
/// A type the vocabulary does not know.
pub fn column_type(t: &SaType) -> Result<ColumnType, Exc> {
    let a = &t.args;
    let unsigned = a.flag("unsigned", false);
    let width = int_arg(a, 0, "display_width");
    let integer = |base: ColumnType, sql: &str, portable: &str| match width {
        // A MySQL display width means nothing elsewhere: the nearest type there.
        Some(w) => {
            let suffix = if unsigned { " UNSIGNED" } else { "" };
            per_database(format!("{sql}({w}){suffix}"), portable)
        }
        None => base,
    };
    let length = || int_arg(a, 0, "length");
    Ok(match t.name {
        "Integer" | "INTEGER" | "INT" => {
            integer(ColumnType::Integer { unsigned }, "INTEGER", "INTEGER")
        }
        "BigInteger" | "BIGINT" => integer(ColumnType::BigInteger { unsigned }, "BIGINT", "BIGINT"),
        "SmallInteger" | "SMALLINT" => integer(
            ColumnType::SmallInteger { unsigned },
            "SMALLINT",
            "SMALLINT",
        ),
        "TINYINT" => {
            let w = width.map(|w| format!("({w})")).unwrap_or_default();
            let suffix = if unsigned { " UNSIGNED" } else { "" };
            per_database(format!("TINYINT{w}{suffix}"), "SMALLINT")
        }
        "MEDIUMINT" => per_database("MEDIUMINT".into(), "INTEGER"),
        "String" | "Unicode" | "VARCHAR" | "NVARCHAR" => ColumnType::String(length()),
        "CHAR" => match length() {
            Some(n) => everywhere(format!("CHAR({n})")),
            None => everywhere("CHAR".into()),
        },
        "Text" | "UnicodeText" | "TEXT" | "CLOB" => ColumnType::Text,
        "TINYTEXT" => per_database("TINYTEXT".into(), "TEXT"),
        "MEDIUMTEXT" => per_database("MEDIUMTEXT".into(), "TEXT"),
        "LONGTEXT" => ColumnType::LongText,
        "Boolean" | "BOOLEAN" => ColumnType::Boolean,
        "DateTime" | "DATETIME" => ColumnType::DateTime,
        "TIMESTAMP" => everywhere("TIMESTAMP".into()),
        "Date" | "DATE" => ColumnType::Date,
        "Time" | "TIME" => ColumnType::Time,
        "Float" | "FLOAT" | "REAL" => ColumnType::Float,
        "DOUBLE" => per_database("DOUBLE".into(), "DOUBLE PRECISION"),
        "Numeric" | "NUMERIC" | "DECIMAL" => ColumnType::Numeric {
            precision: int_arg(a, 0, "precision"),
            scale: int_arg(a, 1, "scale"),
        },
        "LargeBinary" | "Binary" | "PickleType" | "BLOB" | "BINARY" | "VARBINARY" => {
            ColumnType::LargeBinary
        }
        "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" => ColumnType::Custom(BTreeMap::from([
            ("mysql".to_string(), t.name.to_string()),
            ("postgresql".to_string(), "BYTEA".to_string()),
            ("default".to_string(), "BLOB".to_string()),
        ])),
        "Enum" | "ENUM" => enum_type(a)?,
        other => return Err(Exc::unsupported(format!("the column type {other}"))),
    })
}

/// `Enum('a', 'b')`: MySQL's `ENUM`, elsewhere a `VARCHAR` as long as the longest value.
fn enum_type(a: &Args) -> Result<ColumnType, Exc> {
    let values: Vec<&str> = a
        .pos
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| Exc::unsupported("Enum values that are not strings"))
        })
        .collect::<Result<_, _>>()?;
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    let longest = values.iter().map(|v| v.chars().count()).max().unwrap_or(1);
    Ok(per_database(
        format!("ENUM({})", quoted.join(",")),
        &format!("VARCHAR({longest})"),
    ))
}

/// Whether the type is an integer, for SQLAlchemy's implied autoincrement.
pub fn is_integer(t: &ColumnType) -> bool {
    match t {
        ColumnType::Integer { .. }
        | ColumnType::BigInteger { .. }
        | ColumnType::SmallInteger { .. } => true,
        ColumnType::Custom(m) => m.get("default").is_some_and(|d| {
            d.ends_with("INT") || d == "INTEGER" || d == "BIGINT" || d == "SMALLINT"
        }),
        _ => false,
    }
}
