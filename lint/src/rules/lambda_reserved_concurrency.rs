//! ## What it does
//! Checks that every `aws_lambda_function` sets `reserved_concurrent_executions` to a value of
//! 0 or more (`-1`, the default, means no reservation).
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
//! The rule does not check that the reservations of all functions fit the account's limit.
//!
//! ## References
//! - [Configuring reserved concurrency](https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_lambda_function", |hit| {
        let b = hit.block;
        let v = b.value("reserved_concurrent_executions");
        let help = Some("set `reserved_concurrent_executions` to a number >= 0");
        match v {
            Value::Null => ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_lambda_function.{} sets no reserved_concurrent_executions", b.name),
                help,
            ),
            v if v.is_unknown() => ctx.report(
                hit.inst,
                b,
                b.span_of("reserved_concurrent_executions"),
                Outcome::Unknown,
                format!(
                    "reserved_concurrent_executions of aws_lambda_function.{} is not known statically",
                    b.name
                ),
                None,
            ),
            v => match v.as_number() {
                Some(n) if n >= 0.0 => {}
                _ => ctx.report(
                    hit.inst,
                    b,
                    b.span_of("reserved_concurrent_executions"),
                    Outcome::Fail,
                    format!(
                        "reserved_concurrent_executions of aws_lambda_function.{} is {v}, which reserves nothing",
                        b.name
                    ),
                    help,
                ),
            },
        }
    });
}
