//! `--engine_arg_echo=True`: every statement sent to the database is printed before it is
//! sent, as SQLAlchemy's `create_engine(echo=True)` logged it for sqlalchemy-migrate's users.
//! A decorator around the connection, so nothing in the library has to know about it.
//! `-v` uses the same decorator for every connection a command opens, printing on stderr.

use std::cell::RefCell;

use migrate_core::Connection;
use migrate_core::Value;
use migrate_core::connection::{BatchError, DbError};
use migrate_core::dialect::Dialect;

use crate::output::Output;

/// A connection that prints each statement, then runs it on the connection it wraps.
pub struct Echo {
    inner: Box<dyn Connection>,
    out: Output,
    to_stderr: bool,
}

thread_local! {
    // `-v`, once, from the command line: the output every opened connection echoes to.
    static VERBOSE: RefCell<Option<Output>> = const { RefCell::new(None) };
}

/// `-v`: from now on [`verbose`] echoes the connections it is given on `out`'s stderr.
pub fn set_verbose(out: &Output) {
    if out.verbose {
        VERBOSE.with(|v| *v.borrow_mut() = Some(out.clone()));
    }
}

/// `conn`, echoing each statement on stderr when `-v` was given.
pub fn verbose(conn: Box<dyn Connection>) -> Box<dyn Connection> {
    match VERBOSE.with(|v| v.borrow().clone()) {
        Some(out) => Box::new(Echo {
            inner: conn,
            out,
            to_stderr: true,
        }),
        None => conn,
    }
}

impl Echo {
    /// Wraps `inner`, printing through `out`: on stdout as sqlalchemy-migrate's echo did,
    /// or on stderr when stdout holds a `--json` document.
    pub fn new(inner: Box<dyn Connection>, out: Output) -> Echo {
        let to_stderr = out.json;
        Echo {
            inner,
            out,
            to_stderr,
        }
    }

    fn line(&mut self, text: &str) {
        if self.to_stderr {
            self.out.statement(text);
        } else {
            self.out.result(text);
        }
    }

    fn show(&mut self, sql: &str, params: &[Value]) {
        self.line(sql.trim());
        if !params.is_empty() {
            let shown: Vec<String> = params.iter().map(shown).collect();
            self.line(&format!("-- parameters: ({})", shown.join(", ")));
        }
    }
}

impl Connection for Echo {
    fn dialect(&self) -> &'static dyn Dialect {
        self.inner.dialect()
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.show(sql, &[]);
        self.inner.execute(sql)
    }

    fn execute_with(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.show(sql, params);
        self.inner.execute_with(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.show(sql, params);
        self.inner.query(sql, params)
    }

    fn execute_all(&mut self, statements: &[String]) -> Result<(), BatchError> {
        for sql in statements {
            self.show(sql, &[]);
        }
        self.inner.execute_all(statements)
    }

    fn last_insert_id(&self) -> Option<i64> {
        self.inner.last_insert_id()
    }
}

/// A parameter as SQLAlchemy's echo showed it: numbers bare, text quoted, NULL as None.
fn shown(value: &Value) -> String {
    match value {
        Value::Int(i) => i.to_string(),
        Value::Text(t) => format!("'{t}'"),
        Value::Null => "None".into(),
        _ => "?".into(),
    }
}
