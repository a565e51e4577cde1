//! The splitter on non-ASCII text, Unicode whitespace, MySQL block endings, executable
//! comments and `DELIMITER` lines (issue 12): never a panic, never an empty statement.

use super::*;
use crate::dialect::{Dialect, MYSQL, POSTGRES, SQLITE};

fn lexers() -> [(&'static str, LexerOptions); 3] {
    [
        ("sqlite", SQLITE.lexer()),
        ("postgres", POSTGRES.lexer()),
        ("mysql", MYSQL.lexer()),
    ]
}

fn texts(script: &str, opts: LexerOptions) -> Vec<(usize, String)> {
    split(script, opts)
        .unwrap()
        .into_iter()
        .map(|s| (s.line, s.text.to_string()))
        .collect()
}

#[test]
fn non_ascii_text_everywhere_splits_on_every_lexer() {
    let script = "SELECT 'é';\nUPDATE tä SET a = 1;\nINSERT INTO \"tä€\" VALUES ('😀;ü', 'x'); -- ünïcode; comment\n/* ブロック; */ SELECT é FROM ü;\né;\nDELETE FROM tä WHERE b = 'ß';";
    for (name, opts) in lexers() {
        let got = texts(script, opts);
        assert_eq!(
            got,
            vec![
                (1, "SELECT 'é'".to_string()),
                (2, "UPDATE tä SET a = 1".to_string()),
                (3, "INSERT INTO \"tä€\" VALUES ('😀;ü', 'x')".to_string()),
                (4, "SELECT é FROM ü".to_string()),
                (5, "é".to_string()),
                (6, "DELETE FROM tä WHERE b = 'ß'".to_string()),
            ],
            "{name}"
        );
    }
}

#[test]
fn non_ascii_in_mysql_delimiter_blocks_backticks_and_escapes() {
    let script = "DELIMITER €€\nCREATE PROCEDURE pä() BEGIN SELECT 'é\\'€€'; SELECT `ü;`; END€€\nDELIMITER ;\nSELECT 'ü';";
    let got = texts(script, MYSQL.lexer());
    assert_eq!(
        got,
        vec![
            (
                2,
                "CREATE PROCEDURE pä() BEGIN SELECT 'é\\'€€'; SELECT `ü;`; END".to_string()
            ),
            (4, "SELECT 'ü'".to_string()),
        ]
    );
}

#[test]
fn mysql_delimiter_right_after_a_word_ends_the_statement() {
    let script = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END$$\nCREATE TABLE t (a INT)$$\nDELIMITER ;\nSELECT 2;";
    let got = texts(script, MYSQL.lexer());
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].1.ends_with("END"), "{got:?}");
    assert_eq!(got[1], (3, "CREATE TABLE t (a INT)".to_string()));
}

#[test]
fn non_ascii_in_postgres_dollar_bodies_and_sqlite_brackets() {
    let pg = "CREATE FUNCTION fä() RETURNS int AS $tä$ BEGIN RETURN 1; END; $tä$ LANGUAGE plpgsql;\nSELECT 'é';";
    assert_eq!(texts(pg, POSTGRES.lexer()).len(), 2);
    let sqlite = "CREATE TABLE [tä;b] (é INTEGER);\nSELECT [tä;b].é FROM [tä;b];";
    assert_eq!(texts(sqlite, SQLITE.lexer()).len(), 2);
}

#[test]
fn words_with_non_ascii_letters_are_not_keywords() {
    // `endé` and `begin_ä` are identifiers: no block closes or opens.
    let script =
        "CREATE PROCEDURE p() BEGIN SET @endé = 1; SET @begin_ä = 2; SELECT 1; END;\nSELECT 2;";
    assert_eq!(texts(script, MYSQL.lexer()).len(), 2);
}

#[test]
fn unicode_whitespace_between_statements_is_never_a_statement() {
    let script = "\u{feff}SELECT 1;\u{a0}\n\u{b};\u{c};\u{2003}\u{3000};\u{85};\nSELECT 2;\u{a0}\u{feff}\n/* only */;\n-- only\n;\u{b}";
    for (name, opts) in lexers() {
        let got = texts(script, opts);
        assert_eq!(
            got,
            vec![(1, "SELECT 1".to_string()), (3, "SELECT 2".to_string())],
            "{name}"
        );
    }
}

#[test]
fn mysql_end_case_and_friends_close_their_blocks() {
    for body in [
        "CASE 1 WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE;",
        "IF 1 THEN SELECT 1; ELSEIF 2 THEN SELECT 2; END IF;",
        "l: LOOP LEAVE l; END LOOP l;",
        "WHILE 0 DO SELECT 1; END WHILE;",
        "REPEAT SELECT 1; UNTIL 1 END REPEAT;",
        "SELECT CASE WHEN 1 THEN 2 END; CASE 1 WHEN 1 THEN SELECT CASE 2 WHEN 2 THEN 3 END; END CASE;",
        "BEGIN SELECT 1; END; IF 1 THEN SELECT 2; END IF;",
        "FOR i IN 1..3 DO SELECT i; END FOR;",
        "SELECT a FROM t WHERE b = CASE WHEN 1 THEN 1 END FOR UPDATE; SELECT 1;",
    ] {
        let script = format!("CREATE PROCEDURE p() BEGIN {body} END;\nSELECT 3;\nSELECT 4;");
        let got = texts(&script, MYSQL.lexer());
        assert_eq!(got.len(), 3, "{body}: {got:?}");
        assert_eq!(got[1], (2, "SELECT 3".to_string()), "{body}");
    }
}

#[test]
fn tables_named_like_routines_hold_no_blocks() {
    let script = "CREATE TABLE event (id INT, begin INT, `end` INT);\nCREATE TABLE x (a INT);\nCREATE INDEX trigger ON event (begin);\nSELECT 1;";
    for (name, opts) in lexers() {
        assert_eq!(texts(script, opts).len(), 4, "{name}");
    }
}

#[test]
fn mysql_executable_comments_are_statements() {
    let script = "/*!40101 SET NAMES utf8mb4 */;\n/*M!100100 SET @x = 1 */;\n/* plain; */;\nCREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */;\n";
    let got = texts(script, MYSQL.lexer());
    assert_eq!(
        got,
        vec![
            (1, "/*!40101 SET NAMES utf8mb4 */".to_string()),
            (2, "/*M!100100 SET @x = 1 */".to_string()),
            (
                4,
                "CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */".to_string()
            ),
        ]
    );
    // A checksum sees them: changing one is a real change.
    assert_ne!(
        normalize("/*!40101 SET NAMES utf8 */;", MYSQL.lexer()).unwrap(),
        normalize("/*!40101 SET NAMES latin1 */;", MYSQL.lexer()).unwrap()
    );
    // Elsewhere they are comments.
    assert!(texts("/*!40101 SET NAMES utf8 */;", POSTGRES.lexer()).is_empty());
}

#[test]
fn bare_delimiter_line_is_an_error_naming_its_line() {
    for script in [
        "SELECT 1;\nDELIMITER\nSELECT 2;",
        "SELECT 1;\ndelimiter   \nSELECT 2;",
        "SELECT 1;\nDELIMITER\t\r\nSELECT 2;",
        "SELECT 1;\nDELIMITER",
        "SELECT 1;\nDELIMITER \u{a0}",
    ] {
        let err = split(script, MYSQL.lexer()).unwrap_err();
        assert_eq!(err, SplitError::EmptyDelimiter { line: 2 }, "{script:?}");
        assert_eq!(err.to_string(), "DELIMITER on line 2 names no delimiter");
        assert!(err.help().is_some());
    }
    // `DELIMITER` as a word inside a statement, or an identifier, is not the command.
    assert_eq!(
        texts("SELECT 1 AS delimiter;\nSELECT delimiter_x;", MYSQL.lexer()).len(),
        2
    );
}

/// Scripts with every construct the lexers know, non-ASCII inside each.
const TRICKY: &[&str] = &[
    "DELIMITER ü€\nCREATE TRIGGER tä BEFORE INSERT ON é FOR EACH ROW BEGIN CASE 1 WHEN 1 THEN SET @é = 'ß\\''; END CASE; END ü€\nDELIMITER ;\n/*!40101 SET é = 1 */; # ☃ comment\nSELECT `☃`, 'é', \"ü\" -- é\n;",
    "CREATE FUNCTION f() RETURNS int AS $é$ BEGIN RETURN 'ü'; END $é$;\nSELECT E'\\é', $1, [é];\n/* /* ☃ */ é */ DO $$ BEGIN END $$;\u{feff}\u{a0}",
    "\u{feff}BEGIN;\nDELIMITER\nSAVEPOINT é;\nEND CASE é;\u{b}\u{c}\u{2028}ROLLBACK TO é;",
];

#[test]
fn every_prefix_of_tricky_scripts_splits_or_errs_without_panicking() {
    for script in TRICKY {
        for (at, _) in script.char_indices().chain([(script.len(), ' ')]) {
            let prefix = &script[..at];
            for (_, opts) in lexers() {
                if let Ok(statements) = split(prefix, opts) {
                    for s in &statements {
                        assert!(
                            !s.text.trim_matches(is_space).is_empty(),
                            "empty statement from {prefix:?}"
                        );
                        assert!(s.line >= 1);
                    }
                }
                let _ = normalize(prefix, opts);
            }
        }
    }
}

/// Fragments that open, close or confuse every construct, joined at random (a fixed seed, so
/// a failure reproduces): the entry points return statements or an error, never panic.
#[test]
fn random_mixes_of_fragments_never_panic() {
    const FRAGMENTS: &[&str] = &[
        ";",
        "'",
        "\"",
        "`",
        "[",
        "]",
        "$$",
        "$é$",
        "$1",
        "/*",
        "*/",
        "/*!",
        "/*M!",
        "--",
        "-- ",
        "#",
        "\\",
        "\n",
        "\r\n",
        "\u{a0}",
        "\u{b}",
        "\u{feff}",
        "é",
        "😀",
        "€",
        "DELIMITER",
        "DELIMITER //\n",
        "DELIMITER\n",
        "//",
        "BEGIN",
        "END",
        "CASE",
        "IF",
        "FOR",
        "END CASE",
        "CREATE PROCEDURE p() ",
        "CREATE TRIGGER ",
        "E'",
        "x",
        " ",
        "ROLLBACK",
        "COMMIT",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let toml = LexerOptions {
        hash_comments: true,
        backslash_escapes: true,
        ..LexerOptions::default()
    };
    for _ in 0..3000 {
        let n = 1 + next() % 24;
        let script: String = (0..n)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect();
        for (_, opts) in lexers().into_iter().chain([("toml", toml)]) {
            if let Ok(statements) = split(&script, opts) {
                for s in statements {
                    assert!(!s.text.trim_matches(is_space).is_empty(), "{script:?}");
                    let _ = s.transaction_control();
                }
            }
            let _ = normalize(&script, opts);
        }
    }
}
