//! Built-in functions and exception classes.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::value::{Args, Native, Scope, Value, new_scope};

type BuiltinFn = fn(Args, &mut Interp<'_, '_>) -> Result<Value, Exc>;

/// A function implemented in Rust.
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    f: BuiltinFn,
}

impl Builtin {
    /// A built-in function value.
    pub fn value(name: &'static str, f: BuiltinFn) -> Value {
        Value::native(Builtin { name, f })
    }
}

impl Native for Builtin {
    fn type_name(&self) -> &str {
        "builtin_function_or_method"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok((name == "__name__").then(|| Value::str(self.name)))
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        (self.f)(args, interp)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An exception class (`ValueError`, SQLAlchemy's `IntegrityError`…).
pub struct ExceptionClass(pub &'static str);

impl Native for ExceptionClass {
    fn type_name(&self) -> &str {
        "type"
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let message = match args.pos.first() {
            Some(v) => to_str(v, interp)?,
            None => String::new(),
        };
        Ok(Value::native(ExceptionValue(Exc::new(self.0, message))))
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok((name == "__name__").then(|| Value::str(self.0)))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A raised or created exception, as `except E as e` binds it.
pub struct ExceptionValue(pub Exc);

impl Native for ExceptionValue {
    fn type_name(&self) -> &str {
        self.0.class.as_deref().unwrap_or("Exception")
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "args" => Some(Value::Tuple(Rc::new(vec![Value::str(
                self.0.message.as_str(),
            )]))),
            "message" => Some(Value::str(self.0.message.as_str())),
            _ => None,
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The exception names `except` clauses may use.
pub const EXCEPTIONS: &[&str] = &[
    "Exception",
    "BaseException",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "LookupError",
    "AttributeError",
    "NameError",
    "RuntimeError",
    "NotImplementedError",
    "AssertionError",
    "ZeroDivisionError",
    "ArithmeticError",
    "OverflowError",
    "StopIteration",
    "ImportError",
    "OSError",
    "IOError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
];

/// `except E as e`: the value bound to `e`.
pub fn exception_value(exc: &Exc) -> Value {
    Value::native(ExceptionValue(exc.clone()))
}

/// The exception `raise value` raises.
///
/// # Errors
/// Raising something that is not an exception.
pub fn exception_from(value: &Value, interp: &mut Interp<'_, '_>) -> Result<Exc, Exc> {
    if let Some(e) = value.downcast::<ExceptionValue>() {
        return Ok(Exc {
            line: None,
            ..e.0.clone()
        });
    }
    if let Some(class) = value.downcast::<ExceptionClass>() {
        return Ok(Exc::new(class.0, ""));
    }
    if let Value::Instance(i) = value {
        let message = match i.attrs.borrow().get("message") {
            Some(m) => m.to_string(),
            None => String::new(),
        };
        let _ = interp;
        return Ok(Exc::new(&i.class.name, message));
    }
    Err(Exc::type_error("exceptions must derive from BaseException"))
}

/// The class name a value stands for in an `except` clause.
pub fn exception_class_name(value: &Value) -> String {
    match value.downcast::<ExceptionClass>() {
        Some(c) => c.0.to_string(),
        None => value.type_name(),
    }
}

/// `str(v)`, calling a script class's `__str__`.
///
/// # Errors
/// What `__str__` raised.
pub fn to_str(v: &Value, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
    if let Value::Instance(i) = v
        && i.class.lookup("__str__").is_some()
    {
        let s = interp.call_method(v, "__str__", Args::default())?;
        return Ok(s.to_string());
    }
    if let Some(e) = v.downcast::<ExceptionValue>() {
        return Ok(e.0.message.clone());
    }
    Ok(v.to_string())
}

fn one(args: &Args, name: &str) -> Result<Value, Exc> {
    args.pos
        .first()
        .cloned()
        .ok_or_else(|| Exc::type_error(format!("{name}() takes exactly one argument")))
}

fn len(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let v = one(&args, "len")?;
    let n = match &v {
        Value::Str(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::Dict(d) => d.borrow().len(),
        other => iterate(other, interp)?.len(),
    };
    Ok(Value::Int(n as i64))
}

fn str_(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match args.pos.first() {
        Some(v) => Ok(Value::str(to_str(v, interp)?)),
        None => Ok(Value::str("")),
    }
}

fn int(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match args.pos.first() {
        None => Ok(Value::Int(0)),
        Some(Value::Str(s)) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
            Exc::value_error(format!(
                "invalid literal for int() with base 10: {}",
                Value::Str(s.clone()).repr()
            ))
        }),
        Some(Value::Float(f)) => Ok(Value::Int(f.trunc() as i64)),
        Some(v) => v.as_int().map(Value::Int).ok_or_else(|| {
            Exc::type_error(format!(
                "int() argument must be a string or a number, not '{}'",
                v.type_name()
            ))
        }),
    }
}

fn float(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match args.pos.first() {
        None => Ok(Value::Float(0.0)),
        Some(Value::Str(s)) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| Exc::value_error("could not convert string to float")),
        Some(v) => v
            .as_float()
            .map(Value::Float)
            .ok_or_else(|| Exc::type_error("float() argument must be a string or a number")),
    }
}

fn bool_(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(Value::Bool(args.pos.first().is_some_and(Value::truthy)))
}

fn list(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match args.pos.first() {
        Some(v) => Ok(Value::list(iterate(v, interp)?)),
        None => Ok(Value::list(Vec::new())),
    }
}

fn tuple(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match args.pos.first() {
        Some(v) => Ok(Value::Tuple(Rc::new(iterate(v, interp)?))),
        None => Ok(Value::Tuple(Rc::new(Vec::new()))),
    }
}

fn set(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let items = match args.pos.first() {
        Some(v) => iterate(v, interp)?,
        None => Vec::new(),
    };
    Ok(crate::eval::make_set_value(items))
}

fn dict(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let mut pairs = Vec::new();
    if let Some(v) = args.pos.first() {
        match v {
            Value::Dict(d) => pairs = d.borrow().clone(),
            other => {
                for item in iterate(other, interp)? {
                    let kv = iterate(&item, interp)?;
                    if kv.len() != 2 {
                        return Err(Exc::value_error(
                            "dictionary update sequence element has wrong length",
                        ));
                    }
                    crate::eval::dict_insert(&mut pairs, kv[0].clone(), kv[1].clone());
                }
            }
        }
    }
    for (k, v) in args.kw {
        crate::eval::dict_insert(&mut pairs, Value::str(k.as_str()), v);
    }
    Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
}

fn sorted(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let items = iterate(&one(&args, "sorted")?, interp)?;
    let key = args
        .kw("key")
        .cloned()
        .filter(|k| !matches!(k, Value::None));
    let reverse = args.flag("reverse", false);
    Ok(Value::list(crate::methods::sort_values(
        items, key, reverse, interp,
    )?))
}

fn zip(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let lists: Vec<Vec<Value>> = args
        .pos
        .iter()
        .map(|a| iterate(a, interp))
        .collect::<Result<_, _>>()?;
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list(
        (0..n)
            .map(|i| Value::Tuple(Rc::new(lists.iter().map(|l| l[i].clone()).collect())))
            .collect(),
    ))
}

fn enumerate(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let items = iterate(&one(&args, "enumerate")?, interp)?;
    let start = args.get(1, "start").and_then(Value::as_int).unwrap_or(0);
    Ok(Value::list(
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| Value::Tuple(Rc::new(vec![Value::Int(start + i as i64), v])))
            .collect(),
    ))
}

fn range(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let n: Vec<i64> = args
        .pos
        .iter()
        .map(|v| {
            v.as_int()
                .ok_or_else(|| Exc::type_error("range() takes integers"))
        })
        .collect::<Result<_, _>>()?;
    let (start, stop, step) = match n.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] if *step != 0 => (*start, *stop, *step),
        _ => {
            return Err(Exc::type_error(
                "range() takes one to three integers, the step not zero",
            ));
        }
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(Value::Int(i));
        if out.len() > crate::eval::MAX_SIZE {
            return Err(Exc::new("MemoryError", "range too large"));
        }
        i += step;
    }
    Ok(Value::list(out))
}

fn isinstance(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let (Some(v), Some(t)) = (args.pos.first(), args.pos.get(1)) else {
        return Err(Exc::type_error("isinstance expected 2 arguments"));
    };
    Ok(Value::Bool(is_instance(v, t)))
}

fn is_instance(v: &Value, t: &Value) -> bool {
    match t {
        Value::Tuple(ts) => ts.iter().any(|t| is_instance(v, t)),
        Value::Class(c) => matches!(v, Value::Instance(i) if i.class.is_a(&c.name)),
        Value::Native(n) => {
            // A vocabulary class is a constructor function named after it.
            let wanted = match n.as_any().downcast_ref::<Builtin>() {
                Some(b) => b.name,
                None => n.type_name().strip_prefix("type:").unwrap_or(n.type_name()),
            };
            let actual = v.type_name();
            actual == wanted
                || (wanted == "int" && matches!(v, Value::Bool(_)))
                || (wanted == "basestring" && actual == "str")
                || matches!(v, Value::Instance(i) if i.class.is_a(wanted))
        }
        _ => false,
    }
}

fn next(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let items = iterate(&one(&args, "next")?, interp)?;
    match items.into_iter().next() {
        Some(v) => Ok(v),
        None => args
            .pos
            .get(1)
            .cloned()
            .ok_or_else(|| Exc::new("StopIteration", "")),
    }
}

fn iter(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(Value::list(iterate(&one(&args, "iter")?, interp)?))
}

fn min_max(
    args: Args,
    interp: &mut Interp<'_, '_>,
    want: std::cmp::Ordering,
) -> Result<Value, Exc> {
    let items = if args.pos.len() == 1 {
        iterate(&args.pos[0], interp)?
    } else {
        args.pos.clone()
    };
    let mut best: Option<Value> = None;
    for item in items {
        best = Some(match best {
            Some(b) if crate::eval::order_values(&item, &b)? != want => b,
            _ => item,
        });
    }
    best.ok_or_else(|| Exc::value_error("arg is an empty sequence"))
}

fn sum(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let mut total = args.pos.get(1).cloned().unwrap_or(Value::Int(0));
    for item in iterate(&one(&args, "sum")?, interp)? {
        total = crate::eval::add_values(&total, &item, interp)?;
    }
    Ok(total)
}

fn any(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(Value::Bool(
        iterate(&one(&args, "any")?, interp)?
            .iter()
            .any(Value::truthy),
    ))
}

fn all(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(Value::Bool(
        iterate(&one(&args, "all")?, interp)?
            .iter()
            .all(Value::truthy),
    ))
}

fn getattr(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let (Some(o), Some(Value::Str(n))) = (args.pos.first(), args.pos.get(1)) else {
        return Err(Exc::type_error("getattr(object, name[, default])"));
    };
    match interp.get_attr(o, n) {
        Ok(v) => Ok(v),
        Err(e) if e.caught_by(Some("AttributeError")) => args.pos.get(2).cloned().ok_or(e),
        Err(e) => Err(e),
    }
}

fn hasattr(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let (Some(o), Some(Value::Str(n))) = (args.pos.first(), args.pos.get(1)) else {
        return Err(Exc::type_error("hasattr(object, name)"));
    };
    match interp.get_attr(o, n) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.caught_by(Some("AttributeError")) => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn repr(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(Value::str(one(&args, "repr")?.repr()))
}

fn abs(args: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    match one(&args, "abs")? {
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v => v
            .as_int()
            .map(|i| Value::Int(i.abs()))
            .ok_or_else(|| Exc::type_error("bad operand type for abs()")),
    }
}

fn map(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let f = one(&args, "map")?;
    let items = iterate(
        args.pos
            .get(1)
            .ok_or_else(|| Exc::type_error("map() needs an iterable"))?,
        interp,
    )?;
    let out = items
        .into_iter()
        .map(|v| interp.call(&f, Args::positional(vec![v])))
        .collect::<Result<_, _>>()?;
    Ok(Value::list(out))
}

fn filter(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let f = one(&args, "filter")?;
    let items = iterate(
        args.pos
            .get(1)
            .ok_or_else(|| Exc::type_error("filter() needs an iterable"))?,
        interp,
    )?;
    let mut out = Vec::new();
    for v in items {
        let keep = match &f {
            Value::None => v.truthy(),
            f => interp.call(f, Args::positional(vec![v.clone()]))?.truthy(),
        };
        if keep {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

fn reversed(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let mut items = iterate(&one(&args, "reversed")?, interp)?;
    items.reverse();
    Ok(Value::list(items))
}

fn print(args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    use std::io::Write;
    let parts: Vec<String> = args
        .pos
        .iter()
        .map(|v| to_str(v, interp))
        .collect::<Result<_, _>>()?;
    // A script's own output: to stdout, as Python would print it.
    let _ = writeln!(std::io::stdout(), "{}", parts.join(" "));
    Ok(Value::None)
}

/// A type usable in `isinstance` (`int`, `str`…): calling it converts.
struct TypeObject {
    name: &'static str,
    f: BuiltinFn,
}

impl Native for TypeObject {
    fn type_name(&self) -> &str {
        self.name
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        (self.f)(args, interp)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn object(_: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Err(Exc::unsupported("`object()` instances"))
}

/// The built-in scope every module sees.
pub fn scope() -> Scope {
    let scope = new_scope();
    {
        let mut s = scope.borrow_mut();
        let types: &[(&'static str, BuiltinFn)] = &[
            ("type:str", str_),
            ("type:int", int),
            ("type:float", float),
            ("type:bool", bool_),
            ("type:list", list),
            ("type:tuple", tuple),
            ("type:dict", dict),
            ("type:set", set),
            ("type:object", object),
        ];
        for (name, f) in types {
            let short = name.trim_start_matches("type:");
            s.insert(short.to_string(), Value::native(TypeObject { name, f: *f }));
        }
        s.insert(
            "basestring".into(),
            Value::native(TypeObject {
                name: "type:basestring",
                f: str_,
            }),
        );
        s.insert(
            "unicode".into(),
            Value::native(TypeObject {
                name: "type:str",
                f: str_,
            }),
        );
        s.insert(
            "long".into(),
            Value::native(TypeObject {
                name: "type:int",
                f: int,
            }),
        );
        let functions: &[(&'static str, BuiltinFn)] = &[
            ("len", len),
            ("sorted", sorted),
            ("zip", zip),
            ("enumerate", enumerate),
            ("range", range),
            ("xrange", range),
            ("isinstance", isinstance),
            ("next", next),
            ("iter", iter),
            ("min", |a, i| min_max(a, i, std::cmp::Ordering::Less)),
            ("max", |a, i| min_max(a, i, std::cmp::Ordering::Greater)),
            ("sum", sum),
            ("any", any),
            ("all", all),
            ("getattr", getattr),
            ("hasattr", hasattr),
            ("repr", repr),
            ("abs", abs),
            ("map", map),
            ("filter", filter),
            ("reversed", reversed),
            ("print", print),
            // Read through the class (`timeutils.utcnow`), as scripts use it.
            ("staticmethod", |a, _| {
                Ok(a.pos.first().cloned().unwrap_or_default())
            }),
        ];
        for (name, f) in functions {
            s.insert((*name).to_string(), Builtin::value(name, *f));
        }
        for name in EXCEPTIONS {
            s.insert((*name).to_string(), Value::native(ExceptionClass(name)));
        }
        s.insert("None".into(), Value::None);
    }
    scope
}
