//! Transaction-control statements written in scripts: which can be skipped and which must be
//! refused.
//!
//! Each version already runs in a transaction that migrate opens and commits (on MySQL, whose
//! DDL commits at once, statement by statement). A script's `BEGIN` or `COMMIT` only restates
//! that, so it is skipped with a warning, as sqlalchemy-migrate did. A `ROLLBACK`, `SAVEPOINT`
//! or `RELEASE` asks for something migrate cannot give inside its own transaction (sent as
//! written it would end that transaction, so half the step commits with the next version
//! bump): the script is refused before anything runs. One list serves all three databases; a
//! spelling a database does not know is a syntax error there either way.

/// What a transaction-control statement in a script means for the step that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionControl {
    /// Opens or commits a transaction (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`): the
    /// step's own transaction does that already, so it is skipped with a warning.
    Redundant,
    /// Undoes or divides the work (`ROLLBACK`, `ROLLBACK TO`, `SAVEPOINT`, `RELEASE`,
    /// `COMMIT PREPARED`, `XA`…): it cannot be honoured, so the script is refused.
    Refused,
}

/// Words that may follow `BEGIN` or `START TRANSACTION` in a transaction's opening (SQLite's
/// locking modes, PostgreSQL's and MySQL's transaction characteristics). MariaDB's
/// `BEGIN NOT ATOMIC` block has `ATOMIC`, which is not among them.
const OPENING_MODES: &[&str] = &[
    "TRANSACTION",
    "WORK",
    "DEFERRED",
    "IMMEDIATE",
    "EXCLUSIVE",
    "ISOLATION",
    "LEVEL",
    "SERIALIZABLE",
    "REPEATABLE",
    "READ",
    "COMMITTED",
    "UNCOMMITTED",
    "WRITE",
    "ONLY",
    "NOT",
    "DEFERRABLE",
    "WITH",
    "CONSISTENT",
    "SNAPSHOT",
];

/// Words that may follow `COMMIT` or `END` in a plain commit.
const COMMIT_MODES: &[&str] = &["WORK", "TRANSACTION", "AND", "NO", "CHAIN"];

/// Classifies one statement (its text as split, without the terminator).
pub fn classify(text: &str) -> Option<TransactionControl> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    let (first, rest) = words.split_first()?;
    let all_in =
        |words: &[String], allowed: &[&str]| words.iter().all(|w| allowed.contains(&w.as_str()));
    match first.as_str() {
        "BEGIN" if all_in(rest, OPENING_MODES) => Some(TransactionControl::Redundant),
        "START"
            if rest.first().is_some_and(|w| w == "TRANSACTION")
                && all_in(&rest[1..], OPENING_MODES) =>
        {
            Some(TransactionControl::Redundant)
        }
        "COMMIT" | "END" if all_in(rest, COMMIT_MODES) => Some(TransactionControl::Redundant),
        // `COMMIT PREPARED`, MySQL's `COMMIT RELEASE` (which disconnects), …
        "COMMIT" => Some(TransactionControl::Refused),
        "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE" | "XA" => Some(TransactionControl::Refused),
        "PREPARE" if rest.first().is_some_and(|w| w == "TRANSACTION") => {
            Some(TransactionControl::Refused)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::TransactionControl::{Redundant, Refused};
    use super::*;

    #[test]
    fn openings_and_commits_are_redundant() {
        for text in [
            "BEGIN",
            "begin transaction",
            "BEGIN WORK",
            "BEGIN IMMEDIATE TRANSACTION",
            "BEGIN ISOLATION LEVEL READ COMMITTED, READ ONLY",
            "START TRANSACTION",
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ WRITE",
            "COMMIT",
            "COMMIT WORK",
            "COMMIT AND NO CHAIN",
            "END",
            "END TRANSACTION",
            "end work",
        ] {
            assert_eq!(classify(text), Some(Redundant), "{text}");
        }
    }

    #[test]
    fn what_cannot_be_honoured_is_refused() {
        for text in [
            "ROLLBACK",
            "rollback work",
            "ROLLBACK TO SAVEPOINT s",
            "ROLLBACK TRANSACTION TO s",
            "ROLLBACK PREPARED 'x'",
            "ABORT",
            "SAVEPOINT s",
            "RELEASE SAVEPOINT s",
            "RELEASE s",
            "COMMIT PREPARED 'x'",
            "COMMIT RELEASE",
            "PREPARE TRANSACTION 'x'",
            "XA START 'x'",
        ] {
            assert_eq!(classify(text), Some(Refused), "{text}");
        }
    }

    #[test]
    fn blocks_and_other_statements_are_not_transaction_control() {
        for text in [
            "BEGIN NOT ATOMIC SELECT 1; END",
            "CREATE PROCEDURE p() BEGIN ROLLBACK; END",
            "DO $$ BEGIN PERFORM 1; END $$",
            "CREATE TABLE begin_x (a INT)",
            "SELECT RELEASE_LOCK('x')",
            "PREPARE stmt FROM 'SELECT 1'",
            "START SLAVE",
            "END IF",
            "/*!40101 SET NAMES utf8 */",
            "UPDATE tä SET a = 'é'",
            "",
        ] {
            assert_eq!(classify(text), None, "{text}");
        }
    }
}
