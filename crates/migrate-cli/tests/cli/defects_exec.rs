//! Issue 12 regressions in the executor, journal, version table and literals: values with
//! backslashes under every string-escaping setting, shared tables created by concurrent
//! runs, what a killed MySQL step and a killed `drift` leave, and commands that are refused
//! or have nothing to do changing nothing.

use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use migrate_core::{Connection, DatabaseUrl, Repository, Value};

use crate::support::{Backend, TestDb, migrate, migrate_cmd, text};

// --- item 6: literals ---------------------------------------------------------------------

const PATH: &str = r"C:\temp\new";
const INJECTION: &str = r"\'); CREATE TABLE pwned (a int); --";
const REPOSITORY_ID: &str = r"C:\repo\new";
/// A script name that would end a literal early where backslashes escape.
const CRAFTED_SCRIPT: &str = r"002_x\'); CREATE TABLE pwnedj (a int); --_default_upgrade.sql";

/// A repository whose id, data, defaults and script name hold backslashes and quotes.
fn literal_repo(db: &TestDb) {
    db.run(&["create", "repo", REPOSITORY_ID]).success();
    db.write(
        "repo/versions/001_notes.toml",
        r#"
[[upgrade]]
create_table = { name = "notes", columns = [
    { name = "id", type = "Integer", primary_key = true, autoincrement = false },
    { name = "body", type = "String(200)", default = 'C:\temp\new' },
    { name = "tag", type = "String(200)" },
] }

[[upgrade]]
insert = { table = "notes", rows = [{ id = 1, body = 'C:\temp\new' }, { id = 2, body = "\\'); CREATE TABLE pwned (a int); --" }, { id = 3 }] }

[[upgrade]]
update = { table = "notes", set = { tag = "\\'); CREATE TABLE pwned (a int); --" }, where = "id = 1" }

[[upgrade]]
add_column = { table = "notes", column = { name = "extra", type = "String(200)", default = "\\'); CREATE TABLE pwned (a int); --" } }

[[downgrade]]
drop_table = { name = "notes" }
"#,
    );
    db.write(
        &format!("repo/versions/{CRAFTED_SCRIPT}"),
        "CREATE TABLE second (id INTEGER);\n",
    );
    db.write(
        "repo/versions/002_x_default_downgrade.sql",
        "DROP TABLE second;\n",
    );
}

/// What a run of `literal_repo` must have stored, read through `conn`.
fn assert_literals_stored(conn: &mut dyn Connection, context: &str) {
    let rows = conn
        .query("SELECT id, body, tag, extra FROM notes ORDER BY id", &[])
        .expect("read notes");
    let got: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(text).collect()).collect();
    let row = |id: &str, body: &str, tag: &str| {
        vec![id.to_string(), body.into(), tag.into(), INJECTION.into()]
    };
    assert_eq!(
        got,
        vec![
            row("1", PATH, INJECTION),
            row("2", INJECTION, ""),
            row("3", PATH, ""),
        ],
        "{context}: values stored as written"
    );
    let d = conn.dialect();
    for table in ["pwned", "pwnedj"] {
        let found = conn
            .query(&d.table_exists_query(), &[Value::Text(table.into())])
            .expect("catalog");
        assert!(found.is_empty(), "{context}: a literal created {table}");
    }
    let scripts = conn
        .query(
            "SELECT script, repository_id FROM migrate_version_journal WHERE version_to = 2",
            &[],
        )
        .expect("journal");
    assert_eq!(
        scripts
            .iter()
            .map(|r| (text(&r[0]), text(&r[1])))
            .collect::<Vec<_>>(),
        vec![(CRAFTED_SCRIPT.to_string(), REPOSITORY_ID.to_string())],
        "{context}: the journal names the script and repository exactly"
    );
    let version = conn
        .query("SELECT repository_id, version FROM migrate_version", &[])
        .expect("version");
    assert_eq!(
        version
            .iter()
            .map(|r| (text(&r[0]), r[1].as_int()))
            .collect::<Vec<_>>(),
        vec![(REPOSITORY_ID.to_string(), Some(2))],
        "{context}: the version row"
    );
}

matrix!(backslashes_and_quotes_in_values_are_stored_verbatim, |db| {
    literal_repo(&db);
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_literals_stored(db.conn().as_mut(), "default settings");
    // Defaults read back from the catalog as written.
    let schema = db.schema();
    let body = schema
        .table("notes")
        .and_then(|t| t.column("body"))
        .expect("body");
    assert_eq!(
        body.default,
        Some(migrate_core::schema::DefaultValue::Text(PATH.into()))
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

#[test]
fn postgres_without_standard_conforming_strings_stores_values_verbatim() {
    let db = TestDb::new(
        Backend::Postgres,
        "defects_exec::postgres_without_standard_conforming_strings",
    );
    literal_repo(&db);
    let url = format!("{}?options=-c%20standard_conforming_strings%3Doff", db.url);
    let mut conn =
        migrate_drivers::connect(&DatabaseUrl::parse(&url).expect("url")).expect("connect");
    let setting = conn
        .query("SHOW standard_conforming_strings", &[])
        .expect("show");
    assert_eq!(text(&setting[0][0]), "off", "the URL option took effect");
    db.run(&["version_control", &url, "repo"]).success();
    let preview = db.run(&["upgrade", &url, "repo", "--preview-sql"]);
    preview.success();
    // The preview prints the statements that run: the escape-string form, and the
    // repository id as a literal that means the same under this setting.
    assert!(
        preview.stdout.contains(r"VALUES (E'C:\\temp\\new', 1)")
            && preview.stdout.contains(r"repository_id = E'C:\\repo\\new'"),
        "{}",
        preview.stdout
    );
    db.run(&["upgrade", &url, "repo"]).success();
    assert_literals_stored(conn.as_mut(), "standard_conforming_strings=off");
    let d = conn.dialect();
    let schema = d.reflect(conn.as_mut(), &[]).expect("reflect");
    let body = schema
        .table("notes")
        .and_then(|t| t.column("body"))
        .expect("body");
    assert_eq!(
        body.default,
        Some(migrate_core::schema::DefaultValue::Text(PATH.into())),
        "the default reads back as written with standard_conforming_strings=off"
    );
    db.run(&["downgrade", &url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
}

#[test]
fn mysql_with_no_backslash_escapes_stores_values_verbatim() {
    let db = TestDb::new(
        Backend::Mysql,
        "defects_exec::mysql_with_no_backslash_escapes",
    );
    literal_repo(&db);
    let mut conn = db.conn();
    conn.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
        .expect("set sql_mode");
    let mode = conn.query("SELECT @@SESSION.sql_mode", &[]).expect("mode");
    assert!(text(&mode[0][0]).contains("NO_BACKSLASH_ESCAPES"));
    let repo = Repository::open(db.path("repo")).expect("repository");
    let options = migrate_core::ops::RunOptions::default();
    let mut silent = migrate_core::executor::Silent;
    migrate_core::ops::version_control(conn.as_mut(), &repo, None, options, &mut silent)
        .expect("version_control");
    migrate_core::ops::upgrade(conn.as_mut(), &repo, None, options, &mut silent).expect("upgrade");
    assert_literals_stored(conn.as_mut(), "NO_BACKSLASH_ESCAPES");
    // Read back in a session with the default mode too: the same text.
    assert_literals_stored(db.conn().as_mut(), "NO_BACKSLASH_ESCAPES, read back");
    migrate_core::ops::downgrade(
        conn.as_mut(),
        &repo,
        migrate_core::Version::ZERO,
        options,
        &mut silent,
    )
    .expect("downgrade");
    assert_eq!(db.tables(), vec!["migrate_version"]);
}

// --- item 13: shared tables created concurrently ----------------------------------------

fn concurrency_rounds() -> usize {
    std::env::var("MIGRATE_TEST_CONCURRENCY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

matrix!(repositories_sharing_a_fresh_database_set_up_at_once, |db| {
    const REPOS: usize = 6;
    for round in 0..concurrency_rounds() {
        // A fresh database each round: the race is on creating the shared tables.
        let fresh = TestDb::new(db.backend, &format!("defects_exec::shared_tables_{round}"));
        for r in 0..REPOS {
            let path = format!("repo{r}");
            fresh
                .run(&["create", &path, &format!("repository {r}")])
                .success();
            fresh.write(
                &format!("{path}/versions/001_t_default_upgrade.sql"),
                &format!("CREATE TABLE r{r}_t1 (id INTEGER);\n"),
            );
            fresh.write(
                &format!("{path}/versions/001_t_default_downgrade.sql"),
                &format!("DROP TABLE r{r}_t1;\n"),
            );
        }
        let start = Arc::new(Barrier::new(REPOS));
        let threads: Vec<_> = (0..REPOS)
            .map(|r| {
                let (dir, url, start) = (
                    fresh.dir.path().to_path_buf(),
                    fresh.url.clone(),
                    start.clone(),
                );
                std::thread::spawn(move || {
                    let repo = format!("repo{r}");
                    start.wait();
                    let vc = migrate(&dir, &["version_control", &url, &repo]);
                    let up = migrate(&dir, &["upgrade", &url, &repo]);
                    (vc, up)
                })
            })
            .collect();
        for (r, t) in threads.into_iter().enumerate() {
            let (vc, up) = t.join().expect("thread");
            assert_eq!(
                vc.code, 0,
                "round {round}, repo{r}: version_control: {}",
                vc.stderr
            );
            assert_eq!(up.code, 0, "round {round}, repo{r}: upgrade: {}", up.stderr);
        }
        let rows = fresh.version_rows("migrate_version");
        assert_eq!(rows.len(), REPOS, "round {round}: {rows:?}");
        assert!(rows.iter().all(|r| r.2 == 1), "round {round}: {rows:?}");
    }
});

// --- item 17: a killed MySQL step, a killed drift ------------------------------------------

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A MySQL step killed in its third statement (`header` starts its script).
fn killed_mysql_step_names_the_statement_it_reached(header: &str) {
    let db = TestDb::new(Backend::Mysql, "defects_exec::killed_mysql_step");
    db.run(&["create", "repo", "r"]).success();
    db.write(
        "repo/versions/001_slow_default_upgrade.sql",
        &format!("{header}CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\nSELECT SLEEP(60) AS migrate_test_sleep;\nCREATE TABLE c (id INTEGER);\n"),
    );
    db.write(
        "repo/versions/001_slow_default_downgrade.sql",
        "DROP TABLE c;\nDROP TABLE b;\nDROP TABLE a;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    let mut child = migrate_cmd(db.dir.path())
        .args(["upgrade", &db.url, "repo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let sleeping = format!(
        "SELECT id FROM information_schema.processlist WHERE db = '{}' AND info LIKE 'SELECT SLEEP(60)%'",
        db.name
    );
    wait_until("the slow statement", || !db.query(&sleeping).is_empty());
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    // The server does not notice the dead client while it sleeps: end its session.
    for row in db.query(&sleeping) {
        let _ = db.conn().execute(&format!("KILL {}", text(&row[0])));
    }
    db.wait_for_other_sessions();
    let rows = db.query("SELECT outcome, statement_index FROM migrate_version_journal");
    assert_eq!(
        rows.iter()
            .map(|r| (text(&r[0]), r[1].as_int()))
            .collect::<Vec<_>>(),
        vec![("running".to_string(), Some(3))],
        "the journal says the step reached its third statement"
    );
    db.run(&["upgrade", &db.url, "repo"])
        .failure(1, "(001_slow_default_upgrade.sql) stopped at statement 3");
}

#[test]
fn a_killed_mysql_step_names_the_statement_it_reached() {
    killed_mysql_step_names_the_statement_it_reached("");
}

#[test]
fn a_killed_mysql_step_outside_a_transaction_names_the_statement_it_reached() {
    killed_mysql_step_names_the_statement_it_reached("-- migrate:no-transaction\n");
}

/// The server's databases whose name says the scratch database of process `pid`.
fn scratch_databases_of(db: &TestDb, pid: u32) -> Vec<String> {
    let sql = match db.backend {
        Backend::Postgres => "SELECT datname::text FROM pg_database",
        _ => "SELECT schema_name FROM information_schema.schemata",
    };
    db.query(sql)
        .iter()
        .map(|r| text(&r[0]))
        .filter(|n| n.starts_with("migrate_scratch_") && n.contains(&format!("_{pid}_")))
        .collect()
}

fn killed_drift_leaves_no_scratch_database(db: TestDb) {
    let slow = match db.backend {
        Backend::Postgres => "SELECT pg_sleep(60)",
        _ => "SELECT SLEEP(60)",
    };
    db.run(&["create", "repo", "r"]).success();
    let script = "repo/versions/001_t_default_upgrade.sql";
    db.write(script, &format!("CREATE TABLE t1 (id INTEGER);\n{slow};\n"));
    db.write(
        "repo/versions/001_t_default_downgrade.sql",
        "DROP TABLE t1;\n",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    // At version 1 without running the script: `drift` runs it on a scratch database.
    db.run(&["stamp", &db.url, "repo", "1"]).success();
    let mut child = migrate_cmd(db.dir.path())
        .args(["drift", &db.url, "repo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    wait_until("the scratch database", || {
        !scratch_databases_of(&db, pid).is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    assert!(
        !scratch_databases_of(&db, pid).is_empty(),
        "the killed drift left its scratch database"
    );
    // The next run that needs a scratch database drops the dead process's.
    db.write(script, "CREATE TABLE t1 (id INTEGER);\n");
    let out = db.run(&["drift", &db.url, "repo"]);
    assert!(out.code == 0 || out.code == 3, "drift: {}", out.stderr);
    let left = scratch_databases_of(&db, pid);
    // Drop it here whatever happened, so a failing run leaves no database behind.
    let mut admin = db.conn();
    let force = if db.backend == Backend::Postgres {
        " WITH (FORCE)"
    } else {
        ""
    };
    for name in &left {
        let quoted = admin.dialect().quote_ident(name);
        let _ = admin.execute(&format!("DROP DATABASE IF EXISTS {quoted}{force}"));
    }
    assert!(left.is_empty(), "stale scratch databases remain: {left:?}");
}

#[test]
fn a_killed_drift_leaves_no_scratch_database_postgres() {
    killed_drift_leaves_no_scratch_database(TestDb::new(
        Backend::Postgres,
        "defects_exec::killed_drift_postgres",
    ));
}

#[test]
fn a_killed_drift_leaves_no_scratch_database_mysql() {
    killed_drift_leaves_no_scratch_database(TestDb::new(
        Backend::Mysql,
        "defects_exec::killed_drift_mysql",
    ));
}

// --- item 19: refused and no-op commands change nothing -----------------------------------

/// Every table, SQLite's internal ones (`sqlite_sequence`) included.
fn every_table(db: &TestDb) -> Vec<String> {
    if db.backend != Backend::Sqlite {
        return db.all_tables();
    }
    let mut names: Vec<String> = db
        .query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    names.sort();
    names
}

matrix!(refused_and_noop_walks_change_nothing, |db| {
    let sql = |path: &str, v: u32, up: &str, down: &str| {
        db.write(&format!("{path}/versions/{v:03}_t_default_upgrade.sql"), up);
        db.write(
            &format!("{path}/versions/{v:03}_t_default_downgrade.sql"),
            down,
        );
    };
    db.run(&["create", "ok", "ok"]).success();
    sql(
        "ok",
        1,
        "CREATE TABLE t1 (id INTEGER);\n",
        "DROP TABLE t1;\n",
    );
    db.run(&["create", "py", "py"]).success();
    // A Python script that does not parse: refused before anything runs.
    db.write(
        "py/versions/001_t.py",
        "def upgrade(migrate_engine):\n    pass(\n",
    );
    db.run(&["create", "broken", "broken"]).success();
    sql(
        "broken",
        1,
        "CREATE TABLE b1 (id INTEGER);\n",
        "DROP TABLE b1;\n",
    );
    db.write(
        "broken/versions/002_bad.toml",
        "[[upgrade]]\ncreate_table = {\n",
    );
    db.run(&["create", "notx", "notx"]).success();
    sql(
        "notx",
        1,
        "-- migrate:no-transaction\nCREATE TABLE n1 (id INTEGER);\n",
        "DROP TABLE n1;\n",
    );
    for repo in ["ok", "py", "broken", "notx"] {
        db.run(&["version_control", &db.url, repo]).success();
    }
    let before = (every_table(&db), db.version_rows("migrate_version"));
    let url = db.url.as_str();
    let commands: Vec<(Vec<&str>, bool)> = vec![
        (vec!["upgrade", url, "ok", "5"], false),
        (vec!["downgrade", url, "ok", "1"], false),
        (vec!["upgrade", url, "ok", "0"], true),
        (vec!["downgrade", url, "ok", "0"], true),
        (vec!["upgrade", url, "ok", "--preview-sql"], true),
        (vec!["upgrade", url, "py"], false),
        (vec!["upgrade", url, "broken"], false),
        (vec!["upgrade", url, "notx", "--single-transaction"], false),
        (vec!["repair", url, "ok"], true),
        (vec!["repair", url, "ok", "--mark-applied"], false),
    ];
    for (args, succeeds) in &commands {
        let out = db.run(args);
        assert_eq!(
            out.code == 0,
            *succeeds,
            "{args:?}: exit {}\n{}",
            out.code,
            out.stderr
        );
        assert_eq!(
            (every_table(&db), db.version_rows("migrate_version")),
            before,
            "{args:?} changed the database"
        );
    }
    // A step that runs creates the journal.
    db.run(&["upgrade", url, "ok"]).success();
    assert!(
        db.all_tables()
            .contains(&"migrate_version_journal".to_string())
    );
});
