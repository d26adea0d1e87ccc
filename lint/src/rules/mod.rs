//! The rule registry and the context rules run in. A rule is one file in this directory: its
//! documentation is the file's `//!` doc comment (the docs pages are generated from it), and it
//! exposes `check(&RuleContext)`, which inspects evaluated blocks and reports at exact spans.

use crate::config::{Config, Level};
use crate::eval::{EvalBlock, Evaluator, InstId, ResInstances};
use crate::finding::{ChainStep, Finding, Severity};
use crate::model::Model;
use crate::source::Span;
use crate::value::{RefVal, Value};
use std::cell::RefCell;
use std::rc::Rc;

pub mod cloudfront_origin_over_http;
pub mod cloudfront_origin_verify;
pub mod cloudfront_s3_origin_oac;
pub mod dual_waf;
pub mod ecs_circuit_breaker;
pub mod ecs_exec_disabled_in_prod;
pub mod ecs_read_only_root_filesystem;
pub mod ecs_writable_scratch;
pub mod lambda_dead_letter_queue;
pub mod lambda_log_retention;
pub mod lambda_reserved_concurrency;
pub mod no_cross_stack_exports;
pub mod secret_value_in_state;
pub mod sns_alarm_topic_aws_managed_key;
pub mod ssm_unpublished_read;
pub mod suppression_missing_reason;
pub mod syntax_error;
pub mod unused_suppression;

pub struct Rule {
    pub name: &'static str,
    /// The rule file's source; its leading `//!` lines are the documentation.
    source: &'static str,
    pub check: fn(&RuleContext),
}

impl Rule {
    /// The documentation (Markdown) from the rule's doc comment.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else { break };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }

    /// The first sentence of `## What it does` (a sentence that introduces a list ends at its colon).
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let mut para = String::new();
        for l in doc.lines().skip_while(|l| !l.starts_with("## What it does")).skip(1) {
            let t = l.trim();
            if t.is_empty() && para.is_empty() {
                continue;
            }
            if t.is_empty() || t.starts_with("- ") || t.starts_with("## ") {
                break;
            }
            if !para.is_empty() {
                para.push(' ');
            }
            para.push_str(t);
        }
        // The first `. ` outside backquotes ends the sentence.
        let mut code = false;
        let mut end = para.len();
        for (i, c) in para.char_indices() {
            match c {
                '`' => code = !code,
                '.' if !code && para[i + 1..].starts_with(' ') => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        let mut s = para[..end].trim_end().to_string();
        if let Some(t) = s.strip_suffix(':') {
            s = format!("{t}.");
        }
        s
    }
}

macro_rules! rule {
    ($name:literal, $module:ident) => {
        Rule {
            name: $name,
            source: include_str!(concat!(stringify!($module), ".rs")),
            check: $module::check,
        }
    };
}

/// Every rule, in documentation order.
pub static RULES: &[Rule] = &[
    rule!("ecs-read-only-root-filesystem", ecs_read_only_root_filesystem),
    rule!("ecs-writable-scratch", ecs_writable_scratch),
    rule!("ecs-circuit-breaker", ecs_circuit_breaker),
    rule!("ecs-exec-disabled-in-prod", ecs_exec_disabled_in_prod),
    rule!("no-cross-stack-exports", no_cross_stack_exports),
    rule!("ssm-unpublished-read", ssm_unpublished_read),
    rule!("dual-waf", dual_waf),
    rule!("cloudfront-origin-verify", cloudfront_origin_verify),
    rule!("cloudfront-s3-origin-oac", cloudfront_s3_origin_oac),
    rule!("cloudfront-origin-over-http", cloudfront_origin_over_http),
    rule!("lambda-dead-letter-queue", lambda_dead_letter_queue),
    rule!("lambda-reserved-concurrency", lambda_reserved_concurrency),
    rule!("lambda-log-retention", lambda_log_retention),
    rule!("sns-alarm-topic-aws-managed-key", sns_alarm_topic_aws_managed_key),
    rule!("secret-value-in-state", secret_value_in_state),
    rule!("syntax-error", syntax_error),
    rule!("suppression-missing-reason", suppression_missing_reason),
    rule!("unused-suppression", unused_suppression),
];

pub fn find(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

/// Whether a check failed or could not be made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Fail,
    /// The value could not be known statically: reported as a warning ("cannot verify").
    Unknown,
}

/// A rule's verdict on one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Not known statically.
    Unknown,
}

impl Verdict {
    /// The verdict on a value that is one of several candidates (a [`Value::OneOf`]): it passes
    /// when every candidate passes, fails when every one fails, and is Unknown when they differ
    /// or one is Unknown.
    pub fn of_every(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut it = verdicts.into_iter();
        let Some(first) = it.next() else {
            return Verdict::Unknown;
        };
        if it.all(|v| v == first) {
            first
        } else {
            Verdict::Unknown
        }
    }
}

/// Judges every candidate of `v` (the value itself unless it is a [`Value::OneOf`]) with `judge`
/// and combines the verdicts as [`Verdict::of_every`] does.
pub fn judge_candidates(v: &Value, judge: impl FnMut(&Value) -> Verdict) -> Verdict {
    Verdict::of_every(v.candidates().iter().map(judge))
}

/// What a rule sees: evaluated resources, the cross-stack model, the config.
pub struct RuleContext<'a> {
    pub ev: &'a Evaluator<'a>,
    pub model: &'a Model,
    pub config: &'a Config,
    rule: RefCell<&'static str>,
    out: RefCell<Vec<Finding>>,
}

/// One resource instance seen by a rule.
pub struct Hit<'r> {
    pub inst: InstId,
    pub decl: usize,
    pub block: &'r EvalBlock,
}

impl<'a> RuleContext<'a> {
    pub fn new(ev: &'a Evaluator<'a>, model: &'a Model, config: &'a Config) -> Self {
        RuleContext {
            ev,
            model,
            config,
            rule: RefCell::new(""),
            out: RefCell::new(Vec::new()),
        }
    }

    pub fn run(&self, rule: &Rule) {
        if self.config.level(rule.name) == Level::Off {
            return;
        }
        *self.rule.borrow_mut() = rule.name;
        (rule.check)(self);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.out.into_inner()
    }

    /// Every evaluated instance of every `mode` `ty` block in every module instance.
    pub fn resources(&self, mode: &str, ty: &str) -> Vec<(InstId, usize, Rc<ResInstances>)> {
        let mut v = Vec::new();
        for inst in 0..self.ev.instance_count() {
            let m = self.ev.instance(inst).module;
            for (d, decl) in self.ev.project.modules[m].resources.iter().enumerate() {
                if decl.mode == mode && decl.ty == ty {
                    v.push((inst, d, self.ev.resource_instances(inst, d)));
                }
            }
        }
        v
    }

    /// Calls `f` for every instance of every managed resource of type `ty`.
    pub fn each(&self, ty: &str, mut f: impl FnMut(Hit)) {
        for (inst, decl, ri) in self.resources("resource", ty) {
            for (_, b) in &ri.items {
                f(Hit { inst, decl, block: b });
            }
        }
    }

    /// The evaluated block a reference points to (its first instance).
    pub fn deref(&self, r: &RefVal) -> Option<EvalBlock> {
        let ri = self.ev.resource_instances(r.addr.inst, r.addr.decl);
        ri.items.first().map(|(_, b)| b.clone())
    }

    /// Reports a finding at `span`, inside the resource `block` of instance `inst`.
    pub fn report(
        &self,
        inst: InstId,
        block: &EvalBlock,
        span: Span,
        outcome: Outcome,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        let rule = *self.rule.borrow();
        let severity = match (outcome, self.config.level(rule)) {
            (Outcome::Unknown, _) => Severity::Warning,
            (Outcome::Fail, Level::On(s)) => s,
            (Outcome::Fail, Level::Off) => return,
        };
        let message = match outcome {
            Outcome::Fail => message.into(),
            Outcome::Unknown => format!("cannot verify: {}", message.into()),
        };
        self.out.borrow_mut().push(Finding {
            rule,
            severity,
            span: span.clone(),
            message,
            help: help.map(str::to_string),
            anchors: vec![span, block.head_span.clone()],
            chains: vec![self.chain(inst)],
        });
    }

    /// Reports a failure found in a module that no stack instantiates (no call chain).
    pub fn report_unattached(&self, block: &EvalBlock, span: Span, message: impl Into<String>, help: Option<&str>) {
        let rule = *self.rule.borrow();
        let Level::On(severity) = self.config.level(rule) else {
            return;
        };
        self.out.borrow_mut().push(Finding {
            rule,
            severity,
            span: span.clone(),
            message: message.into(),
            help: help.map(str::to_string),
            anchors: vec![span, block.head_span.clone()],
            chains: vec![],
        });
    }

    /// The module calls from the stack down to `inst`.
    pub fn chain(&self, inst: InstId) -> Vec<ChainStep> {
        let mut steps = Vec::new();
        let mut cur = self.ev.instance(inst);
        while let (Some(parent), Some(ci)) = (cur.parent, cur.call) {
            let p = self.ev.instance(parent);
            let call = &self.ev.project.modules[p.module].calls[ci];
            let stack = self
                .model
                .stacks
                .get(self.model.stack_index(self.ev, parent))
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let key = match &cur.key {
                Some(Value::String(k)) => format!("[{k:?}]"),
                Some(k) => format!("[{k}]"),
                None if cur.any_key => "[*]".into(),
                None => String::new(),
            };
            steps.push(ChainStep {
                span: Span::new(call.file, call.block.head_span.clone()),
                label: format!("evaluated through module call `{}{key}` (stack `{}`)", call.name, stack),
            });
            cur = p;
        }
        steps.reverse();
        steps
    }

    /// True, false, or unknown whether the instance belongs to a prod stack.
    pub fn is_prod(&self, inst: InstId) -> Option<bool> {
        let si = self.model.stack_index(self.ev, inst);
        if let Some(s) = self.model.stacks.get(si) {
            if self.config.is_prod_dir(&s.dir) {
                return Some(true);
            }
        }
        let stack = self.ev.instance(inst).stack;
        let mut unknown = false;
        for i in [inst, stack] {
            if let Ok(v) = self.ev.var(i, "environment") {
                match v.as_str() {
                    Some(s) => {
                        if matches!(s.to_ascii_lowercase().as_str(), "prod" | "production") {
                            return Some(true);
                        }
                    }
                    None if v.is_unknown() => unknown = true,
                    None => {}
                }
            }
        }
        if unknown {
            None
        } else {
            Some(false)
        }
    }
}

/// `Some(true)` for `true` / `"true"`, `Some(false)` for false or absent, `None` when unknown.
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        v if v.is_unknown() => None,
        v => Some(v.as_bool().unwrap_or(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_passes_when_every_candidate_passes_and_fails_when_every_one_fails() {
        use Verdict::*;
        let n = Value::Number;
        let positive = |v: &Value| match v.as_number() {
            Some(x) if x >= 0.0 => Pass,
            Some(_) => Fail,
            None => Unknown,
        };
        assert_eq!(judge_candidates(&n(1.0), positive), Pass);
        assert_eq!(judge_candidates(&Value::one_of([n(1.0), n(2.0)]), positive), Pass);
        assert_eq!(judge_candidates(&Value::one_of([n(-1.0), n(-2.0)]), positive), Fail);
        assert_eq!(judge_candidates(&Value::one_of([n(1.0), n(-1.0)]), positive), Unknown);
        assert_eq!(
            judge_candidates(&Value::one_of([n(1.0), Value::str("x")]), positive),
            Unknown
        );
        assert_eq!(Verdict::of_every([]), Unknown);
    }

    #[test]
    fn every_rule_has_the_doc_sections() {
        for r in RULES {
            let d = r.doc();
            for s in ["## What it does", "## Why is this bad?", "## Example", "Use instead:"] {
                assert!(d.contains(s), "{} lacks {s}", r.name);
            }
            // Policy rules also say what they cannot see, and where the policy comes from.
            if !matches!(
                r.name,
                "syntax-error" | "suppression-missing-reason" | "unused-suppression"
            ) {
                for s in ["## Known blind spots", "## References"] {
                    assert!(d.contains(s), "{} lacks {s}", r.name);
                }
            }
            let summary = r.summary();
            assert!(
                summary.ends_with('.') && summary.len() < 220,
                "{}: summary {summary:?}",
                r.name
            );
            assert_eq!(r.name.replace('-', "_").len(), r.name.len());
        }
    }
}
