//! The seed corpus (`corpus/<target>/`, checked in) and the strategies that mutate it.
//!
//! Mutations are proptest values, so a failing input shrinks to the seed and the few edits
//! that break it instead of a page of random text.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// The seeds of one target: every file under `corpus/<target>/`, in name order.
///
/// # Panics
/// When the directory cannot be read or holds no file: the corpus is part of the crate.
pub fn seeds(target: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the seed corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds in {}", dir.display());
    paths
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("a seed file")).into_owned())
        .collect()
}

/// One edit of a seed.
#[derive(Debug, Clone)]
enum Mutation {
    /// Insert text at a position.
    Insert(Index, String),
    /// Remove up to `n` bytes (whole characters) from a position.
    Delete(Index, usize),
    /// Copy a piece of the text elsewhere in it.
    Duplicate(Index, Index, usize),
    /// Insert a piece of another seed.
    Splice(Index, Index, Index, usize),
    /// Cut the text at a position.
    Truncate(Index),
}

/// A character position in `s` near `at`.
fn boundary(s: &str, at: &Index) -> usize {
    let mut i = at.index(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The piece of `s` starting near `at`, up to `len` bytes long, on character boundaries.
fn piece<'s>(s: &'s str, at: &Index, len: usize) -> &'s str {
    let start = boundary(s, at);
    let mut end = (start + len).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[start..end]
}

fn apply(seeds: &[String], mut text: String, mutations: &[Mutation]) -> String {
    for m in mutations {
        match m {
            Mutation::Insert(at, s) => text.insert_str(boundary(&text, at), s),
            Mutation::Delete(at, n) => {
                let cut = piece(&text, at, *n).len();
                let start = boundary(&text, at);
                text.replace_range(start..start + cut, "");
            }
            Mutation::Duplicate(from, to, n) => {
                let copy = piece(&text, from, *n).to_string();
                text.insert_str(boundary(&text, to), &copy);
            }
            Mutation::Splice(seed, from, to, n) => {
                let copy = piece(seed.get::<String>(seeds), from, *n).to_string();
                text.insert_str(boundary(&text, to), &copy);
            }
            Mutation::Truncate(at) => text.truncate(boundary(&text, at)),
        }
    }
    text
}

/// A short run of any characters (proptest favours the awkward ones: controls, surrogates'
/// neighbours, combining marks, the last code points).
fn any_chars(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

fn mutation(tokens: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    let insert = prop_oneof![
        3 => select(tokens).prop_map(str::to_string),
        1 => any_chars(4),
    ];
    prop_oneof![
        4 => (any::<Index>(), insert).prop_map(|(a, s)| Mutation::Insert(a, s)),
        2 => (any::<Index>(), 1usize..24).prop_map(|(a, n)| Mutation::Delete(a, n)),
        1 => (any::<Index>(), any::<Index>(), 1usize..64)
            .prop_map(|(a, b, n)| Mutation::Duplicate(a, b, n)),
        1 => (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..128)
            .prop_map(|(s, a, b, n)| Mutation::Splice(s, a, b, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Texts for a target: mostly seeds with a few edits, some token soup from `tokens` (the
/// target's syntax: quotes, comment markers, keywords), some random characters.
pub fn texts(seeds: Vec<String>, tokens: &'static [&'static str]) -> BoxedStrategy<String> {
    let seeds = std::sync::Arc::new(seeds);
    let all = std::sync::Arc::clone(&seeds);
    let mutated = (
        any::<Index>(),
        prop::collection::vec(mutation(tokens), 0..8),
    )
        .prop_map(move |(seed, edits)| apply(&all, seed.get(&all).clone(), &edits));
    let soup = prop::collection::vec(
        prop_oneof![4 => select(tokens).prop_map(str::to_string), 1 => any_chars(3)],
        0..40,
    )
    .prop_map(|parts| parts.concat());
    prop_oneof![
        6 => mutated,
        3 => soup,
        1 => any_chars(64),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_seeds() {
        for target in ["split", "script", "url", "config"] {
            assert!(!seeds(target).is_empty(), "{target}");
        }
    }

    #[test]
    fn mutated_texts_stay_on_character_boundaries() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        // Every edit slices the text at computed positions: generating many is the check.
        let seeds = vec!["é日本😀 -- x".to_string(), "ab\u{a0}c".to_string()];
        let strategy = texts(seeds, &["é", "'", "\n"]);
        let mut runner = TestRunner::deterministic();
        for _ in 0..2000 {
            let tree = strategy.new_tree(&mut runner).expect("a value");
            assert!(tree.current().len() < 100_000);
        }
    }
}
