//! `import`: the vocabulary's modules (SQLAlchemy, sqlalchemy-migrate, the standard library
//! scripts use), then the application's modules, read from the search path.

use std::any::Any;
use std::path::PathBuf;

use crate::error::Exc;
use crate::eval::{Importer, Interp};
use crate::source::Source;
use crate::value::{Native, Scope, Value, new_scope};

/// A module: its name and globals.
pub struct Module {
    /// The dotted name.
    pub name: String,
    /// Its globals.
    pub scope: Scope,
}

impl Native for Module {
    fn type_name(&self) -> &str {
        "module"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        if name == "__name__" {
            return Ok(Some(Value::str(self.name.as_str())));
        }
        Ok(self.scope.borrow().get(name).cloned())
    }
    fn set_attr(&self, name: &str, value: Value) -> Result<(), Exc> {
        self.scope.borrow_mut().insert(name.to_string(), value);
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A module made of `(name, value)` pairs.
pub fn module(name: &str, items: Vec<(&str, Value)>) -> Value {
    let scope = new_scope();
    scope
        .borrow_mut()
        .extend(items.into_iter().map(|(k, v)| (k.to_string(), v)));
    Value::native(Module {
        name: name.to_string(),
        scope,
    })
}

/// What `from module import *` binds: `__all__` when the module has one, else its names
/// not starting with `_`.
///
/// # Errors
/// Not a module.
pub fn public_names(
    module: &Value,
    interp: &mut Interp<'_, '_>,
) -> Result<Vec<(String, Value)>, Exc> {
    let Some(m) = module.downcast::<Module>() else {
        return Err(Exc::type_error(
            "`import *` from something that is not a module",
        ));
    };
    let scope = m.scope.borrow();
    if let Some(all) = scope.get("__all__") {
        let names = crate::eval::iterate(all, interp)?;
        return Ok(names
            .iter()
            .filter_map(|n| n.as_str())
            .filter_map(|n| scope.get(n).map(|v| (n.to_string(), v.clone())))
            .collect());
    }
    Ok(scope
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// Imports the vocabulary, then application modules found on `path`.
pub struct PathImporter {
    /// Directories searched for application modules, in order.
    pub path: Vec<PathBuf>,
}

impl Importer for PathImporter {
    fn import(&self, name: &str, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
        if let Some(module) = crate::vocabulary::module(name) {
            return Ok(module);
        }
        let rel: PathBuf = name.split('.').collect();
        for dir in &self.path {
            for candidate in [
                dir.join(&rel).with_extension("py"),
                dir.join(&rel).join("__init__.py"),
            ] {
                if candidate.is_file() {
                    return self.load(name, &candidate, interp);
                }
            }
            // A package directory without `__init__.py` (a namespace package).
            if dir.join(&rel).is_dir() {
                return Ok(module(name, Vec::new()));
            }
        }
        let mut e = Exc::new("ImportError", format!("No module named '{name}'"));
        e.help = Some(if self.path.is_empty() {
            "give the application's source directory with --python-path, MIGRATE_PYTHONPATH or \
             python_path in migrate.cfg"
                .into()
        } else {
            format!(
                "it is not among the modules migrate provides, nor under {}",
                self.path
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        Err(e)
    }
}

impl PathImporter {
    fn load(
        &self,
        name: &str,
        path: &std::path::Path,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let mut exc = Exc::new(
                "ImportError",
                format!("cannot read {}: {e}", path.display()),
            );
            exc.file = Some(path.display().to_string());
            exc
        })?;
        let source = Source::parse(path, &text)?;
        let scope = interp.run_module(&source, name)?;
        Ok(Value::native(Module {
            name: name.to_string(),
            scope,
        }))
    }
}
