//! Versioned database schema migrations for SQLite, PostgreSQL and MySQL/MariaDB: the
//! successor of sqlalchemy-migrate, compatible with its repositories and version table.
//!
//! This crate holds everything but the drivers and the command line: repositories on disk
//! ([`repository`]), plans ([`plan`]), dialects ([`dialect`]), the version table
//! ([`version_table`]) and the executor ([`executor`]); [`ops`] puts them together as the
//! commands. A database is reached through the [`connection::Connection`] trait, which the
//! `migrate-drivers` crate implements for the three databases.

pub mod change;
pub mod code;
pub mod connection;
pub mod dialect;
pub mod error;
pub mod executor;
pub mod journal;
pub mod lock;
pub mod ops;
pub mod plan;
pub mod repository;
pub mod schema;
pub mod script;
pub mod session;
pub mod sql;
pub mod url;
pub mod version;
pub mod version_table;

pub use connection::{Connection, DbError, Transaction, Value};
pub use error::{ConnectError, Error};
pub use repository::Repository;
pub use url::DatabaseUrl;
pub use version::{Direction, Version};
