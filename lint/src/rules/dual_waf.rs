//! ## What it does
//! Checks that both public entry points sit behind a WAF of the right scope (the architecture's
//! two WAFs):
//! - every `aws_cloudfront_distribution` has a `web_acl_id` that resolves to an
//!   `aws_wafv2_web_acl` of scope `CLOUDFRONT` (directly, through module outputs, or through an
//!   SSM parameter another stack publishes, read with `data "aws_ssm_parameter"` or as
//!   `values["/full/name"]` of `nextstack_ssm_parameters`);
//! - every `aws_api_gateway_stage` is the `resource_arn` of an `aws_wafv2_web_acl_association`
//!   whose ACL has scope `REGIONAL`;
//! - an `aws_apigatewayv2_api` with `protocol_type = "HTTP"`, which WAF cannot protect, sets
//!   `disable_execute_api_endpoint = true` (so it is reachable only through CloudFront).
//!
//! ## Why is this bad?
//! The API Gateway endpoint is reachable directly at its `execute-api` domain, bypassing
//! CloudFront and its WAF. Without a regional WAF on the API (or with the default endpoint of an
//! HTTP API left on), rate limits and managed rule groups protect only the edge path.
//!
//! ## Example
//! ```hcl
//! resource "aws_cloudfront_distribution" "site" {
//!   # no web_acl_id
//! }
//! resource "aws_apigatewayv2_api" "api" {
//!   name          = "api"
//!   protocol_type = "HTTP"
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_wafv2_web_acl" "edge" {
//!   scope = "CLOUDFRONT"
//!   # ...
//! }
//! resource "aws_cloudfront_distribution" "site" {
//!   web_acl_id = aws_wafv2_web_acl.edge.arn
//! }
//! resource "aws_apigatewayv2_api" "api" {
//!   name                         = "api"
//!   protocol_type                = "HTTP"
//!   disable_execute_api_endpoint = true
//! }
//! ```
//!
//! ## Known blind spots
//! A literal WAF ARN is judged by its `global/` or `regional/` part. An ACL or association made
//! outside the linted set, or an ARN that cannot be followed (an output of a registry module),
//! is "cannot verify". A stage created implicitly by `aws_api_gateway_deployment { stage_name }`
//! is not seen, and a `web_acl_id` that refers to the ACL's `id` instead of its `arn` is taken
//! as the ACL.
//!
//! ## References
//! - [AWS WAF: protecting API Gateway](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

/// `Some(scope)` of the web ACL a value refers to, `None` when it cannot be followed.
fn acl_scope(ctx: &RuleContext, v: &Value) -> Result<Option<String>, String> {
    match ctx.model.resolve(ctx.ev, v) {
        Value::Null => Err("no web ACL".into()),
        Value::String(s) if s.is_empty() => Err("no web ACL".into()),
        Value::String(s) => {
            if s.contains(":global/webacl/") {
                Ok(Some("CLOUDFRONT".into()))
            } else if s.contains(":regional/webacl/") {
                Ok(Some("REGIONAL".into()))
            } else {
                Ok(None)
            }
        }
        // A resource, or a data source looked up by name and scope.
        Value::Ref(r) if r.addr.ty == "aws_wafv2_web_acl" => {
            let Some(b) = ctx.deref(&r) else { return Ok(None) };
            Ok(b.value("scope").as_str().map(str::to_string))
        }
        Value::Ref(r) if r.addr.ty == "aws_waf_web_acl" => Ok(Some("CLOUDFRONT (WAF Classic)".into())),
        _ => Ok(None),
    }
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        let b = hit.block;
        let span = b.span_of("web_acl_id");
        match acl_scope(ctx, &b.value("web_acl_id")) {
            Err(_) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!("aws_cloudfront_distribution.{} has no web_acl_id", b.name),
                Some("attach an aws_wafv2_web_acl with scope = \"CLOUDFRONT\""),
            ),
            Ok(Some(s)) if s.starts_with("CLOUDFRONT") => {}
            Ok(Some(s)) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!(
                    "the web ACL of aws_cloudfront_distribution.{} has scope {s}, not CLOUDFRONT",
                    b.name
                ),
                None,
            ),
            Ok(None) => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!(
                    "the web ACL of aws_cloudfront_distribution.{} cannot be followed to its scope",
                    b.name
                ),
                None,
            ),
        }
    });

    // Associations: (target of resource_arn, scope of web_acl_arn).
    let mut assocs = Vec::new();
    let mut unknown_assoc = false;
    ctx.each("aws_wafv2_web_acl_association", |hit| {
        let target = ctx.model.resolve(ctx.ev, &hit.block.value("resource_arn"));
        let scope = acl_scope(ctx, &hit.block.value("web_acl_arn")).ok().flatten();
        match target {
            Value::Ref(r) => assocs.push((r.addr.clone(), scope)),
            _ => unknown_assoc = true,
        }
    });
    ctx.each("aws_api_gateway_stage", |hit| {
        let b = hit.block;
        let mine: Vec<&Option<String>> = assocs.iter().filter(|(a, _)| a.inst == hit.inst && a.decl == hit.decl).map(|(_, s)| s).collect();
        if mine.iter().any(|s| s.as_deref() == Some("REGIONAL")) {
            return;
        }
        if mine.iter().any(|s| s.is_none()) || (mine.is_empty() && unknown_assoc) {
            ctx.report(hit.inst, b, b.head_span.clone(), Outcome::Unknown, format!("whether aws_api_gateway_stage.{} has a REGIONAL web ACL is not known statically", b.name), None);
            return;
        }
        let msg = if mine.is_empty() {
            format!("aws_api_gateway_stage.{} is not the resource_arn of any aws_wafv2_web_acl_association", b.name)
        } else {
            format!("the web ACL associated with aws_api_gateway_stage.{} does not have scope REGIONAL", b.name)
        };
        ctx.report(hit.inst, b, b.head_span.clone(), Outcome::Fail, msg, Some("add an aws_wafv2_web_acl with scope = \"REGIONAL\" and an aws_wafv2_web_acl_association with resource_arn = this stage's arn"));
    });
    ctx.each("aws_apigatewayv2_api", |hit| {
        let b = hit.block;
        match b.value("protocol_type") {
            Value::String(s) if &*s == "HTTP" => {}
            Value::String(_) => return,
            v if v.is_unknown() => {
                ctx.report(
                    hit.inst,
                    b,
                    b.span_of("protocol_type"),
                    Outcome::Unknown,
                    format!(
                        "protocol_type of aws_apigatewayv2_api.{} is not known statically",
                        b.name
                    ),
                    None,
                );
                return;
            }
            _ => return,
        }
        match super::truthy(&b.value("disable_execute_api_endpoint")) {
            Some(true) => {}
            Some(false) => ctx.report(
                hit.inst,
                b,
                b.span_of("disable_execute_api_endpoint"),
                Outcome::Fail,
                format!(
                    "HTTP API aws_apigatewayv2_api.{} cannot have a WAF and keeps its execute-api endpoint open",
                    b.name
                ),
                Some("set `disable_execute_api_endpoint = true` and reach the API only through CloudFront"),
            ),
            None => ctx.report(
                hit.inst,
                b,
                b.span_of("disable_execute_api_endpoint"),
                Outcome::Unknown,
                format!(
                    "disable_execute_api_endpoint of aws_apigatewayv2_api.{} is not known statically",
                    b.name
                ),
                None,
            ),
        }
    });
}
