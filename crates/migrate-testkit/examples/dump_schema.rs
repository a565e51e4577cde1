//! `cargo run -p migrate-testkit --example dump_schema -- URL [--data]`: prints what
//! `testdata/sam-oracle/dump_schema.py URL [--data]` prints, from the Rust port. Used to check
//! the port byte for byte against the Python script on live databases.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.iter().find(|a| !a.starts_with("--")) else {
        let _ = writeln!(std::io::stderr(), "usage: dump_schema URL [--data]");
        std::process::exit(2);
    };
    let with_data = args.iter().any(|a| a == "--data");
    let url = migrate_core::DatabaseUrl::parse(url).unwrap_or_else(|e| fail(&e.to_string()));
    let mut conn = migrate_drivers::connect(&url).unwrap_or_else(|e| fail(&e.to_string()));
    let dump = migrate_testkit::dump_schema(conn.as_mut(), with_data)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let text = migrate_testkit::to_python_json(&dump);
    if std::io::stdout().write_all(text.as_bytes()).is_err() {
        std::process::exit(1);
    }
}

fn fail(message: &str) -> ! {
    let _ = writeln!(std::io::stderr(), "dump_schema: {message}");
    std::process::exit(1);
}
