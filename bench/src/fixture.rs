//! The wide database the `reflect` and `scale` workloads share: `n` tables r0…r(n-1), each
//! with 20 columns, 2 indexes and a foreign key to the one before. On the servers it is kept
//! between runs as `migrate_bench_wide_<n>` (creating 2,000 InnoDB tables takes MariaDB
//! several minutes); it counts as built when its last table, created last, exists.

use std::fs;

use crate::backend::{Backend, Db};
use crate::measure;
use crate::workloads::Env;

/// The statements that create tables r0…r(n-1).
pub fn wide_sql(backend: Backend, n: usize) -> String {
    // One transaction on SQLite (else a sync per statement); PostgreSQL would run out of
    // lock slots holding 2,000 new tables in one.
    let one_transaction = backend == Backend::Sqlite;
    let mut sql = String::from(if one_transaction { "BEGIN;\n" } else { "" });
    for t in 0..n {
        let cols: Vec<String> = (0..18).map(|c| format!("c{c} VARCHAR(40)")).collect();
        let fk = if t == 0 {
            String::new()
        } else {
            format!(", FOREIGN KEY (parent_id) REFERENCES r{} (id)", t - 1)
        };
        sql.push_str(&format!(
            "CREATE TABLE r{t} (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER, {}{fk});\n",
            cols.join(", ")
        ));
        sql.push_str(&format!(
            "CREATE INDEX ix_r{t}_a ON r{t} (c0);\nCREATE INDEX ix_r{t}_b ON r{t} (c1, c2);\n"
        ));
    }
    if one_transaction {
        sql.push_str("COMMIT;\n");
    }
    sql
}

/// A database holding the wide tables: fresh for SQLite (built in a second), kept on the
/// servers. Besides them it may hold migrate's version table and journal.
pub fn wide(env: &Env, backend: Backend, n: usize) -> Db {
    let db = match backend {
        Backend::Sqlite => Db::fresh(backend, &env.dir),
        _ => {
            let (db, existed) = Db::kept(backend, &format!("migrate_bench_wide_{n}"));
            if existed && db.has_table(&format!("r{}", n - 1)) {
                return db;
            }
            println!(
                "building the {n}-table fixture on {} (kept for later runs)…",
                backend.name()
            );
            db.empty();
            db
        }
    };
    let file = env.dir.join(format!("wide_{}_{n}.sql", backend.name()));
    fs::write(&file, wide_sql(backend, n)).expect("write");
    measure::run(&mut db.client(&file));
    db
}
