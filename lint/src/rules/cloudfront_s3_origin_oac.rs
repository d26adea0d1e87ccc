//! ## What it does
//! Checks that S3 origins of an `aws_cloudfront_distribution` use origin access control
//! (`origin_access_control_id`) and never an origin access identity
//! (`s3_origin_config { origin_access_identity = ... }`).
//!
//! ## Why is this bad?
//! Origin access identities are deprecated: they do not support SSE-KMS, newer regions or
//! dynamic requests (PUT/POST), and AWS recommends migrating to OAC. An S3 origin with neither
//! needs a public bucket.
//!
//! ## Example
//! ```hcl
//! origin {
//!   domain_name = aws_s3_bucket.assets.bucket_regional_domain_name
//!   origin_id   = "assets"
//!   s3_origin_config {
//!     origin_access_identity = aws_cloudfront_origin_access_identity.assets.cloudfront_access_identity_path
//!   }
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! origin {
//!   domain_name              = aws_s3_bucket.assets.bucket_regional_domain_name
//!   origin_id                = "assets"
//!   origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
//! }
//! ```
//!
//! ## Known blind spots
//! An origin is S3 when it has `s3_origin_config`, or its domain is an `aws_s3_bucket` domain
//! attribute or ends in `.amazonaws.com` with `.s3`; S3 website endpoints are custom origins and
//! are checked by `cloudfront-origin-verify` instead.
//!
//! ## References
//! - [Restricting access to an Amazon S3 origin](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

fn is_s3_domain(ctx: &RuleContext, v: &Value) -> Option<bool> {
    match ctx.model.resolve(ctx.ev, v) {
        Value::String(s) => {
            Some(s.contains(".s3.") && s.ends_with(".amazonaws.com") || s.ends_with(".s3.amazonaws.com"))
        }
        Value::Ref(r) => Some(r.addr.ty == "aws_s3_bucket" && r.attr.contains("domain_name")),
        _ => None,
    }
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        for o in hit.block.blocks("origin") {
            if o.blocks("custom_origin_config").next().is_some() {
                continue;
            }
            let id = o
                .value("origin_id")
                .as_str()
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            let s3cfg = o.blocks("s3_origin_config").next();
            if let Some(cfg) = s3cfg {
                match cfg.value("origin_access_identity") {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    v if v.is_unknown() && !matches!(v, Value::Ref(_)) => {
                        ctx.report(
                            hit.inst,
                            hit.block,
                            cfg.span_of("origin_access_identity"),
                            Outcome::Unknown,
                            format!("origin_access_identity of S3 origin{id} is not known statically"),
                            None,
                        );
                        continue;
                    }
                    _ => {
                        ctx.report(
                            hit.inst,
                            hit.block,
                            cfg.span_of("origin_access_identity"),
                            Outcome::Fail,
                            format!(
                                "S3 origin{id} of aws_cloudfront_distribution.{} uses an origin access identity",
                                hit.block.name
                            ),
                            Some("use an aws_cloudfront_origin_access_control and set origin_access_control_id"),
                        );
                        continue;
                    }
                }
            } else {
                match is_s3_domain(ctx, &o.value("domain_name")) {
                    Some(true) => {}
                    Some(false) | None => continue,
                }
            }
            match o.value("origin_access_control_id") {
                Value::Null => ctx.report(
                    hit.inst,
                    hit.block,
                    o.head_span.clone(),
                    Outcome::Fail,
                    format!(
                        "S3 origin{id} of aws_cloudfront_distribution.{} has no origin_access_control_id",
                        hit.block.name
                    ),
                    Some("set origin_access_control_id to an aws_cloudfront_origin_access_control"),
                ),
                Value::String(s) if s.is_empty() => ctx.report(
                    hit.inst,
                    hit.block,
                    o.span_of("origin_access_control_id"),
                    Outcome::Fail,
                    format!("S3 origin{id} has an empty origin_access_control_id"),
                    None,
                ),
                _ => {}
            }
        }
    });
}
