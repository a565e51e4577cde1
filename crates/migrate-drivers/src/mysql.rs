//! MySQL and MariaDB through the synchronous `mysql` client. Script statements use the text
//! protocol (one round trip); migrate's own parameterised queries use cached prepared
//! statements.

use std::time::Duration;

use migrate_core::connection::BatchError;
use migrate_core::dialect::{Dialect, MYSQL, MYSQL_NO_BACKSLASH_ESCAPES};
use migrate_core::url::ServerTarget;
use migrate_core::{Connection, DbError, Value};
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Params, Value as MyValue};

use crate::server::{unknown_option, unreachable_help};

/// A connection to a MySQL or MariaDB server.
pub struct MysqlConnection {
    conn: Conn,
    /// The id the last `INSERT` of the last batch generated (the driver only keeps the last
    /// statement's, which is the batch's `COMMIT`).
    batch_insert_id: Option<u64>,
    /// How it was opened, to open another (the lease lock's renewals); none for a
    /// connection the application handed us.
    server: Option<ServerTarget>,
}

const OPTIONS: &str = "charset, unix_socket, connect_timeout, ssl-mode (DISABLED, PREFERRED, \
     REQUIRED, VERIFY_CA or VERIFY_IDENTITY), ssl-ca";

impl MysqlConnection {
    /// Connects with the URL's address, credentials and options.
    ///
    /// # Errors
    /// The message and remedy when the server cannot be reached or refuses us.
    pub fn open(server: &ServerTarget) -> Result<MysqlConnection, (String, Option<String>)> {
        let host = server.host.clone().unwrap_or_else(|| "localhost".into());
        let port = server.port.unwrap_or(3306);
        let mut opts = OptsBuilder::new()
            .ip_or_hostname(Some(host.clone()))
            .tcp_port(port)
            .user(server.user.clone())
            .pass(server.password.clone())
            .db_name(server.database.clone())
            // Do not silently reconnect through a socket: connect where the URL says.
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(10)));
        let mut init = Vec::new();
        let (mut ssl_mode, mut ssl_ca) = (None::<String>, None);
        for (key, value) in &server.options {
            match key.as_str() {
                "charset" => {
                    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err((
                            format!("charset '{value}' is not a character set name"),
                            None,
                        ));
                    }
                    init.push(format!("SET NAMES {value}"));
                }
                "unix_socket" => opts = opts.socket(Some(value.clone())),
                "connect_timeout" => {
                    let secs = value.parse().map_err(|_| {
                        (format!("connect_timeout '{value}' is not a number"), None)
                    })?;
                    opts = opts.tcp_connect_timeout(Some(Duration::from_secs(secs)));
                }
                "ssl-mode" | "ssl_mode" | "sslmode" => ssl_mode = Some(value.to_ascii_uppercase()),
                "ssl-ca" | "ssl_ca" | "sslrootcert" => {
                    ssl_ca = Some(std::path::PathBuf::from(value))
                }
                other => return Err(unknown_option(other, OPTIONS)),
            }
        }
        let opts = opts.init(init);
        let connect = |ssl: Option<mysql::SslOpts>| Conn::new(opts.clone().ssl_opts(ssl));
        let conn = match ssl_opts(ssl_mode.as_deref(), ssl_ca)? {
            Tls::Off => connect(None),
            Tls::On(ssl) => connect(Some(ssl)),
            // PREFERRED: TLS where the server offers it, as MySQL's own client.
            Tls::Preferred(ssl) => match connect(Some(ssl)) {
                Err(mysql::Error::DriverError(mysql::DriverError::TlsNotSupported)) => {
                    connect(None)
                }
                other => other,
            },
        }
        .map_err(|e| connect_failure(&e, &host, port))?;
        Ok(MysqlConnection {
            server: Some(server.clone()),
            ..MysqlConnection::from_conn(conn)
        })
    }

    /// Wraps a connection the application already has.
    pub fn from_conn(conn: Conn) -> MysqlConnection {
        MysqlConnection {
            conn,
            batch_insert_id: None,
            server: None,
        }
    }
}

/// What `ssl-mode` asks (MySQL's client option, any case).
enum Tls {
    Off,
    On(mysql::SslOpts),
    Preferred(mysql::SslOpts),
}

/// `ssl-mode`: none or `DISABLED`, plaintext (migrate's default); `PREFERRED`, TLS when the
/// server offers it; `REQUIRED`, TLS, the certificate checked against `ssl-ca` when one is
/// given; `VERIFY_CA`, signed by a trusted authority; `VERIFY_IDENTITY`, and naming the host.
fn ssl_opts(
    mode: Option<&str>,
    ca: Option<std::path::PathBuf>,
) -> Result<Tls, (String, Option<String>)> {
    let base = || {
        let opts = mysql::SslOpts::default();
        match &ca {
            Some(path) => opts.with_root_cert_path(Some(path.clone())),
            None => opts,
        }
    };
    let unverified = || {
        base()
            .with_danger_accept_invalid_certs(ca.is_none())
            .with_danger_skip_domain_validation(true)
    };
    Ok(match mode {
        None | Some("DISABLED") => Tls::Off,
        Some("PREFERRED") => Tls::Preferred(unverified()),
        Some("REQUIRED") => Tls::On(unverified()),
        Some("VERIFY_CA") => Tls::On(base().with_danger_skip_domain_validation(true)),
        Some("VERIFY_IDENTITY") => Tls::On(base()),
        Some(other) => {
            return Err((
                format!(
                    "ssl-mode '{other}' is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, \
                     VERIFY_IDENTITY"
                ),
                None,
            ));
        }
    })
}

impl MysqlConnection {
    /// Sends `sql` (one statement or several) as one text query and reads every result set,
    /// so an error in any of them is seen. Returns the last id an `INSERT` generated, or the
    /// index of the failing result set and its error.
    fn run_text(&mut self, sql: &str) -> Result<Option<u64>, (usize, mysql::Error)> {
        let mut inserted = None;
        let mut result = self.conn.query_iter(sql).map_err(|e| (0, e))?;
        let mut index = 0;
        while let Some(set) = result.iter() {
            inserted = set.last_insert_id().filter(|id| *id > 0).or(inserted);
            for row in set {
                row.map_err(|e| (index, e))?;
            }
            index += 1;
        }
        Ok(inserted)
    }
}

fn connect_failure(e: &mysql::Error, host: &str, port: u16) -> (String, Option<String>) {
    match e {
        mysql::Error::MySqlError(server) => {
            let help = match server.code {
                1049 => Some("create the database first, or fix its name in the URL".into()),
                1044 | 1045 | 1698 => Some("check the user name and password in the URL".into()),
                _ => None,
            };
            (db_error(e).message, help)
        }
        _ => {
            let message = plain_message(e);
            let help = crate::server::tls_failure_help(&message, ("ssl-mode", "ssl-ca"))
                .or_else(|| unreachable_help("MySQL/MariaDB", host, port));
            (message, help)
        }
    }
}

fn db_error(e: &mysql::Error) -> DbError {
    match e {
        mysql::Error::MySqlError(server) => DbError::new(format!(
            "ERROR {} ({}): {}",
            server.code, server.state, server.message
        ))
        .with_sqlstate(server.state.clone()),
        // The server went away under the statement (08S01, "communication link failure").
        mysql::Error::IoError(_)
        | mysql::Error::DriverError(mysql::DriverError::PacketOutOfSync) => {
            DbError::new(plain_message(e)).with_sqlstate("08S01")
        }
        other => DbError::new(plain_message(other)),
    }
}

/// The mysql crate's message without its `DriverError { … }` wrapper, which is Rust's
/// debugging shape and means nothing to a user.
fn plain_message(e: &mysql::Error) -> String {
    let text = e.to_string();
    match text.split_once(" { ") {
        Some((kind, inner))
            if kind.chars().all(|c| c.is_ascii_alphanumeric()) && inner.ends_with(" }") =>
        {
            inner[..inner.len() - 2].to_string()
        }
        _ => text,
    }
}

fn params(values: &[Value]) -> Params {
    if values.is_empty() {
        return Params::Empty;
    }
    Params::Positional(
        values
            .iter()
            .map(|v| match v {
                Value::Int(i) => MyValue::Int(*i),
                Value::Text(t) => MyValue::Bytes(t.clone().into_bytes()),
                _ => MyValue::NULL,
            })
            .collect(),
    )
}

fn from_mysql(value: MyValue) -> Value {
    match value {
        MyValue::NULL => Value::Null,
        MyValue::Int(i) => Value::Int(i),
        MyValue::UInt(u) => {
            i64::try_from(u).map_or_else(|_| Value::Text(u.to_string()), Value::Int)
        }
        MyValue::Bytes(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
        MyValue::Float(f) => Value::Text(f.to_string()),
        MyValue::Double(f) => Value::Text(f.to_string()),
        // As the server prints them in the text protocol (`as_sql` would quote them).
        MyValue::Date(y, mo, d, 0, 0, 0, 0) => Value::Text(format!("{y:04}-{mo:02}-{d:02}")),
        MyValue::Date(y, mo, d, h, mi, s, us) => {
            let fraction = if us == 0 {
                String::new()
            } else {
                format!(".{us:06}")
            };
            Value::Text(format!(
                "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{fraction}"
            ))
        }
        MyValue::Time(negative, days, h, mi, s, us) => {
            let sign = if negative { "-" } else { "" };
            let hours = u32::from(h) + days * 24;
            let fraction = if us == 0 {
                String::new()
            } else {
                format!(".{us:06}")
            };
            Value::Text(format!("{sign}{hours:02}:{mi:02}:{s:02}{fraction}"))
        }
    }
}

impl Connection for MysqlConnection {
    // The server reports NO_BACKSLASH_ESCAPES in every reply's status flags, so literals
    // follow the session's sql_mode even when a script changes it.
    fn reopener(&self) -> Option<migrate_core::connection::Reopen> {
        let server = self.server.clone()?;
        Some(Box::new(move || {
            MysqlConnection::open(&server)
                .map(|c| Box::new(c) as Box<dyn Connection>)
                .map_err(|(message, _)| DbError::new(message))
        }))
    }

    fn dialect(&self) -> &'static dyn Dialect {
        if self.conn.no_backslash_escape() {
            &MYSQL_NO_BACKSLASH_ESCAPES
        } else {
            &MYSQL
        }
    }

    // `sql` may hold several statements (a `DELIMITER` block): every result set is read, since
    // `query_drop` would discard the error of any statement after the first.
    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.batch_insert_id = None;
        self.run_text(sql).map(|_| ()).map_err(|(index, e)| {
            let mut error = db_error(&e);
            if index > 0 {
                // Those before it ran (and DDL committed): say so, the step counts them as one.
                error.message = format!(
                    "{} (in statement {} of this text; the {index} before it ran)",
                    error.message,
                    index + 1
                );
            }
            error
        })
    }

    // One multi-statement query: one round trip; each statement's result set arrives in
    // order, so the first error's position is the number of sets read before it.
    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        self.batch_insert_id = None;
        let inserted = self
            .run_text(&statements.join(";\n"))
            .map_err(|(index, e)| BatchError {
                index: Some(index),
                error: db_error(&e),
            })?;
        self.batch_insert_id = inserted;
        Ok(())
    }

    fn last_insert_id(&self) -> Option<i64> {
        let id = self.batch_insert_id.unwrap_or(self.conn.last_insert_id());
        i64::try_from(id).ok().filter(|id| *id > 0)
    }

    fn execute_with(&mut self, sql: &str, values: &[Value]) -> Result<u64, DbError> {
        self.batch_insert_id = None;
        self.conn
            .exec_drop(sql, params(values))
            .map_err(|e| db_error(&e))?;
        Ok(self.conn.affected_rows())
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.batch_insert_id = None;
        let rows: Vec<mysql::Row> = self
            .conn
            .exec(sql, params(values))
            .map_err(|e| db_error(&e))?;
        Ok(rows
            .into_iter()
            .map(|row| row.unwrap().into_iter().map(from_mysql).collect())
            .collect())
    }
}
