//! The pipeline: load -> evaluate -> project model -> rules -> suppressions -> sorted findings.

use crate::config::{Config, Level};
use crate::eval::Evaluator;
use crate::finding::{Finding, Severity};
use crate::load::{self, LoadError, Project};
use crate::model::Model;
use crate::rules::{self, RuleContext};
use crate::source::Span;
use crate::suppress;
use std::collections::HashMap;
use std::path::PathBuf;

pub struct Report {
    pub project: Project,
    pub findings: Vec<Finding>,
}

fn meta(rule: &'static str, config: &Config, default: Severity) -> Option<Severity> {
    match config.levels.get(rule) {
        Some(Level::Off) => None,
        Some(Level::On(s)) => Some(*s),
        None => Some(default),
    }
}

pub fn lint(paths: &[PathBuf], var_files: &[PathBuf], config: &Config) -> Result<Report, LoadError> {
    let project = load::load(paths, var_files)?;
    let mut findings = {
        let ev = Evaluator::new(&project);
        let model = Model::build(&ev);
        let ctx = RuleContext::new(&ev, &model, config);
        for r in rules::RULES {
            ctx.run(r);
        }
        ctx.into_findings()
    };
    if let Some(sev) = meta("syntax-error", config, Severity::Error) {
        for (span, msg) in &project.syntax_errors {
            findings.push(Finding {
                rule: "syntax-error",
                severity: sev,
                span: span.clone(),
                message: format!("syntax error: {msg}"),
                help: None,
                anchors: vec![],
                chains: vec![],
            });
        }
    }
    let findings = dedupe(findings);
    let findings = apply_suppressions(&project, findings, config);
    Ok(Report {
        project,
        findings: sorted(findings),
    })
}

/// One finding per source location and rule: module instances that agree collapse into one,
/// keeping the most severe and every distinct call chain.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut index: HashMap<(&'static str, crate::source::Span), usize> = HashMap::new();
    for f in findings {
        match index.get(&(f.rule, f.span.clone())) {
            Some(&i) => {
                let kept = &mut out[i];
                if f.severity > kept.severity {
                    kept.severity = f.severity;
                    kept.message = f.message.clone();
                    kept.help = f.help.clone();
                }
                for c in f.chains {
                    if !kept.chains.contains(&c) {
                        kept.chains.push(c);
                    }
                }
            }
            None => {
                index.insert((f.rule, f.span.clone()), out.len());
                out.push(f);
            }
        }
    }
    out
}

fn apply_suppressions(project: &Project, findings: Vec<Finding>, config: &Config) -> Vec<Finding> {
    let mut sups: Vec<suppress::Suppression> = project
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| suppress::scan(i, f))
        .collect();
    if sups.is_empty() {
        return findings;
    }
    // Every block of the files that hold suppressions: a suppression above a block covers what
    // is reported inside it.
    let files: Vec<usize> = sups.iter().map(|s| s.span.file).collect();
    let mut blocks: Vec<Span> = Vec::new();
    for m in &project.modules {
        for r in &m.resources {
            if files.contains(&r.file) {
                collect_blocks(r.file, &r.block, &mut blocks);
            }
        }
    }
    let mut kept = Vec::new();
    for f in findings {
        let line = |s: &Span| (s.file, project.files[s.file].line_col(s.start).0);
        let mut lines: Vec<(usize, usize)> = f.anchors.iter().map(line).collect();
        for a in &f.anchors {
            lines.extend(
                blocks
                    .iter()
                    .filter(|b| b.file == a.file && b.start <= a.start && a.end <= b.end)
                    .map(line),
            );
        }
        let hit = sups.iter_mut().find(|s| {
            !s.misplaced && s.rules.iter().any(|r| r == f.rule) && lines.contains(&(s.span.file, s.target_line))
        });
        match hit {
            Some(s) => s.used = true,
            None => kept.push(f),
        }
    }
    for s in &sups {
        if s.reason.is_none() {
            if let Some(sev) = meta("suppression-missing-reason", config, Severity::Error) {
                kept.push(Finding {
                    rule: "suppression-missing-reason",
                    severity: sev,
                    span: s.span.clone(),
                    message: "suppression without a reason: add ` -- <why this is acceptable>`".into(),
                    help: None,
                    anchors: vec![],
                    chains: vec![],
                });
            }
        }
        // A suppression of rules the config turns off is kept for when they are turned on.
        let all_off = !s.rules.is_empty()
            && s.rules
                .iter()
                .all(|r| rules::find(r).is_some() && config.level(r) == Level::Off);
        if !s.used && !all_off {
            if let Some(sev) = meta("unused-suppression", config, Severity::Warning) {
                let unknown: Vec<&String> = s.rules.iter().filter(|r| rules::find(r).is_none()).collect();
                let message = if s.misplaced {
                    "a suppression at the end of a line applies to nothing: put it on its own line above the block or attribute".to_string()
                } else if s.rules.is_empty() {
                    "suppression names no rule".to_string()
                } else if !unknown.is_empty() {
                    format!("suppression names unknown rule `{}`", unknown[0])
                } else {
                    format!(
                        "unused suppression: `{}` reports nothing on the next line",
                        s.rules.join(", ")
                    )
                };
                kept.push(Finding {
                    rule: "unused-suppression",
                    severity: sev,
                    span: s.span.clone(),
                    message,
                    help: None,
                    anchors: vec![],
                    chains: vec![],
                });
            }
        }
    }
    kept
}

fn collect_blocks(file: usize, b: &crate::ir::Block, out: &mut Vec<Span>) {
    out.push(Span::new(file, b.span.clone()));
    for nested in &b.body.blocks {
        collect_blocks(file, nested, out);
    }
}

fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        (a.span.file, a.span.start, a.rule, &a.message).cmp(&(b.span.file, b.span.start, b.rule, &b.message))
    });
    findings
}

/// The stacks, the SSM parameters that couple them, and their deploy order or why there is none.
pub struct Graph {
    /// Every stack, in the model's order (indices below point into this list).
    pub stacks: Vec<GraphStack>,
    /// Publisher -> reader, sorted by (publisher, reader) index.
    pub edges: Vec<GraphEdge>,
    /// The deploy stages (stacks in one stage can deploy in parallel), or the cycle that prevents one.
    pub stages: Result<Vec<Vec<usize>>, Cycle>,
    /// `file:line:column: message` of every file that does not parse.
    pub syntax_errors: Vec<String>,
}

pub struct GraphStack {
    pub name: String,
    /// Directory relative to the current directory.
    pub dir: String,
}

/// Stack `to` reads SSM parameters that stack `from` publishes.
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    /// The parameter names, sorted; empty when none can be known.
    pub parameters: Vec<String>,
}

/// Why no deploy order exists.
pub struct Cycle {
    /// The stacks on a cycle, sorted by name.
    pub stacks: Vec<usize>,
    /// The stacks and the parameters that close the cycle, for the user.
    pub message: String,
}

impl Graph {
    /// The stacks a publisher must deploy before `i`, in index order.
    pub fn after(&self, i: usize) -> Vec<usize> {
        self.edges.iter().filter(|e| e.to == i).map(|e| e.from).collect()
    }

    /// Every stack once: in deploy order when there is one, otherwise in index order.
    pub fn listed(&self) -> Vec<usize> {
        match &self.stages {
            Ok(stages) => stages.concat(),
            Err(_) => (0..self.stacks.len()).collect(),
        }
    }
}

/// The deploy graph of the stacks under `paths`.
pub fn graph(paths: &[PathBuf], var_files: &[PathBuf]) -> Result<Graph, LoadError> {
    let project = load::load(paths, var_files)?;
    let syntax_errors = project
        .syntax_errors
        .iter()
        .map(|(span, msg)| {
            let f = project.file(span.file);
            let (l, c) = f.line_col(span.start);
            format!("{}:{l}:{c}: syntax error: {msg}", f.display)
        })
        .collect();
    let ev = Evaluator::new(&project);
    let model = Model::build(&ev);
    let mut names = model.edge_names();
    let edges = model
        .edges()
        .into_iter()
        .map(|(from, to)| GraphEdge {
            from,
            to,
            parameters: names.remove(&(from, to)).unwrap_or_default().into_iter().collect(),
        })
        .collect();
    Ok(Graph {
        stacks: model
            .stacks
            .iter()
            .map(|s| GraphStack {
                name: s.name.clone(),
                dir: s.dir.clone(),
            })
            .collect(),
        edges,
        stages: model.deploy_stages().map_err(|cycle| Cycle {
            message: cycle_message(&model, &cycle),
            stacks: cycle,
        }),
        syntax_errors,
    })
}

fn cycle_message(model: &Model, cycle: &[usize]) -> String {
    let names = cycle.iter().map(|i| model.stacks[*i].name.as_str()).collect::<Vec<_>>();
    let mut why = Vec::new();
    for ((p, r), params) in model.edge_names() {
        if cycle.contains(&p) && cycle.contains(&r) {
            let shown: Vec<String> = params.iter().take(3).map(|n| format!("`{n}`")).collect();
            why.push(format!(
                "{} reads {} published by {}",
                model.stacks[r].name,
                shown.join(", "),
                model.stacks[p].name
            ));
        }
    }
    format!(
        "the stacks {} read each other's SSM parameters in a cycle, so no deploy order exists: {}",
        names.join(", "),
        why.join("; ")
    )
}
