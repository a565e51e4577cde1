//! `migrate_engine`: what a migration's `upgrade(migrate_engine)` receives. It reaches the
//! database only through the session migrate gives the step, inside its transaction.

use std::any::Any;
use std::rc::Rc;

use super::sql::{Statement, TextClause, execute_text};
use crate::error::Exc;
use crate::eval::Interp;
use crate::modules::module;
use crate::value::{Args, Native, Value};

/// The engine (and the connections and transactions scripts open on it, which are the same
/// session: the version's transaction).
pub struct Engine {
    name: String,
}

impl Engine {
    /// An engine for dialect `name` (`sqlite`, `postgresql`, `mysql`).
    pub fn new(name: &str) -> Engine {
        Engine {
            name: name.to_string(),
        }
    }
}

impl Native for Engine {
    fn type_name(&self) -> &str {
        "Engine"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "name" => Some(Value::str(self.name.as_str())),
            "dialect" => Some(module(
                "dialect",
                vec![("name", Value::str(self.name.as_str()))],
            )),
            "url" => Some(Value::native(Url {
                drivername: self.name.clone(),
            })),
            "engine" | "bind" => None,
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "query"
                | "execute"
                | "connect"
                | "begin"
                | "close"
                | "__enter__"
                | "__exit__"
                | "commit"
                | "rollback"
                | "scalar"
        )
    }
    fn call_method(
        &self,
        this: &Rc<dyn Native>,
        name: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "execute" => execute(args, interp),
            "query" => {
                let table = args.pos.first().cloned().unwrap_or_default();
                interp.call_method(&table, "select", Args::default())
            }
            "scalar" => {
                let result = execute(args, interp)?;
                interp.call_method(&result, "scalar", Args::default())
            }
            // One session, already in the version's transaction: a connection or a nested
            // transaction is the engine itself, and its commit is the step's.
            "connect" | "begin" | "__enter__" => Ok(Value::Native(this.clone())),
            "close" | "__exit__" | "commit" => Ok(Value::None),
            // The version is one transaction: what the script wants undone is undone by
            // failing the step, which the script's run reports once the function returns.
            "rollback" => {
                interp
                    .rollback_requested
                    .get_or_insert_with(|| "session.rollback()".into());
                Ok(Value::None)
            }
            _ => Err(Exc::attribute("Engine", name)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `engine.url`: what scripts read of it (`url.database` in MySQL branches). Credentials are
/// not there: a script has no use for them, and they must never reach a log.
struct Url {
    drivername: String,
}

impl Native for Url {
    fn type_name(&self) -> &str {
        "URL"
    }
    fn attr(&self, name: &str, interp: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "drivername" => Some(Value::str(self.drivername.as_str())),
            "database" => {
                let session = interp.session()?;
                let sql = session.dialect().current_database_query();
                let rows = session.query(sql, &[]).map_err(super::db_error)?;
                let name = rows.into_iter().next().and_then(|r| r.into_iter().next());
                Some(match name {
                    Some(migrate_core::connection::Value::Text(t)) => Value::str(t.as_str()),
                    _ => Value::None,
                })
            }
            "host" | "port" | "username" | "password" => Some(Value::None),
            _ => None,
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `engine.execute(sql | text(…) | statement, params…)`.
fn execute(mut args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    if args.pos.is_empty() {
        return Err(Exc::type_error("execute() takes a statement"));
    }
    let what = args.pos.remove(0);
    if let Some(s) = what.as_str() {
        return execute_text(s, interp);
    }
    if let Some(t) = what.downcast::<TextClause>() {
        if !args.pos.is_empty() || !args.kw.is_empty() {
            return Err(Exc::unsupported("bound parameters with text()"));
        }
        return execute_text(&t.sql, interp);
    }
    if let Some(s) = what.downcast::<Statement>() {
        return s.execute(interp, &args);
    }
    Err(Exc::type_error(format!(
        "cannot execute '{}'",
        what.type_name()
    )))
}

/// `sessionmaker(bind=engine)`: calling it gives a session, which here is the engine itself
/// (the version's one transaction).
pub struct SessionMaker(pub Value);

impl Native for SessionMaker {
    fn type_name(&self) -> &str {
        "sessionmaker"
    }
    fn call(&self, _: &Rc<dyn Native>, _: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        Ok(self.0.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
