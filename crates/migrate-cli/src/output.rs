//! All printing goes through here: results to stdout, diagnostics to stderr.
//!
//! Write errors on stdout (a closed pipe, say) are ignored: the command's work is done or
//! failed independently of whether anyone reads its output.
//!
//! Stdout is written as it is, never styled, so results stay byte for byte the seed's.
//! Stderr goes through `anstream`, which keeps the colour of `error:`, `warning:` and `help:`
//! only on a terminal and never when `NO_COLOR` is set. While a progress bar is drawn on
//! stderr, every other line is written with the bar lifted, so the two never interleave.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use anstyle::{AnsiColor, Color, Style};
use indicatif::ProgressBar;

use migrate_core::executor::Observer;
use migrate_core::lock::LockObserver;
use migrate_core::plan::Step;
use migrate_core::script::ScriptWarning;
use migrate_core::url::mask_passwords_in;

const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)));
const WARNING: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Yellow)));
const HELP: Style = Style::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Cyan)));

/// The one place that writes to the terminal. Clones share the progress bar.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// `-q`/`--disable_logging`: print nothing but errors. sqlalchemy-migrate logged its
    /// results and step lines, so disabling logging silenced them too.
    quiet: bool,
    /// `--engine_arg_echo=True`: commands that run scripts print each statement sent.
    pub echo: bool,
    /// `--json`: the result is one JSON document on stdout instead of text.
    pub json: bool,
    /// `-v`: every statement sent, on stderr.
    pub verbose: bool,
    bar: Rc<RefCell<Option<ProgressBar>>>,
}

impl Output {
    /// A new output on the process's stdout and stderr; `quiet` prints nothing but errors.
    pub fn new(quiet: bool) -> Output {
        Output {
            quiet,
            ..Output::default()
        }
    }

    /// Whether only errors are printed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Draws `bar` on stderr until [`Output::clear_bar`]; other output lifts it meanwhile.
    pub fn show_bar(&self, bar: ProgressBar) {
        *self.bar.borrow_mut() = Some(bar);
    }

    /// The progress bar being drawn, if any.
    pub fn bar(&self) -> Option<ProgressBar> {
        self.bar.borrow().clone()
    }

    /// Removes the progress bar from the screen.
    pub fn clear_bar(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }

    /// Runs `write` with the progress bar, if any, lifted off the screen.
    fn lifted(&self, write: impl FnOnce()) {
        match self.bar() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn stderr_line(&self, line: &str) {
        self.lifted(|| {
            let _ = writeln!(anstream::stderr().lock(), "{line}");
        });
    }

    /// A statement about to be sent (`-v`), on stderr, passwords masked.
    pub fn statement(&self, line: &str) {
        self.stderr_line(&mask_passwords_in(line));
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
        self.lifted(|| {
            let mut stdout = io::stdout().lock();
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        });
    }

    /// Generated text (a completion script, a manual page) on stdout, as it is.
    pub fn generated(&mut self, text: &[u8]) {
        if self.quiet {
            return;
        }
        let mut stdout = io::stdout().lock();
        let _ = stdout.write_all(text);
        let _ = stdout.flush();
    }

    /// A status line ("created …") on stderr.
    pub fn status(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        self.stderr_line(line);
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin; no is the default.
    pub fn confirm(&mut self, question: &str) -> io::Result<bool> {
        let mut stderr = anstream::stderr().lock();
        write!(stderr, "{question} [y/N] ")?;
        stderr.flush()?;
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
    }

    /// The argument parser's own text (help, version, or an error quoting arguments), as it
    /// formatted it (its styles kept only on a terminal), with any password in a quoted URL
    /// masked.
    pub fn parser_text(&mut self, text: &str, to_stderr: bool) {
        let text = mask_passwords_in(text);
        if to_stderr {
            let _ = write!(anstream::stderr().lock(), "{text}");
        } else {
            let mut stdout = anstream::stdout().lock();
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
        self.stderr_line(&format!("{WARNING}warning:{WARNING:#} {message}"));
    }

    /// An error and its remedy on stderr.
    ///
    /// Every error is masked again here, whatever produced it: a driver or library message
    /// that quotes a URL must not be the one path that leaks a password. (Remedies are our
    /// own fixed text, and show `user:password@` placeholders on purpose.)
    pub fn error(&mut self, message: &str, help: Option<&str>) {
        self.clear_bar();
        let mut stderr = anstream::stderr().lock();
        let _ = writeln!(
            stderr,
            "{ERROR}error:{ERROR:#} {}",
            mask_passwords_in(message)
        );
        if let Some(help) = help {
            let _ = writeln!(stderr, "{HELP}help:{HELP:#} {help}");
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

    fn took_over(&mut self, holder: &str) {
        self.out.status(&format!(
            "took over the migration lock of {holder}, whose lease ran out: that run stopped \
             without releasing it; `status` shows a step it left unfinished"
        ));
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
