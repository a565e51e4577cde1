//! Expressions, assignment targets and attribute access.

use std::cell::RefCell;
use std::rc::Rc;

use ruff_python_ast::{self as ast, Expr};

use super::{Body, BoundMethod, Frame, Function, Interp, closure, iterate, ops};
use crate::error::Exc;
use crate::value::{Args, Value};

/// How deeply expressions may nest (Python's own parser stops near 200).
const MAX_EXPR_DEPTH: usize = 200;

/// What a comprehension produces for each item (one value, or a key and a value).
type Emit<'e, I> = dyn FnMut(&mut I, &mut Frame) -> Result<Vec<Value>, Exc> + 'e;

impl Interp<'_, '_> {
    pub(crate) fn expr(&mut self, e: &Expr, frame: &mut Frame) -> Result<Value, Exc> {
        if self.expr_depth >= MAX_EXPR_DEPTH {
            return Err(Exc::new("RecursionError", "expression nested too deeply"));
        }
        self.expr_depth += 1;
        let value = self.expr_inner(e, frame);
        self.expr_depth -= 1;
        value
    }

    fn expr_inner(&mut self, e: &Expr, frame: &mut Frame) -> Result<Value, Exc> {
        match e {
            Expr::NoneLiteral(_) => Ok(Value::None),
            Expr::BooleanLiteral(b) => Ok(Value::Bool(b.value)),
            Expr::NumberLiteral(n) => number(&n.value),
            Expr::StringLiteral(s) => Ok(Value::str(s.value.to_str())),
            Expr::FString(f) => self.fstring(f, frame),
            Expr::Name(n) => self.lookup(n.id.as_str(), frame),
            Expr::Attribute(a) => {
                let object = self.expr(&a.value, frame)?;
                self.get_attr(&object, a.attr.as_str())
            }
            Expr::Call(c) => self.call_expr(c, frame),
            Expr::List(l) => Ok(Value::list(self.items(&l.elts, frame)?)),
            Expr::Tuple(t) => Ok(Value::Tuple(Rc::new(self.items(&t.elts, frame)?))),
            Expr::Set(s) => {
                let items = self.items(&s.elts, frame)?;
                Ok(ops::make_set(items))
            }
            Expr::Dict(d) => {
                let mut pairs = Vec::new();
                for item in &d.items {
                    let value = self.expr(&item.value, frame)?;
                    match &item.key {
                        Some(k) => {
                            let key = self.expr(k, frame)?;
                            ops::dict_set(&mut pairs, key, value);
                        }
                        None => {
                            for (k, v) in ops::dict_pairs(&value)? {
                                ops::dict_set(&mut pairs, k, v);
                            }
                        }
                    }
                }
                Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
            }
            Expr::BinOp(b) => {
                let left = self.expr(&b.left, frame)?;
                let right = self.expr(&b.right, frame)?;
                ops::binary(b.op, &left, &right, self)
            }
            Expr::UnaryOp(u) => {
                let v = self.expr(&u.operand, frame)?;
                ops::unary(u.op, &v)
            }
            Expr::BoolOp(b) => {
                let mut last = Value::None;
                for value in &b.values {
                    last = self.expr(value, frame)?;
                    let stop = match b.op {
                        ast::BoolOp::And => !last.truthy(),
                        ast::BoolOp::Or => last.truthy(),
                    };
                    if stop {
                        break;
                    }
                }
                Ok(last)
            }
            Expr::Compare(c) => self.compare(c, frame),
            Expr::If(i) => {
                if self.expr(&i.test, frame)?.truthy() {
                    self.expr(&i.body, frame)
                } else {
                    self.expr(&i.orelse, frame)
                }
            }
            Expr::Subscript(s) => {
                let object = self.expr(&s.value, frame)?;
                let index = self.index_value(&s.slice, frame)?;
                ops::subscript(&object, &index, self)
            }
            Expr::Lambda(l) => {
                let params = l.parameters.as_deref().cloned().unwrap_or_default();
                let defaults = self.defaults(&params, frame)?;
                Ok(Value::Function(Rc::new(Function {
                    name: "<lambda>".into(),
                    params: Rc::new(params),
                    body: Body::Lambda(Rc::new((*l.body).clone())),
                    defaults,
                    globals: frame.globals.clone(),
                    enclosing: closure(frame),
                    source: frame.source.clone(),
                })))
            }
            Expr::ListComp(c) => Ok(Value::list(self.comprehension(
                &c.generators,
                frame,
                &mut |i, f| i.expr(&c.elt, f).map(|v| vec![v]),
            )?)),
            Expr::Generator(c) => Ok(Value::list(self.comprehension(
                &c.generators,
                frame,
                &mut |i, f| i.expr(&c.elt, f).map(|v| vec![v]),
            )?)),
            Expr::SetComp(c) => Ok(ops::make_set(self.comprehension(
                &c.generators,
                frame,
                &mut |i, f| i.expr(&c.elt, f).map(|v| vec![v]),
            )?)),
            Expr::DictComp(c) => {
                let flat = self.comprehension(&c.generators, frame, &mut |i, f| {
                    Ok(vec![i.expr(&c.key, f)?, i.expr(&c.value, f)?])
                })?;
                let mut pairs = Vec::new();
                for kv in flat.chunks(2) {
                    ops::dict_set(&mut pairs, kv[0].clone(), kv[1].clone());
                }
                Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
            }
            Expr::Slice(_) => Err(Exc::unsupported("a slice outside a subscript")),
            Expr::Starred(_) => Err(Exc::unsupported("`*` outside a call or assignment")),
            Expr::Named(_) => Err(Exc::unsupported("`:=`")),
            Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => {
                Err(Exc::unsupported("generators and coroutines"))
            }
            Expr::BytesLiteral(b) => Ok(Value::Bytes(b.value.bytes().collect())),
            Expr::EllipsisLiteral(_) => Ok(Value::None),
            Expr::TString(_) => Err(Exc::unsupported("template strings")),
            Expr::IpyEscapeCommand(_) => Err(Exc::unsupported("IPython escapes")),
        }
    }

    fn items(&mut self, elts: &[Expr], frame: &mut Frame) -> Result<Vec<Value>, Exc> {
        let mut out = Vec::with_capacity(elts.len());
        for e in elts {
            if let Expr::Starred(s) = e {
                out.extend(iterate(&self.expr(&s.value, frame)?, self)?);
            } else {
                out.push(self.expr(e, frame)?);
            }
        }
        Ok(out)
    }

    fn index_value(&mut self, e: &Expr, frame: &mut Frame) -> Result<Value, Exc> {
        let Expr::Slice(s) = e else {
            return self.expr(e, frame);
        };
        let mut part = |p: &Option<Box<Expr>>, i: &mut Self| -> Result<Value, Exc> {
            match p {
                Some(x) => i.expr(x, frame),
                None => Ok(Value::None),
            }
        };
        let lower = part(&s.lower, self)?;
        let upper = part(&s.upper, self)?;
        let step = part(&s.step, self)?;
        Ok(Value::native(ops::Slice { lower, upper, step }))
    }

    fn fstring(&mut self, f: &ast::ExprFString, frame: &mut Frame) -> Result<Value, Exc> {
        let mut out = String::new();
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(l) => out.push_str(&l.value),
                ast::FStringPart::FString(fs) => {
                    for element in fs.elements.iter() {
                        match element {
                            ast::InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                            ast::InterpolatedStringElement::Interpolation(i) => {
                                if i.format_spec.is_some() {
                                    return Err(Exc::unsupported("format specs in f-strings"));
                                }
                                let v = self.expr(&i.expression, frame)?;
                                let text = match i.conversion {
                                    ast::ConversionFlag::Repr => v.repr(),
                                    _ => crate::builtins::to_str(&v, self)?,
                                };
                                out.push_str(&text);
                            }
                        }
                    }
                }
            }
        }
        Ok(Value::str(out))
    }

    /// Runs a comprehension's `for`/`if` clauses, collecting what `emit` gives for each item.
    fn comprehension(
        &mut self,
        generators: &[ast::Comprehension],
        frame: &mut Frame,
        emit: &mut Emit<'_, Self>,
    ) -> Result<Vec<Value>, Exc> {
        // Comprehensions have a scope of their own in Python 3: their variables do not leak.
        let mut inner = Frame {
            locals: self.scope(),
            globals: frame.globals.clone(),
            enclosing: closure(frame),
            source: frame.source.clone(),
            declared_global: Vec::new(),
        };
        let mut out = Vec::new();
        self.comprehend(generators, &mut inner, emit, &mut out)?;
        Ok(out)
    }

    fn comprehend(
        &mut self,
        generators: &[ast::Comprehension],
        frame: &mut Frame,
        emit: &mut Emit<'_, Self>,
        out: &mut Vec<Value>,
    ) -> Result<(), Exc> {
        let Some((first, rest)) = generators.split_first() else {
            out.extend(emit(self, frame)?);
            return Ok(());
        };
        for item in iterate(&self.expr(&first.iter, frame)?, self)? {
            self.tick()?;
            self.assign(&first.target, item, frame)?;
            let mut keep = true;
            for cond in &first.ifs {
                if !self.expr(cond, frame)?.truthy() {
                    keep = false;
                    break;
                }
            }
            if keep {
                self.comprehend(rest, frame, emit, out)?;
            }
        }
        Ok(())
    }

    fn compare(&mut self, c: &ast::ExprCompare, frame: &mut Frame) -> Result<Value, Exc> {
        let mut left = self.expr(&c.left, frame)?;
        for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
            let right = self.expr(right, frame)?;
            let result = ops::compare(*op, &left, &right, self)?;
            // A comparison of SQL columns is an expression object, not a truth value.
            if !matches!(result, Value::Bool(_)) {
                return Ok(result);
            }
            if !result.truthy() {
                return Ok(Value::Bool(false));
            }
            left = right;
        }
        Ok(Value::Bool(true))
    }

    fn call_expr(&mut self, c: &ast::ExprCall, frame: &mut Frame) -> Result<Value, Exc> {
        let callee = self.expr(&c.func, frame)?;
        let mut args = Args::default();
        for a in c.arguments.args.iter() {
            if let Expr::Starred(s) = a {
                args.pos
                    .extend(iterate(&self.expr(&s.value, frame)?, self)?);
            } else {
                args.pos.push(self.expr(a, frame)?);
            }
        }
        for k in c.arguments.keywords.iter() {
            let value = self.expr(&k.value, frame)?;
            match &k.arg {
                Some(name) => args.kw.push((name.to_string(), value)),
                None => {
                    for (key, v) in ops::dict_pairs(&value)? {
                        let key = key
                            .as_str()
                            .ok_or_else(|| Exc::type_error("keywords must be strings"))?
                            .to_string();
                        args.kw.push((key, v));
                    }
                }
            }
        }
        self.call(&callee, args)
    }

    pub(crate) fn assign(
        &mut self,
        target: &Expr,
        value: Value,
        frame: &mut Frame,
    ) -> Result<(), Exc> {
        match target {
            Expr::Name(n) => {
                self.store(n.id.as_str(), value, frame);
                Ok(())
            }
            Expr::Tuple(t) => self.unpack(&t.elts, value, frame),
            Expr::List(l) => self.unpack(&l.elts, value, frame),
            Expr::Attribute(a) => {
                let object = self.expr(&a.value, frame)?;
                self.set_attr(&object, a.attr.as_str(), value)
            }
            Expr::Subscript(s) => {
                let object = self.expr(&s.value, frame)?;
                let index = self.index_value(&s.slice, frame)?;
                ops::set_item(&object, index, value)
            }
            _ => Err(Exc::unsupported("this assignment target")),
        }
    }

    fn unpack(&mut self, targets: &[Expr], value: Value, frame: &mut Frame) -> Result<(), Exc> {
        let items = iterate(&value, self)?;
        if targets.iter().any(|t| matches!(t, Expr::Starred(_))) {
            return Err(Exc::unsupported("starred assignment"));
        }
        if items.len() != targets.len() {
            return Err(Exc::value_error(format!(
                "expected {} values to unpack, got {}",
                targets.len(),
                items.len()
            )));
        }
        for (t, v) in targets.iter().zip(items) {
            self.assign(t, v, frame)?;
        }
        Ok(())
    }

    pub(crate) fn delete(&mut self, target: &Expr, frame: &mut Frame) -> Result<(), Exc> {
        match target {
            Expr::Name(n) => frame
                .locals
                .borrow_mut()
                .remove(n.id.as_str())
                .map(|_| ())
                .ok_or_else(|| Exc::name_error(n.id.as_str())),
            Expr::Subscript(s) => {
                let object = self.expr(&s.value, frame)?;
                let index = self.index_value(&s.slice, frame)?;
                ops::del_item(&object, &index)
            }
            _ => Err(Exc::unsupported("this `del` target")),
        }
    }

    /// `value.name`.
    ///
    /// # Errors
    /// `AttributeError`.
    pub fn get_attr(&mut self, value: &Value, name: &str) -> Result<Value, Exc> {
        match value {
            Value::Native(n) => {
                if let Some(v) = n.attr(name, self)? {
                    return Ok(v);
                }
                if n.has_method(name) {
                    return Ok(Value::Bound(n.clone(), name.into()));
                }
                Err(Exc::attribute(n.type_name(), name))
            }
            Value::Instance(i) => {
                if let Some(v) = i.attrs.borrow().get(name) {
                    return Ok(v.clone());
                }
                match i.class.lookup(name) {
                    Some(Value::Function(f)) => Ok(Value::native(BoundMethod {
                        func: f,
                        this: value.clone(),
                    })),
                    Some(v) => Ok(v),
                    None => Err(Exc::attribute(&i.class.name, name)),
                }
            }
            Value::Class(c) => c.lookup(name).ok_or_else(|| Exc::attribute(&c.name, name)),
            other => crate::methods::builtin_attr(other, name),
        }
    }

    fn set_attr(&mut self, object: &Value, name: &str, value: Value) -> Result<(), Exc> {
        match object {
            Value::Native(n) => n.set_attr(name, value),
            Value::Instance(i) => {
                i.attrs.borrow_mut().insert(name.to_string(), value);
                Ok(())
            }
            Value::Class(c) => {
                c.attrs.borrow_mut().insert(name.to_string(), value);
                Ok(())
            }
            other => Err(Exc::attribute(&other.type_name(), name)),
        }
    }
}

fn number(n: &ast::Number) -> Result<Value, Exc> {
    match n {
        ast::Number::Int(i) => i
            .as_i64()
            .map(Value::Int)
            .ok_or_else(|| Exc::unsupported("integers beyond 64 bits")),
        ast::Number::Float(f) => Ok(Value::Float(*f)),
        ast::Number::Complex { .. } => Err(Exc::unsupported("complex numbers")),
    }
}
