//! `migrate.cfg` keys and sections given twice. Python's `ConfigParser` (strict, its default
//! since 3.2) refuses them; an INI reader that silently keeps one of the two would run a
//! repository under an id or table its author did not mean.

use std::collections::HashSet;

/// The 1-based line and message of the first section or key given twice. Keys compare as
/// `ConfigParser` compares them: case-insensitively, within their section.
pub(super) fn first_duplicate(text: &str) -> Option<(usize, String)> {
    let mut sections: HashSet<String> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        // Indented lines continue the previous value; comments and blank lines hold no key.
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.split_once(']')) {
            let name = name.0.trim().to_string();
            if !sections.insert(name.clone()) {
                return Some((i + 1, format!("section [{name}] is given twice")));
            }
            section = Some(name);
            keys.clear();
            continue;
        }
        let key = line.split(['=', ':']).next().unwrap_or_default().trim();
        if !keys.insert(key.to_lowercase()) {
            let place = section
                .as_deref()
                .map(|s| format!(" in [{s}]"))
                .unwrap_or_default();
            return Some((i + 1, format!("key '{key}' is given twice{place}")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_duplicate;

    #[test]
    fn finds_repeated_keys_and_sections_only() {
        let ok = "[db_settings]\nrepository_id=a\n  continued\n# repository_id=b\n[other]\nrepository_id=c\n";
        assert_eq!(first_duplicate(ok), None);
        assert_eq!(
            first_duplicate("[db_settings]\nrepository_id=a\nx=1\nRepository_ID = b\n"),
            Some((
                4,
                "key 'Repository_ID' is given twice in [db_settings]".into()
            ))
        );
        assert_eq!(
            first_duplicate("[db_settings]\nx=1\n[db_settings]\ny=2\n"),
            Some((3, "section [db_settings] is given twice".into()))
        );
    }
}
