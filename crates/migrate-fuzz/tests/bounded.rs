//! Every fuzz target for a few seconds (`MIGRATE_FUZZ_SECONDS`, default 3): the bounded run in
//! the normal test suite. `MIGRATE_FUZZ_SEED` replays a run; a failure prints its seed and the
//! smallest failing input.

use migrate_fuzz::driver::Settings;
use migrate_fuzz::targets::run_target;

fn fuzz(target: &str) {
    let report = run_target(target, Settings::from_env(3.0)).expect("a known target");
    // The summary line is the point of a long run (`-- --nocapture`).
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{report}");
    }
    assert!(report.failure.is_none(), "{report}");
}

#[test]
fn fuzz_split() {
    fuzz("split");
}

#[test]
fn fuzz_script() {
    fuzz("script");
}

#[test]
fn fuzz_url() {
    fuzz("url");
}

#[test]
fn fuzz_config() {
    fuzz("config");
}
