//! Runs a target for a given time on proptest-generated inputs and shrinks the first failure.
//!
//! proptest's own runner counts cases, not seconds; fuzzing wants "as many as fit in ten
//! minutes", so this loop drives proptest's value trees directly: generate, check, and on a
//! panic simplify the input while it still fails.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// How long to run and from which random seed.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Time budget of one target.
    pub duration: Duration,
    /// The seed of the input generator; the same seed gives the same inputs.
    pub seed: u64,
    /// Go on after a failure, collecting one shrunk input per distinct failure (by where it
    /// panicked), instead of stopping at the first.
    pub keep_going: bool,
}

impl Settings {
    /// `MIGRATE_FUZZ_SECONDS` (default `default_seconds`) and `MIGRATE_FUZZ_SEED` (default:
    /// from the clock, so each run explores new inputs; a failure prints its seed).
    ///
    /// # Panics
    /// When a variable is set but is not a number: a typo must not silently fuzz for 3 s.
    pub fn from_env(default_seconds: f64) -> Settings {
        let number = |name: &str| {
            std::env::var(name).ok().map(|v| {
                v.trim()
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
            })
        };
        let seconds = number("MIGRATE_FUZZ_SECONDS").unwrap_or(default_seconds);
        let seed = number("MIGRATE_FUZZ_SEED").map_or_else(clock_seed, |s| s as u64);
        Settings {
            duration: Duration::from_secs_f64(seconds.max(0.0)),
            seed,
            keep_going: std::env::var_os("MIGRATE_FUZZ_KEEP_GOING").is_some(),
        }
    }
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// The smallest failing input found and what broke.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The input, as `Debug` prints it.
    pub input: String,
    /// The panic message (an invariant's assertion, or a panic inside migrate-core).
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target's name.
    pub target: String,
    /// Inputs checked (shrinking steps not counted).
    pub cases: u64,
    /// Time spent.
    pub elapsed: Duration,
    /// The generator's seed.
    pub seed: u64,
    /// The failures, shrunk: the first, or with `keep_going` one per distinct failure.
    pub failures: Vec<Failure>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "{}: {} inputs in {:.1} s ({:.0}/s), seed {}",
            self.target,
            self.cases,
            secs,
            self.cases as f64 / secs.max(1e-9),
            self.seed
        )?;
        if self.failures.is_empty() {
            return write!(f, ", no failure");
        }
        for x in &self.failures {
            write!(f, "\nFAILED: {}\nminimal input: {}", x.message, x.input)?;
        }
        write!(f, "\nrerun with MIGRATE_FUZZ_SEED={}", self.seed)
    }
}

/// Runs `check` on inputs from `strategy` until the time is up or an input fails.
pub fn run<S>(target: &str, strategy: &S, check: impl Fn(&S::Value), settings: Settings) -> Report
where
    S: Strategy,
    S::Value: fmt::Debug,
{
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&settings.seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let start = Instant::now();
    let mut cases = 0;
    let mut failures: Vec<Failure> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    while start.elapsed() < settings.duration {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        cases += 1;
        if let Err(message) = attempt(&check, &tree.current()) {
            // Shrinking can end at another failure: both count as seen.
            if !seen.iter().any(|s| s == signature(&message)) {
                seen.push(signature(&message).to_string());
                let shrunk = shrink(&check, &mut tree, message);
                seen.push(signature(&shrunk.message).to_string());
                failures.push(shrunk);
            }
            if !settings.keep_going {
                break;
            }
        }
    }
    Report {
        target: target.to_string(),
        cases,
        elapsed: start.elapsed(),
        seed: settings.seed,
        failures,
    }
}

/// What tells failures apart: where the panic happened (an invariant's assertion, or the
/// line in migrate-core), else the message.
fn signature(message: &str) -> &str {
    message.rfind(" (at ").map_or(message, |i| &message[i..])
}

/// Simplifies a failing input as far as it keeps failing (bounded, as inputs can be large).
fn shrink<T: ValueTree>(check: &impl Fn(&T::Value), tree: &mut T, message: String) -> Failure
where
    T::Value: fmt::Debug,
{
    let mut best = Failure {
        input: format!("{:?}", tree.current()),
        message,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut failing = true;
    for _ in 0..5000 {
        let moved = if failing {
            tree.simplify()
        } else {
            tree.complicate()
        };
        if !moved || Instant::now() > deadline {
            break;
        }
        match attempt(check, &tree.current()) {
            Err(message) => {
                failing = true;
                best = Failure {
                    input: format!("{:?}", tree.current()),
                    message,
                };
            }
            Ok(()) => failing = false,
        }
    }
    best
}

thread_local! {
    static CHECKING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs one check, turning a panic into its message (with where it happened).
fn attempt<V>(check: &impl Fn(&V), value: &V) -> Result<(), String> {
    quiet_panics_inside_checks();
    CHECKING.with(|c| c.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| check(value)));
    CHECKING.with(|c| c.set(false));
    outcome.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| panic_text(payload.as_ref()))
    })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Thousands of expected panics while shrinking would flood the output, so a panic inside a
/// check is recorded instead of printed; every other panic goes to the usual hook.
fn quiet_panics_inside_checks() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CHECKING.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                    .unwrap_or_default();
                let text = panic_text(info.payload());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{text}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::any;

    #[test]
    fn a_failing_check_is_found_and_shrunk() {
        let settings = Settings {
            duration: Duration::from_secs(5),
            seed: 7,
            keep_going: false,
        };
        let report = run(
            "demo",
            &any::<u32>(),
            |n| assert!(*n < 1000, "too big"),
            settings,
        );
        let failure = report
            .failures
            .first()
            .expect("a number of 1000 or more is found");
        assert_eq!(failure.input, "1000");
        assert!(
            failure.message.starts_with("too big"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn a_passing_check_runs_for_its_time() {
        let settings = Settings {
            duration: Duration::from_millis(200),
            seed: 1,
            keep_going: false,
        };
        let report = run("demo", &any::<u8>(), |_| {}, settings);
        assert!(report.failures.is_empty());
        assert!(report.cases > 10 && report.elapsed >= settings.duration);
    }
}
