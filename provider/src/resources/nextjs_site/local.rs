//! The build on disk as the resource sees it: the files and tag rows it would publish and their digest.
//! Read at plan (so that the plan shows a new `build_id` and `content_hash`) and again at apply (to make sure
//! what is published is what was planned).

use std::path::PathBuf;

use crate::opennext::publish::{self, PublishFile};
use crate::opennext::tag_seed::{self, TagRow};
use crate::opennext::{BuildError, BuildOutput};

use super::manifest;

pub const DEFAULT_ASSETS_PREFIX: &str = "_assets";
pub const DEFAULT_CACHE_PREFIX: &str = "_cache";

pub struct LocalBuild {
    pub output: BuildOutput,
    pub files: Vec<PublishFile>,
    pub rows: Vec<TagRow>,
    pub content_hash: String,
}

impl LocalBuild {
    /// Reads and digests the build (blocking file IO, off the async runtime). A relative `build_dir` is
    /// relative to where Terraform runs.
    pub async fn read(build_dir: &str) -> Result<LocalBuild, BuildError> {
        let dir = PathBuf::from(build_dir);
        tokio::task::spawn_blocking(move || {
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            let output = BuildOutput::read(&dir)?;
            let files = publish::files(&output)?;
            let rows = tag_seed::rows(&output)?;
            let content_hash = manifest::content_hash(&output.build_id, &files, &rows);
            Ok(LocalBuild {
                output,
                files,
                rows,
                content_hash,
            })
        })
        .await
        .unwrap_or_else(|e| Err(BuildError::new(build_dir, format!("reading the build failed: {e}"))))
    }

    pub fn assets_prefix(&self) -> String {
        self.output
            .assets_copy()
            .map(|c| c.to.clone())
            .unwrap_or_else(|| DEFAULT_ASSETS_PREFIX.to_string())
    }

    pub fn cache_prefix(&self) -> String {
        self.output
            .cache_copy()
            .map(|c| c.to.clone())
            .unwrap_or_else(|| DEFAULT_CACHE_PREFIX.to_string())
    }
}
