//! Python exceptions as the interpreter raises and catches them, and what stops a script
//! outright (a construct outside the subset, which no `except` may swallow).

use std::fmt;

/// A raised exception, or a stop.
#[derive(Debug, Clone)]
pub struct Exc {
    /// The exception class (`ValueError`, `IntegrityError`…), or `None` for a stop that no
    /// `except` catches: a construct the interpreter does not support.
    pub class: Option<String>,
    /// Its message.
    pub message: String,
    /// The 1-based line of the script where it was raised, once known.
    pub line: Option<usize>,
    /// The file it was raised in, once known (an imported module's, say).
    pub file: Option<String>,
    /// What to do about it, for a stop.
    pub help: Option<String>,
}

impl Exc {
    /// An exception of class `class`.
    pub fn new(class: &str, message: impl Into<String>) -> Exc {
        Exc {
            class: Some(class.to_string()),
            message: message.into(),
            line: None,
            file: None,
            help: None,
        }
    }

    /// A construct the interpreter does not support: stops the script.
    pub fn unsupported(what: impl Into<String>) -> Exc {
        Exc {
            class: None,
            message: format!(
                "{} is not supported by migrate's Python subset",
                what.into()
            ),
            line: None,
            file: None,
            help: Some(
                "rewrite this version as SQL or portable scripts (`migrate convert` writes \
                 those it can), or report the construct so the subset can grow"
                    .into(),
            ),
        }
    }

    /// `TypeError`.
    pub fn type_error(message: impl Into<String>) -> Exc {
        Exc::new("TypeError", message)
    }

    /// `ValueError`.
    pub fn value_error(message: impl Into<String>) -> Exc {
        Exc::new("ValueError", message)
    }

    /// `NameError`.
    pub fn name_error(name: &str) -> Exc {
        Exc::new("NameError", format!("name '{name}' is not defined"))
    }

    /// `AttributeError`.
    pub fn attribute(type_name: &str, name: &str) -> Exc {
        Exc::new(
            "AttributeError",
            format!("'{type_name}' object has no attribute '{name}'"),
        )
    }

    /// Sets the line where it happened, unless an inner frame already did.
    pub fn at(mut self, line: usize) -> Exc {
        self.line.get_or_insert(line);
        self
    }

    /// Whether an `except` clause naming `class` (or a bare `except`) catches it.
    pub fn caught_by(&self, class: Option<&str>) -> bool {
        let Some(mine) = &self.class else {
            return false;
        };
        match class {
            None | Some("Exception" | "BaseException") => true,
            Some(wanted) => mine == wanted || is_subclass(mine, wanted),
        }
    }
}

/// The few exception hierarchies scripts rely on (SQLAlchemy's `DBAPIError` family,
/// Python's `LookupError`…).
fn is_subclass(class: &str, of: &str) -> bool {
    let parents: &[&str] = match class {
        "IntegrityError" | "OperationalError" | "ProgrammingError" | "DataError"
        | "InternalError" | "NotSupportedError" => &["DBAPIError", "SQLAlchemyError"],
        "NoSuchTableError" => &["InvalidRequestError", "SQLAlchemyError"],
        "KeyError" | "IndexError" => &["LookupError"],
        "ZeroDivisionError" | "OverflowError" => &["ArithmeticError"],
        "DBAPIError" | "InvalidRequestError" => &["SQLAlchemyError"],
        _ => &[],
    };
    parents.contains(&of)
}

impl fmt::Display for Exc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.class {
            Some(class) => write!(f, "{class}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
