//! SQL expressions and data statements: `text()`, column comparisons, `and_`/`or_`,
//! `insert/update/delete/select` with `where`/`values`/`order_by`, executed in the version's
//! transaction, and the rows they return.

mod expr;
mod rows;
mod statement;

pub use expr::{
    BoolLiteral, Exists, Func, TextClause, boolean, column_operator, is_column_operator,
};
pub use statement::{ColumnInfo, Statement, execute_text, select, table_statement};
