//! Per-test databases at the repository's latest version, in milliseconds (feature
//! `testing`). The repository is migrated once into a template; each test gets a copy of it,
//! dropped when the test is done with it.
//!
//! How a copy is made is the dialect's to say, never this module's: a server that clones
//! databases gives the statement ([`Dialect::clone_database`]: PostgreSQL's
//! `CREATE DATABASE … TEMPLATE`); one that cannot gives a script rebuilding the template's
//! tables and rows, read once ([`Dialect::copy_database_script`]: MariaDB/MySQL); failing
//! both, each copy runs the migrations. An SQLite database is a file, and is copied as one.
//!
//! The template is named after a hash of the repository (its settings, every script's name
//! and text, and migrate's version), so a changed repository gets a template of its own and
//! an unchanged one is reused by every later test process. Processes starting at once may
//! all create it: `CREATE DATABASE` is tolerated when another made it first, and the
//! migration itself runs under the repository's migration lock (`sync`), so it happens once
//! and the others find it done.
//!
//! [`Dialect::clone_database`]: crate::dialect::Dialect::clone_database
//! [`Dialect::copy_database_script`]: crate::dialect::Dialect::copy_database_script

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_core::executor::Silent;
use migrate_core::ops::{self, SyncOptions};
use migrate_core::repository::ScriptKind;
use migrate_core::url::Target;
use migrate_core::{Connection, DatabaseUrl, DbError, Error, Repository, Value};

/// Why a test database could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestingError {
    /// Connecting, creating or migrating failed.
    #[error(transparent)]
    Migrate(#[from] Error),
    /// A file of an SQLite database could not be written or copied.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

impl From<DbError> for TestingError {
    fn from(e: DbError) -> Self {
        TestingError::Migrate(e.into())
    }
}

/// The databases of a test suite: made from one template of `repo` at its latest version.
///
/// Make one per process (a `static` with `std::sync::LazyLock`) and call
/// [`TestDatabases::fresh`] in each test; tests may run in parallel.
///
/// ```no_run
/// use std::sync::LazyLock;
/// use migrate::testing::TestDatabases;
///
/// static DATABASES: LazyLock<TestDatabases> = LazyLock::new(|| {
///     let repo = migrate::embed_repository!("../../examples/books/migrate_repo").expect("repository");
///     TestDatabases::new("postgresql://postgres@127.0.0.1/postgres", repo).expect("template")
/// });
///
/// #[test]
/// fn books_start_empty() {
///     let db = DATABASES.fresh().expect("a database");
///     let mut conn = db.connect().expect("connect");
///     assert!(conn.query("SELECT * FROM books", &[]).expect("query").is_empty());
/// } // the database is dropped here
/// ```
pub struct TestDatabases {
    server: DatabaseUrl,
    repo: Repository,
    template: Template,
}

/// Numbers the databases of this process: one counter for all suites, since two suites on
/// one server (or one SQLite directory) must never pick the same name.
static MADE: AtomicUsize = AtomicUsize::new(0);

enum Template {
    /// SQLite: a file in a directory of its own, copied per test.
    File {
        dir: tempfile::TempDir,
        path: PathBuf,
    },
    /// A database on the server; `replay` is the script rebuilding it where the server
    /// cannot clone it (`None`: migrate each copy).
    Server {
        name: String,
        replay: Option<Vec<String>>,
    },
}

impl TestDatabases {
    /// Migrates (or finds) the template of `repo` at its latest version. `url` names the
    /// server, with the credentials and database to connect to for creating and dropping
    /// databases (`postgresql://postgres@host/postgres`, `mysql://root@host/`); for SQLite
    /// (`sqlite://`) the files live in a temporary directory of their own.
    ///
    /// Databases a killed test process on this host left behind are dropped here.
    ///
    /// # Errors
    /// The server cannot be reached, a database cannot be created, or the repository does
    /// not migrate.
    pub fn new(url: &str, repo: Repository) -> Result<TestDatabases, TestingError> {
        let server = DatabaseUrl::parse(url).map_err(Error::from)?;
        let fingerprint = fingerprint(&repo)?;
        let template = match server.target() {
            Target::Sqlite(_) => file_template(&repo, &fingerprint)?,
            _ => server_template(&server, &repo, &format!("migrate_tmpl_{fingerprint}"))?,
        };
        Ok(TestDatabases {
            server,
            repo,
            template,
        })
    }

    /// A new database at the repository's latest version, dropped when the guard is.
    ///
    /// # Errors
    /// The database cannot be created or copied.
    pub fn fresh(&self) -> Result<FreshDatabase, TestingError> {
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        match &self.template {
            Template::File { dir, path } => {
                let copy = dir.path().join(format!("test_{n}.db"));
                std::fs::copy(path, &copy).map_err(|source| TestingError::Io {
                    action: "copy the template to",
                    path: copy.clone(),
                    source,
                })?;
                Ok(FreshDatabase {
                    url: sqlite_url(&copy),
                    place: Place::File(copy),
                })
            }
            Template::Server { name, replay } => self.fresh_on_server(n, name, replay.as_deref()),
        }
    }

    fn fresh_on_server(
        &self,
        n: usize,
        template: &str,
        replay: Option<&[String]>,
    ) -> Result<FreshDatabase, TestingError> {
        let name = format!("{}{}_{n}", own_prefix(), std::process::id());
        let url = database_url(&self.server, &name)?;
        let mut admin = connect(&self.server)?;
        let dialect = admin.dialect();
        let created = FreshDatabase {
            url: url.unmasked().to_string(),
            place: Place::Server {
                admin: self.server.clone(),
                name: name.clone(),
            },
        };
        if let Some(clone) = dialect.clone_database(&name, template) {
            clone_retrying(admin.as_mut(), &clone)?;
            return Ok(created);
        }
        admin.execute(&format!("CREATE DATABASE {}", dialect.quote_ident(&name)))?;
        // From here on, `created` drops the database should the copy fail.
        let mut conn = connect(&url)?;
        match replay {
            Some(script) => conn
                .execute_all(script)
                .map_err(|e| TestingError::from(e.error))?,
            None => {
                ops::sync(
                    conn.as_mut(),
                    &self.repo,
                    &SyncOptions::default(),
                    &mut Silent,
                )?;
            }
        }
        Ok(created)
    }

    /// The template's database name on the server (`migrate_tmpl_<hash>`); `None` for SQLite.
    pub fn template_name(&self) -> Option<&str> {
        match &self.template {
            Template::Server { name, .. } => Some(name),
            Template::File { .. } => None,
        }
    }

    /// The repository the databases are migrated with.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }
}

/// A database made for one test; dropped (the database or file removed) with the guard.
#[derive(Debug)]
pub struct FreshDatabase {
    url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    File(PathBuf),
    Server { admin: DatabaseUrl, name: String },
}

impl FreshDatabase {
    /// Its URL, credentials included, for the code under test.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new connection to it.
    ///
    /// # Errors
    /// As [`crate::connect`].
    pub fn connect(&self) -> Result<Box<dyn Connection>, Error> {
        crate::connect(&self.url)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Best effort: a drop cannot report, and a database left behind by a failure here is
        // dropped by the next process's `TestDatabases::new` once this one has ended.
        match &self.place {
            Place::File(path) => {
                for suffix in ["", "-journal", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Place::Server { admin, name } => {
                if let Ok(mut conn) = migrate_drivers::connect(admin) {
                    let drop = conn.dialect().drop_database(name);
                    let _ = conn.execute(&drop);
                }
            }
        }
    }
}

/// SQLite: the template migrated in a file of a new temporary directory.
fn file_template(repo: &Repository, fingerprint: &str) -> Result<Template, TestingError> {
    let dir = tempfile::Builder::new()
        .prefix("migrate-testing-")
        .tempdir()
        .map_err(|source| TestingError::Io {
            action: "create a temporary directory in",
            path: std::env::temp_dir(),
            source,
        })?;
    let path = dir.path().join(format!("template_{fingerprint}.db"));
    let mut conn = connect(&DatabaseUrl::parse(&sqlite_url(&path)).map_err(Error::from)?)?;
    ops::sync(conn.as_mut(), repo, &SyncOptions::default(), &mut Silent)?;
    Ok(Template::File { dir, path })
}

/// A server: the template database, created if missing and synced to the latest version.
fn server_template(
    server: &DatabaseUrl,
    repo: &Repository,
    name: &str,
) -> Result<Template, TestingError> {
    let mut admin = connect(server)?;
    drop_stale(admin.as_mut());
    let dialect = admin.dialect();
    if !database_exists(admin.as_mut(), name)? {
        let create = format!("CREATE DATABASE {}", dialect.quote_ident(name));
        if let Err(e) = admin.execute(&create) {
            // Another process may have created it between the check and here.
            if !database_exists(admin.as_mut(), name)? {
                return Err(e.into());
            }
        }
    }
    // The migration lock makes concurrent processes migrate it once; the connection is
    // closed at the end of this block, since PostgreSQL clones no database with sessions.
    {
        let mut conn = connect(&database_url(server, name)?)?;
        ops::sync(conn.as_mut(), repo, &SyncOptions::default(), &mut Silent)?;
    }
    let replay = match dialect.clone_database(name, name) {
        Some(_) => None,
        None => dialect.copy_database_script(admin.as_mut(), name)?,
    };
    Ok(Template::Server {
        name: name.to_string(),
        replay,
    })
}

/// Runs `clone`, retrying while the template is in use: another test process may be
/// connected to it for a moment (its `sync`), and PostgreSQL gives up after five seconds
/// with SQLSTATE 55006 (object_in_use).
fn clone_retrying(admin: &mut dyn Connection, clone: &str) -> Result<(), DbError> {
    let mut attempts = 0;
    loop {
        match admin.execute(clone) {
            Err(e) if e.sqlstate.as_deref() == Some("55006") && attempts < 3 => attempts += 1,
            other => return other,
        }
    }
}

fn connect(url: &DatabaseUrl) -> Result<Box<dyn Connection>, Error> {
    Ok(migrate_drivers::connect(url)?)
}

fn database_url(server: &DatabaseUrl, name: &str) -> Result<DatabaseUrl, Error> {
    server
        .with_database(name)
        .ok_or_else(|| DbError::new(format!("cannot name database '{name}' in {server}")).into())
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

fn database_exists(admin: &mut dyn Connection, name: &str) -> Result<bool, DbError> {
    let Some(query) = admin.dialect().databases_query() else {
        return Ok(false);
    };
    Ok(admin
        .query(query, &[])?
        .iter()
        .any(|row| row.first() == Some(&Value::Text(name.to_string()))))
}

/// 16 hex digits of the SHA-256 of what decides the template's contents: migrate's version,
/// the repository's settings, and every script's name and text (a Rust migration's source
/// or description).
fn fingerprint(repo: &Repository) -> Result<String, TestingError> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION"));
    hash.update(format!("\0{:?}", repo.config()));
    for entry in repo.versions() {
        for file in &entry.files {
            hash.update(format!("\0{}\0", file.file_name()));
            match &file.kind {
                ScriptKind::Code(code) => {
                    let text = code.0.source().unwrap_or_else(|| code.0.description());
                    hash.update(text);
                }
                _ => {
                    let text = file.read().map_err(|source| TestingError::Io {
                        action: "read",
                        path: file.path.clone(),
                        source,
                    })?;
                    hash.update(text);
                }
            }
        }
    }
    Ok(hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `migrate_test_<host>_`: the per-test databases of this host, `<host>` a short hash of its
/// name, since a process id means nothing on another host sharing the server.
fn own_prefix() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = host.trim().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("migrate_test_{hash:08x}_")
}

/// Drops this host's per-test databases whose process has ended (killed before its guards
/// could drop them). Best effort: a failure here must not fail the tests.
fn drop_stale(admin: &mut dyn Connection) {
    let Some(query) = admin.dialect().databases_query() else {
        return;
    };
    let prefix = own_prefix();
    let proc = Path::new("/proc");
    // Without /proc nothing can be told dead, so nothing is dropped.
    if !proc.join("self").exists() {
        return;
    }
    for row in admin.query(query, &[]).unwrap_or_default() {
        let Some(Value::Text(name)) = row.into_iter().next() else {
            continue;
        };
        let pid = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !proc.join(pid.to_string()).exists()) {
            let _ = admin.execute(&admin.dialect().drop_database(&name));
        }
    }
}
