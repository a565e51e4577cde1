//! `dump_sqlite()`: `sqlite_master`, `PRAGMA table_xinfo / index_list / index_info /
//! foreign_key_list`, and the constraint names only the `CREATE TABLE` text holds.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use migrate_core::{Connection, DbError, Value};
use regex::Regex;
use serde_json::{Map, Value as Json};

use crate::normalize::{self, Kind, Rows, int, object, text, text_or_null};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid pattern")
}

static PK_NAME: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)CONSTRAINT\s+(\S+)\s+PRIMARY\s+KEY"));
static AUTOINCREMENT: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\bAUTOINCREMENT\b"));
static UNIQUE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:CONSTRAINT\s+(\S+)\s+)?UNIQUE\s*\("));
static FK_NAME: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)CONSTRAINT\s+(\S+)\s+FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+(\S+?)\s*\(")
});
static CHECK: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:CONSTRAINT\s+(\S+)\s+)?CHECK\s*\("));

/// `_strip_ident()`: trims, then drops one pair of quote characters.
fn strip_ident(s: &str) -> String {
    let s = s.trim();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 2 && "\"`[".contains(chars[0]) && "\"`]".contains(chars[chars.len() - 1]) {
        chars[1..chars.len() - 1].iter().collect()
    } else {
        s.to_string()
    }
}

/// `sql[start:_balanced(sql, start - 1) - 1]`: the text inside the parenthesis that opens just
/// before `start`, up to its matching `)` (or all but the last character when unbalanced).
fn inside(sql: &str, start: usize) -> &str {
    let bytes = sql.as_bytes();
    let (mut depth, mut in_str) = (0i32, None);
    for (i, &c) in bytes.iter().enumerate().skip(start - 1) {
        match in_str {
            Some(q) if c == q => in_str = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => in_str = Some(c),
            None if c == b'(' => depth += 1,
            None if c == b')' => {
                depth -= 1;
                if depth == 0 {
                    return &sql[start..i];
                }
            }
            None => {}
        }
    }
    let last = sql.char_indices().last().map_or(sql.len(), |(i, _)| i);
    sql.get(start..last.max(start)).unwrap_or("")
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

pub(crate) fn dump(conn: &mut dyn Connection, with_data: bool) -> Result<Json, DbError> {
    let version = conn.query("SELECT sqlite_version()", &[])?;
    let mut out = Map::new();
    out.insert("dialect".into(), "sqlite".into());
    out.insert("server_version".into(), text_or_null(&version[0][0]));
    out.insert("database".into(), Json::Object(Map::new()));
    let mut tables = Map::new();
    let mut columns_of = BTreeMap::new();
    for row in conn.query(
        "SELECT name, sql FROM sqlite_master WHERE type='table' \
         AND name NOT LIKE 'sqlite_%' ORDER BY name",
        &[],
    )? {
        let name = text(&row[0]);
        let (table, select) = table(conn, &name, &text(&row[1]))?;
        columns_of.insert(name.clone(), select);
        tables.insert(name, table);
    }
    out.insert("tables".into(), Json::Object(tables));
    normalize::finish(&mut out, with_data, |t| rows_of(conn, t, &columns_of[t]))?;
    Ok(Json::Object(out))
}

/// One table, and the names of the columns `SELECT *` returns.
fn table(conn: &mut dyn Connection, name: &str, sql: &str) -> Result<(Json, Vec<String>), DbError> {
    let info = conn.query(&format!("PRAGMA table_xinfo({})", quoted(name)), &[])?;
    let mut pkcols: Vec<(i64, String)> = Vec::new();
    for r in &info {
        let pk = int(&r[5], "pk")?;
        if pk != 0 {
            pkcols.push((pk, text(&r[1])));
        }
    }
    pkcols.sort();
    let mut cols = Vec::new();
    let mut select = Vec::new();
    for r in &info {
        let (ctype, pk, hidden) = (text(&r[2]), int(&r[5], "pk")?, int(&r[6], "hidden")?);
        let rowid_alias = pkcols.len() == 1 && pk == 1 && ctype.to_uppercase() == "INTEGER";
        let mut col = object([
            ("name", text_or_null(&r[1])),
            ("type", Json::String(ctype)),
            ("nullable", Json::Bool(int(&r[3], "notnull")? == 0)),
            ("default", text_or_null(&r[4])),
            ("autoincrement", Json::Bool(rowid_alias)),
        ]);
        if hidden != 0 {
            col["hidden"] = Json::from(hidden);
        }
        if hidden != 1 {
            select.push(text(&r[1]));
        }
        cols.push(col);
    }
    let mut t = Map::new();
    let any_auto = cols.iter().any(|c| c["autoincrement"] == Json::Bool(true));
    t.insert("columns".into(), Json::Array(cols));
    let pk_name = PK_NAME
        .captures(sql)
        .map_or(Json::Null, |m| strip_ident(&m[1]).into());
    let pk = if pkcols.is_empty() {
        Json::Null
    } else {
        let names: Vec<String> = pkcols.into_iter().map(|(_, n)| n).collect();
        object([("name", pk_name), ("columns", names.into())])
    };
    t.insert("primary_key".into(), pk);
    if any_auto {
        t.insert(
            "sqlite_autoincrement_keyword".into(),
            AUTOINCREMENT.is_match(sql).into(),
        );
    }
    t.insert("indexes".into(), indexes(conn, name)?);
    t.insert("unique_constraints".into(), unique_constraints(sql));
    t.insert("foreign_keys".into(), foreign_keys(conn, name, sql)?);
    t.insert("check_constraints".into(), check_constraints(sql));
    Ok((Json::Object(t), select))
}

fn indexes(conn: &mut dyn Connection, table: &str) -> Result<Json, DbError> {
    let mut idxs = Vec::new();
    for r in conn.query(&format!("PRAGMA index_list({})", quoted(table)), &[])? {
        let (iname, origin) = (text(&r[1]), text(&r[3]));
        if origin == "pk" {
            continue;
        }
        let mut info = conn.query(&format!("PRAGMA index_info({})", quoted(&iname)), &[])?;
        info.sort_by_key(|c| (c[0].as_int(), c[1].as_int()));
        let icols: Vec<Json> = info.iter().map(|c| text_or_null(&c[2])).collect();
        idxs.push((
            iname.clone(),
            object([
                ("name", iname.into()),
                ("unique", Json::Bool(int(&r[2], "unique")? != 0)),
                ("columns", Json::Array(icols)),
                ("origin", origin.into()),
            ]),
        ));
    }
    idxs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Json::Array(idxs.into_iter().map(|(_, i)| i).collect()))
}

fn name_of(m: Option<regex::Match<'_>>) -> Option<String> {
    m.map(|m| strip_ident(m.as_str()))
}

/// Sorts `(name or "", key)` pairs the way Python sorts those tuples and keeps the values.
fn sorted_by_name<K: Ord>(mut items: Vec<(Option<String>, K, Json)>) -> Json {
    items.sort_by(|a, b| {
        (a.0.as_deref().unwrap_or(""), &a.1).cmp(&(b.0.as_deref().unwrap_or(""), &b.1))
    });
    Json::Array(items.into_iter().map(|(_, _, v)| v).collect())
}

fn unique_constraints(sql: &str) -> Json {
    let mut uqs = Vec::new();
    for m in UNIQUE.captures_iter(sql) {
        let end = m.get(0).map_or(0, |m| m.end());
        let columns: Vec<String> = inside(sql, end).split(',').map(strip_ident).collect();
        let name = name_of(m.get(1));
        let value = object([
            ("name", name.clone().into()),
            ("columns", columns.clone().into()),
        ]);
        uqs.push((name, columns, value));
    }
    sorted_by_name(uqs)
}

fn check_constraints(sql: &str) -> Json {
    let mut checks = Vec::new();
    for m in CHECK.captures_iter(sql) {
        let end = m.get(0).map_or(0, |m| m.end());
        let sqltext = inside(sql, end).trim().to_string();
        let name = name_of(m.get(1));
        let value = object([
            ("name", name.clone().into()),
            ("sqltext", sqltext.clone().into()),
        ]);
        checks.push((name, sqltext, value));
    }
    sorted_by_name(checks)
}

fn foreign_keys(conn: &mut dyn Connection, table: &str, sql: &str) -> Result<Json, DbError> {
    let mut fk_names: BTreeMap<(Vec<String>, String), String> = BTreeMap::new();
    for m in FK_NAME.captures_iter(sql) {
        let cols = m[2].split(',').map(strip_ident).collect();
        fk_names.insert((cols, strip_ident(&m[3])), strip_ident(&m[1]));
    }
    // (id, columns, referred table, referred columns, on update, on delete), first-seen order
    type Fk = (i64, Vec<String>, Value, Vec<Json>, Value, Value);
    let mut fks: Vec<Fk> = Vec::new();
    for r in conn.query(&format!("PRAGMA foreign_key_list({})", quoted(table)), &[])? {
        let id = int(&r[0], "id")?;
        let at = match fks.iter().position(|f| f.0 == id) {
            Some(at) => at,
            None => {
                fks.push((
                    id,
                    Vec::new(),
                    r[2].clone(),
                    Vec::new(),
                    r[5].clone(),
                    r[6].clone(),
                ));
                fks.len() - 1
            }
        };
        fks[at].1.push(text(&r[3]));
        fks[at].3.push(text_or_null(&r[4]));
    }
    let mut items = Vec::new();
    for (_, cols, rtab, rcols, upd, del) in fks {
        let name = fk_names.get(&(cols.clone(), text(&rtab))).cloned();
        let value = object([
            ("name", name.clone().into()),
            ("columns", cols.clone().into()),
            ("referred_table", text_or_null(&rtab)),
            ("referred_columns", Json::Array(rcols)),
            ("on_update", text_or_null(&upd)),
            ("on_delete", text_or_null(&del)),
        ]);
        items.push((name, cols, value));
    }
    Ok(sorted_by_name(items))
}

/// `SELECT *` with each value as Python's sqlite3 returns it: integers, floats, text, and
/// blobs (read as hex).
fn rows_of(conn: &mut dyn Connection, table: &str, columns: &[String]) -> Result<Rows, DbError> {
    let list: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = quoted(&c.replace('"', "\"\""));
            format!("typeof({q}), CASE typeof({q}) WHEN 'blob' THEN hex({q}) ELSE {q} END")
        })
        .collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), quoted(table));
    let rows = conn
        .query(&sql, &[])?
        .iter()
        .map(|r| {
            r.chunks(2)
                .map(|pair| {
                    let kind = match text(&pair[0]).as_str() {
                        "blob" => Kind::Hex,
                        "real" => Kind::Float,
                        "integer" => Kind::Int,
                        _ => Kind::Text,
                    };
                    normalize::jsonable(&pair[1], kind)
                })
                .collect()
        })
        .collect();
    Ok((columns.to_vec(), rows))
}
