//! The project model across stacks: which stack publishes which SSM parameter names and which
//! reads which, and the deploy order that follows from it.

use crate::eval::{EvalBlock, Evaluator, InstId};
use crate::source::Span;
use crate::value::{RefVal, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct Stack {
    pub inst: InstId,
    /// Short name (the directory name, or its path when two stacks share a name).
    pub name: String,
    /// Directory relative to the current directory.
    pub dir: String,
}

#[derive(Debug, Clone)]
pub struct Publish {
    pub stack: usize,
    pub inst: InstId,
    /// The full parameter name, `None` when it cannot be known.
    pub name: Option<String>,
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReadTarget {
    Name(String),
    Path { path: String, recursive: bool },
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Read {
    pub stack: usize,
    pub inst: InstId,
    pub target: ReadTarget,
    pub span: Span,
    /// The head of the reading block (for suppressions).
    pub anchor: Span,
}

#[derive(Debug, Default)]
pub struct Model {
    pub stacks: Vec<Stack>,
    pub publishes: Vec<Publish>,
    pub reads: Vec<Read>,
    stack_of: BTreeMap<InstId, usize>,
}

/// Joins an SSM path prefix and a key with exactly one slash.
pub fn join_ssm(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        return key.to_string();
    }
    format!("{}/{}", prefix.trim_end_matches('/'), key.trim_start_matches('/'))
}

impl Model {
    pub fn build(ev: &Evaluator) -> Model {
        let mut m = Model::default();
        let roots = ev.stacks();
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for &r in &roots {
            let dir = ev.module_display(r);
            let name = dir.rsplit('/').next().unwrap_or(&dir).to_string();
            *names.entry(name).or_default() += 1;
        }
        for &r in &roots {
            let dir = ev.module_display(r);
            let short = dir.rsplit('/').next().unwrap_or(&dir).to_string();
            let name = if names.get(&short).copied().unwrap_or(0) > 1 || short == "." || short == ".." {
                dir.clone()
            } else {
                short
            };
            m.stack_of.insert(r, m.stacks.len());
            m.stacks.push(Stack { inst: r, name, dir });
        }
        for inst in 0..ev.instance_count() {
            let stack = m.stack_index(ev, inst);
            let i = ev.instance(inst);
            for (d, decl) in ev.project.modules[i.module].resources.iter().enumerate() {
                let relevant = matches!(
                    (decl.mode, decl.ty.as_str()),
                    ("resource", "aws_ssm_parameter")
                        | ("data", "aws_ssm_parameter")
                        | ("data", "aws_ssm_parameters_by_path")
                        | (_, "nextstack_ssm_parameters")
                );
                if !relevant {
                    continue;
                }
                let ri = ev.resource_instances(inst, d);
                for (_, b) in &ri.items {
                    m.add(decl.mode, &decl.ty, b, stack, inst);
                }
            }
        }
        m
    }

    fn add(&mut self, mode: &str, ty: &str, b: &EvalBlock, stack: usize, inst: InstId) {
        match (mode, ty) {
            ("resource", "aws_ssm_parameter") => {
                let name = b.value("name").as_str().map(str::to_string);
                // Whichever of the three the parameter is written with (the provider takes exactly one).
                let value = ["value", "insecure_value", "value_wo"]
                    .iter()
                    .map(|a| b.value(a))
                    .find(|v| !v.is_null())
                    .unwrap_or(Value::Null);
                self.publishes.push(Publish {
                    stack,
                    inst,
                    name,
                    value,
                    span: b.span_of("name"),
                });
            }
            ("resource", "nextstack_ssm_parameters") => {
                let prefix = b.value("path_prefix");
                let prefix = prefix.as_str();
                for attr in ["values", "secure_values", "secure_values_wo"] {
                    let v = b.value(attr);
                    match v.as_map() {
                        Some(map) => {
                            for (k, val) in map {
                                self.publishes.push(Publish {
                                    stack,
                                    inst,
                                    name: prefix.map(|p| join_ssm(p, k)),
                                    value: val.clone(),
                                    span: b.span_of(attr),
                                });
                            }
                        }
                        None if v.is_null() => {}
                        None => self.publishes.push(Publish {
                            stack,
                            inst,
                            name: None,
                            value: Value::Unknown,
                            span: b.span_of(attr),
                        }),
                    }
                }
            }
            ("data", "aws_ssm_parameter") => {
                let target = match b.value("name") {
                    Value::String(s) => ReadTarget::Name(s.to_string()),
                    _ => ReadTarget::Unknown,
                };
                self.reads.push(Read {
                    stack,
                    inst,
                    target,
                    span: b.span_of("name"),
                    anchor: b.head_span.clone(),
                });
            }
            ("data", "aws_ssm_parameters_by_path") => {
                // Default false; unknown counts as recursive (the wider read).
                let recursive = b
                    .value("recursive")
                    .as_bool()
                    .unwrap_or(!b.value("recursive").is_null());
                let target = match b.value("path") {
                    Value::String(s) => ReadTarget::Path {
                        path: s.to_string(),
                        recursive,
                    },
                    _ => ReadTarget::Unknown,
                };
                self.reads.push(Read {
                    stack,
                    inst,
                    target,
                    span: b.span_of("path"),
                    anchor: b.head_span.clone(),
                });
            }
            (_, "nextstack_ssm_parameters") => {
                let names = b.value("names");
                if let Some(list) = names.as_list() {
                    for n in list {
                        let target = match n {
                            Value::String(s) => ReadTarget::Name(s.to_string()),
                            _ => ReadTarget::Unknown,
                        };
                        self.reads.push(Read {
                            stack,
                            inst,
                            target,
                            span: b.span_of("names"),
                            anchor: b.head_span.clone(),
                        });
                    }
                } else if !names.is_null() {
                    self.reads.push(Read {
                        stack,
                        inst,
                        target: ReadTarget::Unknown,
                        span: b.span_of("names"),
                        anchor: b.head_span.clone(),
                    });
                }
                let path = b.value("path");
                if !path.is_null() {
                    // The provider's default is true.
                    let recursive = b.value("recursive").as_bool().unwrap_or(true);
                    let target = match path {
                        Value::String(s) => ReadTarget::Path {
                            path: s.to_string(),
                            recursive,
                        },
                        _ => ReadTarget::Unknown,
                    };
                    self.reads.push(Read {
                        stack,
                        inst,
                        target,
                        span: b.span_of("path"),
                        anchor: b.head_span.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    pub fn stack_index(&self, ev: &Evaluator, inst: InstId) -> usize {
        let s = ev.instance(inst).stack;
        self.stack_of.get(&s).copied().unwrap_or(0)
    }

    /// Publishes that satisfy a read target.
    pub fn publishers<'a>(&'a self, target: &'a ReadTarget) -> impl Iterator<Item = &'a Publish> + 'a {
        self.publishes.iter().filter(move |p| match (&p.name, target) {
            (Some(n), ReadTarget::Name(r)) => n == r,
            (Some(n), ReadTarget::Path { path, recursive }) => {
                let prefix = format!("{}/", path.trim_end_matches('/'));
                n.strip_prefix(&prefix)
                    .is_some_and(|rest| *recursive || !rest.contains('/'))
            }
            _ => false,
        })
    }

    /// True when some published name cannot be known (so an unmatched read cannot be proven wrong).
    pub fn has_unknown_publish(&self) -> bool {
        self.publishes.iter().any(|p| p.name.is_none())
    }

    /// The published name closest to `name`.
    pub fn closest(&self, name: &str) -> Option<&str> {
        self.publishes
            .iter()
            .filter_map(|p| p.name.as_deref())
            .map(|n| (strsim::levenshtein(n, name), n))
            .min()
            .map(|(_, n)| n)
    }

    /// Follows a value to what it refers to: through `data.aws_ssm_parameter.x.value` to the
    /// value the publishing stack stores.
    pub fn resolve(&self, ev: &Evaluator, v: &Value) -> Value {
        let mut v = v.clone();
        for _ in 0..4 {
            let Value::Ref(r) = &v else { return v };
            let Some(next) = self.through_ssm(ev, r) else { return v };
            v = next;
        }
        v
    }

    fn through_ssm(&self, ev: &Evaluator, r: &RefVal) -> Option<Value> {
        let name = match (r.addr.mode, r.addr.ty.as_str(), r.attr.as_str()) {
            ("data", "aws_ssm_parameter", "value" | "insecure_value") => {
                let ri = ev.resource_instances(r.addr.inst, r.addr.decl);
                let (_, b) = ri.items.first()?;
                b.value("name").as_str()?.to_string()
            }
            // `values["/full/name"]` of the nextstack_ssm_parameters data source or ephemeral resource.
            ("data" | "ephemeral", "nextstack_ssm_parameters", "values" | "secure_values") => r.key.clone()?,
            _ => return None,
        };
        let target = ReadTarget::Name(name);
        let p = self.publishers(&target).next()?;
        Some(p.value.clone())
    }

    /// Edges publisher stack -> reader stack.
    pub fn edges(&self) -> BTreeSet<(usize, usize)> {
        let mut e = BTreeSet::new();
        for r in &self.reads {
            for p in self.publishers(&r.target) {
                if p.stack != r.stack {
                    e.insert((p.stack, r.stack));
                }
            }
        }
        e
    }

    /// The parameter names behind each edge publisher stack -> reader stack.
    pub fn edge_names(&self) -> BTreeMap<(usize, usize), BTreeSet<String>> {
        let mut e: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
        for r in &self.reads {
            for p in self.publishers(&r.target) {
                if p.stack != r.stack {
                    if let Some(n) = &p.name {
                        e.entry((p.stack, r.stack)).or_default().insert(n.clone());
                    }
                }
            }
        }
        e
    }

    /// True when a path of one or more edges leads from `from` to `to`.
    fn reaches(&self, edges: &BTreeSet<(usize, usize)>, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.stacks.len()];
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            for &(a, b) in edges {
                if a == x {
                    if b == to {
                        return true;
                    }
                    if !seen[b] {
                        seen[b] = true;
                        stack.push(b);
                    }
                }
            }
        }
        false
    }

    /// Deploy order as stages (stacks in one stage can deploy in parallel); `Err` lists the stacks
    /// on a cycle.
    pub fn deploy_stages(&self) -> Result<Vec<Vec<usize>>, Vec<usize>> {
        let n = self.stacks.len();
        let edges = self.edges();
        let mut indeg = vec![0usize; n];
        for &(_, b) in &edges {
            indeg[b] += 1;
        }
        let mut order = Vec::new();
        let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        while let Some(x) = ready.pop() {
            order.push(x);
            for &(a, b) in &edges {
                if a == x {
                    indeg[b] -= 1;
                    if indeg[b] == 0 {
                        ready.push(b);
                    }
                }
            }
        }
        if order.len() < n {
            // Only the stacks on a cycle, not those that merely deploy after one.
            let mut cyc: Vec<usize> = (0..n).filter(|&i| indeg[i] > 0 && self.reaches(&edges, i, i)).collect();
            cyc.sort_by(|a, b| self.stacks[*a].name.cmp(&self.stacks[*b].name));
            return Err(cyc);
        }
        // As late as possible: a stack's stage is (longest chain) - (its longest chain to a sink).
        let mut height = vec![0usize; n];
        for &x in order.iter().rev() {
            for &(a, b) in &edges {
                if a == x {
                    height[x] = height[x].max(height[b] + 1);
                }
            }
        }
        let max = height.iter().copied().max().unwrap_or(0);
        let mut stages = vec![Vec::new(); if n == 0 { 0 } else { max + 1 }];
        for i in 0..n {
            stages[max - height[i]].push(i);
        }
        for s in &mut stages {
            s.sort_by(|a, b| self.stacks[*a].name.cmp(&self.stacks[*b].name));
        }
        Ok(stages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join_ssm("/app/prod/", "/alb"), "/app/prod/alb");
        assert_eq!(join_ssm("/app/prod", "alb"), "/app/prod/alb");
    }

    fn publish(stack: usize, name: &str) -> Publish {
        Publish {
            stack,
            inst: stack,
            name: Some(name.into()),
            value: Value::Null,
            span: Span::new(0, 0..0),
        }
    }

    fn read(stack: usize, name: &str) -> Read {
        Read {
            stack,
            inst: stack,
            target: ReadTarget::Name(name.into()),
            span: Span::new(0, 0..0),
            anchor: Span::new(0, 0..0),
        }
    }

    #[test]
    fn a_cycle_names_only_the_stacks_on_it() {
        let mut m = Model::default();
        for (i, n) in ["a", "b", "c"].iter().enumerate() {
            m.stacks.push(Stack {
                inst: i,
                name: n.to_string(),
                dir: n.to_string(),
            });
        }
        // a <-> b, and c reads a: c deploys after the cycle but is not on it.
        m.publishes.extend([publish(0, "/a"), publish(1, "/b")]);
        m.reads.extend([read(0, "/b"), read(1, "/a"), read(2, "/a")]);
        assert_eq!(m.deploy_stages(), Err(vec![0, 1]));
        m.reads.remove(0);
        assert_eq!(m.deploy_stages(), Ok(vec![vec![0], vec![1, 2]]));
    }

    #[test]
    fn path_reads_match_children() {
        let mut m = Model::default();
        m.publishes.push(Publish {
            stack: 0,
            inst: 0,
            name: Some("/a/b/c".into()),
            value: Value::Null,
            span: Span::new(0, 0..0),
        });
        let direct = ReadTarget::Path {
            path: "/a".into(),
            recursive: false,
        };
        let rec = ReadTarget::Path {
            path: "/a".into(),
            recursive: true,
        };
        assert_eq!(m.publishers(&direct).count(), 0);
        assert_eq!(m.publishers(&rec).count(), 1);
    }
}
