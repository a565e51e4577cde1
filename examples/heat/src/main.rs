//! `heat-manage [--database URL] db_sync [VERSION]` (URL also from HEAT_DATABASE_URL;
//! default `sqlite:///heat.db`).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut url = std::env::var("HEAT_DATABASE_URL").unwrap_or_else(|_| "sqlite:///heat.db".into());
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--database" {
            url = args.get(i + 1).cloned().unwrap_or_default();
            i += 2;
        } else {
            rest.push(args[i].clone());
            i += 1;
        }
    }
    let fail = |message: String| {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        ExitCode::FAILURE
    };
    if rest.first().map(String::as_str) != Some("db_sync") {
        return fail("usage: heat-manage [--database URL] db_sync [VERSION]".into());
    }
    let version = match rest.get(1).map(|v| v.parse::<migrate::Version>()) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => return fail(e.to_string()),
        None => None,
    };
    match heat_example::db_sync(&url, version) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(e.to_string()),
    }
}
