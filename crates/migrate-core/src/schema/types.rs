//! Portable column types: one name, three databases.
//!
//! Written as SQLAlchemy named them (`Integer`, `String(255)`, `Numeric(10, 2)`…), or by the
//! common SQL names (`INT`, `VARCHAR(64)`, `DECIMAL(10,2)`), case-insensitive. A type no
//! portable name covers is given per database: `{ mysql = "BIGINT(13)", default = "BIGINT" }`.

use std::collections::BTreeMap;
use std::fmt;

/// A column's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ColumnType {
    /// 32-bit integer.
    Integer {
        /// MySQL `UNSIGNED`; other databases have no unsigned integers.
        unsigned: bool,
    },
    /// 64-bit integer.
    BigInteger {
        /// MySQL `UNSIGNED`.
        unsigned: bool,
    },
    /// 16-bit integer.
    SmallInteger {
        /// MySQL `UNSIGNED`.
        unsigned: bool,
    },
    /// True/false (MySQL stores `TINYINT(1)`).
    Boolean,
    /// Variable-length text with an optional length limit.
    String(Option<u32>),
    /// Unlimited text.
    Text,
    /// Unlimited text that MySQL must store as `LONGTEXT`.
    LongText,
    /// Date and time without zone.
    DateTime,
    /// Date.
    Date,
    /// Time of day.
    Time,
    /// Floating point.
    Float,
    /// Exact decimal.
    Numeric {
        /// Total digits.
        precision: Option<u32>,
        /// Digits after the point.
        scale: Option<u32>,
    },
    /// Bytes.
    LargeBinary,
    /// Given per database (keys `sqlite`, `postgresql`, `mysql`, `default`).
    Custom(BTreeMap<String, String>),
}

/// A type name that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown type '{0}': use Integer, BigInteger, SmallInteger, Boolean, String(n), Text, LongText, DateTime, Date, Time, Float, Numeric(p, s), LargeBinary, or give it per database"
)]
pub struct TypeError(pub String);

impl ColumnType {
    /// Parses a portable or common SQL type name.
    ///
    /// # Errors
    /// [`TypeError`] naming the text.
    pub fn parse(text: &str) -> Result<ColumnType, TypeError> {
        let err = || TypeError(text.to_string());
        let t = text.trim();
        let (head, args) = match t.split_once('(') {
            Some((h, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(err)?;
                let nums: Result<Vec<u32>, _> =
                    inner.split(',').map(|n| n.trim().parse::<u32>()).collect();
                (h.trim(), nums.map_err(|_| err())?)
            }
            None => (t, Vec::new()),
        };
        let mut words: Vec<String> = head
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let unsigned = words.last().is_some_and(|w| w == "unsigned");
        if unsigned {
            words.pop();
        }
        let name = words.join(" ");
        let arg = |i: usize| args.get(i).copied();
        let ty = match name.as_str() {
            "integer" | "int" | "int4" => ColumnType::Integer { unsigned },
            "biginteger" | "bigint" | "int8" => ColumnType::BigInteger { unsigned },
            "smallinteger" | "smallint" | "int2" => ColumnType::SmallInteger { unsigned },
            "boolean" | "bool" => ColumnType::Boolean,
            "string" | "varchar" | "character varying" | "unicode" => ColumnType::String(arg(0)),
            "text" | "unicodetext" | "clob" => ColumnType::Text,
            "longtext" => ColumnType::LongText,
            "datetime" | "timestamp" => ColumnType::DateTime,
            "date" => ColumnType::Date,
            "time" => ColumnType::Time,
            "float" | "real" | "double" | "double precision" => ColumnType::Float,
            "numeric" | "decimal" => ColumnType::Numeric {
                precision: arg(0),
                scale: arg(1),
            },
            "largebinary" | "blob" | "bytea" | "binary" | "varbinary" => ColumnType::LargeBinary,
            _ => return Err(err()),
        };
        let takes_args = matches!(ty, ColumnType::String(_) | ColumnType::Numeric { .. });
        let unsigned_ok = matches!(
            ty,
            ColumnType::Integer { .. }
                | ColumnType::BigInteger { .. }
                | ColumnType::SmallInteger { .. }
        );
        if (!takes_args && !args.is_empty()) || (unsigned && !unsigned_ok) || args.len() > 2 {
            return Err(err());
        }
        Ok(ty)
    }

    /// Whether this is an integer type (autoincrement is allowed).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::Integer { .. }
                | ColumnType::BigInteger { .. }
                | ColumnType::SmallInteger { .. }
        )
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = |unsigned: &bool| if *unsigned { " UNSIGNED" } else { "" };
        match self {
            ColumnType::Integer { unsigned } => write!(f, "Integer{}", u(unsigned)),
            ColumnType::BigInteger { unsigned } => write!(f, "BigInteger{}", u(unsigned)),
            ColumnType::SmallInteger { unsigned } => write!(f, "SmallInteger{}", u(unsigned)),
            ColumnType::Boolean => f.write_str("Boolean"),
            ColumnType::String(Some(n)) => write!(f, "String({n})"),
            ColumnType::String(None) => f.write_str("String"),
            ColumnType::Text => f.write_str("Text"),
            ColumnType::LongText => f.write_str("LongText"),
            ColumnType::DateTime => f.write_str("DateTime"),
            ColumnType::Date => f.write_str("Date"),
            ColumnType::Time => f.write_str("Time"),
            ColumnType::Float => f.write_str("Float"),
            ColumnType::Numeric {
                precision: Some(p),
                scale: Some(s),
            } => write!(f, "Numeric({p}, {s})"),
            ColumnType::Numeric {
                precision: Some(p),
                scale: None,
            } => write!(f, "Numeric({p})"),
            ColumnType::Numeric { .. } => f.write_str("Numeric"),
            ColumnType::LargeBinary => f.write_str("LargeBinary"),
            ColumnType::Custom(map) => {
                let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_and_sql_names_parse() {
        assert_eq!(
            ColumnType::parse("Integer"),
            Ok(ColumnType::Integer { unsigned: false })
        );
        assert_eq!(
            ColumnType::parse("BIGINT UNSIGNED"),
            Ok(ColumnType::BigInteger { unsigned: true })
        );
        assert_eq!(
            ColumnType::parse("String(255)"),
            Ok(ColumnType::String(Some(255)))
        );
        assert_eq!(
            ColumnType::parse("varchar(64)"),
            Ok(ColumnType::String(Some(64)))
        );
        assert_eq!(
            ColumnType::parse("Numeric(10, 2)"),
            Ok(ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2)
            })
        );
        assert_eq!(ColumnType::parse("DateTime"), Ok(ColumnType::DateTime));
        for bad in [
            "Strng(3)",
            "Text(5)",
            "Boolean unsigned",
            "String(x)",
            "String(1",
        ] {
            assert!(ColumnType::parse(bad).is_err(), "{bad}");
        }
        let t = ColumnType::parse("Numeric(10, 2)").unwrap();
        assert_eq!(ColumnType::parse(&t.to_string()), Ok(t));
    }
}
