//! The library API, as an application uses it: code migrations beside file scripts.

use std::sync::Arc;

use migrate_core::code::CodeMigration;
use migrate_core::executor::Silent;
use migrate_core::ops::{self, RunOptions};
use migrate_core::schema::{Column, ColumnType};
use migrate_core::session::Session;
use migrate_core::{Error, Repository, Version};

use crate::support::{BOOKS_REPO, TestDb};

struct AddPublisher {
    fail: bool,
}

impl CodeMigration for AddPublisher {
    fn version(&self) -> Version {
        Version::new(3)
    }

    fn description(&self) -> &str {
        "add publisher"
    }

    fn upgrade(&self, s: &mut Session<'_>) -> Result<(), Error> {
        let books = s.autoload("books")?.clone();
        assert!(books.column("isbn").is_some(), "the file scripts ran first");
        s.add_column(
            "books",
            Column::new("publisher", ColumnType::String(Some(100))),
        )?;
        if self.fail {
            s.execute("INSERT INTO no_such_table VALUES (1)")?;
        }
        Ok(())
    }

    fn downgrade(&self, s: &mut Session<'_>) -> Result<(), Error> {
        s.drop_column("books", "publisher")
    }
}

fn columns(db: &TestDb) -> Vec<String> {
    db.columns("books").into_iter().map(|(n, _, _)| n).collect()
}

matrix!(code_migrations_run_beside_file_scripts, |db| {
    let repo = Repository::open(BOOKS_REPO)
        .expect("open")
        .with_code_migration(Arc::new(AddPublisher { fail: false }))
        .expect("register");
    assert_eq!(repo.latest(), Version::new(3));
    let mut conn = db.conn();
    ops::version_control(
        conn.as_mut(),
        &repo,
        None,
        RunOptions::default(),
        &mut Silent,
    )
    .expect("vc");
    let plan = ops::upgrade(
        conn.as_mut(),
        &repo,
        None,
        RunOptions::default(),
        &mut Silent,
    )
    .expect("upgrade");
    assert_eq!(plan.steps.len(), 3);
    assert!(columns(&db).contains(&"publisher".to_string()));
    ops::downgrade(
        conn.as_mut(),
        &repo,
        Version::new(2),
        RunOptions::default(),
        &mut Silent,
    )
    .expect("downgrade");
    assert!(!columns(&db).contains(&"publisher".to_string()));
    // A registration that clashes with a file is refused.
    let clash = Repository::open(BOOKS_REPO)
        .expect("open")
        .with_code_migration(Arc::new(ClashesWithTwo));
    assert!(clash.is_err());
});

matrix!(a_failing_code_migration_is_a_failed_step, |db| {
    let repo = Repository::open(BOOKS_REPO)
        .expect("open")
        .with_code_migration(Arc::new(AddPublisher { fail: true }))
        .expect("register");
    let mut conn = db.conn();
    ops::version_control(
        conn.as_mut(),
        &repo,
        None,
        RunOptions::default(),
        &mut Silent,
    )
    .expect("vc");
    let err = ops::upgrade(
        conn.as_mut(),
        &repo,
        None,
        RunOptions::default(),
        &mut Silent,
    )
    .expect_err("fails");
    assert!(err.to_string().contains("no_such_table"), "{err}");
    assert_eq!(
        ops::db_version(conn.as_mut(), repo.config()).expect("version"),
        Version::new(2)
    );
    if db.backend != crate::support::Backend::Mysql {
        assert!(
            !columns(&db).contains(&"publisher".to_string()),
            "rolled back with the step"
        );
    }
});

struct ClashesWithTwo;

impl CodeMigration for ClashesWithTwo {
    fn version(&self) -> Version {
        Version::new(2)
    }
    fn description(&self) -> &str {
        "clash"
    }
    fn upgrade(&self, _: &mut Session<'_>) -> Result<(), Error> {
        Ok(())
    }
    fn downgrade(&self, _: &mut Session<'_>) -> Result<(), Error> {
        Ok(())
    }
}

// `Connection::query` reads every value it is given back as text or a number, never a
// silent NULL: PostgreSQL's binary protocol has no Rust type here for numeric, date or
// timestamp values (they came back NULL), and MySQL's quoted its dates.
matrix!(queries_read_numbers_dates_and_times, |db| {
    let timestamp = match db.backend {
        crate::support::Backend::Postgres => "TIMESTAMP",
        _ => "DATETIME",
    };
    db.execute(&format!(
        "CREATE TABLE v (id INTEGER, amount NUMERIC(12, 2), day DATE, at {timestamp}, ratio FLOAT)"
    ));
    db.execute("INSERT INTO v VALUES (1, 12.50, '2015-02-01', '2015-02-01 09:30:00', 1.5)");
    db.execute("INSERT INTO v VALUES (2, NULL, NULL, NULL, NULL)");
    let mut conn = db.conn();
    let marker = conn.dialect().placeholder(1);
    for (sql, params) in [
        (
            "SELECT amount, day, at, ratio FROM v WHERE id = 1".to_string(),
            vec![],
        ),
        (
            format!("SELECT amount, day, at, ratio FROM v WHERE id = {marker}"),
            vec![migrate_core::connection::Value::Int(1)],
        ),
    ] {
        let rows = conn.query(&sql, &params).expect("query");
        let texts: Vec<String> = rows[0].iter().map(crate::support::text).collect();
        // SQLite keeps a NUMERIC as a real number: 12.5.
        let amount = if db.backend == crate::support::Backend::Sqlite {
            "12.5"
        } else {
            "12.50"
        };
        assert_eq!(texts[0], amount, "{sql}");
        assert_eq!(texts[1], "2015-02-01", "{sql}");
        assert_eq!(texts[2], "2015-02-01 09:30:00", "{sql}");
        assert_eq!(texts[3].parse::<f64>().ok(), Some(1.5), "{sql}");
    }
    let nulls = conn
        .query("SELECT amount, day, at, ratio FROM v WHERE id = 2", &[])
        .expect("query");
    assert!(
        nulls[0]
            .iter()
            .all(|v| *v == migrate_core::connection::Value::Null)
    );
});

// An async application (`#[tokio::main]`) calls the library from inside a tokio runtime. The
// PostgreSQL client used to panic there ("Cannot start a runtime from within a runtime");
// every database now connects and migrates from both kinds of runtime.
matrix!(the_library_works_inside_a_tokio_runtime, |db| {
    let runtimes = [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    ];
    let repo = Repository::open(BOOKS_REPO).expect("open");
    for (i, runtime) in runtimes.iter().enumerate() {
        let url = migrate_core::DatabaseUrl::parse(&db.url).expect("url");
        let latest = runtime.block_on(async {
            let mut conn = migrate_drivers::connect(&url).expect("connect inside a runtime");
            if i == 0 {
                ops::version_control(
                    conn.as_mut(),
                    &repo,
                    None,
                    RunOptions::default(),
                    &mut Silent,
                )
                .expect("vc");
            }
            let target = if i == 0 {
                Version::new(1)
            } else {
                repo.latest()
            };
            ops::upgrade(
                conn.as_mut(),
                &repo,
                Some(target),
                RunOptions::default(),
                &mut Silent,
            )
            .expect("upgrade inside a runtime");
            ops::db_version(conn.as_mut(), repo.config()).expect("version")
        });
        assert_eq!(
            latest,
            if i == 0 {
                Version::new(1)
            } else {
                repo.latest()
            }
        );
    }
});
