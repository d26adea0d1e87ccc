//! Expression evaluation.

use super::{err, EResult, Evaluator, Scope};
use crate::value::{Map, Value};
use hcl_edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

const MAX_RECURSION: u32 = 128;

impl Evaluator<'_> {
    pub fn eval(&self, e: &Expression, sc: &Scope) -> EResult {
        self.step()?;
        let d = self.depth.get();
        if d > MAX_RECURSION {
            return err("expression nesting too deep");
        }
        self.depth.set(d + 1);
        let r = self.eval_inner(e, sc);
        self.depth.set(d);
        r
    }

    fn eval_inner(&self, e: &Expression, sc: &Scope) -> EResult {
        Ok(match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.as_f64().map(Value::Number).unwrap_or(Value::Unknown),
            Expression::String(s) => Value::str(s.as_str()),
            Expression::Array(a) => Value::list(a.iter().map(|x| self.eval(x, sc)).collect::<Result<_, _>>()?),
            Expression::Object(o) => {
                let mut m = Map::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(x) => {
                            let kv = match x {
                                // `(a) = 1` and `"a" = 1` evaluate; a bare traversal-free name is literal.
                                Expression::Variable(v) => Value::str(v.as_str()),
                                other => self.eval(other, sc)?,
                            };
                            match kv.to_template_string() {
                                Some(s) => s,
                                None if kv.is_unknown() => return Ok(Value::Unknown),
                                None => return err("object key must be a string"),
                            }
                        }
                    };
                    m.insert(key, self.eval(v.expr(), sc)?);
                }
                Value::map(m)
            }
            Expression::StringTemplate(t) => self.eval_template(t, sc)?,
            Expression::HeredocTemplate(h) => {
                if h.indent().is_some() {
                    let mut h2 = (**h).clone();
                    h2.dedent();
                    self.eval_template(&h2.template, sc)?
                } else {
                    self.eval_template(&h.template, sc)?
                }
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), sc)?,
            Expression::Variable(v) => self.root_value(v.as_str(), sc)?,
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, sc)?;
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, sc)?,
                    Some(false) => self.eval(&c.false_expr, sc)?,
                    None if cond.is_unknown() => {
                        let a = self.eval(&c.true_expr, sc).unwrap_or(Value::Unknown);
                        let b = self.eval(&c.false_expr, sc).unwrap_or(Value::Unknown);
                        if a == b && a.is_wholly_known() {
                            a
                        } else {
                            Value::Unknown
                        }
                    }
                    None => return err("condition is not a bool"),
                }
            }
            Expression::FuncCall(f) => {
                let args: Vec<&Expression> = f.args.iter().collect();
                let name = if f.name.is_namespaced() {
                    format!(
                        "{}::{}",
                        f.name
                            .namespace
                            .iter()
                            .map(|n| n.as_str())
                            .collect::<Vec<_>>()
                            .join("::"),
                        f.name.name.as_str()
                    )
                } else {
                    f.name.name.as_str().to_string()
                };
                self.call(&name, &args, f.args.expand_final(), sc)?
            }
            Expression::Traversal(t) => {
                self.eval_traversal(&t.expr, &t.operators.iter().map(|o| o.value()).collect::<Vec<_>>(), sc)?
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, sc)?;
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                match u.operator.value() {
                    UnaryOperator::Neg => match v.as_number() {
                        Some(n) => Value::Number(-n),
                        None => return err("cannot negate a non-number"),
                    },
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => Value::Bool(!b),
                        None => return err("cannot negate a non-bool"),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(*b.operator.value(), &b.lhs_expr, &b.rhs_expr, sc)?,
            Expression::ForExpr(f) => {
                let coll = self.eval(&f.intro.collection_expr, sc)?;
                let pairs: Vec<(Value, Value)> = match &coll {
                    Value::List(l) => l
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                        .collect(),
                    Value::Map(_) | Value::Resource(_) => coll
                        .as_map()
                        .map(|m| m.iter().map(|(k, v)| (Value::str(k.as_str()), v.clone())).collect())
                        .unwrap_or_default(),
                    Value::Null => return err("for expression over null"),
                    Value::Unknown | Value::Ref(_) | Value::Encoded(_) => return Ok(Value::Unknown),
                    _ => return err("for expression over a non-collection"),
                };
                let mut list = Vec::new();
                let mut map = Map::new();
                let mut groups: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
                for (k, v) in pairs {
                    let mut binds = vec![(f.intro.value_var.as_str().to_string(), v)];
                    if let Some(kv) = &f.intro.key_var {
                        binds.insert(0, (kv.as_str().to_string(), k));
                    }
                    let isc = sc.with(binds);
                    if let Some(c) = &f.cond {
                        let cv = self.eval(&c.expr, &isc)?;
                        match cv.as_bool() {
                            Some(true) => {}
                            Some(false) => continue,
                            None => return Ok(Value::Unknown),
                        }
                    }
                    let val = self.eval(&f.value_expr, &isc)?;
                    match &f.key_expr {
                        Some(ke) => {
                            let kv = self.eval(ke, &isc)?;
                            let Some(ks) = kv.to_template_string() else {
                                return Ok(Value::Unknown);
                            };
                            if f.grouping {
                                groups.entry(ks).or_default().push(val);
                            } else {
                                map.insert(ks, val);
                            }
                        }
                        None => list.push(val),
                    }
                }
                if f.key_expr.is_some() {
                    if f.grouping {
                        Value::map(groups.into_iter().map(|(k, v)| (k, Value::list(v))).collect())
                    } else {
                        Value::map(map)
                    }
                } else {
                    Value::list(list)
                }
            }
        })
    }

    /// Evaluates a template; a template made of one interpolation returns its value unchanged.
    pub fn eval_template(&self, t: &Template, sc: &Scope) -> EResult {
        let elems: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(&i.expr, sc);
        }
        let mut out = String::new();
        let mut unknown = false;
        self.render(t, sc, &mut out, &mut unknown)?;
        Ok(if unknown { Value::Unknown } else { Value::str(out) })
    }

    fn render(&self, t: &Template, sc: &Scope, out: &mut String, unknown: &mut bool) -> Result<(), super::EvalErr> {
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr, sc)?;
                    match v.to_template_string() {
                        Some(s) => out.push_str(&s),
                        None if v.is_unknown() => *unknown = true,
                        None if v.is_null() => return err("cannot interpolate null"),
                        None => return err(format!("cannot interpolate a {}", v.type_name())),
                    }
                }
                Element::Directive(d) => match &**d {
                    Directive::If(ifd) => {
                        let c = self.eval(&ifd.if_expr.cond_expr, sc)?;
                        match c.as_bool() {
                            Some(true) => self.render(&ifd.if_expr.template, sc, out, unknown)?,
                            Some(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    self.render(&e.template, sc, out, unknown)?
                                }
                            }
                            None => *unknown = true,
                        }
                    }
                    Directive::For(fd) => {
                        let coll = self.eval(&fd.for_expr.collection_expr, sc)?;
                        let pairs: Vec<(Value, Value)> = match &coll {
                            Value::List(l) => l
                                .iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                                .collect(),
                            Value::Map(m) => m.iter().map(|(k, v)| (Value::str(k.as_str()), v.clone())).collect(),
                            _ => {
                                *unknown = true;
                                continue;
                            }
                        };
                        for (k, v) in pairs {
                            let mut binds = vec![(fd.for_expr.value_var.as_str().to_string(), v)];
                            if let Some(kv) = &fd.for_expr.key_var {
                                binds.insert(0, (kv.as_str().to_string(), k));
                            }
                            self.render(&fd.for_expr.template, &sc.with(binds), out, unknown)?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    /// A bare name: a binding (`each`, `count`, for variables, iterators) or an error.
    fn root_value(&self, name: &str, sc: &Scope) -> EResult {
        if let Some(v) = sc.lookup(name) {
            return Ok(v.clone());
        }
        match name {
            "terraform" | "self" => Ok(Value::Unknown),
            _ => err(format!("unknown name {name}")),
        }
    }

    fn eval_traversal(&self, root: &Expression, ops: &[&TraversalOperator], sc: &Scope) -> EResult {
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let (mut v, used) = match root {
            Expression::Variable(var) if sc.lookup(var.as_str()).is_none() => {
                let name = var.as_str();
                match name {
                    "var" => match attr(0) {
                        Some(a) => (self.var(sc.inst, a)?, 1),
                        None => return err("var needs an attribute"),
                    },
                    "local" => match attr(0) {
                        Some(a) => (self.local(sc.inst, a)?, 1),
                        None => return err("local needs an attribute"),
                    },
                    "module" => match attr(0) {
                        Some(a) => (self.module_value(sc.inst, a)?, 1),
                        None => return err("module needs an attribute"),
                    },
                    "path" => {
                        let i = self.instance(sc.inst);
                        let s = match attr(0) {
                            Some("module") => self.project.modules[i.module].display.clone(),
                            Some("root") => self.project.modules[self.instance(i.stack).module].display.clone(),
                            Some("cwd") => ".".to_string(),
                            _ => return err("unknown path attribute"),
                        };
                        (Value::str(s), 1)
                    }
                    "data" | "ephemeral" => match (attr(0), attr(1)) {
                        (Some(ty), Some(n)) => {
                            let mode = if name == "data" { "data" } else { "ephemeral" };
                            (self.resource_value(sc.inst, mode, ty, n)?, 2)
                        }
                        _ => return err("data needs a type and a name"),
                    },
                    "terraform" | "self" | "count" | "each" => (Value::Unknown, ops.len()),
                    ty => match attr(0) {
                        Some(n) => (self.resource_value(sc.inst, "resource", ty, n)?, 1),
                        None => return err(format!("unknown name {ty}")),
                    },
                }
            }
            other => (self.eval(other, sc)?, 0),
        };
        let mut i = used;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::GetAttr(a) => {
                    v = match v.get_attr(a.as_str()) {
                        Some(x) => x,
                        None if v.is_null() => return err(format!("attribute {} of null", a.as_str())),
                        None => match &v {
                            Value::Map(_) => return err(format!("no attribute {}", a.as_str())),
                            Value::List(_) => return err(format!("attribute {} of a list", a.as_str())),
                            _ => return err(format!("attribute {} of a {}", a.as_str(), v.type_name())),
                        },
                    }
                }
                TraversalOperator::Index(ix) => {
                    let k = self.eval(ix, sc)?;
                    v = index(&v, &k)?;
                }
                TraversalOperator::LegacyIndex(n) => v = index(&v, &Value::Number(*n.value() as f64))?,
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items: Vec<Value> = match &v {
                        Value::List(l) => l.to_vec(),
                        Value::Null => vec![],
                        Value::Unknown | Value::Ref(_) | Value::Encoded(_) => return Ok(Value::Unknown),
                        other => vec![other.clone()],
                    };
                    let rest = &ops[i + 1..];
                    let mut out = Vec::new();
                    for it in items {
                        out.push(self.apply_ops(it, rest, sc)?);
                    }
                    return Ok(Value::list(out));
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn apply_ops(&self, v: Value, ops: &[&TraversalOperator], sc: &Scope) -> EResult {
        let mut v = v;
        for (i, op) in ops.iter().enumerate() {
            match op {
                TraversalOperator::GetAttr(a) => {
                    v = v
                        .get_attr(a.as_str())
                        .map(Ok)
                        .unwrap_or_else(|| err(format!("no attribute {}", a.as_str())))?
                }
                TraversalOperator::Index(ix) => v = index(&v, &self.eval(ix, sc)?)?,
                TraversalOperator::LegacyIndex(n) => v = index(&v, &Value::Number(*n.value() as f64))?,
                _ => {
                    let items = v.as_list().map(|l| l.to_vec()).unwrap_or_default();
                    let mut out = Vec::new();
                    for it in items {
                        out.push(self.apply_ops(it, &ops[i + 1..], sc)?);
                    }
                    return Ok(Value::list(out));
                }
            }
        }
        Ok(v)
    }

    fn binary(&self, op: BinaryOperator, l: &Expression, r: &Expression, sc: &Scope) -> EResult {
        use BinaryOperator::*;
        let a = self.eval(l, sc)?;
        // Short-circuit the logical operators on a known side.
        if matches!(op, And | Or) {
            let b = self.eval(r, sc)?;
            return Ok(match (op, a.as_bool(), b.as_bool()) {
                (And, Some(false), _) | (And, _, Some(false)) => Value::Bool(false),
                (Or, Some(true), _) | (Or, _, Some(true)) => Value::Bool(true),
                (_, Some(x), Some(y)) => Value::Bool(if op == And { x && y } else { x || y }),
                _ if a.is_unknown() || b.is_unknown() => Value::Unknown,
                _ => return err("logical operator on a non-bool"),
            });
        }
        let b = self.eval(r, sc)?;
        if matches!(op, Eq | NotEq) {
            if !a.is_wholly_known() || !b.is_wholly_known() {
                return Ok(Value::Unknown);
            }
            let eq = values_equal(&a, &b);
            return Ok(Value::Bool(if op == Eq { eq } else { !eq }));
        }
        if a.is_unknown() || b.is_unknown() {
            return Ok(Value::Unknown);
        }
        let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
            return err(format!("arithmetic on {} and {}", a.type_name(), b.type_name()));
        };
        Ok(match op {
            Plus => Value::Number(x + y),
            Minus => Value::Number(x - y),
            Mul => Value::Number(x * y),
            Div => {
                if y == 0.0 {
                    return err("division by zero");
                }
                Value::Number(x / y)
            }
            Mod => {
                if y == 0.0 {
                    return err("modulo by zero");
                }
                Value::Number(x % y)
            }
            Less => Value::Bool(x < y),
            LessEq => Value::Bool(x <= y),
            Greater => Value::Bool(x > y),
            GreaterEq => Value::Bool(x >= y),
            _ => return err("unsupported operator"),
        })
    }
}

/// Terraform equality: numbers and their string forms are not equal, but 1 == 1.0.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Resource(x), Value::Resource(y)) => x.addr == y.addr,
        _ => a == b,
    }
}

pub fn index(v: &Value, k: &Value) -> EResult {
    if let (Value::Ref(r), Some(key)) = (v, k.as_str()) {
        if let Some(x) = r.index(key) {
            return Ok(x);
        }
    }
    if v.is_unknown() || k.is_unknown() {
        return Ok(Value::Unknown);
    }
    match v {
        Value::List(l) => {
            let Some(n) = k.as_number() else {
                return err("list index must be a number");
            };
            if n < 0.0 || n.fract() != 0.0 {
                return err("bad list index");
            }
            l.get(n as usize)
                .cloned()
                .map(Ok)
                .unwrap_or_else(|| err("list index out of range"))
        }
        Value::Map(_) | Value::Resource(_) => {
            let Some(s) = k.to_template_string() else {
                return err("map key must be a string");
            };
            match v {
                Value::Resource(_) => Ok(v.get_attr(&s).unwrap_or(Value::Unknown)),
                _ => v
                    .as_map()
                    .and_then(|m| m.get(&s).cloned())
                    .map(Ok)
                    .unwrap_or_else(|| err(format!("no key {s}"))),
            }
        }
        Value::Null => err("index of null"),
        _ => err(format!("cannot index a {}", v.type_name())),
    }
}
