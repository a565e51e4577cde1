//! `migrate.cfg`: sqlalchemy-migrate's INI file, section `[db_settings]`.
//!
//! Keys: `repository_id`, `version_table`, `required_dbs` (a Python list literal) and
//! `use_timestamp_numbering` (a Python boolean). Unknown keys and sections are kept in the
//! file and ignored, so a configuration written by the Python tool reads unchanged.

use std::fmt;
use std::path::Path;

use super::{RepoError, ini};

/// The name a repository is known by in the version table (`repository_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepositoryId(String);

impl RepositoryId {
    /// Wraps a name; the version table limits it to 250 characters.
    pub fn new(name: impl Into<String>) -> RepositoryId {
        RepositoryId(name.into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RepositoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The version table's name (`version_table`, default `migrate_version`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName(String);

impl TableName {
    /// Wraps a table name (unquoted; the dialect quotes it).
    pub fn new(name: impl Into<String>) -> TableName {
        TableName(name.into())
    }

    /// The unquoted name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TableName {
    fn default() -> Self {
        TableName::new("migrate_version")
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the step journal is kept (`journal_table`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JournalTable {
    /// The key is absent: `<version_table>_journal`.
    #[default]
    BesideVersionTable,
    /// `journal_table = NAME`.
    Named(TableName),
    /// `journal_table =` (empty): no journal, so the database holds only the tables
    /// sqlalchemy-migrate made. Nothing records checksums, who ran what, or where a failed
    /// MySQL step stopped.
    Off,
}

/// A repository's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Identifies the repository's row in the version table.
    pub repository_id: RepositoryId,
    /// The version table's name.
    pub version_table: TableName,
    /// Where the step journal is kept.
    pub journal_table: JournalTable,
    /// Databases every script must support (sqlalchemy-migrate kept but never enforced this).
    pub required_dbs: Vec<String>,
    /// New versions are numbered by UTC time (`YYYYMMDDHHMMSS`) instead of latest + 1.
    pub use_timestamp_numbering: bool,
    /// Where Python scripts' application modules are (`python_path`, directories separated
    /// by ':', relative to the repository).
    pub python_path: Vec<String>,
}

const SECTION: &str = "db_settings";

impl Config {
    /// A configuration for a new repository.
    pub fn new(repository_id: RepositoryId) -> Config {
        Config {
            repository_id,
            version_table: TableName::default(),
            journal_table: JournalTable::BesideVersionTable,
            python_path: Vec::new(),
            required_dbs: Vec::new(),
            use_timestamp_numbering: false,
        }
    }

    /// Reads `migrate.cfg` text; `path` is only for messages.
    ///
    /// # Errors
    /// [`RepoError::Config`] naming the file and line for INI syntax errors, a missing
    /// section or `repository_id`, a key or section given twice, or a value of the wrong shape.
    pub fn parse(text: &str, path: &Path) -> Result<Config, RepoError> {
        let err = |line: Option<usize>, message: String| RepoError::Config {
            path: path.to_path_buf(),
            line,
            message,
        };
        // Windows editors start UTF-8 files with a byte-order mark; Python's reader skips it
        // with encoding utf-8-sig, and the first section header must not carry it.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let ini = ini::parse(text).map_err(|e| err(Some(e.line), e.message))?;
        if !ini.has_section(SECTION) {
            return Err(err(None, format!("no [{SECTION}] section")));
        }
        let get = |key: &str| -> Result<Option<String>, RepoError> {
            ini.get(SECTION, key)
                .transpose()
                .map_err(|(line, message)| err(Some(line), message))
        };
        let line_of = |key: &str| ini.line_of(SECTION, key);
        // ConfigParser joins indented lines to the value above; in a name that is a mistake
        // (a stray indent), never a name the database should be given.
        let get = |key: &str| -> Result<Option<String>, RepoError> {
            let value = get(key)?;
            if key != "required_dbs" && value.as_deref().is_some_and(|v| v.contains('\n')) {
                return Err(err(
                    line_of(key),
                    format!("{key} spans several lines (is the line after it indented?)"),
                ));
            }
            Ok(value)
        };
        let repository_id = get("repository_id")?
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| err(None, "no repository_id in [db_settings]".to_string()))?;
        if repository_id.chars().count() > 250 {
            return Err(err(
                line_of("repository_id"),
                "repository_id is longer than 250 characters".to_string(),
            ));
        }
        let version_table = match get("version_table")?.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => TableName::new(v),
            _ => TableName::default(),
        };
        let journal_table = match get("journal_table")?.as_deref().map(str::trim) {
            None => JournalTable::BesideVersionTable,
            Some("") => JournalTable::Off,
            Some(v) => JournalTable::Named(TableName::new(v)),
        };
        let required_dbs = match get("required_dbs")? {
            Some(v) => parse_list(&v).map_err(|m| err(line_of("required_dbs"), m))?,
            None => Vec::new(),
        };
        let use_timestamp_numbering = match get("use_timestamp_numbering")? {
            Some(v) => parse_bool(&v).map_err(|m| err(line_of("use_timestamp_numbering"), m))?,
            None => false,
        };
        let python_path = get("python_path")?
            .map(|v| {
                v.split(':')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Config {
            repository_id: RepositoryId::new(repository_id),
            version_table,
            journal_table,
            python_path,
            required_dbs,
            use_timestamp_numbering,
        })
    }

    /// Refuses settings that the file [`Config::render`] writes would not give back: a name
    /// that is empty, spans lines, or starts or ends with what Python's `str.strip` removes.
    ///
    /// # Errors
    /// What is wrong, naming the key.
    pub fn check_writable(&self) -> Result<(), String> {
        let journal = match &self.journal_table {
            JournalTable::Named(t) => Some(t.as_str()),
            _ => None,
        };
        let names = [
            ("repository_id", Some(self.repository_id.as_str())),
            ("version_table", Some(self.version_table.as_str())),
            ("journal_table", journal),
        ];
        for (key, value) in names {
            let Some(value) = value else { continue };
            if value.is_empty() || value.contains(['\n', '\r']) || ini::strip(value) != value {
                return Err(format!(
                    "{key} {value:?} cannot be written to migrate.cfg: it is empty, spans lines, \
                     or starts or ends with whitespace"
                ));
            }
        }
        Ok(())
    }

    /// The journal's table, or `None` when the journal is off.
    pub fn journal_table(&self) -> Option<TableName> {
        match &self.journal_table {
            JournalTable::BesideVersionTable => Some(TableName::new(format!(
                "{}_journal",
                self.version_table.as_str()
            ))),
            JournalTable::Named(name) => Some(name.clone()),
            JournalTable::Off => None,
        }
    }

    /// The lease lock's table (`<version_table>_lock`), made only where a run takes that lock.
    pub fn lock_table(&self) -> TableName {
        TableName::new(format!("{}_lock", self.version_table.as_str()))
    }

    /// The file text for a new repository, each key with a comment saying what it does.
    pub fn render(&self) -> String {
        let dbs: Vec<String> = self.required_dbs.iter().map(|d| format!("'{d}'")).collect();
        format!(
            "[db_settings]\n\
             # Used to identify which repository this database is versioned under.\n\
             # You can use the name of your project.\n\
             repository_id={}\n\
             \n\
             # The name of the database table used to track the schema version.\n\
             # This name shouldn't already be used by your project.\n\
             # If this is changed once a database is under version control, you'll need to\n\
             # change the table name in each database too.\n\
             version_table={}\n\
             \n\
             # Databases every script of this repository must support, e.g. ['postgresql','sqlite'].\n\
             # This must be a list.\n\
             required_dbs=[{}]\n\
             \n\
             # When creating new change scripts, migrate will stamp the new script with\n\
             # a version number. By default this is latest_version + 1. You can set this\n\
             # to 'true' to tag your scripts with the current time in UTC (YYYYMMDDHHMMSS).\n\
             use_timestamp_numbering={}\n\
             \n\
             # migrate's step journal (what ran, when, by whom, with which checksums) is kept\n\
             # in <version_table>_journal unless this names another table. Set it empty to keep\n\
             # no journal, so the database holds only the tables sqlalchemy-migrate made; then\n\
             # nothing records checksums or where a failed MySQL step stopped.\n\
             {}\n{}",
            ini::escape(self.repository_id.as_str()),
            ini::escape(self.version_table.as_str()),
            dbs.join(","),
            if self.use_timestamp_numbering {
                "True"
            } else {
                "False"
            },
            match &self.journal_table {
                JournalTable::BesideVersionTable => "# journal_table =".to_string(),
                JournalTable::Named(name) =>
                    format!("journal_table={}", ini::escape(name.as_str())),
                JournalTable::Off => "journal_table=".to_string(),
            },
            if self.python_path.is_empty() {
                String::new()
            } else {
                format!(
                    "\n# Where Python scripts find the application modules they import,\n\
                     # relative to this directory, separated by ':'.\npython_path={}\n",
                    ini::escape(&self.python_path.join(":"))
                )
            },
        )
    }
}

/// Python's `ConfigParser.getboolean` words.
fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" | "" => Ok(false),
        other => Err(format!(
            "use_timestamp_numbering must be true or false, not '{other}'"
        )),
    }
}

/// A Python list literal of strings, as sqlalchemy-migrate wrote it: `[]`, `['postgres','sqlite']`.
fn parse_list(value: &str) -> Result<Vec<String>, String> {
    let v = value.trim();
    let inner = v
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or_else(|| {
            format!("required_dbs must be a list such as ['postgresql','sqlite'], not '{v}'")
        })?;
    let mut names = Vec::new();
    for item in inner.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        // 'name', "name" or a bare name; a database name holds no quote, bracket or space.
        let name = ['\'', '"']
            .iter()
            .find_map(|q| item.strip_prefix(*q).and_then(|i| i.strip_suffix(*q)))
            .unwrap_or(item);
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'));
        if !plain {
            return Err(format!(
                "required_dbs holds {item}, which is not a database name such as 'postgresql'"
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_sqlalchemy_migrate_wrote() {
        let text = "[db_settings]\n# Used to identify\nrepository_id=heat\n\nversion_table=migrate_version\n\n# This must be a list; example: ['postgres','sqlite']\nrequired_dbs=[]\n\nuse_timestamp_numbering=False\nextra=kept\n[other]\nx=1\n";
        let c = Config::parse(text, Path::new("migrate.cfg")).unwrap();
        assert_eq!(c.repository_id.as_str(), "heat");
        assert_eq!(c.version_table.as_str(), "migrate_version");
        assert!(c.required_dbs.is_empty());
        assert!(!c.use_timestamp_numbering);
    }

    #[test]
    fn round_trips_its_own_rendering() {
        let mut c = Config::new(RepositoryId::new("sample"));
        c.required_dbs = vec!["postgresql".into(), "sqlite".into()];
        c.use_timestamp_numbering = true;
        c.version_table = TableName::new("my_versions");
        assert_eq!(Config::parse(&c.render(), Path::new("m.cfg")).unwrap(), c);
        for journal in [
            JournalTable::Off,
            JournalTable::Named(TableName::new("steps")),
        ] {
            c.journal_table = journal;
            assert_eq!(Config::parse(&c.render(), Path::new("m.cfg")).unwrap(), c);
        }
    }

    #[test]
    fn bad_values_name_file_and_line() {
        let text = "[db_settings]\nrepository_id=x\nuse_timestamp_numbering=maybe\n";
        let err = Config::parse(text, Path::new("repo/migrate.cfg")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "repo/migrate.cfg:3: use_timestamp_numbering must be true or false, not 'maybe'"
        );
        let err = Config::parse("[other]\n", Path::new("m.cfg")).unwrap_err();
        assert_eq!(err.to_string(), "m.cfg: no [db_settings] section");
        let err = Config::parse(
            "[db_settings]\nrepository_id=x\nrepository_id=y\n",
            Path::new("m.cfg"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.cfg:3: key 'repository_id' is given twice in [db_settings]"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let c = Config::parse(
            "\u{feff}[db_settings]\nrepository_id=x\n",
            Path::new("m.cfg"),
        )
        .unwrap();
        assert_eq!(c.repository_id.as_str(), "x");
    }
}
