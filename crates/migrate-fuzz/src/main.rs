//! `cargo run -p migrate-fuzz --release -- <target>|all [--seconds N] [--seed S]`: runs fuzz
//! targets for a time (default 600 s each) and prints what each did; exit 1 on a failure.

use std::process::ExitCode;

use migrate_fuzz::driver::Settings;
use migrate_fuzz::targets::{NAMES, run_target};

const USAGE: &str =
    "usage: migrate-fuzz <split|script|url|config|all> [--seconds N] [--seed S] [--keep-going]";

fn main() -> ExitCode {
    match parse(std::env::args().skip(1).collect()) {
        Ok((targets, settings)) => run(&targets, settings),
        Err(message) => {
            report(&format!("{message}\n{USAGE}"));
            ExitCode::from(2)
        }
    }
}

fn parse(args: Vec<String>) -> Result<(Vec<String>, Settings), String> {
    let mut settings = Settings::from_env(600.0);
    let mut targets = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<f64, String> {
            let v = args.next().ok_or(format!("{flag} needs a value"))?;
            v.parse::<f64>()
                .map_err(|_| format!("{flag} {v:?} is not a number"))
        };
        match arg.as_str() {
            "--seconds" => {
                settings.duration =
                    std::time::Duration::from_secs_f64(number("--seconds")?.max(0.0))
            }
            "--seed" => settings.seed = number("--seed")? as u64,
            "--keep-going" => settings.keep_going = true,
            "all" => targets.extend(NAMES.iter().map(|s| s.to_string())),
            t if NAMES.contains(&t) => targets.push(t.to_string()),
            other => return Err(format!("unknown target or option {other:?}")),
        }
    }
    if targets.is_empty() {
        return Err("name a target".to_string());
    }
    Ok((targets, settings))
}

fn run(targets: &[String], settings: Settings) -> ExitCode {
    let mut failed = false;
    for t in targets {
        let r = run_target(t, settings).expect("a known target");
        failed |= !r.failures.is_empty();
        report(&r.to_string());
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

// A command-line tool: its report is its output.
#[allow(clippy::print_stdout)]
fn report(text: &str) {
    println!("{text}");
}
