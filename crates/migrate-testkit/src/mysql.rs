//! `dump_mysql()`: the `information_schema` of the current database, with the queries of
//! the Python script (same filters, same `ORDER BY`, so the same server-side order where the
//! script keeps it).

use std::collections::{BTreeMap, HashMap};

use migrate_core::{Connection, DbError, Value};
use serde_json::{Map, Value as Json};

use crate::normalize::{self, Kind, Rows, int, object, text, text_or_null};

fn param(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// A table's columns: name and `COLUMN_TYPE`, for reading its rows.
type Columns = Vec<(String, String)>;

pub(crate) fn dump(conn: &mut dyn Connection, with_data: bool) -> Result<Json, DbError> {
    let mut out = Map::new();
    out.insert("dialect".into(), "mysql".into());
    let version = conn.query("SELECT VERSION()", &[])?;
    out.insert("server_version".into(), text_or_null(&version[0][0]));
    let db = text(&conn.query("SELECT DATABASE()", &[])?[0][0]);
    let schema = conn.query(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME \
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME=?",
        &[param(&db)],
    )?;
    let schema = schema
        .first()
        .ok_or_else(|| DbError::new(format!("no schema named {db}")))?;
    out.insert(
        "database".into(),
        object([
            ("name", db.clone().into()),
            ("default_charset", text_or_null(&schema[0])),
            ("default_collation", text_or_null(&schema[1])),
        ]),
    );
    let coll_cs: HashMap<String, Value> = conn
        .query(
            "SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS",
            &[],
        )?
        .into_iter()
        .map(|r| (text(&r[0]), r[1].clone()))
        .collect();
    let mut tables = Map::new();
    let mut columns_of: HashMap<String, Columns> = HashMap::new();
    for r in conn.query(
        "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA=? AND TABLE_TYPE='BASE TABLE' ORDER BY TABLE_NAME",
        &[param(&db)],
    )? {
        let name = text(&r[0]);
        let mut t = Map::new();
        t.insert("engine".into(), text_or_null(&r[1]));
        t.insert("collation".into(), text_or_null(&r[2]));
        let charset = coll_cs.get(&text(&r[2])).map_or(Json::Null, text_or_null);
        t.insert("charset".into(), charset);
        let columns = columns(conn, &db, &name, &mut t)?;
        keys(conn, &db, &name, &mut t)?;
        columns_of.insert(name.clone(), columns);
        tables.insert(name, Json::Object(t));
    }
    out.insert("tables".into(), Json::Object(tables));
    normalize::finish(&mut out, with_data, |t| rows_of(conn, t, &columns_of[t]))?;
    Ok(Json::Object(out))
}

fn columns(
    conn: &mut dyn Connection,
    db: &str,
    table: &str,
    t: &mut Map<String, Json>,
) -> Result<Columns, DbError> {
    let mut cols = Vec::new();
    let mut columns = Vec::new();
    for r in conn.query(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
         CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY ORDINAL_POSITION",
        &[param(db), param(table)],
    )? {
        let extra = text(&r[4]).to_lowercase();
        let words: Vec<&str> = extra.split_whitespace().collect();
        let rest: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| *w != "auto_increment")
            .collect();
        let mut col = object([
            ("name", text_or_null(&r[0])),
            ("type", text_or_null(&r[1])),
            ("nullable", Json::Bool(text(&r[2]) == "YES")),
            ("default", text_or_null(&r[3])),
            (
                "autoincrement",
                Json::Bool(extra.contains("auto_increment")),
            ),
            ("charset", text_or_null(&r[5])),
            ("collation", text_or_null(&r[6])),
        ]);
        if !rest.is_empty() {
            col["extra"] = rest.join(" ").into();
        }
        cols.push(col);
        columns.push((text(&r[0]), text(&r[1])));
    }
    t.insert("columns".into(), Json::Array(cols));
    Ok(columns)
}

/// Primary key, indexes, unique constraints, foreign keys and checks.
fn keys(
    conn: &mut dyn Connection,
    db: &str,
    table: &str,
    t: &mut Map<String, Json>,
) -> Result<(), DbError> {
    let args = [param(db), param(table)];
    // name -> (unique, columns); sorted by name as Python's sorted(idx) does
    let mut idx: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for r in conn.query(
        "SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? \
         ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        &args,
    )? {
        let unique = int(&r[1], "NON_UNIQUE")? == 0;
        let e = idx.entry(text(&r[0])).or_insert((unique, Vec::new()));
        e.1.push(match &r[4] {
            Value::Null => text(&r[3]),
            sub => format!("{}({})", text(&r[3]), text(sub)),
        });
    }
    let pk = idx.remove("PRIMARY").map_or(Json::Null, |(_, cols)| {
        object([("name", "PRIMARY".into()), ("columns", cols.into())])
    });
    t.insert("primary_key".into(), pk);
    let indexes: Vec<Json> = idx
        .iter()
        .map(|(name, (unique, cols))| {
            object([
                ("name", name.clone().into()),
                ("columns", cols.clone().into()),
                ("unique", Json::Bool(*unique)),
            ])
        })
        .collect();
    t.insert("indexes".into(), Json::Array(indexes));
    let uqs: Vec<Json> = conn
        .query(
            "SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS \
             WHERE TABLE_SCHEMA=? AND TABLE_NAME=? AND CONSTRAINT_TYPE='UNIQUE' \
             ORDER BY CONSTRAINT_NAME",
            &args,
        )?
        .iter()
        .map(|r| {
            let name = text(&r[0]);
            let cols = idx.get(&name).map_or(Json::Null, |(_, c)| c.clone().into());
            object([("name", name.into()), ("columns", cols)])
        })
        .collect();
    t.insert("unique_constraints".into(), Json::Array(uqs));
    t.insert("foreign_keys".into(), foreign_keys(conn, &args)?);
    // Servers without CHECK_CONSTRAINTS (MySQL < 8.0.16, MariaDB < 10.2) have no checks.
    let checks = conn
        .query(
            "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA=? AND TABLE_NAME=?",
            &args,
        )
        .unwrap_or_default();
    let mut checks: Vec<(String, String, Json)> = checks
        .iter()
        .map(|r| {
            let v = object([
                ("name", text_or_null(&r[0])),
                ("sqltext", text_or_null(&r[1])),
            ]);
            (text(&r[0]), text(&r[1]), v)
        })
        .collect();
    checks.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    t.insert(
        "check_constraints".into(),
        Json::Array(checks.into_iter().map(|c| c.2).collect()),
    );
    Ok(())
}

fn foreign_keys(conn: &mut dyn Connection, args: &[Value]) -> Result<Json, DbError> {
    // (name, columns, referred table, referred columns, on update, on delete), first-seen order
    type Fk = (String, Vec<String>, Json, Vec<Json>, Json, Json);
    let mut fks: Vec<Fk> = Vec::new();
    for r in conn.query(
        "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
         k.REFERENCED_COLUMN_NAME, k.ORDINAL_POSITION, r.UPDATE_RULE, r.DELETE_RULE \
         FROM information_schema.KEY_COLUMN_USAGE k \
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
           ON r.CONSTRAINT_SCHEMA=k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME=k.CONSTRAINT_NAME \
           AND r.TABLE_NAME=k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA=? AND k.TABLE_NAME=? AND k.REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        args,
    )? {
        let name = text(&r[0]);
        let at = match fks.iter().position(|f| f.0 == name) {
            Some(at) => at,
            None => {
                let (rtab, upd, del) = (
                    text_or_null(&r[2]),
                    text_or_null(&r[5]),
                    text_or_null(&r[6]),
                );
                fks.push((name, Vec::new(), rtab, Vec::new(), upd, del));
                fks.len() - 1
            }
        };
        fks[at].1.push(text(&r[1]));
        fks[at].3.push(text_or_null(&r[3]));
    }
    fks.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Ok(Json::Array(
        fks.into_iter()
            .map(|(name, cols, rtab, rcols, upd, del)| {
                object([
                    ("name", name.into()),
                    ("columns", cols.into()),
                    ("referred_table", rtab),
                    ("referred_columns", Json::Array(rcols)),
                    ("on_update", upd),
                    ("on_delete", del),
                ])
            })
            .collect(),
    ))
}

/// The select expression for a column of this `COLUMN_TYPE` and how its text becomes what
/// PyMySQL returns: everything is read as the text protocol's text, which PyMySQL parses.
fn reading(column: &str, column_type: &str) -> (String, Kind) {
    let q = format!("`{}`", column.replace('`', "``"));
    let base: String = column_type
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    let kind = match base.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" => Kind::Int,
        "float" | "double" | "real" => Kind::Float,
        "datetime" | "timestamp" => Kind::DateTime,
        "time" => Kind::Duration,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "bit" => {
            return (format!("HEX({q})"), Kind::Hex);
        }
        _ => Kind::Text,
    };
    (format!("CAST({q} AS CHAR)"), kind)
}

/// `SELECT *` with each value as PyMySQL returns it and `jsonable()` converts it.
fn rows_of(conn: &mut dyn Connection, table: &str, columns: &Columns) -> Result<Rows, DbError> {
    let readings: Vec<(String, Kind)> = columns.iter().map(|(c, t)| reading(c, t)).collect();
    let list: Vec<&str> = readings.iter().map(|(s, _)| s.as_str()).collect();
    let sql = format!(
        "SELECT {} FROM `{}`",
        list.join(", "),
        table.replace('`', "``")
    );
    let rows = conn
        .query(&sql, &[])?
        .iter()
        .map(|r| {
            r.iter()
                .zip(&readings)
                .map(|(v, (_, kind))| normalize::jsonable(v, *kind))
                .collect()
        })
        .collect();
    Ok((columns.iter().map(|(c, _)| c.clone()).collect(), rows))
}
