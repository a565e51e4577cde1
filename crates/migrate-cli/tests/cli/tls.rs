//! TLS (issue 16), against servers of the test's own with a CA made for the test
//! (`topology`): `verify-full` / `VERIFY_IDENTITY` connect encrypted and checked, a wrong CA
//! or an unverifiable name is refused, and asking for TLS of a server without it fails
//! clearly instead of falling back to plaintext.

use migrate_core::{Connection, DatabaseUrl};

use crate::support::{Backend, TestDb, migrate};
use crate::topology::{Certs, MariaDb, PgServer};

fn connect(url: &str) -> Result<Box<dyn Connection>, String> {
    let parsed = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    migrate_drivers::connect(&parsed).map_err(|e| format!("{e}: {}", e.help().unwrap_or_default()))
}

fn one_value(conn: &mut dyn Connection, sql: &str) -> String {
    let rows = conn.query(sql, &[]).expect(sql);
    crate::support::text(&rows[0][0])
}

#[test]
fn postgresql_connects_with_verify_full_and_refuses_what_it_cannot_verify() {
    let certs = Certs::new();
    let server = PgServer::start(Some(&certs));
    let ca = certs.path("ca.pem");
    let other = certs.path("other.pem");
    let encrypted = "SELECT ssl::int FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    for host in ["127.0.0.1", "localhost"] {
        let url = server.url(
            host,
            &format!("?sslmode=verify-full&sslrootcert={}", ca.display()),
        );
        let mut conn = connect(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(one_value(conn.as_mut(), encrypted), "1", "{url}");
    }
    let wrong_ca = server.url(
        "127.0.0.1",
        &format!("?sslmode=verify-full&sslrootcert={}", other.display()),
    );
    let refused = connect(&wrong_ca)
        .err()
        .expect("a certificate the CA did not sign");
    assert!(refused.contains("certificate"), "{refused}");
    // verify-ca checks the authority, not the name; require only encrypts.
    let ca_only = server.url(
        "127.0.0.1",
        &format!("?sslmode=verify-ca&sslrootcert={}", ca.display()),
    );
    assert_eq!(
        one_value(connect(&ca_only).expect("verify-ca").as_mut(), encrypted),
        "1"
    );
    let require = server.url("127.0.0.1", "?sslmode=require");
    assert_eq!(
        one_value(connect(&require).expect("require").as_mut(), encrypted),
        "1"
    );
    let prefer = server.url("127.0.0.1", "?sslmode=prefer");
    assert_eq!(
        one_value(connect(&prefer).expect("prefer").as_mut(), encrypted),
        "1",
        "prefer uses TLS when the server offers it"
    );
    // The command line, end to end.
    let dir = tempfile::tempdir().expect("tempdir");
    migrate(dir.path(), &["create", "repo", "tls"]).success();
    let url = server.url(
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={}", ca.display()),
    );
    migrate(dir.path(), &["version_control", &url, "repo"]).success();
    assert_eq!(
        migrate(dir.path(), &["db_version", &url, "repo"])
            .success()
            .stdout,
        "0\n"
    );
}

#[test]
fn postgresql_require_against_a_server_without_tls_fails_clearly() {
    let server = PgServer::start(None);
    let err = connect(&server.url("127.0.0.1", "?sslmode=require"))
        .err()
        .expect("no TLS to be had");
    assert!(err.contains("TLS") || err.contains("SSL"), "{err}");
    let prefer = connect(&server.url("127.0.0.1", "?sslmode=prefer"));
    assert!(
        prefer.is_ok(),
        "prefer falls back to plaintext: {:?}",
        prefer.err()
    );
}

#[test]
fn mariadb_connects_with_verify_identity_and_refuses_what_it_cannot_verify() {
    let certs = Certs::new();
    let server = MariaDb::start(Some(&certs));
    let ca = certs.path("ca.pem");
    let url = |mode: &str, ca: &std::path::Path| {
        format!(
            "mysql://root@127.0.0.1:{}/mysql?ssl-mode={mode}&ssl-ca={}",
            server.port,
            ca.display()
        )
    };
    let cipher = "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'";
    let mut conn = connect(&url("VERIFY_IDENTITY", &ca)).expect("verify identity");
    assert!(!one_value(conn.as_mut(), cipher).is_empty(), "encrypted");
    let refused = connect(&url("VERIFY_IDENTITY", &certs.path("other.pem")))
        .err()
        .expect("a certificate the CA did not sign");
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");
    let required = format!(
        "mysql://root@127.0.0.1:{}/mysql?ssl-mode=REQUIRED",
        server.port
    );
    let mut conn = connect(&required).expect("required");
    assert!(!one_value(conn.as_mut(), cipher).is_empty(), "encrypted");
}

#[test]
fn mariadb_required_against_a_server_without_tls_fails_clearly() {
    // The machine's MariaDB has no TLS (have_ssl = DISABLED on Debian's default).
    let db = TestDb::new(Backend::Mysql, "tls_required");
    let err = connect(&format!("{}?ssl-mode=REQUIRED", db.url))
        .err()
        .expect("no TLS to be had");
    assert!(
        err.contains("secure connection") || err.contains("TLS"),
        "{err}"
    );
    assert!(connect(&format!("{}?ssl-mode=PREFERRED", db.url)).is_ok());
}
