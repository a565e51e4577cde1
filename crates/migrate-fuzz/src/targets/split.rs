//! The statement splitter, under the SQLite, PostgreSQL and MySQL lexers.
//!
//! Invariants, for every input and lexer: no panic; an error's line is within the script;
//! statements are non-empty slices of the script, in order, each starting on the line it
//! reports; what lies between them is only whitespace, comments, terminators and `DELIMITER`
//! lines (no text is lost); and a statement split again is one statement.

use migrate_core::dialect::{Dialect, MYSQL, POSTGRES, SQLITE};
use migrate_core::sql::{LexerOptions, Statement, normalize, split};
use proptest::strategy::BoxedStrategy;

use crate::corpus;

/// Pieces of SQL syntax the lexers treat specially, for mutations and token soup.
pub const TOKENS: &[&str] = &[
    ";",
    ";",
    "'",
    "''",
    "\"",
    "`",
    "[",
    "]",
    "$$",
    "$tag$",
    "$1",
    "E'",
    "e'\\'",
    "\\",
    "/*",
    "*/",
    "/*!40101 ",
    "--",
    "-- ",
    "--\n",
    "#",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "DELIMITER ",
    "DELIMITER //\n",
    "DELIMITER $$\n",
    "DELIMITER ;\n",
    "\nDELIMITER\n",
    "delimiter ;;\n",
    "//",
    ";;",
    "BEGIN",
    " BEGIN ",
    "END",
    "END;",
    " END IF",
    " END LOOP",
    "CASE",
    "CREATE ",
    "TRIGGER ",
    "PROCEDURE ",
    "FUNCTION ",
    "EVENT ",
    "BEGIN NOT ATOMIC ",
    "COMMIT",
    "SELECT 1",
    "x",
    "é",
    "日本",
    "😀",
    "\u{a0}",
    "\u{b}",
    "\u{c}",
    "\u{feff}",
    "\u{2028}",
    "\u{0}",
];

/// Mutated seeds and token soup.
pub fn strategy() -> BoxedStrategy<String> {
    corpus::texts(corpus::seeds("split"), TOKENS)
}

/// Checks one script (bytes as read from a file; invalid UTF-8 is replaced, as a script
/// that is not UTF-8 is refused before it is split).
///
/// # Panics
/// When an invariant does not hold.
pub fn check(input: &[u8]) {
    let script = String::from_utf8_lossy(input);
    let dialects: [&dyn Dialect; 3] = [&SQLITE, &POSTGRES, &MYSQL];
    for d in dialects {
        check_lexer(&script, d.name(), d.lexer());
    }
}

fn check_lexer(script: &str, dialect: &str, opts: LexerOptions) {
    // Checksums normalise through the same lexer: it must not panic either.
    let _ = normalize(script, opts);
    let lines = script.matches('\n').count() + 1;
    let statements = match split(script, opts) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                (1..=lines).contains(&e.line()),
                "{dialect}: error line {} outside the script's {lines} lines: {e}",
                e.line()
            );
            return;
        }
    };
    let mut covered = 0;
    let mut gaps = Vec::new();
    for s in &statements {
        let start = offset_in(script, s, dialect);
        assert!(
            start >= covered,
            "{dialect}: statement {:?} overlaps the one before it",
            s.text
        );
        assert!(
            !s.text.trim().is_empty(),
            "{dialect}: empty statement {:?} on line {}",
            s.text,
            s.line
        );
        let line = script[..start].matches('\n').count() + 1;
        assert_eq!(
            s.line, line,
            "{dialect}: statement {:?} reports line {} but starts on line {line}",
            s.text, s.line
        );
        let _ = s.transaction_control();
        gaps.push(&script[covered..start]);
        covered = start + s.text.len();
    }
    gaps.push(&script[covered..]);
    // Custom terminators and `DELIMITER` lines (a command only at the start of a line, and
    // not inside a comment) make a fresh split of a gap or statement mean something else, so
    // the coverage checks below hold for `;`-terminated scripts only.
    if opts.delimiter_command && script.to_ascii_lowercase().contains("delimiter") {
        return;
    }
    for gap in gaps {
        check_gap(gap, dialect, opts);
    }
    for s in &statements {
        check_resplit(s, dialect, opts);
    }
}

/// Where a statement's text lies in the script; it must be a slice of it.
fn offset_in(script: &str, s: &Statement<'_>, dialect: &str) -> usize {
    let base = script.as_ptr() as usize;
    let at = s.text.as_ptr() as usize;
    assert!(
        at >= base && at + s.text.len() <= base + script.len(),
        "{dialect}: statement {:?} is not part of the script",
        s.text
    );
    at - base
}

/// Text between statements holds nothing a statement should have had.
fn check_gap(gap: &str, dialect: &str, opts: LexerOptions) {
    // A space, not nothing, keeps `-;-` from becoming a comment marker.
    let rest = gap.replace(';', " ");
    match split(&rest, opts) {
        Ok(found) => assert!(
            found.is_empty(),
            "{dialect}: text between statements was dropped: {:?} (gap {gap:?})",
            found.iter().map(|s| s.text).collect::<Vec<_>>()
        ),
        Err(e) => panic!("{dialect}: text between statements was dropped: {gap:?} ({e})"),
    }
}

/// A statement is one statement: splitting its text again gives one.
fn check_resplit(s: &Statement<'_>, dialect: &str, opts: LexerOptions) {
    // MySQL's `--` is a comment only before whitespace or the end: `SELECT 5--;` ends in
    // `--` as arithmetic, which alone at the end of the text reads as a comment.
    if opts.hash_comments && s.text.ends_with("--") {
        return;
    }
    let again = split(s.text, opts);
    let count = again.as_ref().map_or(0, Vec::len);
    assert_eq!(
        count, 1,
        "{dialect}: statement {:?} splits again into {again:?}",
        s.text
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_passes() {
        for seed in corpus::seeds("split") {
            check(seed.as_bytes());
        }
    }

    #[test]
    #[should_panic(expected = "text between statements was dropped")]
    fn lost_text_is_detected() {
        // A statement list that skips `SELECT 2` must be caught by the gap check.
        check_gap(" SELECT 2 ", "test", SQLITE.lexer());
    }
}
