//! `Column` and `ForeignKey`, and sqlalchemy-migrate's `column.create(table)`, `.drop()` and
//! `.alter(…)`.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use migrate_core::change::{ColumnChange, Operation};
use migrate_core::schema::{self as model, ColumnType, DefaultValue};

use super::Numbering;
use super::table::Table;
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};
use crate::vocabulary::types::{SaType, column_type, is_integer};
use crate::vocabulary::{db_error, literal};

/// `ForeignKey('table.column', …)`, inside a `Column`.
pub struct ForeignKey {
    pub(super) target: String,
    pub(super) name: Option<String>,
    pub(super) on_delete: Option<model::FkAction>,
    pub(super) on_update: Option<model::FkAction>,
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
    pub(super) name: RefCell<String>,
    pub(super) ty: ColumnType,
    pub(super) primary_key: bool,
    pub(super) nullable: Option<bool>,
    pub(super) server_default: Option<DefaultValue>,
    pub(super) default: Option<Value>,
    pub(super) index: bool,
    pub(super) unique: bool,
    pub(super) autoincrement: Option<bool>,
    pub(super) foreign_keys: Vec<Rc<dyn Native>>,
    /// `Boolean(create_constraint=…)`, SQLAlchemy 1.3's default being true.
    pub(super) boolean_constraint: bool,
    /// The column's `Enum`, when its type is one.
    pub(super) enum_def: Option<EnumDef>,
    /// Whether the type is `PickleType` (values are written pickled).
    pub(super) pickled: bool,
    /// The script's `TypeDecorator` instance, when the type is one: it converts values
    /// written (`process_bind_param`) and read (`process_result_value`).
    pub(super) decorator: Option<Value>,
    pub(super) table: RefCell<Weak<Table>>,
}

/// An `Enum(…, name=…)` column type: a type of its own on PostgreSQL, a CHECK of its values
/// where the database has no enum (`create_constraint`, true by default in SQLAlchemy 1.3).
#[derive(Clone, Debug)]
pub(crate) struct EnumDef {
    pub name: Option<String>,
    pub values: Vec<String>,
    pub constraint: bool,
}

impl EnumDef {
    fn of(t: &SaType) -> Option<EnumDef> {
        if !matches!(t.name, "Enum" | "ENUM") {
            return None;
        }
        Some(EnumDef {
            name: t
                .args
                .kw("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            values: t
                .args
                .pos
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            constraint: t.args.flag("create_constraint", true),
        })
    }

    /// `col IN ('a', 'b')`, as SQLAlchemy wrote the CHECK.
    pub fn check_expression(&self, column: &str) -> String {
        let quoted: Vec<String> = self
            .values
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect();
        format!("{column} IN ({})", quoted.join(", "))
    }
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
        let mut ty = match &type_value {
            Some(t) => type_of(t, interp)?,
            None => return Err(Exc::unsupported(format!("column '{name}' without a type"))),
        };
        let sa_type = type_value.as_ref().and_then(|t| t.downcast::<SaType>());
        let enum_def = sa_type.and_then(EnumDef::of);
        let pickled = sa_type.is_some_and(|t| t.name == "PickleType");
        // A named Enum is a type of its own on PostgreSQL, named as the script names it.
        if let (Some(EnumDef { name: Some(n), .. }), ColumnType::Custom(map)) = (&enum_def, &mut ty)
        {
            map.insert("postgresql".to_string(), n.clone());
        }
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
            enum_def,
            pickled,
            decorator,
            table: RefCell::new(Weak::new()),
        })
    }

    pub(super) fn from_model(c: &model::Column, primary_key: bool) -> Column {
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
            enum_def: None,
            pickled: false,
            decorator: None,
            table: RefCell::new(Weak::new()),
        }
    }

    /// The column's name.
    pub fn name(&self) -> String {
        self.name.borrow().clone()
    }

    /// What data statements need to know of the column's values.
    pub fn info(&self) -> crate::vocabulary::sql::ColumnInfo {
        crate::vocabulary::sql::ColumnInfo {
            ty: Some(self.ty.clone()),
            decorator: self.decorator.clone(),
            pickled: self.pickled,
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
    pub(super) fn to_model(&self, lone_pk: bool, numbering: Numbering) -> model::Column {
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

    pub(super) fn table_of(&self, args: &Args, i: usize) -> Result<Rc<Table>, Exc> {
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
        let dialect = crate::vocabulary::dialect_object(interp)?;
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
    if let Some(b) = v.downcast::<crate::vocabulary::sql::BoolLiteral>() {
        return Ok(DefaultValue::Bool(b.0));
    }
    if let Some(t) = v.downcast::<crate::vocabulary::sql::TextClause>() {
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
            // Each key's `constraint` is the constraint (with its name) it belongs to.
            "foreign_keys" => {
                let Some(table) = self.table.borrow().upgrade() else {
                    return Ok(Some(Value::list(Vec::new())));
                };
                let table_name = table.name.borrow().clone();
                let items = table
                    .foreign_keys_of(&self.name())
                    .into_iter()
                    .filter_map(|key| {
                        let op = Operation::AddForeignKey {
                            table: table_name.clone(),
                            key,
                        };
                        crate::vocabulary::constraints::Constraint::from_model(&table_name, op)
                    })
                    .map(|c| Value::native(ForeignKeyRef(Value::native(c))))
                    .collect();
                Some(Value::list(items))
            }
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "create" | "drop" | "alter")
            || crate::vocabulary::sql::is_column_operator(name)
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
                // sqlalchemy-migrate's create(table, index_name=…, unique_name=…) names the
                // index it makes.
                let named = |key: &str| args.kw(key).and_then(Value::as_str).map(str::to_string);
                let (index_name, unique_name) = (named("index_name"), named("unique_name"));
                if self.index || self.unique || index_name.is_some() || unique_name.is_some() {
                    let unique = self.unique || unique_name.is_some();
                    let op = Operation::CreateIndex {
                        table: table_name.clone(),
                        index: model::Index {
                            name: unique_name
                                .or(index_name)
                                .unwrap_or_else(|| format!("ix_{table_name}_{}", self.name())),
                            columns: vec![self.name()],
                            unique,
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
            op => crate::vocabulary::sql::column_operator(&self.qualified(), op, args, interp),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Column {
    pub(super) fn alter(
        &self,
        table: &Table,
        args: &Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<(), Exc> {
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

/// One of `column.foreign_keys`: what scripts read of it is its `constraint`.
struct ForeignKeyRef(Value);

impl Native for ForeignKeyRef {
    fn type_name(&self) -> &str {
        "ForeignKey"
    }
    fn attr(&self, name: &str, interp: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "constraint" => Some(self.0.clone()),
            "name" => Some(interp.get_attr(&self.0, "name")?),
            _ => None,
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
