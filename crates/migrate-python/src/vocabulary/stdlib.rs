//! The standard library modules migration scripts use, as far as they use them.

use crate::builtins::Builtin;
use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::modules::module as make_module;
use crate::value::{Args, Value};

fn logger() -> Value {
    // What a migration logs is kept for the step's messages (a downgrade that only logs is
    // refused with what it said).
    let record: fn(Args, &mut Interp<'_, '_>) -> Result<Value, Exc> = |a, i| {
        if let Some(first) = a.pos.first() {
            let text = match a.pos.get(1) {
                Some(args) => {
                    crate::methods::percent_format(&first.to_string(), args, i)?.to_string()
                }
                None => first.to_string(),
            };
            i.logged.push(text);
        }
        Ok(Value::None)
    };
    make_module(
        "logger",
        [
            "debug",
            "info",
            "warning",
            "warn",
            "error",
            "exception",
            "critical",
        ]
        .into_iter()
        .map(|n| (n, Builtin::value("log", record)))
        .collect(),
    )
}

/// The module `name`, if the subset provides it.
pub fn module(name: &str) -> Option<Value> {
    let items: Vec<(&str, Value)> = match name {
        "logging" | "oslo_log.log" => vec![(
            "getLogger",
            Builtin::value("getLogger", |_, _| Ok(logger())),
        )],
        "oslo_log" => vec![("log", module("oslo_log.log")?)],
        "six" => vec![
            ("iteritems", Builtin::value("iteritems", six_items)),
            (
                "iterkeys",
                Builtin::value("iterkeys", |a, i| {
                    i.call_method(
                        a.pos.first().unwrap_or(&Value::None),
                        "keys",
                        Args::default(),
                    )
                }),
            ),
            (
                "itervalues",
                Builtin::value("itervalues", |a, i| {
                    i.call_method(
                        a.pos.first().unwrap_or(&Value::None),
                        "values",
                        Args::default(),
                    )
                }),
            ),
            (
                "text_type",
                Builtin::value("text_type", |a, i| {
                    Ok(Value::str(crate::builtins::to_str(
                        a.pos.first().unwrap_or(&Value::None),
                        i,
                    )?))
                }),
            ),
            ("string_types", Value::Tuple(std::rc::Rc::new(vec![]))),
            (
                "moves",
                make_module(
                    "six.moves",
                    vec![(
                        "range",
                        Builtin::value("range", |a, i| {
                            let range = i
                                .builtins
                                .borrow()
                                .get("range")
                                .cloned()
                                .unwrap_or(Value::None);
                            i.call(&range, a)
                        }),
                    )],
                ),
            ),
        ],
        "six.moves" => vec![(
            "range",
            Builtin::value("range", |a, i| {
                let range = i
                    .builtins
                    .borrow()
                    .get("range")
                    .cloned()
                    .unwrap_or(Value::None);
                i.call(&range, a)
            }),
        )],
        "copy" => vec![
            ("copy", Builtin::value("copy", shallow_copy)),
            ("deepcopy", Builtin::value("deepcopy", shallow_copy)),
        ],
        "itertools" => vec![(
            "chain",
            Builtin::value("chain", |a, i| {
                let mut out = Vec::new();
                for part in &a.pos {
                    out.extend(iterate(part, i)?);
                }
                Ok(Value::list(out))
            }),
        )],
        other => more(other)?,
    };
    Some(make_module(name, items))
}

fn six_items(a: Args, i: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let d = a.pos.first().cloned().unwrap_or(Value::None);
    i.call_method(&d, "items", Args::default())
}

fn shallow_copy(a: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    Ok(match a.pos.first().cloned().unwrap_or(Value::None) {
        Value::List(l) => Value::list(l.borrow().clone()),
        Value::Dict(d) => Value::Dict(std::rc::Rc::new(std::cell::RefCell::new(
            d.borrow().clone(),
        ))),
        other => other,
    })
}

/// `datetime`, `time`, `uuid`, `json`.
pub fn more(name: &str) -> Option<Vec<(&'static str, Value)>> {
    Some(match name {
        "datetime" => super::datetime::module_items(),
        "time" => vec![(
            "time",
            Builtin::value("time", |_, _| {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                Ok(Value::Float(t))
            }),
        )],
        "json" => vec![
            (
                "dumps",
                Builtin::value("dumps", |a, i| {
                    let sort = a.flag("sort_keys", false);
                    let v = a.pos.first().cloned().unwrap_or_default();
                    Ok(Value::str(json_dumps(&v, sort, i)?))
                }),
            ),
            (
                "loads",
                Builtin::value("loads", |a, _| {
                    let text = a
                        .pos
                        .first()
                        .and_then(Value::as_str)
                        .ok_or_else(|| Exc::type_error("loads() takes a str"))?;
                    let parsed: serde_json::Value =
                        serde_json::from_str(text).map_err(|e| Exc::value_error(e.to_string()))?;
                    Ok(from_json(&parsed))
                }),
            ),
        ],
        _ => return None,
    })
}

/// A parsed JSON document as Python's `json.loads` gives it.
fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Dict(std::rc::Rc::new(std::cell::RefCell::new(
            o.iter()
                .map(|(k, v)| (Value::str(k.as_str()), from_json(v)))
                .collect(),
        ))),
    }
}

/// Python's `json.dumps` with its default separators.
fn json_dumps(v: &Value, sort: bool, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
    interp.expr_depth += 1;
    let out = if interp.expr_depth > 100 {
        Err(Exc::value_error("Circular reference detected"))
    } else {
        json_value(v, sort, interp)
    };
    interp.expr_depth -= 1;
    out
}

fn json_value(v: &Value, sort: bool, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
    Ok(match v {
        Value::None => "null".into(),
        Value::Bool(b) => {
            if *b {
                "true".into()
            } else {
                "false".into()
            }
        }
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{}", Value::Float(*f)),
        Value::Str(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Value::List(_) | Value::Tuple(_) => {
            let items: Vec<String> = iterate(v, interp)?
                .iter()
                .map(|x| json_dumps(x, sort, interp))
                .collect::<Result<_, _>>()?;
            format!("[{}]", items.join(", "))
        }
        Value::Dict(d) => {
            let mut pairs = d.borrow().clone();
            if sort {
                pairs.sort_by_key(|a| a.0.to_string());
            }
            let items: Vec<String> = pairs
                .iter()
                .map(|(k, x)| {
                    Ok(format!(
                        "{}: {}",
                        json_dumps(&Value::str(k.to_string()), sort, interp)?,
                        json_dumps(x, sort, interp)?
                    ))
                })
                .collect::<Result<_, Exc>>()?;
            format!("{{{}}}", items.join(", "))
        }
        other => {
            return Err(Exc::type_error(format!(
                "Object of type {} is not JSON serializable",
                other.type_name()
            )));
        }
    })
}
