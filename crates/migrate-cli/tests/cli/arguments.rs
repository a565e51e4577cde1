//! How URL, REPOSITORY and VERSION may be given: positionally as in the seed, as options, from
//! the environment, and under kebab-case names.

use crate::support::{migrate_cmd, outcome};

matrix!(options_environment_and_aliases, |db| {
    db.books_repo("repo");
    let url_opt = format!("--url={}", db.url);
    db.run(&["version-control", &url_opt, "--repository=repo"])
        .success();
    assert_eq!(
        db.run(&["db-version", &url_opt, "--repository", "repo"])
            .success()
            .stdout,
        "0\n"
    );
    assert_eq!(
        db.run(&["upgrade", &url_opt, "--repository=repo", "--version=1"])
            .success()
            .stdout,
        "0 -> 1... \ndone\n"
    );
    // The URL from the environment; plain arguments fill the slots after it.
    let env = |k: &str, v: &str, args: &[&str]| {
        let mut cmd = migrate_cmd(db.dir.path());
        cmd.env(k, v).args(args);
        outcome(&mut cmd)
    };
    assert_eq!(
        env("MIGRATE_URL", &db.url, &["dbv", "repo"])
            .success()
            .stdout,
        "1\n"
    );
    assert_eq!(
        env("DATABASE_URL", &db.url, &["upgrade", "repo", "2"])
            .success()
            .stdout,
        "1 -> 2... \ndone\n"
    );
    assert_eq!(
        env("MIGRATE_REPOSITORY", "repo", &["db_version", &db.url])
            .success()
            .stdout,
        "2\n"
    );
    // A URL is recognised wherever it stands.
    assert_eq!(
        db.run(&["downgrade", "repo", &db.url, "1"])
            .success()
            .stdout,
        "2 -> 1... \ndone\n"
    );
    db.run(&["db_version", &db.url, "repo", "extra"])
        .failure(2, "unexpected value 'extra'");
    db.run(&["db_version", "repo"])
        .failure(2, "no database URL given");
});

#[test]
fn help_lists_the_commands_and_their_arguments() {
    let dir = tempfile::tempdir().expect("dir");
    let out = outcome(migrate_cmd(dir.path()).arg("help"));
    out.success();
    for command in [
        "create",
        "script",
        "script_sql",
        "version",
        "version_control",
        "db_version",
        "upgrade",
        "downgrade",
        "drop_version_control",
        "manage",
    ] {
        assert!(
            out.stdout.contains(&format!("  {command} ")),
            "{command} missing from help:\n{}",
            out.stdout
        );
    }
    let out = outcome(migrate_cmd(dir.path()).args(["help", "upgrade"]));
    assert!(
        out.success()
            .stdout
            .contains("[URL] [REPOSITORY] [VERSION]"),
        "{}",
        out.stdout
    );
    let out = outcome(migrate_cmd(dir.path()).arg("frobnicate"));
    assert_eq!(out.code, 2, "{}", out.stderr);
}
