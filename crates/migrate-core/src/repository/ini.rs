//! INI text read by the rules of Python 3's `configparser.ConfigParser`, which is what
//! sqlalchemy-migrate read `migrate.cfg` with, so a file means here what it meant there.
//!
//! No Rust INI crate follows those rules: `rust-ini` joins a line ending in `\` to the next
//! (`version_table=x\` swallowed the following key) and reports errors at the end of the
//! file. The rules, in full: `#` and `;` start comment lines only (no inline comments); a key
//! ends at the first `=` or `:`; keys are case-insensitive, sections are not; a line indented
//! deeper than its key continues the value; a key or section given twice is an error (strict
//! mode, the default since Python 3.2); `[DEFAULT]` supplies keys to every section; values
//! interpolate `%(key)s` and need `%%` for a percent sign.

use std::collections::HashSet;

/// A syntax error: the 1-based line at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// One key's value as written (continuation lines joined with `\n`) and the line it starts on.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    raw: String,
    line: usize,
}

#[derive(Debug, Default)]
struct Section {
    name: String,
    entries: Vec<Entry>,
}

impl Section {
    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// A parsed file.
#[derive(Debug, Default)]
pub(super) struct Ini {
    defaults: Section,
    sections: Vec<Section>,
}

/// Python's `str.isspace`, which `str.strip` and the regex `\s` use: Unicode whitespace plus
/// the four ASCII information separators.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `s` as `ConfigParser` reads a value back: without Python's whitespace at either end.
pub(super) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Lines as Python's text files give them: `\r\n`, `\r` and `\n` all end a line.
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]).filter(|r| !r.is_empty());
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Key names are compared lower-cased (`optionxform`).
fn key_of(name: &str) -> String {
    name.to_lowercase()
}

const DEFAULT: &str = "DEFAULT";

/// Parses `text`, whose byte-order mark the caller has removed.
pub(super) fn parse(text: &str) -> Result<Ini, SyntaxError> {
    let mut ini = Ini::default();
    // Which section is being filled: None before the first header, Some(None) for DEFAULT.
    let mut current: Option<Option<usize>> = None;
    // The key whose value continuation lines extend.
    let mut open_key = false;
    let mut indent_level = 0usize;
    let mut added: HashSet<(String, String)> = HashSet::new();
    let mut seen_sections: HashSet<String> = HashSet::new();
    for (i, line) in lines(text).enumerate() {
        let lineno = i + 1;
        let error = |message: String| SyntaxError {
            line: lineno,
            message,
        };
        let value = strip(line);
        let is_comment = value.starts_with(['#', ';']);
        if value.is_empty() || is_comment {
            // A blank line inside a value is kept; a comment line is skipped.
            if !is_comment && open_key {
                if let Some(e) = ini.last_entry(current) {
                    e.raw.push('\n');
                }
            }
            continue;
        }
        let indent = line.chars().take_while(|c| is_space(*c)).count();
        if current.is_some() && open_key && indent > indent_level {
            if let Some(e) = ini.last_entry(current) {
                e.raw.push('\n');
                e.raw.push_str(value);
            }
            continue;
        }
        indent_level = indent;
        if let Some(header) = section_header(value) {
            if header == DEFAULT {
                current = Some(None);
            } else {
                if !seen_sections.insert(header.to_string()) {
                    return Err(error(format!("section [{header}] is given twice")));
                }
                ini.sections.push(Section {
                    name: header.to_string(),
                    entries: Vec::new(),
                });
                current = Some(Some(ini.sections.len() - 1));
            }
            open_key = false;
            continue;
        }
        let Some(section) = current else {
            return Err(error(format!(
                "'{value}' comes before any [section] header"
            )));
        };
        let Some((name, rest)) = value.split_once(['=', ':']) else {
            return Err(error(format!(
                "'{value}' is not a [section] header, a key = value line or a comment"
            )));
        };
        let name = strip(name);
        if name.is_empty() {
            return Err(error(format!("'{value}' has no key before its = or :")));
        }
        let key = key_of(name);
        let section_name = section.map_or(DEFAULT, |s| ini.sections[s].name.as_str());
        if !added.insert((section_name.to_string(), key.clone())) {
            return Err(error(format!(
                "key '{name}' is given twice in [{section_name}]"
            )));
        }
        let target = match section {
            Some(s) => &mut ini.sections[s],
            None => &mut ini.defaults,
        };
        target.entries.push(Entry {
            key,
            raw: strip(rest).to_string(),
            line: lineno,
        });
        open_key = true;
    }
    for section in std::iter::once(&mut ini.defaults).chain(ini.sections.iter_mut()) {
        for e in &mut section.entries {
            e.raw = e.raw.trim_end_matches(is_space).to_string();
        }
    }
    Ok(ini)
}

/// `\[(?P<header>.+)\]` matched at the start: the name runs to the line's last `]`.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    Some(&inner[..end]).filter(|h| !h.is_empty())
}

/// A value that could not be interpolated: the line of the key and what is wrong.
pub(super) type ValueError = (usize, String);

const MAX_DEPTH: usize = 10;

impl Ini {
    fn last_entry(&mut self, current: Option<Option<usize>>) -> Option<&mut Entry> {
        match current? {
            Some(s) => self.sections[s].entries.last_mut(),
            None => self.defaults.entries.last_mut(),
        }
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Whether the file has section `name`.
    pub(super) fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    fn entry<'a>(&'a self, section: &'a Section, key: &str) -> Option<&'a Entry> {
        section.entry(key).or_else(|| self.defaults.entry(key))
    }

    /// The line `key` of `section` starts on.
    pub(super) fn line_of(&self, section: &str, key: &str) -> Option<usize> {
        let section = self.section(section)?;
        self.entry(section, &key_of(key)).map(|e| e.line)
    }

    /// `key`'s value in `section` (or `[DEFAULT]`), interpolated as `ConfigParser.get` does.
    pub(super) fn get(&self, section: &str, key: &str) -> Option<Result<String, ValueError>> {
        let section = self.section(section)?;
        let entry = self.entry(section, &key_of(key))?;
        let mut out = String::new();
        Some(
            self.interpolate(section, key, &entry.raw, 1, &mut out)
                .map(|()| out)
                .map_err(|message| (entry.line, message)),
        )
    }

    fn interpolate(
        &self,
        section: &Section,
        key: &str,
        mut rest: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{key}: %(…)s references nest deeper than {MAX_DEPTH} (a reference loop?)"
            ));
        }
        while let Some(p) = rest.find('%') {
            out.push_str(&rest[..p]);
            rest = &rest[p..];
            if let Some(after) = rest.strip_prefix("%%") {
                out.push('%');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("%(") {
                let name = after
                    .split_once(")s")
                    .map(|(n, _)| n)
                    .filter(|n| !n.is_empty() && !n.contains(')'))
                    .ok_or_else(|| {
                        format!("{key}: bad %(name)s reference in '{rest}' (write %% for a percent sign)")
                    })?;
                rest = &after[name.len() + 2..];
                let target = self.entry(section, &key_of(name)).ok_or_else(|| {
                    format!("{key}: %({name})s names no key of [{}]", section.name)
                })?;
                self.interpolate(section, key, &target.raw, depth + 1, out)?;
            } else {
                return Err(format!(
                    "{key}: '%' must be followed by '%' or '(' in '{rest}' (write %% for a percent sign)"
                ));
            }
        }
        out.push_str(rest);
        Ok(())
    }
}

/// `value` written so that [`Ini::get`] reads it back: `%` doubled.
pub(super) fn escape(value: &str) -> String {
    value.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(text: &str, key: &str) -> Option<Result<String, ValueError>> {
        parse(text).unwrap().get("s", key)
    }

    #[test]
    fn reads_as_configparser_does() {
        let text = "[s]\na = 1\\\nB : two ; not a comment\n  # comment\nc=\n  more\n\n  lines\n\n[DEFAULT]\nd=%(a)s%%\n";
        assert_eq!(get(text, "a").unwrap().unwrap(), "1\\");
        assert_eq!(get(text, "b").unwrap().unwrap(), "two ; not a comment");
        assert_eq!(get(text, "c").unwrap().unwrap(), "\nmore\n\nlines");
        assert_eq!(get(text, "d").unwrap().unwrap(), "1\\%");
        assert!(get(text, "e").is_none());
    }

    #[test]
    fn errors_name_the_line_at_fault() {
        let err = |t: &str| parse(t).unwrap_err();
        assert_eq!(err("[db_settings\nrepository_id=x\n").line, 1);
        assert_eq!(err("[s]\nx=1\nfoo").line, 3);
        assert_eq!(err("[s]\r\nx=1\rfoo").line, 3);
        assert_eq!(err("[s]\n=1\n").line, 2);
        let dup = err("[s]\nx=1\n[t]\n[s]\n");
        assert_eq!(
            (dup.line, dup.message.as_str()),
            (4, "section [s] is given twice")
        );
        assert_eq!(err("[s]\nx=1\nX=2\n").line, 3);
        // Indented deeper than its key: a continuation, not a second key.
        assert_eq!(get("[s]\nx=1\n  X=2\n", "x").unwrap().unwrap(), "1\nX=2");
    }

    #[test]
    fn interpolation_errors_name_the_key_line() {
        assert_eq!(get("[s]\n\nx=50%\n", "x").unwrap().unwrap_err().0, 3);
        assert!(get("[s]\nx=%(y)s\n", "x").unwrap().is_err());
        assert!(get("[s]\nx=%(x)s\n", "x").unwrap().is_err());
        assert_eq!(
            get(&format!("[s]\nx={}\n", escape("a%b%%")), "x")
                .unwrap()
                .unwrap(),
            "a%b%%"
        );
    }
}
