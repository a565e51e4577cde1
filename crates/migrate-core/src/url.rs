//! Database URLs in SQLAlchemy's form (and sqlx's SQLite forms), and the rule that passwords
//! never reach output.
//!
//! `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` (in memory),
//! `postgresql://user:pass@host:port/db`, `mysql+pymysql://…?charset=utf8`. The `+driver`
//! suffix is accepted and ignored. sqlx's `sqlite:relative.db`, `sqlite://relative.db`,
//! `sqlite::memory:` and `?mode=rwc|rw|ro|memory` are accepted too; where the two disagree
//! (sqlx reads `sqlite:///x.db` as the absolute `/x.db`) SQLAlchemy's meaning is kept, since
//! that is what sqlalchemy-migrate's users have written. Parsing is pure: nothing here
//! connects.

use std::fmt;
use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use crate::dialect::{Dialect, DialectKind};

/// A parsed database URL. Its `Display` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    kind: DialectKind,
    masked: String,
    target: Target,
    sqlite_mode: Option<SqliteMode>,
    // The URL as given, password and all: never displayed, only re-parsed.
    original: String,
}

/// Where a URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// An SQLite database.
    Sqlite(SqliteTarget),
    /// A PostgreSQL or MySQL/MariaDB server.
    Server(ServerTarget),
}

/// An SQLite database: a file, or memory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqliteTarget {
    /// `sqlite://` or `sqlite:///:memory:`.
    Memory,
    /// A file path, relative to the working directory unless absolute.
    File(PathBuf),
}

/// How an SQLite file may be opened: sqlx's `?mode=` option (`mode=memory` makes the target
/// [`SqliteTarget::Memory`] instead). See <https://www.sqlite.org/c3ref/open.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqliteMode {
    /// `rwc`: read and write, creating the file when it is missing (SQLite's default).
    ReadWriteCreate,
    /// `rw`: read and write; the file must exist.
    ReadWrite,
    /// `ro`: read only; the file must exist.
    ReadOnly,
}

/// A server address with credentials and options, all percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// Host name, IP address, or (PostgreSQL) a socket directory; `None` for the default.
    pub host: Option<String>,
    /// TCP port; `None` for the default.
    pub port: Option<u16>,
    /// User name.
    pub user: Option<String>,
    /// Password. Kept out of `Debug`.
    pub password: Option<String>,
    /// Database name.
    pub database: Option<String>,
    /// Query options (`?charset=utf8`), in order.
    pub options: Vec<(String, String)>,
}

impl fmt::Debug for ServerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("database", &self.database)
            .field("options", &self.options)
            .finish()
    }
}

/// Why a URL was refused. Every message masks the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://` at the start.
    #[error(
        "'{url}' is not a database URL: it must start with a scheme such as sqlite://, postgresql:// or mysql://"
    )]
    MissingScheme {
        /// The URL, password masked.
        url: String,
    },
    /// A scheme no supported database uses.
    #[error("unknown database '{scheme}' in URL '{url}'")]
    UnknownScheme {
        /// The scheme without its driver suffix.
        scheme: String,
        /// The URL, password masked.
        url: String,
    },
    /// The URL does not parse.
    #[error("malformed database URL '{url}': {reason}")]
    Malformed {
        /// The URL, password masked.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl UrlError {
    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        Some(
            "database URLs look like sqlite:///relative.db, sqlite:////absolute.db, \
             sqlite:relative.db, postgresql://user:password@host:5432/db or mysql://user:password@host:3306/db"
                .to_string(),
        )
    }
}

impl DatabaseUrl {
    /// Parses a URL.
    ///
    /// # Errors
    /// [`UrlError`] for a missing or unknown scheme or a malformed URL.
    ///
    /// ```no_run
    /// let url = migrate_core::DatabaseUrl::parse("mysql+pymysql://root:secret@db:3306/heat?charset=utf8")?;
    /// assert_eq!(url.to_string(), "mysql+pymysql://root:***@db:3306/heat?charset=utf8");
    /// # Ok::<(), migrate_core::url::UrlError>(())
    /// ```
    pub fn parse(url: &str) -> Result<DatabaseUrl, UrlError> {
        let masked = mask_password(url);
        let Some((scheme_part, rest, slashes)) = split_url_scheme(url) else {
            return Err(UrlError::MissingScheme { url: masked });
        };
        let scheme = scheme_part.split('+').next().unwrap_or_default();
        let kind = DialectKind::from_scheme(scheme).ok_or_else(|| UrlError::UnknownScheme {
            scheme: scheme.to_string(),
            url: masked.clone(),
        })?;
        let (target, sqlite_mode) = match kind {
            DialectKind::Sqlite => {
                let (target, mode) = parse_sqlite(rest, slashes, &masked)?;
                (Target::Sqlite(target), mode)
            }
            _ => (Target::Server(parse_server(url, &masked)?), None),
        };
        Ok(DatabaseUrl {
            kind,
            masked,
            target,
            sqlite_mode,
            original: url.to_string(),
        })
    }

    /// The database family.
    pub fn kind(&self) -> DialectKind {
        self.kind
    }

    /// The dialect for this URL's database.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.kind.dialect()
    }

    /// Where the URL points.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// How an SQLite file may be opened (`?mode=rwc|rw|ro`), when the URL says.
    pub fn sqlite_mode(&self) -> Option<SqliteMode> {
        self.sqlite_mode
    }

    /// The same server and credentials with another database (for a scratch database);
    /// `None` for SQLite.
    pub fn with_database(&self, database: &str) -> Option<DatabaseUrl> {
        if self.kind == DialectKind::Sqlite {
            return None;
        }
        let mut parsed = url::Url::parse(&self.original).ok()?;
        parsed.set_path(&format!("/{database}"));
        DatabaseUrl::parse(parsed.as_str()).ok()
    }

    /// The URL as given, password included: for handing to another connection or program,
    /// never for messages (see [`DatabaseUrl::masked`]).
    pub fn unmasked(&self) -> &str {
        &self.original
    }

    /// The URL as given, with any password replaced by `***`.
    pub fn masked(&self) -> &str {
        &self.masked
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.masked)
    }
}

/// The scheme, what follows it, and whether `//` came between. Only SQLite has a form without
/// the slashes (sqlx's `sqlite:x.db`). The scheme ends at the first `:`, so text before a
/// later `://` (`mysql:root:pw@h://x`) is never taken for a scheme and quoted.
fn split_url_scheme(url: &str) -> Option<(&str, &str, bool)> {
    let (scheme, rest) = url.split_once(':')?;
    if let Some(rest) = rest.strip_prefix("//") {
        return Some((scheme, rest, true));
    }
    let base = scheme.split('+').next().unwrap_or_default();
    (DialectKind::from_scheme(base) == Some(DialectKind::Sqlite)).then_some((scheme, rest, false))
}

/// `?mode=memory`, or a mode for a file.
enum ModeOption {
    File(SqliteMode),
    Memory,
}

/// `rest` is what follows `sqlite://` (`slashes`) or `sqlite:`.
fn parse_sqlite(
    rest: &str,
    slashes: bool,
    masked: &str,
) -> Result<(SqliteTarget, Option<SqliteMode>), UrlError> {
    let malformed = |reason: String| UrlError::Malformed {
        url: masked.to_string(),
        reason,
    };
    // SQLAlchemy's `sqlite:///x.db` leaves "/x.db" (relative), `sqlite:////x.db` leaves
    // "//x.db" (absolute). In sqlx's forms, `sqlite://x.db` and `sqlite:x.db`, the path
    // follows at once, and an `@` there means credentials (a server URL with the wrong
    // scheme): refused before anything is parsed, since the path would show the password.
    let sqlalchemy = slashes && rest.starts_with('/');
    if !sqlalchemy && rest.contains('@') {
        return Err(malformed(
            "an SQLite URL has no user, password or host; a path holding '@' needs three \
             slashes (sqlite:///relative.db, sqlite:////absolute.db)"
                .to_string(),
        ));
    }
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let mode = match query {
        Some(query) => sqlite_mode(query).map_err(malformed)?,
        None => None,
    };
    let path = if sqlalchemy { &path[1..] } else { path };
    // `sqlite://` and `sqlite:///` are SQLAlchemy's in-memory database, as is `:memory:`
    // (sqlx's `sqlite::memory:` too).
    if (slashes && path.is_empty())
        || path == ":memory:"
        || matches!(mode, Some(ModeOption::Memory))
    {
        return Ok((SqliteTarget::Memory, None));
    }
    if path.is_empty() {
        return Err(malformed(
            "no database file after 'sqlite:' (sqlite:relative.db, sqlite::memory:)".to_string(),
        ));
    }
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mode = match mode {
        Some(ModeOption::File(mode)) => Some(mode),
        _ => None,
    };
    Ok((SqliteTarget::File(PathBuf::from(decoded.as_ref())), mode))
}

/// sqlx's one SQLite option, `mode`; any other is refused (naming only its key: a value may
/// be a password).
fn sqlite_mode(query: &str) -> Result<Option<ModeOption>, String> {
    let mut mode = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "mode" {
            return Err(format!(
                "unknown SQLite option '{key}': the one option is mode=rwc|rw|ro|memory"
            ));
        }
        mode = Some(match value {
            "rwc" => ModeOption::File(SqliteMode::ReadWriteCreate),
            "rw" => ModeOption::File(SqliteMode::ReadWrite),
            "ro" => ModeOption::File(SqliteMode::ReadOnly),
            "memory" => ModeOption::Memory,
            _ => {
                return Err(format!(
                    "unknown SQLite mode '{value}': rwc, rw, ro or memory"
                ));
            }
        });
    }
    Ok(mode)
}

fn parse_server(url: &str, masked: &str) -> Result<ServerTarget, UrlError> {
    let malformed = |reason: String| UrlError::Malformed {
        url: masked.to_string(),
        reason,
    };
    // An `@` after the authority means a user or password held an unencoded `/`, `?` or `#`:
    // the parser would take part of the password for the host (and show it).
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let after_authority = after_scheme
        .find(['/', '?', '#'])
        .map_or("", |i| &after_scheme[i..]);
    if after_authority.contains('@') {
        return Err(malformed(
            "an '@' follows the host: a user name or password holding '/', '?' or '#' (or an \
             option holding '@') must be percent-encoded (%2F, %3F, %23, %40)"
                .to_string(),
        ));
    }
    let parsed = url::Url::parse(url).map_err(|e| malformed(e.to_string()))?;
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let non_empty = |s: String| (!s.is_empty()).then_some(s);
    let host = parsed
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .map(decode)
        .and_then(non_empty);
    let path = parsed.path().trim_start_matches('/');
    if path.contains('/') {
        // Not quoted: a password holding `/` ends up here, and the masked URL shows the rest.
        return Err(malformed(
            "the path after the host must be one database name, without '/'".to_string(),
        ));
    }
    Ok(ServerTarget {
        host,
        port: parsed.port(),
        user: non_empty(decode(parsed.username())),
        password: parsed.password().map(decode),
        database: non_empty(decode(path)),
        options: parsed
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    })
}

/// Replaces the password in anything URL-shaped with `***`. Works on text that does not parse,
/// so even the error for a malformed URL never shows a password.
///
/// The rule is deliberately wider than URL syntax, because a password with `/`, `?` or `#` in
/// it is exactly what makes a URL malformed: everything between the scheme's `://` (or its
/// bare `:`, as in `mysql:root:pw@host/db`) and the last `@`, after the user name, is
/// masked whatever it contains. A `password=` (or `passwd=`, `pwd=`) option's value is masked too.
pub fn mask_password(text: &str) -> String {
    // The URL parser (WHATWG) drops tabs and line breaks anywhere in a URL, so `mysql+\n
    // pymysql://root:pw@h` is a URL with a password: mask what the parser would read.
    let cleaned: String;
    let text = if text.contains(['\t', '\n', '\r']) {
        cleaned = text
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        &cleaned
    } else {
        text
    };
    let Some((prefix, rest)) = split_scheme(text) else {
        return text.to_string();
    };
    let rest = match credentials_end(prefix, rest) {
        Some((user_len, at)) => format!("{}:***{}", &rest[..user_len], &rest[at..]),
        None => rest.to_string(),
    };
    format!("{prefix}{}", mask_password_options(&rest))
}

/// Masks every URL-shaped word of a message (words end at whitespace and quotes), for text
/// that quotes arguments it did not parse, such as the argument parser's errors.
pub fn mask_passwords_in(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    for c in message.chars() {
        if c.is_whitespace() || matches!(c, '\'' | '"' | '`') {
            out.push_str(&mask_password(&word));
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(&mask_password(&word));
    out
}

/// `("mysql://", "root:pw@h/x")` or `("mysql:", "root:pw@h/x")`: the scheme and what follows.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let scheme_like = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_like {
        return None;
    }
    let end = if text[colon..].starts_with("://") {
        colon + 3
    } else {
        colon + 1
    };
    Some(text.split_at(end))
}

/// The user name's length and the position of the `@` ending the credentials, when `rest`
/// holds a password (anything between the user name and the last `@`).
fn credentials_end(prefix: &str, rest: &str) -> Option<(usize, usize)> {
    // An SQLite path may hold `@` and `:`; it has no credentials.
    if prefix.starts_with("sqlite") && (rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let at = rest.rfind('@')?;
    let user_len = rest[..at].find([':', '/', '?', '#']).unwrap_or(at);
    (user_len < at).then_some((user_len, at))
}

fn mask_password_options(rest: &str) -> String {
    let Some(q) = rest.find('?') else {
        return rest.to_string();
    };
    let options = rest[q + 1..]
        .split('&')
        .map(|pair| match pair.split_once('=') {
            // Already masked (masking twice must not eat what follows the `***`).
            Some((_, value)) if value.starts_with("***") => pair.to_string(),
            Some((key, _)) if is_password_key(key) => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{}?{options}", &rest[..q])
}

fn is_password_key(key: &str) -> bool {
    ["password", "passwd", "pwd"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> ServerTarget {
        match DatabaseUrl::parse(url).unwrap().target {
            Target::Server(s) => s,
            other => panic!("not a server: {other:?}"),
        }
    }

    #[test]
    fn sqlite_forms() {
        let t = |u: &str| DatabaseUrl::parse(u).unwrap().target;
        assert_eq!(t("sqlite://"), Target::Sqlite(SqliteTarget::Memory));
        assert_eq!(
            t("sqlite:///:memory:"),
            Target::Sqlite(SqliteTarget::Memory)
        );
        assert_eq!(
            t("sqlite:///rel/x.db"),
            Target::Sqlite(SqliteTarget::File("rel/x.db".into()))
        );
        assert_eq!(
            t("sqlite:////abs/x.db"),
            Target::Sqlite(SqliteTarget::File("/abs/x.db".into()))
        );
    }

    #[test]
    fn server_forms_with_driver_suffix_encoded_password_and_options() {
        let s = server("mysql+pymysql://root:p%40ss%3Aword@db.example:3307/heat?charset=utf8");
        assert_eq!(s.host.as_deref(), Some("db.example"));
        assert_eq!(s.port, Some(3307));
        assert_eq!(s.user.as_deref(), Some("root"));
        assert_eq!(s.password.as_deref(), Some("p@ss:word"));
        assert_eq!(s.database.as_deref(), Some("heat"));
        assert_eq!(s.options, vec![("charset".to_string(), "utf8".to_string())]);
        let u = DatabaseUrl::parse("postgresql+psycopg2://u@[::1]/d").unwrap();
        assert_eq!(u.kind(), DialectKind::Postgres);
        assert!(matches!(u.target(), Target::Server(s) if s.host.as_deref() == Some("::1")));
        assert_eq!(
            DatabaseUrl::parse("mariadb://h/d").unwrap().kind(),
            DialectKind::Mysql
        );
    }

    #[test]
    fn passwords_are_masked_everywhere() {
        let u = DatabaseUrl::parse("postgres://bob:s3cret@h:5432/d").unwrap();
        assert_eq!(u.to_string(), "postgres://bob:***@h:5432/d");
        assert!(!format!("{u:?} {:?}", u.target()).contains("s3cret"));
        let err = DatabaseUrl::parse("mysql://bob:s3cret@h:notaport/d").unwrap_err();
        assert!(
            err.to_string().contains("mysql://bob:***@h:notaport/d"),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"));
        assert_eq!(mask_password("x://a:b@c@d/e"), "x://a:***@d/e");
        assert_eq!(mask_password("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[test]
    fn passwords_that_break_url_syntax_are_masked() {
        for (given, shown) in [
            ("mysql://root:S3cr3t/PW@h/x", "mysql://root:***@h/x"),
            ("mysql://root:S3c#ret@h/x", "mysql://root:***@h/x"),
            ("mysql://root:S3c?ret@h/x", "mysql://root:***@h/x"),
            ("mysql:root:S3cret@h/x", "mysql:root:***@h/x"),
            ("mysql://root:a@b@c/x", "mysql://root:***@c/x"),
            (
                "postgresql://u@h/d?password=S3cret&x=1",
                "postgresql://u@h/d?password=***&x=1",
            ),
            ("mysql://root@h/x", "mysql://root@h/x"),
            ("sqlite:///dir@x/a:b.db", "sqlite:///dir@x/a:b.db"),
            ("repo/path", "repo/path"),
        ] {
            assert_eq!(mask_password(given), shown, "{given}");
        }
        assert_eq!(
            mask_passwords_in("unexpected argument 'mysql://u:p/w@h/x' found\n"),
            "unexpected argument 'mysql://u:***@h/x' found\n"
        );
        for bad in [
            "mysql://root:S3cr3t/PW@h/x",
            "mysql://root:S3c#ret@h/x",
            "mysql:root:S3cret@h/x",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("S3c"), "{err}");
        }
    }

    #[test]
    fn bad_urls_are_named() {
        assert!(matches!(
            DatabaseUrl::parse("oracle://x/y"),
            Err(UrlError::UnknownScheme { scheme, .. }) if scheme == "oracle"
        ));
        assert!(matches!(
            DatabaseUrl::parse("just-a-path"),
            Err(UrlError::MissingScheme { .. })
        ));
        assert!(matches!(
            DatabaseUrl::parse("mysql:relative"),
            Err(UrlError::MissingScheme { .. })
        ));
    }

    #[test]
    fn sqlx_sqlite_forms() {
        let parsed = |u: &str| {
            let url = DatabaseUrl::parse(u).unwrap_or_else(|e| panic!("{u}: {e}"));
            (url.target().clone(), url.sqlite_mode())
        };
        let file = |p: &str| Target::Sqlite(SqliteTarget::File(p.into()));
        let memory = Target::Sqlite(SqliteTarget::Memory);
        assert_eq!(parsed("sqlite:x.db"), (file("x.db"), None));
        assert_eq!(parsed("sqlite:dir/x.db"), (file("dir/x.db"), None));
        assert_eq!(parsed("sqlite:/abs/x.db"), (file("/abs/x.db"), None));
        assert_eq!(parsed("sqlite://x.db"), (file("x.db"), None));
        assert_eq!(parsed("sqlite:my%20x.db"), (file("my x.db"), None));
        for u in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite:///",
            "sqlite://?mode=memory",
            "sqlite://x.db?mode=memory",
            "sqlite:x.db?mode=memory",
        ] {
            assert_eq!(parsed(u), (memory.clone(), None), "{u}");
        }
        for (option, mode) in [
            ("rwc", SqliteMode::ReadWriteCreate),
            ("rw", SqliteMode::ReadWrite),
            ("ro", SqliteMode::ReadOnly),
        ] {
            assert_eq!(
                parsed(&format!("sqlite://x.db?mode={option}")),
                (file("x.db"), Some(mode))
            );
            assert_eq!(
                parsed(&format!("sqlite:x.db?mode={option}")),
                (file("x.db"), Some(mode))
            );
        }
        // SQLAlchemy's forms keep their meaning, and take the mode too.
        assert_eq!(
            parsed("sqlite:///rel/x.db?mode=ro"),
            (file("rel/x.db"), Some(SqliteMode::ReadOnly))
        );
        assert_eq!(
            parsed("sqlite:////abs/x.db?mode=rw"),
            (file("/abs/x.db"), Some(SqliteMode::ReadWrite))
        );
        assert_eq!(parsed("sqlite:///x.db"), (file("x.db"), None));
        assert_eq!(parsed("sqlite:////x.db"), (file("/x.db"), None));
    }

    #[test]
    fn bad_sqlite_urls_are_named_without_their_secrets() {
        let reason = |u: &str| match DatabaseUrl::parse(u) {
            Err(UrlError::Malformed { url, reason }) => format!("{url}: {reason}"),
            other => panic!("{u}: {other:?}"),
        };
        assert!(reason("sqlite:").contains("no database file"));
        assert!(reason("sqlite:x.db?mode=rwx").contains("unknown SQLite mode 'rwx'"));
        let unknown = reason("sqlite:///x.db?password=hunter2");
        assert!(
            unknown.contains("unknown SQLite option 'password'"),
            "{unknown}"
        );
        assert!(!unknown.contains("hunter2"), "{unknown}");
        for u in [
            "sqlite://app:hunter2@db/x.db",
            "sqlite:app:hunter2@db/x.db",
            "sqlite://app:hun?ter2@db/x.db?mode=ro",
        ] {
            let shown = reason(u);
            assert!(shown.contains("no user, password or host"), "{shown}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("ter2"),
                "{shown}"
            );
        }
        // Text before a later `://` is not a scheme to quote.
        let err = DatabaseUrl::parse("mysql:root:hunter2@h://x").unwrap_err();
        assert!(matches!(err, UrlError::MissingScheme { .. }), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
