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
        _ => return None,
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
