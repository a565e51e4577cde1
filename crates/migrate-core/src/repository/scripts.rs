//! Script file names in `versions/`, and which script of a version runs on which database.
//!
//! Names follow sqlalchemy-migrate: `NNN_<description>_<dbms>_<upgrade|downgrade>.sql`,
//! `NNN_<description>.py`; ours add `NNN_<description>.toml` (portable). Helper files the
//! Python tool left (`__init__.py`, `*.pyc`, `__pycache__`) are ignored.

use std::path::{Path, PathBuf};

use crate::dialect::Dialect;
use crate::version::{Direction, Version};

/// The `<dbms>` word of a SQL script name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dbms {
    /// `default`: any database without a more specific script.
    Default,
    /// A database name, canonical (`postgres` is stored as `postgresql`, `mariadb` as `mysql`).
    Named(String),
}

impl Dbms {
    /// Parses a `<dbms>` word. Databases sqlalchemy-migrate knew but migrate does not run
    /// (`oracle`, `mssql`…) are accepted, so such repositories open, and never selected.
    pub fn parse(word: &str) -> Option<Dbms> {
        let w = word.to_ascii_lowercase();
        match w.as_str() {
            "default" => Some(Dbms::Default),
            "postgres" | "postgresql" => Some(Dbms::Named("postgresql".into())),
            "mysql" | "mariadb" => Some(Dbms::Named("mysql".into())),
            "sqlite" | "oracle" | "mssql" | "firebird" | "sybase" | "drizzle" | "ibm_db_sa"
            | "access" | "informix" | "maxdb" => Some(Dbms::Named(w)),
            _ => None,
        }
    }

    /// The word as it appears in file names.
    pub fn as_str(&self) -> &str {
        match self {
            Dbms::Default => "default",
            Dbms::Named(n) => n,
        }
    }

    fn targets(&self, dialect: &dyn Dialect) -> bool {
        match self {
            Dbms::Default => false,
            Dbms::Named(n) => dialect.script_names().contains(&n.as_str()),
        }
    }
}

/// What kind of script a file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptKind {
    /// A SQL file for one database (or `default`) and one direction.
    Sql {
        /// The database it targets.
        dbms: Dbms,
        /// Upgrade or downgrade.
        direction: Direction,
    },
    /// A portable TOML script holding both directions.
    Portable,
    /// A legacy sqlalchemy-migrate Python script: recognised, never executed.
    Python,
    /// A migration written in Rust and registered with the repository.
    Code(crate::code::CodeScript),
}

/// One script file of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptFile {
    /// Its path (for an embedded repository, the path it was embedded from).
    pub path: PathBuf,
    /// The version it belongs to.
    pub version: Version,
    /// What it is.
    pub kind: ScriptKind,
    /// Its text, when the repository was compiled into the program.
    pub embedded: Option<&'static str>,
}

impl ScriptFile {
    /// Its text: embedded, or read from disk now.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn read(&self) -> std::io::Result<String> {
        match self.embedded {
            Some(text) => Ok(text.to_string()),
            None => read_text_file(&self.path),
        }
    }

    /// The file name, for messages.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Reads a script, model or configuration file: a regular file of at most
/// [`MAX_SCRIPT_BYTES`]. A FIFO would block the open and a device (/dev/zero) never end.
///
/// # Errors
/// The OS error, or one saying the file is not regular or is too large.
pub fn read_text_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    if meta.len() > MAX_SCRIPT_BYTES {
        return Err(too_large());
    }
    // Room reserved up front: scripts are small, and a no-op upgrade reads every applied one.
    let mut text = String::with_capacity(4096);
    std::fs::File::open(path)?
        .take(MAX_SCRIPT_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_SCRIPT_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

/// The largest script read, 64 MiB: far above any migration, far below exhausting memory.
pub const MAX_SCRIPT_BYTES: u64 = 64 << 20;

fn too_large() -> std::io::Error {
    std::io::Error::other(format!(
        "it is larger than {} MiB, the limit for a script",
        MAX_SCRIPT_BYTES >> 20
    ))
}

/// The outcome of reading one directory entry's name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NameParse {
    /// Not a script (helper files, READMEs, editor backups).
    Ignored,
    /// A script of this version and kind.
    Script(Version, ScriptKind),
    /// Looks like a script but cannot be one; the reason.
    Invalid(String),
}

/// Classifies a file name found in `versions/`.
///
/// sqlalchemy-migrate skipped `__init__.py`, compiled Python and any name that did not match;
/// we skip the first two, dotfiles, backups and other files (a README), but a `.sql`, `.toml`
/// or `.py` file without a version number (`-1_x.sql`, `abc_x.sql`) is an error: it was
/// surely meant as a script, and skipping it would silently skip a migration.
pub(crate) fn parse_name(name: &str) -> NameParse {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let helper = name == "__init__.py" || name.starts_with('.');
    if helper || name.ends_with(".pyc") || name.ends_with(".pyo") || name.ends_with('~') {
        return NameParse::Ignored;
    }
    if digits == 0 {
        return if [".sql", ".toml", ".py"].iter().any(|e| name.ends_with(e)) {
            NameParse::Invalid("it does not start with a version number (NNN_description…)".into())
        } else {
            NameParse::Ignored
        };
    }
    let Ok(number) = name[..digits].parse::<u64>() else {
        return NameParse::Invalid("the version number is too large".into());
    };
    let version = Version::new(number);
    if number == 0 {
        return NameParse::Invalid("versions start at 1; 0 is the empty database".into());
    }
    let rest = &name[digits..];
    if !rest.starts_with(['_', '.']) {
        return NameParse::Invalid(
            "expected an underscore after the version number (NNN_description…)".into(),
        );
    }
    let rest = rest.trim_start_matches('_');
    let Some((stem, extension)) = rest.rsplit_once('.') else {
        return NameParse::Invalid("it has no extension (.sql, .toml or .py)".into());
    };
    match extension {
        "toml" => NameParse::Script(version, ScriptKind::Portable),
        "py" => NameParse::Script(version, ScriptKind::Python),
        "sql" => parse_sql_stem(version, stem),
        other => NameParse::Invalid(format!(
            "'.{other}' is not a script extension (.sql, .toml or .py)"
        )),
    }
}

fn parse_sql_stem(version: Version, stem: &str) -> NameParse {
    let expected = "SQL scripts are named NNN_<description>_<dbms>_<upgrade|downgrade>.sql";
    let (before, op) = stem.rsplit_once('_').unwrap_or(("", stem));
    let direction = match op.to_ascii_lowercase().as_str() {
        "upgrade" => Direction::Upgrade,
        "downgrade" => Direction::Downgrade,
        _ => return NameParse::Invalid(format!("{expected}; '{op}' is not upgrade or downgrade")),
    };
    // `ibm_db_sa` is the one dbms word with underscores, as sqlalchemy-migrate special-cased.
    let dbms_word = if before.ends_with("ibm_db_sa") {
        "ibm_db_sa"
    } else {
        before.rsplit('_').next().unwrap_or_default()
    };
    match Dbms::parse(dbms_word) {
        Some(dbms) => NameParse::Script(version, ScriptKind::Sql { dbms, direction }),
        None => NameParse::Invalid(format!(
            "{expected}; '{dbms_word}' is not a database (sqlite, postgresql, mysql or default)"
        )),
    }
}

/// Every script file of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// The version number.
    pub version: Version,
    /// Its files, in name order.
    pub files: Vec<ScriptFile>,
}

/// Which script a step runs, once the database and direction are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection<'a> {
    /// A file that migrate runs.
    Run(&'a ScriptFile),
    /// Only a Python script exists for this step.
    PythonOnly(&'a ScriptFile),
    /// Nothing exists for this step.
    Missing,
}

impl VersionEntry {
    /// The script to run for `direction` on `dialect`: the database's own SQL script, else the
    /// `default` one, else the portable script; sqlalchemy-migrate's order, with ours added.
    pub fn select(&self, dialect: &dyn Dialect, direction: Direction) -> Selection<'_> {
        let sql = |want: &dyn Fn(&Dbms) -> bool| {
            self.files.iter().find(|f| {
                matches!(&f.kind, ScriptKind::Sql { dbms, direction: d } if *d == direction && want(dbms))
            })
        };
        if let Some(f) = sql(&|d| d.targets(dialect)).or_else(|| sql(&|d| *d == Dbms::Default)) {
            return Selection::Run(f);
        }
        let portable_or_code =
            |f: &&ScriptFile| matches!(f.kind, ScriptKind::Portable | ScriptKind::Code(_));
        if let Some(f) = self.files.iter().find(portable_or_code) {
            return Selection::Run(f);
        }
        match self.files.iter().find(|f| f.kind == ScriptKind::Python) {
            Some(f) => Selection::PythonOnly(f),
            None => Selection::Missing,
        }
    }

    /// Two files that cannot both belong to this version, if any: two scripts for the same
    /// database and direction, two portable or Python scripts, or SQL mixed with portable.
    pub(crate) fn conflict(&self) -> Option<(&ScriptFile, &ScriptFile, String)> {
        for (i, a) in self.files.iter().enumerate() {
            for b in &self.files[i + 1..] {
                if let Some(what) = clash(&a.kind, &b.kind) {
                    return Some((a, b, what));
                }
            }
        }
        None
    }
}

impl VersionEntry {
    /// The first of the version's files a new script of `kind` would clash with, and how.
    pub(crate) fn clash_with(&self, kind: &ScriptKind) -> Option<(&ScriptFile, String)> {
        self.files
            .iter()
            .find_map(|f| clash(&f.kind, kind).map(|what| (f, what)))
    }
}

fn clash(a: &ScriptKind, b: &ScriptKind) -> Option<String> {
    use ScriptKind::*;
    match (a, b) {
        (
            Sql {
                dbms: d1,
                direction: r1,
            },
            Sql {
                dbms: d2,
                direction: r2,
            },
        ) if d1 == d2 && r1 == r2 => Some(format!("for {} {}", d1.as_str(), r1)),
        (Portable, Portable) => Some("as its portable script".into()),
        (Python, Python) => Some("as its Python script".into()),
        (Code(_), _) | (_, Code(_)) => Some("with a code migration and another script".into()),
        (Portable, Sql { .. }) | (Sql { .. }, Portable) => {
            Some("with both a portable script and SQL scripts".into())
        }
        // Beside a Python script, a portable one would win everywhere and the Python
        // script would never run. SQL scripts beside it are sqlalchemy-migrate's way of
        // overriding it for one database, and stay allowed.
        (Portable, Python) | (Python, Portable) => {
            Some("with both a Python script and a portable script".into())
        }
        _ => None,
    }
}

/// Turns a description into the part of a file name sqlalchemy-migrate would write.
pub fn description_to_file_part(description: &str) -> String {
    let mut out = String::new();
    for c in description.trim().chars() {
        let c = if c.is_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Path of a file in `dir`.
pub(crate) fn script_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MYSQL, POSTGRES, SQLITE};

    fn sql(dbms: &str, direction: Direction) -> ScriptKind {
        ScriptKind::Sql {
            dbms: Dbms::parse(dbms).unwrap(),
            direction,
        }
    }

    #[test]
    fn names_are_classified() {
        let v1 = Version::new(1);
        assert_eq!(parse_name("__init__.py"), NameParse::Ignored);
        assert_eq!(parse_name("001_add_books_table.pyc"), NameParse::Ignored);
        assert_eq!(parse_name("README"), NameParse::Ignored);
        assert_eq!(
            parse_name("001_add_books_table_postgres_upgrade.sql"),
            NameParse::Script(v1, sql("postgresql", Direction::Upgrade))
        );
        assert_eq!(
            parse_name("001_sqlite_downgrade.sql"),
            NameParse::Script(v1, sql("sqlite", Direction::Downgrade))
        );
        assert_eq!(
            parse_name("001_add_books_table.py"),
            NameParse::Script(v1, ScriptKind::Python)
        );
        assert_eq!(
            parse_name("012_x.toml"),
            NameParse::Script(Version::new(12), ScriptKind::Portable)
        );
        assert!(
            matches!(parse_name("001_x_oracel_upgrade.sql"), NameParse::Invalid(r) if r.contains("'oracel'"))
        );
        assert!(
            matches!(parse_name("001_x_sqlite_up.sql"), NameParse::Invalid(r) if r.contains("'up'"))
        );
        assert!(matches!(parse_name("001_notes.txt"), NameParse::Invalid(_)));
        assert!(matches!(parse_name("001add.sql"), NameParse::Invalid(_)));
        assert!(matches!(parse_name("000_x.toml"), NameParse::Invalid(_)));
    }

    #[test]
    fn specific_script_wins_over_default_then_portable() {
        let file = |name: &str, kind| ScriptFile {
            embedded: None,
            path: name.into(),
            version: Version::new(1),
            kind,
        };
        let entry = VersionEntry {
            version: Version::new(1),
            files: vec![
                file("a", sql("default", Direction::Upgrade)),
                file("b", sql("postgres", Direction::Upgrade)),
                file("c", sql("mariadb", Direction::Upgrade)),
            ],
        };
        let pick = |d: &dyn Dialect| match entry.select(d, Direction::Upgrade) {
            Selection::Run(f) => f.path.to_string_lossy().into_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(pick(&POSTGRES), "b");
        assert_eq!(pick(&MYSQL), "c");
        assert_eq!(pick(&SQLITE), "a");
        assert_eq!(
            entry.select(&SQLITE, Direction::Downgrade),
            Selection::Missing
        );
    }

    #[test]
    fn descriptions_become_file_names() {
        assert_eq!(
            description_to_file_part("add books table"),
            "add_books_table"
        );
        assert_eq!(
            description_to_file_part("  Add 'isbn' column!  "),
            "add_isbn_column"
        );
    }
}
