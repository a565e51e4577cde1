//! Database URLs: parsing never panics and a password never reaches output.
//!
//! Built inputs are `scheme://user:PASSWORD@host[:port]/db[?query]` with a random password
//! (any characters, given raw or percent-encoded): the password must appear neither in the
//! `Display` of the error nor in the masked URL or `Debug` forms, and an encoded password
//! must decode to exactly itself. Raw inputs (mutated seeds) must parse without panicking
//! and mask any password the parser finds.

use migrate_core::DatabaseUrl;
use migrate_core::url::{Target, mask_password};
use proptest::prelude::*;
use proptest::sample::select;

use crate::corpus;

/// Characters that mean something in a URL, for passwords, hosts and mutations.
const SPECIAL: &[&str] = &[
    "@", ":", "/", "?", "#", "%", "%4", "%40", "[", "]", " ", "\\", "+", "&", "=", "'", "\"", "*",
    "://", "é", "日", "\u{0}", "\n",
];

/// A URL assembled from parts, so the password is known.
#[derive(Debug, Clone)]
pub struct Parts {
    /// `postgresql`, `mysql+pymysql`…
    pub scheme: &'static str,
    /// The user name.
    pub user: String,
    /// The password, which must never be shown.
    pub password: String,
    /// Whether the password is written percent-encoded (as it should be) or raw.
    pub encoded: bool,
    /// Host, possibly empty or malformed.
    pub host: String,
    /// `:port`, possibly malformed, or empty.
    pub port: String,
    /// The database name.
    pub database: String,
    /// `?options`, or empty.
    pub query: String,
}

/// One input.
#[derive(Debug, Clone)]
pub enum Input {
    /// Assembled from parts.
    Built(Parts),
    /// Any text.
    Raw(String),
}

fn password() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => any::<char>().prop_map(String::from),
        2 => "[a-zA-Z0-9]{1,3}",
        1 => select(SPECIAL).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|p| p.concat())
}

fn parts(encoded: bool) -> impl Strategy<Value = Parts> {
    let scheme = select(
        &[
            "postgresql",
            "postgres",
            "mysql",
            "mariadb",
            "mysql+pymysql",
            "postgresql+psycopg2",
            "sqlite",
            "oracle",
            "MYSQL",
        ][..],
    );
    let host = prop_oneof![
        select(
            &[
                "localhost",
                "127.0.0.1",
                "[::1]",
                "db.example",
                "",
                "h_x",
                "[::1"
            ][..]
        )
        .prop_map(str::to_string),
        "[a-z.:%\\[\\]]{0,6}",
    ];
    let port = prop_oneof![
        Just(String::new()),
        (0u32..70000).prop_map(|p| format!(":{p}")),
        "[:0-9a-z]{0,4}",
    ];
    (
        scheme,
        "[a-z_.]{0,5}",
        password(),
        Just(encoded),
        host,
        port,
        "[a-z_/%.]{0,5}",
        prop_oneof![Just(String::new()), "\\?[a-z_=&%]{0,12}"],
    )
        .prop_map(
            |(scheme, user, password, encoded, host, port, database, query)| Parts {
                scheme,
                user,
                password,
                encoded,
                host,
                port,
                database,
                query,
            },
        )
}

/// URLs with a percent-encoded password, as they should be written, and mutated seeds.
pub fn strategy() -> BoxedStrategy<Input> {
    prop_oneof![
        3 => parts(true).prop_map(Input::Built),
        1 => corpus::texts(corpus::seeds("url"), SPECIAL).prop_map(Input::Raw),
    ]
    .boxed()
}

/// URLs with the password written as it is, any characters unencoded: a mistake, but one
/// whose error must not show the password either.
pub fn strategy_raw_password() -> BoxedStrategy<Input> {
    parts(false).prop_map(Input::Built).boxed()
}

/// Every byte but ASCII letters and digits as `%XX`.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Parts {
    /// The password as written in the URL.
    fn written_password(&self) -> String {
        if self.encoded {
            percent_encode(&self.password)
        } else {
            self.password.clone()
        }
    }

    fn url_with_password(&self, password: &str) -> String {
        format!(
            "{}://{}:{password}@{}{}/{}{}",
            self.scheme, self.user, self.host, self.port, self.database, self.query
        )
    }
}

/// Checks one input.
///
/// # Panics
/// When parsing panics, a password shows, or an encoded password decodes to another one.
pub fn check(input: &Input) {
    match input {
        Input::Built(parts) => check_built(parts),
        Input::Raw(text) => check_raw(text),
    }
}

fn check_built(parts: &Parts) {
    let written = parts.written_password();
    let url = parts.url_with_password(&written);
    let shown = outputs(&url);
    // Passwords that are part of the rest of the URL or of the messages cannot be told
    // apart from them: only distinctive ones are checked.
    // Both a well-formed and a malformed variant: the latter brings the fixed help text
    // (`postgresql://user:password@host…`), in which a password like `l://` also appears.
    let skeleton = parts.url_with_password("")
        + &outputs(&parts.url_with_password("pw"))
        + &outputs(&parts.url_with_password("p/w?#"))
        + &outputs(&parts.url_with_password("p/w"));
    for secret in [&parts.password, &written] {
        if secret.trim().chars().count() >= 3 && !skeleton.contains(secret.as_str()) {
            assert!(
                !shown.contains(secret.as_str()),
                "password {secret:?} of {url:?} is shown: {shown:?}"
            );
        }
    }
    if parts.encoded {
        check_decoded(parts, &url);
    }
}

/// A percent-encoded password parses to exactly the password.
fn check_decoded(parts: &Parts, url: &str) {
    let Ok(parsed) = DatabaseUrl::parse(url) else {
        return;
    };
    if let Target::Server(server) = parsed.target() {
        assert_eq!(
            server.password.as_deref(),
            Some(parts.password.as_str()),
            "{url:?} gives another password"
        );
    }
}

/// Everything a user could see of a URL: the error, or the masked URL and `Debug` forms.
fn outputs(url: &str) -> String {
    let masked = mask_password(url);
    match DatabaseUrl::parse(url) {
        Err(e) => format!("{masked}\n{e}\n{e:?}\n{:?}", e.help()),
        Ok(u) => {
            let other = u
                .with_database("scratch")
                .map(|s| format!("{s} {s:?}"))
                .unwrap_or_default();
            format!(
                "{masked}\n{u}\n{u:?}\n{}\n{:?}\n{other}",
                u.masked(),
                u.target()
            )
        }
    }
}

fn check_raw(text: &str) {
    let shown = outputs(text);
    let Ok(parsed) = DatabaseUrl::parse(text) else {
        return;
    };
    if let Target::Server(server) = parsed.target()
        && server.password.as_deref().is_some_and(|p| !p.is_empty())
    {
        assert!(
            parsed.to_string().contains("***"),
            "{text:?} has a password but shows as {parsed} ({shown:?})"
        );
    }
}
