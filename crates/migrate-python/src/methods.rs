//! Methods of the built-in types (`str`, `list`, `dict`) and `%` formatting.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use crate::builtins::to_str;
use crate::error::Exc;
use crate::eval::{Interp, dict_insert, iterate, order_values};
use crate::value::{Args, Native, Value};

/// A built-in value's method, bound to it.
struct ValueMethod {
    this: Value,
    name: String,
}

impl Native for ValueMethod {
    fn type_name(&self) -> &str {
        "builtin_function_or_method"
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match &self.this {
            Value::Str(s) => str_method(s, &self.name, args, interp),
            Value::List(l) => list_method(l, &self.name, args, interp),
            Value::Dict(d) => dict_method(d, &self.name, args, interp),
            other => Err(Exc::attribute(&other.type_name(), &self.name)),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const STR_METHODS: &[&str] = &[
    "format",
    "join",
    "split",
    "rsplit",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "startswith",
    "endswith",
    "replace",
    "find",
    "count",
    "isdigit",
    "title",
    "capitalize",
    "encode",
    "decode",
    "splitlines",
];
const LIST_METHODS: &[&str] = &[
    "append", "extend", "pop", "insert", "remove", "index", "sort", "reverse", "count", "add",
    "update", "discard",
];
const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "iteritems",
    "iterkeys",
    "itervalues",
    "setdefault",
    "pop",
    "update",
    "copy",
];

/// `value.name` for a built-in value: a bound method.
///
/// # Errors
/// `AttributeError`.
pub fn builtin_attr(value: &Value, name: &str) -> Result<Value, Exc> {
    let known = match value {
        Value::Str(_) => STR_METHODS.contains(&name),
        Value::List(_) => LIST_METHODS.contains(&name),
        Value::Dict(_) => DICT_METHODS.contains(&name),
        _ => false,
    };
    if !known {
        return Err(Exc::attribute(&value.type_name(), name));
    }
    Ok(Value::native(ValueMethod {
        this: value.clone(),
        name: name.to_string(),
    }))
}

fn arg_str<'v>(args: &'v Args, i: usize, method: &str) -> Result<&'v str, Exc> {
    args.pos
        .get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| Exc::type_error(format!("{method}() takes a string")))
}

fn strip_chars<'s>(
    s: &'s str,
    args: &Args,
    f: fn(&'s str, &dyn Fn(char) -> bool) -> &'s str,
) -> &'s str {
    match args.pos.first().and_then(Value::as_str) {
        Some(chars) => {
            let chars: Vec<char> = chars.chars().collect();
            f(s, &move |c| chars.contains(&c))
        }
        None => f(s, &|c: char| c.is_whitespace()),
    }
}

fn str_method(s: &str, name: &str, args: Args, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let text = |t: String| Ok(Value::str(t));
    match name {
        "format" => text(format_method(s, &args, interp)?),
        "join" => {
            let parts = iterate(
                args.pos
                    .first()
                    .ok_or_else(|| Exc::type_error("join() takes an iterable"))?,
                interp,
            )?;
            let parts: Vec<String> = parts
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| Exc::type_error("sequence item: expected str instance"))
                })
                .collect::<Result<_, _>>()?;
            text(parts.join(s))
        }
        "split" | "rsplit" => {
            let max = args
                .get(1, "maxsplit")
                .and_then(Value::as_int)
                .filter(|m| *m >= 0);
            let parts: Vec<Value> = match args.get(0, "sep").and_then(Value::as_str) {
                Some("") => return Err(Exc::value_error("empty separator")),
                Some(sep) => match (name, max) {
                    ("split", Some(m)) => s.splitn(m as usize + 1, sep).map(Value::str).collect(),
                    ("rsplit", Some(m)) => {
                        let mut v: Vec<Value> =
                            s.rsplitn(m as usize + 1, sep).map(Value::str).collect();
                        v.reverse();
                        v
                    }
                    _ => s.split(sep).map(Value::str).collect(),
                },
                None => s.split_whitespace().map(Value::str).collect(),
            };
            Ok(Value::list(parts))
        }
        "splitlines" => Ok(Value::list(s.lines().map(Value::str).collect())),
        "strip" => text(strip_chars(s, &args, |s, f| s.trim_matches(f)).to_string()),
        "lstrip" => text(strip_chars(s, &args, |s, f| s.trim_start_matches(f)).to_string()),
        "rstrip" => text(strip_chars(s, &args, |s, f| s.trim_end_matches(f)).to_string()),
        "lower" => text(s.to_lowercase()),
        "upper" => text(s.to_uppercase()),
        "title" => text(
            s.split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or_else(String::new, |f| {
                        f.to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect()
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "capitalize" => {
            let mut c = s.chars();
            text(c.next().map_or_else(String::new, |f| {
                f.to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect()
            }))
        }
        "startswith" | "endswith" => {
            let prefixes: Vec<String> = match args.pos.first() {
                Some(Value::Tuple(t)) => t
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => vec![arg_str(&args, 0, name)?.to_string()],
            };
            Ok(Value::Bool(prefixes.iter().any(|p| {
                if name == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                }
            })))
        }
        "replace" => text(s.replace(arg_str(&args, 0, name)?, arg_str(&args, 1, name)?)),
        "find" => Ok(Value::Int(
            s.find(arg_str(&args, 0, name)?)
                .map_or(-1, |i| s[..i].chars().count() as i64),
        )),
        "count" => Ok(Value::Int(
            s.matches(arg_str(&args, 0, name)?).count() as i64
        )),
        "isdigit" => Ok(Value::Bool(
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
        )),
        "encode" | "decode" => text(s.to_string()),
        _ => Err(Exc::attribute("str", name)),
    }
}

fn list_method(
    l: &Rc<RefCell<Vec<Value>>>,
    name: &str,
    args: Args,
    interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    let arg = |i: usize| {
        args.pos
            .get(i)
            .cloned()
            .ok_or_else(|| Exc::type_error(format!("{name}() takes an argument")))
    };
    match name {
        "append" => l.borrow_mut().push(arg(0)?),
        "add" => {
            let v = arg(0)?;
            if !l.borrow().iter().any(|x| x.py_eq(&v)) {
                l.borrow_mut().push(v);
            }
        }
        "extend" | "update" => {
            let items = iterate(&arg(0)?, interp)?;
            l.borrow_mut().extend(items);
        }
        "insert" => {
            let i = arg(0)?.as_int().unwrap_or(0);
            let mut v = l.borrow_mut();
            let at = if i < 0 {
                (v.len() as i64 + i).max(0)
            } else {
                i.min(v.len() as i64)
            } as usize;
            v.insert(at, arg(1)?);
        }
        "pop" => {
            let mut v = l.borrow_mut();
            if v.is_empty() {
                return Err(Exc::new("IndexError", "pop from empty list"));
            }
            let i = args.pos.first().and_then(Value::as_int).unwrap_or(-1);
            let at = if i < 0 { v.len() as i64 + i } else { i };
            let at = usize::try_from(at)
                .ok()
                .filter(|a| *a < v.len())
                .ok_or_else(|| Exc::new("IndexError", "pop index out of range"))?;
            return Ok(v.remove(at));
        }
        "remove" | "discard" => {
            let x = arg(0)?;
            let mut v = l.borrow_mut();
            match v.iter().position(|y| y.py_eq(&x)) {
                Some(i) => {
                    v.remove(i);
                }
                None if name == "discard" => {}
                None => return Err(Exc::value_error("list.remove(x): x not in list")),
            }
        }
        "index" => {
            let x = arg(0)?;
            return l
                .borrow()
                .iter()
                .position(|y| y.py_eq(&x))
                .map(|i| Value::Int(i as i64))
                .ok_or_else(|| Exc::value_error("x not in list"));
        }
        "count" => {
            let x = arg(0)?;
            return Ok(Value::Int(
                l.borrow().iter().filter(|y| y.py_eq(&x)).count() as i64,
            ));
        }
        "reverse" => l.borrow_mut().reverse(),
        "sort" => {
            let items = l.borrow().clone();
            let key = args
                .kw("key")
                .cloned()
                .filter(|k| !matches!(k, Value::None));
            let sorted = sort_values(items, key, args.flag("reverse", false), interp)?;
            *l.borrow_mut() = sorted;
        }
        _ => return Err(Exc::attribute("list", name)),
    }
    Ok(Value::None)
}

fn dict_method(
    d: &Rc<RefCell<Vec<(Value, Value)>>>,
    name: &str,
    args: Args,
    interp: &mut Interp<'_, '_>,
) -> Result<Value, Exc> {
    let key = || {
        args.pos
            .first()
            .cloned()
            .ok_or_else(|| Exc::type_error(format!("{name}() takes a key")))
    };
    let find = |k: &Value| {
        d.borrow()
            .iter()
            .find(|(x, _)| x.py_eq(k))
            .map(|(_, v)| v.clone())
    };
    match name {
        "get" => {
            Ok(find(&key()?).unwrap_or_else(|| args.pos.get(1).cloned().unwrap_or(Value::None)))
        }
        "keys" | "iterkeys" => Ok(Value::list(
            d.borrow().iter().map(|(k, _)| k.clone()).collect(),
        )),
        "values" | "itervalues" => Ok(Value::list(
            d.borrow().iter().map(|(_, v)| v.clone()).collect(),
        )),
        "items" | "iteritems" => Ok(Value::list(
            d.borrow()
                .iter()
                .map(|(k, v)| Value::Tuple(Rc::new(vec![k.clone(), v.clone()])))
                .collect(),
        )),
        "setdefault" => {
            let k = key()?;
            if let Some(v) = find(&k) {
                return Ok(v);
            }
            let v = args.pos.get(1).cloned().unwrap_or(Value::None);
            d.borrow_mut().push((k, v.clone()));
            Ok(v)
        }
        "pop" => {
            let k = key()?;
            let mut pairs = d.borrow_mut();
            match pairs.iter().position(|(x, _)| x.py_eq(&k)) {
                Some(i) => Ok(pairs.remove(i).1),
                None => args
                    .pos
                    .get(1)
                    .cloned()
                    .ok_or_else(|| Exc::new("KeyError", k.repr())),
            }
        }
        "update" => {
            let mut new_pairs = match args.pos.first() {
                Some(Value::Dict(other)) => other.borrow().clone(),
                Some(other) => iterate(other, interp)?
                    .iter()
                    .map(|kv| {
                        let kv = iterate(kv, interp)?;
                        Ok((kv[0].clone(), kv[1].clone()))
                    })
                    .collect::<Result<Vec<_>, Exc>>()?,
                None => Vec::new(),
            };
            new_pairs.extend(
                args.kw
                    .iter()
                    .map(|(k, v)| (Value::str(k.as_str()), v.clone())),
            );
            let mut pairs = d.borrow_mut();
            for (k, v) in new_pairs {
                dict_insert(&mut pairs, k, v);
            }
            Ok(Value::None)
        }
        "copy" => Ok(Value::Dict(Rc::new(RefCell::new(d.borrow().clone())))),
        _ => Err(Exc::attribute("dict", name)),
    }
}

/// Sorts `items`, by `key` when given, stably as Python does.
///
/// # Errors
/// Items that do not compare.
pub fn sort_values(
    items: Vec<Value>,
    key: Option<Value>,
    reverse: bool,
    interp: &mut Interp<'_, '_>,
) -> Result<Vec<Value>, Exc> {
    let mut keyed: Vec<(Value, Value)> = Vec::with_capacity(items.len());
    for item in items {
        let k = match &key {
            Some(f) => interp.call(f, Args::positional(vec![item.clone()]))?,
            None => item.clone(),
        };
        keyed.push((k, item));
    }
    let mut error = None;
    keyed.sort_by(|a, b| {
        order_values(&a.0, &b.0).unwrap_or_else(|e| {
            error.get_or_insert(e);
            std::cmp::Ordering::Equal
        })
    });
    if let Some(e) = error {
        return Err(e);
    }
    if reverse {
        keyed.reverse();
    }
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}

/// `"...".format(...)`: `{}`, `{0}`, `{name}`, `{{`/`}}`; format specs are not supported.
fn format_method(s: &str, args: &Args, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut auto = 0;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|c| *c != '}').collect();
                if field.contains([':', '!', '.', '[']) {
                    return Err(Exc::unsupported(
                        "format specs, conversions and field lookups in str.format",
                    ));
                }
                let value = if field.is_empty() {
                    auto += 1;
                    args.pos.get(auto - 1)
                } else if let Ok(i) = field.parse::<usize>() {
                    args.pos.get(i)
                } else {
                    args.kw(&field)
                };
                let value = value.ok_or_else(|| {
                    Exc::new(
                        "IndexError",
                        format!("replacement field {{{field}}} has no argument"),
                    )
                })?;
                out.push_str(&to_str(value, interp)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `fmt % args`: `%s`, `%r`, `%d`, `%i`, `%f`, `%%`, and `%(name)s` with a dict.
///
/// # Errors
/// A directive the subset does not know, or the wrong number of arguments.
pub fn percent_format(fmt: &str, args: &Value, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let positional: Vec<Value> = match args {
        Value::Tuple(t) => (**t).clone(),
        Value::Dict(_) => Vec::new(),
        other => vec![other.clone()],
    };
    let mut next = positional.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let value = if chars.peek() == Some(&'(') {
            chars.next();
            let name: String = chars.by_ref().take_while(|c| *c != ')').collect();
            Some(crate::eval::subscript(
                args,
                &Value::str(name.as_str()),
                interp,
            )?)
        } else {
            None
        };
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let directive = chars
            .next()
            .ok_or_else(|| Exc::value_error("incomplete format"))?;
        if directive == '%' {
            out.push('%');
            continue;
        }
        let value = match value {
            Some(v) => v,
            None => next
                .next()
                .ok_or_else(|| Exc::type_error("not enough arguments for format string"))?,
        };
        let text = match directive {
            's' => to_str(&value, interp)?,
            'r' => value.repr(),
            'd' | 'i' => value
                .as_float()
                .map(|f| format!("{}", f.trunc() as i64))
                .ok_or_else(|| Exc::type_error("%d format: a number is required"))?,
            'f' => {
                let digits = spec
                    .split('.')
                    .nth(1)
                    .and_then(|p| p.parse::<usize>().ok())
                    .unwrap_or(6);
                let f = value
                    .as_float()
                    .ok_or_else(|| Exc::type_error("%f format: a number is required"))?;
                spec.clear();
                format!("{f:.digits$}")
            }
            other => return Err(Exc::unsupported(format!("the %{other} format directive"))),
        };
        let width: usize = spec
            .trim_start_matches('-')
            .split('.')
            .next()
            .and_then(|w| w.parse().ok())
            .filter(|w| *w <= 10_000)
            .unwrap_or(0);
        if spec.starts_with('-') {
            out.push_str(&format!("{text:<width$}"));
        } else if spec.starts_with('0') && matches!(directive, 'd' | 'i' | 'f') {
            // `%05d`: zeros after any sign.
            let (sign, digits) = text
                .strip_prefix('-')
                .map_or(("", text.as_str()), |d| ("-", d));
            let pad = width.saturating_sub(sign.len());
            out.push_str(&format!("{sign}{digits:0>pad$}"));
        } else {
            out.push_str(&format!("{text:>width$}"));
        }
    }
    if next.next().is_some() {
        return Err(Exc::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(Value::str(out))
}
