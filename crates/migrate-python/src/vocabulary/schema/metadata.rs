//! `MetaData(bind=…)`: the tables a script defines or reflects.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use super::table::Table;
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

/// `MetaData(bind=…)`.
#[derive(Default)]
pub struct MetaData {
    pub(super) bind: RefCell<Value>,
    pub(super) tables: RefCell<Vec<Rc<Table>>>,
}

impl MetaData {
    /// A new collection, bound when `bind` is given.
    pub fn new(args: &Args) -> MetaData {
        MetaData {
            bind: RefCell::new(args.get(0, "bind").cloned().unwrap_or(Value::None)),
            tables: RefCell::default(),
        }
    }

    pub(super) fn find(&self, name: &str) -> Option<Rc<Table>> {
        self.tables
            .borrow()
            .iter()
            .find(|t| t.name.borrow().as_str() == name)
            .cloned()
    }
}

impl Native for MetaData {
    fn type_name(&self) -> &str {
        "MetaData"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "bind" => Some(self.bind.borrow().clone()),
            "tables" => Some(Value::Dict(Rc::new(RefCell::new(
                self.tables
                    .borrow()
                    .iter()
                    .map(|t| {
                        (
                            Value::str(t.name.borrow().as_str()),
                            Value::Native(t.clone()),
                        )
                    })
                    .collect(),
            )))),
            "sorted_tables" => Some(Value::list(
                self.tables
                    .borrow()
                    .iter()
                    .map(|t| Value::Native(t.clone() as Rc<dyn Native>))
                    .collect(),
            )),
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "reflect" | "create_all" | "drop_all")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        _args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "reflect" => {
                let names: Vec<String> = interp
                    .session()?
                    .schema()
                    .tables
                    .iter()
                    .map(|t| t.name.clone())
                    .collect();
                for n in names {
                    if self.find(&n).is_none() {
                        let table = Table::reflect(&n, interp)?;
                        self.tables.borrow_mut().push(table);
                    }
                }
            }
            "create_all" => {
                for t in self.tables.borrow().clone() {
                    if interp.session()?.schema().table(&t.name.borrow()).is_none() {
                        t.create(interp)?;
                    }
                }
            }
            "drop_all" => {
                for t in self.tables.borrow().iter().rev() {
                    if interp.session()?.schema().table(&t.name.borrow()).is_some() {
                        t.drop_table(interp)?;
                    }
                }
            }
            _ => return Err(Exc::attribute("MetaData", name)),
        }
        Ok(Value::None)
    }
    fn set_attr(&self, name: &str, value: Value) -> Result<(), Exc> {
        match name {
            "bind" => {
                *self.bind.borrow_mut() = value;
                Ok(())
            }
            _ => Err(Exc::attribute("MetaData", name)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
