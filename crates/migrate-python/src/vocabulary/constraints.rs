//! `Index` and the constraints, as sqlalchemy-migrate's changeset creates and drops them:
//! `Index(…).create()`, `ForeignKeyConstraint(columns=…, refcolumns=…).create()`,
//! `UniqueConstraint(…, table=t).drop()`…

use std::any::Any;
use std::rc::Rc;

use migrate_core::change::Operation;
use migrate_core::schema as model;

use super::db_error;
use super::schema::{Column, Table, fk_action};
use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::value::{Args, Native, Value};

/// The table and names of a list of columns (Column objects, or names with `table=`).
fn columns_of(
    values: &[Value],
    table: Option<&Value>,
    interp: &mut Interp<'_, '_>,
) -> Result<(Option<String>, Vec<String>), Exc> {
    let mut table_name = match table {
        Some(Value::Native(n)) => n
            .as_any()
            .downcast_ref::<Table>()
            .map(|t| t.name.borrow().clone()),
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let mut names = Vec::new();
    for v in values {
        match v {
            Value::Str(s) => names.push(s.to_string()),
            Value::Native(n) => {
                let c = n
                    .as_any()
                    .downcast_ref::<Column>()
                    .ok_or_else(|| Exc::type_error("a column or a column name"))?;
                names.push(c.name());
                if table_name.is_none() {
                    let t = interp.get_attr(v, "table")?;
                    table_name = t.downcast::<Table>().map(|t| t.name.borrow().clone());
                }
            }
            other => {
                return Err(Exc::type_error(format!(
                    "'{}' is not a column",
                    other.type_name()
                )));
            }
        }
    }
    Ok((table_name, names))
}

fn unknown_table() -> Exc {
    Exc::type_error("the constraint's table is not known: pass table=")
}

/// `Index(name, *columns, unique=…)`.
pub struct Index {
    name: String,
    /// Unknown until the index is placed in a `Table(…)`, for one given column names.
    table: std::cell::RefCell<Option<String>>,
    columns: Vec<String>,
    unique: bool,
}

impl Index {
    /// From its call's arguments.
    pub fn new(args: &Args, interp: &mut Interp<'_, '_>) -> Result<Index, Exc> {
        let name = args
            .pos
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| Exc::type_error("Index() takes a name first"))?;
        let (table, columns) = columns_of(&args.pos[1..], args.kw("table"), interp)?;
        let index = Index {
            name: name.to_string(),
            table: std::cell::RefCell::new(table),
            columns,
            unique: args.flag("unique", false),
        };
        // An index on a table's columns belongs to that table, as in SQLAlchemy: the
        // table's create() makes it, and its `indexes` lists it.
        if let Some(Value::Native(first)) = args.pos.get(1)
            && first.as_any().is::<Column>()
            && let Some(t) = interp.get_attr(&args.pos[1], "table")?.downcast::<Table>()
        {
            t.add_index(index.model());
        }
        Ok(index)
    }

    /// An index of a table as the schema model has it (`table.indexes` of a reflected table).
    pub fn from_model(table: &str, index: &model::Index) -> Index {
        Index {
            name: index.name.clone(),
            table: std::cell::RefCell::new(Some(table.to_string())),
            columns: index.columns.clone(),
            unique: index.unique,
        }
    }

    fn table(&self) -> Result<String, Exc> {
        self.table.borrow().clone().ok_or_else(unknown_table)
    }

    /// Places the index in table `name` (it was given inside `Table(…)`).
    pub fn attach(&self, name: &str) {
        self.table
            .borrow_mut()
            .get_or_insert_with(|| name.to_string());
    }

    /// The index in the schema model.
    pub fn model(&self) -> model::Index {
        model::Index {
            name: self.name.clone(),
            columns: self.columns.clone(),
            unique: self.unique,
        }
    }
}

impl Native for Index {
    fn type_name(&self) -> &str {
        "Index"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok((name == "name").then(|| Value::str(self.name.as_str())))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "create" | "drop")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        _: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let op = match name {
            "create" => Operation::CreateIndex {
                table: self.table()?,
                index: self.model(),
            },
            "drop" => Operation::DropIndex {
                table: self.table()?,
                name: self.name.clone(),
            },
            _ => return Err(Exc::attribute("Index", name)),
        };
        interp.session()?.run(op).map_err(db_error)?;
        Ok(Value::None)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Which constraint.
enum Kind {
    Unique,
    PrimaryKey,
    ForeignKey {
        ref_table: String,
        ref_columns: Vec<String>,
        on_delete: Option<model::FkAction>,
        on_update: Option<model::FkAction>,
    },
    Check(String),
}

/// A constraint of sqlalchemy-migrate's changeset (or SQLAlchemy's, inside a `Table`).
pub struct Constraint {
    kind: Kind,
    name: Option<String>,
    /// Unknown until the constraint is placed in a `Table(…)`, for one given column names.
    table: std::cell::RefCell<Option<String>>,
    columns: Vec<String>,
}

impl Constraint {
    /// `UniqueConstraint`, `PrimaryKeyConstraint`, `ForeignKeyConstraint` or `CheckConstraint`.
    pub fn new(class: &str, args: &Args, interp: &mut Interp<'_, '_>) -> Result<Constraint, Exc> {
        let name = args.kw("name").and_then(Value::as_str).map(str::to_string);
        let table = args.kw("table");
        let (kind, table, columns) = match class {
            "ForeignKeyConstraint" => {
                let cols = iterate(
                    args.get(0, "columns")
                        .ok_or_else(|| Exc::type_error("columns="))?,
                    interp,
                )?;
                let refs = iterate(
                    args.get(1, "refcolumns")
                        .ok_or_else(|| Exc::type_error("refcolumns="))?,
                    interp,
                )?;
                let (t, columns) = columns_of(&cols, table, interp)?;
                let (ref_table, ref_columns) = match refs.first() {
                    Some(Value::Str(s)) if s.contains('.') => {
                        let (rt, _) = s.split_once('.').unwrap_or_default();
                        let names = refs
                            .iter()
                            .filter_map(|r| r.as_str())
                            .map(|r| r.rsplit('.').next().unwrap_or(r).to_string())
                            .collect();
                        (rt.to_string(), names)
                    }
                    _ => {
                        let (t, names) = columns_of(&refs, None, interp)?;
                        (t.ok_or_else(unknown_table)?, names)
                    }
                };
                let kind = Kind::ForeignKey {
                    ref_table,
                    ref_columns,
                    on_delete: fk_action(args.kw("ondelete"))?,
                    on_update: fk_action(args.kw("onupdate"))?,
                };
                (kind, t, columns)
            }
            "CheckConstraint" => {
                let sql = args
                    .get(0, "sqltext")
                    .map(|v| v.to_string())
                    .ok_or_else(|| Exc::type_error("CheckConstraint() takes its SQL"))?;
                let cols = args
                    .kw("columns")
                    .map(|c| iterate(c, interp))
                    .transpose()?
                    .unwrap_or_default();
                let (t, columns) = columns_of(&cols, table, interp)?;
                (Kind::Check(sql), t, columns)
            }
            "PrimaryKeyConstraint" => {
                let (t, columns) = columns_of(&args.pos, table, interp)?;
                (Kind::PrimaryKey, t, columns)
            }
            _ => {
                let (t, columns) = columns_of(&args.pos, table, interp)?;
                (Kind::Unique, t, columns)
            }
        };
        Ok(Constraint {
            kind,
            name,
            table: std::cell::RefCell::new(table),
            columns,
        })
    }

    /// A table's check, foreign key or unique constraint as `table.constraints` lists it.
    pub fn from_model(table: &str, op: Operation) -> Option<Constraint> {
        let (kind, name, columns) = match op {
            Operation::AddCheck { check, .. } => {
                (Kind::Check(check.expression), check.name, Vec::new())
            }
            Operation::AddUnique { constraint, .. } => {
                (Kind::Unique, constraint.name, constraint.columns)
            }
            Operation::AddForeignKey { key, .. } => (
                Kind::ForeignKey {
                    ref_table: key.ref_table,
                    ref_columns: key.ref_columns,
                    on_delete: key.on_delete,
                    on_update: key.on_update,
                },
                key.name,
                key.columns,
            ),
            _ => return None,
        };
        Some(Constraint {
            kind,
            name,
            table: std::cell::RefCell::new(Some(table.to_string())),
            columns,
        })
    }

    /// Places the constraint in table `name` (it was given inside `Table(…)`).
    pub fn attach(&self, name: &str) {
        self.table
            .borrow_mut()
            .get_or_insert_with(|| name.to_string());
    }

    fn named(&self, what: &str) -> Result<String, Exc> {
        self.name.clone().ok_or_else(|| {
            let mut e = Exc::unsupported(format!("dropping an unnamed {what}"));
            e.help = Some("name the constraint (name='…'), as the database named it".into());
            e
        })
    }

    /// The operation that creates (or drops) it.
    pub fn operation(&self, create: bool) -> Result<Operation, Exc> {
        let table = self.table.borrow().clone().ok_or_else(unknown_table)?;
        Ok(match (&self.kind, create) {
            (Kind::Unique, true) => Operation::AddUnique {
                table,
                constraint: model::Unique {
                    name: self.name.clone(),
                    columns: self.columns.clone(),
                },
            },
            (Kind::Unique, false) => Operation::DropUnique {
                table,
                name: self.named("unique constraint")?,
            },
            (Kind::PrimaryKey, true) => Operation::AddPrimaryKey {
                table,
                key: model::PrimaryKey {
                    name: self.name.clone(),
                    columns: self.columns.clone(),
                },
            },
            (Kind::PrimaryKey, false) => Operation::DropPrimaryKey { table },
            (
                Kind::ForeignKey {
                    ref_table,
                    ref_columns,
                    on_delete,
                    on_update,
                },
                true,
            ) => Operation::AddForeignKey {
                table,
                key: model::ForeignKey {
                    name: self.name.clone(),
                    columns: self.columns.clone(),
                    ref_table: ref_table.clone(),
                    ref_columns: ref_columns.clone(),
                    on_delete: *on_delete,
                    on_update: *on_update,
                },
            },
            (Kind::ForeignKey { .. }, false) => Operation::DropForeignKey {
                table,
                name: self.named("foreign key")?,
            },
            (Kind::Check(sql), true) => Operation::AddCheck {
                table,
                check: model::Check {
                    name: self.name.clone(),
                    expression: sql.clone(),
                },
            },
            (Kind::Check(_), false) => Operation::DropCheck {
                table,
                name: self.named("check constraint")?,
            },
        })
    }
}

impl Native for Constraint {
    fn type_name(&self) -> &str {
        match self.kind {
            Kind::Unique => "UniqueConstraint",
            Kind::PrimaryKey => "PrimaryKeyConstraint",
            Kind::ForeignKey { .. } => "ForeignKeyConstraint",
            Kind::Check(_) => "CheckConstraint",
        }
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match (name, &self.kind) {
            ("name", _) => Some(self.name.clone().map_or(Value::None, Value::str)),
            ("sqltext", Kind::Check(sql)) => Some(Value::str(sql.as_str())),
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "create" | "drop")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        _: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let op = match name {
            "create" => self.operation(true)?,
            "drop" => self.operation(false)?,
            _ => return Err(Exc::attribute(self.type_name(), name)),
        };
        interp.session()?.run(op).map_err(db_error)?;
        Ok(Value::None)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
