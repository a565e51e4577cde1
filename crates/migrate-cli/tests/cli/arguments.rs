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
        .failure(2, "unexpected argument 'extra'");
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
    for form in [
        "sqlite:///relative.db",
        "sqlite:////absolute/path.db",
        "mysql://user@host:3306/db",
    ] {
        assert!(
            out.stdout.contains(form),
            "{form} missing from help:\n{}",
            out.stdout
        );
    }
    let out = outcome(migrate_cmd(dir.path()).arg("frobnicate"));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// The usage line shows what each command needs: the parser takes URL, REPOSITORY and
/// VERSION as optional (they may come from options or the environment), which its own usage
/// line showed as `[URL] [REPOSITORY] [VERSION]...`.
#[test]
fn each_command_shows_its_required_arguments_and_an_example() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        (
            "upgrade",
            "migrate upgrade [OPTIONS] <URL> <REPOSITORY> [VERSION]",
        ),
        (
            "downgrade",
            "migrate downgrade [OPTIONS] <URL> <REPOSITORY> <VERSION>",
        ),
        (
            "db_version",
            "migrate db_version [OPTIONS] <URL> <REPOSITORY>",
        ),
        ("version", "migrate version [OPTIONS] <REPOSITORY>"),
        (
            "stamp",
            "migrate stamp [OPTIONS] <URL> <REPOSITORY> <VERSION>",
        ),
        (
            "script",
            "migrate script [OPTIONS] <DESCRIPTION> <REPOSITORY>",
        ),
    ];
    for (command, usage) in cases {
        for args in [vec!["help", command], vec![command, "--help"]] {
            let out = outcome(migrate_cmd(dir.path()).args(&args));
            let text = &out.success().stdout;
            assert!(
                text.contains(&format!("Usage: {usage}\n")),
                "{args:?}:\n{text}"
            );
            assert!(!text.contains("]..."), "{args:?}:\n{text}");
            let example = text
                .split_once("Examples:\n")
                .map(|(_, rest)| rest)
                .unwrap_or_else(|| panic!("{args:?} has no examples:\n{text}"));
            assert!(
                example
                    .trim_start()
                    .starts_with(&format!("migrate {command} ")),
                "{text}"
            );
        }
    }
    // Every command listed in the help has an example.
    let help = outcome(migrate_cmd(dir.path()).arg("help")).stdout;
    let commands: Vec<&str> = help
        .split_once("Commands:\n")
        .expect("commands")
        .1
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 20, "{help}");
    for command in commands {
        let out = outcome(migrate_cmd(dir.path()).args([command, "--help"]));
        assert!(
            out.success().stdout.contains("Examples:\n  migrate "),
            "{command}:\n{}",
            out.stdout
        );
    }
    // What the usage line promises still holds when the value comes from elsewhere: the
    // arguments are parsed exactly as before.
    let out = outcome(migrate_cmd(dir.path()).args(["upgrade", "--url=sqlite://"]));
    out.failure(2, "no repository given");
}

/// `.env` in the working directory is loaded as sqlx loads it: its variables fill what the
/// environment does not set, so a bare `migrate db_version` works in a project directory.
#[test]
fn a_dot_env_file_supplies_what_the_environment_does_not() {
    let dir = tempfile::tempdir().expect("dir");
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    outcome(migrate_cmd(&project).args(["create", "repo", "sample"])).success();
    std::fs::write(
        project.join(".env"),
        "# local settings\nDATABASE_URL=sqlite:///from_dot_env.db\nMIGRATE_REPOSITORY=repo\n",
    )
    .unwrap();
    outcome(migrate_cmd(&project).arg("version_control")).success();
    assert!(project.join("from_dot_env.db").is_file());
    assert_eq!(
        outcome(migrate_cmd(&project).arg("db_version"))
            .success()
            .stdout,
        "0\n"
    );
    // A variable set in the environment wins over the file.
    let out = outcome(
        migrate_cmd(&project)
            .env("DATABASE_URL", "sqlite:///from_environment.db")
            .arg("version_control"),
    );
    out.success();
    assert!(project.join("from_environment.db").is_file());
    // Only the working directory's file: not a parent's.
    let sub = project.join("sub");
    std::fs::create_dir(&sub).unwrap();
    outcome(migrate_cmd(&sub).args(["db_version", "../repo"])).failure(2, "no database URL given");
}

/// A `.env` that does not parse is an error naming the file and line, but never showing the
/// line: it may hold a password (dotenvy's own message quotes it).
#[test]
fn a_malformed_dot_env_is_named_without_its_content() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join(".env"),
        "MIGRATE_REPOSITORY=repo\n\nDATABASE_URL=postgresql://app:hunter2@db/app and more\n",
    )
    .unwrap();
    for args in [vec!["db_version"], vec!["version", "repo"], vec!["--help"]] {
        let out = outcome(migrate_cmd(dir.path()).args(&args));
        out.failure(1, "cannot load '.env': line 3 is not KEY=VALUE");
        assert!(out.stderr.contains("help: quote a value"), "{}", out.stderr);
        assert_eq!(out.stdout, "");
        for secret in ["hunter2", "postgresql://", "and more"] {
            assert!(!out.stderr.contains(secret), "{}", out.stderr);
        }
    }
    // An unclosed quote, found at the end of the file, is named by the line it opens on.
    std::fs::write(
        dir.path().join(".env"),
        "A=1\nDATABASE_URL=\"mysql://root:hunter2@db/app\nB=2\n",
    )
    .unwrap();
    let out = outcome(migrate_cmd(dir.path()).arg("version"));
    out.failure(1, "line 2 is not KEY=VALUE");
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

/// sqlx's SQLite URLs: `sqlite:app.db` (relative), `sqlite::memory:`, and `?mode=` narrowing
/// what a command may do (`rw` never creates the file, `ro` never writes). SQLAlchemy's
/// `sqlite:///app.db` names the same file.
#[test]
fn sqlx_sqlite_urls_and_their_modes() {
    use crate::support::{Backend, TestDb};
    let db = TestDb::new(Backend::Sqlite, "arguments::sqlx_sqlite_urls");
    db.books_repo("repo");
    db.run(&["version_control", "sqlite:app.db", "repo"])
        .success();
    assert_eq!(
        db.run(&["upgrade", "sqlite:app.db", "repo", "1"])
            .success()
            .stdout,
        "0 -> 1... \ndone\n"
    );
    assert!(db.path("app.db").is_file());
    assert_eq!(
        db.run(&["db_version", "sqlite:///app.db", "repo"])
            .success()
            .stdout,
        "1\n"
    );
    // Read-only: reading works, writing is refused by SQLite and changes nothing.
    let ro = "sqlite://app.db?mode=ro";
    assert_eq!(db.run(&["db_version", ro, "repo"]).success().stdout, "1\n");
    db.run(&["upgrade", ro, "repo"])
        .failure(1, "attempt to write a readonly database");
    assert_eq!(db.run(&["db_version", ro, "repo"]).success().stdout, "1\n");
    // rw writes but never creates the file.
    assert_eq!(
        db.run(&["upgrade", "sqlite:app.db?mode=rw", "repo"])
            .success()
            .stdout,
        "1 -> 2... \ndone\n"
    );
    db.run(&["version_control", "sqlite:new.db?mode=rw", "repo"])
        .failure(1, "the database 'new.db' does not exist");
    assert!(!db.path("new.db").exists());
    // rwc (SQLite's default) creates the file for a command that writes.
    db.run(&["version_control", "sqlite://new.db?mode=rwc", "repo"])
        .success();
    assert!(db.path("new.db").is_file());
    // In memory: a fresh database each run.
    for memory in ["sqlite::memory:", "sqlite://app.db?mode=memory"] {
        db.run(&["db_version", memory, "repo"])
            .failure(1, "not under version control");
    }
    db.run(&["db_version", "sqlite:app.db?mode=rwx", "repo"])
        .failure(1, "unknown SQLite mode 'rwx': rwc, rw, ro or memory");
}
