//! Shell completions and manual pages, generated from the parser's own definition (issue 16).

use crate::support::migrate;

/// What bash offers after `migrate WORD<TAB>`, from the script `migrate completions bash`
/// printed, loaded into a real bash.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source '{}'\nCOMP_WORDS=({line})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _migrate migrate '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_their_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = migrate(dir.path(), &["completions", "bash"]);
    out.success();
    assert_eq!(out.stderr, "");
    let script = dir.path().join("migrate.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    assert_eq!(bash_completes(&script, &["migrate", "upg"]), ["upgrade"]);
    assert_eq!(
        bash_completes(&script, &["migrate", "db_v"]),
        ["db_version"]
    );
    let options = bash_completes(&script, &["migrate", "upgrade", "--pre"]);
    assert!(
        options.contains(&"--preview-sql".to_string()),
        "{options:?}"
    );
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = migrate(dir.path(), &["completions", shell]);
        out.success();
        for word in ["migrate", "upgrade", "db_version", "preview-sql"] {
            assert!(out.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let out = migrate(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("possible values: bash"),
        "{}",
        out.stderr
    );
}

#[test]
fn man_prints_migrate_s_page_or_one_command_s() {
    let dir = tempfile::tempdir().unwrap();
    let out = migrate(dir.path(), &["man"]);
    out.success();
    assert!(out.stdout.contains(".TH migrate 1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("migrate\\-upgrade(1)"),
        "{}",
        out.stdout
    );
    // Any spelling of the command; the page has the usage line and examples of `--help`.
    for name in ["db_version", "db-version", "dbv"] {
        let out = migrate(dir.path(), &["man", name]);
        out.success();
        assert!(
            out.stdout.contains(".TH migrate-db_version 1"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("\\fBmigrate db_version\\fR [OPTIONS] <URL> <REPOSITORY>"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("migrate db_version sqlite:///app.db"),
            "{}",
            out.stdout
        );
    }
    migrate(dir.path(), &["man", "upgrad"]).failure(2, "no command 'upgrad'");
}

#[test]
fn man_out_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("man1")).unwrap();
    let out = migrate(dir.path(), &["man", "--out", "man1"]);
    out.success();
    assert_eq!(out.stdout, "");
    for page in ["migrate.1", "migrate-upgrade.1", "migrate-completions.1"] {
        let text = std::fs::read_to_string(dir.path().join("man1").join(page)).unwrap();
        assert!(text.starts_with(".ie"), "{page}: {text}");
        assert!(text.contains(".TH "), "{page}");
        assert!(
            out.stderr.contains(&format!("created man1/{page}\n")),
            "{}",
            out.stderr
        );
    }
    assert!(!dir.path().join("man1/migrate-help.1").exists());
    migrate(dir.path(), &["man", "--out", "missing"]).failure(1, "missing");
}
