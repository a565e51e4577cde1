//! Issue 12 ("zero silent wrong results"), the input side: URLs and their passwords, files
//! on disk, migrate.cfg, and the words of messages.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Backend, Outcome, TestDb, migrate, migrate_cmd, outcome};

const SECRET: &str = "S3cr";

/// URLs whose password breaks URL syntax, so they fail to parse and are quoted in the error.
const BAD_URLS: [&str; 5] = [
    "mysql://root:S3cr3t/PW@h/x",
    "mysql://root:S3cr#et@h/x",
    "postgresql://root:S3cr?et@h/x",
    "mysql:root:S3cret@h/x",
    "postgresql://u@h/d?password=S3cret",
];

#[track_caller]
fn assert_hidden(out: &Outcome, context: &str) {
    assert_ne!(out.code, 0, "{context} should fail");
    assert!(
        !out.stderr.contains(SECRET) && !out.stdout.contains(SECRET),
        "{context} shows the password:\n{}{}",
        out.stdout,
        out.stderr
    );
}

/// Every command that takes a URL, with the arguments after it.
const URL_COMMANDS: [&[&str]; 18] = [
    &["db_version"],
    &["upgrade"],
    &["downgrade", "0"],
    &["version_control"],
    &["drop_version_control"],
    &["stamp", "1"],
    &["status"],
    &["history"],
    &["repair"],
    &["drift"],
    &["test"],
    &["sync"],
    &["create_model"],
    &["compare_model_to_db", "model.toml"],
    &["make_update_script_for_model", "a.toml", "b.toml"],
    &["update_db_from_model", "model.toml"],
    &["upgrade", "--preview-sql"],
    &["version_control", "2"],
];

#[test]
fn passwords_in_unparseable_urls_are_never_shown() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    for url in BAD_URLS {
        for command in URL_COMMANDS {
            let (name, rest) = command.split_first().expect("a command");
            let positional: Vec<&str> = [*name, url, "repo"]
                .into_iter()
                .chain(rest.iter().copied())
                .collect();
            assert_hidden(&migrate(dir.path(), &positional), &format!("{name} {url}"));
            let option = format!("--url={url}");
            let with_option: Vec<&str> = [*name, option.as_str(), "repo"]
                .into_iter()
                .chain(rest.iter().copied())
                .collect();
            assert_hidden(&migrate(dir.path(), &with_option), &format!("{name} --url"));
            for var in ["MIGRATE_URL", "DATABASE_URL"] {
                let args: Vec<&str> = [*name, "repo"]
                    .into_iter()
                    .chain(rest.iter().copied())
                    .collect();
                let out = outcome(migrate_cmd(dir.path()).env(var, url).args(&args));
                assert_hidden(&out, &format!("{var}={url} {name}"));
            }
        }
        // The URL slot already filled, so the URL lands in another one.
        let out = migrate(
            dir.path(),
            &["version_control", "--url=sqlite:///a.db", "repo", url],
        );
        assert_hidden(&out, &format!("version slot {url}"));
        assert_hidden(&migrate(dir.path(), &["create", "p", "n", url]), "create");
        assert_hidden(&migrate(dir.path(), &["schema", url]), "schema");
        assert_hidden(&migrate(dir.path(), &["diff", url, "repo@0"]), "diff");
        // `manage` writes a URL it cannot parse nowhere; one that parses (options are checked on
        // connecting) is written, and its message must not show it either.
        let out = migrate(dir.path(), &["manage", "m.sh", "--url", url]);
        assert!(
            !out.stderr.contains(SECRET) && !out.stdout.contains(SECRET),
            "{out:?}"
        );
        let _ = std::fs::remove_file(dir.path().join("m.sh"));
        assert_hidden(
            &migrate(dir.path(), &["upgrade", "--bogus", url]),
            "argument parser",
        );
    }
}

#[test]
fn passwords_in_connection_errors_are_never_shown() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    // A refused login and an unreachable port.
    for url in [
        "mysql://nobody:S3cr3t@127.0.0.1:3306/nodb",
        "postgresql://nobody:S3cr3t@127.0.0.1:1/nodb",
        "mysql://nobody:S3cr3t@127.0.0.1:1/nodb?connect_timeout=2",
    ] {
        for command in ["db_version", "upgrade", "status"] {
            assert_hidden(&migrate(dir.path(), &[command, url, "repo"]), command);
        }
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("wrapper written")
        .permissions()
        .mode()
        & 0o777
}

/// Runs `manage` under `sh` with its own umask.
#[cfg(unix)]
fn manage_with_umask(dir: &Path, umask: &str, file: &str, url: &str) {
    let script =
        format!("umask {umask} && exec \"$0\" manage {file} --url '{url}' --repository repo");
    let mut sh = std::process::Command::new("/bin/sh");
    sh.current_dir(dir)
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_migrate"));
    outcome(&mut sh).success();
}

#[cfg(unix)]
#[test]
fn manage_honours_the_umask_and_keeps_a_password_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    manage_with_umask(dir.path(), "077", "private.sh", "sqlite:///x.db");
    assert_eq!(mode_of(&dir.path().join("private.sh")), 0o700);
    manage_with_umask(dir.path(), "022", "open.sh", "sqlite:///x.db");
    assert_eq!(mode_of(&dir.path().join("open.sh")), 0o755);
    manage_with_umask(dir.path(), "022", "secret.sh", "mysql://root:pw@h/x");
    assert_eq!(mode_of(&dir.path().join("secret.sh")), 0o700);
}

fn server_without_database(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgresql://postgres@127.0.0.1:5432",
        _ => "mysql://root@127.0.0.1:3306/",
    }
}

/// Every command that works on a database, with the arguments after URL and REPOSITORY.
const DATABASE_COMMANDS: [&[&str]; 14] = [
    &["db_version"],
    &["upgrade", "--lock-timeout=30"],
    &["downgrade", "0", "--lock-timeout=30"],
    &["version_control", "--lock-timeout=30"],
    &["drop_version_control", "--lock-timeout=30"],
    &["stamp", "1", "--lock-timeout=30"],
    &["status"],
    &["history"],
    &["repair", "--lock-timeout=30"],
    &["drift"],
    &["test", "--lock-timeout=30"],
    &["sync", "--lock-timeout=30"],
    &["create_model"],
    &["update_db_from_model", "model.toml"],
];

fn refuses_url_without_database(backend: Backend) {
    let db = TestDb::new(backend, "refuses_url_without_database");
    db.books_repo("repo");
    db.write("model.toml", "");
    let url = server_without_database(backend);
    for command in DATABASE_COMMANDS {
        let (name, rest) = command.split_first().expect("a command");
        let args: Vec<&str> = [*name, url, "repo"]
            .into_iter()
            .chain(rest.iter().copied())
            .collect();
        let started = Instant::now();
        db.run(&args).failure(1, "the URL names no database");
        assert!(started.elapsed() < Duration::from_secs(10), "{name} waited");
    }
    db.run(&["schema", url])
        .failure(1, "the URL names no database");
}

#[test]
fn mysql_url_without_database_is_refused_at_once() {
    refuses_url_without_database(Backend::Mysql);
}

#[test]
fn postgres_url_without_database_is_refused_at_once() {
    refuses_url_without_database(Backend::Postgres);
}

#[test]
fn read_only_commands_never_create_an_sqlite_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    std::fs::write(dir.path().join("model.toml"), "").expect("model");
    let url = "sqlite:///typo.db";
    for args in [
        &["db_version", url, "repo"][..],
        &["status", url, "repo"],
        &["history", url, "repo"],
        &["drift", url, "repo"],
        &["repair", url, "repo"],
        &["drop_version_control", url, "repo"],
        &["create_model", url, "repo"],
        &["compare_model_to_db", url, "repo", "model.toml"],
        &["schema", url],
        &["diff", url, "repo@0"],
    ] {
        migrate(dir.path(), args).failure(1, "the database 'typo.db' does not exist");
        assert!(!dir.path().join("typo.db").exists(), "{args:?} created it");
    }
    // Commands that write still create it, as SQLite does.
    migrate(dir.path(), &["version_control", url, "repo"]).success();
    migrate(dir.path(), &["db_version", url, "repo"]).success();
}

/// A portable script that is valid TOML the SQL lexer misread: a literal string ending in a
/// backslash, a `"""` string holding a double quote.
const TRICKY_TOML: &str = r#"[[upgrade]]
create_table = { name = "paths", columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "dir", type = "String(20)", nullable = false, default = 'C:\' },
] }

[[upgrade]]
sql = """
INSERT INTO paths (id, dir) VALUES (1, 'say "hi"');
"""
"#;

fn changed_scripts(db: &TestDb) -> String {
    let out = db.run(&["status", &db.url, "repo"]);
    let line = out
        .success()
        .stdout
        .lines()
        .find(|l| l.starts_with("changed script"));
    line.unwrap_or_default().to_string()
}

matrix!(portable_checksums_parse_toml, |db| {
    migrate(db.dir.path(), &["create", "repo", "r"]).success();
    db.write("repo/versions/001_paths.toml", TRICKY_TOML);
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(changed_scripts(&db), "changed scripts: none");
    // Comments, blank lines and layout outside strings do not count.
    let cosmetic = format!(
        "# reformatted\n\n{}\n\n# end\n",
        TRICKY_TOML
            .replace("[[upgrade]]\n", "[[upgrade]]   # a step\n\n")
            .replace("sql = ", "sql   =   ")
    );
    db.write("repo/versions/001_paths.toml", &cosmetic);
    assert_eq!(changed_scripts(&db), "changed scripts: none");
    // A real edit inside the """ string does.
    db.write(
        "repo/versions/001_paths.toml",
        &TRICKY_TOML.replace("\"hi\"", "\"ho\""),
    );
    assert!(
        changed_scripts(&db).contains("001_paths.toml"),
        "{}",
        changed_scripts(&db)
    );
});

/// `make_update_script_for_model` writes a default with quotes and a backslash; its script
/// then runs and keeps its checksum.
#[test]
fn update_script_for_model_with_backslash_default_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect(name);
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let url = "sqlite:///m.db";
    write(
        "repo/versions/001_p.toml",
        "[[upgrade]]\ncreate_table = { name = 'p', columns = [{ name = 'id', type = 'Integer', primary_key = true }] }\n",
    );
    write("old.sql", "CREATE TABLE p (id INTEGER PRIMARY KEY);");
    write(
        "new.sql",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, dir VARCHAR(20) NOT NULL DEFAULT 'say \"C:\\');",
    );
    migrate(dir.path(), &["version_control", url, "repo"]).success();
    migrate(dir.path(), &["upgrade", url, "repo"]).success();
    let args = [
        "make_update_script_for_model",
        url,
        "repo",
        "old.sql",
        "new.sql",
    ];
    migrate(dir.path(), &args).success();
    migrate(dir.path(), &["upgrade", url, "repo"]).success();
    let status = migrate(dir.path(), &["status", url, "repo"]);
    assert!(
        status.success().stdout.contains("changed scripts: none"),
        "{}",
        status.stdout
    );
}

/// Runs `migrate ARGS` in `dir`, killing it after `secs`: a hang is a failure, not a stuck suite.
fn run_with_deadline(dir: &Path, args: &[&str], secs: u64) -> Outcome {
    use std::process::Stdio;
    let mut child = migrate_cmd(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run migrate");
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("migrate {args:?} still running after {secs}s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
#[test]
fn fifo_and_device_scripts_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let url = "sqlite:///f.db";
    migrate(dir.path(), &["version_control", url, "repo"]).success();
    let script = dir.path().join("repo/versions/001_x.toml");
    let fifo = std::process::Command::new("mkfifo")
        .arg(&script)
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    run_with_deadline(dir.path(), &["upgrade", url, "repo"], 20)
        .failure(1, "001_x.toml': it is not a regular file");
    std::fs::remove_file(&script).expect("rm fifo");
    std::os::unix::fs::symlink("/dev/zero", &script).expect("symlink");
    run_with_deadline(dir.path(), &["upgrade", url, "repo"], 20)
        .failure(1, "001_x.toml': it is not a regular file");
    migrate(dir.path(), &["db_version", url, "repo"]).success();
}

#[test]
fn a_missing_versions_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    std::fs::remove_dir_all(dir.path().join("repo/versions")).expect("rmdir");
    migrate(dir.path(), &["version", "repo"]).failure(1, "versions' does not exist");
    migrate(dir.path(), &["upgrade", "sqlite:///v.db", "repo"])
        .failure(1, "versions' does not exist");
}

#[test]
fn script_names_without_a_version_number_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let versions = dir.path().join("repo/versions");
    // What sqlalchemy-migrate left, and what is plainly not a script, is fine.
    for helper in [
        "__init__.py",
        ".hidden.sql",
        "README",
        "notes.txt",
        "001_x.sql~",
    ] {
        std::fs::write(versions.join(helper), "").expect(helper);
    }
    migrate(dir.path(), &["version", "repo"]).success();
    for bad in ["-1_x.sql", "abc_x.sql", "x.toml", "add_books.py"] {
        std::fs::write(versions.join(bad), "").expect(bad);
        migrate(dir.path(), &["version", "repo"])
            .failure(1, &format!("{bad}' is not a valid script name"));
        std::fs::remove_file(versions.join(bad)).expect(bad);
    }
}

#[test]
fn migrate_cfg_refuses_duplicates_and_accepts_a_byte_order_mark() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let cfg = dir.path().join("repo/migrate.cfg");
    std::fs::write(
        &cfg,
        "[db_settings]\nrepository_id=a\nversion_table=t1\nversion_table=t2\n",
    )
    .expect("cfg");
    migrate(dir.path(), &["version", "repo"])
        .failure(1, "migrate.cfg:4: key 'version_table' is given twice");
    migrate(dir.path(), &["db_version", "sqlite:///c.db", "repo"]).failure(1, "is given twice");
    std::fs::write(&cfg, "\u{feff}[db_settings]\nrepository_id=a\n").expect("cfg");
    migrate(dir.path(), &["version", "repo"]).success();
    migrate(dir.path(), &["version_control", "sqlite:///c.db", "repo"]).success();
}

#[test]
fn empty_table_and_column_names_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    migrate(dir.path(), &["create", "repo", "r"]).success();
    let url = "sqlite:///e.db";
    migrate(dir.path(), &["version_control", url, "repo"]).success();
    let script = dir.path().join("repo/versions/001_x.toml");
    for (text, needle) in [
        (
            "[[upgrade]]\ncreate_table = { name = '', columns = [{ name = 'id', type = 'Integer' }] }\n",
            "001_x.toml:1: step 1: create_table: the table name is empty",
        ),
        (
            "[[upgrade]]\ndrop_table = { name = 'gone' }\n[[upgrade]]\nadd_column = { table = 't', column = { name = ' ', type = 'Integer' } }\n",
            "001_x.toml:3: step 2: add_column: the column name is empty",
        ),
        (
            "[[upgrade]]\nrename_table = { from = 't', to = '' }\n",
            "rename_table: the new table name is empty",
        ),
    ] {
        std::fs::write(&script, text).expect("script");
        migrate(dir.path(), &["upgrade", url, "repo"]).failure(1, needle);
        migrate(dir.path(), &["db_version", url, "repo"]).success();
    }
}

#[test]
fn messages_show_values_not_rust_debug_text() {
    let db = TestDb::new(Backend::Sqlite, "messages_show_values");
    migrate(db.dir.path(), &["create", "repo", "r"]).success();
    db.run(&["version_control", &db.url, "repo"]).success();
    db.execute("UPDATE migrate_version SET version = -1");
    db.run(&["db_version", &db.url, "repo"])
        .failure(1, "table 'migrate_version' holds -1 as the version of 'r'");
    let out = db.run(&[
        "db_version",
        "mysql://root@127.0.0.1:1/x?connect_timeout=2",
        "repo",
    ]);
    out.failure(1, "Connection refused");
    assert!(!out.stderr.contains("Error {"), "{}", out.stderr);
}

/// A downgrade derived from the upgrade numbers its steps from 1, like every other step.
#[test]
fn derived_downgrade_steps_are_numbered_from_one() {
    let db = TestDb::new(Backend::Sqlite, "derived_downgrade_steps");
    migrate(db.dir.path(), &["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_t.toml",
        "[[upgrade]]\ncreate_table = { name = 't', columns = [{ name = 'id', type = 'Integer', primary_key = true }] }\n\
         [[upgrade]]\nadd_column = { table = 't', column = { name = 'c', type = 'Integer' } }\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.execute("DROP TABLE t");
    db.run(&["downgrade", &db.url, "repo", "0"])
        .failure(1, "step 1 (drop_column on 't')");
}

/// Through the library, a MySQL connection without a database fails at once instead of
/// waiting out the lock timeout for `GET_LOCK(NULL)`.
#[test]
fn library_lock_without_a_database_fails_at_once() {
    use migrate_core::ops::{self, RunOptions};
    let db = TestDb::new(Backend::Mysql, "library_lock_without_database");
    db.books_repo("repo");
    let repo = migrate_core::Repository::open(db.path("repo")).expect("repo");
    let url =
        migrate_core::DatabaseUrl::parse(server_without_database(Backend::Mysql)).expect("url");
    let mut conn = migrate_drivers::connect(&url).expect("connect to the server");
    let options = RunOptions {
        lock_timeout: Duration::from_secs(30),
        ..RunOptions::default()
    };
    let started = Instant::now();
    let err = ops::version_control(
        conn.as_mut(),
        &repo,
        None,
        options,
        &mut migrate_core::executor::Silent,
    )
    .expect_err("no database");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("no database selected"), "{err}");
}
