//! `migrate test`: each version's downgrade must undo its upgrade, on every database.

matrix!(test_passes_on_the_example_repositories, |db| {
    for (i, example) in [
        "books-portable/migrate_repo",
        "seed-000-quotas",
        "seed-002-compute-stats",
        "seed-003-bm-interfaces",
        "seed-001-cinder",
    ]
    .iter()
    .enumerate()
    {
        let repo = format!("repo{i}");
        db.example(example, &repo);
        // Each example gets its own version table, so they share the database.
        let cfg = db.path(&format!("{repo}/migrate.cfg"));
        let text = std::fs::read_to_string(&cfg).expect("cfg").replace(
            "version_table=migrate_version",
            &format!("version_table=v{i}"),
        );
        std::fs::write(&cfg, text).expect("cfg");
        let before = db.snapshot();
        let out = db.run(&["test", &db.url, &repo]);
        let stdout = out.success().stdout.clone();
        assert!(
            stdout
                .lines()
                .all(|l| l.ends_with("ok") || l.ends_with("not downgraded)")),
            "{example}: {stdout}"
        );
        // It worked on a scratch database: the given one is exactly as it was.
        assert_eq!(db.snapshot(), before, "{example}");
        if *example == "seed-001-cinder" {
            assert!(
                stdout.contains("1: upgrade... ok (irreversible: not downgraded)"),
                "{stdout}"
            );
        }
    }
});

matrix!(test_catches_a_downgrade_that_forgets_an_index, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write("repo/versions/001_t.toml", "[[upgrade]]\ncreate_table = { name = \"t\", columns = [{ name = \"id\", type = \"Integer\", primary_key = true }, { name = \"a\", type = \"String(20)\" }] }\n");
    db.write(
        "repo/versions/002_ix_default_upgrade.sql",
        "CREATE INDEX ix_t_a ON t (a);\n",
    );
    db.write(
        "repo/versions/002_ix_default_downgrade.sql",
        "-- forgot: DROP INDEX ix_t_a\nSELECT 1;\n",
    );
    let before = db.snapshot();
    let out = db.run(&["test", &db.url, "repo"]);
    out.failure(
        1,
        "version 2's downgrade does not undo its upgrade: index 'ix_t_a' on 't' remains",
    );
    assert_eq!(db.snapshot(), before);
});

matrix!(schema_prints_reflected_and_replayed_schemas, |db| {
    db.example("books-portable/migrate_repo", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    let json: serde_json::Value =
        serde_json::from_str(&db.run(&["schema", &db.url]).success().stdout).expect("json");
    let columns = json["tables"][0]["columns"]
        .as_array()
        .expect("columns")
        .len();
    assert_eq!(
        (json["tables"][0]["name"].as_str(), columns),
        (Some("books"), 6)
    );
    let replayed: serde_json::Value =
        serde_json::from_str(&db.run(&["schema", "repo@1"]).success().stdout).expect("json");
    assert_eq!(
        replayed["tables"][0]["columns"]
            .as_array()
            .expect("columns")
            .len(),
        5
    );
    let sql = db
        .run(&["schema", "repo", "--format", "sql", "--dialect", "sqlite"])
        .success()
        .stdout
        .clone();
    assert!(
        sql.starts_with("CREATE TABLE \"books\" (") && sql.contains("\"isbn\" BIGINT NOT NULL"),
        "{sql}"
    );
});

matrix!(
    reflected_schemas_equal_replayed_ones_at_every_version,
    |db| {
        // Seed 001 cannot be downgraded, so it goes last; the others leave nothing behind.
        let examples = [
            "books-portable/migrate_repo",
            "seed-000-quotas",
            "seed-002-compute-stats",
            "seed-003-bm-interfaces",
            "seed-001-cinder",
        ];
        for (i, example) in examples.iter().enumerate() {
            let repo = format!("repo{i}");
            db.example(example, &repo);
            let cfg = db.path(&format!("{repo}/migrate.cfg"));
            let text = std::fs::read_to_string(&cfg).expect("cfg").replace(
                "version_table=migrate_version",
                &format!("version_table=v{i}"),
            );
            std::fs::write(&cfg, text).expect("cfg");
            db.run(&["version_control", &db.url, &repo]).success();
            let latest: u64 = db
                .run(&["version", &repo])
                .success()
                .stdout
                .trim()
                .parse()
                .expect("latest");
            for v in 1..=latest {
                db.run(&["upgrade", &db.url, &repo, &v.to_string()])
                    .success();
                let out = db.run(&["drift", &db.url, &repo]);
                assert_eq!(
                    out.code, 0,
                    "{example} at {v}:\n{}{}",
                    out.stdout, out.stderr
                );
            }
            if *example != "seed-001-cinder" {
                db.run(&["downgrade", &db.url, &repo, "0"]).success();
                db.run(&["drop_version_control", &db.url, &repo]).success();
            }
        }
    }
);

matrix!(drift_reports_a_hand_made_change, |db| {
    db.example("books-portable/migrate_repo", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    db.execute("CREATE INDEX ix_by_hand ON books (author)");
    let out = db.run(&["drift", &db.url, "repo"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("drop_index on 'books'"),
        "{}",
        out.stdout
    );
});

matrix!(
    drift_of_a_sql_repository_runs_it_on_a_scratch_database,
    |db| {
        db.books_repo("repo");
        db.run(&["version_control", &db.url, "repo"]).success();
        for v in ["1", "2"] {
            db.run(&["upgrade", &db.url, "repo", v]).success();
            let out = db.run(&["drift", &db.url, "repo"]);
            assert_eq!(out.code, 0, "at {v}: {}{}", out.stdout, out.stderr);
        }
        db.execute("ALTER TABLE books ADD COLUMN extra INTEGER");
        let out = db.run(&["drift", &db.url, "repo"]);
        assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("drop_column on 'books'"),
            "{}",
            out.stdout
        );
        // The scratch databases are gone.
        assert_eq!(db.tables(), vec!["books", "migrate_version"]);
    }
);
