//! Progress and timing of a walk (`upgrade`, `downgrade`, `sync`), on stderr, beside the
//! seed's `N -> M... ` / `done` lines on stdout, which the observer it wraps prints as they
//! were.
//!
//! On a terminal an `indicatif` bar counts the versions; elsewhere (a log, CI) each step
//! gets one line with its duration. Either way a summary closes a walk that ran a step:
//! versions, total time, slowest step. `-q` silences all of it, like every other
//! diagnostic. The same facts, and a preview's statements, are the `--json` report.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use migrate_core::executor::Observer;
use migrate_core::lock::LockObserver;
use migrate_core::plan::{Plan, Step};
use migrate_core::script::ScriptWarning;
use migrate_core::{Direction, Version};
use serde::Serialize;

use crate::output::Output;

/// One step of a walk as reported.
#[derive(Debug, Serialize)]
pub struct StepReport {
    /// The version before the step.
    pub from: Version,
    /// The version after it.
    pub to: Version,
    /// The script's file name.
    pub script: String,
    /// How long it took, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// `--preview-sql`: the statements it would run; `--preview-py`: its Python function.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preview: Vec<String>,
}

/// A whole walk as reported by `--json`.
#[derive(Debug, Serialize)]
pub struct WalkReport {
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// The version before the walk.
    pub from: Version,
    /// The version after it.
    pub to: Version,
    /// Whether anything ran (false for previews).
    pub executed: bool,
    /// Each step, in order.
    pub steps: Vec<StepReport>,
    /// The time from the first step's start to the last one's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
}

/// Wraps the observer that prints step lines (or SQL), timing each step.
pub struct Progress<'o> {
    inner: Box<dyn Observer + 'o>,
    out: Output,
    execute: bool,
    steps: Vec<StepReport>,
    started: Option<Instant>,
    first_start: Option<Instant>,
}

impl<'o> Progress<'o> {
    /// Times the steps `inner` prints; `execute` is false for previews (nothing runs).
    pub fn new(inner: Box<dyn Observer + 'o>, out: Output, execute: bool) -> Progress<'o> {
        Progress {
            inner,
            out,
            execute,
            steps: Vec::new(),
            started: None,
            first_start: None,
        }
    }

    /// Closes the walk `plan` and returns its report (the `--json` result).
    pub fn finish(mut self, plan: &Plan) -> WalkReport {
        self.out.clear_bar();
        let total = self.first_start.map(|t| t.elapsed());
        if let (true, Some(total)) = (self.execute, total) {
            let summary = summary(plan, &self.steps, total);
            self.out.status(&summary);
        }
        WalkReport {
            direction: direction_word(plan.direction),
            from: plan.from,
            to: plan.to,
            executed: self.execute,
            steps: std::mem::take(&mut self.steps),
            duration_ms: total.filter(|_| self.execute).map(millis),
        }
    }
}

impl Drop for Progress<'_> {
    // A walk that failed leaves no bar behind the error.
    fn drop(&mut self) {
        self.out.clear_bar();
    }
}

fn start_bar(out: &Output, plan: &Plan) {
    if out.is_quiet() || !std::io::stderr().is_terminal() {
        return;
    }
    let bar = ProgressBar::new(plan.steps.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    out.show_bar(bar);
}

/// `3.2 ms`, `41 ms`, `2.35 s`.
fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// `upgraded 0 -> 2: 2 versions in 5.1 ms; slowest step 1 -> 2 (3.0 ms)`.
fn summary(plan: &Plan, steps: &[StepReport], total: Duration) -> String {
    let verb = match plan.direction {
        Direction::Upgrade => "upgraded",
        Direction::Downgrade => "downgraded",
    };
    let count = match steps.len() {
        1 => "1 version".to_string(),
        n => format!("{n} versions"),
    };
    let slowest = steps
        .iter()
        .filter_map(|s| Some((s, s.duration_ms?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, ms)| {
            let took = human(Duration::from_secs_f64(ms / 1000.0));
            format!("; slowest step {} -> {} ({took})", s.from, s.to)
        })
        .unwrap_or_default();
    format!(
        "{verb} {} -> {}: {count} in {}{slowest}",
        plan.from,
        plan.to,
        human(total)
    )
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Upgrade => "upgrade",
        Direction::Downgrade => "downgrade",
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

impl LockObserver for Progress<'_> {
    fn waiting(&mut self, holder: Option<&str>) {
        self.inner.waiting(holder);
    }

    fn took_over(&mut self, holder: &str) {
        self.inner.took_over(holder);
    }
}

impl Observer for Progress<'_> {
    fn run_started(&mut self, plan: &Plan) {
        if self.execute {
            start_bar(&self.out, plan);
        }
        self.inner.run_started(plan);
    }

    fn step_started(&mut self, step: &Step) {
        let now = Instant::now();
        self.first_start.get_or_insert(now);
        self.started = Some(now);
        self.steps.push(StepReport {
            from: step.from,
            to: step.to,
            script: file_name(step),
            duration_ms: None,
            preview: Vec::new(),
        });
        self.inner.step_started(step);
    }

    fn step_finished(&mut self, step: &Step) {
        self.inner.step_finished(step);
        if !self.execute {
            return;
        }
        let took = self.started.take().map(|t| t.elapsed()).unwrap_or_default();
        if let Some(last) = self.steps.last_mut() {
            last.duration_ms = Some(millis(took));
        }
        match self.out.bar() {
            Some(bar) => {
                bar.set_message(format!("{} -> {} ({})", step.from, step.to, human(took)));
                bar.inc(1);
            }
            None => self.out.status(&format!(
                "step {} -> {} took {}",
                step.from,
                step.to,
                human(took)
            )),
        }
    }

    fn warning(&mut self, warning: &ScriptWarning) {
        self.inner.warning(warning);
    }

    fn preview(&mut self, step: &Step, text: &str) {
        if let Some(last) = self.steps.last_mut() {
            last.preview.push(text.to_string());
        }
        self.inner.preview(step, text);
    }
}

fn file_name(step: &Step) -> String {
    step.script
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
