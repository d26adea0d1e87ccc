//! ## What it does
//! Checks that every `aws_lambda_function` logs to a log group with a retention: an
//! `aws_cloudwatch_log_group` named `/aws/lambda/<function_name>` in the same stack with
//! `retention_in_days` set, or a `logging_config { log_group = ... }` naming such a group.
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
//! Log groups are matched by evaluated name within the stack; a group created in another stack
//! or with a name that is unknown statically makes the function "cannot verify".
//!
//! ## References
//! - [Lambda function logs](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

pub fn check(ctx: &RuleContext) {
    // (stack, name or None, has retention)
    let mut groups: Vec<(usize, Option<String>, bool)> = Vec::new();
    ctx.each("aws_cloudwatch_log_group", |hit| {
        let stack = ctx.model.stack_index(ctx.ev, hit.inst);
        let name = hit.block.value("name").as_str().map(str::to_string);
        let ret = match hit.block.value("retention_in_days") {
            Value::Null => false,
            Value::Number(n) => n > 0.0,
            _ => true,
        };
        groups.push((stack, name, ret));
    });
    ctx.each("aws_lambda_function", |hit| {
        let b = hit.block;
        let stack = ctx.model.stack_index(ctx.ev, hit.inst);
        let explicit = b.blocks("logging_config").next().map(|l| l.value("log_group")).filter(|v| !v.is_null());
        let wanted = match &explicit {
            Some(v) => v.clone(),
            None => match b.value("function_name") {
                Value::String(n) => Value::str(format!("/aws/lambda/{n}")),
                Value::Null => Value::Null,
                _ => Value::Unknown,
            },
        };
        let Some(wanted) = wanted.as_str().map(str::to_string) else {
            if !wanted.is_null() {
                ctx.report(hit.inst, b, b.span_of("function_name"), Outcome::Unknown, format!("the log group of aws_lambda_function.{} is not known statically", b.name), None);
            }
            return;
        };
        let same_stack: Vec<&(usize, Option<String>, bool)> = groups.iter().filter(|g| g.0 == stack).collect();
        match same_stack.iter().find(|g| g.1.as_deref() == Some(wanted.as_str())) {
            Some((_, _, true)) => {}
            Some((_, _, false)) => ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("log group `{wanted}` of aws_lambda_function.{} has no retention_in_days", b.name),
                Some("set retention_in_days on the aws_cloudwatch_log_group"),
            ),
            None if same_stack.iter().any(|g| g.1.is_none()) => {
                ctx.report(hit.inst, b, b.head_span.clone(), Outcome::Unknown, format!("no log group named `{wanted}` is known for aws_lambda_function.{} (some names are unknown)", b.name), None)
            }
            None => ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_lambda_function.{} has no log group `{wanted}` with a retention", b.name),
                Some("add `resource \"aws_cloudwatch_log_group\"` named \"/aws/lambda/<function_name>\" with retention_in_days"),
            ),
        }
    });
}
