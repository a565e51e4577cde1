//! Operators, subscripts and iteration on built-in values; native objects (SQL expressions)
//! take over through their `__eq__`, `__add__`… methods.

use std::any::Any;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use ruff_python_ast::{CmpOp, Operator, UnaryOp};

use super::Interp;
use crate::error::Exc;
use crate::value::{Args, Native, Value};

/// A slice `a:b:c`, as a subscript's index.
pub(crate) struct Slice {
    pub lower: Value,
    pub upper: Value,
    pub step: Value,
}

impl Native for Slice {
    fn type_name(&self) -> &str {
        "slice"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn dunder(op: Operator) -> &'static str {
    match op {
        Operator::Add => "__add__",
        Operator::Sub => "__sub__",
        Operator::Mult => "__mul__",
        Operator::Div => "__truediv__",
        Operator::FloorDiv => "__floordiv__",
        Operator::Mod => "__mod__",
        Operator::Pow => "__pow__",
        Operator::BitAnd => "__and__",
        Operator::BitOr => "__or__",
        Operator::BitXor => "__xor__",
        Operator::LShift => "__lshift__",
        Operator::RShift => "__rshift__",
        Operator::MatMult => "__matmul__",
    }
}

/// The most items (or bytes) one value may hold: a migration script never needs more, and a
/// runaway `'x' * 10**12` must be an error, not the process killed for memory.
pub(crate) const MAX_SIZE: usize = 10_000_000;

/// Refuses a value larger than [`MAX_SIZE`].
pub(crate) fn check_size(n: usize) -> Result<(), Exc> {
    if n > MAX_SIZE {
        return Err(Exc::new(
            "MemoryError",
            format!("a value of {n} items or bytes"),
        ));
    }
    Ok(())
}

/// `left op right`.
pub(crate) fn binary(
    op: Operator,
    left: &Value,
    right: &Value,
    interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    if let Value::Native(n) = left
        && n.has_method(dunder(op))
    {
        return n.call_method(n, dunder(op), Args::positional(vec![right.clone()]), interp);
    }
    if let Value::Native(n) = right {
        let reflected = dunder(op).replacen("__", "__r", 1);
        if n.has_method(&reflected) {
            return n.call_method(n, &reflected, Args::positional(vec![left.clone()]), interp);
        }
    }
    match (op, left, right) {
        (Operator::Add, Value::Str(a), Value::Str(b)) => Ok(Value::str(format!("{a}{b}"))),
        (Operator::Add, Value::List(a), Value::List(b)) => {
            let mut items = a.borrow().clone();
            items.extend(b.borrow().iter().cloned());
            Ok(Value::list(items))
        }
        (Operator::Add, Value::Tuple(a), Value::Tuple(b)) => {
            let mut items = (**a).clone();
            items.extend(b.iter().cloned());
            Ok(Value::Tuple(Rc::new(items)))
        }
        (Operator::Mult, Value::Str(s), n) | (Operator::Mult, n, Value::Str(s))
            if n.as_int().is_some() =>
        {
            let times = n.as_int().unwrap_or(0).max(0) as usize;
            check_size(s.len().saturating_mul(times))?;
            Ok(Value::str(s.repeat(times)))
        }
        (Operator::Mult, Value::List(l), n) if n.as_int().is_some() => {
            let items = l.borrow();
            let times = n.as_int().unwrap_or(0).max(0) as usize;
            check_size(items.len().saturating_mul(times))?;
            Ok(Value::list(
                items
                    .iter()
                    .cloned()
                    .cycle()
                    .take(items.len() * times)
                    .collect(),
            ))
        }
        (Operator::Mod, Value::Str(fmt), args) => crate::methods::percent_format(fmt, args, interp),
        (Operator::BitOr, Value::Dict(a), Value::Dict(b)) => {
            let mut pairs = a.borrow().clone();
            for (k, v) in b.borrow().iter() {
                dict_set(&mut pairs, k.clone(), v.clone());
            }
            Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
        }
        _ => arithmetic(op, left, right),
    }
}

fn arithmetic(op: Operator, left: &Value, right: &Value) -> Result<Value, Exc> {
    let unsupported = || {
        Exc::type_error(format!(
            "unsupported operand types for {}: '{}' and '{}'",
            dunder(op).trim_matches('_'),
            left.type_name(),
            right.type_name()
        ))
    };
    if let (Some(a), Some(b)) = (left.as_int(), right.as_int())
        && !matches!(left, Value::Float(_))
        && !matches!(right, Value::Float(_))
    {
        let overflow = || Exc::new("OverflowError", "integer beyond 64 bits");
        let zero = || Exc::new("ZeroDivisionError", "integer division or modulo by zero");
        return Ok(Value::Int(match op {
            Operator::Add => a.checked_add(b).ok_or_else(overflow)?,
            Operator::Sub => a.checked_sub(b).ok_or_else(overflow)?,
            Operator::Mult => a.checked_mul(b).ok_or_else(overflow)?,
            Operator::FloorDiv => {
                if b == 0 {
                    return Err(zero());
                }
                a.div_euclid(b) - i64::from(a.rem_euclid(b) != 0 && b < 0)
            }
            Operator::Mod => {
                if b == 0 {
                    return Err(zero());
                }
                ((a % b) + b) % b
            }
            Operator::Pow if b >= 0 => a
                .checked_pow(u32::try_from(b).map_err(|_| overflow())?)
                .ok_or_else(overflow)?,
            Operator::Div => return Ok(Value::Float(a as f64 / b as f64)),
            Operator::BitAnd => a & b,
            Operator::BitOr => a | b,
            Operator::BitXor => a ^ b,
            Operator::LShift => a
                .checked_shl(u32::try_from(b).map_err(|_| overflow())?)
                .ok_or_else(overflow)?,
            Operator::RShift => a >> b.clamp(0, 63),
            _ => return Err(unsupported()),
        }));
    }
    let (Some(a), Some(b)) = (left.as_float(), right.as_float()) else {
        return Err(unsupported());
    };
    Ok(Value::Float(match op {
        Operator::Add => a + b,
        Operator::Sub => a - b,
        Operator::Mult => a * b,
        Operator::Div if b == 0.0 => {
            return Err(Exc::new("ZeroDivisionError", "float division by zero"));
        }
        Operator::Div => a / b,
        Operator::FloorDiv => (a / b).floor(),
        Operator::Mod => a.rem_euclid(b),
        Operator::Pow => a.powf(b),
        _ => return Err(unsupported()),
    }))
}

/// `op v`.
pub(crate) fn unary(op: UnaryOp, v: &Value) -> Result<Value, Exc> {
    match (op, v) {
        (UnaryOp::Not, v) => Ok(Value::Bool(!v.truthy())),
        (UnaryOp::USub, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnaryOp::USub, v) if v.as_int().is_some() => Ok(Value::Int(-v.as_int().unwrap_or(0))),
        (UnaryOp::UAdd, v) if v.as_float().is_some() => Ok(v.clone()),
        (UnaryOp::Invert, v) if v.as_int().is_some() => Ok(Value::Int(!v.as_int().unwrap_or(0))),
        _ => Err(Exc::type_error(format!(
            "bad operand type for unary operator: '{}'",
            v.type_name()
        ))),
    }
}

/// `left op right` for one comparison of a chain.
pub(crate) fn compare(
    op: CmpOp,
    left: &Value,
    right: &Value,
    interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    let method = match op {
        CmpOp::Eq => "__eq__",
        CmpOp::NotEq => "__ne__",
        CmpOp::Lt => "__lt__",
        CmpOp::LtE => "__le__",
        CmpOp::Gt => "__gt__",
        CmpOp::GtE => "__ge__",
        _ => "",
    };
    if let Value::Native(n) = left
        && !method.is_empty()
        && n.has_method(method)
    {
        return n.call_method(n, method, Args::positional(vec![right.clone()]), interp);
    }
    Ok(Value::Bool(match op {
        CmpOp::Eq => left.py_eq(right),
        CmpOp::NotEq => !left.py_eq(right),
        CmpOp::Is => identical(left, right),
        CmpOp::IsNot => !identical(left, right),
        CmpOp::In => contains(right, left, interp)?,
        CmpOp::NotIn => !contains(right, left, interp)?,
        CmpOp::Lt => order(left, right)? == Ordering::Less,
        CmpOp::LtE => order(left, right)? != Ordering::Greater,
        CmpOp::Gt => order(left, right)? == Ordering::Greater,
        CmpOp::GtE => order(left, right)? != Ordering::Less,
    }))
}

fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::None | Value::Bool(_), _) | (_, Value::None | Value::Bool(_)) => false,
        (x, y) => x.py_eq(y),
    }
}

/// Python's ordering of two values (`sorted`, `<`).
pub(crate) fn order(a: &Value, b: &Value) -> Result<Ordering, Exc> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::List(x), Value::List(y)) => seq_order(&x.borrow(), &y.borrow()),
        (Value::Tuple(x), Value::Tuple(y)) => seq_order(x, y),
        (x, y) => match (x.as_float(), y.as_float()) {
            (Some(p), Some(q)) => Ok(p.partial_cmp(&q).unwrap_or(Ordering::Equal)),
            _ => Err(Exc::type_error(format!(
                "'<' not supported between instances of '{}' and '{}'",
                x.type_name(),
                y.type_name()
            ))),
        },
    }
}

fn seq_order(a: &[Value], b: &[Value]) -> Result<Ordering, Exc> {
    for (x, y) in a.iter().zip(b) {
        let o = order(x, y)?;
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

fn contains(container: &Value, item: &Value, interp: &mut Interp<'_, '_>) -> Result<bool, Exc> {
    match container {
        Value::Str(s) => match item {
            Value::Str(i) => Ok(s.contains(&**i)),
            _ => Err(Exc::type_error(
                "'in <string>' requires string as left operand",
            )),
        },
        Value::Dict(d) => Ok(d.borrow().iter().any(|(k, _)| k.py_eq(item))),
        other => Ok(iterate(other, interp)?.iter().any(|v| v.py_eq(item))),
    }
}

/// The items of an iterable, all at once (the subset has no lazy iterators).
pub(crate) fn iterate(value: &Value, interp: &mut Interp<'_, '_>) -> Result<Vec<Value>, Exc> {
    match value {
        Value::List(l) => Ok(l.borrow().clone()),
        Value::Tuple(t) => Ok((**t).clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::str(c.to_string())).collect()),
        Value::Dict(d) => Ok(d.borrow().iter().map(|(k, _)| k.clone()).collect()),
        Value::Native(n) if n.has_method("__iter__") => {
            let items = n.call_method(n, "__iter__", Args::default(), interp)?;
            iterate(&items, interp)
        }
        other => Err(Exc::type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}

/// A `set` (kept as a list of distinct items, in insertion order).
pub(crate) fn make_set(items: Vec<Value>) -> Value {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|v| v.py_eq(&item)) {
            out.push(item);
        }
    }
    Value::list(out)
}

/// Sets `key` in a dict's pairs.
pub(crate) fn dict_set(pairs: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match pairs.iter_mut().find(|(k, _)| k.py_eq(&key)) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key, value)),
    }
}

/// A mapping's pairs (`**kwargs`, `dict(x)`).
pub(crate) fn dict_pairs(value: &Value) -> Result<Vec<(Value, Value)>, Exc> {
    match value {
        Value::Dict(d) => Ok(d.borrow().clone()),
        other => Err(Exc::type_error(format!(
            "'{}' object is not a mapping",
            other.type_name()
        ))),
    }
}

fn index_of(len: usize, index: &Value) -> Result<usize, Exc> {
    let i = index.as_int().ok_or_else(|| {
        Exc::type_error(format!(
            "indices must be integers, not {}",
            index.type_name()
        ))
    })?;
    let resolved = if i < 0 { len as i64 + i } else { i };
    usize::try_from(resolved)
        .ok()
        .filter(|r| *r < len)
        .ok_or_else(|| Exc::new("IndexError", "index out of range"))
}

fn slice_range(len: usize, s: &Slice) -> Result<Vec<usize>, Exc> {
    let step = if s.step.py_eq(&Value::None) {
        1
    } else {
        s.step.as_int().unwrap_or(1)
    };
    if step == 0 {
        return Err(Exc::value_error("slice step cannot be zero"));
    }
    let len = len as i64;
    let clamp = |v: &Value, default: i64| -> i64 {
        match v.as_int() {
            None => default,
            Some(i) if i < 0 => (len + i).max(if step > 0 { 0 } else { -1 }),
            Some(i) => i.min(if step > 0 { len } else { len - 1 }),
        }
    };
    let (start, stop) = if step > 0 {
        (clamp(&s.lower, 0), clamp(&s.upper, len))
    } else {
        (clamp(&s.lower, len - 1), clamp(&s.upper, -1))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

/// `object[index]`.
pub(crate) fn subscript(
    object: &Value,
    index: &Value,
    interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    if let Some(s) = index.downcast::<Slice>() {
        return match object {
            Value::List(l) => {
                let l = l.borrow();
                Ok(Value::list(
                    slice_range(l.len(), s)?
                        .into_iter()
                        .map(|i| l[i].clone())
                        .collect(),
                ))
            }
            Value::Tuple(t) => Ok(Value::Tuple(Rc::new(
                slice_range(t.len(), s)?
                    .into_iter()
                    .map(|i| t[i].clone())
                    .collect(),
            ))),
            Value::Str(text) => {
                let chars: Vec<char> = text.chars().collect();
                Ok(Value::str(
                    slice_range(chars.len(), s)?
                        .into_iter()
                        .map(|i| chars[i])
                        .collect::<String>(),
                ))
            }
            other => Err(Exc::type_error(format!(
                "'{}' object is not sliceable",
                other.type_name()
            ))),
        };
    }
    match object {
        Value::List(l) => {
            let l = l.borrow();
            Ok(l[index_of(l.len(), index)?].clone())
        }
        Value::Tuple(t) => Ok(t[index_of(t.len(), index)?].clone()),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::str(chars[index_of(chars.len(), index)?].to_string()))
        }
        Value::Dict(d) => d
            .borrow()
            .iter()
            .find(|(k, _)| k.py_eq(index))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Exc::new("KeyError", index.repr())),
        Value::Native(n) if n.has_method("__getitem__") => n.call_method(
            n,
            "__getitem__",
            Args::positional(vec![index.clone()]),
            interp,
        ),
        other => Err(Exc::type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// `object[index] = value`.
pub(crate) fn set_item(object: &Value, index: Value, value: Value) -> Result<(), Exc> {
    match object {
        Value::List(l) => {
            let mut l = l.borrow_mut();
            let i = index_of(l.len(), &index)?;
            l[i] = value;
            Ok(())
        }
        Value::Dict(d) => {
            dict_set(&mut d.borrow_mut(), index, value);
            Ok(())
        }
        other => Err(Exc::type_error(format!(
            "'{}' object does not support item assignment",
            other.type_name()
        ))),
    }
}

/// `del object[index]`.
pub(crate) fn del_item(object: &Value, index: &Value) -> Result<(), Exc> {
    match object {
        Value::List(l) => {
            let mut l = l.borrow_mut();
            let i = index_of(l.len(), index)?;
            l.remove(i);
            Ok(())
        }
        Value::Dict(d) => {
            let mut d = d.borrow_mut();
            let before = d.len();
            d.retain(|(k, _)| !k.py_eq(index));
            if d.len() == before {
                return Err(Exc::new("KeyError", index.repr()));
            }
            Ok(())
        }
        other => Err(Exc::type_error(format!(
            "'{}' object does not support item deletion",
            other.type_name()
        ))),
    }
}
