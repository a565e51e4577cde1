//! Helpers the three reflectors share: reading query rows and turning a database's spelling
//! of defaults back into the model's.

use std::collections::BTreeMap;

use crate::connection::Value;
use crate::schema::{DefaultValue, Schema, Table};

/// Text of column `i` of `row` ("" for NULL).
pub(crate) fn text(row: &[Value], i: usize) -> String {
    match row.get(i) {
        Some(Value::Text(t)) => t.clone(),
        Some(Value::Int(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Text of column `i`, `None` for NULL.
pub(crate) fn opt_text(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Null) | None => None,
        _ => Some(text(row, i)),
    }
}

/// Integer of column `i`.
pub(crate) fn int(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(Value::as_int)
}

/// A default as the database shows it (`'abc'`, `'abc'::character varying`, `0`, `true`,
/// `CURRENT_TIMESTAMP`), back in the model's terms.
pub(crate) fn parse_default(raw: &str) -> Option<DefaultValue> {
    let s = raw.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("NULL") {
        return None;
    }
    let unquoted = s.split("::").next().unwrap_or(s).trim();
    if unquoted.eq_ignore_ascii_case("NULL") {
        return None;
    }
    if let Some(inner) = unquoted
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
    {
        return Some(DefaultValue::Text(
            inner.replace("''", "'").replace("\\\\", "\\"),
        ));
    }
    if unquoted.parse::<f64>().is_ok() {
        return Some(DefaultValue::Number(
            unquoted
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_string(),
        ));
    }
    match unquoted.to_ascii_lowercase().as_str() {
        "true" => Some(DefaultValue::Bool(true)),
        "false" => Some(DefaultValue::Bool(false)),
        _ => Some(DefaultValue::Expression(s.to_string())),
    }
}

/// Builds the schema from tables gathered by name, in name order, leaving out `exclude`.
pub(crate) fn finish(tables: BTreeMap<String, Table>, exclude: &[&str]) -> Schema {
    Schema {
        tables: tables
            .into_values()
            .filter(|t| !exclude.contains(&t.name.as_str()))
            .collect(),
        dependents: Vec::new(),
    }
}

/// Splits a list the catalog query joined with the unit separator.
pub(crate) fn list(s: &str) -> Vec<String> {
    s.split('\u{1f}')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_back() {
        assert_eq!(
            parse_default("'{}'::text"),
            Some(DefaultValue::Text("{}".into()))
        );
        assert_eq!(
            parse_default("'it''s'"),
            Some(DefaultValue::Text("it's".into()))
        );
        assert_eq!(parse_default("0"), Some(DefaultValue::Number("0".into())));
        assert_eq!(parse_default("true"), Some(DefaultValue::Bool(true)));
        assert_eq!(parse_default("NULL"), None);
        assert_eq!(
            parse_default("current_timestamp()"),
            Some(DefaultValue::Expression("current_timestamp()".into()))
        );
    }
}
