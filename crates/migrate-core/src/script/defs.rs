//! The TOML shapes of portable operations, and their conversion into [`Operation`]s.
//!
//! Column flags work as in SQLAlchemy: `primary_key`, `autoincrement` (implied for a lone
//! integer primary key), `unique`, `index` (named `ix_<table>_<column>`), `references =
//! "table.column"`. In `add_column` they become operations of their own, named
//! `uq_<table>_<column>` and `fk_<table>_<column>`. Generated names longer than any database
//! allows are shortened with a hash (see `schema::naming`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::change::{ColumnChange, Literal, Operation};
use crate::schema::naming;
use crate::schema::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique,
};

/// One step of a portable script.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum StepDef {
    Sql(SqlDef),
    CreateTable(CreateTableDef),
    DropTable(NameDef),
    RenameTable(RenameDef),
    AddColumn(AddColumnDef),
    DropColumn(ColumnRefDef),
    AlterColumn(AlterColumnDef),
    CreateIndex(IndexDef),
    DropIndex(TableItemDef),
    RenameIndex(TableRenameDef),
    AddPrimaryKey(PrimaryKeyDef),
    DropPrimaryKey(TableDef),
    AddForeignKey(TableForeignKeyDef),
    DropForeignKey(TableItemDef),
    AddUnique(TableUniqueDef),
    DropUnique(TableItemDef),
    AddCheck(TableCheckDef),
    DropCheck(TableItemDef),
    Insert(InsertDef),
    Update(UpdateDef),
    Delete(DeleteDef),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum SqlDef {
    All(String),
    PerDatabase(BTreeMap<String, String>),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum TypeDef {
    Name(String),
    PerDatabase(BTreeMap<String, String>),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum ValueDef {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Expression { sql: String },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum ReferenceDef {
    Short(String),
    Full(ForeignKeyDef),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ColumnDef {
    name: String,
    #[serde(rename = "type")]
    ty: TypeDef,
    nullable: Option<bool>,
    default: Option<ValueDef>,
    #[serde(default)]
    primary_key: bool,
    autoincrement: Option<bool>,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    index: bool,
    references: Option<ReferenceDef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefTargetDef {
    table: String,
    columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForeignKeyDef {
    name: Option<String>,
    #[serde(default)]
    columns: Vec<String>,
    /// `table.column` shorthand, or the target table with `columns`.
    table: Option<String>,
    references: Option<RefTargetDef>,
    column: Option<String>,
    on_delete: Option<FkAction>,
    on_update: Option<FkAction>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndexInTableDef {
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    unique: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NamedColumnsDef {
    name: Option<String>,
    columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckDef {
    name: Option<String>,
    expression: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateTableDef {
    name: String,
    columns: Vec<ColumnDef>,
    primary_key: Option<NamedColumnsDef>,
    #[serde(default)]
    foreign_keys: Vec<ForeignKeyDef>,
    #[serde(default)]
    indexes: Vec<IndexInTableDef>,
    #[serde(default)]
    uniques: Vec<NamedColumnsDef>,
    #[serde(default)]
    checks: Vec<CheckDef>,
    #[serde(default)]
    options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NameDef {
    name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RenameDef {
    from: String,
    to: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableDef {
    table: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableItemDef {
    table: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableRenameDef {
    table: String,
    from: String,
    to: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AddColumnDef {
    table: String,
    column: ColumnDef,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ColumnRefDef {
    table: String,
    column: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AlterColumnDef {
    table: String,
    column: String,
    name: Option<String>,
    #[serde(rename = "type")]
    ty: Option<TypeDef>,
    nullable: Option<bool>,
    default: Option<ValueDef>,
    #[serde(default)]
    drop_default: bool,
    autoincrement: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndexDef {
    table: String,
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    unique: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrimaryKeyDef {
    table: String,
    name: Option<String>,
    columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(super) struct TableForeignKeyDef {
    table: String,
    #[serde(flatten)]
    key: ForeignKeyDef,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableUniqueDef {
    table: String,
    name: String,
    columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableCheckDef {
    table: String,
    name: String,
    expression: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InsertDef {
    table: String,
    rows: Vec<BTreeMap<String, ValueDef>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateDef {
    table: String,
    set: BTreeMap<String, ValueDef>,
    #[serde(rename = "where")]
    filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeleteDef {
    table: String,
    #[serde(rename = "where")]
    filter: Option<String>,
}

/// What is wrong with a step, and what to do.
pub(super) type DefError = (String, Option<String>);

fn column_type(ty: &TypeDef) -> Result<ColumnType, DefError> {
    match ty {
        TypeDef::Name(name) => ColumnType::parse(name).map_err(|e| (e.to_string(), None)),
        TypeDef::PerDatabase(map) => {
            if let Some(bad) = map
                .keys()
                .find(|k| crate::repository::Dbms::parse(k).is_none())
            {
                return Err((
                    format!("'{bad}' is not a database (sqlite, postgresql, mysql or default)"),
                    None,
                ));
            }
            Ok(ColumnType::Custom(map.clone()))
        }
    }
}

fn value(v: &ValueDef) -> Result<DefaultValue, DefError> {
    Ok(match v {
        ValueDef::Text(s) => DefaultValue::Text(s.clone()),
        ValueDef::Int(i) => DefaultValue::Number(i.to_string()),
        // TOML's `nan` and `inf` have no literal in any of the databases: rendered, they
        // would be a bare `NaN` (an identifier, or an error halfway through a run).
        ValueDef::Float(f) if !f.is_finite() => {
            return Err((
                format!("{f} is not a finite number; no database has a literal for it"),
                Some("give a finite number, or a SQL expression as { sql = \"…\" }".into()),
            ));
        }
        ValueDef::Float(f) => DefaultValue::Number(f.to_string()),
        ValueDef::Bool(b) => DefaultValue::Bool(*b),
        ValueDef::Expression { sql } => DefaultValue::Expression(sql.clone()),
    })
}

fn literal_row(row: &BTreeMap<String, ValueDef>) -> Result<BTreeMap<String, Literal>, DefError> {
    row.iter()
        .map(|(k, v)| Ok((k.clone(), Some(value(v)?))))
        .collect()
}

impl ForeignKeyDef {
    /// The key, for `columns` of the referencing table when the definition names none.
    fn key(&self, own_columns: &[String]) -> Result<ForeignKey, DefError> {
        let columns = if self.columns.is_empty() {
            own_columns.to_vec()
        } else {
            self.columns.clone()
        };
        let (ref_table, ref_columns) = match (&self.references, &self.table, &self.column) {
            (Some(t), _, _) => (t.table.clone(), t.columns.clone()),
            (None, Some(table), Some(column)) => (table.clone(), vec![column.clone()]),
            _ => {
                return Err((
                    "a foreign key needs references = { table = \"…\", columns = [\"…\"] }".into(),
                    None,
                ));
            }
        };
        if columns.is_empty() || columns.len() != ref_columns.len() {
            return Err((
                format!(
                    "foreign key to '{ref_table}' pairs {} columns with {}",
                    columns.len(),
                    ref_columns.len()
                ),
                None,
            ));
        }
        Ok(ForeignKey {
            name: self.name.clone(),
            columns,
            ref_table,
            ref_columns,
            on_delete: self.on_delete,
            on_update: self.on_update,
        })
    }
}

fn reference(r: &ReferenceDef, column: &str) -> Result<ForeignKey, DefError> {
    match r {
        ReferenceDef::Short(target) => {
            let (table, col) = target.rsplit_once('.').ok_or_else(|| {
                (
                    format!("references = '{target}' must be 'table.column'"),
                    None,
                )
            })?;
            Ok(ForeignKey {
                name: None,
                columns: vec![column.to_string()],
                ref_table: table.to_string(),
                ref_columns: vec![col.to_string()],
                on_delete: None,
                on_update: None,
            })
        }
        ReferenceDef::Full(def) => def.key(&[column.to_string()]),
    }
}

impl ColumnDef {
    fn column(&self, lone_integer_pk: bool) -> Result<Column, DefError> {
        let ty = column_type(&self.ty)?;
        let autoincrement = self
            .autoincrement
            .unwrap_or(lone_integer_pk && ty.is_integer());
        Ok(Column {
            name: self.name.clone(),
            ty,
            nullable: self.nullable.unwrap_or(!self.primary_key) && !self.primary_key,
            default: self.default.as_ref().map(value).transpose()?,
            autoincrement,
        })
    }
}

pub(super) fn create_table(def: &CreateTableDef) -> Result<Table, DefError> {
    let inline_pk: Vec<String> = def
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    if !inline_pk.is_empty() && def.primary_key.is_some() {
        return Err((
            "give the primary key either on its columns or as primary_key, not both".into(),
            None,
        ));
    }
    let mut t = Table {
        name: def.name.clone(),
        options: def.options.clone(),
        ..Table::default()
    };
    let lone = inline_pk.len() == 1;
    for c in &def.columns {
        t.columns.push(c.column(lone && c.primary_key)?);
        if c.unique {
            t.uniques.push(Unique {
                name: None,
                columns: vec![c.name.clone()],
            });
        }
        if c.index {
            t.indexes.push(Index {
                name: naming::generated_for("ix", &def.name, &c.name),
                columns: vec![c.name.clone()],
                unique: false,
            });
        }
        if let Some(r) = &c.references {
            t.foreign_keys.push(reference(r, &c.name)?);
        }
    }
    t.primary_key = match &def.primary_key {
        Some(pk) => Some(PrimaryKey {
            name: pk.name.clone(),
            columns: pk.columns.clone(),
        }),
        None if !inline_pk.is_empty() => Some(PrimaryKey {
            name: None,
            columns: inline_pk,
        }),
        None => None,
    };
    if let Some(pk) = &t.primary_key {
        for c in t
            .columns
            .iter_mut()
            .filter(|c| pk.columns.contains(&c.name))
        {
            c.nullable = false;
        }
    }
    for fk in &def.foreign_keys {
        t.foreign_keys.push(fk.key(&[])?);
    }
    t.indexes.extend(def.indexes.iter().map(|i| Index {
        name: i.name.clone(),
        columns: i.columns.clone(),
        unique: i.unique,
    }));
    t.uniques.extend(def.uniques.iter().map(|u| Unique {
        name: u.name.clone(),
        columns: u.columns.clone(),
    }));
    t.checks.extend(def.checks.iter().map(|c| Check {
        name: c.name.clone(),
        expression: c.expression.clone(),
    }));
    Ok(t)
}

fn add_column(def: &AddColumnDef) -> Result<Vec<Operation>, DefError> {
    let c = &def.column;
    if c.primary_key {
        return Err((
            "add_column cannot add a primary key column; add the column, then add_primary_key"
                .into(),
            None,
        ));
    }
    let table = def.table.clone();
    let mut ops = vec![Operation::AddColumn {
        table: table.clone(),
        column: c.column(false)?,
    }];
    if c.unique {
        ops.push(Operation::AddUnique {
            table: table.clone(),
            constraint: Unique {
                name: Some(naming::generated_for("uq", &table, &c.name)),
                columns: vec![c.name.clone()],
            },
        });
    }
    if c.index {
        ops.push(Operation::CreateIndex {
            table: table.clone(),
            index: Index {
                name: naming::generated_for("ix", &table, &c.name),
                columns: vec![c.name.clone()],
                unique: false,
            },
        });
    }
    if let Some(r) = &c.references {
        let mut key = reference(r, &c.name)?;
        // migrate makes this key, so it names it: its derived downgrade drops it by name.
        if key.name.is_none() {
            key.name = Some(naming::generated_for("fk", &table, &c.name));
        }
        ops.push(Operation::AddForeignKey {
            table: table.clone(),
            key,
        });
    }
    Ok(ops)
}

fn alter_column(def: &AlterColumnDef) -> Result<Operation, DefError> {
    if def.drop_default && def.default.is_some() {
        return Err(("give default or drop_default, not both".into(), None));
    }
    let change = ColumnChange {
        name: def.name.clone(),
        ty: def.ty.as_ref().map(column_type).transpose()?,
        nullable: def.nullable,
        default: if def.drop_default {
            Some(None)
        } else {
            def.default.as_ref().map(value).transpose()?.map(Some)
        },
        autoincrement: def.autoincrement,
    };
    if change == ColumnChange::default() {
        return Err(("alter_column changes nothing: give name, type, nullable, default, drop_default or autoincrement".into(), None));
    }
    Ok(Operation::AlterColumn {
        table: def.table.clone(),
        column: def.column.clone(),
        change,
    })
}

impl StepDef {
    /// The operations this step stands for.
    pub(super) fn operations(&self) -> Result<Vec<Operation>, DefError> {
        let one = |op| Ok(vec![op]);
        match self {
            StepDef::Sql(SqlDef::All(sql)) => one(Operation::Sql(BTreeMap::from([(
                "default".to_string(),
                sql.clone(),
            )]))),
            StepDef::Sql(SqlDef::PerDatabase(map)) => {
                if let Some(bad) = map
                    .keys()
                    .find(|k| crate::repository::Dbms::parse(k).is_none())
                {
                    return Err((
                        format!("'{bad}' is not a database (sqlite, postgresql, mysql or default)"),
                        None,
                    ));
                }
                one(Operation::Sql(map.clone()))
            }
            StepDef::CreateTable(def) => one(Operation::CreateTable(create_table(def)?)),
            StepDef::DropTable(d) => one(Operation::DropTable {
                name: d.name.clone(),
            }),
            StepDef::RenameTable(d) => one(Operation::RenameTable {
                from: d.from.clone(),
                to: d.to.clone(),
            }),
            StepDef::AddColumn(def) => add_column(def),
            StepDef::DropColumn(d) => one(Operation::DropColumn {
                table: d.table.clone(),
                column: d.column.clone(),
            }),
            StepDef::AlterColumn(def) => one(alter_column(def)?),
            StepDef::CreateIndex(d) => one(Operation::CreateIndex {
                table: d.table.clone(),
                index: Index {
                    name: d.name.clone(),
                    columns: d.columns.clone(),
                    unique: d.unique,
                },
            }),
            StepDef::DropIndex(d) => one(Operation::DropIndex {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            StepDef::RenameIndex(d) => one(Operation::RenameIndex {
                table: d.table.clone(),
                from: d.from.clone(),
                to: d.to.clone(),
            }),
            StepDef::AddPrimaryKey(d) => one(Operation::AddPrimaryKey {
                table: d.table.clone(),
                key: PrimaryKey {
                    name: d.name.clone(),
                    columns: d.columns.clone(),
                },
            }),
            StepDef::DropPrimaryKey(d) => one(Operation::DropPrimaryKey {
                table: d.table.clone(),
            }),
            StepDef::AddForeignKey(d) => one(Operation::AddForeignKey {
                table: d.table.clone(),
                key: d.key.key(&[])?,
            }),
            StepDef::DropForeignKey(d) => one(Operation::DropForeignKey {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            StepDef::AddUnique(d) => one(Operation::AddUnique {
                table: d.table.clone(),
                constraint: Unique {
                    name: Some(d.name.clone()),
                    columns: d.columns.clone(),
                },
            }),
            StepDef::DropUnique(d) => one(Operation::DropUnique {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            StepDef::AddCheck(d) => one(Operation::AddCheck {
                table: d.table.clone(),
                check: Check {
                    name: Some(d.name.clone()),
                    expression: d.expression.clone(),
                },
            }),
            StepDef::DropCheck(d) => one(Operation::DropCheck {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            StepDef::Insert(d) => one(Operation::Insert {
                table: d.table.clone(),
                rows: d.rows.iter().map(literal_row).collect::<Result<_, _>>()?,
            }),
            StepDef::Update(d) => one(Operation::Update {
                table: d.table.clone(),
                set: literal_row(&d.set)?,
                filter: d.filter.clone(),
            }),
            StepDef::Delete(d) => one(Operation::Delete {
                table: d.table.clone(),
                filter: d.filter.clone(),
            }),
        }
    }
}
