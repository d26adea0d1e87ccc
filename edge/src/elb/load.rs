//! A load balancer read from the endpoint (`DescribeLoadBalancers`, `DescribeListeners`, `DescribeRules`,
//! `DescribeTargetGroups`, `DescribeTargetGroupAttributes`, `DescribeTargetHealth`), with what is not modelled
//! refused here, at start, by name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types as elb;

use super::model::{
    Action, Cidr, Condition, HealthCheck, LambdaTarget, Listener, LoadBalancer, Protocol, Redirect, Rule, TargetGroup,
    TargetKind,
};
use crate::endpoint::{aws_message, Aws};
use crate::iam;
use crate::lambda::registry::{FunctionRef, Registry};
use crate::targets::TargetGroups;

type Client = aws_sdk_elasticloadbalancingv2::Client;

/// What a load balancer's target groups need while it is read.
pub struct Context<'a> {
    pub aws: &'a Aws,
    pub registry: &'a Registry,
    pub targets: &'a Arc<TargetGroups>,
    /// The region of a load balancer named without an ARN.
    pub default_region: &'a str,
}

/// The region in an ELB ARN (`arn:aws:elasticloadbalancing:REGION:...`).
pub fn region_of(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
        .filter(|r| !r.is_empty())
}

pub async fn load(ctx: &Context<'_>, name_or_arn: &str) -> Result<LoadBalancer, String> {
    let region = region_of(name_or_arn).unwrap_or(ctx.default_region).to_string();
    let client = ctx.aws.elbv2(&region);
    let mut describe = client.describe_load_balancers();
    describe = if name_or_arn.starts_with("arn:") {
        describe.load_balancer_arns(name_or_arn)
    } else {
        describe.names(name_or_arn)
    };
    let out = describe.send().await.map_err(|e| {
        format!(
            "load balancer {name_or_arn} (DescribeLoadBalancers in {region}): {}",
            aws_message(&e)
        )
    })?;
    let lb = out
        .load_balancers()
        .first()
        .ok_or_else(|| format!("load balancer {name_or_arn}: not found in {region}"))?;
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    let name = lb.load_balancer_name().unwrap_or_default().to_string();
    if let Some(kind) = lb.r#type().filter(|t| t.as_str() != "application") {
        return Err(format!(
            "load balancer {name}: type {} is not modelled (nextstack-edge serves Application Load Balancers)",
            kind.as_str()
        ));
    }
    let listeners_out = client
        .describe_listeners()
        .load_balancer_arn(&arn)
        .send()
        .await
        .map_err(|e| format!("load balancer {name} (DescribeListeners): {}", aws_message(&e)))?;
    let mut groups: HashMap<String, Arc<TargetGroup>> = HashMap::new();
    let mut listeners = Vec::new();
    for l in listeners_out.listeners() {
        let port = l.port().unwrap_or(80) as u16;
        let what = format!("load balancer {name}, listener {port}");
        let protocol = match l.protocol().map(|p| p.as_str()) {
            Some("HTTP") | None => Protocol::Http,
            Some("HTTPS") => Protocol::Https,
            Some(other) => return Err(format!("{what}: protocol {other} is not modelled")),
        };
        if l.mutual_authentication()
            .and_then(|m| m.mode())
            .is_some_and(|m| m != "off")
        {
            return Err(format!("{what}: mutual TLS authentication is not modelled"));
        }
        let listener_arn = l.listener_arn().unwrap_or_default().to_string();
        let default_action = action(&client, ctx, &what, l.default_actions(), &mut groups).await?;
        let rules_out = client
            .describe_rules()
            .listener_arn(&listener_arn)
            .send()
            .await
            .map_err(|e| format!("{what} (DescribeRules): {}", aws_message(&e)))?;
        let mut rules = Vec::new();
        for r in rules_out.rules() {
            if r.is_default() == Some(true) || r.priority() == Some("default") {
                continue;
            }
            let priority: u32 = r.priority().and_then(|p| p.parse().ok()).unwrap_or(u32::MAX);
            let what = format!("{what}, rule {priority}");
            if !r.transforms().is_empty() {
                return Err(format!("{what}: transforms are not modelled"));
            }
            let mut conditions = Vec::new();
            for c in r.conditions() {
                conditions.push(condition(&what, c)?);
            }
            let action = action(&client, ctx, &what, r.actions(), &mut groups).await?;
            rules.push(Rule {
                priority,
                conditions,
                action,
            });
        }
        rules.sort_by_key(|r| r.priority);
        listeners.push(Listener {
            arn: listener_arn,
            protocol,
            port,
            rules,
            default_action,
        });
    }
    listeners.sort_by_key(|l| l.port);
    Ok(LoadBalancer {
        arn,
        name,
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        listeners,
    })
}

fn condition(what: &str, c: &elb::RuleCondition) -> Result<Condition, String> {
    let field = c.field().unwrap_or_default();
    if !c.regex_values().is_empty() || c.http_header_config().is_some_and(|h| !h.regex_values().is_empty()) {
        return Err(format!(
            "{what}: {field} condition: regular expressions are not modelled"
        ));
    }
    // The legacy form: `Values` beside the field (host-header and path-pattern only).
    let values = |config: Option<&[String]>| -> Vec<String> {
        match config {
            Some(v) if !v.is_empty() => v.to_vec(),
            _ => c.values().to_vec(),
        }
    };
    Ok(match field {
        "host-header" => Condition::HostHeader(values(c.host_header_config().map(|h| h.values()))),
        "path-pattern" => Condition::PathPattern(values(c.path_pattern_config().map(|h| h.values()))),
        "http-header" => {
            let h = c
                .http_header_config()
                .ok_or_else(|| format!("{what}: http-header condition without HttpHeaderConfig"))?;
            Condition::HttpHeader {
                name: h.http_header_name().unwrap_or_default().to_string(),
                values: h.values().to_vec(),
            }
        }
        "query-string" => Condition::QueryString(
            c.query_string_config()
                .map(|q| q.values())
                .unwrap_or_default()
                .iter()
                .map(|kv| (kv.key().map(str::to_string), kv.value().unwrap_or_default().to_string()))
                .collect(),
        ),
        "http-request-method" => {
            Condition::HttpRequestMethod(values(c.http_request_method_config().map(|m| m.values())))
        }
        "source-ip" => Condition::SourceIp(
            values(c.source_ip_config().map(|s| s.values()))
                .iter()
                .map(|v| Cidr::parse(v).map_err(|e| format!("{what}: source-ip: {e}")))
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("{what}: condition {other} is not modelled")),
    })
}

/// A rule's actions: one terminal action (authenticate actions before it are not modelled).
async fn action(
    client: &Client,
    ctx: &Context<'_>,
    what: &str,
    actions: &[elb::Action],
    groups: &mut HashMap<String, Arc<TargetGroup>>,
) -> Result<Action, String> {
    let mut sorted: Vec<&elb::Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let Some(last) = sorted.last() else {
        return Err(format!("{what}: no actions"));
    };
    if let Some(auth) = sorted.iter().find(|a| {
        a.r#type()
            .is_some_and(|t| t.as_str().starts_with("authenticate") || t.as_str() == "jwt-validation")
    }) {
        return Err(format!(
            "{what}: the {} action is not modelled (nextstack-edge does not run identity providers)",
            auth.r#type().map(|t| t.as_str()).unwrap_or_default()
        ));
    }
    match last.r#type().map(|t| t.as_str()).unwrap_or_default() {
        "fixed-response" => {
            let f = last
                .fixed_response_config()
                .ok_or_else(|| format!("{what}: fixed-response without FixedResponseConfig"))?;
            Ok(Action::FixedResponse {
                status: f
                    .status_code()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("{what}: fixed-response status code is not a number"))?,
                content_type: f.content_type().map(str::to_string),
                body: f.message_body().unwrap_or_default().to_string(),
            })
        }
        "redirect" => {
            let r = last
                .redirect_config()
                .ok_or_else(|| format!("{what}: redirect without RedirectConfig"))?;
            // Unset components keep the request's (the documented defaults).
            Ok(Action::Redirect(Redirect {
                protocol: r.protocol().unwrap_or("#{protocol}").to_string(),
                port: r.port().unwrap_or("#{port}").to_string(),
                host: r.host().unwrap_or("#{host}").to_string(),
                path: r.path().unwrap_or("/#{path}").to_string(),
                query: r.query().unwrap_or("#{query}").to_string(),
                status: match r.status_code().map(|s| s.as_str()) {
                    Some("HTTP_301") => 301,
                    _ => 302,
                },
            }))
        }
        "forward" => {
            let mut tuples: Vec<(String, u32)> = Vec::new();
            if let Some(f) = last.forward_config() {
                for t in f.target_groups() {
                    tuples.push((
                        t.target_group_arn().unwrap_or_default().to_string(),
                        t.weight().unwrap_or(1).max(0) as u32,
                    ));
                }
                if f.target_group_stickiness_config().and_then(|s| s.enabled()) == Some(true) {
                    eprintln!("nextstack-edge: note: {what}: target group stickiness is not modelled; each request picks a target group by weight");
                }
            }
            if tuples.is_empty() {
                let arn = last
                    .target_group_arn()
                    .ok_or_else(|| format!("{what}: forward without a target group"))?;
                tuples.push((arn.to_string(), 1));
            }
            let mut forward = Vec::new();
            for (arn, weight) in tuples {
                let group = match groups.get(&arn) {
                    Some(g) => g.clone(),
                    None => {
                        let g = Arc::new(target_group(client, ctx, &arn).await?);
                        groups.insert(arn.clone(), g.clone());
                        g
                    }
                };
                forward.push((group, weight));
            }
            Ok(Action::Forward(forward))
        }
        other => Err(format!("{what}: action {other} is not modelled")),
    }
}

async fn target_group(client: &Client, ctx: &Context<'_>, arn: &str) -> Result<TargetGroup, String> {
    let out = client
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
        .map_err(|e| format!("target group {arn} (DescribeTargetGroups): {}", aws_message(&e)))?;
    let tg = out
        .target_groups()
        .first()
        .ok_or_else(|| format!("target group {arn}: not found"))?;
    let name = tg.target_group_name().unwrap_or_default().to_string();
    let attributes: HashMap<String, String> = client
        .describe_target_group_attributes()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| {
            format!(
                "target group {name} (DescribeTargetGroupAttributes): {}",
                aws_message(&e)
            )
        })?
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())))
        .collect();
    let health = client
        .describe_target_health()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| format!("target group {name} (DescribeTargetHealth): {}", aws_message(&e)))?;
    let registered: Vec<(String, Option<i32>)> = health
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| (t.id().unwrap_or_default().to_string(), t.port()))
        .collect();
    let kind = match tg.target_type().map(|t| t.as_str()).unwrap_or("instance") {
        "lambda" => {
            let function = match registered.first() {
                Some((function_arn, _)) => Some(lambda_target(ctx, arn, &name, function_arn).await?),
                None => None,
            };
            TargetKind::Lambda {
                function,
                multi_value_headers: attributes
                    .get("lambda.multi_value_headers.enabled")
                    .is_some_and(|v| v == "true"),
            }
        }
        "ip" | "instance" => {
            if let Some(p) = tg.protocol().map(|p| p.as_str()).filter(|p| *p != "HTTP") {
                return Err(format!(
                    "target group {name}: protocol {p} is not modelled (targets are reached over HTTP on loopback)"
                ));
            }
            let port = tg.port().unwrap_or(80) as u16;
            // Targets the emulator holds at a loopback address (127.0.0.1, 127.0.0.2, ...) are servers on this
            // machine: the edge routes to them as registered (ECS tasks the edge runs register themselves; see
            // targets.rs).
            for (id, target_port) in &registered {
                if let Ok(ip) = id
                    .parse::<std::net::Ipv4Addr>()
                    .ok()
                    .filter(|ip| ip.is_loopback())
                    .ok_or(())
                {
                    let addr = SocketAddr::from((ip, target_port.map(|p| p as u16).unwrap_or(port)));
                    ctx.targets.register(arn, &addr.to_string(), addr);
                }
            }
            let secs =
                |v: Option<i32>, default: u64| Duration::from_secs(v.map(|v| v.max(1) as u64).unwrap_or(default));
            TargetKind::Servers {
                port,
                health_check: HealthCheck {
                    enabled: tg.health_check_enabled().unwrap_or(true),
                    path: tg.health_check_path().unwrap_or("/").to_string(),
                    matcher: tg.matcher().and_then(|m| m.http_code()).unwrap_or("200").to_string(),
                    interval: secs(tg.health_check_interval_seconds(), 30),
                    timeout: secs(tg.health_check_timeout_seconds(), 5),
                    healthy_threshold: tg.healthy_threshold_count().unwrap_or(5).max(1) as u32,
                    unhealthy_threshold: tg.unhealthy_threshold_count().unwrap_or(2).max(1) as u32,
                },
            }
        }
        other => return Err(format!("target group {name}: target type {other} is not modelled")),
    };
    Ok(TargetGroup {
        arn: arn.to_string(),
        name,
        kind,
    })
}

/// The function registered in a `lambda` target group, run through the edge's Lambda pool, and whether its
/// resource policy lets Elastic Load Balancing invoke it for this target group ("Lambda functions as targets":
/// `lambda:InvokeFunction` for principal `elasticloadbalancing.amazonaws.com`, `SourceArn` the target group).
async fn lambda_target(
    ctx: &Context<'_>,
    tg_arn: &str,
    tg_name: &str,
    function_arn: &str,
) -> Result<LambdaTarget, String> {
    let region = region_of(tg_arn).unwrap_or(ctx.default_region);
    let f = FunctionRef::parse(function_arn, None, region).map_err(|e| format!("target group {tg_name}: {e}"))?;
    let pool = ctx
        .registry
        .pool(&f)
        .await
        .map_err(|e| format!("target group {tg_name}: {e}"))?;
    let account = tg_arn.split(':').nth(4).unwrap_or_default();
    let context = [("AWS:SourceArn", tg_arn), ("AWS:SourceAccount", account)];
    // Lambda evaluates the policy of what was invoked: the registered ARN (an alias's own policy for an alias).
    let resource = if function_arn.starts_with("arn:") {
        function_arn.to_string()
    } else {
        pool.spec().arn.clone()
    };
    let permitted = ctx.registry.resource_policy(&f).await.is_some_and(|p| {
        iam::allows(
            &p,
            &iam::Request {
                service: "elasticloadbalancing.amazonaws.com",
                action: "lambda:InvokeFunction",
                resource: &resource,
                context: &context,
            },
        )
    });
    if !permitted {
        eprintln!(
            "nextstack-edge: warning: target group {tg_name}: function {} does not allow elasticloadbalancing.amazonaws.com to invoke it for this target group (lambda:AddPermission with SourceArn {tg_arn}); its requests will get a 502",
            f.name
        );
    }
    Ok(LambdaTarget {
        function_arn: function_arn.to_string(),
        pool,
        permitted,
    })
}
