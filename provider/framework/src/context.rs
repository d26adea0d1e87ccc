//! What every call into a resource, data source or ephemeral resource receives.

use tokio::sync::watch;

/// Set when Terraform asks the provider to stop (Ctrl-C): long waits should end early.
#[derive(Clone, Debug)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    pub(crate) fn new() -> (watch::Sender<bool>, StopSignal) {
        let (tx, rx) = watch::channel(false);
        (tx, StopSignal(rx))
    }
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }
    /// Resolves when a stop is requested.
    pub async fn stopped(&self) {
        let mut rx = self.0.clone();
        // An error means the sender is gone, i.e. the server is shutting down.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

/// The configured provider's data (for example an AWS client cache) and the stop signal.
pub struct Ctx<'a, D> {
    pub data: &'a D,
    pub stop: &'a StopSignal,
}

impl<D> Clone for Ctx<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<D> Copy for Ctx<'_, D> {}
