//! Rule conditions, matched the way ALB documents them.
//!
//! AWS: Application Load Balancers user guide, "Listener rules for your Application Load Balancer", section "Rule
//! condition types": a rule matches when every condition matches, a condition when any of its values does;
//! `host-header` is not case-sensitive and takes `*` (zero or more characters) and `?` (exactly one); `path-pattern`
//! is case-sensitive, takes `*` and `?`, and is applied to the path only, not the query string; `http-header`: the
//! header name and the values are not case-sensitive, values take `*` and `?`; `query-string`: key/value pairs, the
//! key optional, not case-sensitive, `*` and `?` in both; `http-request-method`: case-sensitive, no wildcards;
//! `source-ip`: IPv4 or IPv6 CIDR blocks matched against the client's source address (not `X-Forwarded-For`).

use std::net::IpAddr;

use http::{HeaderMap, Method};
use percent_encoding::percent_decode_str;

use super::model::{Cidr, Condition};

/// What a condition looks at.
pub struct RequestFacts<'a> {
    pub method: &'a Method,
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub source: IpAddr,
}

pub fn all_match(conditions: &[Condition], req: &RequestFacts) -> bool {
    conditions.iter().all(|c| matches(c, req))
}

pub fn matches(condition: &Condition, req: &RequestFacts) -> bool {
    match condition {
        Condition::HostHeader(patterns) => {
            // The Host header's port is not part of the host name the rule compares.
            let host = strip_port(req.host).to_ascii_lowercase();
            patterns.iter().any(|p| wildcard(&p.to_ascii_lowercase(), &host))
        }
        Condition::PathPattern(patterns) => patterns.iter().any(|p| wildcard(p, req.path)),
        Condition::HttpHeader { name, values } => req
            .headers
            .get_all(name.to_ascii_lowercase().as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                let v = v.to_ascii_lowercase();
                values.iter().any(|p| wildcard(&p.to_ascii_lowercase(), &v))
            }),
        Condition::QueryString(pairs) => {
            let params = query_pairs(req.query);
            pairs.iter().any(|(key, value)| {
                let value = value.to_ascii_lowercase();
                params.iter().any(|(k, v)| {
                    key.as_ref()
                        .is_none_or(|key| wildcard(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()))
                        && wildcard(&value, &v.to_ascii_lowercase())
                })
            })
        }
        Condition::HttpRequestMethod(methods) => methods.iter().any(|m| m == req.method.as_str()),
        Condition::SourceIp(cidrs) => cidrs.iter().any(|c| c.contains(req.source)),
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(h, _)| &h[1..]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The query string's key/value pairs, percent-decoded (`+` as a space).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().to_string();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// `*` is any run of characters (also none), `?` exactly one; everything else literally.
pub fn wildcard(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s.split_once('/').unwrap_or((s, ""));
        let network: IpAddr = addr.parse().map_err(|_| format!("'{s}' is not a CIDR block"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() {
            max
        } else {
            prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}' is not a CIDR block"))?
        };
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            _ => ip,
        };
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        method: &'a Method,
        host: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a HeaderMap,
    ) -> RequestFacts<'a> {
        RequestFacts {
            method,
            host,
            path,
            query,
            headers,
            source: "127.0.0.1".parse().unwrap(),
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.example.com", "pr-1.example.com"));
        assert!(wildcard("*.example.com", ".example.com"));
        assert!(!wildcard("*.example.com", "example.com"));
        assert!(wildcard("pr-?", "pr-7"));
        assert!(!wildcard("pr-?", "pr-17"));
        assert!(wildcard("/api/*", "/api/"));
        assert!(wildcard("*a*b", "xxaxxbxb"));
    }

    #[test]
    fn each_condition_type() {
        let get = Method::GET;
        let mut headers = HeaderMap::new();
        headers.insert("x-env", "PR-7".parse().unwrap());
        let r = facts(&get, "Pr-1.Example.com:8080", "/Api/x", "v=1&Tag=a%20b", &headers);
        assert!(matches(&Condition::HostHeader(vec!["*.example.COM".into()]), &r));
        assert!(
            !matches(&Condition::PathPattern(vec!["/api/*".into()]), &r),
            "paths are case-sensitive"
        );
        assert!(matches(&Condition::PathPattern(vec!["/Api/*".into()]), &r));
        assert!(matches(
            &Condition::HttpHeader {
                name: "X-Env".into(),
                values: vec!["pr-?".into()]
            },
            &r
        ));
        assert!(matches(
            &Condition::QueryString(vec![(Some("tag".into()), "A B".into())]),
            &r
        ));
        assert!(matches(&Condition::QueryString(vec![(None, "1".into())]), &r));
        assert!(!matches(
            &Condition::QueryString(vec![(Some("v".into()), "2".into())]),
            &r
        ));
        assert!(
            !matches(&Condition::HttpRequestMethod(vec!["get".into()]), &r),
            "methods are case-sensitive"
        );
        assert!(matches(
            &Condition::SourceIp(vec![Cidr::parse("127.0.0.0/8").unwrap()]),
            &r
        ));
        assert!(!matches(
            &Condition::SourceIp(vec![Cidr::parse("10.0.0.0/8").unwrap()]),
            &r
        ));
        assert!(Cidr::parse("::1/128").unwrap().contains("::1".parse().unwrap()));
    }
}
