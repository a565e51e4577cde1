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

fn function<'s>(source: &'s Source, name: &str) -> Option<&'s ruff_python_ast::StmtFunctionDef> {
    source.body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name.as_str() == name => Some(f),
        _ => None,
    })
}

/// The line where top-level function `name` is defined.
pub fn line_of_function(source: &Source, name: &str) -> Option<usize> {
    function(source, name).map(|f| source.line_of(f))
}

/// Whether top-level function `name` does anything but `pass`, a docstring, log or raise.
pub fn does_work(source: &Source, name: &str) -> bool {
    let Some(f) = function(source, name) else {
        return false;
    };
    f.body.iter().any(|s| match s {
        Stmt::Pass(_) | Stmt::Raise(_) => false,
        Stmt::Expr(e) => match &*e.value {
            ruff_python_ast::Expr::StringLiteral(_) => false,
            ruff_python_ast::Expr::Call(c) => !is_logging(&c.func),
            _ => true,
        },
        _ => true,
    })
}

/// `LOG.warning`, `logging.info`, `log.exception`…
fn is_logging(func: &ruff_python_ast::Expr) -> bool {
    let ruff_python_ast::Expr::Attribute(a) = func else {
        return false;
    };
    let ruff_python_ast::Expr::Name(n) = &*a.value else {
        return false;
    };
    let owner = n.id.as_str().to_ascii_lowercase();
    (owner == "log" || owner == "logging" || owner == "logger")
        && matches!(
            a.attr.as_str(),
            "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical"
        )
}
