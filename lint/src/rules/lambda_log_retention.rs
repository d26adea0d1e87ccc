//! ## What it does
//! Checks that every `aws_lambda_function` logs to a log group with a retention. That is an
//! `aws_cloudwatch_log_group` named `/aws/lambda/<function_name>` with `retention_in_days` set
//! (in the function's stack, or in another linted stack), or the group a
//! `logging_config { log_group = ... }` names or refers to.
//!
//! A `log_group` that refers to an instance of an `aws_cloudwatch_log_group` with `count` or
//! `for_each` (`aws_cloudwatch_log_group.function[each.key].name`) is credited whatever the key
//! when every instance of that group sets a retention, also when the keys are not known
//! statically. A `log_group` that selects among several groups (an unknown key into a known map,
//! a conditional whose condition is unknown) passes when every one of them has a retention.
//!
//! ## Why is this bad?
//! Lambda creates `/aws/lambda/<name>` on first invocation with retention "never expire": logs
//! (and any personal data in them) accumulate forever, and the group is outside Terraform, so it
//! survives `destroy` and blocks re-creation with the same name.
//!
//! ## Example
//! ```hcl
//! resource "aws_lambda_function" "articles" {
//!   function_name = "articles"
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_cloudwatch_log_group" "articles" {
//!   name              = "/aws/lambda/articles"
//!   retention_in_days = 30
//! }
//! resource "aws_lambda_function" "articles" {
//!   function_name = "articles"
//! }
//! ```
//!
//! ## Known blind spots
//! Log groups are matched by evaluated name. A function whose log group is not in the linted set
//! (created by another tool, or by Lambda itself) fails; a group whose name or retention is unknown
//! statically, in the function's stack, makes the function "cannot verify". A reference to a
//! group whose instances differ (some with a retention, some without) is "cannot verify": the
//! rule does not track which instance a key picks. The rule does not check that the retention is
//! short enough for your data.
//!
//! ## References
//! - [Lambda function logs](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)

use super::{judge_candidates, Outcome, RuleContext, Verdict};
use crate::eval::EvalBlock;
use crate::source::Span;
use crate::value::Value;

/// Whether a log group expires its events (every value `retention_in_days` can take does).
fn retention(g: &EvalBlock) -> Verdict {
    judge_candidates(&g.value("retention_in_days"), |v| match v {
        Value::Null => Verdict::Fail,
        v if v.is_unknown() => Verdict::Unknown,
        // 0 means "never expire".
        v if v.as_number().is_some_and(|n| n > 0.0) => Verdict::Pass,
        _ => Verdict::Fail,
    })
}

/// The verdict on the groups of one name: any with a retention passes.
fn judge_any(groups: &[Verdict]) -> Verdict {
    if groups.contains(&Verdict::Pass) {
        Verdict::Pass
    } else if groups.contains(&Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Fail
    }
}

/// A log group in the linted set, by evaluated name.
struct Group {
    stack: usize,
    /// `None` when the name is not known statically.
    name: Option<String>,
    retention: Verdict,
}

/// What the rule says about one log group a function may log to.
struct Judged {
    verdict: Verdict,
    /// The group, for messages about several (`aws_cloudwatch_log_group.x` or `/aws/lambda/x`).
    label: String,
    /// What to report unless the verdict is a pass.
    message: String,
    help: Option<&'static str>,
    span: Span,
}

pub fn check(ctx: &RuleContext) {
    let mut groups: Vec<Group> = Vec::new();
    ctx.each("aws_cloudwatch_log_group", |hit| {
        groups.push(Group {
            stack: ctx.model.stack_index(ctx.ev, hit.inst),
            // A group without `name` gets a generated one, never `/aws/lambda/<function>`.
            name: match hit.block.value("name") {
                Value::Null => Some(String::new()),
                v => v.as_str().map(str::to_string),
            },
            retention: retention(hit.block),
        });
    });
    ctx.each("aws_lambda_function", |hit| {
        let b = hit.block;
        let fname = &b.name;
        let stack = ctx.model.stack_index(ctx.ev, hit.inst);
        let logging = b.blocks("logging_config").next();
        let explicit = logging.map(|l| l.value("log_group")).filter(|v| !v.is_null());
        // A logging_config from a dynamic block with an unknown for_each may not exist: fine when
        // it names no group (the default group applies either way), unknown otherwise.
        if logging.is_some_and(|l| l.maybe) && explicit.is_some() {
            ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Unknown,
                format!("the logging_config of aws_lambda_function.{fname} comes from a dynamic block whose for_each is unknown"),
                None,
            );
            return;
        }
        let unknown = |span: Span, label: &str| Judged {
            verdict: Verdict::Unknown,
            label: label.to_string(),
            message: format!("the log group of aws_lambda_function.{fname} is not known statically"),
            help: None,
            span,
        };
        // The group of one name: in the function's own stack first, then in any linted stack.
        let by_name = |wanted: &str| {
            let no_retention = Judged {
                verdict: Verdict::Fail,
                label: format!("`{wanted}`"),
                message: format!("log group `{wanted}` of aws_lambda_function.{fname} has no retention_in_days"),
                help: Some("set retention_in_days on the aws_cloudwatch_log_group"),
                span: b.head_span.clone(),
            };
            let named: Vec<&Group> = groups.iter().filter(|g| g.name.as_deref() == Some(wanted)).collect();
            let here: Vec<Verdict> = named.iter().filter(|g| g.stack == stack).map(|g| g.retention).collect();
            let anywhere: Vec<Verdict> = named.iter().map(|g| g.retention).collect();
            let candidates = if here.is_empty() { anywhere } else { here };
            if !candidates.is_empty() {
                let verdict = judge_any(&candidates);
                Judged {
                    verdict,
                    message: if verdict == Verdict::Unknown {
                        format!("retention_in_days of log group `{wanted}` of aws_lambda_function.{fname} is not known statically")
                    } else {
                        no_retention.message
                    },
                    ..no_retention
                }
            } else if groups.iter().any(|g| g.stack == stack && g.name.is_none()) {
                Judged {
                    verdict: Verdict::Unknown,
                    message: format!("no log group named `{wanted}` is known for aws_lambda_function.{fname} (some names are unknown)"),
                    help: None,
                    ..no_retention
                }
            } else {
                Judged {
                    message: format!("aws_lambda_function.{fname} has no log group `{wanted}` with a retention"),
                    help: Some("add `resource \"aws_cloudwatch_log_group\"` named \"/aws/lambda/<function_name>\" with retention_in_days"),
                    ..no_retention
                }
            }
        };
        // One value `log_group` may take.
        let judge_explicit = |v: &Value| match v {
            // A reference to a log group of the linted set (to any of its instances, whatever the
            // key): every instance must have a retention.
            Value::Ref(r) if r.addr.mode == "resource" && r.addr.ty == "aws_cloudwatch_log_group" => {
                let ri = ctx.ev.resource_instances(r.addr.inst, r.addr.decl);
                let rets: Vec<Verdict> = ri.items.iter().map(|(_, g)| retention(g)).collect();
                let label = format!("aws_cloudwatch_log_group.{}", r.addr.name);
                let verdict = if rets.is_empty() {
                    Verdict::Fail
                } else {
                    Verdict::of_every(rets.iter().copied())
                };
                let message = if verdict == Verdict::Fail {
                    format!("log group `{label}` of aws_lambda_function.{fname} has no retention_in_days")
                } else if rets.contains(&Verdict::Unknown) {
                    format!("retention_in_days of {label}, the log group of aws_lambda_function.{fname}, is not known statically")
                } else {
                    format!("retention_in_days of {label}, the log group of aws_lambda_function.{fname}, is set on some of its instances only")
                };
                Judged {
                    verdict,
                    label: format!("`{label}`"),
                    message,
                    help: (verdict == Verdict::Fail).then_some("set retention_in_days on the aws_cloudwatch_log_group"),
                    span: b.head_span.clone(),
                }
            }
            Value::String(s) => by_name(s),
            _ => unknown(b.head_span.clone(), "a group not known statically"),
        };
        let judged: Vec<Judged> = match &explicit {
            Some(v) => ctx.model.resolve(ctx.ev, v).candidates().iter().map(judge_explicit).collect(),
            None => vec![match b.value("function_name") {
                Value::String(n) => by_name(&format!("/aws/lambda/{n}")),
                _ => unknown(b.span_of("function_name"), "a group not known statically"),
            }],
        };
        let verdict = Verdict::of_every(judged.iter().map(|j| j.verdict));
        let outcome = match verdict {
            Verdict::Pass => return,
            Verdict::Fail => Outcome::Fail,
            Verdict::Unknown => Outcome::Unknown,
        };
        if let [one] = judged.as_slice() {
            let help = if outcome == Outcome::Fail { one.help } else { None };
            ctx.report(hit.inst, b, one.span.clone(), outcome, one.message.clone(), help);
            return;
        }
        // `log_group` is one of several groups (an unknown key into a known map, an unknown
        // condition): every one must have a retention.
        let labels: Vec<&str> = judged.iter().map(|j| j.label.as_str()).collect();
        let what = format!(
            "the log group of aws_lambda_function.{fname} is one of {} (which one depends on a value not known statically)",
            labels.join(", ")
        );
        let failing: Vec<&str> = judged
            .iter()
            .filter(|j| j.verdict == Verdict::Fail)
            .map(|j| j.label.as_str())
            .collect();
        let message = if verdict == Verdict::Fail {
            format!("{what}, and none of them has a retention_in_days")
        } else if failing.is_empty() {
            format!("{what}, and the retention of some of them is not known statically")
        } else {
            format!("{what}, and {} has no retention_in_days", failing.join(", "))
        };
        let help = (verdict == Verdict::Fail).then_some("set retention_in_days on every log group it may name");
        ctx.report(hit.inst, b, b.head_span.clone(), outcome, message, help);
    });
}
