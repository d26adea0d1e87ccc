//! Waiting on AWS: exponential backoff that never sleeps past a deadline and
//! ends at once when Terraform asks the provider to stop (Ctrl-C; `resources/` gives
//! the framework's stop signal this module's [`Stop`]). Every wait of the provider
//! (certificate issuance, Route53 INSYNC, CloudFront invalidations) polls through one.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// Why a wait ended before what it waited for happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The deadline passed.
    TimedOut,
    /// Terraform asked the provider to stop.
    Interrupted,
}

/// What a wait listens to for Terraform's stop request (the framework's stop signal in the provider).
pub trait Stop: Sync {
    fn is_stopped(&self) -> bool;
    fn stopped(&self) -> impl Future<Output = ()> + Send;
}

/// Pauses between polls: `first`, doubling up to `max`, each cut short at the
/// deadline, so the last poll happens at the deadline rather than a delay before it.
pub struct Backoff<'a, S: Stop> {
    delay: Duration,
    max: Duration,
    deadline: Instant,
    started: Instant,
    stop: &'a S,
}

impl<'a, S: Stop> Backoff<'a, S> {
    pub fn new(first: Duration, max: Duration, deadline: Instant, stop: &'a S) -> Self {
        Backoff {
            delay: first,
            max,
            deadline,
            started: Instant::now(),
            stop,
        }
    }

    /// Sleeps for the next delay or until the deadline, whichever comes first.
    /// `Err` when the deadline had already passed, or a stop was requested before or during the sleep.
    pub async fn pause(&mut self) -> Result<(), Ended> {
        if self.stop.is_stopped() {
            return Err(Ended::Interrupted);
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Ended::TimedOut);
        }
        tokio::select! {
            _ = tokio::time::sleep(self.delay.min(remaining)) => {}
            _ = self.stop.stopped() => return Err(Ended::Interrupted),
        }
        self.delay = (self.delay * 2).min(self.max);
        Ok(())
    }

    /// Whole seconds since the wait began, for messages.
    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use tokio::sync::watch;

    /// A stop signal the test controls.
    pub struct TestStop(pub watch::Receiver<bool>);

    impl Stop for TestStop {
        fn is_stopped(&self) -> bool {
            *self.0.borrow()
        }
        fn stopped(&self) -> impl Future<Output = ()> + Send {
            let mut rx = self.0.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        }
    }

    pub fn never() -> (watch::Sender<bool>, TestStop) {
        let (tx, rx) = watch::channel(false);
        (tx, TestStop(rx))
    }

    #[tokio::test]
    async fn the_last_pause_ends_at_the_deadline_not_before() {
        let (_tx, stop) = never();
        let deadline = Instant::now() + Duration::from_millis(150);
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(10), deadline, &stop);
        assert_eq!(b.pause().await, Ok(()));
        // The second delay (200 ms) is cut to what is left (about 50 ms): the poll after it is at the deadline.
        assert_eq!(b.pause().await, Ok(()));
        assert!(Instant::now() >= deadline);
        assert!(Instant::now() < deadline + Duration::from_millis(100));
        assert_eq!(b.pause().await, Err(Ended::TimedOut));
    }

    #[tokio::test]
    async fn a_stop_ends_a_pause_at_once() {
        let (tx, stop) = never();
        let mut b = Backoff::new(
            Duration::from_secs(30),
            Duration::from_secs(30),
            Instant::now() + Duration::from_secs(60),
            &stop,
        );
        let started = Instant::now();
        let (result, _) = tokio::join!(b.pause(), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = tx.send(true);
        });
        assert_eq!(result, Err(Ended::Interrupted));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(b.pause().await, Err(Ended::Interrupted), "stays interrupted");
    }
}
