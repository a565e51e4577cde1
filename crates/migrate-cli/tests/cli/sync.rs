//! `sync` (db_sync): the seed's `heat-manage db_sync` (section 2) and its refusals.

use std::process::Stdio;

use crate::support::{TestDb, migrate_cmd, text};

const HEAT_TABLES: [&str; 16] = [
    "event",
    "migrate_version",
    "raw_template",
    "resource",
    "resource_data",
    "service",
    "snapshot",
    "software_config",
    "software_deployment",
    "stack",
    "stack_lock",
    "stack_tag",
    "sync_point",
    "user_creds",
    "watch_data",
    "watch_rule",
];

/// `DESCRIBE` rows as the seed prints them: Field, Type, Null, Key, Default, Extra.
fn seed_rows(rows: &[(&str, &str, &str, &str, &str)]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|(f, t, n, k, e)| {
            vec![
                f.to_string(),
                t.to_string(),
                n.to_string(),
                k.to_string(),
                "NULL".into(),
                e.to_string(),
            ]
        })
        .collect()
}

fn check_heat_on_mariadb(db: &TestDb) {
    // Seed §2.10.
    assert_eq!(
        db.describe("stack"),
        seed_rows(&[
            ("id", "varchar(36)", "NO", "PRI", ""),
            ("created_at", "datetime", "YES", "", ""),
            ("updated_at", "datetime", "YES", "", ""),
            ("deleted_at", "datetime", "YES", "", ""),
            ("name", "varchar(255)", "YES", "MUL", ""),
            ("raw_template_id", "int(11)", "NO", "MUL", ""),
            ("user_creds_id", "int(11)", "YES", "MUL", ""),
            ("username", "varchar(256)", "YES", "", ""),
            ("owner_id", "varchar(36)", "YES", "MUL", ""),
            ("action", "varchar(255)", "YES", "", ""),
            ("status", "varchar(255)", "YES", "", ""),
            ("status_reason", "text", "YES", "", ""),
            ("timeout", "int(11)", "YES", "", ""),
            ("tenant", "varchar(256)", "YES", "MUL", ""),
            ("disable_rollback", "tinyint(1)", "NO", "", ""),
            ("stack_user_project_id", "varchar(64)", "YES", "", ""),
            ("backup", "tinyint(1)", "YES", "", ""),
            ("nested_depth", "int(11)", "YES", "", ""),
            ("convergence", "tinyint(1)", "YES", "", ""),
            ("prev_raw_template_id", "int(11)", "YES", "MUL", ""),
            ("current_traversal", "varchar(36)", "YES", "", ""),
            ("current_deps", "longtext", "YES", "", ""),
            ("parent_resource_name", "varchar(255)", "YES", "", ""),
        ])
    );
    // Seed §2.11.
    assert_eq!(
        db.describe("resource"),
        seed_rows(&[
            ("nova_instance", "varchar(255)", "YES", "", ""),
            ("name", "varchar(255)", "YES", "", ""),
            ("created_at", "datetime", "YES", "", ""),
            ("updated_at", "datetime", "YES", "", ""),
            ("action", "varchar(255)", "YES", "", ""),
            ("status", "varchar(255)", "YES", "", ""),
            ("status_reason", "text", "YES", "", ""),
            ("stack_id", "varchar(36)", "NO", "MUL", ""),
            ("rsrc_metadata", "longtext", "YES", "", ""),
            ("properties_data", "longtext", "YES", "", ""),
            ("uuid", "varchar(36)", "YES", "UNI", ""),
            ("id", "int(11)", "NO", "PRI", "auto_increment"),
            ("engine_id", "varchar(36)", "YES", "", ""),
            ("atomic_key", "int(11)", "YES", "", ""),
            ("needed_by", "longtext", "YES", "", ""),
            ("requires", "longtext", "YES", "", ""),
            ("replaces", "int(11)", "YES", "", ""),
            ("replaced_by", "int(11)", "YES", "", ""),
            ("current_template_id", "int(11)", "YES", "MUL", ""),
            ("properties_data_encrypted", "tinyint(1)", "YES", "", ""),
            ("root_stack_id", "varchar(36)", "YES", "MUL", ""),
        ])
    );
    // Seed §2.12.
    assert_eq!(
        db.describe("resource_data"),
        seed_rows(&[
            ("id", "int(11)", "NO", "PRI", "auto_increment"),
            ("created_at", "datetime", "YES", "", ""),
            ("updated_at", "datetime", "YES", "", ""),
            ("key", "varchar(255)", "YES", "", ""),
            ("value", "text", "YES", "", ""),
            ("redact", "tinyint(1)", "YES", "", ""),
            ("decrypt_method", "varchar(64)", "YES", "", ""),
            ("resource_id", "int(11)", "NO", "MUL", ""),
        ])
    );
    // Seed §2.8: the 42 index rows.
    let expected: &[(&str, &str, &str)] = &[
        ("migrate_version", "repository_id", "PRIMARY"),
        ("service", "id", "PRIMARY"),
        ("stack_tag", "id", "PRIMARY"),
        ("stack_tag", "stack_id", "stack_id"),
        ("raw_template", "id", "PRIMARY"),
        ("watch_rule", "id", "PRIMARY"),
        ("watch_rule", "stack_id", "stack_id"),
        ("software_deployment", "id", "PRIMARY"),
        ("software_deployment", "config_id", "config_id"),
        (
            "software_deployment",
            "server_id",
            "ix_software_deployment_server_id",
        ),
        (
            "software_deployment",
            "created_at",
            "ix_software_deployment_created_at",
        ),
        (
            "software_deployment",
            "tenant",
            "ix_software_deployment_tenant",
        ),
        ("resource", "id", "PRIMARY"),
        ("resource", "uuid", "resource_uuid_key"),
        ("resource", "stack_id", "stack_id"),
        (
            "resource",
            "current_template_id",
            "current_template_fkey_ref",
        ),
        ("resource", "root_stack_id", "ix_resource_root_stack_id"),
        ("stack_lock", "stack_id", "PRIMARY"),
        ("stack", "id", "PRIMARY"),
        ("stack", "raw_template_id", "raw_template_id"),
        ("stack", "user_creds_id", "user_creds_id"),
        ("stack", "name", "ix_stack_name"),
        ("stack", "tenant", "ix_stack_tenant"),
        ("stack", "prev_raw_template_id", "prev_raw_template_ref"),
        ("stack", "owner_id", "ix_stack_owner_id"),
        ("snapshot", "id", "PRIMARY"),
        ("snapshot", "stack_id", "stack_id"),
        ("snapshot", "tenant", "ix_snapshot_tenant"),
        ("resource_data", "id", "PRIMARY"),
        (
            "resource_data",
            "resource_id",
            "resource_data_resource_id_fkey",
        ),
        ("sync_point", "entity_id", "PRIMARY"),
        ("sync_point", "traversal_id", "PRIMARY"),
        ("sync_point", "is_update", "PRIMARY"),
        ("sync_point", "stack_id", "fk_stack_id"),
        ("user_creds", "id", "PRIMARY"),
        ("event", "id", "PRIMARY"),
        ("event", "uuid", "event_uuid_key"),
        ("event", "stack_id", "stack_id"),
        ("watch_data", "id", "PRIMARY"),
        ("watch_data", "watch_rule_id", "watch_rule_id"),
        ("software_config", "id", "PRIMARY"),
        ("software_config", "tenant", "ix_software_config_tenant"),
    ];
    let mut want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(t, c, i)| (t.to_string(), c.to_string(), i.to_string()))
        .collect();
    want.sort();
    let rows = db.query(
        "SELECT TABLE_NAME, COLUMN_NAME, INDEX_NAME FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'migrate_version_journal'",
    );
    let mut got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (text(&r[0]), text(&r[1]), text(&r[2])))
        .collect();
    got.sort();
    assert_eq!(got, want);
}

const HEAT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/heat/migrate_repo"
);

matrix!(heat_db_sync, |db| {
    let out = db.run(&["sync", &db.url, HEAT]);
    assert_eq!(
        out.success().stdout.lines().count(),
        142,
        "71 steps, two lines each"
    );
    assert!(
        out.stderr
            .contains("put the database under version control at 0"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), HEAT_TABLES.to_vec());
    let rows = db.version_rows("migrate_version");
    assert_eq!((rows[0].0.as_str(), rows[0].2), ("heat", 71));
    if db.backend == Backend::Mysql {
        check_heat_on_mariadb(&db);
    }
    // A second db_sync has nothing to do.
    let again = db.run(&[
        "sync",
        &db.url,
        HEAT,
        "--mysql-engine",
        "InnoDB",
        "--mysql-charset",
        "utf8",
    ]);
    assert_eq!(again.success().stdout, "");
});

matrix!(sixteen_concurrent_syncs_of_a_fresh_database, |db| {
    let children: Vec<_> = (0..16)
        .map(|_| {
            migrate_cmd(db.dir.path())
                .args(["sync", &db.url, HEAT])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut steps = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        steps += String::from_utf8_lossy(&out.stdout).matches("done").count();
    }
    assert_eq!(steps, 71, "each version ran once");
    assert_eq!(db.version_rows("migrate_version").len(), 1);
    assert_eq!(
        db.run(&["db_version", &db.url, HEAT]).success().stdout,
        "71\n"
    );
});

matrix!(sync_refuses_a_database_it_does_not_know, |db| {
    db.execute("CREATE TABLE stack (id VARCHAR(36) PRIMARY KEY)");
    let before = db.snapshot();
    let out = db.run(&["sync", &db.url, HEAT]);
    out.failure(
        1,
        "the database has 1 table(s) (stack) but is not under version control",
    );
    assert!(out.stderr.contains("--init-version"), "{}", out.stderr);
    assert_eq!(db.snapshot(), before);
    // Told where the schema is, it adopts the database and goes on from there.
    let out = db.run(&["sync", &db.url, HEAT, "--init-version", "70"]);
    assert_eq!(out.success().stdout, "70 -> 71... \ndone\n");
    // Down to a given version, and back up.
    assert_eq!(
        db.run(&["sync", &db.url, HEAT, "69"]).success().stdout,
        "71 -> 70... \ndone\n70 -> 69... \ndone\n"
    );
    assert_eq!(
        db.run(&["sync", &db.url, HEAT])
            .success()
            .stdout
            .lines()
            .count(),
        4
    );
});
