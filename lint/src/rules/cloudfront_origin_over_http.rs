//! ## What it does
//! Checks that no CloudFront custom origin sends a shared-secret header over plain HTTP. A
//! custom origin (an `origin` with `custom_origin_config`) of an `aws_cloudfront_distribution`
//! whose `origin_protocol_policy` is `http-only`, or `match-viewer` while a cache behavior that
//! reaches it has `viewer_protocol_policy = "allow-all"`, must carry no secret `custom_header`.
//!
//! A header carries a secret when its name matches one of the configured patterns, or when its
//! value comes from a secret: the `secure_values` of `nextstack_ssm_parameters`, the `value` of a
//! `data "aws_ssm_parameter"`, the `result` of a `random_password`, the `secret_string` of an
//! `aws_secretsmanager_secret_version`, or anything ephemeral. Names and values are followed
//! through SSM parameters published by other linted stacks. The patterns are globs matched
//! without regard to case; the defaults are `x-origin-verify`, `x-cloudfront-origin` (the header
//! the `cloudfront-origin-verify` rule suggests), `*secret*`, `*verify*`, `*token*` and `*auth*`.
//! `.nextstack-lint.toml` replaces them:
//!
//! ```toml
//! [cloudfront-origin-over-http]
//! secret_headers = ["x-origin-verify", "x-my-edge-key"]
//! ```
//!
//! A `vpc_origin_config` origin (CloudFront VPC origins) is not checked: CloudFront reaches the
//! private load balancer inside the AWS network, not across the internet.
//!
//! ## Why is this bad?
//! The origin-verification header is what keeps clients from bypassing CloudFront and its WAF.
//! Sent over HTTP, it crosses the internet in clear, beside every cookie and form post of the
//! request: anyone on the path can read it and then call the origin directly, so the header
//! protects nothing. `match-viewer` uses HTTP towards the origin whenever the viewer did.
//!
//! ## Example
//! ```hcl
//! origin {
//!   origin_id   = "app"
//!   domain_name = aws_lb.public.dns_name
//!   custom_origin_config {
//!     http_port              = 80
//!     https_port             = 443
//!     origin_protocol_policy = "http-only"
//!     origin_ssl_protocols   = ["TLSv1.2"]
//!   }
//!   custom_header {
//!     name  = "X-Origin-Verify"
//!     value = var.origin_secret
//!   }
//! }
//! ```
//!
//! Use instead:
//!
//! An HTTPS listener on the origin, with a certificate for the origin's domain:
//! ```hcl
//! origin {
//!   origin_id   = "app"
//!   domain_name = "origin.example.com"
//!   custom_origin_config {
//!     http_port              = 80
//!     https_port             = 443
//!     origin_protocol_policy = "https-only"
//!     origin_ssl_protocols   = ["TLSv1.2"]
//!   }
//!   custom_header {
//!     name  = "X-Origin-Verify"
//!     value = var.origin_secret
//!   }
//! }
//! ```
//!
//! Or a CloudFront VPC origin (`vpc_origin_config`) in front of an internal load balancer, which
//! has no public address (the header is then optional, as defence in depth).
//!
//! ## Known blind spots
//! A protocol policy that is not known statically, or `match-viewer` with a viewer policy or a
//! target origin that is not, on an origin with a secret header is "cannot verify", as is such an
//! origin with a header whose name and value are both unknown (a name read from a variable, say)
//! or whose `custom_header` comes from a `dynamic` block with an unknown `for_each`. A secret
//! built into a string (`"Bearer ${var.token}"`) under a name that matches no pattern is not
//! recognised. The rule does not check the origin's side: a load balancer that also listens on
//! HTTP, or a certificate that does not match the origin's domain.
//!
//! ## References
//! - [Origin protocol policy](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOriginProtocolPolicy)
//! - [Require HTTPS for communication between CloudFront and your custom origin](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-custom-origin.html)
//! - [Restrict access with VPC origins](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html)

use super::{Outcome, RuleContext, Verdict};
use crate::eval::EvalBlock;
use crate::value::Value;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// The header-name patterns used when `.nextstack-lint.toml` sets none.
pub const DEFAULT_SECRET_HEADERS: &[&str] = &[
    "x-origin-verify",
    "x-cloudfront-origin",
    "*secret*",
    "*verify*",
    "*token*",
    "*auth*",
];

/// Glob patterns of header names that carry a shared secret, matched without regard to case.
#[derive(Debug, Clone)]
pub struct SecretHeaders {
    patterns: Vec<String>,
    set: GlobSet,
}

impl SecretHeaders {
    /// The set of `patterns`; `Err((pattern, reason))` names the first one that is not a glob.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<SecretHeaders, (String, String)> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            let p = p.as_ref();
            let glob = GlobBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| (p.to_string(), e.to_string()))?;
            b.add(glob);
        }
        let set = b.build().map_err(|e| (String::new(), e.to_string()))?;
        Ok(SecretHeaders {
            patterns: patterns.iter().map(|p| p.as_ref().to_string()).collect(),
            set,
        })
    }

    pub fn matches(&self, header: &str) -> bool {
        self.set.is_match(header)
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

impl Default for SecretHeaders {
    fn default() -> Self {
        // The defaults are valid globs (the unit tests build them).
        SecretHeaders::new(DEFAULT_SECRET_HEADERS).unwrap_or_else(|_| SecretHeaders {
            patterns: vec![],
            set: GlobSet::empty(),
        })
    }
}

/// Whether a value comes from a secret (see the rule's documentation); `false` when not known to.
fn secret_source(v: &Value) -> bool {
    v.candidates().iter().any(|c| match c {
        Value::Ref(r) => {
            r.addr.mode == "ephemeral"
                || matches!(
                    (r.addr.mode, r.addr.ty.as_str(), r.attr.as_str()),
                    (_, "nextstack_ssm_parameters", "secure_values")
                        | ("data", "aws_ssm_parameter", "value")
                        | ("resource", "random_password", "result" | "bcrypt_hash")
                        | (_, "aws_secretsmanager_secret_version", "secret_string")
                )
        }
        _ => false,
    })
}

/// What one `custom_header` says: a secret header (its name, for the message), not one, or not known.
#[derive(Debug, Clone, PartialEq)]
enum Header {
    Secret(String),
    Plain,
    Unknown,
}

fn header(ctx: &RuleContext, h: &EvalBlock) -> Header {
    let raw_value = h.value("value");
    let value_secret = secret_source(&raw_value) || secret_source(&ctx.model.resolve(ctx.ev, &raw_value));
    let name = ctx.model.resolve(ctx.ev, &h.value("name"));
    let names: Vec<&str> = name.candidates().iter().filter_map(Value::as_str).collect();
    let verdict = match names.iter().find(|n| ctx.config.secret_headers.matches(n)) {
        Some(n) => Header::Secret(format!("`{n}`")),
        None if value_secret => match names.first() {
            Some(n) => Header::Secret(format!("`{n}`")),
            None => Header::Secret("whose value is a secret".into()),
        },
        // Every name it may have is known and none looks like a secret.
        None if names.len() == name.candidates().len() => Header::Plain,
        None => Header::Unknown,
    };
    match verdict {
        // A header of a dynamic block with an unknown for_each may not exist.
        Header::Secret(_) if h.maybe => Header::Unknown,
        v => v,
    }
}

/// Whether a behavior may send requests to the origin `id` (or to a group holding it).
fn targets(b: &EvalBlock, id: Option<&str>, groups: &[(Option<String>, Vec<Option<String>>)]) -> Verdict {
    let target = b.value("target_origin_id");
    let (Some(t), Some(id)) = (target.as_str(), id) else {
        return Verdict::Unknown;
    };
    if t == id {
        return Verdict::Pass;
    }
    let mut unknown = false;
    for (g, members) in groups {
        match g.as_deref() {
            Some(g) if g == t => {}
            Some(_) => continue,
            None => {
                unknown = true;
                continue;
            }
        }
        if members.iter().any(|m| m.as_deref() == Some(id)) {
            return Verdict::Pass;
        }
        unknown |= members.iter().any(Option::is_none);
    }
    if unknown {
        Verdict::Unknown
    } else {
        Verdict::Fail
    }
}

/// Whether CloudFront may talk HTTP to an origin under `match-viewer`: `Fail` when a behavior
/// that reaches it admits HTTP viewers, `Pass` when none does.
fn viewer_http(dist: &EvalBlock, id: Option<&str>) -> Verdict {
    let groups: Vec<(Option<String>, Vec<Option<String>>)> = dist
        .blocks("origin_group")
        .map(|g| {
            let members = g
                .blocks("member")
                .map(|m| m.value("origin_id").as_str().map(str::to_string))
                .collect();
            (g.value("origin_id").as_str().map(str::to_string), members)
        })
        .collect();
    let mut verdicts = Vec::new();
    for b in dist
        .blocks("default_cache_behavior")
        .chain(dist.blocks("ordered_cache_behavior"))
    {
        let reaches = targets(b, id, &groups);
        if reaches == Verdict::Fail {
            continue;
        }
        let policy = b.value("viewer_protocol_policy");
        let http = super::judge_candidates(&policy, |p| match p.as_str() {
            Some("allow-all") => Verdict::Fail,
            Some(_) => Verdict::Pass,
            None => Verdict::Unknown,
        });
        verdicts.push(match (reaches, http, b.maybe) {
            (_, Verdict::Pass, _) => Verdict::Pass,
            (Verdict::Pass, Verdict::Fail, false) => Verdict::Fail,
            _ => Verdict::Unknown,
        });
    }
    if verdicts.contains(&Verdict::Fail) {
        Verdict::Fail
    } else if verdicts.contains(&Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Pass
    }
}

/// Whether the origin's protocol policy sends HTTP: `Fail` for `http-only` (and `match-viewer`
/// with HTTP viewers), `Pass` for `https-only`.
fn protocol(policy: &Value, dist: &EvalBlock, id: Option<&str>) -> Verdict {
    super::judge_candidates(policy, |p| match p.as_str() {
        Some("http-only") => Verdict::Fail,
        Some("match-viewer") => viewer_http(dist, id),
        Some(_) => Verdict::Pass,
        None => Verdict::Unknown,
    })
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        let dist = hit.block;
        for o in dist.blocks("origin") {
            let Some(custom) = o.blocks("custom_origin_config").next() else {
                continue;
            };
            let headers: Vec<Header> = o.blocks("custom_header").map(|h| header(ctx, h)).collect();
            let secret = headers.iter().find_map(|h| match h {
                Header::Secret(n) => Some(n.clone()),
                _ => None,
            });
            if secret.is_none() && !headers.contains(&Header::Unknown) {
                continue;
            }
            let id = o.value("origin_id");
            let id = id.as_str();
            let policy = custom.value("origin_protocol_policy");
            let http = protocol(&policy, dist, id);
            if http == Verdict::Pass {
                continue;
            }
            // An origin of a dynamic block whose for_each is unknown is its content, evaluated
            // once for every element: what fails there fails for every origin the block makes.
            let label = format!(
                "origin{} of aws_cloudfront_distribution.{}{}",
                id.map(|s| format!(" `{s}`")).unwrap_or_default(),
                dist.name,
                if o.maybe { " (every origin its dynamic block makes)" } else { "" }
            );
            let span = custom.span_of("origin_protocol_policy");
            let how = match policy.as_str() {
                Some("match-viewer") if http == Verdict::Fail => {
                    "`match-viewer` while a cache behavior that reaches it admits HTTP viewers (`allow-all`)".to_string()
                }
                Some("match-viewer") => {
                    "`match-viewer`, and whether a cache behavior that reaches it admits HTTP viewers is not known".to_string()
                }
                Some(p) => format!("`{p}`"),
                None => "not known statically".to_string(),
            };
            let (outcome, message, help) = match (http, &secret) {
                (Verdict::Fail, Some(name)) => (
                    Outcome::Fail,
                    format!("{label} sends the secret header {name} over plain HTTP (origin_protocol_policy {how})"),
                    Some("set `origin_protocol_policy = \"https-only\"` with a certificate on the origin for its domain, or use a CloudFront VPC origin"),
                ),
                (Verdict::Fail, None) => (
                    Outcome::Unknown,
                    format!("{label} talks plain HTTP (origin_protocol_policy {how}); whether one of its custom_header blocks carries a secret is not known statically (a name not known, or a dynamic block whose for_each is not known)"),
                    None,
                ),
                (_, Some(name)) => (
                    Outcome::Unknown,
                    format!("{label} sends the secret header {name}, and whether it talks plain HTTP is not known statically (origin_protocol_policy {how})"),
                    None,
                ),
                (_, None) => (
                    Outcome::Unknown,
                    format!("{label} may send a secret header over plain HTTP: neither its origin_protocol_policy ({how}) nor whether its custom_header blocks carry a secret is known statically"),
                    None,
                ),
            };
            ctx.report(hit.inst, dist, span, outcome, message, help);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_patterns_are_globs_and_match_the_usual_secret_headers() {
        let d = SecretHeaders::new(DEFAULT_SECRET_HEADERS).expect("valid globs");
        assert_eq!(d.patterns().len(), DEFAULT_SECRET_HEADERS.len());
        for h in [
            "X-Origin-Verify",
            "x-cloudfront-origin",
            "X-Shared-Secret",
            "X-Auth-Token",
            "Authorization",
        ] {
            assert!(d.matches(h), "{h}");
        }
        for h in ["X-Forwarded-Host", "CloudFront-Viewer-Country", "X-Origin"] {
            assert!(!d.matches(h), "{h}");
        }
        assert_eq!(SecretHeaders::default().patterns(), d.patterns());
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let e = SecretHeaders::new(&["ok-*", "[unclosed"]).expect_err("not a glob");
        assert_eq!(e.0, "[unclosed");
    }

    fn block(ident: &str, attrs: &[(&str, Value)], blocks: Vec<EvalBlock>) -> EvalBlock {
        let span = crate::source::Span::new(0, 0..0);
        EvalBlock {
            ident: ident.into(),
            name: "site".into(),
            span: span.clone(),
            head_span: span.clone(),
            attrs: attrs
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        crate::eval::EvalAttr {
                            value: v.clone(),
                            span: span.clone(),
                        },
                    )
                })
                .collect(),
            blocks,
            maybe: false,
        }
    }

    fn behavior(ident: &str, target: &str, viewer: Value) -> EvalBlock {
        block(
            ident,
            &[
                ("target_origin_id", Value::str(target)),
                ("viewer_protocol_policy", viewer),
            ],
            vec![],
        )
    }

    #[test]
    fn match_viewer_sends_http_only_when_a_behavior_reaching_the_origin_admits_http_viewers() {
        let s = Value::str;
        let dist = |other_viewer: Value| {
            block(
                "aws_cloudfront_distribution",
                &[],
                vec![
                    behavior("default_cache_behavior", "app", s("redirect-to-https")),
                    behavior("ordered_cache_behavior", "assets", other_viewer),
                ],
            )
        };
        let mv = s("match-viewer");
        // Only the assets origin admits HTTP viewers.
        assert_eq!(protocol(&mv, &dist(s("allow-all")), Some("app")), Verdict::Pass);
        assert_eq!(protocol(&mv, &dist(s("allow-all")), Some("assets")), Verdict::Fail);
        assert_eq!(protocol(&mv, &dist(Value::Unknown), Some("assets")), Verdict::Unknown);
        assert_eq!(
            protocol(&s("http-only"), &dist(s("https-only")), Some("app")),
            Verdict::Fail
        );
        assert_eq!(
            protocol(&s("https-only"), &dist(s("allow-all")), Some("assets")),
            Verdict::Pass
        );
        assert_eq!(
            protocol(&Value::Unknown, &dist(s("allow-all")), Some("app")),
            Verdict::Unknown
        );
        let either = Value::one_of([s("http-only"), s("https-only")]);
        assert_eq!(protocol(&either, &dist(s("allow-all")), Some("app")), Verdict::Unknown);
        // An unknown origin id may be the one an allow-all behavior targets.
        assert_eq!(protocol(&mv, &dist(s("allow-all")), None), Verdict::Unknown);
    }

    #[test]
    fn a_behavior_reaches_the_members_of_the_origin_group_it_targets() {
        let member = |id: &str| block("member", &[("origin_id", Value::str(id))], vec![]);
        let group = block(
            "origin_group",
            &[("origin_id", Value::str("failover"))],
            vec![member("primary"), member("secondary")],
        );
        let dist = block(
            "aws_cloudfront_distribution",
            &[],
            vec![
                group,
                behavior("default_cache_behavior", "failover", Value::str("allow-all")),
            ],
        );
        let mv = Value::str("match-viewer");
        assert_eq!(protocol(&mv, &dist, Some("secondary")), Verdict::Fail);
        assert_eq!(protocol(&mv, &dist, Some("elsewhere")), Verdict::Pass);
    }
}
