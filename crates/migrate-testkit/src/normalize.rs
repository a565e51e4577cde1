//! What `dump_schema.py` does the same way for every database: Python's JSON text
//! (`json.dumps`), its float `repr`, the `jsonable()` conversions of dates, times and bytes,
//! and `sort_rows()`.

use serde_json::{Map, Number, Value as Json};

use migrate_core::{DbError, Value};

/// How a column's value, read as text or integer, becomes what Python's driver returns and
/// `jsonable()` makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Integers stay numbers.
    Int,
    /// A PostgreSQL boolean, read as 0/1.
    Bool,
    /// A float, read as its text.
    Float,
    /// Text, `Decimal` (its `str()`), UUIDs and the rest: a string.
    Text,
    /// Bytes, read as hex digits: `0x…` in lower case.
    Hex,
    /// A datetime read as `YYYY-MM-DD HH:MM:SS[.f]` (or with a `T`): `isoformat()`.
    DateTime,
    /// A `datetime.time` read as `HH:MM:SS[.f]`: `isoformat()`.
    TimeOfDay,
    /// A MySQL `TIME`, which PyMySQL returns as a `timedelta`: `str(timedelta)`.
    Duration,
    /// JSON text (PostgreSQL `json`/`jsonb`), which psycopg2 parses.
    Json,
}

/// Converts one value read with the select list `kind` asked for.
pub(crate) fn jsonable(value: &Value, kind: Kind) -> Json {
    let text = match value {
        Value::Null => return Json::Null,
        Value::Int(i) => {
            return match kind {
                Kind::Bool => Json::Bool(*i != 0),
                _ => Json::from(*i),
            };
        }
        Value::Text(t) => t.as_str(),
        other => return Json::String(other.to_string()),
    };
    match kind {
        Kind::Int => int_from_text(text),
        Kind::Bool => Json::Bool(matches!(text, "1" | "t" | "true")),
        Kind::Float => text.trim().parse::<f64>().map_or_else(
            |_| Json::String(text.to_string()),
            |f| Number::from_f64(f).map_or(Json::Null, Json::Number),
        ),
        Kind::Text => Json::String(text.to_string()),
        Kind::Hex => Json::String(format!("0x{}", even_hex(&text.to_ascii_lowercase()))),
        Kind::DateTime => Json::String(iso_datetime(text).unwrap_or_else(|| text.to_string())),
        Kind::TimeOfDay => Json::String(iso_time(text).unwrap_or_else(|| text.to_string())),
        Kind::Duration => Json::String(timedelta(text).unwrap_or_else(|| text.to_string())),
        Kind::Json => serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_string())),
    }
}

fn int_from_text(text: &str) -> Json {
    if let Ok(i) = text.parse::<i64>() {
        Json::from(i)
    } else if let Ok(u) = text.parse::<u64>() {
        Json::from(u)
    } else {
        Json::String(text.to_string())
    }
}

fn even_hex(hex: &str) -> String {
    if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_string()
    }
}

/// Six digits of microseconds, or `None` when they are all zero (`isoformat()` leaves them
/// out then).
fn micros(fraction: &str) -> Option<Option<String>> {
    if fraction.is_empty() {
        return Some(None);
    }
    if fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{fraction:0<6}");
    Some((padded != "000000").then_some(padded))
}

fn iso_time(text: &str) -> Option<String> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    Some(match micros(fraction)? {
        Some(us) => format!("{hms}.{us}"),
        None => hms.to_string(),
    })
}

/// `datetime.isoformat()` of a datetime the database printed; `None` for what Python's driver
/// would not parse either (a zero date), which PyMySQL then returns as the string itself.
fn iso_datetime(text: &str) -> Option<String> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let ymd: Vec<&str> = date.split('-').collect();
    if ymd.len() != 3
        || ymd
            .iter()
            .any(|p| p.parse::<u32>().ok().filter(|n| *n > 0).is_none())
    {
        return None;
    }
    Some(format!("{date}T{}", iso_time(time)?))
}

/// `str(datetime.timedelta)` of a MySQL `TIME` (`[-]H:MM:SS[.ffffff]`, hours up to 838).
fn timedelta(text: &str) -> Option<String> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (hms, fraction) = body.split_once('.').unwrap_or((body, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let us: i64 = micros(fraction)?.map_or(0, |f| f.parse().unwrap_or(0));
    let mut total = ((h * 60 + m) * 60 + s) * 1_000_000 + us;
    if negative {
        total = -total;
    }
    let days = total.div_euclid(86_400_000_000);
    let rest = total.rem_euclid(86_400_000_000);
    let (secs, us) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = String::new();
    if days != 0 {
        let plural = if days.abs() == 1 { "" } else { "s" };
        out.push_str(&format!("{days} day{plural}, "));
    }
    out.push_str(&format!(
        "{}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    Some(out)
}

/// Python's `repr(float)`: the shortest digits that read back the same, in fixed notation
/// for exponents -4..16, else `d.ddde+XX`.
pub(crate) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let body = if (-4..16).contains(&exp) {
        if exp < 0 {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let tail = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{tail}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// The text of Python's `json.dumps(value, sort_keys=True, indent=…, ensure_ascii=…)`.
pub fn python_json(value: &Json, indent: Option<usize>, ensure_ascii: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent, ensure_ascii, 0);
    out
}

fn write_json(out: &mut String, value: &Json, indent: Option<usize>, ascii: bool, level: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&python_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Json::String(s) => write_string(out, s, ascii),
        Json::Array(items) => {
            let items: Vec<&Json> = items.iter().collect();
            write_container(out, ('[', ']'), items.len(), indent, level, |out, i| {
                write_json(out, items[i], indent, ascii, level + 1);
            });
        }
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            write_container(out, ('{', '}'), keys.len(), indent, level, |out, i| {
                write_string(out, keys[i], ascii);
                out.push_str(": ");
                write_json(out, &map[keys[i]], indent, ascii, level + 1);
            });
        }
    }
}

fn write_container(
    out: &mut String,
    (open, close): (char, char),
    len: usize,
    indent: Option<usize>,
    level: usize,
    mut item: impl FnMut(&mut String, usize),
) {
    out.push(open);
    if len == 0 {
        out.push(close);
        return;
    }
    for i in 0..len {
        match indent {
            Some(n) => {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&" ".repeat(n * (level + 1)));
            }
            None if i > 0 => out.push_str(", "),
            None => {}
        }
        item(out, i);
    }
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
    out.push(close);
}

fn write_string(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `sort_rows()`: rows ordered by their `json.dumps(row, sort_keys=True)` text.
pub(crate) fn sort_rows(rows: &mut [Vec<Json>]) {
    rows.sort_by_cached_key(|row| python_json(&Json::Array(row.clone()), None, true));
}

/// Builds a JSON object from pairs.
pub(crate) fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.to_string(), v);
    }
    Json::Object(map)
}

/// A text value, or JSON null.
pub(crate) fn text_or_null(value: &Value) -> Json {
    match value {
        Value::Text(t) => Json::String(t.clone()),
        Value::Int(i) => Json::String(i.to_string()),
        _ => Json::Null,
    }
}

/// An integer cell, or an error naming what was expected.
pub(crate) fn int(value: &Value, what: &str) -> Result<i64, DbError> {
    value
        .as_int()
        .ok_or_else(|| DbError::new(format!("expected an integer for {what}, got {value}")))
}

/// A text cell (empty for NULL).
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

/// Names and rows of a table's data, the way `rows_of()` returns them.
pub(crate) type Rows = (Vec<String>, Vec<Vec<Json>>);

/// The top-level `version_rows` and `data` entries, shared by every dialect: `rows_of`
/// reads one table.
pub(crate) fn finish(
    out: &mut Map<String, Json>,
    with_data: bool,
    mut rows_of: impl FnMut(&str) -> Result<Rows, DbError>,
) -> Result<(), DbError> {
    let tables: Vec<String> = out
        .get("tables")
        .and_then(Json::as_object)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let version_rows = if tables.iter().any(|t| t == "migrate_version") {
        let (names, rows) = rows_of("migrate_version")?;
        let find = |name: &str| {
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| DbError::new(format!("migrate_version has no column {name}")))
        };
        let (repo, version) = (find("repository_id")?, find("version")?);
        let mut pairs: Vec<Vec<Json>> = rows
            .iter()
            .map(|r| vec![r[repo].clone(), r[version].clone()])
            .collect();
        sort_rows(&mut pairs);
        Json::Array(pairs.into_iter().map(Json::Array).collect())
    } else {
        Json::Null
    };
    out.insert("version_rows".into(), version_rows);
    if with_data {
        let mut data = Map::new();
        for t in tables.iter().filter(|t| *t != "migrate_version") {
            let (names, mut rows) = rows_of(t)?;
            sort_rows(&mut rows);
            let rows = rows.into_iter().map(Json::Array).collect();
            data.insert(
                t.clone(),
                object([("columns", Json::from(names)), ("rows", Json::Array(rows))]),
            );
        }
        if !data.is_empty() {
            out.insert("data".into(), Json::Object(data));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456789.125, "123456789.125"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float(f), want, "{f}");
        }
    }

    #[test]
    fn json_text_matches_python() {
        let v: Json = serde_json::from_str(r#"{"b": [1, "é\u0001"], "a": {}, "c": []}"#).unwrap();
        assert_eq!(
            python_json(&v, Some(2), false),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"é\\u0001\"\n  ],\n  \"c\": []\n}"
        );
        assert_eq!(
            python_json(&v, None, true),
            r#"{"a": {}, "b": [1, "\u00e9\u0001"], "c": []}"#
        );
    }

    #[test]
    fn dates_and_durations_as_python_prints_them() {
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(
            jsonable(&text("2024-01-02 03:04:05"), Kind::DateTime),
            "2024-01-02T03:04:05"
        );
        assert_eq!(
            jsonable(&text("2024-01-02 03:04:05.500"), Kind::DateTime),
            "2024-01-02T03:04:05.500000"
        );
        assert_eq!(
            jsonable(&text("0000-00-00 00:00:00"), Kind::DateTime),
            "0000-00-00 00:00:00"
        );
        assert_eq!(
            jsonable(&text("25:00:01"), Kind::Duration),
            "1 day, 1:00:01"
        );
        assert_eq!(
            jsonable(&text("-01:00:00"), Kind::Duration),
            "-1 day, 23:00:00"
        );
        assert_eq!(jsonable(&text("AB1"), Kind::Hex), "0x0ab1");
    }
}
