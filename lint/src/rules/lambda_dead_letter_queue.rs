//! ## What it does
//! Checks that every `aws_lambda_function` has a `dead_letter_config` with a `target_arn`.
//!
//! ## Why is this bad?
//! Asynchronous invocations (EventBridge, SNS, S3 events, the ECR-push deploy pipeline) that
//! still fail after Lambda's retries are dropped silently. A per-function dead-letter queue keeps
//! them for inspection and replay, and an alarm on its depth tells you something is failing.
//!
//! ## Example
//! ```hcl
//! resource "aws_lambda_function" "contact" {
//!   function_name = "contact"
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_lambda_function" "contact" {
//!   function_name = "contact"
//!   dead_letter_config {
//!     target_arn = aws_sqs_queue.contact_dlq.arn
//!   }
//! }
//! ```
//!
//! ## Known blind spots
//! An `aws_lambda_function_event_invoke_config` with an `on_failure` destination is an
//! alternative this rule does not credit; suppress with a reason where it is used. A `target_arn`
//! that is unknown statically and not a reference (a root variable without a value, say) is
//! "cannot verify", since it may be null.
//!
//! ## References
//! - [Lambda asynchronous invocation: dead-letter queues](https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_lambda_function", |hit| {
        let b = hit.block;
        match b.blocks("dead_letter_config").next() {
            None => ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_lambda_function.{} has no dead_letter_config", b.name),
                Some("add `dead_letter_config { target_arn = aws_sqs_queue.<dlq>.arn }`"),
            ),
            Some(d) if d.maybe => ctx.report(
                hit.inst,
                b,
                d.head_span.clone(),
                Outcome::Unknown,
                format!(
                    "whether aws_lambda_function.{} has a dead_letter_config is not known statically",
                    b.name
                ),
                None,
            ),
            Some(d) => match d.value("target_arn") {
                Value::Null => ctx.report(
                    hit.inst,
                    b,
                    d.span_of("target_arn"),
                    Outcome::Fail,
                    format!(
                        "the dead_letter_config of aws_lambda_function.{} has no target_arn",
                        b.name
                    ),
                    None,
                ),
                Value::String(s) if s.is_empty() => ctx.report(
                    hit.inst,
                    b,
                    d.span_of("target_arn"),
                    Outcome::Fail,
                    format!(
                        "the dead_letter_config of aws_lambda_function.{} has an empty target_arn",
                        b.name
                    ),
                    None,
                ),
                // A reference to a queue or topic: known at apply.
                Value::Ref(_) => {}
                v if v.is_unknown() => ctx.report(
                    hit.inst,
                    b,
                    d.span_of("target_arn"),
                    Outcome::Unknown,
                    format!(
                        "the dead-letter target_arn of aws_lambda_function.{} is not known statically (it may be null)",
                        b.name
                    ),
                    None,
                ),
                _ => {}
            },
        }
    });
}
