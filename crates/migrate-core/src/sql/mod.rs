//! SQL text handling that every dialect shares: splitting scripts into statements.

mod split;

pub use split::{LexerOptions, SplitError, Statement, normalize, split};
