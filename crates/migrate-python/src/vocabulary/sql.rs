//! SQL expressions and data statements: `text()`, column comparisons, `and_`/`or_`,
//! `insert/update/delete/select` with `where`/`values`/`order_by`, executed in the version's
//! transaction, and the rows they return.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use migrate_core::connection::Value as DbValue;

use super::db_error;
use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::value::{Args, Native, Value};

/// A piece of SQL: text, a quoted identifier or a value, written as the database's literal
/// (typed parameters would make PostgreSQL refuse an integer for a boolean column, where
/// SQLAlchemy's driver sent `true`).
#[derive(Clone)]
enum Part {
    Sql(String),
    Ident(String),
    Param(Lit),
}

/// A value for a SQL literal.
#[derive(Clone)]
pub enum Lit {
    /// `NULL`.
    Null,
    /// A boolean, as the database writes one.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Text(String),
}

/// A SQL expression (a condition, a column reference).
#[derive(Clone)]
pub struct Expr {
    parts: Vec<Part>,
}

impl Expr {
    fn sql(s: &str) -> Expr {
        Expr {
            parts: vec![Part::Sql(s.to_string())],
        }
    }

    fn column(qualified: &str) -> Expr {
        let parts = qualified
            .split('.')
            .enumerate()
            .flat_map(|(i, p)| {
                let dot = (i > 0).then(|| Part::Sql(".".into()));
                dot.into_iter().chain([Part::Ident(p.to_string())])
            })
            .collect();
        Expr { parts }
    }

    fn push(&mut self, other: Expr) {
        self.parts.extend(other.parts);
    }

    /// The tables its qualified columns name, in order of appearance.
    fn tables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for pair in self.parts.windows(2) {
            if let [Part::Ident(t), Part::Sql(dot)] = pair
                && dot == "."
                && !out.contains(t)
            {
                out.push(t.clone());
            }
        }
        out
    }

    /// Renders for the session's dialect.
    fn render(&self, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
        let dialect = interp.session()?.dialect();
        let mut sql = String::new();
        for part in &self.parts {
            match part {
                Part::Sql(s) => sql.push_str(s),
                Part::Ident(i) => sql.push_str(&dialect.quote_ident(i)),
                Part::Param(Lit::Null) => sql.push_str("NULL"),
                Part::Param(Lit::Bool(b)) => sql.push_str(dialect.bool_literal(*b)),
                Part::Param(Lit::Number(n)) => sql.push_str(n),
                Part::Param(Lit::Text(t)) => sql.push_str(&dialect.string_literal(t)),
            }
        }
        Ok(sql)
    }
}

/// A value as an expression: a column or expression as itself, anything else a parameter.
fn operand(v: &Value) -> Result<Expr, Exc> {
    if let Some(e) = v.downcast::<Expr>() {
        return Ok(e.clone());
    }
    if let Some(c) = v.downcast::<super::schema::Column>() {
        return Ok(Expr::column(&c.qualified()));
    }
    Ok(Expr {
        parts: vec![Part::Param(db_value(v)?)],
    })
}

/// A Python value as a database parameter.
///
/// # Errors
/// A value with no SQL form.
pub fn db_value(v: &Value) -> Result<Lit, Exc> {
    Ok(match v {
        Value::None => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Int(i) => Lit::Number(i.to_string()),
        Value::Float(f) if f.is_finite() => Lit::Number(format!("{}", Value::Float(*f))),
        Value::Str(s) => Lit::Text(s.to_string()),
        other => {
            if let Some(d) = other.downcast::<super::datetime::Moment>() {
                return Ok(Lit::Text(d.sql_text()));
            }
            if let Some(b) = other.downcast::<BoolLiteral>() {
                return Ok(Lit::Bool(b.0));
            }
            return Err(Exc::type_error(format!(
                "'{}' cannot be sent to the database",
                other.type_name()
            )));
        }
    })
}

fn py_value(v: &DbValue) -> Value {
    match v {
        DbValue::Null => Value::None,
        DbValue::Int(i) => Value::Int(*i),
        DbValue::Text(t) => Value::str(t.as_str()),
        _ => Value::None,
    }
}

impl Native for Expr {
    fn type_name(&self) -> &str {
        "ClauseElement"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "__and__" | "__or__" | "__invert__" | "desc" | "asc")
            || is_column_operator(name)
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let arg = || args.pos.first().cloned().unwrap_or(Value::None);
        match name {
            "__and__" => Ok(Value::native(join(
                " AND ",
                &[Value::native(self.clone()), arg()],
            )?)),
            "__or__" => Ok(Value::native(join(
                " OR ",
                &[Value::native(self.clone()), arg()],
            )?)),
            "desc" | "asc" => {
                let mut e = self.clone();
                e.parts.push(Part::Sql(format!(" {}", name.to_uppercase())));
                Ok(Value::native(e))
            }
            op => apply_operator(self.clone(), op, &args),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Whether `name` is a comparison or operator method of a column.
pub fn is_column_operator(name: &str) -> bool {
    matches!(
        name,
        "__eq__"
            | "__ne__"
            | "__lt__"
            | "__le__"
            | "__gt__"
            | "__ge__"
            | "in_"
            | "notin_"
            | "like"
            | "is_"
            | "isnot"
            | "desc"
            | "asc"
            | "__add__"
            | "__sub__"
    )
}

/// `column <op> args`.
pub fn column_operator(
    qualified: &str,
    op: &str,
    args: Args,
    _: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    apply_operator(Expr::column(qualified), op, &args)
}

fn apply_operator(mut left: Expr, op: &str, args: &Args) -> Result<Value, Exc> {
    let right = args.pos.first().cloned().unwrap_or(Value::None);
    let symbol = match (op, &right) {
        ("__eq__" | "is_", Value::None) => {
            left.parts.push(Part::Sql(" IS NULL".into()));
            return Ok(Value::native(left));
        }
        ("__ne__" | "isnot", Value::None) => {
            left.parts.push(Part::Sql(" IS NOT NULL".into()));
            return Ok(Value::native(left));
        }
        ("desc" | "asc", _) => {
            left.parts
                .push(Part::Sql(format!(" {}", op.to_uppercase())));
            return Ok(Value::native(left));
        }
        ("in_" | "notin_", values) => {
            let items = match values {
                Value::List(l) => l.borrow().clone(),
                Value::Tuple(t) => (**t).clone(),
                other => {
                    return Err(Exc::unsupported(format!(
                        "in_() over {}",
                        other.type_name()
                    )));
                }
            };
            if items.is_empty() {
                return Ok(Value::native(Expr::sql(if op == "in_" {
                    "1 != 1"
                } else {
                    "1 = 1"
                })));
            }
            left.parts.push(Part::Sql(
                if op == "in_" { " IN (" } else { " NOT IN (" }.into(),
            ));
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    left.parts.push(Part::Sql(", ".into()));
                }
                left.push(operand(item)?);
            }
            left.parts.push(Part::Sql(")".into()));
            return Ok(Value::native(left));
        }
        ("__eq__", _) => " = ",
        ("__ne__", _) => " != ",
        ("__lt__", _) => " < ",
        ("__le__", _) => " <= ",
        ("__gt__", _) => " > ",
        ("__ge__", _) => " >= ",
        ("like", _) => " LIKE ",
        ("__add__", _) => " + ",
        ("__sub__", _) => " - ",
        (other, _) => return Err(Exc::unsupported(format!("the SQL operator {other}"))),
    };
    left.parts.push(Part::Sql(symbol.into()));
    left.push(operand(&right)?);
    Ok(Value::native(left))
}

fn join(sep: &str, items: &[Value]) -> Result<Expr, Exc> {
    let mut e = Expr::sql("(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            e.parts.push(Part::Sql(sep.into()));
        }
        e.push(operand(item)?);
    }
    e.parts.push(Part::Sql(")".into()));
    Ok(e)
}

/// `and_(…)`, `or_(…)`, `not_(…)`.
pub fn boolean(kind: &str, args: &Args) -> Result<Value, Exc> {
    match kind {
        "not_" => {
            let mut e = Expr::sql("NOT (");
            e.push(operand(args.pos.first().unwrap_or(&Value::None))?);
            e.parts.push(Part::Sql(")".into()));
            Ok(Value::native(e))
        }
        "or_" => Ok(Value::native(join(" OR ", &args.pos)?)),
        _ => Ok(Value::native(join(" AND ", &args.pos)?)),
    }
}

/// `exists().where(…)`: a subquery correlated to the statement it is used in, as SQLAlchemy
/// rendered it: `EXISTS (SELECT * FROM <the other tables> WHERE …)`.
#[derive(Clone, Default)]
pub struct Exists(Option<Expr>);

impl Exists {
    /// The condition inside a statement on `outer`.
    fn within(&self, outer: &str) -> Expr {
        let cond = self.0.clone().unwrap_or_else(|| Expr::sql("1 = 1"));
        let mut e = Expr::sql("EXISTS (SELECT * FROM ");
        let inner: Vec<String> = cond.tables().into_iter().filter(|t| t != outer).collect();
        for (i, t) in inner.iter().enumerate() {
            if i > 0 {
                e.parts.push(Part::Sql(", ".into()));
            }
            e.parts.push(Part::Ident(t.clone()));
        }
        e.parts.push(Part::Sql(" WHERE ".into()));
        e.push(cond);
        e.parts.push(Part::Sql(")".into()));
        e
    }
}

impl Native for Exists {
    fn type_name(&self) -> &str {
        "Exists"
    }
    fn has_method(&self, name: &str) -> bool {
        name == "where"
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        _: &str,
        args: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let cond = operand(args.pos.first().unwrap_or(&Value::None))?;
        Ok(Value::native(Exists(Some(cond))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `expression.true()` / `false()`: a boolean literal, rendered per database.
pub struct BoolLiteral(pub bool);

impl Native for BoolLiteral {
    fn type_name(&self) -> &str {
        "BooleanClauseList"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `text('SQL')`.
pub struct TextClause {
    /// The SQL as written.
    pub sql: String,
}

impl Native for TextClause {
    fn type_name(&self) -> &str {
        "TextClause"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Insert,
    Update,
    Delete,
    Select,
}

/// What a data statement knows of a column: its portable type (to read values back as
/// SQLAlchemy returned them) and its `TypeDecorator`.
#[derive(Clone, Default)]
pub struct ColumnInfo {
    /// The portable type.
    pub ty: Option<migrate_core::schema::ColumnType>,
    /// The script's `TypeDecorator` instance.
    pub decorator: Option<Value>,
}

impl ColumnInfo {
    /// A value as written: through `process_bind_param` when the type has one.
    fn bind(&self, value: Value, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        match &self.decorator {
            Some(d) if interp.get_attr(d, "process_bind_param").is_ok() => {
                let dialect = super::dialect_object(interp)?;
                interp.call_method(
                    d,
                    "process_bind_param",
                    Args::positional(vec![value, dialect]),
                )
            }
            _ => Ok(value),
        }
    }

    /// A value as read: as SQLAlchemy's type returned it, then through
    /// `process_result_value`.
    fn read(&self, value: Value, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        use migrate_core::schema::ColumnType;
        let value = match (&self.ty, &value) {
            (_, Value::None) => value,
            (Some(ColumnType::Boolean), v) => {
                Value::Bool(v.truthy() && v.as_str() != Some("0") && v.as_str() != Some("f"))
            }
            (Some(ColumnType::Numeric { .. } | ColumnType::Float), Value::Str(s)) => {
                s.parse::<f64>().map_or(value.clone(), Value::Float)
            }
            (
                Some(ty @ (ColumnType::DateTime | ColumnType::Date | ColumnType::Time)),
                Value::Str(s),
            ) => super::datetime::parse(s, ty).unwrap_or(value.clone()),
            _ => value,
        };
        match &self.decorator {
            Some(d) if interp.get_attr(d, "process_result_value").is_ok() => {
                let dialect = super::dialect_object(interp)?;
                interp.call_method(
                    d,
                    "process_result_value",
                    Args::positional(vec![value, dialect]),
                )
            }
            _ => Ok(value),
        }
    }
}

/// A data statement being built: `table.update().where(…).values(…)`.
#[derive(Clone)]
pub struct Statement {
    verb: Verb,
    /// Python-side column defaults, applied to an insert that does not give the column.
    defaults: Vec<(String, Value)>,
    table: String,
    /// What a select returns: each column's label and expression, and what is known of it.
    columns: Vec<(String, Expr, ColumnInfo)>,
    /// The table's columns, to bind values written to them.
    binders: Vec<(String, ColumnInfo)>,
    values: Vec<(String, Value)>,
    filter: Option<Expr>,
    order: Vec<Expr>,
    group: Vec<Expr>,
    distinct: bool,
}

/// `table.insert()`, `.update()`, `.delete()`, `.select()`, `.count()`.
pub fn table_statement(
    table_obj: &Rc<dyn Native>,
    table: &str,
    verb: &str,
    args: Args,
    _interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    let verb = match verb {
        "insert" => Verb::Insert,
        "update" => Verb::Update,
        "delete" => Verb::Delete,
        "select" => Verb::Select,
        other => return Err(Exc::unsupported(format!("Table.{other}()"))),
    };
    let table_value = Value::Native(table_obj.clone());
    let binders = table_value
        .downcast::<super::schema::Table>()
        .map(super::schema::Table::column_info)
        .unwrap_or_default();
    let columns = match verb {
        Verb::Select => binders
            .iter()
            .map(|(k, info)| {
                (
                    k.clone(),
                    Expr::column(&format!("{table}.{k}")),
                    info.clone(),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let defaults = match table_value.downcast::<super::schema::Table>() {
        Some(t) if verb == Verb::Insert => t.python_defaults(),
        _ => Vec::new(),
    };
    let mut s = Statement {
        verb,
        defaults,
        binders,
        table: table.to_string(),
        columns,
        values: Vec::new(),
        filter: None,
        order: Vec::new(),
        group: Vec::new(),
        distinct: false,
    };
    if let Some(w) = args.get(0, "whereclause") {
        s.filter = Some(operand(w)?);
    }
    if let Some(Value::Dict(d)) = args.kw("values") {
        s.values = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
    }
    Ok(Value::native(s))
}

/// `select([columns], whereclause)`.
pub fn select(args: &Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let items = match args.pos.first() {
        Some(list @ (Value::List(_) | Value::Tuple(_))) => iterate(list, interp)?,
        _ => args.pos.clone(),
    };
    let mut columns = Vec::new();
    let mut table = String::new();
    for (i, item) in items.iter().enumerate() {
        if let (Some(t), Value::Native(n)) = (item.downcast::<super::schema::Table>(), item) {
            table = t.name.borrow().clone();
            let whole = table_statement(n, &table, "select", Args::default(), interp)?;
            if let Some(s) = whole.downcast::<Statement>() {
                columns.extend(s.columns.iter().cloned());
            }
        } else if let Some(c) = item.downcast::<super::schema::Column>() {
            let qualified = c.qualified();
            if let Some((t, _)) = qualified.rsplit_once('.') {
                table.clone_from(&t.to_string());
            }
            columns.push((c.name(), Expr::column(&qualified), c.info()));
        } else {
            columns.push((
                format!("expr_{}", i + 1),
                operand(item)?,
                ColumnInfo::default(),
            ));
        }
    }
    let mut s = Statement {
        verb: Verb::Select,
        defaults: Vec::new(),
        binders: Vec::new(),
        table,
        columns,
        values: Vec::new(),
        filter: None,
        order: Vec::new(),
        group: Vec::new(),
        distinct: false,
    };
    if let Some(w) = args.get(1, "whereclause") {
        s.filter = Some(operand(w)?);
    }
    Ok(Value::native(s))
}

/// `func.count(…)`, `func.max(…)`…: a SQL function call.
pub struct Func;

impl Native for Func {
    fn type_name(&self) -> &str {
        "_FunctionGenerator"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(Some(Value::native(FuncName(name.to_string()))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct FuncName(String);

impl Native for FuncName {
    fn type_name(&self) -> &str {
        "function"
    }
    fn call(&self, _: &Rc<dyn Native>, args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        let mut e = Expr::sql(&format!("{}(", self.0));
        if args.pos.is_empty() && self.0 == "count" {
            e.parts.push(Part::Sql("*".into()));
        }
        for (i, a) in args.pos.iter().enumerate() {
            if i > 0 {
                e.parts.push(Part::Sql(", ".into()));
            }
            e.push(operand(a)?);
        }
        e.parts.push(Part::Sql(")".into()));
        Ok(Value::native(e))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Native for Statement {
    fn type_name(&self) -> &str {
        match self.verb {
            Verb::Insert => "Insert",
            Verb::Update => "Update",
            Verb::Delete => "Delete",
            Verb::Select => "Select",
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "where"
                | "filter"
                | "values"
                | "order_by"
                | "group_by"
                | "distinct"
                | "select_from"
                | "execute"
                | "scalar"
                | "all"
                | "first"
        )
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let mut s = self.clone();
        match name {
            "where" | "filter" => {
                let arg = args.pos.first().cloned().unwrap_or_default();
                let cond = match arg.downcast::<Exists>() {
                    Some(exists) => exists.within(&s.table),
                    None => operand(&arg)?,
                };
                s.filter = Some(match s.filter.take() {
                    Some(mut f) => {
                        f.parts.insert(0, Part::Sql("(".into()));
                        f.parts.push(Part::Sql(") AND (".into()));
                        f.push(cond);
                        f.parts.push(Part::Sql(")".into()));
                        f
                    }
                    None => cond,
                });
            }
            "values" => {
                if let Some(Value::Dict(d)) = args.pos.first() {
                    s.values
                        .extend(d.borrow().iter().map(|(k, v)| (k.to_string(), v.clone())));
                }
                s.values.extend(args.kw.iter().cloned());
            }
            "order_by" => {
                for o in &args.pos {
                    s.order.push(operand(o)?);
                }
            }
            "group_by" => {
                for o in &args.pos {
                    s.group.push(operand(o)?);
                }
            }
            "distinct" => s.distinct = true,
            "select_from" => {
                let t = args.pos.first().cloned().unwrap_or_default();
                s.table = interp.get_attr(&t, "name")?.to_string();
            }
            "all" | "first" => {
                let result = s.execute(interp, &Args::default())?;
                let method = if name == "all" { "fetchall" } else { "first" };
                return interp.call_method(&result, method, Args::default());
            }
            "execute" => return s.execute(interp, &args),
            "scalar" => {
                let result = s.execute(interp, &args)?;
                return interp.call_method(&result, "scalar", Args::default());
            }
            _ => return Err(Exc::attribute(self.type_name(), name)),
        }
        Ok(Value::native(s))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Statement {
    /// Runs the statement; `params` are `execute(stmt, {…})`'s values.
    pub fn execute(&self, interp: &mut Interp<'_, '_>, params: &Args) -> Result<Value, Exc> {
        let mut values = self.values.clone();
        if let Some(Value::Dict(d)) = params.pos.first() {
            values.extend(d.borrow().iter().map(|(k, v)| (k.to_string(), v.clone())));
        }
        if let Some(Value::List(rows)) = params.pos.first() {
            for row in rows.borrow().iter() {
                let mut one = self.clone();
                if let Value::Dict(d) = row {
                    one.values
                        .extend(d.borrow().iter().map(|(k, v)| (k.to_string(), v.clone())));
                }
                one.execute(interp, &Args::default())?;
            }
            return Ok(Value::None);
        }
        values.extend(params.kw.iter().cloned());
        if self.verb == Verb::Insert {
            for (column, default) in &self.defaults {
                if values.iter().any(|(k, _)| k == column) {
                    continue;
                }
                let value = match default {
                    Value::Function(_) | Value::Native(_) => {
                        interp.call(default, Args::default())?
                    }
                    v => v.clone(),
                };
                values.push((column.clone(), value));
            }
        }
        let mut bound = Vec::with_capacity(values.len());
        for (k, v) in values {
            let v = match self.binders.iter().find(|(name, _)| *name == k) {
                Some((_, info)) => info.bind(v, interp)?,
                None => v,
            };
            bound.push((k, v));
        }
        let values = bound;
        let mut e = Expr { parts: Vec::new() };
        let ident = |s: &str| Part::Ident(s.to_string());
        match self.verb {
            Verb::Insert => {
                e.parts.push(Part::Sql("INSERT INTO ".into()));
                e.parts.push(ident(&self.table));
                e.parts.push(Part::Sql(" (".into()));
                for (i, (k, _)) in values.iter().enumerate() {
                    if i > 0 {
                        e.parts.push(Part::Sql(", ".into()));
                    }
                    e.parts.push(ident(k));
                }
                e.parts.push(Part::Sql(") VALUES (".into()));
                for (i, (_, v)) in values.iter().enumerate() {
                    if i > 0 {
                        e.parts.push(Part::Sql(", ".into()));
                    }
                    e.push(operand(v)?);
                }
                e.parts.push(Part::Sql(")".into()));
            }
            Verb::Update => {
                e.parts.push(Part::Sql("UPDATE ".into()));
                e.parts.push(ident(&self.table));
                e.parts.push(Part::Sql(" SET ".into()));
                for (i, (k, v)) in values.iter().enumerate() {
                    if i > 0 {
                        e.parts.push(Part::Sql(", ".into()));
                    }
                    e.parts.push(ident(k));
                    e.parts.push(Part::Sql(" = ".into()));
                    e.push(operand(v)?);
                }
            }
            Verb::Delete => {
                e.parts.push(Part::Sql("DELETE FROM ".into()));
                e.parts.push(ident(&self.table));
            }
            Verb::Select => {
                e.parts.push(Part::Sql(
                    if self.distinct {
                        "SELECT DISTINCT "
                    } else {
                        "SELECT "
                    }
                    .into(),
                ));
                for (i, (_, c, _)) in self.columns.iter().enumerate() {
                    if i > 0 {
                        e.parts.push(Part::Sql(", ".into()));
                    }
                    e.push(c.clone());
                }
                if !self.table.is_empty() {
                    e.parts.push(Part::Sql(" FROM ".into()));
                    e.parts.push(ident(&self.table));
                }
            }
        }
        if let Some(f) = &self.filter {
            e.parts.push(Part::Sql(" WHERE ".into()));
            e.push(f.clone());
        }
        if !self.group.is_empty() {
            e.parts.push(Part::Sql(" GROUP BY ".into()));
            for (i, g) in self.group.iter().enumerate() {
                if i > 0 {
                    e.parts.push(Part::Sql(", ".into()));
                }
                e.push(g.clone());
            }
        }
        if !self.order.is_empty() {
            e.parts.push(Part::Sql(" ORDER BY ".into()));
            for (i, o) in self.order.iter().enumerate() {
                if i > 0 {
                    e.parts.push(Part::Sql(", ".into()));
                }
                e.push(o.clone());
            }
        }
        let sql = e.render(interp)?;
        if self.verb == Verb::Select {
            let rows = interp.session()?.query(&sql, &[]).map_err(db_error)?;
            let names: Vec<String> = self
                .columns
                .iter()
                .map(|(label, ..)| label.clone())
                .collect();
            let mut converted = Vec::with_capacity(rows.len());
            for row in rows {
                let mut values = Vec::with_capacity(row.len());
                for (i, v) in row.iter().enumerate() {
                    let v = py_value(v);
                    values.push(match self.columns.get(i) {
                        Some((_, _, info)) => info.read(v, interp)?,
                        None => v,
                    });
                }
                converted.push(values);
            }
            return Ok(rows_result(names, converted));
        }
        interp.writes += 1;
        let caught = interp.try_depth > 0;
        let session = interp.session()?;
        let outcome = if caught {
            session.execute_recoverable(&sql)
        } else {
            session.execute_with(&sql, &[])
        };
        outcome.map_err(db_error)?;
        Ok(result(Vec::new(), Vec::new()))
    }
}

/// Runs raw SQL or a `text()` clause (`migrate_engine.execute(…)`).
pub fn execute_text(sql: &str, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let trimmed = sql.trim_start();
    let is_query = ["SELECT", "SHOW", "WITH", "PRAGMA", "DESCRIBE", "EXPLAIN"]
        .iter()
        .any(|k| trimmed.len() >= k.len() && trimmed[..k.len()].eq_ignore_ascii_case(k));
    if is_query {
        let rows = interp.session()?.query(sql, &[]).map_err(db_error)?;
        return Ok(result(Vec::new(), rows));
    }
    interp.writes += 1;
    interp.session()?.execute(sql).map_err(db_error)?;
    Ok(result(Vec::new(), Vec::new()))
}

fn result(names: Vec<String>, rows: Vec<Vec<DbValue>>) -> Value {
    let rows = rows
        .iter()
        .map(|r| r.iter().map(py_value).collect())
        .collect();
    rows_result(names, rows)
}

fn rows_result(names: Vec<String>, rows: Vec<Vec<Value>>) -> Value {
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
