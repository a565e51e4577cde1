//! The seed migrations (../shared/seeds/000–003), ported to portable scripts under
//! `examples/`, on every database: schema after upgrade, downgrade to 0, data for 003.

use migrate_core::schema::{ColumnType, DefaultValue, Schema, Table};

use crate::support::{Backend, TestDb};

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema.table(name).unwrap_or_else(|| {
        panic!(
            "no table {name} in {:?}",
            schema.tables.iter().map(|t| &t.name).collect::<Vec<_>>()
        )
    })
}

/// On MariaDB every table is InnoDB with a utf8 character set (MariaDB calls it utf8mb3).
fn check_mysql_options(db: &TestDb, schema: &Schema) {
    if db.backend != Backend::Mysql {
        return;
    }
    for t in &schema.tables {
        assert_eq!(
            t.options.get("mysql_engine").map(String::as_str),
            Some("InnoDB"),
            "{}",
            t.name
        );
        let charset = t
            .options
            .get("mysql_charset")
            .map(String::as_str)
            .unwrap_or_default();
        assert!(
            charset == "utf8" || charset == "utf8mb3",
            "{}: {charset}",
            t.name
        );
    }
}

fn index_names(t: &Table) -> Vec<&str> {
    let mut names: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    names
}

matrix!(seed_000_quota_tables, |db| {
    db.example("seed-000-quotas", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(
        db.tables(),
        vec![
            "migrate_version",
            "quota_classes",
            "quota_usages",
            "reservations"
        ]
    );
    let schema = db.schema();
    check_mysql_options(&db, &schema);
    let reservations = table(&schema, "reservations");
    let fk = &reservations.foreign_keys[0];
    assert_eq!(
        (
            fk.name.as_deref(),
            fk.ref_table.as_str(),
            fk.ref_columns.as_slice()
        ),
        (
            Some("reservations_ibfk_1"),
            "quota_usages",
            &["id".to_string()][..]
        )
    );
    assert!(index_names(reservations).contains(&"ix_reservations_project_id"));
    assert!(index_names(table(&schema, "quota_classes")).contains(&"ix_quota_classes_class_name"));
    let usages = table(&schema, "quota_usages");
    assert!(!usages.column("in_use").expect("in_use").nullable);
    assert!(
        usages
            .column("until_refresh")
            .expect("until_refresh")
            .nullable
    );
    assert!(usages.column("id").expect("id").autoincrement);
    // The seed's downgrade: the foreign key first, then the tables.
    let preview = db
        .run(&["downgrade", &db.url, "repo", "0", "--preview-sql"])
        .success()
        .stdout
        .clone();
    // SQLite has no DROP CONSTRAINT: it rebuilds reservations without the key.
    let marker = if db.backend == Backend::Sqlite {
        "_migrate_rebuild_reservations"
    } else {
        "reservations_ibfk_1"
    };
    let drop_fk = preview.find(marker).expect("drops the key");
    assert!(
        drop_fk < preview.find("DROP TABLE").expect("drops tables"),
        "{preview}"
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

matrix!(seed_001_cinder_initial_schema, |db| {
    db.example("seed-001-cinder", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    let schema = db.schema();
    let mut names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "iscsi_targets",
            "migrations",
            "quotas",
            "services",
            "sm_backend_config",
            "sm_flavors",
            "sm_volume",
            "snapshots",
            "volume_metadata",
            "volume_type_extra_specs",
            "volume_types",
            "volumes"
        ]
    );
    check_mysql_options(&db, &schema);
    let sm_volume = table(&schema, "sm_volume");
    let mut targets: Vec<&str> = sm_volume
        .foreign_keys
        .iter()
        .map(|f| f.ref_table.as_str())
        .collect();
    targets.sort();
    assert_eq!(targets, vec!["sm_backend_config", "volumes"]);
    assert_eq!(
        table(&schema, "volumes")
            .column("provider_auth")
            .expect("col")
            .ty,
        ColumnType::String(Some(256))
    );
    let before = db.snapshot();
    db.run(&["downgrade", &db.url, "repo", "0"]).failure(
        1,
        "this version cannot be downgraded: Downgrade from initial Cinder install is unsupported.",
    );
    assert_eq!(db.snapshot(), before);
});

matrix!(seed_002_compute_node_stats, |db| {
    db.example("seed-002-compute-stats", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    assert_eq!(
        db.tables(),
        vec!["compute_nodes", "migrate_version", "shadow_compute_nodes"]
    );
    let schema = db.schema();
    check_mysql_options(&db, &schema);
    for name in ["compute_nodes", "shadow_compute_nodes"] {
        let stats = table(&schema, name).column("stats").expect("stats").clone();
        assert_eq!(
            (stats.ty, stats.nullable),
            (ColumnType::Text, true),
            "{name}"
        );
        assert_eq!(
            stats.default,
            Some(DefaultValue::Text("{}".into())),
            "{name}"
        );
    }
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    let schema = db.schema();
    let stats = table(&schema, "compute_node_stats");
    assert_eq!(
        stats.foreign_keys[0].name.as_deref(),
        Some("fk_compute_node_stats_compute_node_id")
    );
    let indexes = index_names(stats);
    assert!(
        indexes.contains(&"compute_node_stats_node_id_and_deleted_idx"),
        "{indexes:?}"
    );
    let shadow = table(&schema, "shadow_compute_node_stats");
    assert!(
        shadow.foreign_keys.is_empty() && shadow.indexes.is_empty(),
        "the shadow has no key or index"
    );
    assert!(table(&schema, "compute_nodes").column("stats").is_none());
    // Version 1 has no written downgrade: it is derived.
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});

matrix!(seed_003_moves_prov_mac_address, |db| {
    db.example("seed-003-bm-interfaces", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo", "1"]).success();
    db.execute("INSERT INTO bm_nodes (id, service_host, prov_mac_address) VALUES (1, 'h', 'aa'), (2, 'h', 'bb'), (3, 'h', NULL)");
    // Address 'aa' is already registered: expected, and kept once.
    db.execute("INSERT INTO bm_interfaces (id, bm_node_id, address) VALUES (10, 1, 'aa')");
    db.run(&["upgrade", &db.url, "repo"]).success();
    let rows = db.query("SELECT bm_node_id, address FROM bm_interfaces ORDER BY address");
    let got: Vec<(Option<i64>, String)> = rows
        .iter()
        .map(|r| (r[0].as_int(), crate::support::text(&r[1])))
        .collect();
    assert_eq!(
        got,
        vec![(Some(1), "aa".to_string()), (Some(2), "bb".to_string())]
    );
    db.run(&["downgrade", &db.url, "repo", "1"]).success();
    // As the seed says, the downgrade cannot tell the interface that was there before.
    assert_eq!(
        db.query("SELECT COUNT(*) FROM bm_interfaces")[0][0].as_int(),
        Some(0)
    );
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(db.tables(), vec!["migrate_version"]);
});
