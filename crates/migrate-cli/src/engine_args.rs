//! sqlalchemy-migrate passed `--engine_arg_NAME=VALUE` (and `--engine_dict=…`) to
//! SQLAlchemy's `create_engine`. Scripts written for it still pass them. `echo` keeps its
//! meaning (print each statement); the others configure a Python engine migrate does not
//! have, so they are taken off the command line here and reported as having no effect.

use std::ffi::OsString;

/// The command line with the engine arguments taken out.
pub struct EngineArgs {
    /// What is left for clap.
    pub args: Vec<OsString>,
    /// `--engine_arg_echo` was given a true value.
    pub echo: bool,
    /// The other engine arguments, as given (values dropped, in case they hold secrets).
    pub ignored: Vec<String>,
}

/// Splits the engine arguments off `args`.
pub fn extract(args: Vec<OsString>) -> EngineArgs {
    let mut out = EngineArgs {
        args: Vec::with_capacity(args.len()),
        echo: false,
        ignored: Vec::new(),
    };
    for arg in args {
        let Some(text) = arg.to_str() else {
            out.args.push(arg);
            continue;
        };
        let Some(rest) = text
            .strip_prefix("--engine_arg_")
            .or_else(|| text.strip_prefix("--engine-arg-"))
        else {
            if text == "--engine_dict" || text.starts_with("--engine_dict=") {
                out.ignored.push("--engine_dict".into());
            } else {
                out.args.push(arg);
            }
            continue;
        };
        let (name, value) = rest.split_once('=').unwrap_or((rest, "True"));
        if name == "echo" {
            out.echo = is_true(value);
        } else {
            out.ignored.push(format!("--engine_arg_{name}"));
        }
    }
    out
}

/// Python's spellings of true, as the shell passed them through.
fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "debug"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> EngineArgs {
        extract(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn echo_is_kept_and_the_rest_reported_without_values() {
        let e = run(&[
            "migrate",
            "upgrade",
            "--engine_arg_echo=True",
            "--engine_arg_pool_recycle=3600",
            "--engine_dict={'password': 'x'}",
            "sqlite://",
        ]);
        assert!(e.echo);
        assert_eq!(e.args, ["migrate", "upgrade", "sqlite://"]);
        assert_eq!(e.ignored, ["--engine_arg_pool_recycle", "--engine_dict"]);
        assert!(!run(&["migrate", "--engine_arg_echo=False"]).echo);
    }
}
