//! One reproducer per open bug the fuzz targets found, each the smallest failing input, run
//! through the same invariant check as the fuzzer. Fixed ones run as regression tests; those
//! still open are ignored, naming the bug: un-ignore them (and the matching target in
//! `bounded.rs`) with the fix.

use migrate_fuzz::targets::{config, split, url};

#[test]
fn split_bare_delimiter_line_does_not_panic() {
    split::check(b"DELIMITER\nSELECT 1;\n");
    split::check(b"\nDELIMITER\n;");
}

#[test]
fn split_multibyte_statement_start_does_not_panic() {
    split::check("é;\nü SELECT 1;\n".as_bytes());
    split::check("DROPé;\nDROP TABLE t;".as_bytes());
    split::check("-- \u{feff};\u{feff};".as_bytes());
}

#[test]
fn split_unicode_whitespace_is_not_an_empty_statement() {
    split::check("SELECT 1;\u{a0};\n".as_bytes());
    split::check("SELECT 1;\u{b};\n".as_bytes());
}

/// A URL built from parts, with `password` written as is.
fn built(
    scheme: &'static str,
    user: &str,
    password: &str,
    database: &str,
    query: &str,
) -> url::Input {
    url::Input::Built(url::Parts {
        scheme,
        user: user.into(),
        password: password.into(),
        encoded: false,
        host: "localhost".into(),
        port: String::new(),
        database: database.into(),
        query: query.into(),
    })
}

fn raw_password(password: &str) -> url::Input {
    url::Input::Built(url::Parts {
        scheme: "postgresql",
        user: "bob".into(),
        password: password.into(),
        encoded: false,
        host: "localhost".into(),
        port: String::new(),
        database: "db".into(),
        query: String::new(),
    })
}

#[test]
fn url_raw_password_with_delimiters_is_never_shown() {
    url::check(&raw_password("pa/ss"));
    url::check(&raw_password("¡#A"));
    url::check(&raw_password("what?now"));
}

#[test]
fn url_raw_password_in_an_sqlite_host_part_is_never_shown() {
    url::check(&built("sqlite", "", "?0¡", "", ""));
}

#[test]
fn a_password_that_is_part_of_the_help_text_is_not_a_finding() {
    url::check(&built("postgres", "", "l://", "", ""));
}

#[test]
fn url_with_a_line_break_in_its_scheme_separator_hides_the_password() {
    url::check(&url::Input::Raw(
        "mysql+pymysql:\n//root:p%40ss%3Aword@[::1]:3307/heat?://charset=utf8".into(),
    ));
}

#[test]
fn config_syntax_errors_name_a_line_of_the_file() {
    config::check(&config::Input::Text(
        "[db_settings\nrepository_id=x\n".into(),
    ));
    config::check(&config::Input::Text(
        "[db_settings]\nrepository_id=x\nfoo".into(),
    ));
}

#[test]
fn config_value_ending_in_backslash_reads_back() {
    config::check(&config::Input::Built(config::Fields {
        repository_id: "a".into(),
        version_table: "\\".into(),
        required_dbs: Vec::new(),
        use_timestamp_numbering: false,
    }));
}

#[test]
fn config_required_dbs_with_quotes_or_line_breaks_is_refused_not_misread() {
    config::check(&config::Input::Text(
        "[db_settings]\nrepository_id\t = é日本\nversion_table=\nrequired_dbs=[' \"a\" , b,]\nuse_timestamp_numbering = yes\n".into(),
    ));
    config::check(&config::Input::Text(
        "[db_settings]\nrepository_id=sample\nrequired_dbs=[']\n\n  required_dbs=[']\n".into(),
    ));
}

#[test]
fn config_names_python_reads_as_blank_are_refused_at_create() {
    config::check(&config::Input::Built(config::Fields {
        repository_id: "\u{1c}".into(),
        version_table: "-".into(),
        required_dbs: Vec::new(),
        use_timestamp_numbering: false,
    }));
}

#[test]
fn url_password_with_an_at_and_a_slash_never_becomes_the_host() {
    url::check(&built("postgresql", ".", "@!/", "..", ""));
}

#[test]
fn config_errors_name_a_key_written_in_another_case() {
    config::check(&config::Input::Text(
        "[db_settings]\nrepository_id=x\nrequired_dbS:s=['sqlite']\n".into(),
    ));
}

#[test]
fn a_password_that_is_part_of_the_refusal_is_not_a_finding() {
    url::check(&built("postgresql", "", "'/'", "", ""));
}

#[test]
fn url_password_with_a_question_mark_never_becomes_an_option() {
    url::check(&built("postgresql", "a", "/?\"", "", "?="));
}
