//! Runs sqlalchemy-migrate's Python migration scripts without Python.
//!
//! A Python-subset interpreter (parsed by Ruff's parser) evaluates a script as Python would,
//! and the SQLAlchemy 1.3 / sqlalchemy-migrate vocabulary it calls (`Table(…).create()`,
//! `Column(…).create(table)`, `table.update().where(…)`) is carried out through the same
//! [`Session`] a Rust code migration gets: migrate's operations, dialects, transactions,
//! journal and previews all apply. `migrate-core` knows nothing of Python: it sees each
//! script as a [`CodeMigration`], made by [`PythonInterpreter`] through the
//! [`ScriptInterpreter`] seam.
//!
//! ```no_run
//! # fn f() -> Result<(), migrate_core::Error> {
//! let repo = migrate_core::Repository::open("migrate_repo")?
//!     .with_interpreter(&migrate_python::PythonInterpreter::new(vec![]))?;
//! # Ok(()) }
//! ```

mod builtins;
mod error;
mod eval;
mod methods;
mod modules;
mod pickle;
mod source;
mod value;
mod vocabulary;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use migrate_core::code::{CodeMigration, ScriptInterpreter};
use migrate_core::repository::ScriptFile;
use migrate_core::script::ScriptError;
use migrate_core::session::Session;
use migrate_core::{Error, Version};

pub use error::Exc;

use eval::Interp;
use modules::PathImporter;
use source::Source;
use value::Args;

/// Turns `.py` scripts into migrations, importing application modules from `path`.
#[derive(Debug, Clone, Default)]
pub struct PythonInterpreter {
    path: Vec<PathBuf>,
}

impl PythonInterpreter {
    /// An interpreter whose `import` looks for application modules under `path`, in order.
    pub fn new(path: Vec<PathBuf>) -> PythonInterpreter {
        PythonInterpreter { path }
    }
}

impl ScriptInterpreter for PythonInterpreter {
    fn load(&self, file: &ScriptFile, text: &str) -> Arc<dyn CodeMigration> {
        let parse_error = stacker::grow(STACK, || Source::parse(&file.path, text).err());
        Arc::new(PythonMigration {
            path: file.path.clone(),
            version: file.version,
            description: file.file_name(),
            text: text.to_string(),
            parse_error,
            search_path: self.path.clone(),
        })
    }
}

/// One `.py` version script.
struct PythonMigration {
    path: PathBuf,
    version: Version,
    description: String,
    text: String,
    /// Why the script does not parse: reported before any step of a walk runs.
    parse_error: Option<Exc>,
    search_path: Vec<PathBuf>,
}

impl PythonMigration {
    fn run(&self, function: &str, session: &mut Session<'_>) -> Result<(), Error> {
        let dialect = session.dialect().name();
        let source =
            Source::parse(&self.path, &self.text).map_err(|e| to_script_error(&self.path, e))?;
        let schema_before = session.schema().clone();
        let importer = PathImporter {
            path: self.search_path.clone(),
        };
        let (logged, writes) = {
            let mut interp = Interp::new(Some(&mut *session), &importer);
            let run = |interp: &mut Interp<'_, '_>| -> Result<(), Exc> {
                let globals = interp.run_module(&source, "migration")?;
                let f = globals.borrow().get(function).cloned();
                let Some(f) = f else {
                    return Err(Exc::new(
                        "AttributeError",
                        format!("the script has no {function}() function"),
                    ));
                };
                interp.call(&f, Args::positional(vec![vocabulary::engine(dialect)]))?;
                // Tables whose drop waited for the tables referencing them to go first.
                for table in std::mem::take(&mut interp.deferred_drops) {
                    interp
                        .session()?
                        .drop_table(&table)
                        .map_err(vocabulary::db_error)?;
                }
                if let Some(what) = interp.rollback_requested.take() {
                    return Err(Exc::new(
                        "RuntimeError",
                        format!(
                            "the script called {what}: the version is one transaction, so it is \
                             rolled back whole and not recorded"
                        ),
                    ));
                }
                Ok(())
            };
            // A failure at run time is reported as the step's failure, whose remedy is about
            // the step: the script's remedy goes into the message.
            run(&mut interp).map_err(|mut e| {
                if let Some(help) = e.help.take() {
                    e.message = format!("{} ({help})", e.message);
                }
                to_script_error(&self.path, e)
            })?;
            (std::mem::take(&mut interp.logged), interp.writes)
        };
        // sqlalchemy-migrate recorded version 0 over a full schema when a downgrade only
        // logged (seed 001's "Downgrade from initial Cinder install is unsupported."): a
        // downgrade that leaves the schema as it was, of an upgrade that does something, is
        // refused with what it said.
        if function == "downgrade"
            && writes == 0
            && session.schema() == &schema_before
            && source::does_work(&source, "upgrade")
        {
            let said = logged
                .last()
                .map_or_else(String::new, |m| format!(": it says \"{m}\""));
            let line = source::line_of_function(&source, "downgrade").unwrap_or(1);
            return Err(ScriptError::Interpreted {
                path: self.path.clone(),
                line,
                message: format!(
                    "the downgrade changes nothing, though the upgrade does{said}; the version is \
                     kept rather than recorded as undone"
                ),
                help: Some(
                    "write a downgrade that undoes the upgrade, or leave the database at this \
                     version"
                        .into(),
                ),
            }
            .into());
        }
        Ok(())
    }
}

impl CodeMigration for PythonMigration {
    fn version(&self) -> Version {
        self.version
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn upgrade(&self, session: &mut Session<'_>) -> Result<(), Error> {
        stacker::grow(STACK, || self.run("upgrade", session))
    }
    fn downgrade(&self, session: &mut Session<'_>) -> Result<(), Error> {
        stacker::grow(STACK, || self.run("downgrade", session))
    }
    fn check(&self) -> Result<(), ScriptError> {
        match &self.parse_error {
            Some(e) => Err(to_script_error(&self.path, e.clone())),
            None => Ok(()),
        }
    }
    fn source(&self) -> Option<&str> {
        Some(&self.text)
    }
}

/// Parses `text` and runs its module-level code without a database, for at most `steps`
/// statements: what a fuzzer drives. An exception the script raises, or a construct outside
/// the subset, comes back as `Err` with its `file:line` message; nothing panics.
///
/// # Errors
/// The script's error.
pub fn run_module_text(text: &str, steps: u64) -> Result<(), String> {
    stacker::grow(STACK, || run_module_text_here(text, steps))
}

fn run_module_text_here(text: &str, steps: u64) -> Result<(), String> {
    let path = Path::new("fuzz.py");
    let source = Source::parse(path, text).map_err(|e| to_script_error(path, e).to_string())?;
    let importer = PathImporter { path: Vec::new() };
    let mut interp = Interp::new(None, &importer);
    interp.steps_left = Some(steps);
    let globals = interp
        .run_module(&source, "fuzz")
        .map_err(|e| to_script_error(path, e).to_string())?;
    // The migration functions too, as far as they go without a database.
    for name in ["upgrade", "downgrade"] {
        let f = globals.borrow().get(name).cloned();
        if let Some(f) = f {
            interp
                .call(&f, Args::positional(vec![vocabulary::engine("sqlite")]))
                .map_err(|e| to_script_error(path, e).to_string())?;
        }
    }
    Ok(())
}

/// The stack the interpreter runs on: its limits (200 nested calls, 200 nested expressions,
/// the parser's own nesting) fit in it in a debug build.
const STACK: usize = 256 * 1024 * 1024;

/// An exception that escaped the script, as the error migrate reports: the file and line
/// where it was raised (an imported module's, if there), the exception, and the remedy.
fn to_script_error(script: &Path, e: Exc) -> ScriptError {
    let path = e
        .file
        .as_ref()
        .map_or_else(|| script.to_path_buf(), PathBuf::from);
    ScriptError::Interpreted {
        path,
        line: e.line.unwrap_or(1),
        message: e.to_string(),
        help: e.help.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::run_module_text;

    fn run(text: &str) -> Result<(), String> {
        // The test harness's 2 MiB threads: what the fuzz targets run on.
        let text = text.to_string();
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || run_module_text(&text, 1_000_000))
            .expect("thread")
            .join()
            .expect("no panic")
    }

    #[test]
    fn deep_recursion_is_an_error() {
        let deep = run("def f(n):\n    return f(n + 1)\n\nf(0)\n").unwrap_err();
        assert!(deep.contains("RecursionError"), "{deep}");
    }

    #[test]
    fn nested_brackets_are_an_error() {
        // Parentheses alone are no nesting in the tree; lists are.
        let parens = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(run(&parens), Ok(()));
        let lists = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        let err = run(&lists).unwrap_err();
        assert!(err.contains("RecursionError"), "{err}");
    }

    #[test]
    fn runaway_values_and_loops_are_errors() {
        let big = run("x = 'a' * 10 ** 12\n").unwrap_err();
        assert!(big.contains("MemoryError"), "{big}");
        let cyclic = run("a = []\na.append(a)\nb = str(a)\nc = a == a\n");
        assert!(cyclic.is_ok(), "{cyclic:?}");
        let slow = run("while True:\n    pass\n").unwrap_err();
        assert!(slow.contains("TimeoutError"), "{slow}");
        let comp = run("x = [i for i in range(10 ** 6) for j in range(10 ** 6)]\n").unwrap_err();
        assert!(comp.contains("TimeoutError"), "{comp}");
    }
}

#[cfg(test)]
mod memory {
    use super::run_module_text;

    /// A function keeps its module's globals, which hold it: without emptying the scopes at
    /// the end of a run, every script with a `def` leaked its whole module.
    #[test]
    fn runs_do_not_leak_their_scopes() {
        let text = "big = 'x' * 1000000\n\ndef f():\n    return big\n\nclass C(object):\n    def m(self):\n        self.me = self\n\nC().m()\n";
        for _ in 0..200 {
            run_module_text(text, 10_000).unwrap();
        }
        // 200 leaked megabytes would show in the process's resident size.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let rss_kib: u64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            rss_kib < 150 * 1024,
            "resident {rss_kib} KiB after 200 runs"
        );
    }
}
