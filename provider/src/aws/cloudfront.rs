//! CloudFront invalidations: `nextstack_nextjs_site` makes one per apply that made another build live (`/*`)
//! or changed un-hashed files, optionally waited for.

use std::time::Duration;

use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use tokio::time::Instant;

use super::poll::{Backoff, Ended, Stop};
use super::{Clients, Error, Kind, Unfinished};

/// How long `wait_for_invalidation` waits: CloudFront usually completes in under a minute, at worst in 15.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

pub async fn create(
    clients: &Clients,
    distribution_id: &str,
    paths: &[String],
    caller_reference: &str,
) -> Result<String, Error> {
    let batch = InvalidationBatch::builder()
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.to_vec()))
                .build()
                .map_err(|e| Error::bug("Cannot build an invalidation", e))?,
        )
        .caller_reference(caller_reference)
        .build()
        .map_err(|e| Error::bug("Cannot build an invalidation", e))?;
    let out = clients
        .cloudfront()
        .create_invalidation()
        .distribution_id(distribution_id)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(|e| {
            Error::call(
                &format!("invalidating {} paths of CloudFront distribution {distribution_id} (cloudfront:CreateInvalidation)", paths.len()),
                &e,
            )
        })?;
    out.invalidation().map(|i| i.id().to_string()).ok_or_else(|| {
        Error::new(
            Kind::Unexpected,
            "CloudFront returned no invalidation",
            format!("distribution {distribution_id}"),
        )
    })
}

/// Waits until CloudFront reports the invalidation completed. `Ok(Err(_))` when the wait ended first (timed
/// out, or Terraform was interrupted): the files are published either way.
pub async fn wait(
    clients: &Clients,
    distribution_id: &str,
    id: &str,
    stop: &impl Stop,
) -> Result<Result<(), Unfinished>, Error> {
    let mut backoff = Backoff::new(
        Duration::from_secs(2),
        Duration::from_secs(20),
        Instant::now() + WAIT_TIMEOUT,
        stop,
    );
    loop {
        let out = clients
            .cloudfront()
            .get_invalidation()
            .distribution_id(distribution_id)
            .id(id)
            .send()
            .await
            .map_err(|e| {
                Error::call(
                    &format!(
                        "reading invalidation {id} of distribution {distribution_id} (cloudfront:GetInvalidation)"
                    ),
                    &e,
                )
            })?;
        let status = out.invalidation().map(|i| i.status().to_string()).unwrap_or_default();
        if status.eq_ignore_ascii_case("Completed") {
            return Ok(Ok(()));
        }
        if let Err(ended) = backoff.pause().await {
            let why = match ended {
                Ended::TimedOut => format!("did not complete within {} minutes", WAIT_TIMEOUT.as_secs() / 60),
                Ended::Interrupted => "was still in progress when Terraform was interrupted".to_string(),
            };
            return Ok(Err(Unfinished {
                summary: format!("CloudFront invalidation {id} {why}"),
                detail: format!("Status {status:?} after {} s. The files are published; CloudFront completes the invalidation on its own.", backoff.elapsed_secs()),
            }));
        }
    }
}
