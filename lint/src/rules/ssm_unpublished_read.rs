//! ## What it does
//! Checks that every SSM parameter a stack reads is published by some stack of the linted set,
//! comparing names after evaluation. Reads are `data "aws_ssm_parameter"` (`name`),
//! `data "aws_ssm_parameters_by_path"` (`path`, `recursive`, default false) and the
//! `nextstack_ssm_parameters` data source and ephemeral resource (`names`, or `path` +
//! `recursive`, default true). Publishes are
//! `resource "aws_ssm_parameter"` (`name`) and `resource "nextstack_ssm_parameters"`
//! (`path_prefix` + each key of `values`, `secure_values` and `secure_values_wo`). The message
//! names the closest published name.
//!
//! ## Why is this bad?
//! Stacks are coupled only through SSM names, so a typo or a renamed parameter is not caught by
//! `terraform validate` or `plan` of either stack: the reader fails at deploy time, or worse, in
//! another environment where a stale parameter of that name still exists.
//!
//! ## Example
//! ```hcl
//! # networking/
//! resource "aws_ssm_parameter" "alb" {
//!   name  = "/nextjs/prod/alb-dns-name"
//!   type  = "String"
//!   value = aws_lb.this.dns_name
//! }
//! # edge/
//! data "aws_ssm_parameter" "alb" {
//!   name = "/nextjs/prod/alb-dns"
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! data "aws_ssm_parameter" "alb" {
//!   name = "/nextjs/prod/alb-dns-name"
//! }
//! ```
//!
//! ## Known blind spots
//! AWS public parameters (`/aws/service/...`, `/aws/reference/...`) are taken as published.
//! Parameters created outside the linted set (by hand, by another tool) are reported; lint the
//! whole layout at once or suppress with a reason. A read whose name is unknown, or any publish
//! whose name is unknown, makes the unmatched read "cannot verify"; a name built from a template
//! with one unknown part is wholly unknown. Reads by ARN (a shared parameter of another account,
//! `ephemeral "aws_ssm_parameter"`) are not modelled.
//!
//! ## References
//! - [GetParametersByPath](https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html)

use super::{Outcome, RuleContext};
use crate::eval::EvalBlock;
use crate::model::ReadTarget;

pub fn check(ctx: &RuleContext) {
    let unknown_publish = ctx.model.has_unknown_publish();
    for r in &ctx.model.reads {
        if ctx.model.publishers(&r.target).next().is_some() {
            continue;
        }
        // AWS's public parameters (AMI ids, service versions) are published by AWS.
        if let ReadTarget::Name(n) | ReadTarget::Path { path: n, .. } = &r.target {
            if n.starts_with("/aws/service/") || n.starts_with("/aws/reference/") {
                continue;
            }
        }
        let block = EvalBlock {
            ident: String::new(),
            name: String::new(),
            span: r.anchor.clone(),
            head_span: r.anchor.clone(),
            attrs: Default::default(),
            blocks: vec![],
            maybe: false,
        };
        let (what, shown) = match &r.target {
            ReadTarget::Name(n) => ("parameter", n.clone()),
            ReadTarget::Path { path, recursive: true } => ("path", path.clone()),
            ReadTarget::Path { path, recursive: false } => ("path (not recursive)", path.clone()),
            ReadTarget::Unknown => {
                ctx.report(
                    r.inst,
                    &block,
                    r.span.clone(),
                    Outcome::Unknown,
                    "the SSM name read here is not known statically",
                    None,
                );
                continue;
            }
        };
        let closest = ctx
            .model
            .closest(&shown)
            .map(|c| format!("; the closest published name is `{c}`"))
            .unwrap_or_else(|| "; no stack publishes any parameter".into());
        let outcome = if unknown_publish {
            Outcome::Unknown
        } else {
            Outcome::Fail
        };
        ctx.report(
            r.inst,
            &block,
            r.span.clone(),
            outcome,
            format!(
                "SSM {what} `{shown}` is read but no linted stack publishes {}{closest}",
                if matches!(r.target, ReadTarget::Name(_)) {
                    "it"
                } else {
                    "a parameter under it"
                }
            ),
            Some(
                "publish it with aws_ssm_parameter / nextstack_ssm_parameters in the producing stack, or fix the name",
            ),
        );
    }
}
