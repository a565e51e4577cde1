//! Python migration scripts: parsing and evaluating any text never panics, and an error names
//! the script and a line of it.

use proptest::prelude::*;

use crate::corpus;

/// Python syntax and the vocabulary's names, for mutations.
const TOKENS: &[&str] = &[
    "\n",
    "    ",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "==",
    "+",
    "%",
    "*",
    "**",
    ".",
    "'",
    "\"",
    "\"\"\"",
    "#",
    "def ",
    "class ",
    "return ",
    "for ",
    " in ",
    "while ",
    "if ",
    "else:",
    "try:",
    "except ",
    "finally:",
    "raise ",
    "lambda x: ",
    "import ",
    "from ",
    "Table(",
    "Column(",
    "MetaData(",
    "Integer",
    "String(",
    "%s",
    "%(a)s",
    "{0}",
    "é",
    "\t",
    "None",
    "True",
    "1e308",
    "-1",
    "0",
    "[::-1]",
    "datetime.datetime(2015, 1, 1)",
];

/// The differential corpus's scripts (`testdata/python-corpus/*/versions/*.py`), read where
/// they are rather than copied.
fn corpus_scripts() -> Vec<String> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/python-corpus");
    let mut texts = Vec::new();
    for repo in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let versions = repo.path().join("versions");
        for script in std::fs::read_dir(versions).into_iter().flatten().flatten() {
            let path = script.path();
            if path.extension().is_some_and(|e| e == "py") {
                texts.extend(std::fs::read_to_string(path));
            }
        }
    }
    texts.sort();
    texts
}

/// Mutated scripts: the seeds in `corpus/python` and the differential corpus's.
pub fn strategy() -> BoxedStrategy<String> {
    let mut seeds = corpus::seeds("python");
    seeds.extend(corpus_scripts());
    corpus::texts(seeds, TOKENS)
}

/// Statements each input may run: enough for the seeds, bounded for `while True`.
const STEPS: u64 = 20_000;

/// Checks one script.
///
/// # Panics
/// When evaluation panics, or an error does not name the script's line.
pub fn check(text: &str) {
    if let Err(message) = migrate_python::run_module_text(text, STEPS) {
        assert!(
            message.starts_with("fuzz.py:"),
            "the error does not name the script and line: {message}"
        );
        let line: usize = message["fuzz.py:".len()..]
            .split(':')
            .next()
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("no line in: {message}"));
        let lines = text.split('\n').count().max(1);
        assert!(
            (1..=lines + 1).contains(&line),
            "line {line} of {lines}: {message}"
        );
    }
}
