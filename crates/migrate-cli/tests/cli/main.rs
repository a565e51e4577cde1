//! Integration tests: the real `migrate` binary against real SQLite, PostgreSQL and MariaDB.
//!
//! One test binary (linking the drivers is the slow part of a build). Scenarios that concern
//! a database are written once and instantiated per backend by `matrix!`, so a failure names
//! its backend (`tutorial::mysql`). Every test gets its own database; a server that cannot be
//! reached fails the test with the command that starts it.

#[macro_use]
mod support;

mod adopt;
mod arguments;
mod clusters;
mod conventions;
mod defects_exec;
mod defects_input;
mod defects_ops;
mod defects_sql;
mod docs;
mod errors;
mod flags;
mod generated;
mod journal;
mod library;
mod model;
mod operations;
mod python;
mod replicas;
mod repository;
mod reversibility;
mod safety;
mod scope;
mod scripts;
mod seeds;
mod sync;
mod takeover;
mod testing;
mod tls;
mod tokio_api;
mod topology;
mod tutorial;
