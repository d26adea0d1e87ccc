//! The deployment circuit breaker's count of failed tasks.
//!
//! AWS: Amazon ECS Developer Guide, "How the Amazon ECS deployment circuit breaker detects failures", and the API
//! reference's `ServiceDeploymentCircuitBreaker.threshold`: "The deployment circuit breaker has a minimum threshold
//! of 3 and a maximum threshold of 200" around "0.5 * desired task count"; the deployment is FAILED when that many
//! tasks have failed (stopped) before it reaches a steady state, and then ECS stops launching its tasks (or rolls
//! back to the last completed deployment, with rollback on).

/// How many failed tasks fail a deployment of `desired_count` tasks: 0.5 × desired (rounded up), at least 3 and at
/// most 200.
pub fn threshold(desired_count: u32) -> u32 {
    desired_count.div_ceil(2).clamp(3, 200)
}

/// Failures counted while a deployment is in progress.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    failures: u32,
    /// The deployment reached a steady state: the breaker stops watching (`MONITORING_COMPLETE`).
    complete: bool,
}

impl Breaker {
    pub fn new(desired_count: u32) -> Self {
        Self {
            threshold: threshold(desired_count),
            failures: 0,
            complete: false,
        }
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn complete(&mut self) {
        self.complete = true;
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Counts a failed task; true when this one trips the breaker.
    pub fn fail(&mut self) -> bool {
        if self.complete {
            return false;
        }
        self.failures += 1;
        self.failures == self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_half_the_desired_count_between_3_and_200() {
        assert_eq!(threshold(0), 3);
        assert_eq!(threshold(1), 3);
        assert_eq!(threshold(6), 3);
        assert_eq!(threshold(7), 4);
        assert_eq!(threshold(10), 5);
        assert_eq!(threshold(399), 200);
        assert_eq!(threshold(1000), 200);
    }

    #[test]
    fn trips_once_at_the_threshold_and_never_after_a_steady_state() {
        let mut b = Breaker::new(1);
        assert!(!b.fail());
        assert!(!b.fail());
        assert!(b.fail());
        assert!(!b.fail());
        let mut b = Breaker::new(1);
        b.complete();
        assert!(!b.fail() && !b.fail() && !b.fail());
    }
}
