//! How long a name each database accepts. PostgreSQL truncates a longer name silently (and
//! the next step, the downgrade and `drift` then look for a table that is not there); MySQL
//! refuses it, on MariaDB after earlier DDL of the version has committed. So every name is
//! checked against the limit before anything runs.

/// The longest identifier a database accepts, in what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierLimit {
    /// At most this many bytes of UTF-8 (PostgreSQL's `NAMEDATALEN - 1`).
    Bytes(usize),
    /// At most this many characters (MySQL and MariaDB).
    Chars(usize),
}

impl IdentifierLimit {
    /// `name`'s length as this limit counts it.
    pub fn length_of(self, name: &str) -> usize {
        match self {
            IdentifierLimit::Bytes(_) => name.len(),
            IdentifierLimit::Chars(_) => name.chars().count(),
        }
    }

    /// The most it allows.
    pub fn max(self) -> usize {
        match self {
            IdentifierLimit::Bytes(n) | IdentifierLimit::Chars(n) => n,
        }
    }

    /// The unit it counts in, for messages.
    pub fn unit(self) -> &'static str {
        match self {
            IdentifierLimit::Bytes(_) => "bytes",
            IdentifierLimit::Chars(_) => "characters",
        }
    }

    /// Whether `name` is longer than allowed.
    pub fn exceeded_by(self, name: &str) -> bool {
        self.length_of(name) > self.max()
    }
}

/// A name longer than the database allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {what} '{name}' is {length} {unit}; {database} allows at most {max}")]
pub struct IdentifierTooLong {
    /// What the name is for (`version table`, `journal table`…).
    pub what: String,
    /// The name.
    pub name: String,
    /// Its length in `unit`.
    pub length: usize,
    /// `bytes` or `characters`.
    pub unit: &'static str,
    /// The most the database allows.
    pub max: usize,
    /// The database.
    pub database: &'static str,
}

impl IdentifierTooLong {
    /// The remedy.
    pub fn help(&self) -> Option<String> {
        Some(format!("shorten it to {} {} or fewer", self.max, self.unit))
    }
}

/// Refuses `name` (a `what`) if it is longer than `dialect` allows.
///
/// # Errors
/// [`IdentifierTooLong`] naming it, its length and the limit.
pub fn check(
    dialect: &dyn super::Dialect,
    what: &str,
    name: &str,
) -> Result<(), IdentifierTooLong> {
    match dialect.identifier_limit() {
        Some(limit) if limit.exceeded_by(name) => Err(IdentifierTooLong {
            what: what.to_string(),
            name: name.to_string(),
            length: limit.length_of(name),
            unit: limit.unit(),
            max: limit.max(),
            database: dialect.name(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MYSQL, POSTGRES, SQLITE};

    #[test]
    fn postgres_counts_bytes_mysql_characters_sqlite_nothing() {
        let accented = "é".repeat(32); // 64 bytes, 32 characters
        assert!(check(&POSTGRES, "table", &"a".repeat(63)).is_ok());
        let e = check(&POSTGRES, "table", &accented).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("the table '{accented}' is 64 bytes; postgresql allows at most 63")
        );
        assert!(check(&MYSQL, "table", &accented).is_ok());
        assert!(check(&MYSQL, "table", &"a".repeat(64)).is_ok());
        assert!(check(&MYSQL, "index", &"a".repeat(65)).is_err());
        assert!(check(&SQLITE, "table", &"a".repeat(1000)).is_ok());
    }
}
