//! SQLite's twelve-step table rebuild, for changes `ALTER TABLE` cannot make: create the new
//! table, copy the rows, drop the old one, rename, then restore indexes, triggers and views
//! and check foreign keys. Foreign-key enforcement is off for the whole run (the migration
//! lock turns it off before its transaction, where the pragma still works), so dropping the
//! old table cascades to nothing.
//! See: <https://www.sqlite.org/lang_altertable.html#otheralter>

use crate::change::Operation;
use crate::dialect::ddl;
use crate::dialect::{DdlStatement, Dialect, RenderError};
use crate::schema::Schema;

/// The rebuild that performs `op` on its table.
pub(super) fn plan(
    d: &dyn Dialect,
    op: &Operation,
    before: &Schema,
) -> Result<Vec<DdlStatement>, RenderError> {
    let name = op.table().unwrap_or_default();
    let old = before.table(name).ok_or_else(|| {
        RenderError::new(
            format!("{op} needs the definition of table '{name}', which is not known"),
            Some("SQLite rebuilds the table for this change; the table must exist".into()),
        )
    })?;
    let mut after = before.clone();
    after
        .apply(op)
        .map_err(|e| RenderError::new(e.to_string(), None))?;
    let new = after
        .table(name)
        .ok_or_else(|| RenderError::new(format!("table '{name}' vanished"), None))?;
    let temp = format!("_migrate_rebuild_{name}");
    let q = |n: &str| d.quote_ident(n);

    // Rows are copied column by column: kept columns by name (renamed ones from their old
    // name), new columns take their defaults.
    let renamed_from = |new_name: &str| match op {
        Operation::AlterColumn { column, change, .. }
            if change.name.as_deref() == Some(new_name) =>
        {
            column.clone()
        }
        _ => new_name.to_string(),
    };
    let copied: Vec<(String, String)> = new
        .columns
        .iter()
        .filter_map(|c| {
            let source = renamed_from(&c.name);
            old.column(&source).map(|_| (c.name.clone(), source))
        })
        .collect();
    // A view is restored if its SQL mentions the table at all; over-matching only recreates
    // a view unchanged.
    let lower = name.to_ascii_lowercase();
    let views: Vec<_> = before
        .dependents
        .iter()
        .filter(|o| o.kind == "view" && o.sql.to_ascii_lowercase().contains(&lower))
        .collect();
    let triggers: Vec<_> = before
        .dependents
        .iter()
        .filter(|o| o.kind == "trigger" && o.table == name)
        .collect();

    let mut out = Vec::new();
    for v in &views {
        out.push(DdlStatement::run(format!("DROP VIEW {}", q(&v.name))));
    }
    let mut temp_table = new.clone();
    temp_table.name = temp.clone();
    temp_table.indexes.clear();
    let create = ddl::create_table(d, &temp_table, super::render::inline_pk(&temp_table))?;
    out.extend(create.into_iter().map(DdlStatement::run));
    let targets: Vec<String> = copied.iter().map(|(n, _)| q(n)).collect();
    let sources: Vec<String> = copied.iter().map(|(_, s)| q(s)).collect();
    out.push(DdlStatement::run(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        q(&temp),
        targets.join(", "),
        sources.join(", "),
        q(name)
    )));
    out.push(DdlStatement::run(format!("DROP TABLE {}", q(name))));
    out.push(DdlStatement::run(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temp),
        q(name)
    )));
    out.extend(
        new.indexes
            .iter()
            .map(|i| DdlStatement::run(ddl::create_index(d, name, i))),
    );
    out.extend(triggers.iter().map(|t| DdlStatement::run(t.sql.clone())));
    out.extend(views.iter().map(|v| DdlStatement::run(v.sql.clone())));
    out.push(DdlStatement::check(format!(
        "PRAGMA foreign_key_check({})",
        q(name)
    )));
    Ok(out)
}
