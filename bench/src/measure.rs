//! Timing whole processes: wall time of the process alone, and (in a separate run under GNU
//! `time`) its peak resident memory; several runs interleaved between contenders, summarised
//! as median and min–max.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` to completion and returns its wall time, failing loudly if it fails.
pub fn run(cmd: &mut Command) -> Duration {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

/// Peak resident memory of `cmd` in KiB, from `/usr/bin/time -f %M`.
pub fn peak_memory_kib(cmd: &mut Command) -> Option<u64> {
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let out = timed.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

/// Median, minimum and maximum of some timings.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

pub fn summarize(samples: &[Duration]) -> Summary {
    let mut walls = samples.to_vec();
    walls.sort();
    let n = walls.len();
    let median = if n % 2 == 1 {
        walls[n / 2]
    } else {
        (walls[n / 2 - 1] + walls[n / 2]) / 2
    };
    Summary {
        median,
        min: walls[0],
        max: walls[n - 1],
    }
}

/// A duration in the unit that reads best.
pub fn show(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    } else if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
