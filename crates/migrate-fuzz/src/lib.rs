//! Fuzz targets for migrate-core's input parsers, and a time-bounded driver that runs them.
//!
//! Each target in [`targets`] is a function over one input that panics when an invariant
//! breaks (not only "no panic": statements cover the script, passwords stay hidden, scripts
//! round-trip). [`driver::run`] feeds a target random and mutated inputs from the checked-in
//! seed corpus (`corpus/<target>/`) for a given time, shrinks the first failure with proptest
//! and reports it. `cargo test -p migrate-fuzz` runs every target for a few seconds;
//! `cargo run -p migrate-fuzz --release -- <target> --seconds 600` runs one for ten minutes.

pub mod corpus;
pub mod driver;
pub mod targets;
