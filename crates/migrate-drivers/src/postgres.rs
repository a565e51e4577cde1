//! PostgreSQL through the synchronous `postgres` client. Script statements go over the simple
//! query protocol (one round trip, no prepare); parameterised queries as unnamed statements
//! with typed parameters (parse, bind and execute in one round trip). Nothing named outlives
//! its message: behind a transaction-pooling proxy (PgBouncer) the next query may run on
//! another server session, where a named prepared statement (`s0`) would be missing or, made
//! by another client, already exist.

use std::time::Duration;

use migrate_core::connection::BatchError;
use migrate_core::dialect::{Dialect, POSTGRES};
use migrate_core::url::ServerTarget;
use migrate_core::{Connection, DbError, Value};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls};

use crate::server::{unknown_option, unreachable_help};

/// A connection to a PostgreSQL server.
pub struct PostgresConnection {
    client: crate::pg_thread::ClientHome,
    /// How it was opened, to open another (the lease lock's renewals); none for a client
    /// the application handed us.
    server: Option<ServerTarget>,
    /// The TCP port connected to (none over a Unix socket).
    port: Option<u16>,
}

const OPTIONS: &str = "host, port, sslmode (disable, allow, prefer, require, verify-ca or \
     verify-full), sslrootcert, connect_timeout, application_name, options";

impl PostgresConnection {
    /// Connects with the URL's address, credentials and options.
    ///
    /// # Errors
    /// The message and remedy when the server cannot be reached or refuses us.
    pub fn open(server: &ServerTarget) -> Result<PostgresConnection, (String, Option<String>)> {
        let mut config = Client::configure();
        let mut host = server.host.clone().unwrap_or_else(|| "localhost".into());
        let mut port = server.port.unwrap_or(5432);
        let (mut sslmode, mut root_cert) = (None, None);
        config
            .application_name("migrate")
            .connect_timeout(Duration::from_secs(10));
        for (key, value) in &server.options {
            match key.as_str() {
                "host" => host = value.clone(),
                "port" => {
                    port = value
                        .parse()
                        .map_err(|_| (format!("port '{value}' is not a number"), None))?
                }
                "sslmode" => sslmode = Some(value.clone()),
                "sslrootcert" => root_cert = Some(std::path::PathBuf::from(value)),
                "connect_timeout" => {
                    let secs = value.parse().map_err(|_| {
                        (format!("connect_timeout '{value}' is not a number"), None)
                    })?;
                    config.connect_timeout(Duration::from_secs(secs));
                }
                "application_name" => {
                    config.application_name(value);
                }
                "options" => {
                    config.options(value);
                }
                other => return Err(unknown_option(other, OPTIONS)),
            }
        }
        if host.starts_with('/') {
            config.host_path(&host);
        } else {
            config.host(&host);
        }
        let user = server
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "postgres".into());
        config.port(port).user(&user);
        if let Some(password) = &server.password {
            config.password(password);
        }
        config.dbname(server.database.as_deref().unwrap_or(&user));
        let tls = match tls_mode(sslmode.as_deref(), root_cert.is_some())? {
            None => None,
            Some((mode, verify)) => {
                config.ssl_mode(mode);
                Some(
                    crate::tls::client_config(verify, root_cert.as_deref())
                        .map_err(|e| (e, None))?,
                )
            }
        };
        let client = crate::pg_thread::ClientHome::connect(move || match tls {
            None => config.connect(NoTls),
            Some(tls) => config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls)),
        })
        .map_err(|e| connect_failure(&e, &host, port))?;
        Ok(PostgresConnection {
            client,
            server: Some(server.clone()),
            port: (!host.starts_with('/')).then_some(port),
        })
    }

    /// Wraps a client the application already has.
    pub fn from_client(client: Client) -> PostgresConnection {
        PostgresConnection {
            client: crate::pg_thread::ClientHome::Here(Box::new(client)),
            server: None,
            port: None,
        }
    }
}

/// How to connect: the protocol's SSL mode and what to check of the certificate.
type TlsMode = (postgres::config::SslMode, crate::tls::Verify);

/// What `sslmode` asks, as libpq reads it: none or `disable`, plaintext (migrate's default,
/// where libpq's is `prefer`); `allow`/`prefer`, TLS when the server offers it; `require`,
/// TLS, the certificate checked against `sslrootcert` when one is given; `verify-ca`, signed
/// by a trusted authority; `verify-full`, and naming the host.
fn tls_mode(
    sslmode: Option<&str>,
    root_cert: bool,
) -> Result<Option<TlsMode>, (String, Option<String>)> {
    use crate::tls::Verify;
    use postgres::config::SslMode;
    let chain_if_root = if root_cert {
        Verify::Authority
    } else {
        Verify::Nothing
    };
    Ok(match sslmode {
        None | Some("disable") => None,
        Some("allow" | "prefer") => Some((SslMode::Prefer, chain_if_root)),
        Some("require") => Some((SslMode::Require, chain_if_root)),
        Some("verify-ca") => Some((SslMode::Require, Verify::Authority)),
        Some("verify-full") => Some((SslMode::Require, Verify::Full)),
        Some(other) => {
            return Err((
                format!(
                    "sslmode '{other}' is not one of disable, allow, prefer, require, verify-ca, \
                     verify-full"
                ),
                None,
            ));
        }
    })
}

fn connect_failure(e: &postgres::Error, host: &str, port: u16) -> (String, Option<String>) {
    match e.as_db_error() {
        Some(db) => {
            let help = match db.code().code() {
                "3D000" => Some("create the database first, or fix its name in the URL".into()),
                "28P01" | "28000" => Some("check the user name and password in the URL".into()),
                _ => None,
            };
            (db.message().to_string(), help)
        }
        None => {
            let message = error_chain(e);
            let help = crate::server::tls_failure_help(&message, ("sslmode", "sslrootcert"))
                .or_else(|| unreachable_help("PostgreSQL", host, port));
            (message, help)
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

fn db_error(e: &postgres::Error) -> DbError {
    match e.as_db_error() {
        Some(db) => {
            let mut message = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                message.push_str(&format!("; {detail}"));
            }
            DbError::new(message).with_sqlstate(db.code().code())
        }
        // The session ended under the statement (08006, "connection failure").
        None if e.is_closed()
            || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()) =>
        {
            DbError::new(error_chain(e)).with_sqlstate("08006")
        }
        None => DbError::new(error_chain(e)),
    }
}

/// Each parameter with the type it is sent as: integers as `bigint`, text as `text`, and NULL
/// as a `bigint` NULL (assignable to a text column as well, where a `text` NULL is not
/// assignable to an integer one).
fn typed(params: &[Value]) -> Vec<(Box<dyn ToSql + Sync>, Type)> {
    params
        .iter()
        .map(|v| -> (Box<dyn ToSql + Sync>, Type) {
            match v {
                Value::Int(i) => (Box::new(*i), Type::INT8),
                Value::Text(t) => (Box::new(t.clone()), Type::TEXT),
                _ => (Box::new(None::<i64>), Type::INT8),
            }
        })
        .collect()
}

fn refs(typed: &[(Box<dyn ToSql + Sync>, Type)]) -> Vec<(&(dyn ToSql + Sync), Type)> {
    typed.iter().map(|(v, t)| (v.as_ref(), t.clone())).collect()
}

fn from_row(row: &postgres::Row, i: usize) -> Result<Value, DbError> {
    let ty = row.columns()[i].type_().clone();
    let int = match ty {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .ok()
            .flatten()
            .map(i64::from),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .ok()
            .flatten()
            .map(i64::from),
        Type::INT8 => row.try_get::<_, Option<i64>>(i).ok().flatten(),
        Type::OID => row
            .try_get::<_, Option<u32>>(i)
            .ok()
            .flatten()
            .map(i64::from),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .ok()
            .flatten()
            .map(i64::from),
        // `SELECT pg_advisory_lock(…)` and other procedures: there is no value.
        Type::VOID => return Ok(Value::Null),
        _ => {
            // Never NULL for a value that is there: read as text, or fail naming the type.
            return match row.try_get::<_, Option<crate::pg_text::PgText>>(i) {
                Ok(Some(t)) => Ok(Value::Text(t.0)),
                Ok(None) => Ok(Value::Null),
                Err(e) => Err(DbError::new(format!(
                    "column {} of the result: {}",
                    row.columns()[i].name(),
                    error_chain(&e)
                ))),
            };
        }
    };
    Ok(int.map_or(Value::Null, Value::Int))
}

impl Connection for PostgresConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &POSTGRES
    }

    fn reopener(&self) -> Option<migrate_core::connection::Reopen> {
        let server = self.server.clone()?;
        Some(Box::new(move || {
            PostgresConnection::open(&server)
                .map(|c| Box::new(c) as Box<dyn Connection>)
                .map_err(|(message, _)| DbError::new(message))
        }))
    }

    fn remote_port(&self) -> Option<u16> {
        self.port
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_string();
        self.client
            .with(move |c| c.batch_execute(&sql).map_err(|e| db_error(&e)))
    }

    // One simple-query message for the whole batch: one round trip. PostgreSQL does not say
    // which statement failed, so the index is left to the caller to find.
    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        let sql = statements.join(";\n");
        self.client
            .with(move |c| c.batch_execute(&sql).map_err(|e| db_error(&e)))
            .map_err(|error| BatchError { index: None, error })
    }

    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let (sql, params) = (sql.to_string(), params.to_vec());
        self.client.with(move |c| {
            let typed = typed(&params);
            c.execute_typed(&sql, &refs(&typed))
                .map_err(|e| db_error(&e))
        })
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let (sql, params) = (sql.to_string(), params.to_vec());
        self.client.with(move |c| {
            let typed = typed(&params);
            let rows = c
                .query_typed(&sql, &refs(&typed))
                .map_err(|e| db_error(&e))?;
            rows.iter()
                .map(|row| (0..row.len()).map(|i| from_row(row, i)).collect())
                .collect()
        })
    }
}
