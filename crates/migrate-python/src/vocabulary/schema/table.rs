//! `Table(…)`: definition, reflection (`autoload=True`), `create`/`drop`/`rename`, and
//! `table.c`.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use migrate_core::change::Operation;
use migrate_core::schema::{self as model, ColumnType};

use super::Numbering;
use super::column::{Column, EnumDef, ForeignKey};
use super::metadata::MetaData;
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};
use crate::vocabulary::db_error;

/// `Table(name, metadata, *columns, **options)`.
pub struct Table {
    /// Its name.
    pub name: RefCell<String>,
    pub(super) columns: RefCell<Vec<Rc<dyn Native>>>,
    pub(super) indexes: RefCell<Vec<model::Index>>,
    pub(super) uniques: RefCell<Vec<model::Unique>>,
    pub(super) foreign_keys: RefCell<Vec<model::ForeignKey>>,
    pub(super) checks: RefCell<Vec<model::Check>>,
    pub(super) primary_key: RefCell<Option<model::PrimaryKey>>,
    pub(super) options: BTreeMap<String, String>,
    pub(super) sqlite_autoincrement: bool,
    pub(super) me: RefCell<Weak<Table>>,
}

impl Table {
    pub(super) fn shell(
        name: &str,
        options: BTreeMap<String, String>,
        sqlite_autoincrement: bool,
    ) -> Rc<Table> {
        let t = Rc::new(Table {
            name: RefCell::new(name.to_string()),
            columns: RefCell::default(),
            indexes: RefCell::default(),
            uniques: RefCell::default(),
            foreign_keys: RefCell::default(),
            checks: RefCell::default(),
            primary_key: RefCell::default(),
            sqlite_autoincrement,
            options,
            me: RefCell::new(Weak::new()),
        });
        *t.me.borrow_mut() = Rc::downgrade(&t);
        t
    }

    /// `Table(…)`: a new definition, or with `autoload=True` the table as the database has it.
    pub fn construct(args: &Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        let name = match args.pos.first() {
            Some(Value::Str(s)) => s.to_string(),
            _ => return Err(Exc::type_error("Table() takes a name first")),
        };
        let meta = args.pos.get(1).and_then(|m| match m {
            Value::Native(n) => Some(n.clone()),
            _ => None,
        });
        let meta_ref = meta
            .as_ref()
            .and_then(|m| m.as_any().downcast_ref::<MetaData>());
        let autoload = args.flag("autoload", false) || args.kw("autoload_with").is_some();
        if let Some(existing) = meta_ref.and_then(|m| m.find(&name))
            && args.pos.len() <= 2
        {
            return Ok(Value::Native(existing));
        }
        let table = if autoload {
            Table::reflect(&name, interp)?
        } else {
            let options = args
                .kw
                .iter()
                .filter(|(k, _)| k.starts_with("mysql_"))
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect();
            Table::shell(&name, options, args.flag("sqlite_autoincrement", false))
        };
        for item in args.pos.iter().skip(2) {
            match item {
                Value::Native(n) if n.as_any().is::<Column>() => table.add(n.clone())?,
                Value::Native(n) if n.as_any().is::<crate::vocabulary::constraints::Index>() => {
                    if let Some(i) = n
                        .as_any()
                        .downcast_ref::<crate::vocabulary::constraints::Index>()
                    {
                        i.attach(&name);
                        table.indexes.borrow_mut().push(i.model());
                    }
                }
                Value::Native(n)
                    if n.as_any()
                        .is::<crate::vocabulary::constraints::Constraint>() =>
                {
                    if let Some(c) = n
                        .as_any()
                        .downcast_ref::<crate::vocabulary::constraints::Constraint>()
                    {
                        c.attach(&name);
                        table.add_constraint(c.operation(true)?);
                    }
                }
                other => {
                    return Err(Exc::unsupported(format!(
                        "{} inside Table()",
                        other.type_name()
                    )));
                }
            }
        }
        if let Some(m) = meta_ref {
            m.tables
                .borrow_mut()
                .retain(|t| t.name.borrow().as_str() != name);
            m.tables.borrow_mut().push(table.clone());
        }
        Ok(Value::Native(table))
    }

    pub(super) fn reflect(name: &str, interp: &mut Interp<'_, '_>) -> Result<Rc<Table>, Exc> {
        let model = interp
            .session()?
            .autoload(name)
            .map_err(|_| Exc::new("NoSuchTableError", name))?
            .clone();
        let table = Table::shell(name, model.options.clone(), false);
        let pk: Vec<String> = model.primary_key.map(|p| p.columns).unwrap_or_default();
        for c in &model.columns {
            let column: Rc<dyn Native> = Rc::new(Column::from_model(c, pk.contains(&c.name)));
            table.add(column)?;
        }
        *table.indexes.borrow_mut() = model.indexes;
        *table.uniques.borrow_mut() = model.uniques;
        *table.checks.borrow_mut() = model.checks;
        *table.foreign_keys.borrow_mut() = model.foreign_keys;
        Ok(table)
    }

    /// A constraint given inside `Table(…)`, as the operation that would add it.
    pub(super) fn add_constraint(&self, op: Operation) {
        match op {
            Operation::AddUnique { constraint, .. } => self.uniques.borrow_mut().push(constraint),
            Operation::AddForeignKey { key, .. } => self.foreign_keys.borrow_mut().push(key),
            Operation::AddCheck { check, .. } => self.checks.borrow_mut().push(check),
            Operation::AddPrimaryKey { key, .. } => *self.primary_key.borrow_mut() = Some(key),
            _ => {}
        }
    }

    pub(super) fn add(&self, column: Rc<dyn Native>) -> Result<(), Exc> {
        let c = column
            .as_any()
            .downcast_ref::<Column>()
            .ok_or_else(|| Exc::type_error("not a Column"))?;
        *c.table.borrow_mut() = self.me.borrow().clone();
        let name = c.name();
        let mut columns = self.columns.borrow_mut();
        columns.retain(|x| {
            x.as_any()
                .downcast_ref::<Column>()
                .is_none_or(|x| x.name() != name)
        });
        columns.push(column);
        Ok(())
    }

    /// Adds an index declared on the table's columns, unless it has one of that name.
    pub fn add_index(&self, index: model::Index) {
        let mut indexes = self.indexes.borrow_mut();
        if !indexes.iter().any(|i| i.name == index.name) {
            indexes.push(index);
        }
    }

    /// The foreign keys in which column `name` takes part.
    pub(super) fn foreign_keys_of(&self, column: &str) -> Vec<model::ForeignKey> {
        self.foreign_keys
            .borrow()
            .iter()
            .filter(|k| k.columns.iter().any(|c| c == column))
            .cloned()
            .collect()
    }

    pub(super) fn column_list(&self) -> Vec<Rc<dyn Native>> {
        self.columns.borrow().clone()
    }

    /// The table as the schema model has it, on a database where SQLAlchemy's implied
    /// autoincrement is (or is not) the database's own.
    pub(super) fn to_model(&self, implied_autoincrement: bool) -> model::Table {
        let name = self.name.borrow().clone();
        let numbering = match (implied_autoincrement, self.sqlite_autoincrement) {
            (true, _) => Numbering::Implied,
            (false, true) => Numbering::Always,
            (false, false) => Numbering::AskedOnly,
        };
        let all = self.column_list();
        let cols: Vec<&Column> = all
            .iter()
            .filter_map(|c| c.as_any().downcast_ref::<Column>())
            .collect();
        let pk: Vec<String> = cols
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name())
            .collect();
        let lone_pk = pk.len() == 1;
        let mut table = model::Table {
            name: name.clone(),
            columns: cols
                .iter()
                .map(|c| c.to_model(lone_pk && c.primary_key, numbering))
                .collect(),
            primary_key: self.primary_key.borrow().clone().or_else(|| {
                (!pk.is_empty()).then_some(model::PrimaryKey {
                    name: None,
                    columns: pk,
                })
            }),
            foreign_keys: self.foreign_keys.borrow().clone(),
            uniques: self.uniques.borrow().clone(),
            checks: self.checks.borrow().clone(),
            indexes: self.indexes.borrow().clone(),
            options: self.options.clone(),
        };
        for c in &cols {
            if c.index {
                table.indexes.push(model::Index {
                    name: format!("ix_{name}_{}", c.name()),
                    columns: vec![c.name()],
                    unique: c.unique,
                });
            } else if c.unique {
                table.uniques.push(model::Unique {
                    name: None,
                    columns: vec![c.name()],
                });
            }
            for fk in &c.foreign_keys {
                let Some(fk) = fk.as_any().downcast_ref::<ForeignKey>() else {
                    continue;
                };
                let (ref_table, ref_column) = fk
                    .target
                    .rsplit_once('.')
                    .unwrap_or((fk.target.as_str(), "id"));
                table.foreign_keys.push(model::ForeignKey {
                    name: fk.name.clone(),
                    columns: vec![c.name()],
                    ref_table: ref_table.to_string(),
                    ref_columns: vec![ref_column.to_string()],
                    on_delete: fk.on_delete,
                    on_update: fk.on_update,
                });
            }
        }
        table
    }

    pub(super) fn create(&self, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let dialect = interp.session()?.dialect();
        let mut model = self.to_model(dialect.implied_autoincrement());
        for c in self.column_list() {
            let Some(c) = c.as_any().downcast_ref::<Column>() else {
                continue;
            };
            if dialect.boolean_check() && c.ty == ColumnType::Boolean && c.boolean_constraint {
                model.checks.push(model::Check {
                    name: None,
                    expression: format!("{} IN (0, 1)", c.name()),
                });
            }
            let Some(e) = &c.enum_def else {
                continue;
            };
            if !dialect.native_enum() && e.constraint {
                model.checks.push(model::Check {
                    name: e.name.clone(),
                    expression: e.check_expression(&c.name()),
                });
            }
            let made = e.name.as_ref().and_then(|n| {
                let sql = dialect.enum_type_sql(n, &e.values)?;
                Some((n, sql))
            });
            if let Some((name, sql)) = made {
                // SQLAlchemy's checkfirst: a type another table uses exists already.
                let session = interp.session()?;
                if !uses_type(session.schema(), dialect.name(), name) {
                    session.execute(&sql.create).map_err(db_error)?;
                }
            }
        }
        interp.session()?.create_table(model).map_err(db_error)
    }

    /// After the table was dropped: the enum types of its columns that no other table uses,
    /// as SQLAlchemy 1.3 dropped them with the table (checking the database for those of a
    /// reflected table, whose columns do not say they are enums).
    fn drop_enum_types(&self, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let dialect = interp.session()?.dialect();
        for c in self.column_list() {
            let Some(c) = c.as_any().downcast_ref::<Column>() else {
                continue;
            };
            let (name, known) = match (&c.enum_def, &c.ty) {
                (Some(EnumDef { name: Some(n), .. }), _) => (n.clone(), true),
                (None, ColumnType::Custom(map)) => match map.get(dialect.name()) {
                    Some(n) => (n.clone(), false),
                    None => continue,
                },
                _ => continue,
            };
            let Some(sql) = dialect.enum_type_sql(&name, &[]) else {
                return Ok(());
            };
            let session = interp.session()?;
            if uses_type(session.schema(), dialect.name(), &name) {
                continue;
            }
            let param = [migrate_core::connection::Value::Text(name.clone())];
            if known
                || !session
                    .query(sql.exists, &param)
                    .map_err(db_error)?
                    .is_empty()
            {
                session.execute(&sql.drop).map_err(db_error)?;
            }
        }
        Ok(())
    }

    pub(super) fn drop_table(&self, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let name = self.name.borrow().clone();
        match interp.session()?.recoverable(|s| s.drop_table(&name)) {
            Err(migrate_core::Error::Db(e)) if e.is_dependency_violation() => {
                interp.deferred_drops.push(name);
                Ok(())
            }
            other => {
                other.map_err(db_error)?;
                self.drop_enum_types(interp)
            }
        }
    }

    /// Each column's Python-side default, for inserts.
    pub fn python_defaults(&self) -> Vec<(String, Value)> {
        self.column_list()
            .iter()
            .filter_map(|c| c.as_any().downcast_ref::<Column>())
            .filter_map(|c| c.default.clone().map(|d| (c.name(), d)))
            .collect()
    }

    /// Each column's portable type and `TypeDecorator`, by name, for data statements.
    pub fn column_info(&self) -> Vec<(String, crate::vocabulary::sql::ColumnInfo)> {
        self.column_list()
            .iter()
            .filter_map(|c| c.as_any().downcast_ref::<Column>())
            .map(|c| (c.name(), c.info()))
            .collect()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<Rc<dyn Native>> {
        self.columns
            .borrow()
            .iter()
            .find(|c| {
                c.as_any()
                    .downcast_ref::<Column>()
                    .is_some_and(|c| c.name() == name)
            })
            .cloned()
    }
}

impl Native for Table {
    fn type_name(&self) -> &str {
        "Table"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "name" => Some(Value::str(self.name.borrow().as_str())),
            "constraints" => {
                let name = self.name.borrow().clone();
                let table = name.clone();
                let ops =
                    self.checks
                        .borrow()
                        .iter()
                        .map(|c| Operation::AddCheck {
                            table: table.clone(),
                            check: c.clone(),
                        })
                        .chain(self.uniques.borrow().iter().map(|u| Operation::AddUnique {
                            table: table.clone(),
                            constraint: u.clone(),
                        }))
                        .chain(self.foreign_keys.borrow().iter().map(|k| {
                            Operation::AddForeignKey {
                                table: table.clone(),
                                key: k.clone(),
                            }
                        }))
                        .collect::<Vec<_>>();
                let items = ops
                    .into_iter()
                    .filter_map(|op| {
                        crate::vocabulary::constraints::Constraint::from_model(&name, op)
                    })
                    .map(Value::native)
                    .collect();
                Some(Value::list(items))
            }
            "indexes" => {
                let table = self.name.borrow().clone();
                let items = self
                    .indexes
                    .borrow()
                    .iter()
                    .map(|i| {
                        Value::native(crate::vocabulary::constraints::Index::from_model(&table, i))
                    })
                    .collect();
                Some(Value::list(items))
            }
            "c" | "columns" => self
                .me
                .borrow()
                .upgrade()
                .map(|t| Value::native(ColumnCollection(t))),
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "create"
                | "drop"
                | "rename"
                | "create_column"
                | "drop_column"
                | "exists"
                | "insert"
                | "update"
                | "delete"
                | "select"
                | "count"
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
            "create" => self.create(interp)?,
            "drop" => self.drop_table(interp)?,
            "exists" => {
                let n = self.name.borrow().clone();
                return Ok(Value::Bool(interp.session()?.schema().table(&n).is_some()));
            }
            "rename" => {
                let Some(Value::Str(new)) = args.get(0, "name") else {
                    return Err(Exc::type_error("rename() takes the new name"));
                };
                let from = self.name.borrow().clone();
                let op = Operation::RenameTable {
                    from,
                    to: new.to_string(),
                };
                interp.session()?.run(op).map_err(db_error)?;
                *self.name.borrow_mut() = new.to_string();
            }
            "create_column" => {
                let column = args
                    .pos
                    .first()
                    .cloned()
                    .ok_or_else(|| Exc::type_error("create_column() takes a column"))?;
                let mut rest = args.clone();
                rest.pos[0] = Value::Native(this.clone());
                return interp.call_method(&column, "create", rest);
            }
            "drop_column" => {
                let column = match args.pos.first() {
                    Some(Value::Str(n)) => self
                        .column(n)
                        .map(Value::Native)
                        .ok_or_else(|| Exc::new("KeyError", n.to_string()))?,
                    Some(c) => c.clone(),
                    None => return Err(Exc::type_error("drop_column() takes a column")),
                };
                return interp.call_method(&column, "drop", Args::default());
            }
            data => {
                return crate::vocabulary::sql::table_statement(
                    this,
                    &self.name.borrow(),
                    data,
                    args,
                    interp,
                );
            }
        }
        Ok(Value::None)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `table.c`: the columns by name.
pub struct ColumnCollection(Rc<Table>);

impl Native for ColumnCollection {
    fn type_name(&self) -> &str {
        "ColumnCollection"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(self.0.column(name).map(Value::Native))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "__getitem__" | "__iter__" | "keys" | "__contains__")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "__getitem__" => {
                let key = args.pos.first().and_then(Value::as_str).unwrap_or_default();
                self.0
                    .column(key)
                    .map(Value::Native)
                    .ok_or_else(|| Exc::new("KeyError", key.to_string()))
            }
            "__iter__" => Ok(Value::list(
                self.0
                    .column_list()
                    .into_iter()
                    .map(Value::Native)
                    .collect(),
            )),
            "keys" => Ok(Value::list(
                self.0
                    .column_list()
                    .iter()
                    .filter_map(|c| {
                        c.as_any()
                            .downcast_ref::<Column>()
                            .map(|c| Value::str(c.name()))
                    })
                    .collect(),
            )),
            _ => Err(Exc::attribute("ColumnCollection", name)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Whether a table of `schema` has a column of type `name` on `dialect`.
fn uses_type(schema: &model::Schema, dialect: &str, name: &str) -> bool {
    schema.tables.iter().flat_map(|t| &t.columns).any(
        |c| matches!(&c.ty, ColumnType::Custom(m) if m.get(dialect).is_some_and(|n| n == name)),
    )
}
