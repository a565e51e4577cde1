//! Issue 15: a portable step reads the part of the schema its operations need, so its cost
//! does not grow with the tables it leaves alone.
//!
//! Proven by counting the rows every query returns (a wrapper around the connection) while
//! one portable version (a column, an index and a foreign key to another table) goes up and
//! down, first on a database of just those two tables, then with unrelated tables beside
//! them. The count may grow by a row per object listed (SQLite's `sqlite_master` names every
//! table and index: two per unrelated table, read by each of the two steps), never by the
//! unrelated tables' columns, keys and indexes, which reflecting the whole database reads:
//! that grows by more than twenty rows per table here.

use migrate_core::connection::{BatchError, Connection, DbError, Value};
use migrate_core::dialect::Dialect;
use migrate_core::executor::Silent;
use migrate_core::ops::{self, RunOptions};
use migrate_core::{Repository, Version};

use crate::support::TestDb;

/// A connection that counts the rows its queries return.
struct Counting {
    inner: Box<dyn Connection>,
    rows: usize,
}

impl Connection for Counting {
    fn dialect(&self) -> &'static dyn Dialect {
        self.inner.dialect()
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.inner.execute(sql)
    }

    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.inner.execute_with(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let rows = self.inner.query(sql, params)?;
        self.rows += rows.len();
        Ok(rows)
    }

    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        self.inner.execute_all(statements)
    }

    fn last_insert_id(&self) -> Option<i64> {
        self.inner.last_insert_id()
    }
}

const VERSION: &str = r#"
[[upgrade]]
add_column = { table = "items", column = { name = "owner_id", type = "Integer" } }

[[upgrade]]
create_index = { table = "items", name = "ix_items_owner_id", columns = ["owner_id"] }

[[upgrade]]
add_foreign_key = { table = "items", name = "fk_items_owner", columns = ["owner_id"], references = { table = "owners", columns = ["id"] } }
"#;

/// Rows read by an upgrade to version 1 and a downgrade back to 0.
fn rows_read(db: &TestDb, repo: &Repository) -> usize {
    let mut conn = Counting {
        inner: db.conn(),
        rows: 0,
    };
    let quiet = RunOptions::default;
    ops::upgrade(&mut conn, repo, None, quiet(), &mut Silent).expect("upgrade");
    ops::downgrade(&mut conn, repo, Version::new(0), quiet(), &mut Silent).expect("downgrade");
    conn.rows
}

matrix!(a_portable_step_reads_only_the_tables_it_needs, |db| {
    db.write(
        "repo/migrate.cfg",
        "[db_settings]\nrepository_id=scope\nversion_table=migrate_version\n",
    );
    db.write("repo/versions/001_owner.toml", VERSION);
    let repo = Repository::open(db.path("repo")).expect("open");
    db.execute("CREATE TABLE owners (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40))");
    db.execute("CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, label VARCHAR(40))");
    let mut conn = db.conn();
    ops::version_control(
        conn.as_mut(),
        &repo,
        None,
        RunOptions::default(),
        &mut Silent,
    )
    .expect("version control");
    // The journal and anything else a first run creates exist before the two counts.
    rows_read(&db, &repo);
    let alone = rows_read(&db, &repo);

    let unrelated = 20;
    for t in 0..unrelated {
        let parent = if t == 0 {
            String::new()
        } else {
            format!(", FOREIGN KEY (parent_id) REFERENCES u{} (id)", t - 1)
        };
        db.execute(&format!(
            "CREATE TABLE u{t} (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER, \
             a VARCHAR(20), b VARCHAR(20), c VARCHAR(20), d VARCHAR(20), e VARCHAR(20), \
             UNIQUE (a, b){parent})"
        ));
        db.execute(&format!("CREATE INDEX ix_u{t}_c ON u{t} (c, d)"));
    }
    let beside = rows_read(&db, &repo);
    assert!(
        beside <= alone + 4 * unrelated,
        "with {unrelated} unrelated tables the step read {beside} rows, against {alone} without \
         them: it reflected tables it does not touch"
    );
    assert_eq!(db.columns("items").len(), 2, "the version went up and down");
});

// The tables pointing at a dropped one are in its step's scope: MySQL refuses to drop a
// table another table's key references, so the step drops that key first, which it can only
// do knowing the referencing table (and only MySQL renders it so; PostgreSQL refuses).
#[test]
fn a_dropped_table_is_seen_with_the_tables_referencing_it() {
    let db = TestDb::new(
        crate::support::Backend::Mysql,
        "scope::a_dropped_table_is_seen_with_the_tables_referencing_it",
    );
    db.write(
        "repo/migrate.cfg",
        "[db_settings]\nrepository_id=scope\nversion_table=migrate_version\n",
    );
    db.write(
        "repo/versions/001_drop.toml",
        "[[upgrade]]\ndrop_table = { name = \"owners\" }\n",
    );
    db.execute("CREATE TABLE owners (id INTEGER NOT NULL PRIMARY KEY)");
    db.execute("CREATE TABLE unrelated (id INTEGER NOT NULL PRIMARY KEY)");
    db.execute(
        "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, owner_id INTEGER, \
         CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id))",
    );
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert!(!db.tables().contains(&"owners".to_string()));
    assert!(
        db.schema()
            .table("items")
            .expect("items")
            .foreign_keys
            .is_empty()
    );
}
