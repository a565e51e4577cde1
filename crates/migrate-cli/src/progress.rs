//! What a walk (`upgrade`, `downgrade`, `sync`, previews) did, step by step, timed: the
//! `--json` result of those commands. The seed's `N -> M... ` / `done` lines are printed by
//! the observer it wraps, as they were.

use std::time::{Duration, Instant};

use migrate_core::executor::Observer;
use migrate_core::lock::LockObserver;
use migrate_core::plan::{Plan, Step};
use migrate_core::script::ScriptWarning;
use migrate_core::{Direction, Version};
use serde::Serialize;

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
    execute: bool,
    steps: Vec<StepReport>,
    started: Option<Instant>,
    first_start: Option<Instant>,
}

impl<'o> Progress<'o> {
    /// Times the steps `inner` prints; `execute` is false for previews (nothing runs).
    pub fn new(inner: Box<dyn Observer + 'o>, execute: bool) -> Progress<'o> {
        Progress {
            inner,
            execute,
            steps: Vec::new(),
            started: None,
            first_start: None,
        }
    }

    /// Closes the walk `plan` and returns its report (the `--json` result).
    pub fn finish(self, plan: &Plan) -> WalkReport {
        let total = self.first_start.map(|t| t.elapsed());
        WalkReport {
            direction: direction_word(plan.direction),
            from: plan.from,
            to: plan.to,
            executed: self.execute,
            steps: self.steps,
            duration_ms: total.filter(|_| self.execute).map(millis),
        }
    }
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
}

impl Observer for Progress<'_> {
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
