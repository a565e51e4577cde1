//! Splits a SQL script into statements, the way each database's own client would.
//!
//! Drivers do not reliably accept several statements at once (and an error in a batch loses
//! its position), so scripts are split here. The lexer knows quotes, comments, PostgreSQL
//! dollar-quoted bodies, MySQL backticks and `DELIMITER`, and keeps `BEGIN … END` bodies of
//! triggers and routines whole. It never interprets SQL beyond that.

/// Tokenising rules that differ between databases; each dialect returns its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LexerOptions {
    /// `$$ … $$` and `$tag$ … $tag$` bodies (PostgreSQL).
    pub dollar_quotes: bool,
    /// `/* /* */ */` nests (PostgreSQL).
    pub nested_block_comments: bool,
    /// `` `name` `` identifiers (MySQL, SQLite).
    pub backtick_identifiers: bool,
    /// `[name]` identifiers (SQLite).
    pub bracket_identifiers: bool,
    /// `# comment` to the end of the line (MySQL); `--` then needs a following space.
    pub hash_comments: bool,
    /// Backslash escapes inside quoted strings (MySQL).
    pub backslash_escapes: bool,
    /// The `DELIMITER xx` client command that changes the statement terminator (MySQL).
    pub delimiter_command: bool,
    /// `/*! … */` and `/*M! … */` are executable comments: SQL the server runs (MySQL).
    pub executable_comments: bool,
}

/// One statement of a script, without its terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement text, from its first token to its last, comments inside kept.
    pub text: &'a str,
    /// The 1-based line of the script where the statement starts.
    pub line: usize,
}

impl Statement<'_> {
    /// Whether this is a transaction-control statement, and whether it can be skipped or
    /// must be refused (see [`super::TransactionControl`]).
    pub fn transaction_control(&self) -> Option<super::TransactionControl> {
        super::transaction::classify(self.text)
    }
}

/// A script that cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// A quote or comment never ends.
    #[error("{what} opened on line {line} is never closed")]
    Unclosed {
        /// What was left open ("string", "block comment", "dollar-quoted body"…).
        what: &'static str,
        /// The line it started on.
        line: usize,
    },
    /// A `DELIMITER` line without the new terminator.
    #[error("DELIMITER on line {line} names no delimiter")]
    EmptyDelimiter {
        /// The line of the `DELIMITER` command.
        line: usize,
    },
}

impl SplitError {
    /// The 1-based line at fault.
    pub fn line(&self) -> usize {
        match self {
            SplitError::Unclosed { line, .. } | SplitError::EmptyDelimiter { line } => *line,
        }
    }

    /// The remedy to show beside the error.
    pub fn help(&self) -> Option<String> {
        match self {
            SplitError::Unclosed { .. } => None,
            SplitError::EmptyDelimiter { .. } => Some(
                "write the new terminator after it (`DELIMITER //`), and `DELIMITER ;` to switch back"
                    .into(),
            ),
        }
    }
}

/// Whitespace between tokens: Unicode's (no-break space, vertical tab, form feed, …) and the
/// byte-order mark, so that none of it ever becomes a statement of its own.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// A character of an unquoted identifier or keyword; the databases allow non-ASCII letters.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !is_space(c))
}

/// The script with comments and blank lines removed, line endings made `\n` and trailing
/// whitespace dropped: the text a checksum should see, so that only real changes count.
///
/// # Errors
/// As [`split`].
pub fn normalize(script: &str, opts: LexerOptions) -> Result<String, SplitError> {
    let mut splitter = Splitter::new(script, opts);
    splitter.keep_comments = true;
    let comments = splitter.run_collecting()?;
    let mut text = String::with_capacity(script.len());
    let mut at = 0;
    for (start, end) in comments {
        text.push_str(&script[at..start]);
        at = end;
    }
    text.push_str(&script[at..]);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    Ok(lines.join("\n"))
}

/// Splits `script` into statements under the given rules.
///
/// # Errors
/// A [`SplitError`] when a string, quoted identifier, comment or dollar-quoted body is not
/// closed before the end of the script.
pub fn split(script: &str, opts: LexerOptions) -> Result<Vec<Statement<'_>>, SplitError> {
    Splitter::new(script, opts).run()
}

struct Splitter<'a> {
    src: &'a str,
    bytes: &'a [u8],
    opts: LexerOptions,
    pos: usize,
    line: usize,
    delimiter: String,
    out: Vec<Statement<'a>>,
    // Per statement:
    first: Option<(usize, usize)>,
    last_end: usize,
    words: Vec<String>,
    depth: u32,
    after_end: bool,
    keep_comments: bool,
    comments: Vec<(usize, usize)>,
}

impl<'a> Splitter<'a> {
    fn new(src: &'a str, opts: LexerOptions) -> Self {
        Splitter {
            src,
            bytes: src.as_bytes(),
            opts,
            pos: 0,
            line: 1,
            delimiter: ";".to_string(),
            out: Vec::new(),
            first: None,
            last_end: 0,
            words: Vec::new(),
            depth: 0,
            after_end: false,
            keep_comments: false,
            comments: Vec::new(),
        }
    }

    fn run_collecting(mut self) -> Result<Vec<(usize, usize)>, SplitError> {
        self.keep_comments = true;
        while self.pos < self.bytes.len() {
            self.token()?;
        }
        Ok(self.comments)
    }

    fn note_comment(&mut self, start: usize) {
        if self.keep_comments {
            self.comments.push((start, self.pos));
        }
    }

    fn run(mut self) -> Result<Vec<Statement<'a>>, SplitError> {
        while self.pos < self.bytes.len() {
            if self.first.is_none() && self.opts.delimiter_command && self.at_delimiter_command()? {
                continue;
            }
            // A terminator set by `DELIMITER` ends the statement whatever its blocks, as in
            // the client; `;` ends it only outside `BEGIN … END` bodies.
            let counts = self.depth == 0 || self.delimiter != ";";
            if counts && self.bytes[self.pos..].starts_with(self.delimiter.as_bytes()) {
                self.pos += self.delimiter.len();
                self.finish_statement();
                continue;
            }
            self.token()?;
        }
        self.finish_statement();
        Ok(self.out)
    }

    fn peek(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    /// The character at `pos`, if `pos` is on a character boundary.
    fn char_here(&self) -> Option<char> {
        self.src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    /// Consumes one token (or one whitespace character, or one comment) at `pos`.
    fn token(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        if self.skip_trivia()? {
            return Ok(());
        }
        let c = self.peek(0);
        self.mark_significant(start);
        match c {
            b'\'' => {
                let escapes = self.opts.backslash_escapes || self.is_escape_string_prefix();
                self.skip_quoted(b'\'', escapes, "string")?
            }
            b'"' => self.skip_quoted(b'"', self.opts.backslash_escapes, "quoted identifier")?,
            b'`' if self.opts.backtick_identifiers => {
                self.skip_quoted(b'`', false, "backtick identifier")?
            }
            b'[' if self.opts.bracket_identifiers => {
                self.skip_quoted(b']', false, "bracket identifier")?
            }
            b'$' if self.opts.dollar_quotes && self.dollar_tag().is_some() => {
                self.skip_dollar_quoted()?
            }
            // An executable comment: the server runs what is inside.
            b'/' if self.peek(1) == b'*' => self.skip_block_comment()?,
            c if c.is_ascii_alphabetic() || c == b'_' || !c.is_ascii() => self.word(),
            _ => self.pos += 1,
        }
        if !c.is_ascii_alphabetic() && c != b'_' && c.is_ascii() {
            // Only a word right after `END` can be `END IF`'s `IF`; `END; IF …` is not.
            self.after_end = false;
        }
        self.last_end = self.pos;
        Ok(())
    }

    /// Whitespace or a comment at `pos`: consumed, and `true`.
    fn skip_trivia(&mut self) -> Result<bool, SplitError> {
        let start = self.pos;
        if let Some(space) = self.char_here().filter(|ch| is_space(*ch)) {
            if space == '\n' {
                self.line += 1;
            }
            self.pos += space.len_utf8();
            return Ok(true);
        }
        let comment = match self.peek(0) {
            b'-' if self.peek(1) == b'-' && self.dash_comment_allowed() => {
                self.skip_line();
                true
            }
            b'#' if self.opts.hash_comments => {
                self.skip_line();
                true
            }
            b'/' if self.peek(1) == b'*' && !self.is_executable_comment() => {
                self.skip_block_comment()?;
                true
            }
            _ => false,
        };
        if comment {
            self.note_comment(start);
        }
        Ok(comment)
    }

    fn mark_significant(&mut self, start: usize) {
        if self.first.is_none() {
            self.first = Some((start, self.line));
        }
    }

    /// `/*!…*/` and `/*M!…*/` at `pos`, where the dialect runs them.
    fn is_executable_comment(&self) -> bool {
        self.opts.executable_comments
            && (self.peek(2) == b'!' || (self.peek(2) == b'M' && self.peek(3) == b'!'))
    }

    fn dash_comment_allowed(&self) -> bool {
        // MySQL needs whitespace after `--`, so `5--1` stays arithmetic.
        // See: https://dev.mysql.com/doc/refman/8.0/en/ansi-diff-comments.html
        !self.opts.hash_comments
            || matches!(self.peek(2), 0 | b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
    }

    fn is_escape_string_prefix(&self) -> bool {
        // PostgreSQL E'…' strings take backslash escapes even with standard strings on.
        let prev = self.pos.checked_sub(1).map(|p| self.bytes[p]);
        let before = self.pos.checked_sub(2).map(|p| self.bytes[p]);
        matches!(prev, Some(b'E' | b'e'))
            && !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    }

    fn skip_line(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), SplitError> {
        let line = self.line;
        let mut depth = 0u32;
        while self.pos < self.bytes.len() {
            if self.peek(0) == b'/' && self.peek(1) == b'*' {
                if depth == 0 || self.opts.nested_block_comments {
                    depth += 1;
                }
                self.pos += 2;
            } else if self.peek(0) == b'*' && self.peek(1) == b'/' {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return Ok(());
                }
            } else {
                if self.peek(0) == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
        }
        Err(SplitError::Unclosed {
            what: "block comment",
            line,
        })
    }

    fn skip_quoted(
        &mut self,
        close: u8,
        escapes: bool,
        what: &'static str,
    ) -> Result<(), SplitError> {
        let line = self.line;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            if c == b'\n' {
                self.line += 1;
            }
            if escapes && c == b'\\' {
                if self.peek(1) == b'\n' {
                    self.line += 1;
                }
                self.pos += 2;
                continue;
            }
            self.pos += 1;
            if c == close {
                // A doubled quote is an escaped quote, not the end.
                if close != b']' && self.peek(0) == close {
                    self.pos += 1;
                    continue;
                }
                return Ok(());
            }
        }
        Err(SplitError::Unclosed { what, line })
    }

    /// The tag of a dollar quote starting at `pos` (`$$` gives ""), if one starts there.
    fn dollar_tag(&self) -> Option<&'a str> {
        let prev_is_ident = self
            .src
            .get(..self.pos)
            .and_then(|before| before.chars().next_back())
            .is_some_and(|ch| ch != '$' && is_word_char(ch));
        if prev_is_ident {
            return None;
        }
        let rest = &self.bytes[self.pos + 1..];
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b >= 0x80)
            .count();
        let tag_starts_with_digit = rest.first().is_some_and(u8::is_ascii_digit);
        if tag_starts_with_digit || rest.get(len) != Some(&b'$') {
            return None;
        }
        self.src.get(self.pos + 1..self.pos + 1 + len)
    }

    fn skip_dollar_quoted(&mut self) -> Result<(), SplitError> {
        let line = self.line;
        let tag = self.dollar_tag().unwrap_or_default();
        let marker = format!("${tag}$");
        let body_start = self.pos + marker.len();
        match self
            .src
            .get(body_start..)
            .and_then(|body| body.find(&marker))
        {
            Some(offset) => {
                let end = body_start + offset + marker.len();
                self.line += self.bytes[self.pos..end]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                self.pos = end;
                Ok(())
            }
            None => Err(SplitError::Unclosed {
                what: "dollar-quoted body",
                line,
            }),
        }
    }

    /// A keyword or identifier; tracks the words that decide whether `BEGIN … END` nests.
    fn word(&mut self) {
        let start = self.pos;
        let rest = self.src.get(start..).unwrap_or_default();
        // A `DELIMITER` terminator ends the word too (`END$$`, `END€€`), as in the client.
        let delimiter = self.delimiter.as_str();
        let len = rest
            .char_indices()
            .find(|(i, ch)| !is_word_char(*ch) || (*i > 0 && rest[*i..].starts_with(delimiter)))
            .map_or(rest.len(), |(i, _)| i);
        // Never stuck: a byte that is no word character still makes progress.
        self.pos += len.max(1);
        let word = rest[..len].to_ascii_uppercase();
        if self.words.len() < 8 {
            self.words.push(word.clone());
        }
        if !self.is_compound_statement() {
            return;
        }
        // MariaDB's anonymous block: the BEGIN was seen before it was known to open one.
        if self.words.len() == 2 && self.words[0] == "BEGIN" {
            self.depth = 1;
            return;
        }
        // `END IF`, `END LOOP`, … close blocks whose openers are not counted: undo the `END`.
        // `END CASE` closes a counted `CASE`: its `CASE` opens nothing.
        let after_end = std::mem::take(&mut self.after_end);
        match (after_end, word.as_str()) {
            (true, "IF" | "LOOP" | "WHILE" | "REPEAT") => self.depth += 1,
            // MariaDB's `END FOR`, unless it is a `CASE … END FOR UPDATE` locking clause.
            (true, "FOR") if !self.next_word_is(&["UPDATE", "SHARE"]) => self.depth += 1,
            (true, "CASE") => {}
            (_, "BEGIN" | "CASE") => self.depth += 1,
            (_, "END") => {
                self.depth = self.depth.saturating_sub(1);
                self.after_end = true;
            }
            _ => {}
        }
    }

    /// Whether the word after `pos` (past whitespace) is one of `words`.
    fn next_word_is(&self, words: &[&str]) -> bool {
        let rest = self
            .src
            .get(self.pos..)
            .unwrap_or_default()
            .trim_start_matches(is_space);
        let len = rest.find(|ch| !is_word_char(ch)).unwrap_or(rest.len());
        words.iter().any(|w| rest[..len].eq_ignore_ascii_case(w))
    }

    /// Triggers, routines and events hold `;`-terminated statements inside `BEGIN … END`.
    fn is_compound_statement(&self) -> bool {
        match self.words.first().map(String::as_str) {
            // The first word naming a kind of object decides: `CREATE TABLE event (…, begin
            // INT)` is a table, whatever its names.
            Some("CREATE") => self
                .words
                .iter()
                .find(|w| {
                    matches!(
                        w.as_str(),
                        "TRIGGER"
                            | "PROCEDURE"
                            | "FUNCTION"
                            | "EVENT"
                            | "TABLE"
                            | "VIEW"
                            | "INDEX"
                            | "SEQUENCE"
                            | "DATABASE"
                            | "SCHEMA"
                            | "TYPE"
                            | "DOMAIN"
                    )
                })
                .is_some_and(|w| {
                    matches!(w.as_str(), "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT")
                }),
            Some("BEGIN") => self.words.get(1).is_some_and(|w| w == "NOT"),
            _ => false,
        }
    }

    /// Handles a `DELIMITER xx` line at the start of a statement.
    ///
    /// # Errors
    /// [`SplitError::EmptyDelimiter`] when the line names no terminator.
    fn at_delimiter_command(&mut self) -> Result<bool, SplitError> {
        const KEYWORD: &[u8] = b"DELIMITER";
        let rest = &self.bytes[self.pos..];
        let is_command = rest.len() >= KEYWORD.len()
            && rest[..KEYWORD.len()].eq_ignore_ascii_case(KEYWORD)
            && rest
                .get(KEYWORD.len())
                .is_none_or(|b| b.is_ascii_whitespace() || *b == 0x0b)
            && self.line_start_before_pos();
        if !is_command {
            return Ok(false);
        }
        let line_end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let delimiter = self
            .src
            .get(self.pos + KEYWORD.len()..self.pos + line_end)
            .unwrap_or_default()
            .trim_matches(is_space);
        if delimiter.is_empty() {
            return Err(SplitError::EmptyDelimiter { line: self.line });
        }
        self.delimiter = delimiter.to_string();
        self.pos += line_end;
        Ok(true)
    }

    /// Whether only whitespace precedes `pos` on its line.
    fn line_start_before_pos(&self) -> bool {
        let before = &self.bytes[..self.pos];
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        std::str::from_utf8(&before[line_start..]).is_ok_and(|l| l.chars().all(is_space))
    }

    fn finish_statement(&mut self) {
        if let Some((start, line)) = self.first.take() {
            let text = self
                .src
                .get(start..self.last_end)
                .unwrap_or_default()
                .trim_end_matches(is_space);
            self.out.push(Statement { text, line });
        }
        self.words.clear();
        self.depth = 0;
        self.after_end = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Dialect, MYSQL, POSTGRES, SQLITE};

    fn texts(script: &str, opts: LexerOptions) -> Vec<(usize, String)> {
        split(script, opts)
            .unwrap()
            .into_iter()
            .map(|s| (s.line, s.text.to_string()))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_and_tracks_lines() {
        let got = texts(
            "CREATE TABLE a (x INT);\n\n-- comment\nINSERT INTO a VALUES (1);\n",
            SQLITE.lexer(),
        );
        assert_eq!(
            got,
            vec![
                (1, "CREATE TABLE a (x INT)".to_string()),
                (4, "INSERT INTO a VALUES (1)".to_string())
            ]
        );
    }

    #[test]
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        let script = "INSERT INTO t VALUES ('a;b', \"c;d\"); /* x; y */ SELECT 'it''s;';\n-- z;\n";
        let got = texts(script, SQLITE.lexer());
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, "SELECT 'it''s;'");
    }

    #[test]
    fn postgres_dollar_quoted_bodies_stay_whole() {
        let script = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT $1;";
        let got = texts(script, POSTGRES.lexer());
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[1].0, 7);
        assert_eq!(got[2].1, "SELECT $1");
    }

    #[test]
    fn mysql_backticks_hash_comments_and_backslashes() {
        let script =
            "# heading; comment\nCREATE TABLE `we;ird` (a TEXT DEFAULT 'x\\';y');\nSELECT 5--1;";
        let got = texts(script, MYSQL.lexer());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, 2);
        assert_eq!(got[1].1, "SELECT 5--1");
    }

    #[test]
    fn mysql_delimiter_command() {
        let script = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nCALL p();";
        let got = texts(script, MYSQL.lexer());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0].1,
            "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END"
        );
        assert_eq!(got[1], (4, "CALL p()".to_string()));
    }

    #[test]
    fn trigger_bodies_stay_whole_without_delimiter() {
        let script = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END;\n  DELETE FROM c;\nEND;\nSELECT 1;";
        let got = texts(script, SQLITE.lexer());
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.ends_with("END"));
    }

    #[test]
    fn mysql_if_blocks_inside_routines() {
        let script = "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; WHILE 0 DO SELECT 2; END WHILE; END;\nSELECT 3;";
        let got = texts(script, MYSQL.lexer());
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn unterminated_string_names_its_line() {
        let err = split("SELECT 1;\nSELECT 'oops;\n", SQLITE.lexer()).unwrap_err();
        assert_eq!(
            err,
            SplitError::Unclosed {
                what: "string",
                line: 2
            }
        );
        assert_eq!(err.to_string(), "string opened on line 2 is never closed");
    }

    #[test]
    fn normalising_drops_comments_blank_lines_and_line_endings_only() {
        let a = "-- add t\r\nCREATE TABLE t (a INT); -- why\r\n\r\n/* block */\nINSERT INTO t VALUES ('--not a comment');   \n";
        let b = "CREATE TABLE t (a INT);\nINSERT INTO t VALUES ('--not a comment');";
        assert_eq!(
            normalize(a, SQLITE.lexer()).unwrap(),
            normalize(b, SQLITE.lexer()).unwrap()
        );
        let c = "CREATE TABLE t (a BIGINT);\nINSERT INTO t VALUES ('--not a comment');";
        assert_ne!(
            normalize(b, SQLITE.lexer()).unwrap(),
            normalize(c, SQLITE.lexer()).unwrap()
        );
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod unicode_and_blocks;
