//! `MetaData`, `Table`, `Column`, `ForeignKey`, `Index`: SQLAlchemy's schema objects, and
//! sqlalchemy-migrate's changeset methods on them (`table.create()`, `column.create(table)`,
//! `table.c.x.drop()`, `column.alter(…)`), carried out as migrate operations.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use migrate_core::change::{ColumnChange, Operation};
use migrate_core::schema::{self as model, ColumnType, DefaultValue};

use super::types::{SaType, column_type, is_integer};
use super::{db_error, literal};
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

/// Whether SQLAlchemy's autoincrement makes an autoincrement column on this database.
#[derive(Clone, Copy)]
enum Numbering {
    /// As the column says, else implied for a lone integer primary key.
    Implied,
    /// Never (SQLite without `sqlite_autoincrement=True`).
    AskedOnly,
    /// SQLite's `sqlite_autoincrement=True`.
    Always,
}

/// `MetaData(bind=…)`.
#[derive(Default)]
pub struct MetaData {
    bind: RefCell<Value>,
    tables: RefCell<Vec<Rc<Table>>>,
}

impl MetaData {
    /// A new collection, bound when `bind` is given.
    pub fn new(args: &Args) -> MetaData {
        MetaData {
            bind: RefCell::new(args.get(0, "bind").cloned().unwrap_or(Value::None)),
            tables: RefCell::default(),
        }
    }

    fn find(&self, name: &str) -> Option<Rc<Table>> {
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

/// `ForeignKey('table.column', …)`, inside a `Column`.
pub struct ForeignKey {
    target: String,
    name: Option<String>,
    on_delete: Option<model::FkAction>,
    on_update: Option<model::FkAction>,
}

impl ForeignKey {
    /// From its call's arguments.
    pub fn new(args: &Args) -> Result<ForeignKey, Exc> {
        let target = match args.get(0, "column") {
            Some(Value::Str(s)) => s.to_string(),
            Some(Value::Native(n)) => match n.as_any().downcast_ref::<Column>() {
                Some(c) => c.qualified(),
                None => {
                    return Err(Exc::type_error(
                        "ForeignKey() takes 'table.column' or a column",
                    ));
                }
            },
            _ => {
                return Err(Exc::type_error(
                    "ForeignKey() takes 'table.column' or a column",
                ));
            }
        };
        Ok(ForeignKey {
            target,
            name: args.kw("name").and_then(Value::as_str).map(str::to_string),
            on_delete: fk_action(args.kw("ondelete"))?,
            on_update: fk_action(args.kw("onupdate"))?,
        })
    }
}

/// `ondelete='CASCADE'`.
pub fn fk_action(v: Option<&Value>) -> Result<Option<model::FkAction>, Exc> {
    let Some(Value::Str(s)) = v else {
        return Ok(None);
    };
    Ok(Some(match s.to_ascii_uppercase().as_str() {
        "CASCADE" => model::FkAction::Cascade,
        "SET NULL" => model::FkAction::SetNull,
        "SET DEFAULT" => model::FkAction::SetDefault,
        "RESTRICT" => model::FkAction::Restrict,
        "NO ACTION" => model::FkAction::NoAction,
        other => {
            return Err(Exc::value_error(format!(
                "unknown foreign key action '{other}'"
            )));
        }
    }))
}

impl Native for ForeignKey {
    fn type_name(&self) -> &str {
        "ForeignKey"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `Column(name, type, …)`.
pub struct Column {
    name: RefCell<String>,
    ty: ColumnType,
    primary_key: bool,
    nullable: Option<bool>,
    server_default: Option<DefaultValue>,
    default: Option<Value>,
    index: bool,
    unique: bool,
    autoincrement: Option<bool>,
    foreign_keys: Vec<Rc<dyn Native>>,
    /// `Boolean(create_constraint=…)`, SQLAlchemy 1.3's default being true.
    boolean_constraint: bool,
    /// The script's `TypeDecorator` instance, when the type is one: it converts values
    /// written (`process_bind_param`) and read (`process_result_value`).
    decorator: Option<Value>,
    table: RefCell<Weak<Table>>,
}

impl Column {
    /// From its call's arguments.
    pub fn new(args: &Args, interp: &mut Interp<'_, '_>) -> Result<Column, Exc> {
        let mut pos = args.pos.iter();
        let name = match pos.next() {
            Some(Value::Str(s)) => s.to_string(),
            _ => {
                return Err(Exc::unsupported(
                    "a Column without a name as its first argument",
                ));
            }
        };
        let type_value = args.kw("type_").or_else(|| pos.next()).cloned();
        let boolean_constraint = type_value
            .as_ref()
            .and_then(|t| t.downcast::<SaType>())
            .is_none_or(|t| t.args.flag("create_constraint", true));
        let decorator = match &type_value {
            Some(Value::Instance(i)) => Some(Value::Instance(i.clone())),
            Some(class @ Value::Class(_)) => Some(interp.call(class, Args::default())?),
            _ => None,
        };
        let ty = match &type_value {
            Some(t) => type_of(t, interp)?,
            None => return Err(Exc::unsupported(format!("column '{name}' without a type"))),
        };
        let mut foreign_keys = Vec::new();
        for extra in pos {
            match extra {
                Value::Native(n) if n.as_any().is::<ForeignKey>() => foreign_keys.push(n.clone()),
                other => {
                    return Err(Exc::unsupported(format!(
                        "{} as a Column argument",
                        other.type_name()
                    )));
                }
            }
        }
        let server_default = match args.kw("server_default") {
            None | Some(Value::None) => None,
            Some(v) => Some(server_default(v)?),
        };
        Ok(Column {
            name: RefCell::new(name),
            ty,
            primary_key: args.flag("primary_key", false),
            nullable: args.kw("nullable").map(Value::truthy),
            server_default,
            default: args
                .kw("default")
                .cloned()
                .filter(|d| !matches!(d, Value::None)),
            index: args.flag("index", false),
            unique: args.flag("unique", false),
            autoincrement: match args.kw("autoincrement") {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            foreign_keys,
            boolean_constraint,
            decorator,
            table: RefCell::new(Weak::new()),
        })
    }

    fn from_model(c: &model::Column, primary_key: bool) -> Column {
        Column {
            name: RefCell::new(c.name.clone()),
            ty: c.ty.clone(),
            primary_key,
            nullable: Some(c.nullable),
            server_default: c.default.clone(),
            default: None,
            index: false,
            unique: false,
            autoincrement: Some(c.autoincrement),
            foreign_keys: Vec::new(),
            boolean_constraint: false,
            decorator: None,
            table: RefCell::new(Weak::new()),
        }
    }

    /// The column's name.
    pub fn name(&self) -> String {
        self.name.borrow().clone()
    }

    /// What data statements need to know of the column's values.
    pub fn info(&self) -> super::sql::ColumnInfo {
        super::sql::ColumnInfo {
            ty: Some(self.ty.clone()),
            decorator: self.decorator.clone(),
        }
    }

    /// `table.column`, or the bare name for a column of no table yet.
    pub fn qualified(&self) -> String {
        match self.table.borrow().upgrade() {
            Some(t) => format!("{}.{}", t.name.borrow(), self.name.borrow()),
            None => self.name.borrow().clone(),
        }
    }

    /// The column as the schema model has it, `lone_pk` telling whether it is its table's
    /// only primary-key column (SQLAlchemy then numbers an integer one by itself).
    fn to_model(&self, lone_pk: bool, numbering: Numbering) -> model::Column {
        let implied = lone_pk && is_integer(&self.ty) && self.foreign_keys.is_empty();
        let autoincrement = match numbering {
            Numbering::Implied => self.autoincrement.unwrap_or(implied),
            Numbering::AskedOnly => false,
            Numbering::Always => lone_pk && self.autoincrement.unwrap_or(implied),
        };
        model::Column {
            name: self.name(),
            ty: self.ty.clone(),
            nullable: self.nullable.unwrap_or(!self.primary_key),
            default: self.server_default.clone(),
            autoincrement: autoincrement && self.primary_key,
        }
    }

    fn table_of(&self, args: &Args, i: usize) -> Result<Rc<Table>, Exc> {
        if let Some(Value::Native(n)) = args.get(i, "table")
            && let Some(t) = n.as_any().downcast_ref::<Table>()
        {
            return t
                .me
                .borrow()
                .upgrade()
                .ok_or_else(|| Exc::unsupported("a dropped table"));
        }
        self.table
            .borrow()
            .upgrade()
            .ok_or_else(|| Exc::type_error("the column belongs to no table"))
    }
}

/// A column type value: a type class or instance, or a script's `TypeDecorator` subclass.
fn type_of(t: &Value, interp: &mut Interp<'_, '_>) -> Result<ColumnType, Exc> {
    if let Some(sa) = t.downcast::<SaType>() {
        return column_type(sa);
    }
    let class = match t {
        Value::Class(c) => Some(c.clone()),
        Value::Instance(i) => Some(i.class.clone()),
        _ => None,
    };
    let Some(class) = class else {
        return Err(Exc::type_error(format!(
            "'{}' is not a column type",
            t.type_name()
        )));
    };
    // A TypeDecorator stores as what `load_dialect_impl(dialect)` gives on this database,
    // else as its `impl`.
    if class.lookup("load_dialect_impl").is_some() {
        let instance = match t {
            Value::Class(_) => interp.call(t, Args::default())?,
            other => other.clone(),
        };
        let dialect = super::dialect_object(interp)?;
        let chosen = interp.call_method(
            &instance,
            "load_dialect_impl",
            Args::positional(vec![dialect]),
        )?;
        return type_of(&chosen, interp);
    }
    match class.lookup("impl") {
        Some(imp) => type_of(&imp, interp),
        None => Err(Exc::type_error(format!(
            "'{}' is not a column type",
            class.name
        ))),
    }
}

fn server_default(v: &Value) -> Result<DefaultValue, Exc> {
    if let Some(b) = v.downcast::<super::sql::BoolLiteral>() {
        return Ok(DefaultValue::Bool(b.0));
    }
    if let Some(t) = v.downcast::<super::sql::TextClause>() {
        return Ok(DefaultValue::Expression(t.sql.clone()));
    }
    match v {
        Value::Str(s) => Ok(DefaultValue::Text(s.to_string())),
        other => literal(other)?.ok_or_else(|| Exc::type_error("server_default=None")),
    }
}

impl Native for Column {
    fn type_name(&self) -> &str {
        "Column"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "name" | "key" => Some(Value::str(self.name())),
            "nullable" => Some(Value::Bool(self.nullable.unwrap_or(!self.primary_key))),
            "primary_key" => Some(Value::Bool(self.primary_key)),
            "table" => self
                .table
                .borrow()
                .upgrade()
                .map(|t| Value::Native(t as Rc<dyn Native>)),
            "default" => Some(self.default.clone().unwrap_or(Value::None)),
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "create" | "drop" | "alter") || super::sql::is_column_operator(name)
    }
    fn call_method(
        &self,
        this: &Rc<dyn Native>,
        name: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "create" => {
                let table = self.table_of(&args, 0)?;
                let column = self.to_model(false, Numbering::Implied);
                let table_name = table.name.borrow().clone();
                interp
                    .session()?
                    .add_column(&table_name, column)
                    .map_err(db_error)?;
                if self.index || self.unique {
                    let op = Operation::CreateIndex {
                        table: table_name.clone(),
                        index: model::Index {
                            name: format!("ix_{table_name}_{}", self.name()),
                            columns: vec![self.name()],
                            unique: self.unique,
                        },
                    };
                    interp.session()?.run(op).map_err(db_error)?;
                }
                // sqlalchemy-migrate's populate_default: existing rows get the Python default.
                if let Some(default) = &self.default
                    && args.flag("populate_default", true)
                {
                    let value = match default {
                        Value::Function(_) | Value::Native(_) => {
                            interp.call(default, Args::default())?
                        }
                        v => v.clone(),
                    };
                    let op = Operation::Update {
                        table: table_name.clone(),
                        set: BTreeMap::from([(self.name(), literal(&value)?)]),
                        filter: None,
                    };
                    interp.session()?.run(op).map_err(db_error)?;
                }
                *self.table.borrow_mut() = Rc::downgrade(&table);
                table.add(this.clone())?;
                Ok(Value::Native(this.clone()))
            }
            "drop" => {
                let table = self.table_of(&args, 0)?;
                let table_name = table.name.borrow().clone();
                interp
                    .session()?
                    .drop_column(&table_name, &self.name())
                    .map_err(db_error)?;
                table.columns.borrow_mut().retain(|c| !Rc::ptr_eq(c, this));
                Ok(Value::None)
            }
            "alter" => {
                let table = self.table_of(&args, usize::MAX)?;
                self.alter(&table, &args, interp)?;
                Ok(Value::None)
            }
            op => super::sql::column_operator(&self.qualified(), op, args, interp),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Column {
    fn alter(&self, table: &Table, args: &Args, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let table_name = table.name.borrow().clone();
        let mut change = ColumnChange::default();
        if let Some(Value::Str(new)) = args.kw("name") {
            change.name = Some(new.to_string());
        }
        if let Some(t) = args.kw("type").or_else(|| args.pos.first()) {
            change.ty = Some(type_of(t, interp)?);
        }
        if let Some(n) = args.kw("nullable") {
            change.nullable = Some(n.truthy());
        }
        if let Some(d) = args.kw("server_default") {
            change.default = Some(match d {
                Value::None => None,
                d => Some(server_default(d)?),
            });
        }
        if change == ColumnChange::default() {
            return Err(Exc::unsupported(
                "Column.alter() with nothing this subset can change",
            ));
        }
        let column = self.name();
        interp
            .session()?
            .alter_column(&table_name, &column, change)
            .map_err(db_error)?;
        if let Some(Value::Str(new)) = args.kw("name") {
            *self.name.borrow_mut() = new.to_string();
        }
        Ok(())
    }
}

/// `Table(name, metadata, *columns, **options)`.
pub struct Table {
    /// Its name.
    pub name: RefCell<String>,
    columns: RefCell<Vec<Rc<dyn Native>>>,
    indexes: RefCell<Vec<model::Index>>,
    uniques: RefCell<Vec<model::Unique>>,
    foreign_keys: RefCell<Vec<model::ForeignKey>>,
    checks: RefCell<Vec<model::Check>>,
    primary_key: RefCell<Option<model::PrimaryKey>>,
    options: BTreeMap<String, String>,
    sqlite_autoincrement: bool,
    me: RefCell<Weak<Table>>,
}

impl Table {
    fn shell(
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
                Value::Native(n) if n.as_any().is::<super::constraints::Index>() => {
                    if let Some(i) = n.as_any().downcast_ref::<super::constraints::Index>() {
                        i.attach(&name);
                        table.indexes.borrow_mut().push(i.model());
                    }
                }
                Value::Native(n) if n.as_any().is::<super::constraints::Constraint>() => {
                    if let Some(c) = n.as_any().downcast_ref::<super::constraints::Constraint>() {
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

    fn reflect(name: &str, interp: &mut Interp<'_, '_>) -> Result<Rc<Table>, Exc> {
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
    fn add_constraint(&self, op: Operation) {
        match op {
            Operation::AddUnique { constraint, .. } => self.uniques.borrow_mut().push(constraint),
            Operation::AddForeignKey { key, .. } => self.foreign_keys.borrow_mut().push(key),
            Operation::AddCheck { check, .. } => self.checks.borrow_mut().push(check),
            Operation::AddPrimaryKey { key, .. } => *self.primary_key.borrow_mut() = Some(key),
            _ => {}
        }
    }

    fn add(&self, column: Rc<dyn Native>) -> Result<(), Exc> {
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

    fn column_list(&self) -> Vec<Rc<dyn Native>> {
        self.columns.borrow().clone()
    }

    /// The table as the schema model has it, on a database where SQLAlchemy's implied
    /// autoincrement is (or is not) the database's own.
    fn to_model(&self, implied_autoincrement: bool) -> model::Table {
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

    fn create(&self, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let dialect = interp.session()?.dialect();
        let mut model = self.to_model(dialect.implied_autoincrement());
        if dialect.boolean_check() {
            for c in self.column_list() {
                let Some(c) = c.as_any().downcast_ref::<Column>() else {
                    continue;
                };
                if c.ty == ColumnType::Boolean && c.boolean_constraint {
                    model.checks.push(model::Check {
                        name: None,
                        expression: format!("{} IN (0, 1)", c.name()),
                    });
                }
            }
        }
        interp.session()?.create_table(model).map_err(db_error)
    }

    fn drop_table(&self, interp: &mut Interp<'_, '_>) -> Result<(), Exc> {
        let name = self.name.borrow().clone();
        match interp.session()?.recoverable(|s| s.drop_table(&name)) {
            Err(migrate_core::Error::Db(e)) if e.is_dependency_violation() => {
                interp.deferred_drops.push(name);
                Ok(())
            }
            other => other.map_err(db_error),
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
    pub fn column_info(&self) -> Vec<(String, super::sql::ColumnInfo)> {
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
                    .filter_map(|op| super::constraints::Constraint::from_model(&name, op))
                    .map(Value::native)
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
                return super::sql::table_statement(this, &self.name.borrow(), data, args, interp);
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
