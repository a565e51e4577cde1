//! `dump_pg()`: `pg_class`, `pg_attribute`, `pg_constraint`, `pg_index`, sequences and enum
//! types of the `public` schema. Values migrate's driver cannot read as they are (arrays,
//! `"char"`, `regclass`) are cast to text in the queries; nothing else differs.

use std::collections::HashMap;

use migrate_core::{Connection, DbError, Value};
use serde_json::{Map, Value as Json};

use crate::normalize::{self, Kind, Rows, int, object, text, text_or_null};

fn fk_action(code: &str) -> String {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => other,
    }
    .to_string()
}

/// An `int2[]` read as `array_to_string(…, ',')`.
fn numbers(value: &Value) -> Vec<i64> {
    text(value)
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

fn one_text(conn: &mut dyn Connection, sql: &str) -> Result<Json, DbError> {
    let rows = conn.query(sql, &[])?;
    Ok(rows.first().map_or(Json::Null, |r| text_or_null(&r[0])))
}

/// A table's columns: their name and type, for reading its rows.
type Columns = Vec<(String, String)>;

pub(crate) fn dump(conn: &mut dyn Connection, with_data: bool) -> Result<Json, DbError> {
    let mut out = Map::new();
    out.insert("dialect".into(), "postgresql".into());
    out.insert(
        "server_version".into(),
        one_text(conn, "SELECT current_setting('server_version')")?,
    );
    let name = one_text(conn, "SELECT current_database()::text")?;
    let encoding = one_text(
        conn,
        "SELECT pg_encoding_to_char(encoding)::text FROM pg_database WHERE datname=current_database()",
    )?;
    out.insert(
        "database".into(),
        object([("name", name), ("encoding", encoding)]),
    );
    let mut tables = Map::new();
    let mut columns_of: HashMap<String, Columns> = HashMap::new();
    for row in conn.query(
        "SELECT c.oid::int8, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid=c.relnamespace \
         WHERE n.nspname='public' AND c.relkind IN ('r','p') ORDER BY c.relname",
        &[],
    )? {
        let (oid, name) = (int(&row[0], "oid")?, text(&row[1]));
        let (table, columns) = table(conn, oid)?;
        columns_of.insert(name.clone(), columns);
        tables.insert(name, table);
    }
    out.insert("tables".into(), Json::Object(tables));
    let sequences = conn.query(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid=c.relnamespace \
         WHERE n.nspname='public' AND c.relkind='S' ORDER BY c.relname",
        &[],
    )?;
    let sequences: Vec<Json> = sequences.iter().map(|r| text_or_null(&r[0])).collect();
    out.insert("sequences".into(), Json::Array(sequences));
    let mut enums = Map::new();
    for r in conn.query(
        "SELECT t.typname::text, array_to_json(array_agg(e.enumlabel::text ORDER BY e.enumsortorder))::text \
         FROM pg_type t JOIN pg_enum e ON e.enumtypid=t.oid JOIN pg_namespace n ON n.oid=t.typnamespace \
         WHERE n.nspname='public' GROUP BY t.typname ORDER BY 1",
        &[],
    )? {
        enums.insert(text(&r[0]), normalize::jsonable(&r[1], Kind::Json));
    }
    out.insert("enum_types".into(), Json::Object(enums));
    normalize::finish(&mut out, with_data, |t| rows_of(conn, t, &columns_of[t]))?;
    Ok(Json::Object(out))
}

fn table(conn: &mut dyn Connection, oid: i64) -> Result<(Json, Columns), DbError> {
    let mut attname: HashMap<i64, String> = HashMap::new();
    let mut cols = Vec::new();
    let mut columns = Vec::new();
    for r in conn.query(
        &format!(
            "SELECT a.attname::text, a.attnum::int8, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid=a.attrelid AND d.adnum=a.attnum \
             WHERE a.attrelid={oid} AND a.attnum>0 AND NOT a.attisdropped ORDER BY a.attnum"
        ),
        &[],
    )? {
        let (name, typ, ident) = (text(&r[0]), text(&r[2]), text(&r[5]));
        attname.insert(int(&r[1], "attnum")?, name.clone());
        let dflt = text_or_null(&r[4]);
        let nextval = dflt.as_str().is_some_and(|d| d.starts_with("nextval("));
        let mut col = object([
            ("name", name.clone().into()),
            ("type", typ.clone().into()),
            ("nullable", Json::Bool(int(&r[3], "attnotnull")? == 0)),
            ("default", dflt),
            ("autoincrement", Json::Bool(!ident.is_empty() || nextval)),
        ]);
        if !ident.is_empty() {
            col["identity"] = ident.into();
        }
        cols.push(col);
        columns.push((name, typ));
    }
    let mut t = Map::new();
    t.insert("columns".into(), Json::Array(cols));
    constraints(conn, oid, &attname, &mut t)?;
    t.insert("indexes".into(), indexes(conn, oid, &attname)?);
    Ok((Json::Object(t), columns))
}

fn names(keys: &[i64], attname: &HashMap<i64, String>) -> Vec<Json> {
    keys.iter()
        .map(|k| attname.get(k).map_or(Json::Null, |n| n.clone().into()))
        .collect()
}

/// Sorts values by (name or "", the other key), as Python sorts those tuples.
fn sorted(mut items: Vec<(String, String, Json)>) -> Json {
    items.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Json::Array(items.into_iter().map(|(_, _, v)| v).collect())
}

fn constraints(
    conn: &mut dyn Connection,
    oid: i64,
    attname: &HashMap<i64, String>,
    t: &mut Map<String, Json>,
) -> Result<(), DbError> {
    let cons = conn.query(
        &format!(
            "SELECT conname::text, contype::text, array_to_string(conkey, ','), confrelid::regclass::text, \
             array_to_string(confkey, ','), confupdtype::text, confdeltype::text, \
             pg_get_constraintdef(oid), confrelid::int8 FROM pg_constraint WHERE conrelid={oid}"
        ),
        &[],
    )?;
    let mut pk = Json::Null;
    let (mut uqs, mut fks, mut checks) = (Vec::new(), Vec::new(), Vec::new());
    for r in &cons {
        let conname = text(&r[0]);
        let colnames = names(&numbers(&r[2]), attname);
        match text(&r[1]).as_str() {
            "p" => pk = object([("name", conname.into()), ("columns", colnames.into())]),
            "u" => uqs.push((
                conname.clone(),
                String::new(),
                object([("name", conname.into()), ("columns", colnames.into())]),
            )),
            "f" => fks.push(foreign_key(conn, r, colnames)?),
            "c" => {
                let def = text(&r[7]);
                let value = object([
                    ("name", conname.clone().into()),
                    ("sqltext", def.clone().into()),
                ]);
                checks.push((conname, def, value));
            }
            _ => {}
        }
    }
    t.insert("primary_key".into(), pk);
    t.insert("unique_constraints".into(), sorted(uqs));
    t.insert("foreign_keys".into(), sorted(fks));
    t.insert("check_constraints".into(), sorted(checks));
    Ok(())
}

/// One foreign key: `(name, sort key, value)`; the referred columns' names come from the
/// referred table's `pg_attribute`.
fn foreign_key(
    conn: &mut dyn Connection,
    r: &[Value],
    colnames: Vec<Json>,
) -> Result<(String, String, Json), DbError> {
    let (conname, roid) = (text(&r[0]), int(&r[8], "confrelid")?);
    let rnames: HashMap<i64, String> = conn
        .query(
            &format!(
                "SELECT attnum::int8, attname::text FROM pg_attribute \
                 WHERE attrelid={roid} AND attnum>0"
            ),
            &[],
        )?
        .iter()
        .map(|a| (a[0].as_int().unwrap_or(0), text(&a[1])))
        .collect();
    let key = serde_json::to_string(&colnames).unwrap_or_default();
    let value = object([
        ("name", conname.clone().into()),
        ("columns", colnames.into()),
        ("referred_table", text_or_null(&r[3])),
        ("referred_columns", names(&numbers(&r[4]), &rnames).into()),
        ("on_update", fk_action(&text(&r[5])).into()),
        ("on_delete", fk_action(&text(&r[6])).into()),
    ]);
    Ok((conname, key, value))
}

fn indexes(
    conn: &mut dyn Connection,
    oid: i64,
    attname: &HashMap<i64, String>,
) -> Result<Json, DbError> {
    let mut idxs = Vec::new();
    for r in conn.query(
        &format!(
            "SELECT i.relname::text, ix.indisunique, ix.indisprimary, array_to_string(ix.indkey::int2[], ','), \
             (SELECT conname::text FROM pg_constraint c WHERE c.conindid=ix.indexrelid AND c.conrelid=ix.indrelid LIMIT 1) \
             FROM pg_index ix JOIN pg_class i ON i.oid=ix.indexrelid WHERE ix.indrelid={oid}"
        ),
        &[],
    )? {
        if int(&r[2], "indisprimary")? != 0 {
            continue;
        }
        let iname = text(&r[0]);
        let columns: Vec<Json> = numbers(&r[3])
            .iter()
            .map(|k| attname.get(k).map_or("<expr>", String::as_str).into())
            .collect();
        let mut e = object([
            ("name", iname.clone().into()),
            ("unique", Json::Bool(int(&r[1], "indisunique")? != 0)),
            ("columns", columns.into()),
        ]);
        let conname = text(&r[4]);
        if !conname.is_empty() {
            e["constraint"] = conname.into();
        }
        idxs.push((iname, String::new(), e));
    }
    Ok(sorted(idxs))
}

/// The select expression for a column of this type and how its text becomes what psycopg2
/// returns.
fn reading(column: &str, typ: &str) -> (String, Kind) {
    let q = format!("\"{}\"", column.replace('"', "\"\""));
    let base = typ.split('(').next().unwrap_or(typ).trim();
    if typ.ends_with("[]") {
        // psycopg2 returns a list; PostgreSQL's JSON of it has the same scalars for the
        // common element types (not numeric, which psycopg2 makes Decimals, nor intervals).
        return (format!("array_to_json({q})::text"), Kind::Json);
    }
    match base {
        "smallint" | "integer" | "bigint" => (format!("{q}::int8"), Kind::Int),
        "boolean" => (format!("{q}::int4"), Kind::Bool),
        "real" | "double precision" => (format!("{q}::text"), Kind::Float),
        "timestamp without time zone" => (
            format!("to_char({q}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"),
            Kind::DateTime,
        ),
        "timestamp with time zone" => (
            format!("to_char({q}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')||'|'||to_char({q}, 'TZH:TZM')"),
            Kind::DateTime,
        ),
        "date" => (format!("to_char({q}, 'YYYY-MM-DD')"), Kind::Text),
        "time without time zone" => (format!("{q}::text"), Kind::TimeOfDay),
        "bytea" => (format!("encode({q}, 'hex')"), Kind::Hex),
        "json" | "jsonb" => (format!("{q}::text"), Kind::Json),
        _ => (format!("{q}::text"), Kind::Text),
    }
}

/// `SELECT *` with each value as psycopg2 returns it and `jsonable()` converts it.
fn rows_of(conn: &mut dyn Connection, table: &str, columns: &Columns) -> Result<Rows, DbError> {
    let readings: Vec<(String, Kind)> = columns.iter().map(|(c, t)| reading(c, t)).collect();
    let list: Vec<&str> = readings.iter().map(|(s, _)| s.as_str()).collect();
    let sql = format!(
        "SELECT {} FROM \"{}\"",
        list.join(", "),
        table.replace('"', "\"\"")
    );
    let rows = conn
        .query(&sql, &[])?
        .iter()
        .map(|r| {
            r.iter()
                .zip(&readings)
                .map(|(v, (_, kind))| with_offset(v, *kind))
                .collect()
        })
        .collect();
    Ok((columns.iter().map(|(c, _)| c.clone()).collect(), rows))
}

/// A `timestamp with time zone` read as `datetime|offset`: `isoformat()` with the offset.
fn with_offset(value: &Value, kind: Kind) -> Json {
    let split = match (value, kind) {
        (Value::Text(t), Kind::DateTime) => t.split_once('|'),
        _ => None,
    };
    match split {
        Some((at, offset)) => {
            let at = normalize::jsonable(&Value::Text(at.to_string()), kind);
            Json::String(format!("{}{offset}", at.as_str().unwrap_or_default()))
        }
        None => normalize::jsonable(value, kind),
    }
}
