//! Python values: the built-in types the subset needs, user functions, and native objects
//! (modules, the SQLAlchemy vocabulary) implemented in Rust.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use crate::error::Exc;
use crate::eval::Interp;

/// A Python value.
#[derive(Clone, Default)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `True`/`False`.
    Bool(bool),
    /// An `int` (64-bit here).
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(Rc<str>),
    /// A `bytes`.
    Bytes(Rc<[u8]>),
    /// A `list`.
    List(Rc<RefCell<Vec<Value>>>),
    /// A `tuple`.
    Tuple(Rc<Vec<Value>>),
    /// A `dict`, in insertion order.
    Dict(Rc<RefCell<Vec<(Value, Value)>>>),
    /// A function defined in a script (or a lambda).
    Function(Rc<crate::eval::Function>),
    /// A native object: a module, a SQLAlchemy object, a built-in function.
    Native(Rc<dyn Native>),
    /// A native object's method, bound to it.
    Bound(Rc<dyn Native>, Rc<str>),
    /// A class defined in a script.
    Class(Rc<crate::eval::Class>),
    /// An instance of a script's class.
    Instance(Rc<crate::eval::Instance>),
}

/// Positional and keyword arguments of a call.
#[derive(Default, Clone)]
pub struct Args {
    /// Positional, in order.
    pub pos: Vec<Value>,
    /// Keyword, in order.
    pub kw: Vec<(String, Value)>,
}

impl Args {
    /// Only positional arguments.
    pub fn positional(pos: Vec<Value>) -> Args {
        Args {
            pos,
            kw: Vec::new(),
        }
    }

    /// The keyword argument `name`, if given.
    pub fn kw(&self, name: &str) -> Option<&Value> {
        self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Positional argument `i`, else keyword `name`.
    pub fn get(&self, i: usize, name: &str) -> Option<&Value> {
        self.pos.get(i).or_else(|| self.kw(name))
    }

    /// A keyword argument read as a boolean, with its default.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.kw(name).map_or(default, Value::truthy)
    }
}

/// An object implemented in Rust.
pub trait Native: Any {
    /// Its Python type name, for messages and `isinstance`.
    fn type_name(&self) -> &str;

    /// A data attribute (not a method), if it has one.
    ///
    /// # Errors
    /// A Python exception.
    fn attr(&self, _name: &str, _interp: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(None)
    }

    /// Whether `name` is a method of it.
    fn has_method(&self, _name: &str) -> bool {
        false
    }

    /// Calls method `name`; `this` is the object itself.
    ///
    /// # Errors
    /// A Python exception.
    fn call_method(
        &self,
        this: &Rc<dyn Native>,
        name: &str,
        _args: Args,
        _interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let _ = this;
        Err(Exc::attribute(self.type_name(), name))
    }

    /// Calls the object itself (a class, a built-in function).
    ///
    /// # Errors
    /// A Python exception.
    fn call(
        &self,
        _this: &Rc<dyn Native>,
        _args: Args,
        _interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        Err(Exc::type_error(format!(
            "'{}' object is not callable",
            self.type_name()
        )))
    }

    /// Sets a data attribute.
    ///
    /// # Errors
    /// A Python exception.
    fn set_attr(&self, name: &str, _value: Value) -> Result<(), Exc> {
        Err(Exc::attribute(self.type_name(), name))
    }

    /// For downcasting.
    fn as_any(&self) -> &dyn Any;
}

impl Value {
    /// A `str`.
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// A new `list`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    /// A native object.
    pub fn native(n: impl Native) -> Value {
        Value::Native(Rc::new(n))
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            _ => true,
        }
    }

    /// The type's name, as `type(x).__name__`.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Function(_) => "function".into(),
            Value::Native(n) => n.type_name().to_string(),
            Value::Bound(..) => "method".into(),
            Value::Class(_) => "type".into(),
            Value::Instance(i) => i.class.name.clone(),
        }
    }

    /// The native object of type `T`, if this is one.
    pub fn downcast<T: Native>(&self) -> Option<&T> {
        match self {
            Value::Native(n) => n.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }

    /// The text of a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An `int` (or `bool`).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Python `==`.
    pub fn py_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Float(a), b) => b.as_float().is_some_and(|b| *a == b),
            (a, Value::Float(b)) => a.as_float().is_some_and(|a| a == *b),
            (a, b) if a.as_int().is_some() && b.as_int().is_some() => a.as_int() == b.as_int(),
            (Value::List(a), Value::List(b)) => {
                Rc::ptr_eq(a, b) || seq_eq(&a.borrow(), &b.borrow())
            }
            (Value::Tuple(a), Value::Tuple(b)) => seq_eq(a, b),
            (Value::Dict(a), Value::Dict(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .find(|(k2, _)| k2.py_eq(k))
                            .is_some_and(|(_, v2)| v2.py_eq(v))
                    })
            }
            (Value::Native(a), Value::Native(b)) => Rc::ptr_eq(a, b),
            (Value::Instance(a), Value::Instance(b)) => Rc::ptr_eq(a, b),
            (Value::Class(a), Value::Class(b)) => Rc::ptr_eq(a, b),
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A number as `float`.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            other => other.as_int().map(|i| i as f64),
        }
    }

    /// `repr(x)`.
    pub fn repr(&self) -> String {
        match self {
            Value::Str(s) => py_str_repr(s),
            other => other.to_string(),
        }
    }
}

/// Python's `repr` of bytes: `b'…'`, printable ASCII as itself, the rest escaped.
pub fn py_bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            c if char::from(c) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(c)),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

fn seq_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
}

/// Python's `repr` of a string: single quotes unless the text holds one and no double quote.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

thread_local! {
    /// How deeply `str()` of nested lists is being written: a list that holds itself is
    /// written `[...]` at depth 50, as Python writes a recursive list, not overflowing the
    /// stack.
    static DISPLAY_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn join(items: &[Value]) -> String {
    items.iter().map(Value::repr).collect::<Vec<_>>().join(", ")
}

/// `str(x)`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nested = matches!(self, Value::List(_) | Value::Tuple(_) | Value::Dict(_));
        if nested {
            let depth = DISPLAY_DEPTH.with(|d| {
                d.set(d.get() + 1);
                d.get()
            });
            let result = if depth > 50 {
                f.write_str("[...]")
            } else {
                self.fmt_value(f)
            };
            DISPLAY_DEPTH.with(|d| d.set(d.get() - 1));
            return result;
        }
        self.fmt_value(f)
    }
}

impl Value {
    fn fmt_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() && x.abs() < 1e16 => {
                write!(f, "{x:.1}")
            }
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&py_bytes_repr(b)),
            Value::List(l) => write!(f, "[{}]", join(&l.borrow())),
            Value::Tuple(t) if t.len() == 1 => write!(f, "({},)", t[0].repr()),
            Value::Tuple(t) => write!(f, "({})", join(t)),
            Value::Dict(d) => {
                let items: Vec<String> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.repr(), v.repr()))
                    .collect();
                write!(f, "{{{}}}", items.join(", "))
            }
            Value::Function(func) => write!(f, "<function {}>", func.name),
            Value::Native(n) => write!(f, "<{} object>", n.type_name()),
            Value::Bound(n, m) => write!(f, "<bound method {}.{m}>", n.type_name()),
            Value::Class(c) => write!(f, "<class '{}'>", c.name),
            Value::Instance(i) => write!(f, "<{} object>", i.class.name),
        }
    }
}

/// A name → value table (a module's globals, a function's locals, a class's attributes).
pub type Scope = Rc<RefCell<HashMap<String, Value>>>;

/// A new, empty scope.
pub fn new_scope() -> Scope {
    Rc::new(RefCell::new(HashMap::new()))
}
