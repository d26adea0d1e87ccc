//! Targets registered in Elastic Load Balancing target groups, as the edge runs them: the ECS tasks it starts
//! register themselves here (ECS registers a service's tasks in the target groups its `loadBalancers` name), and the
//! load balancer's health checker records what each target's health check last said. A load balancer forwards only
//! to healthy targets; when none is healthy it fails open and routes to all of them, as AWS documents ("Health
//! checks for Application Load Balancer target groups": "If a target group contains only unhealthy registered
//! targets, the load balancer routes requests to all those targets, regardless of their health status").

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// A target's health as the load balancer's health checks see it ("Target health status").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Registered, no health check has passed yet: it gets no traffic unless every target is unhealthy.
    Initial,
    Healthy,
    Unhealthy,
    /// Deregistered and finishing in-flight requests: it gets no new traffic.
    Draining,
}

/// One registered target: for an ECS task, its task id and the local address its container port is served on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub addr: SocketAddr,
    pub health: Health,
}

/// Every target group's registered targets, keyed by target group ARN.
#[derive(Default)]
pub struct TargetGroups {
    groups: Mutex<HashMap<String, Vec<Target>>>,
}

impl TargetGroups {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or re-registers) a target; it starts in `Initial` until a health check passes.
    pub fn register(&self, target_group_arn: &str, id: &str, addr: SocketAddr) {
        let mut groups = self.groups.lock().unwrap();
        let targets = groups.entry(target_group_arn.to_string()).or_default();
        targets.retain(|t| t.id != id);
        targets.push(Target {
            id: id.to_string(),
            addr,
            health: Health::Initial,
        });
    }

    /// Removes a target at once (a stopped task).
    pub fn deregister(&self, target_group_arn: &str, id: &str) {
        if let Some(targets) = self.groups.lock().unwrap().get_mut(target_group_arn) {
            targets.retain(|t| t.id != id);
        }
    }

    /// Records what the health check said; unknown targets are ignored (deregistered meanwhile).
    pub fn set_health(&self, target_group_arn: &str, id: &str, health: Health) {
        if let Some(targets) = self.groups.lock().unwrap().get_mut(target_group_arn) {
            if let Some(t) = targets.iter_mut().find(|t| t.id == id) {
                t.health = health;
            }
        }
    }

    /// Records what a health check said, unless the target began draining meanwhile (a probe can take up to the
    /// group's timeout; a deregistered target is no longer checked and must not get traffic again).
    pub fn record_check(&self, target_group_arn: &str, id: &str, health: Health) {
        if let Some(targets) = self.groups.lock().unwrap().get_mut(target_group_arn) {
            if let Some(t) = targets.iter_mut().find(|t| t.id == id && t.health != Health::Draining) {
                t.health = health;
            }
        }
    }

    /// Every registered target of a group, in registration order.
    pub fn targets(&self, target_group_arn: &str) -> Vec<Target> {
        self.groups
            .lock()
            .unwrap()
            .get(target_group_arn)
            .cloned()
            .unwrap_or_default()
    }

    /// The addresses a load balancer may route to: the healthy targets, or, when there are targets but none is
    /// healthy, all of them but the draining ones (fail open).
    pub fn routable(&self, target_group_arn: &str) -> Vec<SocketAddr> {
        let targets = self.targets(target_group_arn);
        let healthy: Vec<SocketAddr> = targets
            .iter()
            .filter(|t| t.health == Health::Healthy)
            .map(|t| t.addr)
            .collect();
        if !healthy.is_empty() {
            return healthy;
        }
        targets
            .iter()
            .filter(|t| t.health != Health::Draining)
            .map(|t| t.addr)
            .collect()
    }

    /// The health of one target, if registered.
    pub fn health(&self, target_group_arn: &str, id: &str) -> Option<Health> {
        self.targets(target_group_arn)
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.health)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn routes_to_healthy_targets_and_fails_open_when_none_is() {
        let groups = TargetGroups::new();
        groups.register("tg", "a", addr(1));
        groups.register("tg", "b", addr(2));
        assert_eq!(groups.routable("tg"), vec![addr(1), addr(2)]);
        groups.set_health("tg", "b", Health::Healthy);
        assert_eq!(groups.routable("tg"), vec![addr(2)]);
        groups.set_health("tg", "b", Health::Unhealthy);
        groups.set_health("tg", "a", Health::Draining);
        assert_eq!(groups.routable("tg"), vec![addr(2)]);
        groups.deregister("tg", "b");
        groups.deregister("tg", "a");
        assert!(groups.routable("tg").is_empty());
        assert!(groups.routable("unknown").is_empty());
    }

    #[test]
    fn a_check_that_answers_after_the_target_began_draining_leaves_it_draining() {
        let groups = TargetGroups::new();
        groups.register("tg", "a", addr(1));
        groups.record_check("tg", "a", Health::Healthy);
        groups.set_health("tg", "a", Health::Draining);
        groups.record_check("tg", "a", Health::Healthy);
        assert_eq!(groups.health("tg", "a"), Some(Health::Draining));
        assert!(groups.routable("tg").is_empty());
    }
}
