//! The source text of a top-level function in a sqlalchemy-migrate Python script, as
//! `inspect.getsource` gives it: for `--preview_py`, which prints a step's `upgrade` or
//! `downgrade` function instead of running it.
//!
//! Only the block's extent is needed, so this scans text rather than parsing Python: strings,
//! brackets and comments are tracked so that neither a column-0 line inside a triple-quoted
//! string or a bracket nor a column-0 comment ends the function early.

/// The source of top-level `def name(…)` in `text`, with its decorators, up to and including
/// its last line of code (trailing blank and comment lines left out), ending in a newline.
pub fn function_source(text: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let def = lines.iter().position(|l| is_def_of(l, name))?;
    let start = (0..def)
        .rev()
        .take_while(|&i| lines[i].starts_with('@'))
        .last()
        .unwrap_or(def);
    let mut scanner = Scanner::default();
    let mut last_code = def;
    for (i, line) in lines.iter().enumerate().skip(def) {
        let continued = scanner.open();
        let code = scanner.scan(line);
        if i > def && !continued && code && !line.starts_with([' ', '\t']) {
            break;
        }
        if code || continued {
            last_code = i;
        }
    }
    let mut source = lines[start..=last_code].join("\n");
    source.push('\n');
    Some(source)
}

fn is_def_of(line: &str, name: &str) -> bool {
    let rest = line
        .strip_prefix("async def ")
        .or_else(|| line.strip_prefix("def "));
    rest.map(str::trim_start)
        .and_then(|r| r.strip_prefix(name))
        .is_some_and(|r| r.trim_start().starts_with('('))
}

/// Where a line leaves the scan: inside brackets or a triple-quoted string.
#[derive(Default)]
struct Scanner {
    depth: usize,
    triple: Option<&'static str>,
}

impl Scanner {
    /// Whether the next line continues this one's statement.
    fn open(&self) -> bool {
        self.depth > 0 || self.triple.is_some()
    }

    /// Scans one line; returns whether it holds code (anything but blanks and a comment).
    fn scan(&mut self, line: &str) -> bool {
        let mut code = self.open();
        let mut rest = line;
        loop {
            if let Some(quote) = self.triple {
                match rest.find(quote) {
                    Some(end) => {
                        rest = &rest[end + 3..];
                        self.triple = None;
                    }
                    None => return true,
                }
            }
            let Some(c) = rest.chars().next() else {
                return code;
            };
            let after = &rest[c.len_utf8()..];
            match c {
                '#' => return code,
                '\\' if after.is_empty() => return code,
                '\'' | '"' => {
                    code = true;
                    let triple = if c == '"' { "\"\"\"" } else { "'''" };
                    if rest.starts_with(triple) {
                        self.triple = Some(triple);
                        rest = &rest[3..];
                    } else {
                        rest = skip_string(after, c);
                    }
                }
                '(' | '[' | '{' => {
                    code = true;
                    self.depth += 1;
                    rest = after;
                }
                ')' | ']' | '}' => {
                    code = true;
                    self.depth = self.depth.saturating_sub(1);
                    rest = after;
                }
                c if c.is_whitespace() => rest = after,
                _ => {
                    code = true;
                    rest = after;
                }
            }
        }
    }
}

/// What follows a one-line string opened by `quote` (its escapes skipped).
fn skip_string(mut rest: &str, quote: char) -> &str {
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if c == '\\' {
            let next = rest.chars().next().map_or(0, char::len_utf8);
            rest = &rest[next..];
        } else if c == quote {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::function_source;

    const SCRIPT: &str = r#"from sqlalchemy import *
meta = MetaData()


@some.decorator
def upgrade(migrate_engine):
    meta.bind = migrate_engine
    t = Table('t', meta,
Column('id', Integer))
    sql = """
CREATE TABLE x (id INT)
"""
# a column-0 comment inside the body
    t.create()

    # trailing comment

def downgrade(migrate_engine):  # (comment)
    pass
# after
"#;

    #[test]
    fn blocks_end_where_python_ends_them() {
        assert_eq!(
            function_source(SCRIPT, "upgrade").unwrap(),
            "@some.decorator\ndef upgrade(migrate_engine):\n    meta.bind = migrate_engine\n    t = Table('t', meta,\nColumn('id', Integer))\n    sql = \"\"\"\nCREATE TABLE x (id INT)\n\"\"\"\n# a column-0 comment inside the body\n    t.create()\n"
        );
        assert_eq!(
            function_source(SCRIPT, "downgrade").unwrap(),
            "def downgrade(migrate_engine):  # (comment)\n    pass\n"
        );
        assert_eq!(function_source(SCRIPT, "upgrad"), None);
        assert_eq!(
            function_source("def upgrade(e): pass\nx = 1\n", "upgrade").unwrap(),
            "def upgrade(e): pass\n"
        );
    }
}
