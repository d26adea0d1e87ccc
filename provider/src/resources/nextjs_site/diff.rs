//! What an apply must do, worked out from the new build and the kept builds' manifests alone (no AWS):
//! which files to upload, which to delete, which tag rows to write and delete, which paths to invalidate.
//!
//! Invalidation (`changed`): a publish that makes another build live invalidates `/*`. CloudFront holds the
//! old build's pages, not only its files: Next.js sends `s-maxage=31536000` for static and ISR pages, and a
//! dynamic route's response can carry an `s-maxage` too. Routes are not files, so no list of paths covers
//! them; `/*` is one path and covers them all. The kept builds' hashed files stay in the bucket (and hashed
//! paths are never rewritten), so a page of the old build still loads its chunks after the invalidation.
//! The same build published again (a changed public file, a repair) invalidates only the un-hashed paths
//! whose content changed: its pages are the ones CloudFront already has.
//!
//! Skew protection: the new build and the `keep` builds before it stay whole; a build that falls out of the
//! window takes with it only the keys no kept build lists, so a file shared with a kept build (a chunk whose
//! hash did not change, `favicon.ico`) is never deleted.

use std::collections::BTreeSet;

use super::manifest::{all_rows, live, Entry, Manifest};
use crate::opennext::publish::{Area, PublishFile};
use crate::opennext::tag_seed::TagRow;

/// CloudFront accepts at most 3,000 file paths in invalidations in progress; above that one `/*` does it.
pub const MAX_INVALIDATION_PATHS: usize = 3000;

#[derive(Debug, Default)]
pub struct Work<'a> {
    /// In the order that keeps visitors safe: hashed assets first (nothing refers to them yet), then cache
    /// files, then the un-hashed assets that refer to them.
    pub uploads: Vec<&'a PublishFile>,
    /// Files already in place: their manifest entries carry over.
    pub unchanged: Vec<Entry>,
    /// Previous builds that stay (newest first), not counting the new one.
    pub kept: Vec<String>,
    /// Builds whose manifests go (their files as far as no kept build lists them).
    pub evicted: Vec<String>,
    pub deletions: Vec<(Area, String)>,
    pub rows_to_write: Vec<&'a TagRow>,
    pub rows_to_delete: Vec<(String, String)>,
    /// Un-hashed asset paths whose content changed, appeared or went, as CloudFront sees them.
    pub changed_paths: Vec<String>,
    /// The build that was live before this publish (the newest previous manifest's), when this publish makes
    /// another build id live: every page CloudFront cached was rendered by it. `None` on the first publish
    /// (nothing is cached yet) and when the live build is published again.
    pub replaced_build: Option<String>,
}

/// `previous`: the kept builds' manifests, newest first. `drifted`: keys found missing or changed in the
/// bucket (uploaded again whatever the manifests say).
pub fn work<'a>(
    build_id: &str,
    files: &'a [PublishFile],
    rows: &'a [TagRow],
    previous: &[Manifest],
    keep: usize,
    drifted: &BTreeSet<(Area, String)>,
) -> Work<'a> {
    let (kept, evicted): (Vec<&Manifest>, Vec<&Manifest>) = {
        let mut kept = Vec::new();
        let mut evicted = Vec::new();
        for m in previous {
            if m.build_id != build_id && kept.len() < keep {
                kept.push(m);
            } else {
                evicted.push(m);
            }
        }
        (kept, evicted)
    };
    let now = live(previous);
    let mut out = Work {
        kept: kept.iter().map(|m| m.build_id.clone()).collect(),
        evicted: evicted.iter().map(|m| m.build_id.clone()).collect(),
        replaced_build: previous
            .first()
            .filter(|m| m.build_id != build_id)
            .map(|m| m.build_id.clone()),
        ..Work::default()
    };

    let mut changed_paths = BTreeSet::new();
    for f in files {
        let key = (f.area, f.rel.clone());
        match now.get(&key) {
            Some(entry) if entry.same_content(f) && !drifted.contains(&key) => out.unchanged.push(entry.clone()),
            other => {
                let content_changed = other.map(|e| !e.same_content(f)).unwrap_or(true);
                if f.area == Area::Assets && !f.is_immutable() && content_changed {
                    changed_paths.insert(cloudfront_path(&f.rel));
                }
                out.uploads.push(f);
            }
        }
    }
    out.uploads.sort_by_key(|f| match (f.area, f.is_immutable()) {
        (Area::Assets, true) => 0,
        (Area::Cache, _) => 1,
        (Area::Assets, false) => 2,
    });

    let mut staying: BTreeSet<(Area, &str)> = files.iter().map(|f| (f.area, f.rel.as_str())).collect();
    for m in &kept {
        staying.extend(m.file_keys());
    }
    let mut deletions = BTreeSet::new();
    for m in &evicted {
        for e in &m.files {
            let goes = !staying.contains(&(e.area, e.rel.as_str())) && deletions.insert((e.area, e.rel.clone()));
            // A deleted un-hashed file must stop being served from CloudFront's cache too.
            if goes && e.area == Area::Assets && e.cache_control.as_deref() != Some(crate::opennext::publish::IMMUTABLE)
            {
                changed_paths.insert(cloudfront_path(&e.rel));
            }
        }
    }
    out.deletions = deletions.into_iter().collect();

    let had: BTreeSet<(String, String)> = all_rows(previous);
    let new_rows: BTreeSet<(String, String)> = rows.iter().map(|r| (r.tag.clone(), r.path.clone())).collect();
    out.rows_to_write = rows
        .iter()
        .filter(|r| !had.contains(&(r.tag.clone(), r.path.clone())))
        .collect();
    let kept_rows = all_rows(&kept.iter().map(|m| (*m).clone()).collect::<Vec<_>>());
    let evicted_rows = all_rows(&evicted.iter().map(|m| (*m).clone()).collect::<Vec<_>>());
    out.rows_to_delete = evicted_rows
        .into_iter()
        .filter(|r| !new_rows.contains(r) && !kept_rows.contains(r))
        .collect();
    out.changed_paths = changed_paths.into_iter().collect();
    out
}

/// The paths `invalidation = "changed"` invalidates (empty: no invalidation). Another build made live: `/*`,
/// its pages replace every page CloudFront holds (see the module's comment). The same build again: the
/// un-hashed paths whose content changed, or `/*` when there are more than CloudFront takes.
pub fn invalidation_paths(work: &Work<'_>) -> Vec<String> {
    if work.replaced_build.is_some() || work.changed_paths.len() > MAX_INVALIDATION_PATHS {
        vec!["/*".to_string()]
    } else {
        work.changed_paths.clone()
    }
}

/// `images/a b.png` -> `/images/a%20b.png`: CloudFront wants unsafe and non-ASCII characters URL-encoded.
pub fn cloudfront_path(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len() + 1);
    out.push('/');
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opennext::publish::{IMMUTABLE, REVALIDATE};
    use crate::resources::nextjs_site::manifest::{Destination, FORMAT};
    use std::path::PathBuf;

    fn file(area: Area, rel: &str, sha: &str) -> PublishFile {
        let cache_control = match area {
            Area::Cache => None,
            Area::Assets if rel.starts_with("_next/") => Some(IMMUTABLE.to_string()),
            Area::Assets => Some(REVALIDATE.to_string()),
        };
        PublishFile {
            area,
            rel: rel.to_string(),
            source: PathBuf::from(rel),
            sha256: sha.to_string(),
            size: 1,
            content_type: "text/plain".into(),
            cache_control,
        }
    }

    fn manifest(build_id: &str, files: &[PublishFile], rows: &[(&str, &str)]) -> Manifest {
        Manifest {
            format: FORMAT,
            build_id: build_id.into(),
            sequence: 0,
            content_hash: String::new(),
            build_dir: String::new(),
            destination: Destination {
                assets_bucket: "b".into(),
                assets_prefix: "_assets".into(),
                cache_bucket: "b".into(),
                cache_prefix: "_cache".into(),
                revalidation_table: None,
            },
            settings: Default::default(),
            files: files
                .iter()
                .map(|f| Entry {
                    area: f.area,
                    rel: f.rel.clone(),
                    sha256: f.sha256.clone(),
                    etag: format!("\"{}\"", f.sha256),
                    size: f.size,
                    content_type: f.content_type.clone(),
                    cache_control: f.cache_control.clone(),
                })
                .collect(),
            tag_rows: rows.iter().map(|(t, p)| (t.to_string(), p.to_string())).collect(),
        }
    }

    fn row(tag: &str, path: &str) -> TagRow {
        TagRow {
            tag: tag.into(),
            path: path.into(),
            item: Default::default(),
        }
    }

    fn b1() -> Vec<PublishFile> {
        vec![
            file(Area::Assets, "_next/static/b1/_buildManifest.js", "m1"),
            file(Area::Assets, "_next/static/chunks/about-1.js", "a1"),
            file(Area::Assets, "_next/static/chunks/main.js", "main"),
            file(Area::Assets, "BUILD_ID", "id1"),
            file(Area::Assets, "favicon.ico", "ico"),
            file(Area::Cache, "b1/about.cache", "c1"),
        ]
    }

    fn b2() -> Vec<PublishFile> {
        vec![
            file(Area::Assets, "_next/static/b2/_buildManifest.js", "m2"),
            file(Area::Assets, "_next/static/chunks/about-2.js", "a2"),
            file(Area::Assets, "_next/static/chunks/main.js", "main"),
            file(Area::Assets, "BUILD_ID", "id2"),
            file(Area::Assets, "favicon.ico", "ico"),
            file(Area::Cache, "b2/about.cache", "c2"),
        ]
    }

    #[test]
    fn a_first_publish_uploads_everything_hashed_first() {
        let files = b1();
        let w = work("b1", &files, &[], &[], 1, &BTreeSet::new());
        let order: Vec<&str> = w.uploads.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            order[..3],
            [
                "_next/static/b1/_buildManifest.js",
                "_next/static/chunks/about-1.js",
                "_next/static/chunks/main.js"
            ]
        );
        assert_eq!(order[3], "b1/about.cache");
        assert_eq!(w.changed_paths, ["/BUILD_ID", "/favicon.ico"]);
        assert!(w.deletions.is_empty());
        assert_eq!(w.replaced_build, None, "nothing was live before");
        assert_eq!(
            invalidation_paths(&w),
            ["/BUILD_ID", "/favicon.ico"],
            "no page is cached yet: only the un-hashed files"
        );
    }

    #[test]
    fn the_same_build_again_does_nothing() {
        let files = b1();
        let prev = [manifest("b1", &files, &[("t", "b1/p")])];
        let rows = [row("t", "b1/p")];
        let w = work("b1", &files, &rows, &prev, 1, &BTreeSet::new());
        assert!(w.uploads.is_empty() && w.deletions.is_empty() && w.rows_to_write.is_empty());
        assert!(w.rows_to_delete.is_empty() && w.changed_paths.is_empty());
        assert_eq!(w.unchanged.len(), files.len());
        assert_eq!(w.replaced_build, None);
        assert!(invalidation_paths(&w).is_empty(), "nothing changed: no invalidation");
    }

    #[test]
    fn a_new_build_made_live_invalidates_every_page() {
        let (f1, f2) = (b1(), b2());
        let m1 = manifest("b1", &f1, &[]);
        let w = work("b2", &f2, &[], std::slice::from_ref(&m1), 1, &BTreeSet::new());
        assert_eq!(w.replaced_build.as_deref(), Some("b1"));
        assert_eq!(w.changed_paths, ["/BUILD_ID"], "the only un-hashed file that changed");
        assert_eq!(
            invalidation_paths(&w),
            ["/*"],
            "b1's rendered pages are cached under routes, not files: one /* covers them"
        );
        assert!(w.deletions.is_empty(), "b1's chunks stay for its open pages");

        // The live build is the newest previous manifest's, whatever else is kept.
        let m2 = manifest("b2", &f2, &[]);
        let mut f3 = b2();
        for f in &mut f3 {
            f.rel = f.rel.replace("b2", "b3");
        }
        let w = work("b3", &f3, &[], &[m2.clone(), m1.clone()], 2, &BTreeSet::new());
        assert_eq!(w.replaced_build.as_deref(), Some("b2"));
        assert_eq!(invalidation_paths(&w), ["/*"]);

        // Going back to a kept build is a new build made live too.
        let w = work("b1", &f1, &[], &[m2, m1], 1, &BTreeSet::new());
        assert_eq!(w.replaced_build.as_deref(), Some("b2"));
        assert_eq!(invalidation_paths(&w), ["/*"]);
    }

    #[test]
    fn the_same_build_republished_invalidates_only_what_changed() {
        let (f1, f2) = (b1(), b2());
        let (m1, m2) = (manifest("b1", &f1, &[]), manifest("b2", &f2, &[]));
        let mut again = b2();
        for f in &mut again {
            if f.rel == "favicon.ico" {
                f.sha256 = "ico2".into();
            }
        }
        let w = work("b2", &again, &[], &[m2, m1], 1, &BTreeSet::new());
        assert_eq!(w.replaced_build, None, "b2 is the live build");
        assert_eq!(w.kept, ["b1"]);
        let uploaded: Vec<&str> = w.uploads.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(uploaded, ["favicon.ico"]);
        assert_eq!(
            invalidation_paths(&w),
            ["/favicon.ico"],
            "its pages are the ones CloudFront has"
        );
    }

    #[test]
    fn the_previous_build_stays_and_the_one_before_goes_without_shared_files() {
        let (f1, f2) = (b1(), b2());
        let m1 = manifest("b1", &f1, &[("t", "b1/p")]);
        let m2 = manifest("b2", &f2, &[("t", "b2/p")]);
        let rows2 = [row("t", "b2/p")];
        let w = work("b2", &f2, &rows2, std::slice::from_ref(&m1), 1, &BTreeSet::new());
        assert!(w.deletions.is_empty(), "b1 is kept: its chunks still load");
        let uploaded: Vec<&str> = w.uploads.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            uploaded,
            [
                "_next/static/b2/_buildManifest.js",
                "_next/static/chunks/about-2.js",
                "b2/about.cache",
                "BUILD_ID"
            ]
        );
        assert_eq!(w.changed_paths, ["/BUILD_ID"]);

        let mut f3 = b2();
        for f in &mut f3 {
            f.rel = f.rel.replace("b2", "b3");
        }
        let rows3 = [row("t", "b3/p")];
        let w = work("b3", &f3, &rows3, &[m2, m1], 1, &BTreeSet::new());
        assert_eq!(w.kept, ["b2"]);
        assert_eq!(w.evicted, ["b1"]);
        assert_eq!(
            w.deletions,
            [
                (Area::Assets, "_next/static/b1/_buildManifest.js".to_string()),
                (Area::Assets, "_next/static/chunks/about-1.js".to_string()),
                (Area::Cache, "b1/about.cache".to_string()),
            ],
            "main.js, BUILD_ID and favicon.ico are shared and stay"
        );
        assert_eq!(w.rows_to_delete, [("t".to_string(), "b1/p".to_string())]);
    }

    #[test]
    fn drifted_keys_are_uploaded_again() {
        let files = b1();
        let prev = [manifest("b1", &files, &[])];
        let drifted = BTreeSet::from([(Area::Assets, "favicon.ico".to_string())]);
        let w = work("b1", &files, &[], &prev, 1, &drifted);
        assert_eq!(w.uploads.len(), 1);
        assert!(w.changed_paths.is_empty(), "the content is what CloudFront already has");
    }

    #[test]
    fn paths_are_encoded_and_capped() {
        assert_eq!(cloudfront_path("images/a b+é.png"), "/images/a%20b%2B%C3%A9.png");
        let many: Vec<String> = (0..=MAX_INVALIDATION_PATHS).map(|i| format!("/{i}")).collect();
        let w = Work {
            changed_paths: many.clone(),
            ..Work::default()
        };
        assert_eq!(invalidation_paths(&w), ["/*"]);
        let w = Work {
            changed_paths: many[..2].to_vec(),
            ..Work::default()
        };
        assert_eq!(invalidation_paths(&w), ["/0", "/1"]);
    }
}
