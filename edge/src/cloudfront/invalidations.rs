//! Invalidations created through the API purge the edge cache: the edge polls `ListInvalidations` and applies
//! each new one's paths once (CloudFront Developer Guide, "Invalidate files to remove content").

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::cache::Cache;

/// Polls every `every` until the task is dropped; invalidations that exist at start are already applied
/// (the cache starts empty).
pub async fn follow(cf: aws_sdk_cloudfront::Client, distribution_id: String, cache: Arc<Cache>, every: Duration) {
    let mut seen: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        if let Ok(list) = cf.list_invalidations().distribution_id(&distribution_id).send().await {
            let ids: Vec<String> = list
                .invalidation_list()
                .map(|l| l.items().iter().map(|i| i.id().to_string()).collect())
                .unwrap_or_default();
            for id in ids {
                if !seen.insert(id.clone()) || first {
                    continue;
                }
                let Ok(inv) = cf
                    .get_invalidation()
                    .distribution_id(&distribution_id)
                    .id(&id)
                    .send()
                    .await
                else {
                    continue;
                };
                let paths: Vec<String> = inv
                    .invalidation()
                    .and_then(|i| i.invalidation_batch())
                    .and_then(|b| b.paths())
                    .map(|p| p.items().to_vec())
                    .unwrap_or_default();
                let removed: usize = paths.iter().map(|p| cache.invalidate(p)).sum();
                eprintln!(
                    "nextstack-edge: invalidation {id}: {} path(s), {removed} cached object(s) removed",
                    paths.len()
                );
            }
            first = false;
        }
        tokio::time::sleep(every).await;
    }
}
