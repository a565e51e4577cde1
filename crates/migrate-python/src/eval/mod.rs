//! The evaluator: statements run as Python runs them, lazily, one frame per call.

mod expr;
mod ops;

use std::collections::HashMap;
use std::rc::Rc;

use migrate_core::session::Session;
use ruff_python_ast::{self as ast, Stmt};

use crate::error::Exc;
use crate::source::Source;
use crate::value::{Args, Native, Scope, Value, new_scope};

pub(crate) use ops::MAX_SIZE;
pub(crate) use ops::{
    dict_set as dict_insert, iterate, make_set as make_set_value, order as order_values, subscript,
};

/// `a + b`.
pub(crate) fn add_values(a: &Value, b: &Value, interp: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    ops::binary(ast::Operator::Add, a, b, interp)
}

/// How a block ended.
pub(crate) enum Flow {
    Normal,
    Return(Value),
    Break,
    Continue,
}

/// A function defined in a script: `def` or `lambda`.
pub struct Function {
    /// Its name (`<lambda>` for a lambda).
    pub name: String,
    pub(crate) params: Rc<ast::Parameters>,
    pub(crate) body: Body,
    pub(crate) defaults: Vec<Option<Value>>,
    pub(crate) globals: Scope,
    pub(crate) enclosing: Vec<Scope>,
    pub(crate) source: Rc<Source>,
}

/// What a function runs.
pub(crate) enum Body {
    Block(Rc<Vec<Stmt>>),
    Lambda(Rc<ast::Expr>),
}

/// A class defined in a script.
pub struct Class {
    /// Its name.
    pub name: String,
    /// Its base: a script class, or a native one (`TypeDecorator`).
    pub base: Option<Value>,
    /// Its attributes and methods.
    pub attrs: Scope,
}

impl Class {
    /// Looks `name` up in the class and its bases.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.attrs.borrow().get(name) {
            return Some(v.clone());
        }
        match &self.base {
            Some(Value::Class(base)) => base.lookup(name),
            _ => None,
        }
    }

    /// Whether this class is `name` or derives from it.
    pub fn is_a(&self, name: &str) -> bool {
        self.name == name
            || match &self.base {
                Some(Value::Class(base)) => base.is_a(name),
                Some(other) => other.type_name() == name,
                None => false,
            }
    }
}

/// An instance of a script class.
pub struct Instance {
    /// Its class.
    pub class: Rc<Class>,
    /// Its own attributes.
    pub attrs: Scope,
}

/// A script function bound to an instance (`obj.method`).
pub(crate) struct BoundMethod {
    pub func: Rc<Function>,
    pub this: Value,
}

impl Native for BoundMethod {
    fn type_name(&self) -> &str {
        "method"
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        mut args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        args.pos.insert(0, self.this.clone());
        interp.call_function(&self.func, args)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// One frame: its locals, the module's globals, the scopes of enclosing functions.
pub(crate) struct Frame {
    pub locals: Scope,
    pub globals: Scope,
    pub enclosing: Vec<Scope>,
    pub source: Rc<Source>,
    pub declared_global: Vec<String>,
}

/// Finds modules for `import`: the vocabulary, then application modules on the search path.
pub trait Importer {
    /// The module `name`, evaluated once and cached by the interpreter.
    ///
    /// # Errors
    /// `ImportError` when nothing provides it.
    fn import(&self, name: &str, interp: &mut Interp<'_, '_>) -> Result<Value, Exc>;
}

/// The interpreter's state for one run of one script.
pub struct Interp<'a, 's> {
    /// The database, while a migration runs (none when only loading a module).
    pub db: Option<&'a mut Session<'s>>,
    pub(crate) modules: HashMap<String, Value>,
    pub(crate) importer: &'a dyn Importer,
    pub(crate) builtins: Scope,
    depth: usize,
    /// How deeply the expression being evaluated is nested: a bound, so that a script of
    /// ten thousand nested brackets is an error, not a stack overflow.
    pub(crate) expr_depth: usize,
    /// How many `try` blocks enclose what runs now: a database error there may be caught,
    /// so statements run in a savepoint that keeps the version's transaction usable.
    pub(crate) try_depth: usize,
    /// The exceptions being handled, innermost last: what a bare `raise` raises again.
    handling: Vec<Exc>,
    /// Where the script asked to roll its session back: the version is one transaction, so
    /// it cannot be recorded as applied.
    pub rollback_requested: Option<String>,
    /// What the script logged (`LOG.warning(…)`), for messages about the step.
    pub logged: Vec<String>,
    /// How many data statements (or raw SQL texts) the script sent.
    pub writes: usize,
    /// Every scope made in this run: a function keeps its module's globals, which hold the
    /// function, so scopes form cycles that reference counting never frees. They are emptied
    /// when the run ends (weak, so a scope no longer used is freed as it goes).
    scopes: Vec<std::rc::Weak<std::cell::RefCell<HashMap<String, Value>>>>,
    /// Statements left to run, when bounded (fuzzing): a loop that never ends is an error.
    pub steps_left: Option<u64>,
    /// Tables whose drop the database refused while others still referenced them: dropped
    /// again, in order, once the script has run (a script that drops a table before the one
    /// referencing it, which sqlalchemy-migrate left half-done on PostgreSQL).
    pub deferred_drops: Vec<String>,
}

const MAX_DEPTH: usize = 200;

impl<'a, 's> Interp<'a, 's> {
    /// An interpreter importing through `importer`, on `db` when given.
    pub fn new(db: Option<&'a mut Session<'s>>, importer: &'a dyn Importer) -> Interp<'a, 's> {
        Interp {
            db,
            modules: HashMap::new(),
            importer,
            builtins: crate::builtins::scope(),
            depth: 0,
            expr_depth: 0,
            try_depth: 0,
            handling: Vec::new(),
            rollback_requested: None,
            logged: Vec::new(),
            writes: 0,
            scopes: Vec::new(),
            steps_left: None,
            deferred_drops: Vec::new(),
        }
    }

    /// The session, or a stop when the script touches the database outside a migration.
    ///
    /// # Errors
    /// No database is attached.
    pub fn session(&mut self) -> Result<&mut Session<'s>, Exc> {
        self.db
            .as_deref_mut()
            .ok_or_else(|| Exc::unsupported("database work while the module is being loaded"))
    }

    /// Runs a module's statements in a fresh global scope and returns the scope.
    ///
    /// # Errors
    /// What the module raised.
    pub fn run_module(&mut self, source: &Rc<Source>, name: &str) -> Result<Scope, Exc> {
        let globals = self.scope();
        globals
            .borrow_mut()
            .insert("__name__".into(), Value::str(name));
        let mut frame = Frame {
            locals: globals.clone(),
            globals: globals.clone(),
            enclosing: Vec::new(),
            source: source.clone(),
            declared_global: Vec::new(),
        };
        match self.block(&source.body, &mut frame) {
            Ok(_) => Ok(globals),
            Err(e) => Err(with_file(e, source)),
        }
    }

    /// Calls any callable value.
    ///
    /// # Errors
    /// What the call raised.
    pub fn call(&mut self, callee: &Value, args: Args) -> Result<Value, Exc> {
        match callee {
            Value::Function(f) => self.call_function(f, args),
            Value::Native(n) => n.call(n, args, self),
            Value::Bound(n, name) => n.call_method(n, name, args, self),
            Value::Class(c) => self.instantiate(c, args),
            other => Err(Exc::type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    fn instantiate(&mut self, class: &Rc<Class>, args: Args) -> Result<Value, Exc> {
        let instance = Value::Instance(Rc::new(Instance {
            class: class.clone(),
            attrs: self.scope(),
        }));
        if let Some(Value::Function(init)) = class.lookup("__init__") {
            let mut args = args;
            args.pos.insert(0, instance.clone());
            self.call_function(&init, args)?;
        }
        Ok(instance)
    }

    /// Calls a script function.
    ///
    /// # Errors
    /// What it raised, or a wrong argument list.
    pub fn call_function(&mut self, f: &Rc<Function>, args: Args) -> Result<Value, Exc> {
        if self.depth >= MAX_DEPTH {
            return Err(Exc::new(
                "RecursionError",
                "maximum recursion depth exceeded",
            ));
        }
        let locals = self.scope();
        bind_params(f, args, &locals)?;
        let mut frame = Frame {
            locals,
            globals: f.globals.clone(),
            enclosing: f.enclosing.clone(),
            source: f.source.clone(),
            declared_global: Vec::new(),
        };
        self.depth += 1;
        let result = match &f.body {
            Body::Block(body) => self.block(body, &mut frame).map(|flow| match flow {
                Flow::Return(v) => v,
                _ => Value::None,
            }),
            Body::Lambda(e) => self.expr(e, &mut frame),
        };
        self.depth -= 1;
        result.map_err(|e| with_file(e, &f.source))
    }

    /// A new scope, emptied when the run ends.
    pub(crate) fn scope(&mut self) -> Scope {
        let scope = new_scope();
        if self.scopes.len() >= 1024 && self.scopes.len().is_power_of_two() {
            self.scopes.retain(|w| w.strong_count() > 0);
        }
        self.scopes.push(Rc::downgrade(&scope));
        scope
    }

    /// Counts one unit of work against the budget, when there is one.
    pub(crate) fn tick(&mut self) -> Result<(), Exc> {
        if let Some(left) = self.steps_left.as_mut() {
            if *left == 0 {
                return Err(Exc::new("TimeoutError", "the script ran too long"));
            }
            *left -= 1;
        }
        Ok(())
    }

    pub(crate) fn block(&mut self, body: &[Stmt], frame: &mut Frame) -> Result<Flow, Exc> {
        for stmt in body {
            self.tick()?;
            let flow = self
                .stmt(stmt, frame)
                .map_err(|e| e.at(frame.source.line_of(stmt)))?;
            if !matches!(flow, Flow::Normal) {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn stmt(&mut self, stmt: &Stmt, frame: &mut Frame) -> Result<Flow, Exc> {
        match stmt {
            Stmt::Expr(s) => {
                self.expr(&s.value, frame)?;
            }
            Stmt::Assign(s) => {
                let value = self.expr(&s.value, frame)?;
                for target in &s.targets {
                    self.assign(target, value.clone(), frame)?;
                }
            }
            Stmt::AnnAssign(s) => {
                if let Some(v) = &s.value {
                    let value = self.expr(v, frame)?;
                    self.assign(&s.target, value, frame)?;
                }
            }
            Stmt::AugAssign(s) => {
                let current = self.expr(&s.target, frame)?;
                let right = self.expr(&s.value, frame)?;
                let value = ops::binary(s.op, &current, &right, self)?;
                self.assign(&s.target, value, frame)?;
            }
            Stmt::FunctionDef(def) => {
                let f = self.make_function(def, frame)?;
                let mut value = Value::Function(Rc::new(f));
                for decorator in def.decorator_list.iter().rev() {
                    let d = self.expr(&decorator.expression, frame)?;
                    value = self.call(&d, Args::positional(vec![value]))?;
                }
                self.store(def.name.as_str(), value, frame);
            }
            Stmt::ClassDef(def) => self.class_def(def, frame)?,
            Stmt::Return(s) => {
                let value = match &s.value {
                    Some(v) => self.expr(v, frame)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            Stmt::Pass(_) => {}
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            Stmt::If(s) => {
                if self.expr(&s.test, frame)?.truthy() {
                    return self.block(&s.body, frame);
                }
                for clause in &s.elif_else_clauses {
                    let taken = match &clause.test {
                        Some(test) => self.expr(test, frame)?.truthy(),
                        None => true,
                    };
                    if taken {
                        return self.block(&clause.body, frame);
                    }
                }
            }
            Stmt::For(s) => return self.for_loop(s, frame),
            Stmt::While(s) => return self.while_loop(s, frame),
            Stmt::Try(s) => return self.try_stmt(s, frame),
            Stmt::Raise(s) => return Err(self.raise(s, frame)?),
            Stmt::Import(s) => {
                for alias in &s.names {
                    let name = alias.name.as_str();
                    let module = self.import(name)?;
                    match &alias.asname {
                        Some(as_name) => self.store(as_name.as_str(), module, frame),
                        None => {
                            let top = name.split('.').next().unwrap_or(name);
                            let top_module = self.import(top)?;
                            self.store(top, top_module, frame);
                        }
                    }
                }
            }
            Stmt::ImportFrom(s) => self.import_from(s, frame)?,
            Stmt::Delete(s) => {
                for target in &s.targets {
                    self.delete(target, frame)?;
                }
            }
            Stmt::Global(s) => {
                frame
                    .declared_global
                    .extend(s.names.iter().map(|n| n.to_string()));
            }
            Stmt::Assert(s) => {
                if !self.expr(&s.test, frame)?.truthy() {
                    let message = match &s.msg {
                        Some(m) => self.expr(m, frame)?.to_string(),
                        None => String::new(),
                    };
                    return Err(Exc::new("AssertionError", message));
                }
            }
            Stmt::With(s) => return self.with_stmt(s, frame),
            Stmt::Nonlocal(_) => return Err(Exc::unsupported("`nonlocal`")),
            Stmt::Match(_) => return Err(Exc::unsupported("`match`")),
            Stmt::TypeAlias(_) => return Err(Exc::unsupported("`type` aliases")),
            Stmt::IpyEscapeCommand(_) => return Err(Exc::unsupported("IPython escapes")),
        }
        Ok(Flow::Normal)
    }

    fn make_function(
        &mut self,
        def: &ast::StmtFunctionDef,
        frame: &mut Frame,
    ) -> Result<Function, Exc> {
        if def.is_async {
            return Err(Exc::unsupported("`async def`"));
        }
        let defaults = self.defaults(&def.parameters, frame)?;
        Ok(Function {
            name: def.name.to_string(),
            params: Rc::new((*def.parameters).clone()),
            body: Body::Block(Rc::new(def.body.clone())),
            defaults,
            globals: frame.globals.clone(),
            enclosing: closure(frame),
            source: frame.source.clone(),
        })
    }

    pub(crate) fn defaults(
        &mut self,
        params: &ast::Parameters,
        frame: &mut Frame,
    ) -> Result<Vec<Option<Value>>, Exc> {
        params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
            .map(|p| p.default.as_ref().map(|d| self.expr(d, frame)).transpose())
            .collect()
    }

    fn class_def(&mut self, def: &ast::StmtClassDef, frame: &mut Frame) -> Result<(), Exc> {
        let bases: Vec<Value> = match &def.arguments {
            Some(a) => a
                .args
                .iter()
                .map(|b| self.expr(b, frame))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        if bases.len() > 1 {
            return Err(Exc::unsupported("multiple inheritance"));
        }
        let base = bases
            .into_iter()
            .next()
            .filter(|b| !matches!(b, Value::Native(n) if n.type_name() == "type:object"));
        let attrs = self.scope();
        let mut class_frame = Frame {
            locals: attrs.clone(),
            globals: frame.globals.clone(),
            enclosing: frame.enclosing.clone(),
            source: frame.source.clone(),
            declared_global: Vec::new(),
        };
        self.block(&def.body, &mut class_frame)?;
        let class = Class {
            name: def.name.to_string(),
            base,
            attrs,
        };
        self.store(def.name.as_str(), Value::Class(Rc::new(class)), frame);
        Ok(())
    }

    fn for_loop(&mut self, s: &ast::StmtFor, frame: &mut Frame) -> Result<Flow, Exc> {
        let items = iterate(&self.expr(&s.iter, frame)?, self)?;
        for item in items {
            self.assign(&s.target, item, frame)?;
            match self.block(&s.body, frame)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Normal | Flow::Continue => {}
            }
        }
        self.block(&s.orelse, frame)
    }

    fn while_loop(&mut self, s: &ast::StmtWhile, frame: &mut Frame) -> Result<Flow, Exc> {
        while self.expr(&s.test, frame)?.truthy() {
            match self.block(&s.body, frame)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Normal | Flow::Continue => {}
            }
        }
        self.block(&s.orelse, frame)
    }

    fn try_stmt(&mut self, s: &ast::StmtTry, frame: &mut Frame) -> Result<Flow, Exc> {
        if s.is_star {
            return Err(Exc::unsupported("`except*`"));
        }
        self.try_depth += 1;
        let body = self.block(&s.body, frame);
        self.try_depth -= 1;
        let outcome = match body {
            Ok(flow) => match flow {
                Flow::Normal => self.block(&s.orelse, frame),
                other => Ok(other),
            },
            Err(exc) => self.handle(s, exc, frame),
        };
        if s.finalbody.is_empty() {
            return outcome;
        }
        match self.block(&s.finalbody, frame)? {
            Flow::Normal => outcome,
            other => Ok(other),
        }
    }

    fn handle(&mut self, s: &ast::StmtTry, exc: Exc, frame: &mut Frame) -> Result<Flow, Exc> {
        for handler in &s.handlers {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            let classes = match &h.type_ {
                None => vec![None],
                Some(t) => exception_names(&self.expr(t, frame)?)
                    .into_iter()
                    .map(Some)
                    .collect(),
            };
            if classes.iter().any(|c| exc.caught_by(c.as_deref())) {
                if let Some(name) = &h.name {
                    let value = crate::builtins::exception_value(&exc);
                    self.store(name.as_str(), value, frame);
                }
                self.handling.push(exc);
                let outcome = self.block(&h.body, frame);
                self.handling.pop();
                return outcome;
            }
        }
        Err(exc)
    }

    fn raise(&mut self, s: &ast::StmtRaise, frame: &mut Frame) -> Result<Exc, Exc> {
        let Some(e) = &s.exc else {
            return Ok(self
                .handling
                .last()
                .cloned()
                .unwrap_or_else(|| Exc::new("RuntimeError", "No active exception to reraise")));
        };
        let value = self.expr(e, frame)?;
        crate::builtins::exception_from(&value, self)
    }

    fn with_stmt(&mut self, s: &ast::StmtWith, frame: &mut Frame) -> Result<Flow, Exc> {
        let mut managers = Vec::new();
        for item in &s.items {
            let manager = self.expr(&item.context_expr, frame)?;
            let entered = self.call_method(&manager, "__enter__", Args::default())?;
            if let Some(target) = &item.optional_vars {
                self.assign(target, entered, frame)?;
            }
            managers.push(manager);
        }
        let outcome = self.block(&s.body, frame);
        let failed = Value::Bool(outcome.is_err());
        for manager in managers.iter().rev() {
            self.call_method(manager, "__exit__", Args::positional(vec![failed.clone()]))?;
        }
        outcome
    }

    /// Calls `value.name(args)`.
    ///
    /// # Errors
    /// What the call raised, or no such method.
    pub fn call_method(&mut self, value: &Value, name: &str, args: Args) -> Result<Value, Exc> {
        let method = self.get_attr(value, name)?;
        self.call(&method, args)
    }

    fn import(&mut self, name: &str) -> Result<Value, Exc> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        let importer = self.importer;
        let module = importer.import(name, self)?;
        self.modules.insert(name.to_string(), module.clone());
        Ok(module)
    }

    fn import_from(&mut self, s: &ast::StmtImportFrom, frame: &mut Frame) -> Result<(), Exc> {
        if s.level > 0 {
            return Err(Exc::unsupported("relative imports"));
        }
        let module_name = s.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
        let module = self.import(&module_name)?;
        for alias in &s.names {
            let name = alias.name.as_str();
            if name == "*" {
                for (k, v) in crate::modules::public_names(&module, self)? {
                    self.store(&k, v, frame);
                }
                continue;
            }
            let value = match self.get_attr(&module, name) {
                Ok(v) => v,
                // `from package import submodule`.
                Err(_) => self.import(&format!("{module_name}.{name}"))?,
            };
            let as_name = alias.asname.as_ref().map_or(name, |a| a.as_str());
            self.store(as_name, value, frame);
        }
        Ok(())
    }

    pub(crate) fn store(&mut self, name: &str, value: Value, frame: &mut Frame) {
        let scope = if frame.declared_global.iter().any(|g| g == name) {
            &frame.globals
        } else {
            &frame.locals
        };
        scope.borrow_mut().insert(name.to_string(), value);
    }

    pub(crate) fn lookup(&self, name: &str, frame: &Frame) -> Result<Value, Exc> {
        if !frame.declared_global.iter().any(|g| g == name) {
            if let Some(v) = frame.locals.borrow().get(name) {
                return Ok(v.clone());
            }
            for scope in frame.enclosing.iter().rev() {
                if let Some(v) = scope.borrow().get(name) {
                    return Ok(v.clone());
                }
            }
        }
        if let Some(v) = frame.globals.borrow().get(name) {
            return Ok(v.clone());
        }
        self.builtins
            .borrow()
            .get(name)
            .cloned()
            .ok_or_else(|| Exc::name_error(name))
    }
}

impl Drop for Interp<'_, '_> {
    fn drop(&mut self) {
        // Break the cycles (functions ↔ globals, closures ↔ locals, `self.x = self`): what
        // the run made is freed with it. Emptied first, dropped after, so that no value is
        // dropped while a scope is borrowed.
        let mut values = Vec::new();
        for scope in self.scopes.drain(..).filter_map(|w| w.upgrade()) {
            values.extend(scope.borrow_mut().drain().map(|(_, v)| v));
        }
        values.extend(self.modules.drain().map(|(_, v)| v));
        drop(values);
    }
}

/// The scopes a function defined in `frame` sees besides its own and the globals.
fn closure(frame: &Frame) -> Vec<Scope> {
    let mut scopes = frame.enclosing.clone();
    if !Rc::ptr_eq(&frame.locals, &frame.globals) {
        scopes.push(frame.locals.clone());
    }
    scopes
}

/// The class names an `except` clause's expression names.
fn exception_names(value: &Value) -> Vec<String> {
    match value {
        Value::Tuple(items) => items.iter().flat_map(exception_names).collect(),
        Value::Class(c) => vec![c.name.clone()],
        other => vec![crate::builtins::exception_class_name(other)],
    }
}

fn with_file(mut e: Exc, source: &Source) -> Exc {
    e.file
        .get_or_insert_with(|| source.path.display().to_string());
    e
}

/// Binds a call's arguments to a function's parameters, as Python does.
fn bind_params(f: &Function, args: Args, locals: &Scope) -> Result<(), Exc> {
    let p = &f.params;
    let positional: Vec<&ast::ParameterWithDefault> = p.posonlyargs.iter().chain(&p.args).collect();
    let mut scope = locals.borrow_mut();
    let mut extra = Vec::new();
    for (i, value) in args.pos.into_iter().enumerate() {
        match positional.get(i) {
            Some(param) => {
                scope.insert(param.name().to_string(), value);
            }
            None => extra.push(value),
        }
    }
    if let Some(vararg) = &p.vararg {
        scope.insert(vararg.name.to_string(), Value::Tuple(Rc::new(extra)));
    } else if !extra.is_empty() {
        return Err(Exc::type_error(format!(
            "{}() takes {} positional arguments but more were given",
            f.name,
            positional.len()
        )));
    }
    let mut kwargs = Vec::new();
    for (name, value) in args.kw {
        let known = positional
            .iter()
            .chain(&p.kwonlyargs.iter().collect::<Vec<_>>())
            .any(|q| q.name().as_str() == name);
        if known {
            if scope.contains_key(&name) {
                return Err(Exc::type_error(format!(
                    "{}() got multiple values for argument '{name}'",
                    f.name
                )));
            }
            scope.insert(name, value);
        } else {
            kwargs.push((Value::str(name.as_str()), value));
        }
    }
    if let Some(kwarg) = &p.kwarg {
        scope.insert(
            kwarg.name.to_string(),
            Value::Dict(Rc::new(std::cell::RefCell::new(kwargs))),
        );
    } else if let Some((name, _)) = kwargs.first() {
        return Err(Exc::type_error(format!(
            "{}() got an unexpected keyword argument {}",
            f.name,
            name.repr()
        )));
    }
    let all = positional.iter().copied().chain(&p.kwonlyargs);
    for (param, default) in all.zip(&f.defaults) {
        let name = param.name().to_string();
        if scope.contains_key(&name) {
            continue;
        }
        match default {
            Some(d) => {
                scope.insert(name, d.clone());
            }
            None => {
                return Err(Exc::type_error(format!(
                    "{}() missing required argument: '{name}'",
                    f.name
                )));
            }
        }
    }
    Ok(())
}
