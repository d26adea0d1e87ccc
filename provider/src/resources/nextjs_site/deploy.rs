//! One publish: upload what changed, seed the tag cache, record the manifest, prune the builds that left
//! the window, invalidate. The order keeps every visitor's page working: hashed files before anything that
//! refers to them, the new manifest before anything old goes, and deletions only after the new build is
//! complete. A failure before the manifest is written removes what this publish added (nothing is left
//! behind); assets it overwrote keep the new content and show as drift, which the next apply repairs.
//!
//! Only assets are watched for drift (see [`watched`]): the cache prefix of a published build belongs to its
//! server function, so an apply that does not change the build never writes to it or deletes from it.

use std::collections::{BTreeMap, BTreeSet};

use tfplugin_framework::{Diagnostic, Diagnostics, StopSignal};

use super::diff::{self, Work};
use super::local::LocalBuild;
use super::manifest::{live, Destination, Entry, Manifest, Settings, FORMAT};
use super::objects;
use super::tag_table;
use crate::aws::{cloudfront, Clients, Error as AwsError};
use crate::opennext::publish::{Area, PublishFile};

pub struct Request<'a> {
    pub clients: &'a Clients,
    pub dest: &'a Destination,
    pub build: &'a LocalBuild,
    pub build_dir: &'a str,
    pub settings: Settings,
    /// Kept builds' manifests, newest first.
    pub previous: Vec<Manifest>,
    pub drifted: BTreeSet<(Area, String)>,
    pub stop: &'a StopSignal,
}

#[derive(Debug)]
pub struct Deployed {
    pub manifest: Manifest,
    /// Build ids now kept, the new one first.
    pub builds: Vec<String>,
    pub invalidation_id: Option<String>,
    pub uploaded: usize,
    pub deleted: usize,
    /// Problems after the new build was complete (pruning, invalidation): the build is live.
    pub late_errors: Diagnostics,
}

/// An error before the new build was complete; what it had added is removed again.
pub struct Failed(pub Diagnostics);

pub async fn deploy(req: Request<'_>) -> Result<Deployed, Failed> {
    let keep = req.settings.keep_previous_builds as usize;
    let work = diff::work(
        &req.build.build_id,
        &req.build.files,
        &req.build.rows,
        &req.previous,
        keep,
        &req.drifted,
    );
    tracing::info!(
        build_id = %req.build.build_id,
        upload = work.uploads.len(),
        unchanged = work.unchanged.len(),
        delete = work.deletions.len(),
        rows = work.rows_to_write.len(),
        replaces = work.replaced_build.as_deref().unwrap_or("-"),
        "publishing the Next.js build"
    );
    let existing: BTreeMap<(Area, String), Entry> = live(&req.previous);
    let mut written: Vec<Entry> = Vec::new();
    let mut rows_written = false;

    let result = async {
        let phases: [Vec<&PublishFile>; 3] = {
            let mut p: [Vec<&PublishFile>; 3] = Default::default();
            for f in &work.uploads {
                p[match (f.area, f.is_immutable()) {
                    (Area::Assets, true) => 0,
                    (Area::Cache, _) => 1,
                    (Area::Assets, false) => 2,
                }]
                .push(f);
            }
            p
        };
        for (i, phase) in phases.iter().enumerate() {
            if i == 2 {
                // The cache and tag rows go before the un-hashed files that announce the new build.
                if let (Some(table), false) = (&req.dest.revalidation_table, work.rows_to_write.is_empty()) {
                    rows_written = true;
                    tag_table::write(req.clients, table, &work.rows_to_write).await?;
                }
            }
            let (done, error) = objects::upload(req.clients, req.dest, phase).await;
            written.extend(done);
            if let Some(e) = error {
                return Err(e);
            }
        }
        let mut files: Vec<Entry> = work.unchanged.iter().cloned().chain(written.iter().cloned()).collect();
        files.sort_by(|a, b| (a.area, &a.rel).cmp(&(b.area, &b.rel)));
        let manifest = Manifest {
            format: FORMAT,
            build_id: req.build.build_id.clone(),
            sequence: req.previous.iter().map(|m| m.sequence).max().unwrap_or(0) + 1,
            content_hash: req.build.content_hash.clone(),
            build_dir: req.build_dir.to_string(),
            destination: req.dest.clone(),
            settings: req.settings.clone(),
            files,
            tag_rows: match req.dest.revalidation_table {
                Some(_) => req.build.rows.iter().map(|r| (r.tag.clone(), r.path.clone())).collect(),
                None => Vec::new(),
            },
        };
        objects::put_manifest(req.clients, &manifest).await?;
        Ok(manifest)
    }
    .await;

    let manifest = match result {
        Ok(m) => m,
        Err(error) => {
            let mut diags = Diagnostics(vec![error]);
            // Remove what is new (keys no kept build lists); overwritten keys are the next apply's drift.
            let added: Vec<&Entry> = written
                .iter()
                .filter(|e| !existing.contains_key(&(e.area, e.rel.clone())))
                .collect();
            if let Err(e) = delete_entries(req.clients, req.dest, added.into_iter()).await {
                diags.push(e.into());
            }
            if rows_written {
                if let Some(table) = &req.dest.revalidation_table {
                    let keys: Vec<(String, String)> = work
                        .rows_to_write
                        .iter()
                        .map(|r| (r.tag.clone(), r.path.clone()))
                        .collect();
                    if let Err(e) = tag_table::delete(req.clients, table, &keys).await {
                        diags.push(e);
                    }
                }
            }
            return Err(Failed(diags));
        }
    };

    let mut late_errors = Diagnostics::new();
    let mut builds = vec![manifest.build_id.clone()];
    builds.extend(work.kept.iter().cloned());
    if let Err(e) = prune(&req, &work, &manifest).await {
        // The old builds stay listed so that the next apply prunes them.
        builds.extend(work.evicted.iter().filter(|id| **id != manifest.build_id).cloned());
        late_errors.push(e);
    }

    let invalidation_id = match invalidate(&req, &work).await {
        Ok(id) => id,
        Err(e) => {
            late_errors.push(e);
            None
        }
    };
    Ok(Deployed {
        uploaded: written.len(),
        deleted: work.deletions.len(),
        manifest,
        builds,
        invalidation_id,
        late_errors,
    })
}

async fn prune(req: &Request<'_>, work: &Work<'_>, manifest: &Manifest) -> Result<(), Diagnostic> {
    let mut by_bucket: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (area, rel) in &work.deletions {
        by_bucket
            .entry(req.dest.bucket(*area))
            .or_default()
            .push(req.dest.key(*area, rel));
    }
    for id in work.evicted.iter().filter(|id| **id != manifest.build_id) {
        by_bucket
            .entry(&req.dest.assets_bucket)
            .or_default()
            .push(req.dest.manifest_key(id));
    }
    if let (Some(table), false) = (&req.dest.revalidation_table, work.rows_to_delete.is_empty()) {
        tag_table::delete(req.clients, table, &work.rows_to_delete).await?;
    }
    for (bucket, keys) in by_bucket {
        objects::delete(req.clients, bucket, &keys).await?;
    }
    Ok(())
}

/// The invalidation this publish needs, if any: `None` when nothing CloudFront caches changed. `changed`
/// invalidates `/*` when the publish made another build live (its pages replace every cached page, see
/// [`diff::invalidation_paths`]), else the un-hashed paths whose content changed.
async fn invalidate(req: &Request<'_>, work: &Work<'_>) -> Result<Option<String>, Diagnostic> {
    let Some(distribution_id) = req.settings.distribution_id.as_deref() else {
        return Ok(None);
    };
    let paths = match req.settings.invalidation.as_str() {
        "none" => Vec::new(),
        "all" if !work.uploads.is_empty() || !work.deletions.is_empty() => vec!["/*".to_string()],
        "all" => Vec::new(),
        _ => diff::invalidation_paths(work),
    };
    if paths.is_empty() {
        return Ok(None);
    }
    let reference = format!(
        "nextstack-{}-{}",
        req.build.build_id,
        &req.build.content_hash.trim_start_matches("sha256:")[..16]
    );
    let id = cloudfront::create(req.clients, distribution_id, &paths, &reference)
        .await
        .map_err(|mut d| {
            let what = if paths == ["/*"] {
                "the previous content (pages and un-hashed files)".to_string()
            } else {
                format!("the old content of {} paths", paths.len())
            };
            d.detail.push_str(&format!(
                "\n\nThe build is published, but CloudFront may serve {what} until its cache expires. Invalidate by hand: aws cloudfront create-invalidation --distribution-id {distribution_id} --paths {}",
                if paths.len() > 20 || paths == ["/*"] { "'/*'".to_string() } else { paths.join(" ") }
            ));
            d
        })?;
    tracing::info!(%id, paths = paths.len(), "created a CloudFront invalidation");
    if req.settings.wait_for_invalidation {
        // A wait that ended first comes back as a warning (the caller keeps the apply's result).
        if let Err(unfinished) = cloudfront::wait(req.clients, distribution_id, &id, req.stop).await? {
            return Err(unfinished.into());
        }
    }
    Ok(Some(id))
}

/// Deletes the objects of `entries`, grouped by bucket.
pub async fn delete_entries<'e>(
    clients: &Clients,
    dest: &Destination,
    entries: impl Iterator<Item = &'e Entry>,
) -> Result<(), AwsError> {
    let mut by_bucket: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in entries {
        by_bucket
            .entry(dest.bucket(e.area))
            .or_default()
            .push(dest.key(e.area, &e.rel));
    }
    for (bucket, keys) in by_bucket {
        objects::delete(clients, bucket, &keys).await?;
    }
    Ok(())
}

/// The objects drift is looked for in: the assets the kept builds list, never their cache entries.
///
/// A cache entry is published as the seed of its build's ISR and fetch caches; from then on the server
/// function owns it: it writes revalidated pages and newer fetch results over it and deletes entries whose
/// page went. What the cache holds is the site working, not drift, and putting the seed back would serve the
/// build-time page again. The cache entries stay in the manifests for pruning and destroy only.
pub fn watched(previous: &[Manifest]) -> BTreeMap<(Area, String), Entry> {
    live(previous)
        .into_iter()
        .filter(|((area, _), _)| *area == Area::Assets)
        .collect()
}

/// Assets the kept builds list that are missing from the bucket or hold other content (by ETag).
pub async fn drift(
    clients: &Clients,
    dest: &Destination,
    previous: &[Manifest],
) -> Result<BTreeSet<(Area, String)>, Diagnostic> {
    let expected = watched(previous);
    if expected.is_empty() {
        return Ok(BTreeSet::new());
    }
    let listed = objects::list(clients, &dest.assets_bucket, &dest.key(Area::Assets, "")).await?;
    Ok(expected
        .iter()
        .filter(|((area, rel), entry)| {
            listed
                .get(&dest.key(*area, rel))
                .map(|etag| *etag != entry.etag)
                .unwrap_or(true)
        })
        .map(|(k, _)| k.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::nextjs_site::manifest::Destination;

    fn entry(area: Area, rel: &str) -> Entry {
        Entry {
            area,
            rel: rel.into(),
            sha256: "s".into(),
            etag: "\"e\"".into(),
            size: 1,
            content_type: "text/plain".into(),
            cache_control: None,
        }
    }

    #[test]
    fn only_assets_are_watched_for_drift() {
        let m = Manifest {
            format: FORMAT,
            build_id: "b1".into(),
            sequence: 1,
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
            files: vec![
                entry(Area::Assets, "BUILD_ID"),
                entry(Area::Cache, "b1/index.cache"),
                entry(Area::Cache, "__fetch/b1/abc"),
            ],
            tag_rows: Vec::new(),
        };
        let watched: Vec<(Area, String)> = watched(&[m]).into_keys().collect();
        assert_eq!(watched, [(Area::Assets, "BUILD_ID".to_string())]);
    }
}
