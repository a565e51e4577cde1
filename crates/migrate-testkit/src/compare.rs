//! Comparing two dumps, leaving out what differs between any two runs of the same schema.

use serde_json::Value as Json;

/// Migrate's own journal table, which sqlalchemy-migrate never made.
pub const JOURNAL_TABLE: &str = "migrate_version_journal";

/// How many differing keys a report lists before it stops.
const MAX_LINES: usize = 60;

/// The dump without what the oracle's README says to ignore: `server_version`,
/// `database.name` and the journal table (under `tables` and `data`).
pub fn strip_ignored(dump: &Json) -> Json {
    let mut dump = dump.clone();
    if let Some(top) = dump.as_object_mut() {
        top.remove("server_version");
        if let Some(db) = top.get_mut("database").and_then(Json::as_object_mut) {
            db.remove("name");
        }
        for key in ["tables", "data"] {
            if let Some(map) = top.get_mut(key).and_then(Json::as_object_mut) {
                map.remove(JOURNAL_TABLE);
            }
        }
        // PostgreSQL numbers the journal's rows with a sequence of its own.
        if let Some(seqs) = top.get_mut("sequences").and_then(Json::as_array_mut) {
            let own = format!("{JOURNAL_TABLE}_id_seq");
            seqs.retain(|s| s.as_str() != Some(own.as_str()));
        }
        // Without the journal, a database whose only other table is migrate_version has no
        // data left; dump_schema.py leaves `data` out then.
        if top
            .get("data")
            .and_then(Json::as_object)
            .is_some_and(serde_json::Map::is_empty)
        {
            top.remove("data");
        }
    }
    dump
}

/// Compares two dumps (for instance a record and [`crate::dump_schema`]'s output), ignoring
/// what [`strip_ignored`] leaves out.
///
/// # Errors
/// A readable report: one line per differing key, as a path (`tables.t.columns[2].default`)
/// with both values.
pub fn compare_dumps(expected: &Json, actual: &Json) -> Result<(), String> {
    let (expected, actual) = (strip_ignored(expected), strip_ignored(actual));
    let mut lines = Vec::new();
    diff("", &expected, &actual, &mut lines);
    if lines.is_empty() {
        return Ok(());
    }
    let total = lines.len();
    lines.truncate(MAX_LINES);
    if total > MAX_LINES {
        lines.push(format!("… and {} more", total - MAX_LINES));
    }
    Err(format!(
        "the dumps differ at {total} key(s) (expected / actual):\n{}",
        lines.join("\n")
    ))
}

fn show(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff(path: &str, expected: &Json, actual: &Json, lines: &mut Vec<String>) {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => {
            let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let here = join(path, key);
                match (e.get(key), a.get(key)) {
                    (Some(ev), Some(av)) => diff(&here, ev, av, lines),
                    (Some(ev), None) => lines.push(format!("{here}: {} / missing", show(ev))),
                    (None, Some(av)) => lines.push(format!("{here}: missing / {}", show(av))),
                    (None, None) => {}
                }
            }
        }
        (Json::Array(e), Json::Array(a)) => {
            for i in 0..e.len().max(a.len()) {
                let here = format!("{path}[{i}]");
                match (e.get(i), a.get(i)) {
                    (Some(ev), Some(av)) => diff(&here, ev, av, lines),
                    (Some(ev), None) => lines.push(format!("{here}: {} / missing", show(ev))),
                    (None, Some(av)) => lines.push(format!("{here}: missing / {}", show(av))),
                    (None, None) => {}
                }
            }
        }
        _ if expected == actual => {}
        _ => lines.push(format!("{path}: {} / {}", show(expected), show(actual))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ignores_version_name_and_journal_and_names_differences() {
        let a = json!({"server_version": "1", "database": {"name": "a", "encoding": "UTF8"},
                       "tables": {"t": {"columns": [{"name": "x", "default": null}]}}});
        let mut b = json!({"server_version": "2", "database": {"name": "b", "encoding": "UTF8"},
                           "tables": {"t": {"columns": [{"name": "x", "default": null}]},
                                      "migrate_version_journal": {}},
                           "data": {"migrate_version_journal": {"columns": [], "rows": []}}});
        assert_eq!(compare_dumps(&a, &b), Ok(()));
        b["tables"]["t"]["columns"][0]["default"] = json!("0");
        let report = compare_dumps(&a, &b).unwrap_err();
        assert!(
            report.contains("tables.t.columns[0].default: null / \"0\""),
            "{report}"
        );
    }
}
