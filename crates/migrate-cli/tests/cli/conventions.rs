//! The command line's manners (issue 16): `--json` on every command that reports something,
//! results on stdout and diagnostics on stderr.

use serde_json::Value;

use crate::support::{Outcome, migrate};

/// The one JSON document a `--json` run printed on stdout.
#[track_caller]
fn json(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr: {}",
            out.stdout, out.stderr
        )
    })
}

matrix!(every_reporting_command_prints_one_json_document, |db| {
    let dir = db.dir.path();
    let created = json(migrate(dir, &["create", "repo", "sample", "--json"]).success());
    assert!(
        created["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("repo")),
        "{created}"
    );
    let script = json(
        db.run(&["--json", "script_sql", "default", "add t", "repo"])
            .success(),
    );
    assert_eq!(
        script["created"].as_array().map(Vec::len),
        Some(2),
        "{script}"
    );
    db.write(
        "repo/versions/001_add_t_default_upgrade.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    );
    db.write(
        "repo/versions/001_add_t_default_downgrade.sql",
        "DROP TABLE t;\n",
    );
    let script = json(db.run(&["script", "add u", "repo", "--json"]).success());
    assert!(
        script["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("002_add_u.toml")),
        "{script}"
    );
    db.write(
        "repo/versions/002_add_u.toml",
        "[[upgrade]]\ncreate_table = { name = 'u', columns = [{ name = 'id', type = 'Integer', primary_key = true }] }\n",
    );
    assert_eq!(
        json(db.run(&["version", "repo", "--json"]).success()),
        serde_json::json!({"version": 2})
    );
    let vc = db.run(&["version_control", &db.url, "repo", "--json"]);
    assert_eq!(json(vc.success()), serde_json::json!({"version": 0}));
    assert_eq!(
        json(db.run(&["db_version", &db.url, "repo", "--json"]).success()),
        serde_json::json!({"version": 0})
    );

    // A preview: the statements per step, nothing run, no step lines.
    let preview = json(
        db.run(&["upgrade", &db.url, "repo", "--preview-sql", "--json"])
            .success(),
    );
    assert_eq!(preview["executed"], false, "{preview}");
    assert!(
        preview["steps"][0]["preview"][0]
            .as_str()
            .is_some_and(|s| s.contains("CREATE TABLE t")),
        "{preview}"
    );
    assert!(
        preview["steps"][0].get("duration_ms").is_none(),
        "{preview}"
    );

    let up = db.run(&["upgrade", &db.url, "repo", "--json"]);
    let walk = json(up.success());
    assert!(!up.stdout.contains("0 -> 1... "), "{}", up.stdout);
    assert_eq!(
        (
            walk["direction"].as_str(),
            walk["from"].as_u64(),
            walk["to"].as_u64()
        ),
        (Some("upgrade"), Some(0), Some(2)),
        "{walk}"
    );
    let steps = walk["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{walk}");
    assert_eq!(steps[1]["script"], "002_add_u.toml", "{walk}");
    assert!(
        steps
            .iter()
            .all(|s| s["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0)),
        "{walk}"
    );
    assert!(walk["duration_ms"].as_f64().is_some(), "{walk}");

    let status = json(db.run(&["status", &db.url, "repo", "--json"]).success());
    assert_eq!(status["version"], 2, "{status}");
    let history = json(db.run(&["history", &db.url, "repo", "--json"]).success());
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    let drift = json(db.run(&["drift", &db.url, "repo", "--json"]).success());
    assert_eq!(drift["drift"], false, "{drift}");
    let model = json(
        db.run(&["create_model", &db.url, "repo", "--json"])
            .success(),
    );
    assert!(
        model["tables"].as_array().is_some_and(|t| t.len() == 2),
        "{model}"
    );
    let repair = json(db.run(&["repair", &db.url, "repo", "--json"]).success());
    assert_eq!(
        (repair["action"].as_str(), &repair["dirty"]),
        (Some("show"), &Value::Null),
        "{repair}"
    );

    // Checks that find differences still exit 3, with the differences in the document.
    db.write("model.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
    let compare = db.run(&[
        "compare_model_to_db",
        &db.url,
        "repo",
        "model.sql",
        "--json",
    ]);
    assert_eq!(compare.code, 3, "{compare:?}");
    assert_eq!(json(&compare)["matches"], false);
    let diff = db.run(&["diff", "repo@1", "repo@2", "--json"]);
    assert_eq!(diff.code, 3, "{diff:?}");
    assert!(json(&diff).as_array().is_some_and(|ops| ops.len() == 1));

    let down = json(
        db.run(&["downgrade", &db.url, "repo", "1", "--json"])
            .success(),
    );
    assert_eq!(
        (down["direction"].as_str(), down["to"].as_u64()),
        (Some("downgrade"), Some(1)),
        "{down}"
    );
    let stamp = json(db.run(&["stamp", &db.url, "repo", "1", "--json"]).success());
    assert_eq!(stamp, serde_json::json!({"version": 1, "previous": 1}));
    let sync = json(db.run(&["sync", &db.url, "repo", "--json"]).success());
    assert_eq!(
        (
            sync["placed_under_control"].as_bool(),
            sync["walk"]["to"].as_u64()
        ),
        (Some(false), Some(2)),
        "{sync}"
    );
    let checked = json(db.run(&["test", &db.url, "repo", "--json"]).success());
    assert_eq!(
        checked,
        serde_json::json!({"versions": [{"version": 1, "reversible": true}, {"version": 2, "reversible": true}]})
    );
    let dropped = json(
        db.run(&["drop_version_control", &db.url, "repo", "--json"])
            .success(),
    );
    assert_eq!(dropped, serde_json::json!({"dropped": "sample"}));
    let manage = json(
        db.run(&["manage", "manage.sh", "--repository", "repo", "--json"])
            .success(),
    );
    assert!(
        manage["created"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("manage.sh")),
        "{manage}"
    );
});
