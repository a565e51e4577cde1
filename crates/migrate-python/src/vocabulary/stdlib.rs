//! The standard library modules migration scripts use, as far as they use them.

use crate::builtins::Builtin;
use crate::error::Exc;
use crate::eval::{Interp, iterate};
use crate::modules::module as make_module;
use crate::value::{Args, Value};

fn logger() -> Value {
    let quiet: fn(Args, &mut Interp<'_, '_>) -> Result<Value, Exc> = |_, _| Ok(Value::None);
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
        .map(|n| (n, Builtin::value("log", quiet)))
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

/// A `datetime.datetime` or `datetime.date`.
pub struct DateTime {
    parts: [i64; 7],
    date_only: bool,
}

impl DateTime {
    /// As the database is given it (SQLAlchemy's SQLite storage format, which the servers
    /// accept too).
    pub fn sql_text(&self) -> String {
        let [y, mo, d, h, mi, s, us] = self.parts;
        if self.date_only {
            return format!("{y:04}-{mo:02}-{d:02}");
        }
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
    }
}

impl crate::value::Native for DateTime {
    fn type_name(&self) -> &str {
        if self.date_only { "date" } else { "datetime" }
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        let i = [
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "microsecond",
        ]
        .iter()
        .position(|n| *n == name);
        Ok(i.map(|i| Value::Int(self.parts[i])))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "isoformat" | "strftime" | "__str__")
    }
    fn call_method(
        &self,
        _: &std::rc::Rc<dyn crate::value::Native>,
        name: &str,
        _: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "isoformat" => Ok(Value::str(
                self.sql_text()
                    .replacen(' ', "T", 1)
                    .trim_end_matches(".000000")
                    .to_string(),
            )),
            "__str__" => Ok(Value::str(
                self.sql_text().trim_end_matches(".000000").to_string(),
            )),
            _ => Err(Exc::unsupported(format!("datetime.{name}()"))),
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn datetime_new(a: Args, date_only: bool) -> Result<Value, Exc> {
    let mut parts = [0, 1, 1, 0, 0, 0, 0];
    for (i, v) in a.pos.iter().enumerate().take(if date_only { 3 } else { 7 }) {
        parts[i] = v
            .as_int()
            .ok_or_else(|| Exc::type_error("datetime() takes integers"))?;
    }
    Ok(Value::native(DateTime { parts, date_only }))
}

fn now_parts() -> [i64; 7] {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    [y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, 0]
}

/// `datetime`, `time`, `uuid`, `json`.
pub fn more(name: &str) -> Option<Vec<(&'static str, Value)>> {
    Some(match name {
        "datetime" => {
            let ctor = Builtin::value("datetime", |a, _| datetime_new(a, false));
            vec![
                ("datetime", make_module_callable("datetime", ctor)),
                ("date", Builtin::value("date", |a, _| datetime_new(a, true))),
            ]
        }
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
        "json" => vec![(
            "dumps",
            Builtin::value("dumps", |a, i| {
                Ok(Value::str(json_dumps(
                    a.pos.first().unwrap_or(&Value::None),
                    i,
                )?))
            }),
        )],
        _ => return None,
    })
}

/// `datetime.datetime`: callable, with `utcnow()` and `now()`.
struct DateTimeClass(Value);

impl crate::value::Native for DateTimeClass {
    fn type_name(&self) -> &str {
        "type:datetime"
    }
    fn call(
        &self,
        _: &std::rc::Rc<dyn crate::value::Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        interp.call(&self.0, args)
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "utcnow" | "now")
    }
    fn call_method(
        &self,
        _: &std::rc::Rc<dyn crate::value::Native>,
        _: &str,
        _: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        Ok(Value::native(DateTime {
            parts: now_parts(),
            date_only: false,
        }))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn make_module_callable(_: &str, ctor: Value) -> Value {
    Value::native(DateTimeClass(ctor))
}

/// Python's `json.dumps` with its default separators.
fn json_dumps(v: &Value, interp: &mut Interp<'_, '_>) -> Result<String, Exc> {
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
                .map(|x| json_dumps(x, interp))
                .collect::<Result<_, _>>()?;
            format!("[{}]", items.join(", "))
        }
        Value::Dict(d) => {
            let pairs = d.borrow().clone();
            let items: Vec<String> = pairs
                .iter()
                .map(|(k, x)| {
                    Ok(format!(
                        "{}: {}",
                        json_dumps(&Value::str(k.to_string()), interp)?,
                        json_dumps(x, interp)?
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
