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
        if let Some(ids) = list_all(&cf, &distribution_id).await {
            for id in ids {
                if first {
                    seen.insert(id);
                    continue;
                }
                if seen.contains(&id) {
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
                // Marked seen only once read, so one whose GetInvalidation failed is tried again at the next poll.
                seen.insert(id.clone());
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

/// Every invalidation's id, page by page: CloudFront API Reference, "ListInvalidations" (a page holds at most
/// `MaxItems`, 100 by default; `IsTruncated` says more follow, from `NextMarker` passed back as `Marker`). None when a
/// page cannot be read (the next poll tries again, so an invalidation on a later page is never skipped for good).
async fn list_all(cf: &aws_sdk_cloudfront::Client, distribution_id: &str) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = cf
            .list_invalidations()
            .distribution_id(distribution_id)
            .set_marker(marker.take())
            .send()
            .await
            .ok()?;
        let list = page.invalidation_list()?;
        ids.extend(list.items().iter().map(|i| i.id().to_string()));
        match list.next_marker() {
            Some(next) if list.is_truncated() && !next.is_empty() => marker = Some(next.to_string()),
            _ => return Some(ids),
        }
    }
}
