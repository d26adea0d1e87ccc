//! Expression evaluation.

use super::{err, EResult, EvalErr, Evaluator, Scope};
use crate::value::{Map, Value};
use hcl_edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use std::rc::Rc;

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
                    // Either result: a choice between the two (or the one, if they are equal).
                    None if cond.is_unknown() => {
                        let a = self.eval(&c.true_expr, sc).unwrap_or(Value::Unknown);
                        let b = self.eval(&c.false_expr, sc).unwrap_or(Value::Unknown);
                        Value::one_of([a, b])
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
                    v if v.is_unknown() => return Ok(Value::Unknown),
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
                    let rest = &ops[i + 1..];
                    let items: Vec<Value> = match &v {
                        Value::List(l) => l.to_vec(),
                        Value::Null => vec![],
                        // Every element is the same one: so is every element of the result.
                        Value::Repeated(e) => {
                            return Ok(match self.apply_ops((**e).clone(), rest, sc) {
                                Ok(x) => Value::Repeated(Rc::new(x)),
                                Err(_) => Value::Unknown,
                            })
                        }
                        v if v.is_unknown() => return Ok(Value::Unknown),
                        other => vec![other.clone()],
                    };
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

/// The choice among the results of one selection per candidate. A candidate whose selection fails
/// is dropped (had Terraform chosen it, it would stop there); when every one fails, so does this.
fn choose(results: impl Iterator<Item = EResult>) -> EResult {
    let mut ok = Vec::new();
    let mut first_err: Option<EvalErr> = None;
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) if ok.is_empty() => Err(e),
        _ => Ok(Value::one_of(ok)),
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

/// `v[k]`. An unknown key into a known map or list selects one of its elements; an index into a
/// choice (or with a choice of keys) is the choice of the results.
pub fn index(v: &Value, k: &Value) -> EResult {
    if let (Value::Ref(r), Some(key)) = (v, k.as_str()) {
        if let Some(x) = r.index(key) {
            return Ok(x);
        }
    }
    match (v, k) {
        // Every key of a collection whose keys are unknown gives its one element.
        (Value::Repeated(e), _) => return Ok((**e).clone()),
        (Value::OneOf(c), _) => return choose(c.iter().map(|x| index(x, k))),
        (_, Value::OneOf(keys)) => return choose(keys.iter().map(|key| index(v, key))),
        (Value::List(l), k) if k.is_unknown() => return Ok(Value::one_of(l.iter().cloned())),
        (Value::Map(m), k) if k.is_unknown() => return Ok(Value::one_of(m.values().cloned())),
        _ => {}
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

#[cfg(test)]
mod tests {
    use crate::eval::Evaluator;
    use crate::load::{load, load_sources, Project};
    use crate::value::{Map, Value};
    use std::path::PathBuf;

    fn x_of(project: &Project) -> Value {
        let ev = Evaluator::new(project);
        let root = *ev.stacks().first().expect("a root module");
        ev.local(root, "x").expect("local.x is declared")
    }

    /// `local.x = <x>` in a root module that also declares `decls`.
    fn local_x(decls: &str, x: &str) -> Value {
        let src = format!("{decls}\nlocals {{\n  x = {x}\n}}\n");
        x_of(&load_sources(vec![(PathBuf::from("root/main.tf"), src)]))
    }

    const SETTINGS: &str = r#"
variable "kind" {
  type = string
}
variable "c" {
  type = bool
}
variable "i" {
  type = number
}
locals {
  settings = {
    server = { reserved = 50, memory = 1024 }
    warmer = { reserved = 1 }
  }
}
"#;

    #[test]
    fn an_unknown_key_into_a_known_map_selects_one_of_its_values() {
        let n = Value::Number;
        let both = Value::one_of([n(50.0), n(1.0)]);
        assert_eq!(local_x(SETTINGS, "local.settings[var.kind].reserved"), both);
        // A candidate without the attribute is dropped: had Terraform chosen it, it would stop there.
        assert_eq!(local_x(SETTINGS, "local.settings[var.kind].memory"), n(1024.0));
        assert_eq!(local_x(SETTINGS, "[1, 2][var.i]"), Value::one_of([n(1.0), n(2.0)]));
        // Nothing to choose from, or a candidate that is itself unknown: plain unknown.
        assert_eq!(local_x(SETTINGS, "{}[var.kind]"), Value::Unknown);
        assert_eq!(local_x(SETTINGS, "{ a = var.kind }[var.kind]"), Value::Unknown);
    }

    #[test]
    fn an_unknown_condition_chooses_between_both_results() {
        let n = Value::Number;
        assert_eq!(local_x(SETTINGS, "var.c ? 20 : 5"), Value::one_of([n(20.0), n(5.0)]));
        assert_eq!(local_x(SETTINGS, r#"var.c ? "a" : "a""#), Value::str("a"));
        // A choice of keys selects with each.
        assert_eq!(
            local_x(SETTINGS, r#"local.settings[var.c ? "server" : "warmer"].reserved"#),
            Value::one_of([n(50.0), n(1.0)])
        );
    }

    #[test]
    fn every_key_of_a_resource_with_an_unknown_for_each_gives_its_one_instance() {
        let decls = r#"
variable "names" {
  type = map(string)
}
resource "aws_cloudwatch_log_group" "fn" {
  for_each          = var.names
  name              = "/aws/lambda/${each.key}"
  retention_in_days = 30
}
"#;
        let x = r#"{
    retention = aws_cloudwatch_log_group.fn["any"].retention_in_days
    name      = aws_cloudwatch_log_group.fn[var.names["a"]].name
    all       = aws_cloudwatch_log_group.fn[*].retention_in_days
  }"#;
        let v = local_x(decls, x);
        let m = v.as_map().expect("an object");
        assert_eq!(m["retention"], Value::Number(30.0));
        // What depends on the key is unknown, but still leads to the group.
        assert!(matches!(&m["name"], Value::Ref(r) if r.addr.name == "fn" && r.attr == "name"));
        assert!(matches!(&m["all"], Value::Repeated(e) if **e == Value::Number(30.0)));
    }

    #[test]
    fn every_key_of_a_module_call_with_an_unknown_for_each_gives_its_one_instance() {
        let root = r#"
variable "sites" {
  type = map(string)
}
module "m" {
  source   = "./m"
  for_each = var.sites
  name     = each.key
}
locals {
  x = { fixed = module.m["a"].fixed, named = module.m["a"].named }
}
"#;
        let module = r#"
variable "name" {
  type = string
}
output "fixed" {
  value = 7
}
output "named" {
  value = "site-${var.name}"
}
"#;
        // Module sources are resolved on disk.
        let dir = std::env::temp_dir().join(format!("nextstack-lint-expr-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("m")).expect("temp dir");
        std::fs::write(dir.join("main.tf"), root).expect("write");
        std::fs::write(dir.join("m/main.tf"), module).expect("write");
        let project = load(std::slice::from_ref(&dir), &[]);
        let _ = std::fs::remove_dir_all(&dir);
        let expected = Map::from([
            ("fixed".to_string(), Value::Number(7.0)),
            ("named".to_string(), Value::Unknown),
        ]);
        assert_eq!(x_of(&project.expect("loads")), Value::map(expected));
    }
}
