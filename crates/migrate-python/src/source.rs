//! A parsed script: its AST and a way from byte offsets to lines, for messages.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use ruff_python_ast::{ModModule, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::error::Exc;

/// A parsed file.
pub struct Source {
    /// Where it came from.
    pub path: PathBuf,
    /// Its statements.
    pub body: Vec<Stmt>,
    line_starts: Vec<u32>,
}

impl Source {
    /// Parses `text`.
    ///
    /// # Errors
    /// A syntax error, at its line.
    pub fn parse(path: &Path, text: &str) -> Result<Rc<Source>, Exc> {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            )
            .collect();
        let mut source = Source {
            path: path.to_path_buf(),
            body: Vec::new(),
            line_starts,
        };
        match ruff_python_parser::parse_module(text) {
            Ok(parsed) => {
                let module: ModModule = parsed.into_syntax();
                source.body = module.body;
                Ok(Rc::new(source))
            }
            Err(e) => {
                let line = source.line(e.location.start());
                let mut exc = Exc::new("SyntaxError", e.error.to_string()).at(line);
                exc.file = Some(path.display().to_string());
                Err(exc)
            }
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: TextSize) -> usize {
        let offset = u32::from(offset);
        self.line_starts.partition_point(|s| *s <= offset)
    }

    /// The line where `node` starts.
    pub fn line_of(&self, node: &impl Ranged) -> usize {
        self.line(node.start())
    }
}
