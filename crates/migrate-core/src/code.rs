//! Migrations written in Rust, registered beside a repository's file scripts.
//!
//! ```
//! use migrate_core::code::CodeMigration;
//! use migrate_core::schema::{Column, ColumnType};
//! use migrate_core::session::Session;
//! use migrate_core::{Error, Version};
//!
//! struct AddIsbn;
//!
//! impl CodeMigration for AddIsbn {
//!     fn version(&self) -> Version {
//!         Version::new(3)
//!     }
//!     fn description(&self) -> &str {
//!         "add isbn"
//!     }
//!     fn upgrade(&self, s: &mut Session<'_>) -> Result<(), Error> {
//!         s.add_column("books", Column::new("isbn", ColumnType::BigInteger { unsigned: false }))
//!     }
//!     fn downgrade(&self, s: &mut Session<'_>) -> Result<(), Error> {
//!         s.drop_column("books", "isbn")
//!     }
//! }
//! ```

use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::repository::ScriptFile;
use crate::script::ScriptError;
use crate::session::Session;
use crate::version::Version;

/// A migration in Rust. Each method runs inside the version's transaction (where the
/// database has transactional DDL), with the version bump and journal row.
pub trait CodeMigration: Send + Sync {
    /// The version it makes.
    fn version(&self) -> Version;

    /// What it does, for messages and the journal.
    fn description(&self) -> &str;

    /// Moves the schema up to this version.
    ///
    /// # Errors
    /// Whatever the session reports; the step then fails and rolls back.
    fn upgrade(&self, session: &mut Session<'_>) -> Result<(), Error>;

    /// Moves the schema back to the version before.
    ///
    /// # Errors
    /// As [`CodeMigration::upgrade`].
    fn downgrade(&self, session: &mut Session<'_>) -> Result<(), Error>;

    /// What can be known wrong before anything runs (an interpreted script that does not
    /// parse): checked for every step of a walk before the first one runs.
    ///
    /// # Errors
    /// The reason the migration cannot run, naming its file and line.
    fn check(&self) -> Result<(), ScriptError> {
        Ok(())
    }

    /// The source text, for an interpreted script: its checksum is then the text's, so an
    /// edit after it ran is reported as for SQL scripts.
    fn source(&self) -> Option<&str> {
        None
    }
}

/// Runs scripts the repository recognises but does not run itself (sqlalchemy-migrate's
/// `.py`): given to [`crate::Repository::with_interpreter`], it turns each such file into a
/// [`CodeMigration`] working through the same [`Session`] as Rust code. `migrate-core` knows
/// nothing of the language; the interpreter lives in a crate of its own.
pub trait ScriptInterpreter: Send + Sync {
    /// The migration that runs `file`, whose text is `text`. Errors (a script that does not
    /// parse) are reported by the migration's [`CodeMigration::check`], so that they stop a
    /// walk that needs the script, not one that does not.
    fn load(&self, file: &ScriptFile, text: &str) -> Arc<dyn CodeMigration>;
}

/// A registered code migration, as a script of its version.
#[derive(Clone)]
pub struct CodeScript(pub Arc<dyn CodeMigration>);

impl fmt::Debug for CodeScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CodeScript({} {})",
            self.0.version(),
            self.0.description()
        )
    }
}

impl PartialEq for CodeScript {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CodeScript {}
