//! SQL expressions: column comparisons, `and_`/`or_`/`not_`, `in_`, `exists()`, `func.*`,
//! `text()` and literals, rendered for the session's database.

use std::any::Any;
use std::rc::Rc;

use migrate_core::connection::Value as DbValue;

use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

/// A piece of SQL: text, a quoted identifier or a value, written as the database's literal
/// (typed parameters would make PostgreSQL refuse an integer for a boolean column, where
/// SQLAlchemy's driver sent `true`).
#[derive(Clone)]
pub(super) enum Part {
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
    /// A binary string.
    Bytes(Vec<u8>),
}

/// A SQL expression (a condition, a column reference).
#[derive(Clone)]
pub struct Expr {
    pub(super) parts: Vec<Part>,
}

impl Expr {
    /// Appends each of `items` as `push_one` writes it, separated by `, `.
    pub(super) fn push_list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut push_one: impl FnMut(&mut Expr, T) -> Result<(), Exc>,
    ) -> Result<(), Exc> {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.parts.push(Part::Sql(", ".into()));
            }
            push_one(self, item)?;
        }
        Ok(())
    }

    pub(super) fn sql(s: &str) -> Expr {
        Expr {
            parts: vec![Part::Sql(s.to_string())],
        }
    }

    pub(super) fn column(qualified: &str) -> Expr {
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

    pub(super) fn push(&mut self, other: Expr) {
        self.parts.extend(other.parts);
    }

    /// The tables its qualified columns name, in order of appearance.
    pub(super) fn tables(&self) -> Vec<String> {
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
    pub(super) fn render(&self, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
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
                Part::Param(Lit::Bytes(b)) => sql.push_str(&dialect.binary_literal(b)),
            }
        }
        Ok(sql)
    }
}

/// A value as an expression: a column or expression as itself, anything else a parameter.
pub(super) fn operand(v: &Value) -> Result<Expr, Exc> {
    if let Some(e) = v.downcast::<Expr>() {
        return Ok(e.clone());
    }
    if let Some(c) = v.downcast::<crate::vocabulary::schema::Column>() {
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
        Value::Bytes(b) => Lit::Bytes(b.to_vec()),
        other => {
            if let Some(d) = other.downcast::<crate::vocabulary::datetime::Moment>() {
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

pub(super) fn py_value(v: &DbValue) -> Value {
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
            left.push_list(items.iter(), |e, item| {
                e.push(operand(item)?);
                Ok(())
            })?;
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
    pub(super) fn within(&self, outer: &str) -> Expr {
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
        e.push_list(&args.pos, |e, a| {
            e.push(operand(a)?);
            Ok(())
        })?;
        e.parts.push(Part::Sql(")".into()));
        Ok(Value::native(e))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
