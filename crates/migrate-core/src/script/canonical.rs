//! The text a portable script's checksum sees: its TOML value, written canonically.
//!
//! Parsing with a TOML parser, not the SQL lexer, is what makes every valid TOML file
//! checksummable (`'C:\'` is a literal string, a `"""` string may hold `"`), and it makes the
//! checksum see exactly what the file means: comments, whitespace, quoting style and key
//! order do not count, every value does. The form is written here, not by the `toml` crate's
//! serializer, so a recorded checksum never changes with the crate's formatting choices.

use std::fmt::Write;

/// `text`'s value in canonical form: tables with sorted keys, strings JSON-quoted.
///
/// # Errors
/// The parser's error when `text` is not TOML.
pub fn canonical_toml(text: &str) -> Result<String, toml::de::Error> {
    let value: toml::Table = toml::from_str(text)?;
    let mut out = String::with_capacity(text.len());
    write_table(&mut out, &value);
    Ok(out)
}

fn write_table(out: &mut String, table: &toml::Table) {
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, &table[key.as_str()]);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &toml::Value) {
    match value {
        toml::Value::String(s) => write_string(out, s),
        toml::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        // `{:?}` is Rust's shortest round-trip form, with a `.0` that keeps 1.0 apart from 1.
        toml::Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "datetime({d})");
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        toml::Value::Table(t) => write_table(out, t),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::canonical_toml;

    #[test]
    fn valid_toml_the_sql_lexer_refused_is_normalised() {
        for text in [
            "[[upgrade]]\nadd_column = { table = 't', column = { name = 'c', type = 'Text', default = 'C:\\' } }\n",
            "[[upgrade]]\nsql = \"\"\"\nINSERT INTO t VALUES (\"x\");\n\"\"\"\n",
            "[[upgrade]]\nsql = '''it's \"here\"'''\n",
        ] {
            canonical_toml(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn comments_layout_quoting_and_key_order_do_not_count() {
        let a = "# first\n[[upgrade]]\ndrop_table = \"books\"  # gone\n\n[[upgrade]]\nsql = { sqlite = 'x', default = \"y\" }\n";
        let b = "[[upgrade]]\r\n  drop_table = 'books'\r\n[[upgrade]]\r\nsql.default = 'y'\r\nsql.sqlite = \"x\"\r\n";
        assert_eq!(canonical_toml(a).unwrap(), canonical_toml(b).unwrap());
    }

    #[test]
    fn every_value_counts() {
        let base = canonical_toml("v = { a = 1, b = 'x', c = [1.0, true] }").unwrap();
        for edited in [
            "v = { a = 2, b = 'x', c = [1.0, true] }",
            "v = { a = 1, b = 'x ', c = [1.0, true] }",
            "v = { a = 1, b = 'x', c = [1, true] }",
            "v = { a = 1, b = 'x', c = [true, 1.0] }",
            "v = { a = 1, bb = 'x', c = [1.0, true] }",
            "v = { a = 1, b = \"x\\\"\", c = [1.0, true] }",
        ] {
            assert_ne!(canonical_toml(edited).unwrap(), base, "{edited}");
        }
    }
}
