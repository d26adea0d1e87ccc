//! Event sources the layouts rely on, run by the edge: SQS event source mappings, and scheduled EventBridge rules
//! fired on demand.

pub mod eventbridge;
pub mod schedule;
pub mod sqs;

use std::path::Path;
use std::sync::Arc;

use crate::endpoint::aws_message;
use crate::endpoint::Aws;
use crate::lambda::deployed;
use crate::lambda::pool::{Launcher, Pool};

/// The enabled SQS event source mappings in these regions, with their functions ready to run.
pub async fn sqs_mappings(
    aws: &Aws,
    regions: &[String],
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<Vec<sqs::Mapping>, String> {
    let mut found = Vec::new();
    for region in regions {
        let lambda = aws.lambda(region);
        let mut marker: Option<String> = None;
        loop {
            let page = lambda
                .list_event_source_mappings()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| format!("ListEventSourceMappings in {region}: {}", aws_message(&e)))?;
            for m in page.event_source_mappings() {
                let (Some(source), Some(function_arn)) = (m.event_source_arn(), m.function_arn()) else {
                    continue;
                };
                if !source.starts_with("arn:aws:sqs:") || m.state().is_some_and(|s| s != "Enabled" && s != "Creating") {
                    continue;
                }
                // Checked before the function is loaded: a setting the edge would not honour stops it at start.
                let settings = sqs::Settings::from_config(m)?;
                let deployed = deployed::load(aws, region, function_arn, None, code_cache).await?;
                let mapping = sqs::Mapping {
                    uuid: m.uuid().unwrap_or_default().to_string(),
                    queue_arn: source.to_string(),
                    settings,
                    pool: Arc::new(Pool::new(deployed.spec, launcher.clone())),
                };
                sqs::check_visibility_timeout(aws, &mapping).await?;
                found.push(mapping);
            }
            marker = page.next_marker().map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
    }
    Ok(found)
}
