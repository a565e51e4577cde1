//! Model files: a desired schema in TOML, one `[[table]]` per table in the same form as
//! `create_table` takes; and writing schemas and operations back in the script format.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::ScriptError;
use super::defs::{CreateTableDef, create_table};
use crate::change::Operation;
use crate::schema::{Column, ColumnType, DefaultValue, ForeignKey, Schema, Table};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelDef {
    #[serde(default)]
    table: Vec<toml::Spanned<CreateTableDef>>,
}

/// Reads a TOML model file's text (`path` is for messages).
///
/// # Errors
/// [`ScriptError::Portable`] naming the line of what is wrong.
pub fn parse_model(text: &str, path: &Path) -> Result<Schema, ScriptError> {
    let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let def: ModelDef = toml::from_str(text).map_err(|e| ScriptError::Portable {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_at(s.start)),
        message: e.message().trim().to_string(),
        help: Some(
            "a model file is a list of [[table]] entries, each as create_table takes it".into(),
        ),
    })?;
    let mut schema = Schema::default();
    for t in def.table {
        let line = line_at(t.span().start);
        let table = create_table(t.get_ref()).map_err(|(message, help)| ScriptError::Portable {
            path: path.to_path_buf(),
            line: Some(line),
            message,
            help,
        })?;
        schema
            .apply(&Operation::CreateTable(table))
            .map_err(|e| ScriptError::Portable {
                path: path.to_path_buf(),
                line: Some(line),
                message: e.to_string(),
                help: None,
            })?;
    }
    Ok(schema)
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|i| q(i)).collect::<Vec<_>>().join(", ")
    )
}

fn type_toml(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(map) => {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} = {}", q(v))).collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => q(&other.to_string()),
    }
}

fn value_toml(v: &DefaultValue) -> String {
    match v {
        DefaultValue::Text(t) => q(t),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Expression(e) => format!("{{ sql = {} }}", q(e)),
    }
}

fn column_toml(c: &Column) -> String {
    let mut out = format!("{{ name = {}, type = {}", q(&c.name), type_toml(&c.ty));
    if !c.nullable {
        out.push_str(", nullable = false");
    }
    if let Some(d) = &c.default {
        let _ = write!(out, ", default = {}", value_toml(d));
    }
    if c.autoincrement {
        out.push_str(", autoincrement = true");
    }
    out.push_str(" }");
    out
}

fn foreign_key_toml(fk: &ForeignKey) -> String {
    let mut out = String::from("{ ");
    if let Some(n) = &fk.name {
        let _ = write!(out, "name = {}, ", q(n));
    }
    let _ = write!(
        out,
        "columns = {}, references = {{ table = {}, columns = {} }}",
        list(&fk.columns),
        q(&fk.ref_table),
        list(&fk.ref_columns)
    );
    for (key, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
        if let Some(a) = action {
            let _ = write!(out, ", {key} = {}", q(a.sql()));
        }
    }
    out.push_str(" }");
    out
}

fn named(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("name = {}, ", q(n)))
        .unwrap_or_default()
}

/// A table's keys and values in the form `create_table` and `[[table]]` take.
fn table_fields(t: &Table) -> Vec<(&'static str, String)> {
    let mut columns = String::from("[\n");
    for c in &t.columns {
        let _ = writeln!(columns, "    {},", column_toml(c));
    }
    columns.push(']');
    let mut fields = vec![("name", q(&t.name)), ("columns", columns)];
    // Autoincrement is written explicitly, so a primary key never implies it here.
    if let Some(pk) = &t.primary_key {
        fields.push((
            "primary_key",
            format!("{{ {}columns = {} }}", named(&pk.name), list(&pk.columns)),
        ));
    }
    let lists: [(&'static str, Vec<String>); 4] = [
        (
            "foreign_keys",
            t.foreign_keys.iter().map(foreign_key_toml).collect(),
        ),
        (
            "indexes",
            t.indexes
                .iter()
                .map(|i| {
                    format!(
                        "{{ name = {}, columns = {}, unique = {} }}",
                        q(&i.name),
                        list(&i.columns),
                        i.unique
                    )
                })
                .collect(),
        ),
        (
            "uniques",
            t.uniques
                .iter()
                .map(|u| format!("{{ {}columns = {} }}", named(&u.name), list(&u.columns)))
                .collect(),
        ),
        (
            "checks",
            t.checks
                .iter()
                .map(|c| format!("{{ {}expression = {} }}", named(&c.name), q(&c.expression)))
                .collect(),
        ),
    ];
    for (key, items) in lists {
        if !items.is_empty() {
            fields.push((key, format!("[{}]", items.join(", "))));
        }
    }
    if !t.options.is_empty() {
        let parts: Vec<String> = t
            .options
            .iter()
            .map(|(k, v)| format!("{k} = {}", q(v)))
            .collect();
        fields.push(("options", format!("{{ {} }}", parts.join(", "))));
    }
    fields
}

/// A table in the form `create_table` takes (an inline TOML table).
pub fn table_toml(t: &Table) -> String {
    let parts: Vec<String> = table_fields(t)
        .into_iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// A schema as a model file.
pub fn model_toml(schema: &Schema) -> String {
    let mut out = String::from("# A model: the desired schema, one [[table]] per table.\n");
    for t in &schema.tables {
        out.push_str("\n[[table]]\n");
        for (k, v) in table_fields(t) {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    out
}

/// Column → value, as an inline table of a data step.
fn row_toml(
    row: &std::collections::BTreeMap<String, crate::change::Literal>,
    op: &Operation,
) -> Result<String, String> {
    let parts: Vec<String> = row
        .iter()
        .map(|(k, v)| match v {
            Some(v) => Ok(format!("{} = {}", q(k), value_toml(v))),
            None => Err(format!("{op}: a script has no way to write NULL")),
        })
        .collect::<Result<_, _>>()?;
    Ok(format!("{{ {} }}", parts.join(", ")))
}

/// Operations as the `[[upgrade]]` steps of a portable script.
///
/// # Errors
/// An operation the script format cannot express (a NULL in a data statement, a constraint
/// without a name).
pub fn operations_toml(ops: &[Operation], section: &str) -> Result<String, String> {
    let mut out = String::new();
    for op in ops {
        let step = match op {
            Operation::CreateTable(t) => format!("create_table = {}", table_toml(t)),
            Operation::DropTable { name } => format!("drop_table = {{ name = {} }}", q(name)),
            Operation::RenameTable { from, to } => {
                format!("rename_table = {{ from = {}, to = {} }}", q(from), q(to))
            }
            Operation::AddColumn { table, column } => format!(
                "add_column = {{ table = {}, column = {} }}",
                q(table),
                column_toml(column)
            ),
            Operation::DropColumn { table, column } => format!(
                "drop_column = {{ table = {}, column = {} }}",
                q(table),
                q(column)
            ),
            Operation::AlterColumn {
                table,
                column,
                change,
            } => {
                let mut parts = vec![
                    format!("table = {}", q(table)),
                    format!("column = {}", q(column)),
                ];
                if let Some(n) = &change.name {
                    parts.push(format!("name = {}", q(n)));
                }
                if let Some(t) = &change.ty {
                    parts.push(format!("type = {}", type_toml(t)));
                }
                if let Some(n) = change.nullable {
                    parts.push(format!("nullable = {n}"));
                }
                match &change.default {
                    Some(Some(d)) => parts.push(format!("default = {}", value_toml(d))),
                    Some(None) => parts.push("drop_default = true".into()),
                    None => {}
                }
                if let Some(a) = change.autoincrement {
                    parts.push(format!("autoincrement = {a}"));
                }
                format!("alter_column = {{ {} }}", parts.join(", "))
            }
            Operation::CreateIndex { table, index } => format!(
                "create_index = {{ table = {}, name = {}, columns = {}, unique = {} }}",
                q(table),
                q(&index.name),
                list(&index.columns),
                index.unique
            ),
            Operation::DropIndex { table, name } => format!(
                "drop_index = {{ table = {}, name = {} }}",
                q(table),
                q(name)
            ),
            Operation::RenameIndex { table, from, to } => format!(
                "rename_index = {{ table = {}, from = {}, to = {} }}",
                q(table),
                q(from),
                q(to)
            ),
            Operation::AddPrimaryKey { table, key } => format!(
                "add_primary_key = {{ table = {}, {}columns = {} }}",
                q(table),
                named(&key.name),
                list(&key.columns)
            ),
            Operation::DropPrimaryKey { table } => {
                format!("drop_primary_key = {{ table = {} }}", q(table))
            }
            Operation::AddForeignKey { table, key } => {
                let fk = foreign_key_toml(key);
                format!(
                    "add_foreign_key = {{ table = {}, {}",
                    q(table),
                    fk.trim_start_matches("{ ")
                )
            }
            Operation::DropForeignKey { table, name } => format!(
                "drop_foreign_key = {{ table = {}, name = {} }}",
                q(table),
                q(name)
            ),
            Operation::AddUnique { table, constraint } => match &constraint.name {
                Some(n) => format!(
                    "add_unique = {{ table = {}, name = {}, columns = {} }}",
                    q(table),
                    q(n),
                    list(&constraint.columns)
                ),
                None => {
                    return Err(format!(
                        "{op}: a unique constraint needs a name in a script"
                    ));
                }
            },
            Operation::DropUnique { table, name } => format!(
                "drop_unique = {{ table = {}, name = {} }}",
                q(table),
                q(name)
            ),
            Operation::AddCheck { table, check } => match &check.name {
                Some(n) => format!(
                    "add_check = {{ table = {}, name = {}, expression = {} }}",
                    q(table),
                    q(n),
                    q(&check.expression)
                ),
                None => return Err(format!("{op}: a check constraint needs a name in a script")),
            },
            Operation::DropCheck { table, name } => format!(
                "drop_check = {{ table = {}, name = {} }}",
                q(table),
                q(name)
            ),
            Operation::Sql(map) => {
                let parts: Vec<String> =
                    map.iter().map(|(k, v)| format!("{k} = {}", q(v))).collect();
                format!("sql = {{ {} }}", parts.join(", "))
            }
            Operation::Insert { table, rows } => {
                let rows: Vec<String> = rows
                    .iter()
                    .map(|r| row_toml(r, op))
                    .collect::<Result<_, _>>()?;
                format!(
                    "insert = {{ table = {}, rows = [{}] }}",
                    q(table),
                    rows.join(", ")
                )
            }
            Operation::Update { table, set, filter } => format!(
                "update = {{ table = {}, set = {}{} }}",
                q(table),
                row_toml(set, op)?,
                filter
                    .as_ref()
                    .map_or_else(String::new, |f| format!(", where = {}", q(f)))
            ),
            Operation::Delete { table, filter } => format!(
                "delete = {{ table = {}{} }}",
                q(table),
                filter
                    .as_ref()
                    .map_or_else(String::new, |f| format!(", where = {}", q(f)))
            ),
        };
        let _ = write!(out, "\n[[{section}]]\n{step}\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::random::{Rng, base_table, normalized, operations};
    use crate::script::PortableScript;

    #[test]
    fn written_models_and_operations_read_back_the_same() {
        for seed in 0..200u64 {
            let start = Schema {
                tables: vec![base_table("p"), base_table("q")],
                ..Schema::default()
            };
            let ops = operations(&mut Rng::new(seed), &start, 8);
            let mut schema = start.clone();
            for op in &ops {
                schema.apply(op).expect("applies");
            }
            let model =
                parse_model(&model_toml(&schema), Path::new("m.toml")).expect("model reads back");
            assert_eq!(
                normalized(&model),
                normalized(&schema),
                "seed {seed}:\\n{}",
                model_toml(&schema)
            );
            let text = operations_toml(&ops, "upgrade").expect("writes");
            let script =
                PortableScript::parse(&text, Path::new("s.toml")).expect("script reads back");
            let back: Vec<Operation> = script.upgrade().iter().map(|l| l.op.clone()).collect();
            assert_eq!(back, ops, "seed {seed}:\\n{text}");
        }
    }
}
