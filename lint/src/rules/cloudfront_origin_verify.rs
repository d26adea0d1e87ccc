//! ## What it does
//! Checks that the ALB can be reached only through CloudFront:
//! - every custom origin of an `aws_cloudfront_distribution` (an `origin` with
//!   `custom_origin_config`), other than an API Gateway endpoint, carries a `custom_header`
//!   (the origin-verify secret, e.g. `X-CloudFront-Origin`);
//! - every listener of an internet-facing application load balancer does not forward by default:
//!   its `default_action` is a `fixed-response` (or a `redirect`), and a fixed-response listener
//!   has an `aws_lb_listener_rule` whose `condition` matches an `http_header`.
//!
//! ## Why is this bad?
//! An ALB's DNS name is public. If it forwards whatever reaches it, clients can skip CloudFront
//! and, with it, the CloudFront WAF, caching and geo rules. A secret header that CloudFront adds
//! and the ALB requires closes that path.
//!
//! ## Example
//! ```hcl
//! resource "aws_lb_listener" "http" {
//!   load_balancer_arn = aws_lb.public.arn
//!   port              = 80
//!   default_action {
//!     type             = "forward"
//!     target_group_arn = aws_lb_target_group.app.arn
//!   }
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_lb_listener" "http" {
//!   load_balancer_arn = aws_lb.public.arn
//!   port              = 80
//!   default_action {
//!     type = "fixed-response"
//!     fixed_response {
//!       content_type = "text/plain"
//!       status_code  = "403"
//!     }
//!   }
//! }
//! resource "aws_lb_listener_rule" "from_cloudfront" {
//!   listener_arn = aws_lb_listener.http.arn
//!   action {
//!     type             = "forward"
//!     target_group_arn = aws_lb_target_group.app.arn
//!   }
//!   condition {
//!     http_header {
//!       http_header_name = "X-CloudFront-Origin"
//!       values           = [var.origin_verify_secret]
//!     }
//!   }
//! }
//! ```
//!
//! ## Known blind spots
//! Listeners whose `load_balancer_arn` cannot be followed to an `aws_lb` of the linted set are
//! skipped, as are security-group based restrictions (the CloudFront managed prefix list), which
//! this rule does not credit.
//!
//! ## References
//! - [Restricting access to Application Load Balancers](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html)

use super::{truthy, Outcome, RuleContext};
use crate::value::{ResAddr, Value};

fn is_api_gateway(ctx: &RuleContext, v: &Value) -> bool {
    match ctx.model.resolve(ctx.ev, v) {
        Value::String(s) => s.contains(".execute-api.") || s.contains("execute-api"),
        Value::Ref(r) => r.addr.ty.starts_with("aws_api_gateway") || r.addr.ty.starts_with("aws_apigatewayv2"),
        _ => false,
    }
}

fn same(a: &ResAddr, inst: usize, decl: usize) -> bool {
    a.inst == inst && a.decl == decl
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        for o in hit.block.blocks("origin") {
            if o.blocks("custom_origin_config").next().is_none() || is_api_gateway(ctx, &o.value("domain_name")) {
                continue;
            }
            let has_header = o.blocks("custom_header").any(|h| !h.value("name").is_null() && !h.value("value").is_null());
            if has_header {
                continue;
            }
            let id = o.value("origin_id").as_str().map(|s| format!(" `{s}`")).unwrap_or_default();
            if o.maybe || o.blocks("custom_header").any(|h| h.maybe) {
                ctx.report(hit.inst, hit.block, o.head_span.clone(), Outcome::Unknown, format!("whether custom origin{id} carries a custom_header is not known statically"), None);
            } else {
                ctx.report(
                    hit.inst,
                    hit.block,
                    o.head_span.clone(),
                    Outcome::Fail,
                    format!("custom origin{id} of aws_cloudfront_distribution.{} sends no origin-verify custom_header", hit.block.name),
                    Some("add `custom_header { name = \"X-CloudFront-Origin\", value = <secret> }` and require it on the ALB"),
                );
            }
        }
    });

    let mut rules = Vec::new();
    for ty in ["aws_lb_listener_rule", "aws_alb_listener_rule"] {
        ctx.each(ty, |hit| {
            if let Value::Ref(r) = ctx.model.resolve(ctx.ev, &hit.block.value("listener_arn")) {
                let header = hit
                    .block
                    .blocks("condition")
                    .any(|c| c.blocks("http_header").next().is_some());
                rules.push((r.addr.clone(), header));
            }
        });
    }
    for lb_ty in ["aws_lb", "aws_alb"] {
        for (lb_inst, lb_decl, lbs) in ctx.resources("resource", lb_ty) {
            let Some((_, lb)) = lbs.items.first() else { continue };
            match lb.value("load_balancer_type").as_str() {
                None | Some("application") => {}
                Some(_) => continue,
            }
            match truthy(&lb.value("internal")) {
                Some(true) => continue,
                Some(false) => {}
                None => {
                    ctx.report(
                        lb_inst,
                        lb,
                        lb.span_of("internal"),
                        Outcome::Unknown,
                        format!("whether {lb_ty}.{} is internet-facing is not known statically", lb.name),
                        None,
                    );
                    continue;
                }
            }
            for l_ty in ["aws_lb_listener", "aws_alb_listener"] {
                ctx.each(l_ty, |hit| {
                    let Value::Ref(r) = ctx.model.resolve(ctx.ev, &hit.block.value("load_balancer_arn")) else { return };
                    if !same(&r.addr, lb_inst, lb_decl) {
                        return;
                    }
                    let l = hit.block;
                    let Some(da) = l.blocks("default_action").next() else { return };
                    match da.value("type").as_str() {
                        Some("redirect") => {}
                        Some("fixed-response") => {
                            let ok = rules.iter().any(|(a, h)| *h && same(a, hit.inst, hit.decl));
                            if !ok {
                                ctx.report(
                                    hit.inst,
                                    l,
                                    l.head_span.clone(),
                                    Outcome::Fail,
                                    format!("{l_ty}.{} has no aws_lb_listener_rule matching the origin-verify header", l.name),
                                    Some("add an aws_lb_listener_rule with `condition { http_header { ... } }` that forwards to the target group"),
                                );
                            }
                        }
                        Some(t) => ctx.report(
                            hit.inst,
                            l,
                            da.span_of("type"),
                            Outcome::Fail,
                            format!("{l_ty}.{} of internet-facing {lb_ty}.{} does `{t}` by default, so clients can bypass CloudFront", l.name, lb.name),
                            Some("make the default action a 403 fixed-response and forward only in a listener rule that matches the CloudFront secret header"),
                        ),
                        None => ctx.report(hit.inst, l, da.span_of("type"), Outcome::Unknown, format!("the default action of {l_ty}.{} is not known statically", l.name), None),
                    }
                });
            }
        }
    }
}
