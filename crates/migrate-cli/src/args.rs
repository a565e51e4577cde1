//! Binds positional arguments, options and environment variables to a command's URL,
//! REPOSITORY and VERSION, the way sqlalchemy-migrate's shell did, made unambiguous.
//!
//! sqlalchemy-migrate filled positional slots in order, skipping those given as `--option`.
//! We do the same, with one rule added so defaults from the environment never shift the
//! others: a positional argument that looks like a database URL is the URL, and one that is a
//! directory holding `migrate.cfg` is the repository. Then `MIGRATE_URL=… migrate upgrade repo
//! 3` and `migrate upgrade sqlite:///x.db repo 3` both work.

use migrate_core::dialect::DialectKind;
use migrate_core::{DatabaseUrl, Version};

use crate::CliError;

/// A slot a command can take positionally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The database URL.
    Url,
    /// The repository path.
    Repository,
    /// A version number.
    Version,
}

/// What a command was given.
#[derive(Debug, Default, Clone)]
pub struct Bound {
    /// The database URL.
    pub url: Option<String>,
    /// The repository path.
    pub repository: Option<String>,
    /// The version, unparsed.
    pub version: Option<String>,
}

impl Bound {
    fn slot(&mut self, slot: Slot) -> &mut Option<String> {
        match slot {
            Slot::Url => &mut self.url,
            Slot::Repository => &mut self.repository,
            Slot::Version => &mut self.version,
        }
    }

    /// The database URL, parsed.
    pub fn url(&self) -> Result<DatabaseUrl, CliError> {
        let url = self.url.as_deref().ok_or_else(|| {
            CliError::Usage(
                "no database URL given: pass URL, --url, or set MIGRATE_URL or DATABASE_URL".into(),
            )
        })?;
        Ok(DatabaseUrl::parse(url)?)
    }

    /// The repository path.
    pub fn repository(&self) -> Result<&str, CliError> {
        self.repository.as_deref().ok_or_else(|| {
            CliError::Usage(
                "no repository given: pass REPOSITORY, --repository, or set MIGRATE_REPOSITORY"
                    .into(),
            )
        })
    }

    /// The version, parsed, if one was given.
    pub fn version(&self) -> Result<Option<Version>, CliError> {
        self.version
            .as_deref()
            .map(|v| {
                v.parse::<Version>()
                    .map_err(|e| CliError::Usage(e.to_string()))
            })
            .transpose()
    }
}

/// Fills `slots` from `positionals`, the explicit options in `explicit`, then the environment.
pub fn bind(slots: &[Slot], positionals: Vec<String>, explicit: Bound) -> Result<Bound, CliError> {
    let mut bound = explicit;
    let mut free: Vec<Slot> = slots
        .iter()
        .copied()
        .filter(|s| bound.slot(*s).is_none())
        .collect();
    let mut rest = Vec::new();
    for arg in positionals {
        if free.contains(&Slot::Url) && looks_like_database_file(&arg) {
            return Err(CliError::Usage(format!(
                "'{arg}' is not a database URL (did you mean sqlite:///{arg}?)"
            )));
        }
        if free.contains(&Slot::Url) && looks_like_url(&arg) {
            bound.url = Some(arg);
            free.retain(|s| *s != Slot::Url);
        } else if free.contains(&Slot::Repository) && is_repository(&arg) {
            // Likewise a directory holding migrate.cfg is the repository, so a launcher's
            // default (`python manage.py upgrade URL /path/to/repo`) never shifts it.
            bound.repository = Some(arg);
            free.retain(|s| *s != Slot::Repository);
        } else {
            rest.push(arg);
        }
    }
    // Slots that can be filled from elsewhere (the URL, which a plain argument never is
    // unless every slot was given; the repository when MIGRATE_REPOSITORY is set) give way,
    // front first, while there are fewer plain arguments than free slots. So a wrapper that
    // sets both lets `downgrade 0` mean the version.
    let env_repository = std::env::var("MIGRATE_REPOSITORY")
        .ok()
        .filter(|v| !v.is_empty());
    let mut i = 0;
    while rest.len() < free.len() && i < free.len() {
        let yields = match free[i] {
            Slot::Url => true,
            Slot::Repository => env_repository.is_some(),
            Slot::Version => false,
        };
        if yields {
            free.remove(i);
        } else {
            i += 1;
        }
    }
    for arg in rest {
        if free.is_empty() {
            return Err(CliError::Usage(format!(
                "unexpected argument '{}'",
                migrate_core::url::mask_password(&arg)
            )));
        }
        *bound.slot(free.remove(0)) = Some(arg);
    }
    if bound.url.is_none() && slots.contains(&Slot::Url) {
        bound.url = env_url();
    }
    if bound.repository.is_none() && slots.contains(&Slot::Repository) {
        bound.repository = std::env::var("MIGRATE_REPOSITORY")
            .ok()
            .filter(|v| !v.is_empty());
    }
    Ok(bound)
}

fn env_url() -> Option<String> {
    ["MIGRATE_URL", "DATABASE_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

fn is_repository(arg: &str) -> bool {
    std::path::Path::new(arg)
        .join(migrate_core::repository::CONFIG_FILE)
        .is_file()
}

/// A database URL has `://`, or at least a known scheme and a colon (a malformed URL should
/// be reported as a URL, not taken for a path).
pub fn looks_like_url(arg: &str) -> bool {
    if arg.contains("://") {
        return true;
    }
    arg.split_once(':')
        .map(|(scheme, _)| scheme.split('+').next().unwrap_or_default())
        .is_some_and(|scheme| DialectKind::from_scheme(scheme).is_some())
}

/// A SQLite database file given where the URL belongs: a name with a database file's
/// extension, or a file that starts with SQLite's header.
fn looks_like_database_file(arg: &str) -> bool {
    use std::io::Read;
    if arg.contains(':') {
        return false;
    }
    let path = std::path::Path::new(arg);
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "db" | "sqlite" | "sqlite3" | "db3"));
    let mut header = [0u8; 16];
    let by_content = path.is_file()
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut header))
            .is_ok()
        && &header == b"SQLite format 3\0";
    by_name || by_content
}
