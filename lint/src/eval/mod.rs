//! Evaluation like Terraform: every module instance (a root, or a module called through a local
//! `source`, once per caller and per `count` / `for_each` key) gets its variables (converted to
//! their declared type), locals, resources (with `count`, `for_each`, `dynamic` blocks) and
//! module outputs evaluated lazily and memoised. Whatever cannot be known statically is [`Value::Unknown`] (or a [`Value::Ref`] to a
//! computed attribute, a [`Value::OneOf`] of the candidates an unknown selector picks from, a
//! [`Value::Repeated`] for the instances of a `count` / `for_each` that is unknown); evaluation
//! errors also become `Unknown` at the attribute level.

mod expr;
mod functions;
mod type_constraint;

use crate::ir::{Block, Body};
use crate::load::{ModId, Project, Variable};
use crate::source::Span;
use crate::value::{Map, ResAddr, ResourceObj, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

pub type InstId = usize;

/// An evaluation failure (a missing attribute, a type mismatch...). `try` and `can` catch it;
/// elsewhere it makes the attribute Unknown.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct EvalErr(pub String);

pub type EResult = Result<Value, EvalErr>;

pub fn err<T>(msg: impl Into<String>) -> Result<T, EvalErr> {
    Err(EvalErr(msg.into()))
}

/// One instance of a module: a stack's root module, or a module call (per key).
#[derive(Debug, Clone)]
pub struct Instance {
    pub module: ModId,
    pub parent: Option<InstId>,
    /// Index of the call in the parent module's `calls`.
    pub call: Option<usize>,
    pub call_bindings: Rc<Vec<(String, Value)>>,
    /// The instance's `count` index or `for_each` key in its call, if the call repeats.
    pub key: Option<Value>,
    /// Whether the call's `count` / `for_each` could not be evaluated (one instance stands for all).
    pub any_key: bool,
    /// The root instance (the stack).
    pub stack: InstId,
    pub depth: usize,
}

#[derive(Debug, Clone)]
pub struct EvalAttr {
    pub value: Value,
    pub span: Span,
}

/// A resource instance or nested block, evaluated, with the spans of its source.
#[derive(Debug, Clone)]
pub struct EvalBlock {
    pub ident: String,
    pub name: String,
    pub span: Span,
    pub head_span: Span,
    pub attrs: BTreeMap<String, EvalAttr>,
    pub blocks: Vec<EvalBlock>,
    /// Produced by a `dynamic` block whose `for_each` is unknown: it may not exist.
    pub maybe: bool,
}

impl EvalBlock {
    pub fn attr(&self, name: &str) -> Option<&EvalAttr> {
        self.attrs.get(name)
    }
    /// The attribute's value, `Null` when absent.
    pub fn value(&self, name: &str) -> Value {
        self.attrs.get(name).map(|a| a.value.clone()).unwrap_or(Value::Null)
    }
    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a EvalBlock> + 'a {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }
    /// The span of an attribute, or of the block head when it is absent.
    pub fn span_of(&self, name: &str) -> Span {
        self.attrs
            .get(name)
            .map(|a| a.span.clone())
            .unwrap_or_else(|| self.head_span.clone())
    }
    pub fn to_map(&self) -> Map {
        let mut m: Map = self.attrs.iter().map(|(k, a)| (k.clone(), a.value.clone())).collect();
        let mut nested: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for b in &self.blocks {
            nested.entry(&b.ident).or_default().push(if b.maybe {
                Value::Unknown
            } else {
                Value::map(b.to_map())
            });
        }
        for (k, v) in nested {
            m.insert(k.to_string(), Value::list(v));
        }
        m
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repetition {
    Single,
    Count,
    ForEach,
    /// `count` / `for_each` could not be evaluated: one instance stands for all.
    Unknown,
}

#[derive(Debug)]
pub struct ResInstances {
    pub repetition: Repetition,
    pub items: Vec<(Option<Value>, EvalBlock)>,
}

#[derive(Clone, Default)]
pub struct Scope {
    pub inst: InstId,
    pub bindings: Rc<Vec<(String, Value)>>,
}

impl Scope {
    pub fn new(inst: InstId) -> Self {
        Scope {
            inst,
            bindings: Rc::new(Vec::new()),
        }
    }
    pub fn with(&self, vars: Vec<(String, Value)>) -> Scope {
        let mut b = (*self.bindings).clone();
        b.extend(vars);
        Scope {
            inst: self.inst,
            bindings: Rc::new(b),
        }
    }
    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.bindings.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

#[derive(Hash, PartialEq, Eq, Clone)]
enum Key {
    Local(InstId, String),
    Var(InstId, String),
    Res(InstId, usize),
    Out(InstId),
}

/// Maximum module nesting (guards against a module calling itself).
const MAX_DEPTH: usize = 24;
/// Evaluation steps allowed per project before everything further is Unknown.
const STEP_BUDGET: u64 = 20_000_000;

/// Each instance key of a repeated body (`None` when `count`/`for_each` is unknown)
/// with the names it binds (`count`, `each`).
type Expansion = Vec<(Option<Value>, Vec<(String, Value)>)>;
/// The instances of one module call: how it repeats, and each key with its instance.
type CallInstances = (Repetition, Vec<(Option<Value>, InstId)>);

pub struct Evaluator<'p> {
    pub project: &'p Project,
    instances: RefCell<Vec<Rc<Instance>>>,
    children: RefCell<HashMap<(InstId, usize), CallInstances>>,
    memo: RefCell<HashMap<Key, Value>>,
    res_memo: RefCell<HashMap<(InstId, usize), Rc<ResInstances>>>,
    active: RefCell<HashSet<Key>>,
    files: RefCell<HashMap<PathBuf, Option<Rc<str>>>>,
    depth: Cell<u32>,
    steps: Cell<u64>,
}

impl<'p> Evaluator<'p> {
    pub fn new(project: &'p Project) -> Self {
        let ev = Evaluator {
            project,
            instances: RefCell::new(Vec::new()),
            children: RefCell::new(HashMap::new()),
            memo: RefCell::new(HashMap::new()),
            res_memo: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            files: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
            steps: Cell::new(0),
        };
        for root in project.roots() {
            let id = ev.push(Instance {
                module: root,
                parent: None,
                call: None,
                call_bindings: Rc::new(vec![]),
                key: None,
                any_key: false,
                stack: 0,
                depth: 0,
            });
            ev.set_stack(id, id);
            ev.expand(id);
        }
        ev
    }

    fn push(&self, i: Instance) -> InstId {
        let mut v = self.instances.borrow_mut();
        v.push(Rc::new(i));
        v.len() - 1
    }

    fn set_stack(&self, id: InstId, stack: InstId) {
        let mut v = self.instances.borrow_mut();
        if let Some(i) = v.get_mut(id) {
            let mut n = (**i).clone();
            n.stack = stack;
            *i = Rc::new(n);
        }
    }

    pub fn instance(&self, id: InstId) -> Rc<Instance> {
        self.instances.borrow()[id].clone()
    }

    pub fn instance_count(&self) -> usize {
        self.instances.borrow().len()
    }

    /// The stacks' root instances.
    pub fn stacks(&self) -> Vec<InstId> {
        self.instances
            .borrow()
            .iter()
            .enumerate()
            .filter(|(_, i)| i.parent.is_none())
            .map(|(n, _)| n)
            .collect()
    }

    /// Creates the instances of every local module call of `id`, recursively.
    fn expand(&self, id: InstId) {
        let inst = self.instance(id);
        if inst.depth >= MAX_DEPTH {
            return;
        }
        let module = &self.project.modules[inst.module];
        for (ci, call) in module.calls.iter().enumerate() {
            let Some(target) = call.target else { continue };
            let sc = Scope::new(id);
            let (rep, keys) = self.repetition(&call.block.body, &sc);
            let mut kids = Vec::new();
            for (key, bindings) in keys {
                let child = self.push(Instance {
                    module: target,
                    parent: Some(id),
                    call: Some(ci),
                    call_bindings: Rc::new(bindings),
                    key: key.clone(),
                    any_key: rep == Repetition::Unknown,
                    stack: inst.stack,
                    depth: inst.depth + 1,
                });
                kids.push((key, child));
            }
            self.children.borrow_mut().insert((id, ci), (rep, kids.clone()));
            for (_, child) in kids {
                self.expand(child);
            }
        }
    }

    /// Evaluates `count` / `for_each` of a body: the instance keys and their bindings.
    fn repetition(&self, body: &Body, sc: &Scope) -> (Repetition, Expansion) {
        if let Some(c) = body.attr("count") {
            let v = self.eval(&c.expr, sc).unwrap_or(Value::Unknown);
            return match v.as_number() {
                Some(n) => {
                    let n = n.clamp(0.0, 1000.0) as usize;
                    let items = (0..n)
                        .map(|i| {
                            let k = Value::Number(i as f64);
                            (
                                Some(k.clone()),
                                vec![("count".to_string(), Value::map(Map::from([("index".to_string(), k)])))],
                            )
                        })
                        .collect();
                    (Repetition::Count, items)
                }
                None if v.is_null() => (Repetition::Count, vec![]),
                None => (
                    Repetition::Unknown,
                    vec![(
                        None,
                        vec![(
                            "count".to_string(),
                            Value::map(Map::from([("index".to_string(), Value::Unknown)])),
                        )],
                    )],
                ),
            };
        }
        if let Some(f) = body.attr("for_each") {
            let v = self.eval(&f.expr, sc).unwrap_or(Value::Unknown);
            let pairs: Option<Vec<(Value, Value)>> = match &v {
                Value::Map(m) => Some(m.iter().map(|(k, v)| (Value::str(k.as_str()), v.clone())).collect()),
                Value::Resource(r) => Some(
                    r.attrs
                        .iter()
                        .map(|(k, v)| (Value::str(k.as_str()), v.clone()))
                        .collect(),
                ),
                Value::List(l) => {
                    if l.iter().all(|x| x.as_str().is_some()) {
                        Some(l.iter().map(|x| (x.clone(), x.clone())).collect())
                    } else {
                        None
                    }
                }
                Value::Null => Some(vec![]),
                _ => None,
            };
            return match pairs {
                Some(p) => (
                    Repetition::ForEach,
                    p.into_iter()
                        .take(1000)
                        .map(|(k, val)| {
                            let each = Map::from([("key".to_string(), k.clone()), ("value".to_string(), val)]);
                            (Some(k), vec![("each".to_string(), Value::map(each))])
                        })
                        .collect(),
                ),
                None => {
                    let each = Map::from([
                        ("key".to_string(), Value::Unknown),
                        ("value".to_string(), Value::Unknown),
                    ]);
                    (
                        Repetition::Unknown,
                        vec![(None, vec![("each".to_string(), Value::map(each))])],
                    )
                }
            };
        }
        (Repetition::Single, vec![(None, vec![])])
    }

    fn guarded(&self, key: Key, f: impl FnOnce() -> Value) -> Value {
        if let Some(v) = self.memo.borrow().get(&key) {
            return v.clone();
        }
        if !self.active.borrow_mut().insert(key.clone()) {
            return Value::Unknown; // a cycle
        }
        let v = f();
        self.active.borrow_mut().remove(&key);
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }

    /// `var.NAME` in an instance: the given value (or the default) converted to the variable's type.
    pub fn var(&self, inst: InstId, name: &str) -> EResult {
        let i = self.instance(inst);
        let module = &self.project.modules[i.module];
        let Some(decl) = module.variables.get(name) else {
            return err(format!("undeclared variable var.{name}"));
        };
        Ok(self.guarded(Key::Var(inst, name.to_string()), || {
            let v = self.var_input(inst, name, decl);
            self.to_declared_type(inst, decl, v)
        }))
    }

    /// The value a variable is given: by the module call, a var file or tfvars, or its default.
    fn var_input(&self, inst: InstId, name: &str, decl: &Variable) -> Value {
        let i = self.instance(inst);
        let module = &self.project.modules[i.module];
        if let (Some(parent), Some(ci)) = (i.parent, i.call) {
            let pm = &self.project.modules[self.instance(parent).module];
            if let Some(a) = pm.calls.get(ci).and_then(|c| c.block.body.attr(name)) {
                let sc = Scope {
                    inst: parent,
                    bindings: i.call_bindings.clone(),
                };
                let v = self.eval(&a.expr, &sc).unwrap_or(Value::Unknown);
                // A null input overrides the default unless the variable has `nullable = false`.
                let nullable = decl
                    .block
                    .body
                    .attr("nullable")
                    .map(|n| self.eval(&n.expr, &Scope::new(inst)).unwrap_or(Value::Unknown))
                    .is_none_or(|n| n.as_bool() != Some(false));
                if !v.is_null() || decl.default.is_none() || nullable {
                    return v;
                }
            }
        } else {
            for (_, body) in self.project.var_files.iter().rev() {
                if let Some(a) = body.attr(name) {
                    return self.eval(&a.expr, &Scope::new(inst)).unwrap_or(Value::Unknown);
                }
            }
            let mut tfvars: Vec<&(usize, Body)> = module.tfvars.iter().collect();
            // terraform.tfvars first, then *.auto.tfvars in name order: later wins.
            tfvars.sort_by_key(|(f, _)| {
                let d = &self.project.files[*f].display;
                (
                    !d.ends_with("terraform.tfvars") && !d.ends_with("terraform.tfvars.json"),
                    d.clone(),
                )
            });
            for (_, body) in tfvars.iter().rev() {
                if let Some(a) = body.attr(name) {
                    return self.eval(&a.expr, &Scope::new(inst)).unwrap_or(Value::Unknown);
                }
            }
        }
        match &decl.default {
            Some(d) => self.eval(&d.expr, &Scope::new(inst)).unwrap_or(Value::Unknown),
            None => Value::Unknown,
        }
    }

    /// Converts a variable's value to its `type` (optional attributes' defaults, undeclared
    /// attributes dropped); a `type` that is not understood leaves the value as it is.
    fn to_declared_type(&self, inst: InstId, decl: &Variable, v: Value) -> Value {
        let Some(t) = decl.block.body.attr("type") else {
            return v;
        };
        let sc = Scope::new(inst);
        let ty = type_constraint::Type::parse(&t.expr, &mut |d| self.eval(d, &sc).unwrap_or(Value::Unknown));
        match ty {
            Some(ty) => ty.convert(&v),
            None => v,
        }
    }

    pub fn local(&self, inst: InstId, name: &str) -> EResult {
        let i = self.instance(inst);
        let Some(item) = self.project.modules[i.module].locals.get(name) else {
            return err(format!("undeclared local.{name}"));
        };
        Ok(self.guarded(Key::Local(inst, name.to_string()), || {
            self.eval(&item.attr.expr, &Scope::new(inst)).unwrap_or(Value::Unknown)
        }))
    }

    fn outputs(&self, inst: InstId) -> Value {
        self.guarded(Key::Out(inst), || {
            let i = self.instance(inst);
            let m: Map = self.project.modules[i.module]
                .outputs
                .iter()
                .map(|(k, item)| {
                    (
                        k.clone(),
                        self.eval(&item.attr.expr, &Scope::new(inst)).unwrap_or(Value::Unknown),
                    )
                })
                .collect();
            Value::map(m)
        })
    }

    /// `module.NAME` in an instance.
    pub fn module_value(&self, inst: InstId, name: &str) -> EResult {
        let i = self.instance(inst);
        let module = &self.project.modules[i.module];
        let Some(ci) = module.calls.iter().position(|c| c.name == name) else {
            return err(format!("no module call {name}"));
        };
        let kids = self.children.borrow().get(&(inst, ci)).cloned();
        let Some((rep, kids)) = kids else {
            return Ok(Value::Unknown);
        };
        Ok(match rep {
            Repetition::Single => kids.first().map(|(_, k)| self.outputs(*k)).unwrap_or(Value::Unknown),
            Repetition::Count => Value::list(kids.iter().map(|(_, k)| self.outputs(*k)).collect()),
            Repetition::ForEach => Value::map(
                kids.iter()
                    .filter_map(|(key, k)| Some((key.as_ref()?.as_str()?.to_string(), self.outputs(*k))))
                    .collect(),
            ),
            // One instance stands for every key.
            Repetition::Unknown => kids
                .first()
                .map(|(_, k)| Value::Repeated(Rc::new(self.outputs(*k))))
                .unwrap_or(Value::Unknown),
        })
    }

    /// Every instance of one resource declaration of a module instance, evaluated.
    pub fn resource_instances(&self, inst: InstId, decl: usize) -> Rc<ResInstances> {
        if let Some(r) = self.res_memo.borrow().get(&(inst, decl)) {
            return r.clone();
        }
        let key = Key::Res(inst, decl);
        if !self.active.borrow_mut().insert(key.clone()) {
            return Rc::new(ResInstances {
                repetition: Repetition::Unknown,
                items: vec![],
            });
        }
        let i = self.instance(inst);
        let d = &self.project.modules[i.module].resources[decl];
        let sc = Scope::new(inst);
        let (repetition, keys) = self.repetition(&d.block.body, &sc);
        let items = keys
            .into_iter()
            .map(|(k, bindings)| {
                let sc = sc.with(bindings);
                let mut b = self.eval_block(&d.block, d.file, &sc, true);
                b.ident = d.ty.clone();
                b.name = d.name.clone();
                (k, b)
            })
            .collect();
        let r = Rc::new(ResInstances { repetition, items });
        self.active.borrow_mut().remove(&key);
        self.res_memo.borrow_mut().insert((inst, decl), r.clone());
        r
    }

    /// The value of a reference to a resource (`aws_x.name`, `data.aws_x.name`).
    pub fn resource_value(&self, inst: InstId, mode: &'static str, ty: &str, name: &str) -> EResult {
        let i = self.instance(inst);
        let module = &self.project.modules[i.module];
        let Some(decl) = module
            .resources
            .iter()
            .position(|r| r.mode == mode && r.ty == ty && r.name == name)
        else {
            return err(format!("no {mode} {ty}.{name}"));
        };
        let r = self.resource_instances(inst, decl);
        let obj = |b: &EvalBlock| {
            Value::Resource(Rc::new(ResourceObj {
                addr: ResAddr {
                    inst,
                    decl,
                    mode,
                    ty: ty.to_string(),
                    name: name.to_string(),
                },
                attrs: b.to_map(),
            }))
        };
        Ok(match r.repetition {
            Repetition::Single => r.items.first().map(|(_, b)| obj(b)).unwrap_or(Value::Unknown),
            Repetition::Count => Value::list(r.items.iter().map(|(_, b)| obj(b)).collect()),
            Repetition::ForEach => Value::map(
                r.items
                    .iter()
                    .filter_map(|(k, b)| Some((k.as_ref()?.to_template_string()?, obj(b))))
                    .collect(),
            ),
            // The one instance evaluated stands for every key.
            Repetition::Unknown => r
                .items
                .first()
                .map(|(_, b)| Value::Repeated(Rc::new(obj(b))))
                .unwrap_or(Value::Unknown),
        })
    }

    /// Evaluates a block's body (attributes, nested and `dynamic` blocks).
    pub fn eval_block(&self, block: &Block, file: usize, sc: &Scope, top: bool) -> EvalBlock {
        let mut attrs = BTreeMap::new();
        for a in &block.body.attrs {
            if top && matches!(a.key.as_str(), "count" | "for_each" | "provider" | "depends_on") {
                continue;
            }
            let value = self.eval(&a.expr, sc).unwrap_or(Value::Unknown);
            attrs.insert(
                a.key.clone(),
                EvalAttr {
                    value,
                    span: Span::new(file, a.span.clone()),
                },
            );
        }
        let mut blocks = Vec::new();
        for b in &block.body.blocks {
            if b.ident == "dynamic" {
                self.eval_dynamic(b, file, sc, &mut blocks);
            } else if !(top && matches!(b.ident.as_str(), "lifecycle" | "provisioner" | "connection")) {
                blocks.push(self.eval_block(b, file, sc, false));
            }
        }
        EvalBlock {
            ident: block.ident.clone(),
            name: block.labels.first().cloned().unwrap_or_default(),
            span: Span::new(file, block.span.clone()),
            head_span: Span::new(file, block.head_span.clone()),
            attrs,
            blocks,
            maybe: false,
        }
    }

    fn eval_dynamic(&self, b: &Block, file: usize, sc: &Scope, out: &mut Vec<EvalBlock>) {
        let Some(label) = b.labels.first() else { return };
        let Some(content) = b.body.blocks("content").next() else {
            return;
        };
        let iter_name = b
            .body
            .attr("iterator")
            .and_then(|a| match &a.expr {
                hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| label.clone());
        let coll = b
            .body
            .attr("for_each")
            .map(|a| self.eval(&a.expr, sc).unwrap_or(Value::Unknown))
            .unwrap_or(Value::Null);
        let pairs: Option<Vec<(Value, Value)>> = match &coll {
            Value::List(l) => Some(
                l.iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                    .collect(),
            ),
            Value::Map(m) => Some(m.iter().map(|(k, v)| (Value::str(k.as_str()), v.clone())).collect()),
            Value::Null => Some(vec![]),
            _ => None,
        };
        let mk = |k: Value, v: Value, maybe: bool| {
            let it = Map::from([("key".to_string(), k), ("value".to_string(), v)]);
            let sc = sc.with(vec![(iter_name.clone(), Value::map(it))]);
            let mut eb = self.eval_block(content, file, &sc, false);
            eb.ident = label.clone();
            eb.span = Span::new(file, b.span.clone());
            eb.head_span = Span::new(file, b.head_span.clone());
            eb.maybe = maybe;
            eb
        };
        match pairs {
            Some(p) => {
                for (k, v) in p.into_iter().take(1000) {
                    out.push(mk(k, v, false));
                }
            }
            None => out.push(mk(Value::Unknown, Value::Unknown, true)),
        }
    }

    /// Reads a file for `file()` / `templatefile()`, relative to the current directory or, failing
    /// that, to the stack's directory.
    pub fn read_file(&self, inst: InstId, path: &str) -> Option<Rc<str>> {
        let p = PathBuf::from(path);
        let stack_dir = {
            let i = self.instance(inst);
            let s = self.instance(i.stack);
            self.project.modules[s.module].dir.clone()
        };
        let candidates = if p.is_absolute() {
            vec![p]
        } else {
            vec![p.clone(), stack_dir.join(&p)]
        };
        for c in candidates {
            if let Some(v) = self.files.borrow().get(&c) {
                if v.is_some() {
                    return v.clone();
                }
                continue;
            }
            let text = std::fs::metadata(&c)
                .ok()
                .filter(|m| m.is_file() && m.len() < 4 << 20)
                .and_then(|_| std::fs::read(&c).ok())
                .map(|b| Rc::from(String::from_utf8_lossy(&b).as_ref()));
            self.files.borrow_mut().insert(c, text.clone());
            if text.is_some() {
                return text;
            }
        }
        None
    }

    pub fn module_display(&self, inst: InstId) -> String {
        self.project.modules[self.instance(inst).module].display.clone()
    }

    pub(crate) fn step(&self) -> Result<(), EvalErr> {
        let s = self.steps.get() + 1;
        self.steps.set(s);
        if s > STEP_BUDGET {
            return err("evaluation budget exhausted");
        }
        Ok(())
    }
}
