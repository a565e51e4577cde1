//! Names migrate makes up for what a script leaves unnamed (`ix_<table>_<column>`,
//! `uq_<table>_<column>`, `fk_<table>_<column>`), kept within every database's limit.
//!
//! A generated name longer than 63 bytes (PostgreSQL's limit, the smallest of the three) is
//! cut to its first 54 bytes (at a character boundary) followed by `_` and the first 8 hex
//! digits of the SHA-256 of the whole name, as SQLAlchemy's naming conventions shorten
//! names with a hash: the same on every database and every run, so the upgrade, the
//! downgrade and `drift` agree on it, and two long names that differ only at the end stay
//! different.

use sha2::{Digest, Sha256};

/// The longest generated name, in bytes: fits PostgreSQL (63 bytes) and MySQL (64 characters).
pub const GENERATED_MAX: usize = 63;

/// The hash suffix: `_` and 8 hex digits.
const SUFFIX: usize = 9;

/// `name`, shortened deterministically when it is longer than [`GENERATED_MAX`] bytes.
pub fn generated(name: String) -> String {
    if name.len() <= GENERATED_MAX {
        return name;
    }
    let mut cut = GENERATED_MAX - SUFFIX;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}_{hex}", &name[..cut])
}

/// A name migrate makes up: `<prefix>_<table>_<column>`, shortened if need be.
pub fn generated_for(prefix: &str, table: &str, column: &str) -> String {
    generated(format!("{prefix}_{table}_{column}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept_long_ones_cut_with_a_hash() {
        assert_eq!(generated_for("ix", "books", "author"), "ix_books_author");
        let table = "t".repeat(70);
        let a = generated_for("ix", &table, "a");
        let b = generated_for("ix", &table, "b");
        assert_eq!(a.len(), GENERATED_MAX);
        assert!(a.starts_with(&format!("ix_{}", "t".repeat(51))), "{a}");
        assert_ne!(a, b, "the hash keeps them apart");
        assert_eq!(a, generated_for("ix", &table, "a"), "deterministic");
        let accented = generated(format!("ix_{}", "é".repeat(40)));
        assert!(accented.len() <= GENERATED_MAX, "{accented}");
    }
}
