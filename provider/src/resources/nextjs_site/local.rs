//! The build on disk as the resource sees it: its kind, the files and tag rows it would publish and their
//! digest. Read at plan (so that the plan shows a new `build_id` and `content_hash`) and again at apply (to make
//! sure what is published is what was planned).

use std::path::PathBuf;

use crate::opennext::publish::{self, PublishFile};
use crate::opennext::standalone::StandaloneBuild;
use crate::opennext::tag_seed::{self, TagRow};
use crate::opennext::{BuildError, BuildKind, BuildOutput};

use super::manifest;

pub const DEFAULT_ASSETS_PREFIX: &str = "_assets";
pub const DEFAULT_CACHE_PREFIX: &str = "_cache";
/// A standalone build's files go to the bucket's root: `/_next/static/*` and the public paths are then the
/// keys themselves, for a CloudFront S3 origin without an origin path (the six-stack edge stack's).
pub const STANDALONE_ASSETS_PREFIX: &str = "";

pub struct LocalBuild {
    pub kind: BuildKind,
    pub build_id: String,
    pub files: Vec<PublishFile>,
    pub rows: Vec<TagRow>,
    pub content_hash: String,
    /// The default key prefixes: OpenNext's from its output file; a standalone build has no cache.
    pub assets_prefix: String,
    pub cache_prefix: Option<String>,
}

impl LocalBuild {
    /// Reads and digests the build (blocking file IO, off the async runtime), as `kind` or, without it, as
    /// the kind the directory holds. A relative `build_dir` is relative to where Terraform runs.
    pub async fn read(build_dir: &str, kind: Option<BuildKind>) -> Result<LocalBuild, BuildError> {
        let dir = PathBuf::from(build_dir);
        tokio::task::spawn_blocking(move || {
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            let kind = match kind {
                Some(k) => k,
                None => BuildKind::detect(&dir)?,
            };
            match kind {
                BuildKind::OpenNext => Self::opennext(kind, &dir),
                BuildKind::Standalone => Self::standalone(kind, &dir),
            }
        })
        .await
        .unwrap_or_else(|e| Err(BuildError::new(build_dir, format!("reading the build failed: {e}"))))
    }

    fn opennext(kind: BuildKind, dir: &std::path::Path) -> Result<LocalBuild, BuildError> {
        let output = BuildOutput::read(dir)?;
        let files = publish::files(&output)?;
        let rows = tag_seed::rows(&output)?;
        let content_hash = manifest::content_hash(&output.build_id, &files, &rows);
        let assets_prefix = output
            .assets_copy()
            .map(|c| c.to.clone())
            .unwrap_or_else(|| DEFAULT_ASSETS_PREFIX.to_string());
        let cache_prefix = output
            .cache_copy()
            .map(|c| c.to.clone())
            .unwrap_or_else(|| DEFAULT_CACHE_PREFIX.to_string());
        Ok(LocalBuild {
            kind,
            build_id: output.build_id,
            files,
            rows,
            content_hash,
            assets_prefix,
            cache_prefix: Some(cache_prefix),
        })
    }

    fn standalone(kind: BuildKind, dir: &std::path::Path) -> Result<LocalBuild, BuildError> {
        let build = StandaloneBuild::read(dir)?;
        let files = build.files()?;
        let content_hash = manifest::content_hash(&build.build_id, &files, &[]);
        Ok(LocalBuild {
            kind,
            build_id: build.build_id,
            files,
            rows: Vec::new(),
            content_hash,
            assets_prefix: STANDALONE_ASSETS_PREFIX.to_string(),
            cache_prefix: None,
        })
    }
}
