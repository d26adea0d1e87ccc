//! ## What it does
//! Checks that every `aws_lambda_function` sets `reserved_concurrent_executions` to a value of
//! 0 or more (`-1`, the default, means no reservation).
//!
//! A value that depends on something unknown only through a selector (an index with an unknown
//! key into a known map or list, such as `local.settings[each.value.kind].reserved`, or a
//! conditional whose condition is unknown) is checked through every value it can select: it
//! passes when every one reserves concurrency and fails when none does.
//!
//! ## Why is this bad?
//! All functions of an account share one concurrency pool. Without a reservation a noisy
//! function (a retry storm, a crawler on the contact form) can take all of it and throttle every
//! other function, and nothing caps what a runaway function costs.
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
//! resource "aws_lambda_function" "articles" {
//!   function_name                  = "articles"
//!   reserved_concurrent_executions = 10
//! }
//! ```
//!
//! ## Known blind spots
//! The rule does not check that the reservations of all functions fit the account's limit. A value
//! that is not known statically (a variable without a default, an attribute of another resource)
//! is "cannot verify", and so is a selection among values of which some reserve nothing (or are
//! not known statically): which one applies is not known.
//!
//! ## References
//! - [Configuring reserved concurrency](https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)

use super::{judge_candidates, Outcome, RuleContext, Verdict};
use crate::value::Value;

/// Whether one value of `reserved_concurrent_executions` reserves concurrency.
fn reserves(v: &Value) -> Verdict {
    match v {
        Value::Null => Verdict::Fail,
        v if v.is_unknown() => Verdict::Unknown,
        v => match v.as_number() {
            Some(n) if n >= 0.0 => Verdict::Pass,
            _ => Verdict::Fail,
        },
    }
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_lambda_function", |hit| {
        let b = hit.block;
        let v = b.value("reserved_concurrent_executions");
        let help = Some("set `reserved_concurrent_executions` to a number >= 0");
        let span = b.span_of("reserved_concurrent_executions");
        let verdict = judge_candidates(&v, reserves);
        match (&v, verdict) {
            (_, Verdict::Pass) => {}
            (Value::Null, _) => ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_lambda_function.{} sets no reserved_concurrent_executions", b.name),
                help,
            ),
            // A choice between values (an unknown key into a known map, an unknown condition).
            (Value::OneOf(c), verdict) => {
                let what = format!(
                    "reserved_concurrent_executions of aws_lambda_function.{} is {v} (which one depends on a value not known statically)",
                    b.name
                );
                if verdict == Verdict::Fail {
                    ctx.report(
                        hit.inst,
                        b,
                        span,
                        Outcome::Fail,
                        format!("{what}, and none of them reserves anything"),
                        help,
                    );
                    return;
                }
                let failing: Vec<String> = c
                    .iter()
                    .filter(|x| reserves(x) == Verdict::Fail)
                    .map(|x| x.to_string())
                    .collect();
                let why = if failing.is_empty() {
                    "not all of them are known statically".to_string()
                } else {
                    format!("{} would reserve nothing", failing.join(", "))
                };
                ctx.report(hit.inst, b, span, Outcome::Unknown, format!("{what}, and {why}"), None);
            }
            (_, Verdict::Unknown) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!(
                    "reserved_concurrent_executions of aws_lambda_function.{} is not known statically",
                    b.name
                ),
                None,
            ),
            (_, Verdict::Fail) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!(
                    "reserved_concurrent_executions of aws_lambda_function.{} is {v}, which reserves nothing",
                    b.name
                ),
                help,
            ),
        }
    });
}
