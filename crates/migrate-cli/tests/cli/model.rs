//! The model commands, sqlalchemy-migrate's experimental ones made dependable.

use crate::support::text;

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

matrix!(renames_confirmed_interactively_keep_the_data, |db| {
    let old = "[[table]]\nname = \"books\"\ncolumns = [{ name = \"id\", type = \"Integer\", nullable = false }, { name = \"title\", type = \"String(100)\" }]\nprimary_key = { columns = [\"id\"] }\n";
    db.write("old.toml", old);
    db.write(
        "new.toml",
        &old.replace("books", "volumes").replace("title", "name"),
    );
    db.run(&["create", "repo", "library"]).success();
    db.run(&["version_control", &db.url, "repo"]).success();
    db.run(&["update_db_from_model", &db.url, "repo", "old.toml"])
        .success();
    db.execute("INSERT INTO books (id, title) VALUES (1, 'Dune')");
    // Without confirmation the difference is a drop and a create: nothing is guessed.
    let out = db.run_with_input(&["diff", "old.toml", "new.toml", "-i"], "n\nn\n");
    assert_eq!(
        out.stdout,
        "create_table on 'volumes'\ndrop_table on 'books'\n"
    );
    assert!(
        out.stderr.contains("is books renamed to volumes? [y/N]"),
        "{}",
        out.stderr
    );
    // Confirming the table rename then offers the column rename inside it.
    let out = db.run_with_input(
        &[
            "make_update_script_for_model",
            &db.url,
            "repo",
            "old.toml",
            "new.toml",
            "--interactive",
        ],
        "y\nyes\n",
    );
    out.success();
    assert!(
        out.stderr.contains("is books.title renamed to name? [y/N]"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.run(&["upgrade", &db.url, "repo"]).success().stdout,
        "0 -> 1... \ndone\n"
    );
    assert_eq!(
        db.query("SELECT name FROM volumes WHERE id = 1")
            .iter()
            .map(|r| text(&r[0]))
            .collect::<Vec<_>>(),
        vec!["Dune"]
    );
    // And the derived downgrade renames back.
    db.run(&["downgrade", &db.url, "repo", "0"]).success();
    assert_eq!(
        db.query("SELECT title FROM books WHERE id = 1")
            .iter()
            .map(|r| text(&r[0]))
            .collect::<Vec<_>>(),
        vec!["Dune"]
    );
});

const SQL_MODEL: &str = "CREATE TABLE authors (
    id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    born DATE,
    PRIMARY KEY (id)
);
CREATE TABLE titles (
    id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    title VARCHAR(200) NOT NULL DEFAULT 'untitled',
    PRIMARY KEY (id),
    CONSTRAINT fk_titles_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
);
CREATE INDEX ix_titles_title ON titles (title);
";

matrix!(a_sql_model_file_is_applied_and_compared, |db| {
    db.run(&["create", "repo", "r"]).success();
    db.write("model.sql", SQL_MODEL);
    db.run(&["update_db_from_model", &db.url, "repo", "model.sql"])
        .success();
    assert_eq!(db.tables(), vec!["authors", "migrate_version", "titles"]);
    assert_eq!(
        db.run(&["compare_model_to_db", &db.url, "repo", "model.sql"])
            .success()
            .stdout,
        "the database matches the model\n"
    );
    db.write(
        "other.sql",
        &SQL_MODEL.replace("born DATE,", "born DATE,\n    died DATE,"),
    );
    let out = db.run(&["compare_model_to_db", &db.url, "repo", "other.sql"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (3, "the model needs add_column on 'authors'\n")
    );
    db.run(&["create", "bad", "b"]).success();
    db.write("bad.sql", "DROP TABLE authors;");
    db.run(&["compare_model_to_db", &db.url, "repo", "bad.sql"])
        .failure(1, "a model holds CREATE TABLE and CREATE INDEX only");
});
