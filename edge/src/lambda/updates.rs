//! Functions behind function URLs follow their deployments: when `UpdateFunctionCode` or
//! `UpdateFunctionConfiguration` changes the function (a new `RevisionId`), new invocations go to the new
//! code and settings while the environments of the old version finish what they are doing, as Lambda does
//! (Lambda Developer Guide, "Lambda execution environment lifecycle": an update means new environments).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::deployed;
use super::pool::{Launcher, Pool};
use crate::endpoint::Aws;
use crate::origins::function_url::{Deployment, FunctionUrlOrigin};

pub async fn follow(
    aws: Aws,
    origin: Arc<crate::cloudfront::distribution::Origin>,
    launcher: Arc<Launcher>,
    cache: PathBuf,
    every: Duration,
) {
    let crate::cloudfront::distribution::OriginKind::FunctionUrl(url) = &origin.kind else {
        return;
    };
    let region = url.pool().spec().region.clone();
    let lambda = aws.lambda(&region);
    let mut revision: Option<String> = None;
    loop {
        if let Ok(conf) = lambda
            .get_function_configuration()
            .function_name(&url.function_name)
            .send()
            .await
        {
            // What identifies a deployment: RevisionId changes with every update on AWS; CodeSha256 and
            // LastModified too (and are what emulators that keep one RevisionId do change).
            let now = Some(format!(
                "{}|{}|{}",
                conf.revision_id().unwrap_or_default(),
                conf.code_sha256().unwrap_or_default(),
                conf.last_modified().unwrap_or_default()
            ));
            match (&revision, &now) {
                (None, _) => revision = now,
                (Some(old), Some(new)) if old != new && reload(&aws, url, &region, &launcher, &cache).await => {
                    revision = now;
                }
                _ => {}
            }
        }
        tokio::time::sleep(every).await;
    }
}

async fn reload(aws: &Aws, url: &FunctionUrlOrigin, region: &str, launcher: &Arc<Launcher>, cache: &Path) -> bool {
    match deployed::load(aws, region, &url.function_name, None, cache).await {
        Ok(d) => {
            let pool = Arc::new(Pool::new(d.spec, launcher.clone()));
            if let Ok(mut slot) = url.deployed.write() {
                *slot = Deployment {
                    pool,
                    resource_policy: d.resource_policy,
                };
            }
            eprintln!(
                "nextstack-edge: function {} was updated: new invocations run its new deployment",
                url.function_name
            );
            true
        }
        Err(e) => {
            eprintln!(
                "nextstack-edge: function {} was updated but cannot be loaded yet: {e}",
                url.function_name
            );
            false
        }
    }
}
