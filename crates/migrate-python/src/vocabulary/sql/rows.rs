//! What `execute` returns: rows read by position, key or attribute.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use migrate_core::connection::Value as DbValue;

use super::expr::py_value;
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

pub(super) fn result(names: Vec<String>, rows: Vec<Vec<DbValue>>) -> Value {
    let rows = rows
        .iter()
        .map(|r| r.iter().map(py_value).collect())
        .collect();
    rows_result(names, rows)
}

pub(super) fn rows_result(names: Vec<String>, rows: Vec<Vec<Value>>) -> Value {
    let names = Rc::new(names);
    let rows = rows
        .into_iter()
        .map(|values| {
            Value::native(Row {
                names: names.clone(),
                values,
            })
        })
        .collect();
    Value::native(ResultProxy {
        rows: RefCell::new(rows),
    })
}

/// What `execute` returns: the rows, consumed by `fetchone`/`fetchall`/iteration.
pub struct ResultProxy {
    rows: RefCell<std::collections::VecDeque<Value>>,
}

impl Native for ResultProxy {
    fn type_name(&self) -> &str {
        "ResultProxy"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "fetchall" | "fetchone" | "first" | "scalar" | "__iter__" | "close" | "keys"
        )
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        _: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let mut rows = self.rows.borrow_mut();
        Ok(match name {
            "fetchall" | "__iter__" => Value::list(rows.drain(..).collect()),
            "fetchone" => rows.pop_front().unwrap_or(Value::None),
            "first" => {
                let first = rows.pop_front().unwrap_or(Value::None);
                rows.clear();
                first
            }
            "scalar" => {
                let first = rows.pop_front();
                rows.clear();
                match first {
                    Some(row) => {
                        drop(rows);
                        crate::eval::subscript(&row, &Value::Int(0), interp)?
                    }
                    None => Value::None,
                }
            }
            "close" => Value::None,
            _ => return Err(Exc::attribute("ResultProxy", name)),
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A row: by position, by column name as a key, or as an attribute.
pub struct Row {
    names: Rc<Vec<String>>,
    values: Vec<Value>,
}

impl Native for Row {
    fn type_name(&self) -> &str {
        "RowProxy"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(self
            .names
            .iter()
            .position(|n| n == name)
            .map(|i| self.values[i].clone()))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "__getitem__" | "__iter__" | "keys" | "items")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "__getitem__" => match args.pos.first() {
                Some(Value::Str(k)) => self
                    .names
                    .iter()
                    .position(|n| n.as_str() == &**k)
                    .map(|i| self.values[i].clone())
                    .ok_or_else(|| Exc::new("KeyError", k.to_string())),
                Some(i) => crate::eval::subscript(&Value::list(self.values.clone()), i, interp),
                None => Err(Exc::type_error("row index")),
            },
            "__iter__" => Ok(Value::list(self.values.clone())),
            "keys" => Ok(Value::list(
                self.names.iter().map(|n| Value::str(n.as_str())).collect(),
            )),
            "items" => Ok(Value::list(
                self.names
                    .iter()
                    .zip(&self.values)
                    .map(|(n, v)| Value::Tuple(Rc::new(vec![Value::str(n.as_str()), v.clone()])))
                    .collect(),
            )),
            _ => Err(Exc::attribute("RowProxy", name)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
