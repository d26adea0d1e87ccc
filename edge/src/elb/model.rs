//! A load balancer as read from the endpoint: listeners, rules, actions and target groups.

use std::sync::Arc;
use std::time::Duration;

use crate::lambda::pool::Pool;

pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub dns_name: String,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Https,
}

impl Protocol {
    /// As in `X-Forwarded-Proto` and redirect URLs.
    pub fn scheme(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }
    pub fn as_aws(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
        }
    }
}

pub struct Listener {
    pub arn: String,
    pub protocol: Protocol,
    pub port: u16,
    /// Rules by ascending priority; the default actions come after them.
    pub rules: Vec<Rule>,
    pub default_action: Action,
}

pub struct Rule {
    pub priority: u32,
    /// All must match (AND); each condition's values are alternatives (OR).
    pub conditions: Vec<Condition>,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub enum Condition {
    HostHeader(Vec<String>),
    PathPattern(Vec<String>),
    HttpHeader {
        name: String,
        values: Vec<String>,
    },
    /// (key, value) pairs; a pair without a key matches any key.
    QueryString(Vec<(Option<String>, String)>),
    HttpRequestMethod(Vec<String>),
    SourceIp(Vec<Cidr>),
}

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: std::net::IpAddr,
    pub prefix: u8,
}

/// The terminal action of a rule (ALB runs at most one authenticate action before it; those are not modelled).
pub enum Action {
    FixedResponse {
        status: u16,
        content_type: Option<String>,
        body: String,
    },
    Redirect(Redirect),
    /// Weighted target groups (a plain `TargetGroupArn` is one group of weight 1).
    Forward(Vec<(Arc<TargetGroup>, u32)>),
}

#[derive(Debug, Clone)]
pub struct Redirect {
    pub protocol: String,
    pub port: String,
    pub host: String,
    pub path: String,
    pub query: String,
    /// 301 or 302.
    pub status: u16,
}

pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub kind: TargetKind,
}

pub enum TargetKind {
    /// A `lambda` target group: its registered function (none registered: 503).
    Lambda {
        function: Option<LambdaTarget>,
        multi_value_headers: bool,
    },
    /// An `ip` or `instance` target group: HTTP to the targets registered in `targets::TargetGroups`.
    Servers { port: u16, health_check: HealthCheck },
}

pub struct LambdaTarget {
    pub function_arn: String,
    pub pool: Arc<Pool>,
    /// Whether the function's resource policy lets this target group invoke it.
    pub permitted: bool,
}

#[derive(Debug, Clone)]
pub struct HealthCheck {
    pub enabled: bool,
    pub path: String,
    /// `200`, `200,202`, `200-299`.
    pub matcher: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}
