//! Snapshot tests: each operation rendered by the three dialects side by side, against a
//! small schema, so a change in any dialect's SQL shows up as a reviewed diff.

use std::collections::BTreeMap;

use super::{Dialect, MYSQL, POSTGRES, SQLITE};
use crate::change::{ColumnChange, Operation};
use crate::schema::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, PrimaryKey, Schema,
    Table, Unique,
};

fn col(name: &str, ty: ColumnType, nullable: bool) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable,
        default: None,
        autoincrement: false,
    }
}

fn schema() -> Schema {
    let mut id = col("id", ColumnType::Integer { unsigned: false }, false);
    id.autoincrement = true;
    let parent = Table {
        name: "parent".into(),
        columns: vec![id.clone(), col("name", ColumnType::String(Some(64)), true)],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        }),
        options: BTreeMap::from([("mysql_engine".to_string(), "InnoDB".to_string())]),
        ..Table::default()
    };
    let child = Table {
        name: "order".into(),
        columns: vec![
            id,
            col("parent_id", ColumnType::Integer { unsigned: false }, true),
            col(
                "total",
                ColumnType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
                false,
            ),
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        }),
        foreign_keys: vec![ForeignKey {
            name: Some("fk_order_parent".into()),
            columns: vec!["parent_id".into()],
            ref_table: "parent".into(),
            ref_columns: vec!["id".into()],
            on_delete: Some(FkAction::Cascade),
            on_update: None,
        }],
        indexes: vec![Index {
            name: "ix_order_total".into(),
            columns: vec!["total".into()],
            unique: false,
        }],
        ..Table::default()
    };
    Schema {
        tables: vec![parent, child],
        dependents: Vec::new(),
    }
}

fn side_by_side(op: &Operation) -> String {
    let before = schema();
    let mut out = String::new();
    for d in [&SQLITE as &dyn Dialect, &POSTGRES, &MYSQL] {
        out.push_str(&format!("-- {}\n", d.name()));
        match d.render(op, &before) {
            Ok(statements) => {
                for s in statements {
                    out.push_str(&s.sql);
                    out.push_str(if s.must_return_nothing {
                        ";  -- must return no rows\n"
                    } else {
                        ";\n"
                    });
                }
            }
            Err(e) => out.push_str(&format!("error: {e}\n")),
        }
    }
    out
}

macro_rules! snapshot {
    ($name:ident, $op:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(side_by_side(&$op));
        }
    };
}

snapshot!(
    create_table,
    Operation::CreateTable(Table {
        name: "books".into(),
        columns: vec![
            Column {
                autoincrement: true,
                ..col("id", ColumnType::BigInteger { unsigned: true }, false)
            },
            col("title", ColumnType::Text, false),
            Column {
                default: Some(DefaultValue::Text("it's".into())),
                ..col("author", ColumnType::String(Some(64)), false)
            },
            Column {
                default: Some(DefaultValue::Bool(true)),
                ..col("in print", ColumnType::Boolean, true)
            },
            col("parent_id", ColumnType::Integer { unsigned: false }, true),
        ],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()]
        }),
        foreign_keys: vec![ForeignKey {
            name: Some("fk_books_parent".into()),
            columns: vec!["parent_id".into()],
            ref_table: "parent".into(),
            ref_columns: vec!["id".into()],
            on_delete: Some(FkAction::SetNull),
            on_update: None,
        }],
        uniques: vec![Unique {
            name: Some("uq_books_title".into()),
            columns: vec!["title".into(), "author".into()]
        }],
        checks: vec![Check {
            name: Some("ck_books_author".into()),
            expression: "author <> ''".into()
        }],
        indexes: vec![Index {
            name: "ix_books_author".into(),
            columns: vec!["author".into()],
            unique: false
        }],
        options: BTreeMap::from([
            ("mysql_engine".to_string(), "InnoDB".to_string()),
            ("mysql_charset".to_string(), "utf8".to_string())
        ]),
    })
);
snapshot!(
    drop_table,
    Operation::DropTable {
        name: "parent".into()
    }
);
snapshot!(
    rename_table,
    Operation::RenameTable {
        from: "parent".into(),
        to: "mother".into()
    }
);
snapshot!(
    add_column,
    Operation::AddColumn {
        table: "parent".into(),
        column: Column {
            default: Some(DefaultValue::Number("0".into())),
            ..col("size", ColumnType::SmallInteger { unsigned: false }, false)
        },
    }
);
snapshot!(
    add_column_not_null_without_default,
    Operation::AddColumn {
        table: "parent".into(),
        column: col("code", ColumnType::String(Some(8)), false),
    }
);
snapshot!(
    drop_column,
    Operation::DropColumn {
        table: "order".into(),
        column: "parent_id".into()
    }
);
snapshot!(
    drop_plain_column,
    Operation::DropColumn {
        table: "parent".into(),
        column: "name".into()
    }
);
snapshot!(
    alter_column_type_and_null,
    Operation::AlterColumn {
        table: "parent".into(),
        column: "name".into(),
        change: ColumnChange {
            ty: Some(ColumnType::Text),
            nullable: Some(false),
            ..ColumnChange::default()
        },
    }
);
snapshot!(
    alter_column_rename,
    Operation::AlterColumn {
        table: "parent".into(),
        column: "name".into(),
        change: ColumnChange {
            name: Some("full name".into()),
            ..ColumnChange::default()
        },
    }
);
snapshot!(
    alter_column_default,
    Operation::AlterColumn {
        table: "parent".into(),
        column: "name".into(),
        change: ColumnChange {
            default: Some(Some(DefaultValue::Text("x".into()))),
            ..ColumnChange::default()
        },
    }
);
snapshot!(
    create_index,
    Operation::CreateIndex {
        table: "parent".into(),
        index: Index {
            name: "ux_parent_name".into(),
            columns: vec!["name".into(), "id".into()],
            unique: true
        },
    }
);
snapshot!(
    drop_index,
    Operation::DropIndex {
        table: "order".into(),
        name: "ix_order_total".into()
    }
);
snapshot!(
    rename_index,
    Operation::RenameIndex {
        table: "order".into(),
        from: "ix_order_total".into(),
        to: "ix_total".into()
    }
);
snapshot!(
    add_primary_key,
    Operation::AddPrimaryKey {
        table: "parent".into(),
        key: PrimaryKey {
            name: Some("pk_parent".into()),
            columns: vec!["name".into()]
        },
    }
);
snapshot!(
    drop_primary_key,
    Operation::DropPrimaryKey {
        table: "parent".into()
    }
);
snapshot!(
    add_foreign_key,
    Operation::AddForeignKey {
        table: "parent".into(),
        key: ForeignKey {
            name: Some("fk_parent_self".into()),
            columns: vec!["id".into()],
            ref_table: "parent".into(),
            ref_columns: vec!["id".into()],
            on_delete: None,
            on_update: Some(FkAction::Restrict),
        },
    }
);
snapshot!(
    drop_foreign_key,
    Operation::DropForeignKey {
        table: "order".into(),
        name: "fk_order_parent".into()
    }
);
snapshot!(
    add_unique,
    Operation::AddUnique {
        table: "parent".into(),
        constraint: Unique {
            name: Some("uq_parent_name".into()),
            columns: vec!["name".into()]
        },
    }
);
snapshot!(
    add_check,
    Operation::AddCheck {
        table: "order".into(),
        check: Check {
            name: Some("ck_total".into()),
            expression: "total >= 0".into()
        },
    }
);
snapshot!(
    raw_sql,
    Operation::Sql(BTreeMap::from([
        (
            "default".to_string(),
            "UPDATE parent SET name = 'a;b'; DELETE FROM parent".to_string()
        ),
        (
            "mysql".to_string(),
            "UPDATE `parent` SET name = 'x'".to_string()
        ),
    ]))
);
snapshot!(
    data_statements,
    Operation::Insert {
        table: "parent".into(),
        rows: vec![BTreeMap::from([
            ("id".to_string(), Some(DefaultValue::Number("1".into()))),
            (
                "name".to_string(),
                Some(DefaultValue::Text("O'Brien \\ Co".into()))
            ),
        ])],
    }
);
