//! ## What it does
//! Checks that every `aws_lambda_function` logs to a log group with a retention. That is an
//! `aws_cloudwatch_log_group` named `/aws/lambda/<function_name>` with `retention_in_days` set
//! (in the function's stack, or in another linted stack), or the group a
//! `logging_config { log_group = ... }` names or refers to.
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
//! statically, in the function's stack, makes the function "cannot verify". The rule does not
//! check that the retention is short enough for your data.
//!
//! ## References
//! - [Lambda function logs](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)

use super::{Outcome, RuleContext};
use crate::eval::EvalBlock;
use crate::value::Value;

/// Whether a log group expires its events: `None` when `retention_in_days` is unknown.
fn retention(g: &EvalBlock) -> Option<bool> {
    match g.value("retention_in_days") {
        Value::Null => Some(false),
        v if v.is_unknown() => None,
        // 0 means "never expire".
        v => Some(v.as_number().is_some_and(|n| n > 0.0)),
    }
}

/// The verdict on a set of candidate groups: any with a retention passes.
fn judge(groups: &[Option<bool>]) -> Option<bool> {
    if groups.contains(&Some(true)) {
        Some(true)
    } else if groups.contains(&None) {
        None
    } else {
        Some(false)
    }
}

pub fn check(ctx: &RuleContext) {
    struct Group {
        stack: usize,
        name: Option<String>,
        retention: Option<bool>,
    }
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
        let no_retention = |wanted: &str| {
            ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("log group `{wanted}` of aws_lambda_function.{fname} has no retention_in_days"),
                Some("set retention_in_days on the aws_cloudwatch_log_group"),
            )
        };
        let unknown = |span, why: String| ctx.report(hit.inst, b, span, Outcome::Unknown, why, None);
        let logging = b.blocks("logging_config").next();
        let explicit = logging.map(|l| l.value("log_group")).filter(|v| !v.is_null());
        // A logging_config from a dynamic block with an unknown for_each may not exist: fine when
        // it names no group (the default group applies either way), unknown otherwise.
        if logging.is_some_and(|l| l.maybe) && explicit.is_some() {
            unknown(
                b.head_span.clone(),
                format!("the logging_config of aws_lambda_function.{fname} comes from a dynamic block whose for_each is unknown"),
            );
            return;
        }
        let wanted = match &explicit {
            Some(v) => match ctx.model.resolve(ctx.ev, v) {
                // A reference to a log group of the linted set: judge that group.
                Value::Ref(r) if r.addr.mode == "resource" && r.addr.ty == "aws_cloudwatch_log_group" => {
                    let ri = ctx.ev.resource_instances(r.addr.inst, r.addr.decl);
                    let rets: Vec<Option<bool>> = ri.items.iter().map(|(_, g)| retention(g)).collect();
                    let label = format!("aws_cloudwatch_log_group.{}", r.addr.name);
                    match judge(&rets) {
                        Some(true) => {}
                        Some(false) => no_retention(&label),
                        None => unknown(
                            b.head_span.clone(),
                            format!("retention_in_days of {label}, the log group of aws_lambda_function.{fname}, is not known statically"),
                        ),
                    }
                    return;
                }
                Value::String(s) => s.to_string(),
                _ => {
                    unknown(
                        b.head_span.clone(),
                        format!("the log group of aws_lambda_function.{fname} is not known statically"),
                    );
                    return;
                }
            },
            None => match b.value("function_name") {
                Value::String(n) => format!("/aws/lambda/{n}"),
                _ => {
                    unknown(
                        b.span_of("function_name"),
                        format!("the log group of aws_lambda_function.{fname} is not known statically"),
                    );
                    return;
                }
            },
        };
        // Groups of that name: the function's own stack first, then any linted stack.
        let named: Vec<&Group> = groups.iter().filter(|g| g.name.as_deref() == Some(wanted.as_str())).collect();
        let here: Vec<Option<bool>> = named.iter().filter(|g| g.stack == stack).map(|g| g.retention).collect();
        let anywhere: Vec<Option<bool>> = named.iter().map(|g| g.retention).collect();
        let candidates = if here.is_empty() { anywhere } else { here };
        if !candidates.is_empty() {
            match judge(&candidates) {
                Some(true) => {}
                Some(false) => no_retention(&wanted),
                None => unknown(
                    b.head_span.clone(),
                    format!("retention_in_days of log group `{wanted}` of aws_lambda_function.{fname} is not known statically"),
                ),
            }
        } else if groups.iter().any(|g| g.stack == stack && g.name.is_none()) {
            unknown(
                b.head_span.clone(),
                format!("no log group named `{wanted}` is known for aws_lambda_function.{fname} (some names are unknown)"),
            );
        } else {
            ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_lambda_function.{fname} has no log group `{wanted}` with a retention"),
                Some("add `resource \"aws_cloudwatch_log_group\"` named \"/aws/lambda/<function_name>\" with retention_in_days"),
            );
        }
    });
}
