//! The command line's manners (issue 16): `--json` on every command that reports something,
//! results on stdout and diagnostics on stderr: step timing and a summary, `-v` statements,
//! colour only on a terminal and never with `NO_COLOR`.

use serde_json::Value;

use crate::support::{
    Backend, Outcome, TestDb, is_timing, migrate, migrate_cmd, outcome, python_cmd,
};

/// The one JSON document a `--json` run printed on stdout.
#[track_caller]
fn json(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr: {}",
            out.stdout, out.stderr
        )
    })
}

matrix!(every_reporting_command_prints_one_json_document, |db| {
    let dir = db.dir.path();
    let created = json(migrate(dir, &["create", "repo", "sample", "--json"]).success());
    assert!(
        created["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("repo")),
        "{created}"
    );
    let script = json(
        db.run(&["--json", "script_sql", "default", "add t", "repo"])
            .success(),
    );
    assert_eq!(
        script["created"].as_array().map(Vec::len),
        Some(2),
        "{script}"
    );
    db.write(
        "repo/versions/001_add_t_default_upgrade.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    );
    db.write(
        "repo/versions/001_add_t_default_downgrade.sql",
        "DROP TABLE t;\n",
    );
    let script = json(db.run(&["script", "add u", "repo", "--json"]).success());
    assert!(
        script["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("002_add_u.toml")),
        "{script}"
    );
    db.write(
        "repo/versions/002_add_u.toml",
        "[[upgrade]]\ncreate_table = { name = 'u', columns = [{ name = 'id', type = 'Integer', primary_key = true }] }\n",
    );
    assert_eq!(
        json(db.run(&["version", "repo", "--json"]).success()),
        serde_json::json!({"version": 2})
    );
    let vc = db.run(&["version_control", &db.url, "repo", "--json"]);
    assert_eq!(json(vc.success()), serde_json::json!({"version": 0}));
    assert_eq!(
        json(db.run(&["db_version", &db.url, "repo", "--json"]).success()),
        serde_json::json!({"version": 0})
    );

    // A preview: the statements per step, nothing run, no step lines.
    let preview = json(
        db.run(&["upgrade", &db.url, "repo", "--preview-sql", "--json"])
            .success(),
    );
    assert_eq!(preview["executed"], false, "{preview}");
    assert!(
        preview["steps"][0]["preview"][0]
            .as_str()
            .is_some_and(|s| s.contains("CREATE TABLE t")),
        "{preview}"
    );
    assert!(
        preview["steps"][0].get("duration_ms").is_none(),
        "{preview}"
    );

    let up = db.run(&["upgrade", &db.url, "repo", "--json"]);
    let walk = json(up.success());
    assert!(!up.stdout.contains("0 -> 1... "), "{}", up.stdout);
    assert_eq!(
        (
            walk["direction"].as_str(),
            walk["from"].as_u64(),
            walk["to"].as_u64()
        ),
        (Some("upgrade"), Some(0), Some(2)),
        "{walk}"
    );
    let steps = walk["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{walk}");
    assert_eq!(steps[1]["script"], "002_add_u.toml", "{walk}");
    assert!(
        steps
            .iter()
            .all(|s| s["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0)),
        "{walk}"
    );
    assert!(walk["duration_ms"].as_f64().is_some(), "{walk}");

    let status = json(db.run(&["status", &db.url, "repo", "--json"]).success());
    assert_eq!(status["version"], 2, "{status}");
    let history = json(db.run(&["history", &db.url, "repo", "--json"]).success());
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    let drift = json(db.run(&["drift", &db.url, "repo", "--json"]).success());
    assert_eq!(drift["drift"], false, "{drift}");
    let model = json(
        db.run(&["create_model", &db.url, "repo", "--json"])
            .success(),
    );
    assert!(
        model["tables"].as_array().is_some_and(|t| t.len() == 2),
        "{model}"
    );
    let repair = json(db.run(&["repair", &db.url, "repo", "--json"]).success());
    assert_eq!(
        (repair["action"].as_str(), &repair["dirty"]),
        (Some("show"), &Value::Null),
        "{repair}"
    );

    // Checks that find differences still exit 3, with the differences in the document.
    db.write("model.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
    let compare = db.run(&[
        "compare_model_to_db",
        &db.url,
        "repo",
        "model.sql",
        "--json",
    ]);
    assert_eq!(compare.code, 3, "{compare:?}");
    assert_eq!(json(&compare)["matches"], false);
    let diff = db.run(&["diff", "repo@1", "repo@2", "--json"]);
    assert_eq!(diff.code, 3, "{diff:?}");
    assert!(json(&diff).as_array().is_some_and(|ops| ops.len() == 1));

    let down = json(
        db.run(&["downgrade", &db.url, "repo", "1", "--json"])
            .success(),
    );
    assert_eq!(
        (down["direction"].as_str(), down["to"].as_u64()),
        (Some("downgrade"), Some(1)),
        "{down}"
    );
    let stamp = json(db.run(&["stamp", &db.url, "repo", "1", "--json"]).success());
    assert_eq!(stamp, serde_json::json!({"version": 1, "previous": 1}));
    let sync = json(db.run(&["sync", &db.url, "repo", "--json"]).success());
    assert_eq!(
        (
            sync["placed_under_control"].as_bool(),
            sync["walk"]["to"].as_u64()
        ),
        (Some(false), Some(2)),
        "{sync}"
    );
    let checked = json(db.run(&["test", &db.url, "repo", "--json"]).success());
    assert_eq!(
        checked,
        serde_json::json!({"versions": [{"version": 1, "reversible": true}, {"version": 2, "reversible": true}]})
    );
    let dropped = json(
        db.run(&["drop_version_control", &db.url, "repo", "--json"])
            .success(),
    );
    assert_eq!(dropped, serde_json::json!({"dropped": "sample"}));
    let manage = json(
        db.run(&["manage", "manage.sh", "--repository", "repo", "--json"])
            .success(),
    );
    assert!(
        manage["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("manage.sh")),
        "{manage}"
    );
});

matrix!(
    walks_time_each_step_on_stderr_and_leave_stdout_as_it_was,
    |db| {
        db.books_repo("repo");
        db.run(&["version_control", &db.url, "repo"]).success();
        let up = db.run(&["upgrade", &db.url, "repo"]);
        assert_eq!(up.success().stdout, "0 -> 1... \ndone\n1 -> 2... \ndone\n");
        let lines: Vec<&str> = up.stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{}", up.stderr);
        assert!(lines.iter().all(|l| is_timing(l)), "{}", up.stderr);
        assert!(lines[0].starts_with("step 0 -> 1 took "), "{}", up.stderr);
        assert!(lines[1].starts_with("step 1 -> 2 took "), "{}", up.stderr);
        assert!(
            lines[2].starts_with("upgraded 0 -> 2: 2 versions in ")
                && lines[2].contains("; slowest step "),
            "{}",
            up.stderr
        );
        // Nothing to do, nothing timed; a preview runs nothing, so nothing is timed either.
        assert_eq!(db.run(&["upgrade", &db.url, "repo"]).success().stderr, "");
        let preview = db.run(&["downgrade", &db.url, "repo", "0", "--preview-sql"]);
        assert_eq!(preview.success().stderr, "");
        let down = db.run(&["downgrade", &db.url, "repo", "1"]);
        assert_eq!(down.success().stdout, "2 -> 1... \ndone\n");
        assert!(
            down.stderr.ends_with("\n")
                && down
                    .stderr
                    .lines()
                    .last()
                    .is_some_and(|l| l.starts_with("downgraded 2 -> 1: 1 version in ")),
            "{}",
            down.stderr
        );
        // -q: nothing at all.
        let quiet = db.run(&["-q", "upgrade", &db.url, "repo"]);
        assert_eq!(
            (quiet.success().stdout.as_str(), quiet.stderr.as_str()),
            ("", "")
        );
    }
);

matrix!(verbose_prints_statements_on_stderr_only, |db| {
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    let up = db.run(&["-v", "upgrade", &db.url, "repo", "1"]);
    assert_eq!(up.success().stdout, "0 -> 1... \ndone\n");
    assert!(up.stderr.contains("CREATE TABLE books"), "{}", up.stderr);
    // Reads are statements too: db_version's query is shown, its result alone on stdout.
    let version = db.run(&["db_version", &db.url, "repo", "--verbose"]);
    assert_eq!(version.success().stdout, "1\n");
    assert!(
        version.stderr.contains("migrate_version"),
        "{}",
        version.stderr
    );
    // Without -v, no statement.
    let down = db.run(&["downgrade", &db.url, "repo", "0"]);
    assert!(
        !down.success().stderr.contains("DROP TABLE"),
        "{}",
        down.stderr
    );
    db.run(&["-v", "-q", "version", "repo"])
        .failure(2, "cannot be used with");
});

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let db = TestDb::new(Backend::Sqlite, "conventions::colour");
    db.books_repo("repo");
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = migrate_cmd(db.dir.path());
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        outcome(cmd.args(args))
    };
    let failing = ["upgrade", &db.url, "repo"];
    // Not a terminal: plain text.
    let plain = run(&[], &failing);
    plain.failure(1, "error: the database is not under version control");
    assert!(!plain.stderr.contains('\x1b'), "{:?}", plain.stderr);
    // Forced (CLICOLOR_FORCE, as on a terminal): error and help are styled.
    let forced = run(&[("CLICOLOR_FORCE", "1")], &failing);
    assert!(
        forced.stderr.contains("\x1b[1m\x1b[31merror:\x1b[0m"),
        "{:?}",
        forced.stderr
    );
    assert!(
        forced.stderr.contains("help:\x1b[0m"),
        "{:?}",
        forced.stderr
    );
    // NO_COLOR wins over everything.
    let no_color = run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &failing);
    assert!(!no_color.stderr.contains('\x1b'), "{:?}", no_color.stderr);
    assert_eq!(no_color.stderr, plain.stderr);
    let help = run(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        &["help", "upgrade"],
    );
    assert!(!help.success().stdout.contains('\x1b'), "{:?}", help.stdout);
    assert!(
        run(&[("CLICOLOR_FORCE", "1")], &["help", "upgrade"])
            .stdout
            .contains('\x1b')
    );
    // Styles never hide a quoted URL's password from the masking.
    let parser = run(
        &[("CLICOLOR_FORCE", "1")],
        &["create", "r2", "x", "mysql://root:S3cr3t/PW@h/x"],
    );
    assert_eq!(parser.code, 2, "{parser:?}");
    assert!(!parser.stderr.contains("S3cr3t"), "{:?}", parser.stderr);
    // Results are never styled.
    run(&[], &["version_control", &db.url, "repo"]).success();
    let version = run(&[("CLICOLOR_FORCE", "1")], &["db_version", &db.url, "repo"]);
    assert_eq!(version.success().stdout, "0\n");
}

/// On a terminal the bar replaces the per-step lines; the summary stays. Runs the binary
/// under a pseudo-terminal (Python's `pty`, which the tests already need).
#[test]
fn a_terminal_gets_a_bar_instead_of_step_lines() {
    let db = TestDb::new(Backend::Sqlite, "conventions::terminal");
    db.books_repo("repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    let mut cmd = python_cmd(db.dir.path(), "-c");
    cmd.args([
        "import pty, sys; pty.spawn(sys.argv[1:])",
        env!("CARGO_BIN_EXE_migrate"),
        "upgrade",
        &db.url,
        "repo",
    ]);
    let out = outcome(&mut cmd);
    let text = out.success().stdout.replace('\r', "");
    // The step lines are all there, the bar lifted off the line while each is written.
    for line in ["0 -> 1... \n", "1 -> 2... \n"] {
        assert!(text.contains(line), "{text:?}");
    }
    assert_eq!(text.matches("done\n").count(), 2, "{text:?}");
    assert!(text.contains("] 1/2 "), "no bar drawn: {text:?}");
    assert!(text.contains("upgraded 0 -> 2: 2 versions in "), "{text:?}");
    assert!(!text.contains("step 0 -> 1 took"), "{text:?}");
}
