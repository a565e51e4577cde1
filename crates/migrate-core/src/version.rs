//! Version numbers and migration directions.
//!
//! A version is a non-negative integer; 0 is the empty start before any script ran. Sequential
//! repositories number 1, 2, 3…; timestamp repositories use `YYYYMMDDHHMMSS` (UTC), so the
//! numbers are ordered but not contiguous. Nothing here knows about files or databases.

use std::fmt;
use std::str::FromStr;

/// A repository or database version. `Version::ZERO` is "no version applied".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    /// The empty start, before the first version.
    pub const ZERO: Version = Version(0);

    /// Wraps a raw number.
    pub const fn new(n: u64) -> Self {
        Version(n)
    }

    /// The raw number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a text is not a version number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseVersionError {
    /// Negative numbers are never versions.
    #[error("version '{0}' is below 0")]
    Negative(String),
    /// Anything that is not a decimal integer.
    #[error("version '{0}' is not a number")]
    NotANumber(String),
}

impl FromStr for Version {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.starts_with('-') && t[1..].chars().all(|c| c.is_ascii_digit()) && t.len() > 1 {
            return Err(ParseVersionError::Negative(crate::url::mask_password(s)));
        }
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseVersionError::NotANumber(crate::url::mask_password(s)));
        }
        t.parse::<u64>()
            .map(Version)
            .map_err(|_| ParseVersionError::NotANumber(crate::url::mask_password(s)))
    }
}

/// Which way a step moves a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a version to the next one.
    Upgrade,
    /// From a version back to the previous one.
    Downgrade,
}

impl Direction {
    /// The word used in SQL script names (`…_upgrade.sql`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }

    /// The command that moves the other way.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Upgrade => Direction::Downgrade,
            Direction::Downgrade => Direction::Upgrade,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_rejects_the_rest() {
        assert_eq!("007".parse::<Version>(), Ok(Version::new(7)));
        assert_eq!(
            "20261121093000".parse::<Version>().map(Version::get),
            Ok(20261121093000)
        );
        assert_eq!(
            "-1".parse::<Version>(),
            Err(ParseVersionError::Negative("-1".into()))
        );
        assert_eq!(
            "two".parse::<Version>(),
            Err(ParseVersionError::NotANumber("two".into()))
        );
        assert_eq!(
            "".parse::<Version>(),
            Err(ParseVersionError::NotANumber("".into()))
        );
    }
}
