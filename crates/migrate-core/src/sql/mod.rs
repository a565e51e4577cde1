//! SQL text handling that every dialect shares: splitting scripts into statements.

mod split;
mod transaction;

pub use split::{LexerOptions, SplitError, Statement, normalize, split};
pub use transaction::TransactionControl;
