//! The health checker: for each `ip`/`instance` target group a listener forwards to, every registered target is
//! probed with the group's health check, and its health recorded in `targets::TargetGroups` (which routes only to
//! healthy targets, failing open when none is).
//!
//! AWS: Application Load Balancers user guide, "Health checks for Application Load Balancer target groups": a `GET`
//! of `HealthCheckPath` every `HealthCheckIntervalSeconds`, failed when there is no answer within
//! `HealthCheckTimeoutSeconds` or its status is not in the matcher's codes (`200`, `200,202`, `200-299`); a target
//! becomes healthy after `HealthyThresholdCount` consecutive successes and unhealthy after
//! `UnhealthyThresholdCount` consecutive failures; the checker's User-Agent is `ELB-HealthChecker/2.0`.
//! `--health-check-interval` replaces every group's interval so that tests need not wait 30 s; the thresholds and
//! the timeout are kept (AWS requires the timeout to be shorter than the interval: with a shorter interval a round of
//! probes lasts until its slowest probe has answered or timed out, and the next one starts an interval after that).
//! Capping the timeout to a 200 ms interval made a live task on a loaded machine fail three checks in a row and be
//! stopped mid-deployment, which a 5 s timeout on AWS would not.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::model::{HealthCheck, TargetGroup, TargetKind};
use crate::targets::{Health, TargetGroups};

/// Starts one checker per target group that has servers as targets and its health check enabled.
pub fn spawn(groups: &[Arc<TargetGroup>], targets: &Arc<TargetGroups>, interval_override: Option<Duration>) {
    for group in groups {
        let TargetKind::Servers { health_check, .. } = &group.kind else {
            continue;
        };
        if !health_check.enabled {
            continue;
        }
        let mut check = health_check.clone();
        if let Some(interval) = interval_override {
            check.interval = interval;
        }
        tokio::spawn(run(group.arn.clone(), group.name.clone(), check, targets.clone()));
    }
}

async fn run(arn: String, name: String, check: HealthCheck, targets: Arc<TargetGroups>) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    // Consecutive (successes, failures) per target id.
    let mut streaks: HashMap<String, (u32, u32)> = HashMap::new();
    // Rounds never overlap: a round that outlasts the interval delays the next one rather than bursting.
    let mut tick = tokio::time::interval(check.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let current: Vec<_> = targets
            .targets(&arn)
            .into_iter()
            .filter(|t| t.health != Health::Draining)
            .collect();
        streaks.retain(|id, _| current.iter().any(|t| &t.id == id));
        // Each target is probed on its own, as ELB's health checker nodes do: a slow target does not hold up the others.
        let results = futures::future::join_all(current.iter().map(|t| probe(&client, &check, t.addr))).await;
        for (target, passed) in current.into_iter().zip(results) {
            let streak = streaks.entry(target.id.clone()).or_default();
            *streak = if passed { (streak.0 + 1, 0) } else { (0, streak.1 + 1) };
            let next = if streak.0 >= check.healthy_threshold {
                Health::Healthy
            } else if streak.1 >= check.unhealthy_threshold {
                Health::Unhealthy
            } else {
                target.health
            };
            if next != target.health {
                eprintln!(
                    "nextstack-edge: target group {name}: target {} is {} (health check GET {})",
                    target.id,
                    if next == Health::Healthy {
                        "healthy"
                    } else {
                        "unhealthy"
                    },
                    check.path
                );
                targets.record_check(&arn, &target.id, next);
            }
        }
    }
}

async fn probe(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    check: &HealthCheck,
    addr: std::net::SocketAddr,
) -> bool {
    let Ok(request) = http::Request::get(format!("http://{addr}{}", check.path))
        .header(http::header::USER_AGENT, "ELB-HealthChecker/2.0")
        .body(Empty::new())
    else {
        return false;
    };
    match tokio::time::timeout(check.timeout, client.request(request)).await {
        Ok(Ok(response)) => codes_match(&check.matcher, response.status().as_u16()),
        _ => false,
    }
}

/// Whether a status is among the matcher's codes: `200`, `200,202`, `200-299`.
pub fn codes_match(matcher: &str, status: u16) -> bool {
    matcher
        .split(',')
        .map(str::trim)
        .any(|part| match part.split_once('-') {
            Some((lo, hi)) => {
                matches!((lo.parse::<u16>(), hi.parse::<u16>()), (Ok(lo), Ok(hi)) if (lo..=hi).contains(&status))
            }
            None => part.parse::<u16>() == Ok(status),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_codes() {
        assert!(codes_match("200", 200));
        assert!(!codes_match("200", 204));
        assert!(codes_match("200,204", 204));
        assert!(codes_match("200-299", 250));
        assert!(!codes_match("200-299", 301));
    }
}
