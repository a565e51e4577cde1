//! Reading an SQLite schema: `sqlite_master` once, then the table-valued pragmas, which the
//! bundled SQLite runs without leaving the process, for every table or for a step's scope.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Scope;

use crate::connection::{Connection, DbError, Value};
use crate::dialect::reflect::{int, opt_text, parse_default, text};
use crate::schema::{
    Column, ColumnType, Dependent, FkAction, ForeignKey, Index, PrimaryKey, Schema, Table, Unique,
};

const OBJECTS: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
    WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'";

/// The schema of the main database, without the tables in `exclude`.
pub(super) fn reflect(conn: &mut dyn Connection, exclude: &[&str]) -> Result<Schema, DbError> {
    let objects = conn.query(&format!("{OBJECTS} ORDER BY rowid"), &[])?;
    read(conn, &objects, |name| !exclude.contains(&name))
}

/// The tables `scope` needs (those it names, those they reference, those referencing them
/// when it asks), with every trigger and view: a rebuild restores those on its table. Only
/// their rows of `sqlite_master` are read, and only the tables in scope cost their pragmas.
pub(super) fn reflect_scope(conn: &mut dyn Connection, scope: &Scope) -> Result<Schema, DbError> {
    let named: Vec<&str> = scope.tables().collect();
    if named.is_empty() {
        return Ok(Schema::default());
    }
    let mut params: Vec<Value> = named.iter().map(|n| Value::Text(n.to_string())).collect();
    let marks: Vec<String> = (1..=named.len()).map(|i| format!("?{i}")).collect();
    let mut tables = format!("name IN ({})", marks.join(", "));
    // A column another table's key references is dropped by a rebuild, not in place
    // (render::can_drop_natively), so dropping one needs the referencing tables too.
    if scope.needs_referencing() || scope.drops_columns() {
        // A table referencing a named one names it in its CREATE TABLE text: those whose text
        // mentions one at all are read, some to spare; SQLite scans the texts itself.
        for name in &named {
            params.push(Value::Text(name.to_ascii_lowercase()));
            tables.push_str(&format!(" OR instr(lower(sql), ?{}) > 0", params.len()));
        }
    }
    let sql = format!(
        "{OBJECTS} AND (type IN ('trigger', 'view') OR (type = 'table' AND ({tables}))) ORDER BY rowid"
    );
    let objects = conn.query(&sql, &params)?;
    let mut schema = read(conn, &objects, |_| true)?;
    let referenced: BTreeSet<String> = schema
        .tables
        .iter()
        .filter(|t| named.contains(&t.name.as_str()))
        .flat_map(|t| &t.foreign_keys)
        .map(|fk| fk.ref_table.clone())
        .filter(|r| schema.table(r).is_none())
        .collect();
    if !referenced.is_empty() {
        let params: Vec<Value> = referenced.into_iter().map(Value::Text).collect();
        let marks: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "{OBJECTS} AND type = 'table' AND name IN ({}) ORDER BY rowid",
            marks.join(", ")
        );
        let objects = conn.query(&sql, &params)?;
        schema.tables.extend(read(conn, &objects, |_| true)?.tables);
    }
    Ok(schema)
}

/// The triggers and views among `objects` (rows of `sqlite_master`), and the tables whose
/// name `wanted` accepts.
fn read(
    conn: &mut dyn Connection,
    objects: &[Vec<Value>],
    wanted: impl Fn(&str) -> bool,
) -> Result<Schema, DbError> {
    let mut schema = Schema::default();
    for o in objects {
        let (kind, name, table, sql) = (text(o, 0), text(o, 1), text(o, 2), text(o, 3));
        match kind.as_str() {
            "table" if wanted(&name) && !name.starts_with("_migrate_rebuild_") => {
                schema.tables.push(reflect_table(conn, &name, &sql)?);
            }
            "trigger" | "view" => schema.dependents.push(Dependent {
                kind,
                name,
                table,
                sql,
            }),
            _ => {}
        }
    }
    Ok(schema)
}

fn reflect_table(conn: &mut dyn Connection, name: &str, sql: &str) -> Result<Table, DbError> {
    let arg = [Value::Text(name.to_string())];
    let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
    let mut table = Table {
        name: name.to_string(),
        ..Table::default()
    };
    let mut pk: BTreeMap<i64, String> = BTreeMap::new();
    for r in conn.query(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        &arg,
    )? {
        let declared = text(&r, 1);
        let pk_pos = int(&r, 4).unwrap_or(0);
        if pk_pos > 0 {
            pk.insert(pk_pos, text(&r, 0));
        }
        table.columns.push(Column {
            name: text(&r, 0),
            ty: ColumnType::parse(&declared).unwrap_or_else(|_| custom(&declared)),
            nullable: int(&r, 2) == Some(0) && pk_pos == 0,
            default: opt_text(&r, 3).and_then(|d| parse_default(&d)),
            autoincrement: false,
        });
    }
    if !pk.is_empty() {
        let columns: Vec<String> = pk.into_values().collect();
        if autoincrement && columns.len() == 1 {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == columns[0]) {
                c.autoincrement = true;
                c.nullable = false;
            }
        }
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns,
        });
    }
    for r in conn.query(
        "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY seq DESC",
        &arg,
    )? {
        let index = text(&r, 0);
        let cols: Vec<String> = conn
            .query(
                "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                &[Value::Text(index.clone())],
            )?
            .iter()
            .map(|c| text(c, 0))
            .collect();
        match text(&r, 2).as_str() {
            "c" => table.indexes.push(Index {
                name: index,
                columns: cols,
                unique: int(&r, 1) == Some(1),
            }),
            "u" => table.uniques.push(Unique {
                name: None,
                columns: cols,
            }),
            _ => {}
        }
    }
    let mut fks: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    for r in conn.query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq", &arg)? {
        let fk = fks.entry(int(&r, 0).unwrap_or(0)).or_insert_with(|| ForeignKey {
            name: None,
            columns: Vec::new(),
            ref_table: text(&r, 1),
            ref_columns: Vec::new(),
            on_delete: action(&text(&r, 5)),
            on_update: action(&text(&r, 4)),
        });
        fk.columns.push(text(&r, 2));
        fk.ref_columns.push(text(&r, 3));
    }
    table.foreign_keys = fks.into_values().collect();
    constraints_from_sql(&mut table, sql);
    Ok(table)
}

fn custom(declared: &str) -> ColumnType {
    ColumnType::Custom(BTreeMap::from([(
        "sqlite".to_string(),
        declared.to_string(),
    )]))
}

fn action(s: &str) -> Option<FkAction> {
    match s {
        "CASCADE" => Some(FkAction::Cascade),
        "SET NULL" => Some(FkAction::SetNull),
        "SET DEFAULT" => Some(FkAction::SetDefault),
        "RESTRICT" => Some(FkAction::Restrict),
        _ => None,
    }
}

/// Names and checks SQLite keeps only in the `CREATE TABLE` text: table-level
/// `CONSTRAINT name …` clauses and `CHECK (…)` expressions, read from the definitions between
/// the outer parentheses.
pub(super) fn constraints_from_sql(table: &mut Table, sql: &str) {
    for element in top_level_elements(sql) {
        let (name, rest) = constraint_name(&element);
        let upper = rest.to_ascii_uppercase();
        if upper.starts_with("CHECK") {
            let expression = rest[5..].trim();
            let expression = expression
                .strip_prefix('(')
                .and_then(|e| e.strip_suffix(')'))
                .unwrap_or(expression);
            table.checks.push(crate::schema::Check {
                name,
                expression: expression.trim().to_string(),
            });
        } else if let (Some(name), Some(cols)) = (name, paren_list(rest)) {
            if upper.starts_with("UNIQUE") {
                // SQLite backs identical UNIQUE constraints with one index, so a second one
                // has no index of its own to take the name: it is listed from the SQL.
                match table
                    .uniques
                    .iter_mut()
                    .find(|u| u.columns == cols && u.name.is_none())
                {
                    Some(u) => u.name = Some(name),
                    None => table.uniques.push(Unique {
                        name: Some(name),
                        columns: cols,
                    }),
                }
            } else if upper.starts_with("FOREIGN") {
                if let Some(f) = table
                    .foreign_keys
                    .iter_mut()
                    .find(|f| f.columns == cols && f.name.is_none())
                {
                    f.name = Some(name);
                }
            } else if upper.starts_with("PRIMARY") {
                if let Some(pk) = table.primary_key.as_mut() {
                    pk.name = Some(name);
                }
            }
        }
    }
}

/// The comma-separated definitions inside `CREATE TABLE x ( … )`.
fn top_level_elements(sql: &str) -> Vec<String> {
    let Some(open) = sql.find('(') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in sql[open + 1..].chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '[') => quote = Some(']'),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                out.push(current.trim().to_string());
                return out;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out
}

/// `CONSTRAINT name rest` → (Some(name), rest); anything else → (None, element).
fn constraint_name(element: &str) -> (Option<String>, &str) {
    let trimmed = element.trim_start();
    if !trimmed.to_ascii_uppercase().starts_with("CONSTRAINT ") {
        return (None, trimmed);
    }
    let after = trimmed[11..].trim_start();
    let (name, rest) = split_identifier(after);
    (Some(name), rest.trim_start())
}

fn split_identifier(s: &str) -> (String, &str) {
    let close = match s.chars().next() {
        Some('"') => Some('"'),
        Some('`') => Some('`'),
        Some('[') => Some(']'),
        _ => None,
    };
    match close {
        Some(q) => {
            let body = &s[1..];
            let mut end = 0;
            let chars: Vec<(usize, char)> = body.char_indices().collect();
            let mut i = 0;
            while i < chars.len() {
                if chars[i].1 == q {
                    if q != ']' && chars.get(i + 1).is_some_and(|c| c.1 == q) {
                        i += 2;
                        continue;
                    }
                    end = chars[i].0;
                    break;
                }
                i += 1;
            }
            let name = body[..end].replace(&format!("{q}{q}"), &q.to_string());
            (name, &body[(end + 1).min(body.len())..])
        }
        None => {
            let end = s
                .find(|c: char| c.is_whitespace() || c == '(')
                .unwrap_or(s.len());
            (s[..end].to_string(), &s[end..])
        }
    }
}

/// The identifiers in the first `( … )` of `s`.
fn paren_list(s: &str) -> Option<Vec<String>> {
    let open = s.find('(')?;
    let close = s[open..].find(')')? + open;
    Some(
        s[open + 1..close]
            .split(',')
            .map(|part| split_identifier(part.trim()).0)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_and_checks_come_from_the_sql() {
        let mut t = Table {
            name: "t".into(),
            uniques: vec![Unique {
                name: None,
                columns: vec!["a b".into(), "c".into()],
            }],
            ..Table::default()
        };
        let sql = "CREATE TABLE \"t\" (\n    \"a b\" TEXT DEFAULT 'x,y',\n    \"c\" INT,\n    CONSTRAINT \"uq_t\" UNIQUE (\"a b\", \"c\"),\n    CONSTRAINT \"ck_t\" CHECK (c > (0)),\n    CHECK (length(\"a b\") < 5)\n)";
        constraints_from_sql(&mut t, sql);
        assert_eq!(t.uniques[0].name.as_deref(), Some("uq_t"));
        assert_eq!(t.checks.len(), 2);
        assert_eq!(t.checks[0].name.as_deref(), Some("ck_t"));
        assert_eq!(t.checks[0].expression, "c > (0)");
        assert_eq!(t.checks[1].name, None);
    }
}
