//! A repository on disk: `migrate.cfg`, `versions/` and its scripts.
//!
//! Opening reads the configuration and the *names* in `versions/` (never script contents),
//! and validates them: unparseable names and two scripts for one version and direction are
//! errors naming the files. A sequential history may start above 1 (a squashed history, such
//! as Heat's, which starts at 028): the versions below its first are "before this history".
//! Holes are allowed on disk; a walk that would cross one is refused by `plan`. Nothing here
//! touches a database.

mod config;
mod ini;
mod python_source;
mod scripts;
mod templates;

pub use templates::python_launcher;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use config::{Config, JournalTable, RepositoryId, TableName};
pub use python_source::function_source;
pub use scripts::{
    Dbms, MAX_SCRIPT_BYTES, ScriptFile, ScriptKind, Selection, VersionEntry,
    description_to_file_part, read_text_file,
};

use crate::version::{Direction, Version};
use scripts::NameParse;

/// The configuration file's name.
pub const CONFIG_FILE: &str = "migrate.cfg";
/// The scripts directory's name.
pub const VERSIONS_DIR: &str = "versions";

/// What can be wrong with a repository on disk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// The path does not exist.
    #[error("repository '{path}' does not exist")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The path exists but has no `migrate.cfg`.
    #[error("'{path}' is not a repository: it has no migrate.cfg")]
    NotARepository {
        /// The path given.
        path: PathBuf,
    },
    /// `create` onto an existing path.
    #[error("cannot create a repository at '{path}': the path already exists")]
    AlreadyExists {
        /// The path given.
        path: PathBuf,
    },
    /// `convert --out` into the repository it converts.
    #[error("cannot write the converted repository to '{path}': it is inside the repository")]
    OutputInside {
        /// The path given.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("cannot {action} '{path}': {source}")]
    Io {
        /// "read", "write", "create"…
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// `migrate.cfg` is malformed.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The repository has no `versions/` directory. Reading that as "no scripts, version 0"
    /// would let a wrong path or a half-copied repository downgrade nothing and claim success.
    #[error("'{dir}' does not exist: a repository keeps its scripts there")]
    NoVersionsDir {
        /// The missing directory.
        dir: PathBuf,
    },
    /// A file in `versions/` looks like a script but its name does not parse.
    #[error("'{path}' is not a valid script name: {reason}")]
    BadFileName {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Two files claim the same version and role.
    #[error("'{first}' and '{second}' both claim version {version} {what}")]
    Conflict {
        /// The version.
        version: Version,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// Which role ("for sqlite upgrade"…).
        what: String,
    },
    /// `script_sql --version N` for a version the repository does not have.
    #[error("version {version} is not in the repository (its latest is {latest})")]
    NoSuchVersion {
        /// The version asked for.
        version: Version,
        /// The latest version.
        latest: Version,
    },
    /// An unknown `<dbms>` for `script_sql`.
    #[error("'{0}' is not a database: use sqlite, postgresql, mysql or default")]
    UnknownDbms(String),
    /// A description that gives an empty file name.
    #[error("description '{0}' has no letters or digits to name a file with")]
    EmptyDescription(String),
}

impl RepoError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            RepoError::NotFound { .. } | RepoError::NotARepository { .. } => Some(
                "give the path of a directory holding migrate.cfg and versions/, \
                 or make one with `migrate create PATH NAME`"
                    .into(),
            ),
            RepoError::AlreadyExists { .. } | RepoError::OutputInside { .. } => {
                Some("choose a path outside the repository that does not exist yet".into())
            }
            RepoError::NoSuchVersion { .. } => {
                Some("leave out --version to write the next version's scripts".into())
            }
            RepoError::NoVersionsDir { .. } => Some(
                "check the repository path; a repository without scripts has an empty versions/"
                    .into(),
            ),
            RepoError::Conflict { .. } => Some("remove or renumber one of the two files".into()),
            RepoError::BadFileName { .. } => Some(
                "name scripts NNN_<description>.toml or NNN_<description>_<dbms>_<upgrade|downgrade>.sql, \
                 or move the file out of versions/"
                    .into(),
            ),
            _ => None,
        }
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RepoError {
    let path = path.to_path_buf();
    move |source| RepoError::Io {
        action,
        path,
        source,
    }
}

/// Options for [`Repository::create`], as `migrate create` takes them.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// `repository_id`; defaults to the repository's name.
    pub repository_id: Option<String>,
    /// `version_table`; defaults to `migrate_version`.
    pub version_table: Option<String>,
    /// `required_dbs`.
    pub required_dbs: Vec<String>,
    /// `use_timestamp_numbering`.
    pub use_timestamp_numbering: bool,
    /// The `migrate` binary the repository's `manage.py` runs when `MIGRATE_BIN` is unset
    /// (`migrate` on the PATH when `None` or gone).
    pub migrate_bin: Option<PathBuf>,
}

/// An opened, validated repository.
#[derive(Debug, Clone)]
pub struct Repository {
    path: PathBuf,
    config: Config,
    versions: BTreeMap<Version, VersionEntry>,
}

impl Repository {
    /// Opens and validates the repository at `path`.
    ///
    /// # Errors
    /// [`RepoError`] when the path is missing or not a repository, `migrate.cfg` is malformed,
    /// or a script name is invalid or conflicting.
    ///
    /// ```no_run
    /// # fn f() -> Result<(), migrate_core::repository::RepoError> {
    /// let repo = migrate_core::Repository::open("migrate_repo")?;
    /// println!("{} is at version {}", repo.config().repository_id, repo.latest());
    /// # Ok(()) }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Repository, RepoError> {
        let path = path.as_ref();
        let config = read_config(path)?;
        let root = fs::canonicalize(path).map_err(io_err("resolve", path))?;
        let versions = scan_versions(&root.join(VERSIONS_DIR))?;
        Ok(Repository {
            path: root,
            config,
            versions,
        })
    }

    /// Creates a new repository at `path` (which must not exist) named `name`.
    ///
    /// # Errors
    /// [`RepoError::AlreadyExists`], or an I/O error naming the file.
    ///
    /// ```no_run
    /// # fn f() -> Result<(), migrate_core::repository::RepoError> {
    /// use migrate_core::repository::{CreateOptions, Repository};
    /// let repo = Repository::create("migrate_repo", "sample", &CreateOptions::default())?;
    /// let script = repo.create_script("add books table")?;
    /// # Ok(()) }
    /// ```
    pub fn create(
        path: impl AsRef<Path>,
        name: &str,
        options: &CreateOptions,
    ) -> Result<Repository, RepoError> {
        let path = path.as_ref();
        if path.exists() {
            return Err(RepoError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let mut config = Config::new(RepositoryId::new(
            options.repository_id.as_deref().unwrap_or(name),
        ));
        if let Some(table) = &options.version_table {
            config.version_table = TableName::new(table.as_str());
        }
        config.required_dbs = options.required_dbs.clone();
        config.use_timestamp_numbering = options.use_timestamp_numbering;
        config
            .check_writable()
            .map_err(|message| RepoError::Config {
                path: path.join(CONFIG_FILE),
                line: None,
                message,
            })?;
        let versions = path.join(VERSIONS_DIR);
        fs::create_dir_all(&versions).map_err(io_err("create", &versions))?;
        write_new(&path.join(CONFIG_FILE), &config.render())?;
        write_new(&path.join("README"), &templates::readme(name))?;
        // sqlalchemy-migrate's layout: both folders are Python packages, and manage.py runs
        // the tool with this repository as its default (seed 004 §1.3–1.4).
        write_new(&path.join("__init__.py"), "")?;
        write_new(&versions.join("__init__.py"), "")?;
        let bin = options
            .migrate_bin
            .as_deref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| "migrate".into());
        let manage = path.join("manage.py");
        write_new(&manage, &templates::manage_py(&bin))?;
        make_executable(&manage)?;
        Repository::open(path)
    }

    /// A repository compiled into the program (see the `embed_repository!` macro of the
    /// `migrate` crate): `config` is its migrate.cfg, `files` the names and texts of
    /// `versions/`. `path` is where it was embedded from, for messages and the version table.
    ///
    /// # Errors
    /// As [`Repository::open`]: a malformed configuration or invalid script names.
    pub fn embedded(
        path: &str,
        config: &str,
        files: &[(&str, &'static str)],
    ) -> Result<Repository, RepoError> {
        let root = PathBuf::from(path);
        let config = Config::parse(config, &root.join(CONFIG_FILE))?;
        let dir = root.join(VERSIONS_DIR);
        let mut versions: BTreeMap<Version, VersionEntry> = BTreeMap::new();
        for (name, text) in files {
            let path = dir.join(name);
            match scripts::parse_name(name) {
                NameParse::Ignored => {}
                NameParse::Invalid(reason) => return Err(RepoError::BadFileName { path, reason }),
                NameParse::Script(version, kind) => add_script(
                    &mut versions,
                    ScriptFile {
                        path,
                        version,
                        kind,
                        embedded: Some(text),
                    },
                ),
            }
        }
        let versions = validate(versions)?;
        Ok(Repository {
            path: root,
            config,
            versions,
        })
    }

    /// Registers a migration written in Rust as the script of its version (which no file
    /// of the repository may claim).
    ///
    /// # Errors
    /// The version already has a script.
    pub fn with_code_migration(
        mut self,
        migration: std::sync::Arc<dyn crate::code::CodeMigration>,
    ) -> Result<Repository, RepoError> {
        let version = migration.version();
        let name = format!(
            "{:03}_{} (code)",
            version.get(),
            description_to_file_part(migration.description())
        );
        let file = ScriptFile {
            path: self.path.join(VERSIONS_DIR).join(name),
            version,
            kind: ScriptKind::Code(crate::code::CodeScript(migration)),
            embedded: None,
        };
        self.versions
            .entry(version)
            .or_insert_with(|| VersionEntry {
                version,
                files: Vec::new(),
            })
            .files
            .push(file);
        self.versions = validate(std::mem::take(&mut self.versions))?;
        Ok(self)
    }

    /// Hands every script of a kind migrate does not run itself (Python) to `interpreter`,
    /// which makes it a code migration; without an interpreter such a step is refused.
    ///
    /// # Errors
    /// A script that cannot be read.
    pub fn with_interpreter(
        mut self,
        interpreter: &dyn crate::code::ScriptInterpreter,
    ) -> Result<Repository, RepoError> {
        for entry in self.versions.values_mut() {
            for file in &mut entry.files {
                if file.kind != ScriptKind::Python {
                    continue;
                }
                let text = file.read().map_err(|source| RepoError::Io {
                    action: "read",
                    path: file.path.clone(),
                    source,
                })?;
                let migration = interpreter.load(file, &text);
                file.kind = ScriptKind::Code(crate::code::CodeScript(migration));
            }
        }
        Ok(self)
    }

    /// The repository's absolute path (recorded in the version table).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The latest version, or 0 for an empty repository.
    pub fn latest(&self) -> Version {
        self.versions
            .keys()
            .next_back()
            .copied()
            .unwrap_or(Version::ZERO)
    }

    /// The first version, or 0 for an empty repository.
    pub fn first(&self) -> Version {
        self.versions
            .keys()
            .next()
            .copied()
            .unwrap_or(Version::ZERO)
    }

    /// Where an empty database starts this history: the version before the first for a
    /// squashed sequential history (27 for Heat's, which starts at 028), otherwise 0.
    pub fn start(&self) -> Version {
        if self.config.use_timestamp_numbering {
            return Version::ZERO;
        }
        Version::new(self.first().get().saturating_sub(1))
    }

    /// Whether a database may be at `version`: 0, one of the repository's versions, or, with
    /// sequential numbering, any number up to the latest (a version before a squashed
    /// history's first, as the Python tool allowed; walks across holes are refused by `plan`).
    pub fn has_version(&self, version: Version) -> bool {
        if self.config.use_timestamp_numbering {
            version == Version::ZERO || self.versions.contains_key(&version)
        } else {
            version <= self.latest()
        }
    }

    /// Whether versions are numbered one after another (not by timestamp): then each step
    /// moves by exactly one and a hole cannot be walked across.
    pub fn is_sequential(&self) -> bool {
        !self.config.use_timestamp_numbering
    }

    /// The versions in ascending order.
    pub fn versions(&self) -> impl DoubleEndedIterator<Item = &VersionEntry> {
        self.versions.values()
    }

    /// The scripts of `version`.
    pub fn entry(&self, version: Version) -> Option<&VersionEntry> {
        self.versions.get(&version)
    }

    /// The version a downgrade of `version` leaves the database at: `version - 1` with
    /// sequential numbering (27 below Heat's first, 028), otherwise the version before it
    /// (0 before the first).
    pub fn previous(&self, version: Version) -> Version {
        if self.is_sequential() {
            return Version::new(version.get().saturating_sub(1));
        }
        self.versions
            .range(..version)
            .next_back()
            .map(|(v, _)| *v)
            .unwrap_or(Version::ZERO)
    }

    /// The number the next new script gets: latest + 1, or the current UTC time as
    /// `YYYYMMDDHHMMSS` with timestamp numbering (never below latest + 1).
    pub fn next_version(&self) -> Version {
        let next = Version::new(self.latest().get() + 1);
        if !self.config.use_timestamp_numbering {
            return next;
        }
        let now = time::OffsetDateTime::now_utc();
        let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let stamp = now
            .format(&format)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        Version::new(stamp).max(next)
    }

    /// Writes the next version's portable script (a commented template) and returns its path.
    ///
    /// # Errors
    /// An empty description, or an I/O error naming the file.
    pub fn create_script(&self, description: &str) -> Result<PathBuf, RepoError> {
        let version = self.next_version();
        let name = format!(
            "{}_{}.toml",
            self.format_version(version),
            file_part(description)?
        );
        let path = scripts::script_path(&self.path.join(VERSIONS_DIR), &name);
        write_new(&path, &templates::portable_script(description))?;
        Ok(path)
    }

    /// Whether the repository's scripts are sqlalchemy-migrate's Python ones: its latest
    /// version has a `.py` script (run by an interpreter or not).
    pub fn is_python(&self) -> bool {
        self.versions.values().next_back().is_some_and(|e| {
            e.files
                .iter()
                .any(|f| f.path.extension().is_some_and(|x| x == "py"))
        })
    }

    /// Writes the next version's Python script, sqlalchemy-migrate's template, and returns
    /// its path.
    ///
    /// # Errors
    /// An empty description, or an I/O error naming the file.
    pub fn create_python_script(&self, description: &str) -> Result<PathBuf, RepoError> {
        let version = self.next_version();
        let name = format!(
            "{}_{}.py",
            self.format_version(version),
            file_part(description)?
        );
        let path = scripts::script_path(&self.path.join(VERSIONS_DIR), &name);
        write_new(&path, templates::PYTHON_SCRIPT)?;
        Ok(path)
    }

    /// Writes an SQL upgrade/downgrade pair for `dbms`, returning both paths: for the next
    /// version, or, given `version`, added to that existing version (its script for another
    /// database, as the seed's per-database pairs are).
    ///
    /// # Errors
    /// An unknown database or empty description, a version that does not exist or already
    /// has such a script (or a portable one), or an I/O error naming the file.
    pub fn create_sql_scripts(
        &self,
        dbms: &str,
        description: &str,
        version: Option<Version>,
    ) -> Result<[PathBuf; 2], RepoError> {
        let dbms = match Dbms::parse(dbms) {
            Some(d @ Dbms::Default) => d,
            Some(Dbms::Named(n)) if matches!(n.as_str(), "sqlite" | "postgresql" | "mysql") => {
                Dbms::Named(n)
            }
            _ => return Err(RepoError::UnknownDbms(dbms.to_string())),
        };
        let existing = match version {
            Some(v) => Some(self.versions.get(&v).ok_or(RepoError::NoSuchVersion {
                version: v,
                latest: self.latest(),
            })?),
            None => None,
        };
        let number = version.unwrap_or_else(|| self.next_version());
        let formatted = self.format_version(number);
        let part = file_part(description)?;
        let dir = self.path.join(VERSIONS_DIR);
        let mut paths = Vec::with_capacity(2);
        for direction in [Direction::Upgrade, Direction::Downgrade] {
            let name = format!("{formatted}_{part}_{}_{direction}.sql", dbms.as_str());
            let path = scripts::script_path(&dir, &name);
            let kind = ScriptKind::Sql {
                dbms: dbms.clone(),
                direction,
            };
            if let Some((file, what)) = existing.and_then(|e| e.clash_with(&kind)) {
                return Err(RepoError::Conflict {
                    version: number,
                    first: file.path.clone(),
                    second: path,
                    what,
                });
            }
            write_new(&path, &templates::sql_script(description, &dbms, direction))?;
            paths.push(path);
        }
        Ok([paths.remove(0), paths.remove(0)])
    }

    fn format_version(&self, version: Version) -> String {
        format!("{:03}", version.get())
    }
}

fn file_part(description: &str) -> Result<String, RepoError> {
    let part = description_to_file_part(description);
    if part.is_empty() {
        return Err(RepoError::EmptyDescription(description.to_string()));
    }
    Ok(part)
}

fn write_new(path: &Path, text: &str) -> Result<(), RepoError> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_err("create", path))?;
    file.write_all(text.as_bytes())
        .map_err(io_err("write", path))
}

/// Lets the owner run `manage.py` directly, within the umask the file was created with.
fn make_executable(path: &Path) -> Result<(), RepoError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(io_err("read", path))?
            .permissions()
            .mode();
        // Execute wherever read is granted: what the umask allowed for reading.
        let exec = (mode & 0o444) >> 2;
        fs::set_permissions(path, fs::Permissions::from_mode(mode | exec))
            .map_err(io_err("write", path))?;
    }
    Ok(())
}

/// Reads only `migrate.cfg`: what a command needs when it does not look at scripts.
///
/// # Errors
/// As [`Repository::open`], for the configuration alone.
pub fn read_config(path: &Path) -> Result<Config, RepoError> {
    if !path.exists() {
        return Err(RepoError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let cfg = path.join(CONFIG_FILE);
    let text = match scripts::read_text_file(&cfg) {
        Ok(text) => text,
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory =>
        {
            return Err(RepoError::NotARepository {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io_err("read", &cfg)(e)),
    };
    Config::parse(&text, &cfg)
}

/// Files `file` under its version, creating the version's entry on its first file.
fn add_script(versions: &mut BTreeMap<Version, VersionEntry>, file: ScriptFile) {
    let version = file.version;
    versions
        .entry(version)
        .or_insert_with(|| VersionEntry {
            version,
            files: Vec::new(),
        })
        .files
        .push(file);
}

fn scan_versions(dir: &Path) -> Result<BTreeMap<Version, VersionEntry>, RepoError> {
    let mut versions: BTreeMap<Version, VersionEntry> = BTreeMap::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(RepoError::NoVersionsDir {
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => return Err(io_err("read", dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_err("read", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        match scripts::parse_name(&name) {
            NameParse::Ignored => {}
            NameParse::Invalid(reason) => return Err(RepoError::BadFileName { path, reason }),
            // The directory entry's own type: no stat per file (10,000 versions are 20,000 files).
            NameParse::Script(_, _) if entry.file_type().is_ok_and(|t| t.is_dir()) => {
                return Err(RepoError::BadFileName {
                    path,
                    reason:
                        "a directory; this looks like a pre-0.4.4 sqlalchemy-migrate repository, \
                             convert it with migrate_repository first"
                            .into(),
                });
            }
            NameParse::Script(version, kind) => add_script(
                &mut versions,
                ScriptFile {
                    path,
                    version,
                    kind,
                    embedded: None,
                },
            ),
        }
    }
    validate(versions)
}

/// Sorts each version's files and checks them: no two claiming one role.
fn validate(
    mut versions: BTreeMap<Version, VersionEntry>,
) -> Result<BTreeMap<Version, VersionEntry>, RepoError> {
    for entry in versions.values_mut() {
        entry.files.sort_by(|a, b| a.path.cmp(&b.path));
        if let Some((a, b, what)) = entry.conflict() {
            return Err(RepoError::Conflict {
                version: entry.version,
                first: a.path.clone(),
                second: b.path.clone(),
                what,
            });
        }
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with(
        files: &[&str],
        timestamps: bool,
    ) -> (tempfile::TempDir, Result<Repository, RepoError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r");
        let options = CreateOptions {
            use_timestamp_numbering: timestamps,
            ..Default::default()
        };
        Repository::create(&path, "r", &options).unwrap();
        for f in files {
            fs::write(path.join(VERSIONS_DIR).join(f), "").unwrap();
        }
        let repo = Repository::open(&path);
        (dir, repo)
    }

    #[test]
    fn create_then_open() {
        let (_d, repo) = repo_with(&["__init__.py", "__init__.pyc"], false);
        let repo = repo.unwrap();
        assert_eq!(repo.latest(), Version::ZERO);
        assert_eq!(repo.config().repository_id.as_str(), "r");
        assert_eq!(repo.next_version(), Version::new(1));
    }

    #[test]
    fn squashed_histories_open_and_start_below_their_first_version() {
        let (_d, repo) = repo_with(&["028_havana.toml", "029_b.toml", "031_d.toml"], false);
        let repo = repo.unwrap();
        assert_eq!(repo.first(), Version::new(28));
        assert_eq!(repo.start(), Version::new(27));
        assert_eq!(repo.previous(Version::new(28)), Version::new(27));
        assert!(repo.has_version(Version::new(27)) && repo.has_version(Version::new(30)));
        assert!(!repo.has_version(Version::new(32)));
    }

    #[test]
    fn conflicts_name_the_files() {
        let (_d, repo) = repo_with(
            &["001_a_sqlite_upgrade.sql", "001_b_sqlite_upgrade.sql"],
            false,
        );
        let msg = repo.unwrap_err().to_string();
        assert!(
            msg.contains("001_a_sqlite_upgrade.sql") && msg.contains("001_b_sqlite_upgrade.sql"),
            "{msg}"
        );
        assert!(msg.contains("version 1 for sqlite upgrade"), "{msg}");
        let (_d, repo) = repo_with(&["001_a.toml", "001_a_default_upgrade.sql"], false);
        assert!(matches!(repo, Err(RepoError::Conflict { .. })));
    }

    #[test]
    fn timestamp_numbering_allows_gaps_and_numbers_by_time() {
        let (_d, repo) = repo_with(&["20200101000000_a.toml", "20210101000000_b.toml"], true);
        let repo = repo.unwrap();
        assert_eq!(repo.latest(), Version::new(20210101000000));
        assert_eq!(
            repo.previous(Version::new(20210101000000)),
            Version::new(20200101000000)
        );
        assert!(repo.next_version().get() > 20260000000000);
    }
}
