//! All printing goes through here: results to stdout, diagnostics to stderr.
//!
//! Write errors on stdout (a closed pipe, say) are ignored: the command's work is done or
//! failed independently of whether anyone reads its output.

use std::io::{self, Write};

use migrate_core::executor::Observer;
use migrate_core::lock::LockObserver;
use migrate_core::plan::Step;
use migrate_core::script::ScriptWarning;
use migrate_core::url::mask_passwords_in;

/// The one place that writes to the terminal.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// `-q`/`--disable_logging`: print nothing but errors. sqlalchemy-migrate logged its
    /// results and step lines, so disabling logging silenced them too.
    quiet: bool,
    /// `--engine_arg_echo=True`: commands that run scripts print each statement sent.
    pub echo: bool,
    /// `--json`: the result is one JSON document on stdout instead of text.
    pub json: bool,
}

impl Output {
    /// A new output on the process's stdout and stderr; `quiet` prints nothing but errors.
    pub fn new(quiet: bool) -> Output {
        Output {
            quiet,
            ..Output::default()
        }
    }

    /// The command's result as one JSON document on stdout (`--json`).
    pub fn json_result(&mut self, value: &impl serde::Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => self.result(&text),
            // Our report types hold only strings, numbers and lists: this cannot happen.
            Err(e) => self.error(&format!("cannot render JSON: {e}"), None),
        }
    }

    /// A one-value result: the text alone on a line, or `{"key": value}` with `--json`.
    pub fn value(&mut self, key: &str, value: impl serde::Serialize + std::fmt::Display) {
        if self.json {
            self.json_result(&serde_json::json!({ key: value }));
        } else {
            self.result(&value.to_string());
        }
    }

    /// Files a command wrote: `created PATH` lines on stderr, or with `--json` the result
    /// `{"created": [PATH, …]}`.
    pub fn created(&mut self, paths: &[std::path::PathBuf]) {
        if self.json {
            self.json_result(&serde_json::json!({ "created": paths }));
            return;
        }
        for path in paths {
            self.status(&format!("created {}", path.display()));
        }
    }

    /// A result line on stdout.
    pub fn result(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let mut stdout = io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }

    /// A status line ("created …") on stderr.
    pub fn status(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let _ = writeln!(io::stderr().lock(), "{line}");
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin; no is the default.
    pub fn confirm(&mut self, question: &str) -> io::Result<bool> {
        let mut stderr = io::stderr().lock();
        write!(stderr, "{question} [y/N] ")?;
        stderr.flush()?;
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
    }

    /// The argument parser's own text (help, version, or an error quoting arguments), as it
    /// formatted it, with any password in a quoted URL masked.
    pub fn parser_text(&mut self, text: &str, to_stderr: bool) {
        let text = mask_passwords_in(text);
        if to_stderr {
            let _ = write!(io::stderr().lock(), "{text}");
        } else {
            let mut stdout = io::stdout().lock();
            let _ = write!(stdout, "{text}");
            let _ = stdout.flush();
        }
    }

    /// A warning on stderr.
    pub fn warning(&mut self, message: &str) {
        if self.quiet {
            return;
        }
        let message = mask_passwords_in(message);
        let _ = writeln!(io::stderr().lock(), "warning: {message}");
    }

    /// An error and its remedy on stderr.
    ///
    /// Every error is masked again here, whatever produced it: a driver or library message
    /// that quotes a URL must not be the one path that leaks a password. (Remedies are our
    /// own fixed text, and show `user:password@` placeholders on purpose.)
    pub fn error(&mut self, message: &str, help: Option<&str>) {
        let mut stderr = io::stderr().lock();
        let _ = writeln!(stderr, "error: {}", mask_passwords_in(message));
        if let Some(help) = help {
            let _ = writeln!(stderr, "help: {help}");
        }
    }
}

/// Prints each step as sqlalchemy-migrate did: `0 -> 1... ` before it runs, `done` after.
pub struct StepPrinter<'o> {
    out: &'o mut Output,
}

impl<'o> StepPrinter<'o> {
    /// A printer writing to `out`.
    pub fn new(out: &'o mut Output) -> StepPrinter<'o> {
        StepPrinter { out }
    }
}

impl LockObserver for StepPrinter<'_> {
    fn waiting(&mut self, holder: Option<&str>) {
        let by = holder.map(|h| format!(" held by {h}")).unwrap_or_default();
        self.out
            .status(&format!("waiting for the migration lock{by}..."));
    }
}

impl LockObserver for SqlPrinter<'_> {}

impl Observer for StepPrinter<'_> {
    // With --json the steps are reported in the JSON document instead (see `progress`).
    fn step_started(&mut self, step: &Step) {
        if !self.out.json {
            self.out
                .result(&format!("{} -> {}... ", step.from, step.to));
        }
    }

    fn step_finished(&mut self, _step: &Step) {
        if !self.out.json {
            self.out.result("done");
        }
    }

    /// `--preview_py`: the step's Python function between its `N -> M... ` and `done`, as
    /// sqlalchemy-migrate logged it (its source ends in a newline, so a blank line follows).
    fn preview(&mut self, _step: &Step, source: &str) {
        if !self.out.json {
            self.out.result(source);
        }
    }

    fn warning(&mut self, warning: &ScriptWarning) {
        self.out.warning(&format!(
            "{}:{}: {}",
            warning.path.display(),
            warning.line,
            warning.message
        ));
    }
}

/// Prints the SQL a run would execute, as a script that could be run by hand.
pub struct SqlPrinter<'o> {
    out: &'o mut Output,
}

impl<'o> SqlPrinter<'o> {
    /// A printer writing to `out`.
    pub fn new(out: &'o mut Output) -> SqlPrinter<'o> {
        SqlPrinter { out }
    }
}

impl Observer for SqlPrinter<'_> {
    fn step_started(&mut self, step: &Step) {
        if !self.out.json {
            self.out.result(&format!(
                "-- {} -> {} ({})",
                step.from,
                step.to,
                step.script.path.display()
            ));
        }
    }

    fn step_finished(&mut self, _step: &Step) {
        if !self.out.json {
            self.out.result("");
        }
    }

    fn warning(&mut self, warning: &ScriptWarning) {
        StepPrinter::new(self.out).warning(warning);
    }

    fn preview(&mut self, _step: &Step, sql: &str) {
        if !self.out.json {
            self.out.result(&format!("{sql};"));
        }
    }
}
