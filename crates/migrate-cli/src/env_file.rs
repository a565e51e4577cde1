//! `.env` in the working directory, loaded as sqlx loads it (with `dotenvy`) before the
//! command line is parsed, so `DATABASE_URL`, `MIGRATE_URL`, `MIGRATE_REPOSITORY` and
//! `MIGRATE_PYTHONPATH` may come from it. A variable already set in the environment wins.
//!
//! Only the working directory is read, not its parents (dotenvy's `dotenv()` climbs to the
//! root): a command run in a subdirectory of a project, or in a scratch directory, must not
//! pick up some other project's database.
//!
//! A malformed file is an error naming the file and line, never showing the line: a `.env`
//! holds passwords, and dotenvy's own message quotes the line it could not parse.

use std::path::{Path, PathBuf};

/// Why `.env` could not be loaded.
#[derive(Debug)]
pub struct EnvFileError {
    path: PathBuf,
    problem: Problem,
}

#[derive(Debug)]
enum Problem {
    /// A line that is not `KEY=VALUE`, or a quote never closed; its number when found.
    Malformed(Option<usize>),
    /// The file exists but cannot be read (a directory, no permission, not UTF-8).
    Unreadable(std::io::Error),
}

impl EnvFileError {
    /// The message: the file and the line, never the line's text.
    pub fn message(&self) -> String {
        let path = self.path.display();
        match &self.problem {
            Problem::Malformed(Some(line)) => {
                format!("cannot load '{path}': line {line} is not KEY=VALUE")
            }
            Problem::Malformed(None) => format!("cannot load '{path}': a line is not KEY=VALUE"),
            Problem::Unreadable(e) => format!("cannot read '{path}': {e}"),
        }
    }

    /// The remedy.
    pub fn help(&self) -> &'static str {
        match self.problem {
            Problem::Malformed(_) => {
                "quote a value holding spaces ('…' keeps '$' and '\\' as they are) and close \
                 every quote; the line is not shown, as it may hold a password"
            }
            Problem::Unreadable(_) => "make .env a readable UTF-8 file, or remove it",
        }
    }
}

/// Loads the file at `path` (`.env`) into the environment, if there is one.
///
/// # Errors
/// [`EnvFileError`] for a file that cannot be read or parsed.
pub fn load(path: &Path) -> Result<(), EnvFileError> {
    let fail = |problem| EnvFileError {
        path: path.to_path_buf(),
        problem,
    };
    match dotenvy::from_path(path) {
        Ok(()) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(dotenvy::Error::Io(e)) => Err(fail(Problem::Unreadable(e))),
        // `LineParse` holds the text that failed (the line, or its value); other errors
        // are not expected from loading, and are reported without their text likewise.
        Err(dotenvy::Error::LineParse(text, _)) => {
            Err(fail(Problem::Malformed(line_of(path, &text))))
        }
        Err(_) => Err(fail(Problem::Malformed(None))),
    }
}

/// The number of the line where `text` starts in the file.
fn line_of(path: &Path, text: &str) -> Option<usize> {
    let content = std::fs::read_to_string(path).ok()?;
    let at = content.find(text.trim_end())?;
    Some(content[..at].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_named_and_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "# settings\nMIGRATE_ENV_FILE_TEST_OK=1\n\nMIGRATE_ENV_FILE_TEST=postgresql://app:hunter2@db/app extra\n",
        )
        .unwrap();
        let err = load(&dir.path().join(".env")).unwrap_err();
        let shown = format!("{} {}", err.message(), err.help());
        assert!(shown.contains("line 4 is not KEY=VALUE"), "{shown}");
        assert!(shown.contains(".env'"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn no_file_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&dir.path().join(".env")).is_ok());
    }
}
