//! `migrate.cfg`: parsing never panics, errors name the file and (for a bad value) the line
//! holding it, and what parses writes back to the same configuration.

use std::path::Path;

use migrate_core::repository::{Config, RepoError, RepositoryId, TableName};
use proptest::prelude::*;
use proptest::sample::select;

use crate::corpus;

/// INI syntax and the file's keys, for mutations.
const TOKENS: &[&str] = &[
    "[db_settings]\n",
    "[db_settings",
    "[other]\n",
    "repository_id",
    "version_table",
    "required_dbs",
    "use_timestamp_numbering",
    "=",
    ":",
    " = ",
    "\n",
    "\r\n",
    "#",
    ";",
    "[",
    "]",
    "['a','b']",
    "'",
    "\"",
    ",",
    "True",
    "maybe",
    "\\",
    "\t",
    " ",
    "é",
    "\u{a0}",
    "\u{feff}",
];

/// A configuration built from fields, for the write-then-read round trip.
#[derive(Debug, Clone)]
pub struct Fields {
    /// `repository_id`.
    pub repository_id: String,
    /// `version_table`.
    pub version_table: String,
    /// `required_dbs`.
    pub required_dbs: Vec<String>,
    /// `use_timestamp_numbering`.
    pub use_timestamp_numbering: bool,
}

/// One input.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file's text.
    Text(String),
    /// A configuration `migrate create` could write.
    Built(Fields),
}

/// A value as `migrate create` might be given it: no line breaks, no space at either end.
fn value(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9_.-]{1,4}",
        1 => select(&["#", ";", "=", ":", "[", "]", "'", "\"", "%", "\\", " ", "é", "${x}"][..])
            .prop_map(str::to_string),
        1 => any::<char>().prop_filter("one line", |c| *c != '\n' && *c != '\r').prop_map(String::from),
    ];
    prop::collection::vec(piece, 1..max)
        .prop_map(|p| p.concat())
        .prop_filter("trimmed and non-empty", |s| {
            !s.trim().is_empty() && s.trim() == s
        })
}

/// Mutated files and built configurations.
pub fn strategy() -> BoxedStrategy<Input> {
    let fields = (
        value(8),
        value(6),
        prop::collection::vec("[a-z]{1,10}", 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(repository_id, version_table, required_dbs, use_timestamp_numbering)| Fields {
                repository_id,
                version_table,
                required_dbs,
                use_timestamp_numbering,
            },
        );
    prop_oneof![
        3 => corpus::texts(corpus::seeds("config"), TOKENS).prop_map(Input::Text),
        1 => fields.prop_map(Input::Built),
    ]
    .boxed()
}

const PATH: &str = "fuzz/migrate.cfg";

/// Checks one input.
///
/// # Panics
/// When parsing panics, an error does not name the file or the line at fault, or a
/// configuration does not read back as it was written.
pub fn check(input: &Input) {
    match input {
        Input::Text(text) => check_text(text),
        Input::Built(f) => {
            let mut config = Config::new(RepositoryId::new(f.repository_id.as_str()));
            config.version_table = TableName::new(f.version_table.as_str());
            config.required_dbs = f.required_dbs.clone();
            config.use_timestamp_numbering = f.use_timestamp_numbering;
            // What `migrate create` refuses to write need not read back.
            if config.check_writable().is_ok() {
                check_round_trip(&config);
            }
        }
    }
}

fn check_text(text: &str) {
    match Config::parse(text, Path::new(PATH)) {
        Ok(config) => check_round_trip(&config),
        Err(e) => check_error(text, &e),
    }
}

fn check_error(text: &str, e: &RepoError) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(PATH),
        "error does not name the file: {shown}"
    );
    let RepoError::Config { line, message, .. } = e else {
        panic!("not a configuration error: {shown}");
    };
    // Lines as Python's text files count them: `\r\n`, `\r` and `\n` each end one.
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .split("\r\n")
        .flat_map(|l| l.split(['\r', '\n']))
        .collect();
    if let Some(line) = line {
        assert!(
            (1..=lines.len()).contains(line),
            "line {line} is outside the file's {} lines: {shown}",
            lines.len()
        );
    }
    // A bad value's error names the line holding that key.
    let key = ["use_timestamp_numbering", "required_dbs", "repository_id"]
        .into_iter()
        .find(|k| message.starts_with(k) && !message.starts_with("no "));
    if let Some(key) = key {
        let at = line.unwrap_or_else(|| panic!("no line for a bad {key}: {shown}"));
        // Keys are case-insensitive, as in ConfigParser: `required_dbS` is `required_dbs`.
        assert!(
            lines[at - 1].to_lowercase().contains(key),
            "line {at} ({:?}) does not hold {key}: {shown}",
            lines[at - 1]
        );
    }
}

/// What is written reads back the same.
fn check_round_trip(config: &Config) {
    let text = config.render();
    match Config::parse(&text, Path::new(PATH)) {
        Ok(back) => assert_eq!(&back, config, "written as:\n{text}"),
        Err(e) => panic!("{config:?} is written as a file that does not read: {e}\n{text}"),
    }
}
