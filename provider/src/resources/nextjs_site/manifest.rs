//! What one apply published for one build, kept in the assets bucket at
//! `<assets_prefix>/.nextstack/builds/<build_id>.json` so that Terraform state stays small however large the
//! build: state holds the build ids and a digest, the manifests hold every key, digest and ETag.
//!
//! The next apply compares the new build with these manifests instead of listing the bucket, prunes the
//! files of builds that leave the skew-protection window, and destroy removes exactly what they list.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::opennext::publish::{Area, PublishFile};
use crate::opennext::tag_seed::TagRow;

pub const FORMAT: u32 = 1;
/// The manifests' folder under the assets prefix. It starts with a dot: OpenNext routes no path like it
/// to the bucket, so CloudFront never serves it.
pub const DIR: &str = ".nextstack/builds";

/// Where the objects of one area go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub assets_bucket: String,
    pub assets_prefix: String,
    pub cache_bucket: String,
    pub cache_prefix: String,
    pub revalidation_table: Option<String>,
}

impl Destination {
    pub fn bucket(&self, area: Area) -> &str {
        match area {
            Area::Assets => &self.assets_bucket,
            Area::Cache => &self.cache_bucket,
        }
    }
    pub fn key(&self, area: Area, rel: &str) -> String {
        let prefix = match area {
            Area::Assets => &self.assets_prefix,
            Area::Cache => &self.cache_prefix,
        };
        join(prefix, rel)
    }
    pub fn manifest_key(&self, build_id: &str) -> String {
        join(&self.assets_prefix, &format!("{DIR}/{build_id}.json"))
    }
    pub fn manifest_dir(&self) -> String {
        join(&self.assets_prefix, &format!("{DIR}/"))
    }
}

fn join(prefix: &str, rel: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub distribution_id: Option<String>,
    pub invalidation: String,
    pub wait_for_invalidation: bool,
    pub keep_previous_builds: u32,
}

/// One published object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub area: Area,
    pub rel: String,
    pub sha256: String,
    /// The ETag S3 returned for the upload: what a listing shows while the object is unchanged
    /// (whatever the bucket's encryption, which decides whether it is an MD5).
    pub etag: String,
    pub size: u64,
    pub content_type: String,
    pub cache_control: Option<String>,
}

impl Entry {
    pub fn same_content(&self, file: &PublishFile) -> bool {
        self.sha256 == file.sha256 && self.content_type == file.content_type && self.cache_control == file.cache_control
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub build_id: String,
    /// Increases with every apply: the order of builds when state is rebuilt by import.
    pub sequence: u64,
    pub content_hash: String,
    /// `build_dir` as configured, so that an import plans no change of it.
    pub build_dir: String,
    pub destination: Destination,
    /// The resource's other settings at that apply, so that an import reproduces them.
    pub settings: Settings,
    pub files: Vec<Entry>,
    /// Keys (`tag`, `path`) of the rows written to the revalidation table.
    pub tag_rows: Vec<(String, String)>,
}

impl Manifest {
    pub fn file_keys(&self) -> impl Iterator<Item = (Area, &str)> {
        self.files.iter().map(|e| (e.area, e.rel.as_str()))
    }
}

/// sha256 over everything a build publishes (keys, digests, headers, tag rows, build id): equal hashes mean
/// an apply would publish nothing new.
pub fn content_hash(build_id: &str, files: &[PublishFile], rows: &[TagRow]) -> String {
    let mut h = Sha256::new();
    h.update(format!("nextstack-site {FORMAT}\nbuild {build_id}\n"));
    for f in files {
        h.update(format!(
            "file {:?} {} {} {} {}\n",
            f.area,
            f.rel,
            f.sha256,
            f.content_type,
            f.cache_control.as_deref().unwrap_or("-")
        ));
    }
    for r in rows {
        let item = serde_json::to_string(&r.item).unwrap_or_default();
        h.update(format!("row {}\t{}\t{item}\n", r.tag, r.path));
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// What each key holds now: the entry of the newest kept manifest that lists it (every apply writes or
/// confirms every key of its build, so the newest writer's content is what is there).
pub fn live(manifests_newest_first: &[Manifest]) -> BTreeMap<(Area, String), Entry> {
    let mut out = BTreeMap::new();
    for m in manifests_newest_first.iter().rev() {
        for e in &m.files {
            out.insert((e.area, e.rel.clone()), e.clone());
        }
    }
    out
}

pub fn all_rows(manifests: &[Manifest]) -> BTreeSet<(String, String)> {
    manifests.iter().flat_map(|m| m.tag_rows.iter().cloned()).collect()
}
