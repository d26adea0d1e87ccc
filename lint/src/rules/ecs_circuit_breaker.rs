//! ## What it does
//! Checks that every `aws_ecs_service` using the ECS deployment controller has
//! `deployment_circuit_breaker { enable = true, rollback = true }`.
//!
//! ## Why is this bad?
//! Without the circuit breaker a deployment whose tasks never become healthy (say, a container
//! that fails with `EROFS` on start) keeps replacing tasks forever and the service serves stale or
//! no content. With it, ECS stops the deployment and rolls back to the last working revision.
//!
//! ## Example
//! ```hcl
//! resource "aws_ecs_service" "web" {
//!   name            = "web"
//!   task_definition = aws_ecs_task_definition.web.arn
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ecs_service" "web" {
//!   name            = "web"
//!   task_definition = aws_ecs_task_definition.web.arn
//!   deployment_circuit_breaker {
//!     enable   = true
//!     rollback = true
//!   }
//! }
//! ```
//!
//! ## Known blind spots
//! Services deployed by CodeDeploy or an external controller are skipped (they roll back by
//! other means). A `dynamic "deployment_circuit_breaker"` whose `for_each` is unknown is
//! reported as "cannot verify".
//!
//! ## References
//! - [ECS deployment circuit breaker](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html)

use super::{truthy, Outcome, RuleContext};
use crate::value::Value;

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_ecs_service", |hit| {
        let b = hit.block;
        if let Some(dc) = b.blocks("deployment_controller").next() {
            match dc.value("type") {
                Value::Null => {}
                Value::String(s) if &*s == "ECS" => {}
                // CodeDeploy or an external controller, unless the block may not exist.
                Value::String(_) if !dc.maybe => return,
                _ => {
                    ctx.report(
                        hit.inst,
                        b,
                        dc.span_of("type"),
                        Outcome::Unknown,
                        format!(
                            "the deployment controller of aws_ecs_service.{} is not known statically",
                            b.name
                        ),
                        None,
                    );
                    return;
                }
            }
        }
        let help = Some("add `deployment_circuit_breaker { enable = true, rollback = true }`");
        let Some(cb) = b.blocks("deployment_circuit_breaker").next() else {
            ctx.report(
                hit.inst,
                b,
                b.head_span.clone(),
                Outcome::Fail,
                format!("aws_ecs_service.{} has no deployment_circuit_breaker", b.name),
                help,
            );
            return;
        };
        if cb.maybe {
            ctx.report(
                hit.inst,
                b,
                cb.head_span.clone(),
                Outcome::Unknown,
                format!(
                    "whether aws_ecs_service.{} has a deployment_circuit_breaker is not known statically (the for_each of its dynamic block is unknown)",
                    b.name
                ),
                None,
            );
            return;
        }
        for field in ["enable", "rollback"] {
            match truthy(&cb.value(field)) {
                Some(true) => {}
                Some(false) => ctx.report(
                    hit.inst,
                    b,
                    cb.span_of(field),
                    Outcome::Fail,
                    format!(
                        "the deployment circuit breaker of aws_ecs_service.{} does not set {field} = true",
                        b.name
                    ),
                    help,
                ),
                None => ctx.report(
                    hit.inst,
                    b,
                    cb.span_of(field),
                    Outcome::Unknown,
                    format!(
                        "deployment_circuit_breaker.{field} of aws_ecs_service.{} is not known statically",
                        b.name
                    ),
                    None,
                ),
            }
        }
    });
}
