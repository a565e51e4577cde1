//! One module per fuzz target: its input strategy and its invariant check.

pub mod config;
pub mod python;
pub mod script;
pub mod split;
pub mod url;

use crate::driver::{Report, Settings, run};

/// Every target, as `cargo run -p migrate-fuzz -- <target>` names it.
pub const NAMES: [&str; 7] = [
    "split",
    "script",
    "pipeline",
    "url",
    "url_raw_password",
    "config",
    "python",
];

/// Runs the target called `name` for the settings' time; `None` for an unknown name.
pub fn run_target(name: &str, settings: Settings) -> Option<Report> {
    Some(match name {
        "split" => run(
            name,
            &split::strategy(),
            |s| split::check(s.as_bytes()),
            settings,
        ),
        "script" => run(name, &script::strategy(), script::check, settings),
        "pipeline" => run(name, &script::strategy_generated(), script::check, settings),
        "url" => run(name, &url::strategy(), url::check, settings),
        "url_raw_password" => run(name, &url::strategy_raw_password(), url::check, settings),
        "config" => run(name, &config::strategy(), config::check, settings),
        "python" => run(name, &python::strategy(), |s| python::check(s), settings),
        _ => return None,
    })
}

/// Checks raw bytes as target `name`'s text input (for coverage-guided fuzzers such as
/// `cargo fuzz`, which hand over bytes): SQL for `split`, a portable script for `script`, a
/// URL for `url`, a `migrate.cfg` for `config`. `false` for a target without a text form.
///
/// # Panics
/// When an invariant does not hold.
pub fn check_bytes(name: &str, data: &[u8]) -> bool {
    let text = || String::from_utf8_lossy(data).into_owned();
    match name {
        "split" => split::check(data),
        "script" => script::check(&script::Input::Text(text())),
        "url" => url::check(&url::Input::Raw(text())),
        "config" => config::check(&config::Input::Text(text())),
        "python" => python::check(&text()),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_reach_the_text_targets_only() {
        assert!(check_bytes("split", b"SELECT 1;"));
        assert!(check_bytes("script", b"[[upgrade]]\nsql = \"SELECT 1\"\n"));
        assert!(check_bytes("url", b"sqlite:///x.db"));
        assert!(check_bytes("config", b"[db_settings]\nrepository_id=x\n"));
        assert!(!check_bytes("pipeline", b""));
    }
}
