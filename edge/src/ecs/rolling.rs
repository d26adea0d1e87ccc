//! The arithmetic of a rolling update: how many tasks of the new deployment may start and how many of the old ones
//! may stop, from the service's `deploymentConfiguration`.
//!
//! AWS: Amazon ECS Developer Guide, "Deploy Amazon ECS services by replacing tasks": `minimumHealthyPercent` is "the
//! lower limit on the number of tasks ... that must remain in the RUNNING state during a deployment, as a percentage
//! of the desiredCount (rounded up to the nearest integer)" (for tasks behind a load balancer, healthy in it), and
//! `maximumPercent` "the upper limit on the number of tasks ... that are allowed in the RUNNING or PENDING state
//! during a deployment, as a percentage of the desiredCount (rounded down to the nearest integer)"; defaults 100 and
//! 200. So with 100/200 the scheduler starts the new tasks first and stops old ones as new ones turn healthy; with
//! 50/100 it stops half of the old ones first to make room.

/// The bounds of one service's rolling update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Tasks that must stay healthy.
    pub min_healthy: u32,
    /// Tasks that may run at once (RUNNING or PENDING, draining ones included: they run until they stop).
    pub max_running: u32,
}

impl Bounds {
    pub fn new(desired: u32, minimum_healthy_percent: u32, maximum_percent: u32) -> Self {
        let min_healthy = (desired * minimum_healthy_percent).div_ceil(100).min(desired);
        // A maximum that leaves no room to start a task while the minimum must stay up would stall the update (no
        // task could start, none could stop): here one extra task is allowed so that it proceeds.
        let max_running = (desired * maximum_percent / 100).max(min_healthy + 1);
        Self {
            min_healthy,
            max_running,
        }
    }

    /// How many new tasks may start now: up to the desired count, within the maximum.
    pub fn launches(&self, desired: u32, new_tasks: u32, running: u32) -> u32 {
        desired
            .saturating_sub(new_tasks)
            .min(self.max_running.saturating_sub(running))
    }

    /// How many healthy old tasks may stop now without going under the minimum (old tasks that are not healthy
    /// may always stop: they are not counted as healthy).
    pub fn healthy_stops(&self, healthy: u32) -> u32 {
        healthy.saturating_sub(self.min_healthy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_rounds_up_and_maximum_rounds_down() {
        assert_eq!(
            Bounds::new(3, 50, 150),
            Bounds {
                min_healthy: 2,
                max_running: 4
            }
        );
        assert_eq!(
            Bounds::new(1, 100, 200),
            Bounds {
                min_healthy: 1,
                max_running: 2
            }
        );
        assert_eq!(
            Bounds::new(2, 100, 100).max_running,
            3,
            "no room at all is widened by one task"
        );
    }

    #[test]
    fn default_bounds_start_new_tasks_first_then_stop_old_ones_as_new_ones_turn_healthy() {
        let b = Bounds::new(2, 100, 200);
        // Two old healthy tasks: both new ones may start at once; no old one may stop yet.
        assert_eq!(b.launches(2, 0, 2), 2);
        assert_eq!(b.healthy_stops(2), 0);
        // One new task healthy: three healthy in all, one old one may stop.
        assert_eq!(b.healthy_stops(3), 1);
        assert_eq!(b.launches(2, 2, 4), 0);
    }

    #[test]
    fn half_minimum_and_no_surge_stop_old_tasks_first() {
        let b = Bounds::new(2, 50, 100);
        assert_eq!(b.launches(2, 0, 2), 0, "no room above the desired count");
        assert_eq!(b.healthy_stops(2), 1, "one old task may stop to make room");
        assert_eq!(b.launches(2, 0, 1), 1);
    }
}
