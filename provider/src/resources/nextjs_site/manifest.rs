//! What one apply published for one build, kept in the assets bucket at
//! `<assets_prefix>/.nextstack/builds/<build_id>.json` so that Terraform state stays small however large the
//! build: state holds the build ids and a digest, the manifests hold every key, digest and ETag.
//!
//! The next apply compares the new build with these manifests instead of listing the bucket, prunes the
//! files of builds that leave the skew-protection window, and destroy removes exactly what they list.
//!
//! A manifest is read on every plan and apply, and holds a few hundred bytes per file (two digests, an ETag,
//! the key and headers), so it is stored gzip-compressed (`Content-Encoding: gzip`): about a third of the
//! bytes. Manifests written uncompressed by earlier versions are still read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::opennext::publish::{Area, PublishFile};
use crate::opennext::tag_seed::TagRow;

pub const FORMAT: u32 = 1;
/// The manifests' folder under the assets prefix. It starts with a dot: OpenNext routes no path like it
/// to the bucket, so CloudFront never serves it; for a standalone build at the bucket's root, the
/// six-stack edge stack routes only `/_next/static/*`, `/_next/data/*` and `/images/*` there.
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
    /// `opennext` or `standalone`; absent in manifests written before standalone builds (all OpenNext).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_kind: Option<String>,
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
    /// The stored form: gzip-compressed JSON.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 3), flate2::Compression::default());
        gz.write_all(&json).map_err(|e| e.to_string())?;
        gz.finish().map_err(|e| e.to_string())
    }

    /// Reads the stored form: gzip-compressed JSON, or plain JSON as earlier versions wrote it. The gzip
    /// magic number decides, not the object's Content-Encoding, which a copy by hand may have lost.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut json = Vec::with_capacity(bytes.len() * 3);
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut json)
                .map_err(|e| format!("bad gzip data: {e}"))?;
            serde_json::from_slice(&json).map_err(|e| e.to_string())
        } else {
            serde_json::from_slice(bytes).map_err(|e| e.to_string())
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(files: usize) -> Manifest {
        Manifest {
            format: FORMAT,
            build_id: "b1".into(),
            sequence: 3,
            content_hash: "sha256:00".into(),
            build_dir: ".open-next".into(),
            destination: Destination {
                assets_bucket: "assets".into(),
                assets_prefix: "_assets".into(),
                cache_bucket: "assets".into(),
                cache_prefix: "_cache".into(),
                revalidation_table: None,
            },
            settings: Settings::default(),
            files: (0..files)
                .map(|i| Entry {
                    area: Area::Assets,
                    rel: format!(
                        "_next/static/chunks/{i:05}-{}.js",
                        &hex::encode(Sha256::digest(i.to_string()))[..16]
                    ),
                    sha256: hex::encode(Sha256::digest(format!("content {i}"))),
                    etag: format!("\"{}\"", &hex::encode(Sha256::digest(format!("etag {i}")))[..32]),
                    size: 1000 + i as u64,
                    content_type: "text/javascript".into(),
                    cache_control: Some("public,max-age=31536000,immutable".into()),
                })
                .collect(),
            tag_rows: vec![("t".into(), "/p".into())],
        }
    }

    #[test]
    fn the_stored_form_is_gzip_and_reads_back_equal() {
        let m = sample(3);
        let bytes = m.encode().unwrap();
        assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
        assert_eq!(Manifest::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn plain_json_from_earlier_versions_still_reads() {
        let m = sample(2);
        assert_eq!(Manifest::decode(&serde_json::to_vec(&m).unwrap()).unwrap(), m);
    }

    #[test]
    fn compression_takes_the_manifest_well_below_the_json() {
        let m = sample(1000);
        let json = serde_json::to_vec(&m).unwrap().len();
        let stored = m.encode().unwrap().len();
        // Digests are random hex (at best 2:1); keys, types and headers repeat.
        assert!(stored * 2 < json, "{stored} bytes stored for {json} bytes of JSON");
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let mut bytes = sample(2).encode().unwrap();
        bytes.truncate(bytes.len() / 2);
        assert!(Manifest::decode(&bytes).is_err());
        assert!(Manifest::decode(b"not json").is_err());
    }
}
