//! ## What it does
//! Reports every `terraform_remote_state` and `tfe_outputs` data source, in any module.
//!
//! ## Why is this bad?
//! Reading another stack's state couples the two states: the reader needs read access to the
//! whole state (secrets included), breaks when the producer renames an output or moves its
//! backend, and refactoring the producer means changing every consumer first, the "stack locked"
//! problem of CloudFormation exports. Stacks publish what others need as SSM parameters and read
//! them by name.
//!
//! ## Example
//! ```hcl
//! data "terraform_remote_state" "network" {
//!   backend = "s3"
//!   config  = { bucket = "state", key = "network.tfstate", region = "eu-west-1" }
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! data "aws_ssm_parameter" "alb_dns_name" {
//!   name = "/nextjs/${var.environment}/alb-dns-name"
//! }
//! ```
//!
//! ## Known blind spots
//! The check needs no evaluation, so it also covers modules nobody calls. Other ways of reading
//! another stack's state (Terragrunt `dependency` blocks, a `data "http"` or `data "external"`
//! against the state backend) are not recognised.
//!
//! ## References
//! - [SSM Parameter Store](https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-parameter-store.html)

use super::{Outcome, RuleContext};
use crate::eval::EvalBlock;
use crate::source::Span;

pub fn check(ctx: &RuleContext) {
    for (m, module) in ctx.ev.project.modules.iter().enumerate() {
        for decl in &module.resources {
            if decl.mode != "data" || !matches!(decl.ty.as_str(), "terraform_remote_state" | "tfe_outputs") {
                continue;
            }
            let head = Span::new(decl.file, decl.block.head_span.clone());
            let block = EvalBlock {
                ident: decl.ty.clone(),
                name: decl.name.clone(),
                span: Span::new(decl.file, decl.block.span.clone()),
                head_span: head.clone(),
                attrs: Default::default(),
                blocks: vec![],
                maybe: false,
            };
            // An instance of the module, when there is one, for the call chain.
            let inst = (0..ctx.ev.instance_count())
                .find(|i| ctx.ev.instance(*i).module == m)
                .unwrap_or(usize::MAX);
            let inst = if inst == usize::MAX { None } else { Some(inst) };
            let msg = format!(
                "data.{}.{} reads another stack's state; publish and read SSM parameters instead",
                decl.ty, decl.name
            );
            let help = Some("publish the value with aws_ssm_parameter (or nextstack_ssm_parameters) and read it with data \"aws_ssm_parameter\"");
            match inst {
                Some(i) => ctx.report(i, &block, head, Outcome::Fail, msg, help),
                None => ctx.report_unattached(&block, head, msg, help),
            }
        }
    }
}
