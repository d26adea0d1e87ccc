//! ## What it does
//! Checks that `enable_execute_command` is not true on an `aws_ecs_service` of a prod stack. A
//! stack is prod when its directory matches `prod_stacks` in `.nextstack-lint.toml`, or when its
//! `environment` variable (in the module or in the stack) evaluates to `prod` or `production`.
//!
//! ## Why is this bad?
//! ECS Exec opens an interactive shell in running production containers: a path around code
//! review, deployment and audit for anyone with the IAM permission, and a way to change a
//! running system by hand. Keep it for non-prod environments.
//!
//! ## Example
//! ```hcl
//! variable "environment" { default = "production" }
//!
//! resource "aws_ecs_service" "web" {
//!   name                   = "web"
//!   enable_execute_command = true
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ecs_service" "web" {
//!   name                   = "web"
//!   enable_execute_command = var.environment != "production"
//! }
//! ```
//!
//! ## Known blind spots
//! Prod is recognised only through `prod_stacks` or a variable named `environment`; other
//! naming conventions need `prod_stacks`. When `enable_execute_command` is true and whether the
//! stack is prod cannot be known, the finding is "cannot verify".
//!
//! ## References
//! - [Using Amazon ECS Exec](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)

use super::{truthy, Outcome, RuleContext};

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_ecs_service", |hit| {
        let b = hit.block;
        let span = b.span_of("enable_execute_command");
        match (truthy(&b.value("enable_execute_command")), ctx.is_prod(hit.inst)) {
            (Some(false), _) | (_, Some(false)) => {}
            (Some(true), Some(true)) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!("aws_ecs_service.{} enables ECS Exec in a prod stack", b.name),
                Some("set `enable_execute_command = false` in prod (e.g. `var.environment != \"production\"`)"),
            ),
            (None, Some(true)) => ctx.report(hit.inst, b, span, Outcome::Unknown, format!("enable_execute_command of aws_ecs_service.{} in a prod stack is not known statically", b.name), None),
            (Some(true), None) | (None, None) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!("aws_ecs_service.{} may enable ECS Exec and whether its stack is prod is not known (set `prod_stacks` or `environment`)", b.name),
                None,
            ),
        }
    });
}
