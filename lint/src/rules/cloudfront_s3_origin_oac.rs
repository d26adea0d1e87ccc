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
//! are checked by `cloudfront-origin-verify` instead. An origin without `custom_origin_config`
//! whose domain is unknown statically (a variable, an SSM parameter no linted stack publishes)
//! and that has no `origin_access_control_id` is "cannot verify". Any reference counts as an
//! origin access control id; the rule does not check that it names an
//! `aws_cloudfront_origin_access_control` of origin type `s3`.
//!
//! ## References
//! - [Restricting access to an Amazon S3 origin](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html)

use super::{Outcome, RuleContext};
use crate::value::Value;

/// Whether an origin domain is an S3 REST endpoint; `None` when it cannot be known.
fn is_s3_domain(ctx: &RuleContext, v: &Value) -> Option<bool> {
    match ctx.model.resolve(ctx.ev, v) {
        Value::String(s) => {
            Some(s.contains(".s3.") && s.ends_with(".amazonaws.com") || s.ends_with(".s3.amazonaws.com"))
        }
        Value::Ref(r) if r.addr.ty == "aws_s3_bucket" => Some(r.attr.contains("domain_name")),
        // An SSM parameter that no linted stack publishes may hold any domain.
        Value::Ref(r) if r.addr.ty == "aws_ssm_parameter" || r.addr.ty == "nextstack_ssm_parameters" => None,
        Value::Ref(_) => Some(false),
        _ => None,
    }
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        let dist = &hit.block.name;
        for o in hit.block.blocks("origin") {
            let custom: Vec<_> = o.blocks("custom_origin_config").collect();
            if custom.iter().any(|c| !c.maybe) {
                continue;
            }
            let id = o
                .value("origin_id")
                .as_str()
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            // Blocks from a dynamic block with an unknown for_each may not exist: what would be a
            // failure there is "cannot verify".
            let certain = !o.maybe && custom.is_empty();
            let s3cfg = o.blocks("s3_origin_config").next();
            let is_s3 = match s3cfg {
                Some(cfg) => {
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
                            let msg = format!(
                                "S3 origin{id} of aws_cloudfront_distribution.{dist} uses an origin access identity"
                            );
                            if certain && !cfg.maybe {
                                ctx.report(
                                    hit.inst,
                                    hit.block,
                                    cfg.span_of("origin_access_identity"),
                                    Outcome::Fail,
                                    msg,
                                    Some(
                                        "use an aws_cloudfront_origin_access_control and set origin_access_control_id",
                                    ),
                                );
                            } else {
                                ctx.report(
                                    hit.inst,
                                    hit.block,
                                    cfg.span_of("origin_access_identity"),
                                    Outcome::Unknown,
                                    format!("{msg}, if the origin exists (its dynamic block's for_each is unknown)"),
                                    None,
                                );
                            }
                            continue;
                        }
                    }
                    if cfg.maybe {
                        None
                    } else {
                        Some(true)
                    }
                }
                None => is_s3_domain(ctx, &o.value("domain_name")),
            };
            if is_s3 == Some(false) {
                continue;
            }
            let oac = o.value("origin_access_control_id");
            let missing = match &oac {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                // A reference to an origin access control, or a value it resolves to at apply.
                Value::Ref(_) => false,
                v if v.is_unknown() => {
                    ctx.report(
                        hit.inst,
                        hit.block,
                        o.span_of("origin_access_control_id"),
                        Outcome::Unknown,
                        format!("origin_access_control_id of origin{id} is not known statically"),
                        None,
                    );
                    continue;
                }
                _ => false,
            };
            if !missing {
                continue;
            }
            let span = if oac.is_null() {
                o.head_span.clone()
            } else {
                o.span_of("origin_access_control_id")
            };
            if is_s3 == Some(true) && certain {
                ctx.report(
                    hit.inst,
                    hit.block,
                    span,
                    Outcome::Fail,
                    format!("S3 origin{id} of aws_cloudfront_distribution.{dist} has no origin_access_control_id"),
                    Some("set origin_access_control_id to an aws_cloudfront_origin_access_control"),
                );
            } else {
                let why = if is_s3.is_none() {
                    "its domain is not known statically, so it may be an S3 bucket"
                } else {
                    "whether the origin exists is not known statically"
                };
                ctx.report(
                    hit.inst,
                    hit.block,
                    span,
                    Outcome::Unknown,
                    format!(
                        "origin{id} of aws_cloudfront_distribution.{dist} has no origin_access_control_id and {why}"
                    ),
                    None,
                );
            }
        }
    });
}
