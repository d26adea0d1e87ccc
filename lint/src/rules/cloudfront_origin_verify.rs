//! ## What it does
//! Checks that the ALB can be reached only through CloudFront:
//! - every custom origin of an `aws_cloudfront_distribution` (an `origin` with
//!   `custom_origin_config`), other than an API Gateway endpoint or an origin behind origin access
//!   control, carries a `custom_header` (the origin-verify secret, e.g. `X-CloudFront-Origin`);
//! - every listener of an internet-facing application load balancer does not forward by default:
//!   its `default_action` is a `fixed-response` (or a `redirect`), and a fixed-response listener
//!   has an `aws_lb_listener_rule` whose `condition` matches an `http_header`.
//!
//! An ALB that is a public entry point of its own is not checked: one that a DNS alias of the
//! linted set points at (`aws_route53_record` `alias { name }`, `nextstack_dns_alias`
//! `target { dns_name }`) and that no CloudFront origin of the linted set reaches, by reference or
//! by one of the aliased names (an API served at `api.example.com` straight from its ALB). When a
//! custom origin in the ALB's stack cannot be followed (other than one behind origin access
//! control, below, which is not a load balancer), the ALB may be behind CloudFront after all, and
//! its listeners are "cannot verify".
//!
//! A custom origin with an `origin_access_control_id` needs no secret header when that id refers
//! to an `aws_cloudfront_origin_access_control` of origin type `lambda` (or `mediastore`,
//! `mediapackagev2`) whose `signing_behavior` is not `never`, and the origin's domain is not a
//! load balancer. CloudFront then signs every request to it with SigV4, and a Lambda function URL
//! with `authorization_type = "AWS_IAM"` answers only signed requests of principals its
//! resource policy admits (`cloudfront.amazonaws.com` for this distribution): nobody else can
//! call it, which is what the header would otherwise prove. An ALB checks no signature, so an ALB
//! origin needs the header with or without origin access control.
//!
//! An `origin` made by a `dynamic "origin"` block whose `for_each` is not known statically is
//! checked through the block's `content`, which every origin it makes shares (what depends on the
//! iterator is unknown): it passes when the content passes, and a content that sends no header to
//! a custom origin known not to be an API Gateway or behind origin access control is an error for
//! every origin the block makes.
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
//! A Lambda function URL origin (`authorization_type = "AWS_IAM"`) takes origin access control
//! instead of the header:
//! ```hcl
//! resource "aws_cloudfront_origin_access_control" "functions" {
//!   name                              = "functions"
//!   origin_access_control_origin_type = "lambda"
//!   signing_behavior                  = "always"
//!   signing_protocol                  = "sigv4"
//! }
//! # in the distribution
//! origin {
//!   origin_id                = "server"
//!   domain_name              = trimsuffix(trimprefix(aws_lambda_function_url.server.function_url, "https://"), "/")
//!   origin_access_control_id = aws_cloudfront_origin_access_control.functions.id
//!   custom_origin_config {
//!     http_port              = 80
//!     https_port             = 443
//!     origin_protocol_policy = "https-only"
//!     origin_ssl_protocols   = ["TLSv1.2"]
//!   }
//! }
//! ```
//!
//! ## Known blind spots
//! A listener whose load balancer cannot be traced to an `aws_lb` of the linted set (a literal
//! ARN, a variable, a `data "aws_lb"` that matches no linted load balancer by name) and that
//! forwards by default is "cannot verify", as is a custom origin whose domain is unknown
//! statically and that sends no header. Security-group based restrictions (the CloudFront managed
//! prefix list) are not credited; suppress with a reason where they are used. A listener rule that
//! forwards without matching the header (e.g. on a path only) is not reported. An ALB found
//! through a `data "aws_lb"` is never taken as a direct entry point, and a CloudFront origin in
//! another stack whose domain is not known statically (not followed through SSM) is assumed not to
//! be an aliased ALB. The rule does not check that the Lambda function URL behind an origin with
//! origin access control has `authorization_type = "AWS_IAM"` (with `NONE` the URL answers
//! anyone); an `origin_access_control_id` that does not lead to an
//! `aws_cloudfront_origin_access_control` of the linted set (a literal id, a variable) on an
//! origin without the header is "cannot verify".
//!
//! ## References
//! - [Restricting access to Application Load Balancers](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html)
//! - [Restricting access to an AWS Lambda function URL origin](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html)

use super::{judge_candidates, truthy, Outcome, RuleContext, Verdict};
use crate::eval::EvalBlock;
use crate::value::{ResAddr, Value};

/// The origin types of an origin access control whose requests the origin itself checks (a
/// function URL with `AWS_IAM` auth, MediaStore, MediaPackage v2). An `s3` one does nothing for a
/// custom origin (an S3 website endpoint takes no origin access control).
const SIGNED_ORIGIN_TYPES: &[&str] = &["lambda", "mediastore", "mediapackagev2"];

/// Whether an origin domain is an API Gateway endpoint; `None` when it cannot be known.
fn is_api_gateway(ctx: &RuleContext, v: &Value) -> Option<bool> {
    match ctx.model.resolve(ctx.ev, v) {
        Value::String(s) => Some(s.contains(".execute-api.")),
        Value::Ref(r) => Some(r.addr.ty.starts_with("aws_api_gateway") || r.addr.ty.starts_with("aws_apigatewayv2")),
        _ => None,
    }
}

/// Whether one `aws_cloudfront_origin_access_control` makes CloudFront sign requests that a
/// non-S3 origin checks.
fn oac_signs(c: &EvalBlock) -> Verdict {
    let ty = c.value("origin_access_control_origin_type");
    let signing = c.value("signing_behavior");
    match (ty.as_str(), signing.as_str()) {
        (Some(t), _) if !SIGNED_ORIGIN_TYPES.contains(&t) => Verdict::Fail,
        // `no-override` signs unless the viewer sends its own Authorization, which the origin checks.
        (_, Some("never")) => Verdict::Fail,
        (Some(_), Some(_)) => Verdict::Pass,
        _ => Verdict::Unknown,
    }
}

/// Whether a custom origin is closed to everyone but CloudFront by origin access control: its
/// `origin_access_control_id` refers to one of a type the origin checks (see
/// [`SIGNED_ORIGIN_TYPES`]) that signs, and its domain is not a load balancer (an ALB checks no
/// signature).
fn signed_by_oac(ctx: &RuleContext, o: &EvalBlock) -> Verdict {
    let domain = o.value("domain_name");
    let elb = matches!(ctx.model.resolve(ctx.ev, &domain), Value::String(s) if s.ends_with(".elb.amazonaws.com"));
    if elb || lb_of(ctx, &domain).is_some() {
        return Verdict::Fail;
    }
    let oac = ctx.model.resolve(ctx.ev, &o.value("origin_access_control_id"));
    judge_candidates(&oac, |v| match v {
        Value::Null => Verdict::Fail,
        Value::String(s) if s.is_empty() => Verdict::Fail,
        Value::Ref(r) if r.addr.mode == "resource" && r.addr.ty == "aws_cloudfront_origin_access_control" => {
            let ri = ctx.ev.resource_instances(r.addr.inst, r.addr.decl);
            Verdict::of_every(ri.items.iter().map(|(_, c)| oac_signs(c)))
        }
        // An id from elsewhere: of what type, and whether it signs, is not known.
        _ => Verdict::Unknown,
    })
}

/// Whether the blocks named `ident` of `b` include one for sure (`Some(true)`), none for sure
/// (`Some(false)`), or only blocks of a `dynamic` whose `for_each` is unknown (`None`).
fn has_block(b: &EvalBlock, ident: &str, ok: impl Fn(&EvalBlock) -> Option<bool>) -> Option<bool> {
    let mut unknown = false;
    for x in b.blocks(ident) {
        match ok(x) {
            Some(true) if !x.maybe => return Some(true),
            Some(false) => {}
            _ => unknown = true,
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

/// What a listener's `load_balancer_arn` leads to.
enum Exposure {
    /// Not an internet-facing application load balancer: nothing to check.
    Closed,
    /// An internet-facing ALB, named for the message.
    Public(String),
    /// An internet-facing ALB that clients reach directly by its DNS alias, with no CloudFront
    /// in front of it to bypass: nothing to check.
    Direct,
    /// Cannot be known; the reason, for the message.
    Unknown(String),
}

/// Classifies the evaluated instances of an `aws_lb` / `aws_alb` resource.
fn lb_exposure(label: &str, lbs: &[&EvalBlock]) -> Exposure {
    let mut unknown = None;
    for lb in lbs {
        let alb = match lb.value("load_balancer_type") {
            Value::Null => true,
            Value::String(s) => &*s == "application",
            _ => {
                unknown.get_or_insert(format!("the type of {label} is not known statically"));
                continue;
            }
        };
        if !alb {
            continue;
        }
        match truthy(&lb.value("internal")) {
            Some(true) => {}
            Some(false) => return Exposure::Public(label.to_string()),
            None => {
                unknown.get_or_insert(format!("whether {label} is internet-facing is not known statically"));
            }
        }
    }
    match unknown {
        Some(u) => Exposure::Unknown(u),
        None => Exposure::Closed,
    }
}

fn exposure(ctx: &RuleContext, entry: &EntryPoints, v: &Value) -> Exposure {
    let untraced = |what: &str| {
        Exposure::Unknown(format!(
            "its load balancer ({what}) cannot be traced to an aws_lb of the linted set"
        ))
    };
    match ctx.model.resolve(ctx.ev, v) {
        Value::Ref(r) if r.addr.mode == "resource" && matches!(r.addr.ty.as_str(), "aws_lb" | "aws_alb") => {
            let ri = ctx.ev.resource_instances(r.addr.inst, r.addr.decl);
            let lbs: Vec<&EvalBlock> = ri.items.iter().map(|(_, b)| b).collect();
            if lbs.is_empty() {
                return Exposure::Closed;
            }
            let label = format!("{}.{}", r.addr.ty, r.addr.name);
            match lb_exposure(&label, &lbs) {
                Exposure::Public(p) => match entry.get(&(r.addr.inst, r.addr.decl)) {
                    Some(Entry::Direct) => Exposure::Direct,
                    Some(Entry::MaybeFronted(why)) => Exposure::Unknown(format!(
                        "{label} is aliased in DNS, but {why}, so it may be behind CloudFront"
                    )),
                    None => Exposure::Public(p),
                },
                other => other,
            }
        }
        // A data source that looks a load balancer up by name: find it among the linted ones.
        Value::Ref(r) if r.addr.mode == "data" && matches!(r.addr.ty.as_str(), "aws_lb" | "aws_alb") => {
            let label = format!("data.{}.{}", r.addr.ty, r.addr.name);
            let Some(name) = ctx.deref(&r).and_then(|d| d.value("name").as_str().map(str::to_string)) else {
                return untraced(&label);
            };
            let mut found = Vec::new();
            for ty in ["aws_lb", "aws_alb"] {
                for (_, _, ri) in ctx.resources("resource", ty) {
                    for (_, b) in &ri.items {
                        if b.value("name").as_str() == Some(name.as_str()) {
                            found.push((format!("{ty}.{} (`{name}`)", b.name), b.clone()));
                        }
                    }
                }
            }
            if found.is_empty() {
                return untraced(&label);
            }
            let mut unknown = None;
            for (label, b) in &found {
                match lb_exposure(label, &[b]) {
                    Exposure::Public(p) => return Exposure::Public(p),
                    Exposure::Unknown(u) => unknown = Some(u),
                    Exposure::Closed | Exposure::Direct => {}
                }
            }
            unknown.map(Exposure::Unknown).unwrap_or(Exposure::Closed)
        }
        // Network and gateway load balancers have no HTTP listeners to protect.
        Value::String(s) if s.contains(":loadbalancer/net/") || s.contains(":loadbalancer/gwy/") => Exposure::Closed,
        Value::String(s) => untraced(&format!("`{s}`")),
        Value::Ref(r) => untraced(&format!("{}.{}.{}", r.addr.ty, r.addr.name, r.attr)),
        _ => untraced("a value not known statically"),
    }
}

/// What a DNS alias of the linted set says about the load balancer it points at.
enum Entry {
    /// Aliased, and no CloudFront origin reaches it: clients use the alias.
    Direct,
    /// Aliased, but a custom origin in its stack cannot be followed (the reason).
    MaybeFronted(String),
}

/// (module instance, declaration) of an `aws_lb` => what its DNS aliases say; load balancers
/// without an alias, or reached by a CloudFront origin, are absent.
type EntryPoints = std::collections::HashMap<(usize, usize), Entry>;

/// The `aws_lb` / `aws_alb` resource a value refers to.
fn lb_of(ctx: &RuleContext, v: &Value) -> Option<(usize, usize)> {
    match ctx.model.resolve(ctx.ev, v) {
        Value::Ref(r) if r.addr.mode == "resource" && matches!(r.addr.ty.as_str(), "aws_lb" | "aws_alb") => {
            Some((r.addr.inst, r.addr.decl))
        }
        _ => None,
    }
}

fn dns_name(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// The load balancers that DNS aliases of the linted set point at, minus those a CloudFront
/// origin reaches (by reference, or by one of the aliased names).
fn entry_points(ctx: &RuleContext) -> EntryPoints {
    // lb => the names aliased to it
    let mut aliased: std::collections::HashMap<(usize, usize), Vec<String>> = Default::default();
    ctx.each("aws_route53_record", |hit| {
        for a in hit.block.blocks("alias") {
            if let Some(lb) = lb_of(ctx, &a.value("name")) {
                let names = aliased.entry(lb).or_default();
                names.extend(hit.block.value("name").as_str().map(dns_name));
            }
        }
    });
    ctx.each("nextstack_dns_alias", |hit| {
        for t in hit.block.blocks("target") {
            if let Some(lb) = lb_of(ctx, &t.value("dns_name")) {
                let names = aliased.entry(lb).or_default();
                for n in hit.block.value("names").as_list().unwrap_or_default() {
                    names.extend(n.as_str().map(dns_name));
                }
            }
        }
    });
    if aliased.is_empty() {
        return EntryPoints::new();
    }

    // What the custom origins of every distribution lead to.
    let mut fronted = std::collections::HashSet::new();
    let mut origin_names = std::collections::HashSet::new();
    let mut untraced: Vec<(usize, String)> = Vec::new(); // (stack, origin label)
    ctx.each("aws_cloudfront_distribution", |hit| {
        for o in hit.block.blocks("origin") {
            if has_block(o, "custom_origin_config", |_| Some(true)) == Some(false) {
                continue;
            }
            let domain = o.value("domain_name");
            // An origin behind signing origin access control is a function URL (or a media
            // service), whatever its domain: not a load balancer.
            if is_api_gateway(ctx, &domain) == Some(true) || signed_by_oac(ctx, o) == Verdict::Pass {
                continue;
            }
            if let Some(lb) = lb_of(ctx, &domain) {
                fronted.insert(lb);
                continue;
            }
            match ctx.model.resolve(ctx.ev, &domain) {
                Value::String(s) => {
                    origin_names.insert(dns_name(&s));
                }
                Value::Ref(_) => {} // another resource (a bucket website, a function URL, ...)
                _ => {
                    let id = o
                        .value("origin_id")
                        .as_str()
                        .map(|s| format!(" `{s}`"))
                        .unwrap_or_default();
                    untraced.push((
                        ctx.model.stack_index(ctx.ev, hit.inst),
                        format!(
                            "the domain of origin{id} of aws_cloudfront_distribution.{} is not known statically",
                            hit.block.name
                        ),
                    ));
                }
            }
        }
    });

    let mut out = EntryPoints::new();
    for (lb, names) in aliased {
        if fronted.contains(&lb) || names.iter().any(|n| origin_names.contains(n)) {
            continue;
        }
        let stack = ctx.model.stack_index(ctx.ev, lb.0);
        let entry = match untraced.iter().find(|(s, _)| *s == stack) {
            Some((_, why)) => Entry::MaybeFronted(why.clone()),
            None => Entry::Direct,
        };
        out.insert(lb, entry);
    }
    out
}

/// The action a listener ends with: `forward`, `redirect` or `fixed-response` (after any
/// `authenticate-*` actions); `None` when it cannot be known.
fn terminal_action(l: &EvalBlock) -> Option<String> {
    let mut kinds = Vec::new();
    for a in l.blocks("default_action") {
        if a.maybe {
            return None;
        }
        kinds.push(a.value("type").as_str()?.to_string());
    }
    for k in ["forward", "fixed-response", "redirect"] {
        if kinds.iter().any(|x| x == k) {
            return Some(k.to_string());
        }
    }
    kinds.into_iter().next()
}

fn same(a: &ResAddr, inst: usize, decl: usize) -> bool {
    a.inst == inst && a.decl == decl
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_cloudfront_distribution", |hit| {
        for o in hit.block.blocks("origin") {
            let custom = has_block(o, "custom_origin_config", |_| Some(true));
            if custom == Some(false) {
                continue;
            }
            let api = is_api_gateway(ctx, &o.value("domain_name"));
            if api == Some(true) {
                continue;
            }
            let header = has_block(o, "custom_header", |h| {
                Some(!h.value("name").is_null() && !h.value("value").is_null())
            });
            if header == Some(true) {
                continue;
            }
            let oac = signed_by_oac(ctx, o);
            if oac == Verdict::Pass {
                continue;
            }
            let id = o
                .value("origin_id")
                .as_str()
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            let name = &hit.block.name;
            // An origin of a dynamic block whose for_each is unknown is its content, evaluated once
            // for every element (what depends on the iterator is unknown): what fails there fails
            // for every origin the block makes.
            let every = if o.maybe {
                " (every origin its dynamic block makes)"
            } else {
                ""
            };
            if header == Some(false) && custom == Some(true) && api == Some(false) && oac == Verdict::Fail {
                ctx.report(
                    hit.inst,
                    hit.block,
                    o.head_span.clone(),
                    Outcome::Fail,
                    format!("custom origin{id} of aws_cloudfront_distribution.{name}{every} sends no origin-verify custom_header"),
                    Some("add `custom_header { name = \"X-CloudFront-Origin\", value = <secret> }` and require it on the ALB"),
                );
                continue;
            }
            let why = if header.is_none() {
                "its custom_header blocks are not known statically"
            } else if custom.is_none() {
                "whether it is a custom origin is not known statically"
            } else if oac == Verdict::Unknown {
                "its origin_access_control_id cannot be followed to an aws_cloudfront_origin_access_control of the linted set"
            } else {
                "its domain is not known statically, so it may be an API Gateway endpoint or not"
            };
            ctx.report(
                hit.inst,
                hit.block,
                o.head_span.clone(),
                Outcome::Unknown,
                format!("origin{id} of aws_cloudfront_distribution.{name} may send no origin-verify custom_header: {why}"),
                None,
            );
        }
    });

    // Listener rules: (listener, whether a condition matches an HTTP header). A rule whose
    // listener cannot be followed may belong to any listener.
    let mut rules: Vec<(ResAddr, Option<bool>)> = Vec::new();
    let mut untraced_rule = false;
    for ty in ["aws_lb_listener_rule", "aws_alb_listener_rule"] {
        ctx.each(ty, |hit| {
            let header = has_block(hit.block, "condition", |c| has_block(c, "http_header", |_| Some(true)));
            match ctx.model.resolve(ctx.ev, &hit.block.value("listener_arn")) {
                Value::Ref(r) if matches!(r.addr.ty.as_str(), "aws_lb_listener" | "aws_alb_listener") => {
                    rules.push((r.addr.clone(), header))
                }
                _ => untraced_rule |= header != Some(false),
            }
        });
    }
    let entry = entry_points(ctx);
    for l_ty in ["aws_lb_listener", "aws_alb_listener"] {
        ctx.each(l_ty, |hit| {
            let l = hit.block;
            // Listeners of network load balancers speak TCP, TLS, UDP or TCP_UDP.
            if let Value::String(p) = l.value("protocol") {
                if !matches!(p.to_ascii_uppercase().as_str(), "HTTP" | "HTTPS") {
                    return;
                }
            }
            let exposure = exposure(ctx, &entry, &l.value("load_balancer_arn"));
            if let Exposure::Closed | Exposure::Direct = exposure {
                return;
            }
            let label = format!("{l_ty}.{}", l.name);
            let action_span = l
                .blocks("default_action")
                .next()
                .map(|d| d.span_of("type"))
                .unwrap_or_else(|| l.head_span.clone());
            // A failure on an internet-facing ALB; "cannot verify" when the ALB is not known to be.
            let verdict = |span: crate::source::Span, what: String, bypass: bool, help: &str| match &exposure {
                Exposure::Public(lb) => ctx.report(
                    hit.inst,
                    l,
                    span,
                    Outcome::Fail,
                    if bypass {
                        format!("{label} of internet-facing {lb} {what}, so clients can bypass CloudFront")
                    } else {
                        format!("{label} of internet-facing {lb} {what}")
                    },
                    Some(help),
                ),
                Exposure::Unknown(why) => ctx.report(
                    hit.inst,
                    l,
                    span,
                    Outcome::Unknown,
                    format!("{label} {what}, which matters if its load balancer is internet-facing; {why}"),
                    None,
                ),
                Exposure::Closed | Exposure::Direct => {}
            };
            match terminal_action(l).as_deref() {
                Some("redirect") => {}
                Some("fixed-response") => {
                    let mine: Vec<Option<bool>> =
                        rules.iter().filter(|(a, _)| same(a, hit.inst, hit.decl)).map(|(_, h)| *h).collect();
                    if mine.contains(&Some(true)) {
                        return;
                    }
                    if mine.contains(&None) || untraced_rule {
                        ctx.report(
                            hit.inst,
                            l,
                            l.head_span.clone(),
                            Outcome::Unknown,
                            format!("whether a listener rule of {label} matches the origin-verify header is not known statically"),
                            None,
                        );
                        return;
                    }
                    verdict(
                        l.head_span.clone(),
                        "has no aws_lb_listener_rule matching the origin-verify header".into(),
                        false,
                        "add an aws_lb_listener_rule with `condition { http_header { ... } }` that forwards to the target group",
                    );
                }
                Some(t) => verdict(
                    action_span,
                    format!("does `{t}` by default"),
                    true,
                    "make the default action a 403 fixed-response and forward only in a listener rule that matches the CloudFront secret header",
                ),
                None => ctx.report(
                    hit.inst,
                    l,
                    action_span,
                    Outcome::Unknown,
                    format!("the default action of {label} is not known statically"),
                    None,
                ),
            }
        });
    }
}
