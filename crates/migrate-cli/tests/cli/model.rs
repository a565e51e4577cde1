//! The model commands, sqlalchemy-migrate's experimental ones made dependable.

matrix!(model_commands_round_trip, |db| {
    db.example("books-portable/migrate_repo", "repo");
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["upgrade", &db.url, "repo"]).success();
    // The database as a model, compared with itself.
    let model = db
        .run(&["create_model", &db.url, "repo"])
        .success()
        .stdout
        .clone();
    db.write("model.toml", &model);
    assert_eq!(
        db.run(&["compare_model_to_db", &db.url, "repo", "model.toml"])
            .success()
            .stdout,
        "the database matches the model\n"
    );
    // A new column and a new table in the model.
    let wanted = format!(
        "{model}\n[[table]]\nname = \"shelves\"\ncolumns = [{{ name = \"id\", type = \"Integer\", nullable = false }}]\nprimary_key = {{ columns = [\"id\"] }}\n"
    );
    db.write("wanted.toml", &wanted);
    let out = db.run(&["compare_model_to_db", &db.url, "repo", "wanted.toml"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("the model needs create_table on 'shelves'"),
        "{}",
        out.stdout
    );
    // The next version's script, written from the two models, brings the database there.
    db.run(&[
        "make_update_script_for_model",
        &db.url,
        "repo",
        "model.toml",
        "wanted.toml",
    ])
    .success();
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "2 -> 3... \ndone\n"
    );
    db.run(&["compare_model_to_db", &db.url, "repo", "wanted.toml"])
        .success();
    assert_eq!(
        db.run(&["diff", &db.url, "repo@3"]).success().stdout,
        "no differences\n"
    );
    let out = db.run(&["diff", "repo@2", "repo@3"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (3, "create_table on 'shelves'\n")
    );
    // Back to the old model: update_db_from_model refuses to drop a table unless told.
    let before = db.snapshot();
    db.run(&["update_db_from_model", &db.url, "repo", "model.toml"])
        .failure(1, "the model would drop table(s) shelves");
    assert_eq!(db.snapshot(), before);
    db.run(&[
        "update_db_from_model",
        &db.url,
        "repo",
        "model.toml",
        "--allow-drop",
    ])
    .success();
    assert_eq!(db.tables(), vec!["books", "migrate_version"]);
    assert_eq!(
        db.run(&["db_version", &db.url, "repo"]).success().stdout,
        "3\n"
    );
});
