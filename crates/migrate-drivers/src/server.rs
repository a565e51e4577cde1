//! What the PostgreSQL and MySQL drivers share: the remedies they attach to a failed
//! connection. Nothing here talks to a server.

/// The remedy for a server that cannot be reached.
pub(crate) fn unreachable_help(what: &str, host: &str, port: u16) -> Option<String> {
    Some(format!(
        "is {what} running and accepting TCP connections on {host}:{port}?"
    ))
}

/// A URL option the driver does not know.
pub(crate) fn unknown_option(key: &str, known: &str) -> (String, Option<String>) {
    (
        format!("unknown URL option '{key}'"),
        Some(format!("supported options: {known}")),
    )
}

/// The remedy for a connection that failed over TLS, from the driver's message: a server
/// without TLS, or a certificate that could not be verified. `options` names the URL's TLS
/// options for this database (`sslmode`/`sslrootcert`, `ssl-mode`/`ssl-ca`).
pub(crate) fn tls_failure_help(message: &str, options: (&str, &str)) -> Option<String> {
    let (mode, ca) = options;
    let lower = message.to_ascii_lowercase();
    if lower.contains("does not support tls") || lower.contains("does not have this capability") {
        return Some(format!(
            "the server does not offer TLS: enable it there, or drop {mode} (plaintext) if the \
             network is trusted"
        ));
    }
    (lower.contains("certificate") || lower.contains("tls handshake")).then(|| {
        format!(
            "the server's certificate could not be verified: give the authority that signed it \
             with {ca}=FILE (PEM), or connect by the name the certificate holds"
        )
    })
}
