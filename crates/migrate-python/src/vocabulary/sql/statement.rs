//! Data statements: `insert/update/delete/select` with `where`/`values`/`order_by`, run in
//! the version's transaction.

use std::any::Any;
use std::rc::Rc;

use super::super::db_error;
use super::expr::{Exists, Expr, Part, operand, py_value};
use super::rows::{result, rows_result};
use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::value::{Args, Native, Value};

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
    /// A `PickleType`: values are written pickled.
    pub pickled: bool,
}

impl ColumnInfo {
    /// A value as written: through `process_bind_param` when the type has one, pickled for
    /// a `PickleType`.
    fn bind(&self, value: Value, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        if self.pickled && !matches!(value, Value::None) {
            return Ok(Value::Bytes(crate::pickle::dumps(&value)?.into()));
        }
        match &self.decorator {
            Some(d) if interp.get_attr(d, "process_bind_param").is_ok() => {
                let dialect = crate::vocabulary::dialect_object(interp)?;
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
            ) => crate::vocabulary::datetime::parse(s, ty).unwrap_or(value.clone()),
            _ => value,
        };
        match &self.decorator {
            Some(d) if interp.get_attr(d, "process_result_value").is_ok() => {
                let dialect = crate::vocabulary::dialect_object(interp)?;
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
        .downcast::<crate::vocabulary::schema::Table>()
        .map(crate::vocabulary::schema::Table::column_info)
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
    let defaults = match table_value.downcast::<crate::vocabulary::schema::Table>() {
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
        if let (Some(t), Value::Native(n)) =
            (item.downcast::<crate::vocabulary::schema::Table>(), item)
        {
            table = t.name.borrow().clone();
            let whole = table_statement(n, &table, "select", Args::default(), interp)?;
            if let Some(s) = whole.downcast::<Statement>() {
                columns.extend(s.columns.iter().cloned());
            }
        } else if let Some(c) = item.downcast::<crate::vocabulary::schema::Column>() {
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
                e.push_list(&values, |e, (k, _)| {
                    e.parts.push(ident(k));
                    Ok(())
                })?;
                e.parts.push(Part::Sql(") VALUES (".into()));
                e.push_list(&values, |e, (_, v)| {
                    e.push(operand(v)?);
                    Ok(())
                })?;
                e.parts.push(Part::Sql(")".into()));
            }
            Verb::Update => {
                e.parts.push(Part::Sql("UPDATE ".into()));
                e.parts.push(ident(&self.table));
                e.parts.push(Part::Sql(" SET ".into()));
                e.push_list(&values, |e, (k, v)| {
                    e.parts.push(ident(k));
                    e.parts.push(Part::Sql(" = ".into()));
                    e.push(operand(v)?);
                    Ok(())
                })?;
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
                e.push_list(&self.columns, |e, (_, c, _)| {
                    e.push(c.clone());
                    Ok(())
                })?;
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
            e.push_list(&self.group, |e, g| {
                e.push(g.clone());
                Ok(())
            })?;
        }
        if !self.order.is_empty() {
            e.parts.push(Part::Sql(" ORDER BY ".into()));
            e.push_list(&self.order, |e, o| {
                e.push(o.clone());
                Ok(())
            })?;
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
