//! The S3 side: uploads (concurrent, bounded), batched deletes, listings for the drift check, and the
//! manifests. Each call names the bucket and key it acted on when it fails.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::stream::{self, StreamExt};
use tfplugin_framework::Diagnostic;

use super::manifest::{Destination, Entry, Manifest};
use crate::aws::{Answer, Clients, Error as AwsError, Kind};
use crate::opennext::publish::PublishFile;

/// Uploads in flight at once: enough to hide S3's per-request latency, few enough for a CI runner's
/// sockets and for S3's per-prefix request rate.
pub const UPLOAD_CONCURRENCY: usize = 16;
/// DeleteObjects takes at most 1,000 keys.
const DELETE_BATCH: usize = 1000;

/// Uploads `files`; returns the entries of those that were written and the first error, if any. After an
/// error no further upload starts, and those in flight finish (so that every object written is reported
/// and can be cleaned up).
pub async fn upload(clients: &Clients, dest: &Destination, files: &[&PublishFile]) -> (Vec<Entry>, Option<Diagnostic>) {
    let failed = AtomicBool::new(false);
    // Indices rather than references: a closure over `&PublishFile` trips the async-trait lifetime check.
    let results: Vec<Result<Option<Entry>, Diagnostic>> = stream::iter(0..files.len())
        .map(|i| {
            let failed = &failed;
            let f = files[i];
            async move {
                if failed.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                let r = put(clients, dest, f).await;
                if r.is_err() {
                    failed.store(true, Ordering::SeqCst);
                }
                r.map(Some)
            }
        })
        .buffer_unordered(UPLOAD_CONCURRENCY)
        .collect()
        .await;
    let mut written = Vec::new();
    let mut error = None;
    for r in results {
        match r {
            Ok(Some(e)) => written.push(e),
            Ok(None) => {}
            Err(d) => {
                error.get_or_insert(d);
            }
        }
    }
    (written, error)
}

async fn put(clients: &Clients, dest: &Destination, f: &PublishFile) -> Result<Entry, Diagnostic> {
    let bucket = dest.bucket(f.area);
    let key = dest.key(f.area, &f.rel);
    let body = ByteStream::from_path(&f.source).await.map_err(|e| {
        Diagnostic::error(
            "Cannot read a file of the build",
            format!("{}: {e} (uploading to s3://{bucket}/{key})", f.source.display()),
        )
    })?;
    let out = clients
        .s3()
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(body)
        .content_type(&f.content_type)
        .set_cache_control(f.cache_control.clone())
        .send()
        .await
        .map_err(|e| AwsError::call(&format!("uploading s3://{bucket}/{key} (s3:PutObject)"), &e))?;
    Ok(Entry {
        area: f.area,
        rel: f.rel.clone(),
        sha256: f.sha256.clone(),
        etag: out.e_tag().unwrap_or_default().to_string(),
        size: f.size,
        content_type: f.content_type.clone(),
        cache_control: f.cache_control.clone(),
    })
}

/// Deletes `keys` from `bucket`, 1,000 per request. Keys already gone are not an error.
pub async fn delete(clients: &Clients, bucket: &str, keys: &[String]) -> Result<(), AwsError> {
    for chunk in keys.chunks(DELETE_BATCH) {
        let objects = chunk
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AwsError::bug("Cannot build a delete request", e))?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| AwsError::bug("Cannot build a delete request", e))?;
        let out = clients
            .s3()
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| {
                AwsError::call(
                    &format!("deleting {} objects from s3://{bucket} (s3:DeleteObjects)", chunk.len()),
                    &e,
                )
            })?;
        if let Some(first) = out.errors().first() {
            return Err(AwsError {
                answer: Some(Box::new(Answer {
                    service: Some("s3"),
                    operation: Some("DeleteObjects"),
                    code: first.code().map(str::to_string),
                    message: first.message().map(str::to_string),
                })),
                ..AwsError::new(
                    Kind::Other,
                    format!(
                        "AWS error: deleting s3://{bucket}/{} (s3:DeleteObjects)",
                        first.key().unwrap_or("?")
                    ),
                    format!(
                        "{}: {} ({} of {} keys in this batch failed)",
                        first.code().unwrap_or("Error"),
                        first.message().unwrap_or(""),
                        out.errors().len(),
                        chunk.len()
                    ),
                )
            });
        }
    }
    Ok(())
}

/// Every key under `prefix` with its ETag.
pub async fn list(clients: &Clients, bucket: &str, prefix: &str) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut out = BTreeMap::new();
    let mut pages = clients
        .s3()
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::call(&format!("listing s3://{bucket}/{prefix} (s3:ListObjectsV2)"), &e))?;
        for o in page.contents() {
            if let Some(k) = o.key() {
                out.insert(k.to_string(), o.e_tag().unwrap_or_default().to_string());
            }
        }
    }
    Ok(out)
}

pub async fn put_manifest(clients: &Clients, m: &Manifest) -> Result<(), Diagnostic> {
    let bucket = &m.destination.assets_bucket;
    let key = m.destination.manifest_key(&m.build_id);
    let body = m
        .encode()
        .map_err(|e| Diagnostic::error("Cannot encode the build manifest", e))?;
    clients
        .s3()
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(ByteStream::from(body))
        .content_type("application/json")
        .content_encoding("gzip")
        .cache_control("no-store")
        .send()
        .await
        .map_err(|e| {
            AwsError::call(
                &format!("writing the build manifest s3://{bucket}/{key} (s3:PutObject)"),
                &e,
            )
        })?;
    Ok(())
}

/// A kept build's manifest; `None` when it is gone (deleted by hand, or the bucket is gone).
pub async fn get_manifest(
    clients: &Clients,
    dest: &Destination,
    build_id: &str,
) -> Result<Option<Manifest>, Diagnostic> {
    let bucket = &dest.assets_bucket;
    let key = dest.manifest_key(build_id);
    let out = match clients.s3().get_object().bucket(bucket).key(&key).send().await {
        Ok(out) => out,
        Err(e) => {
            let missing = e
                .as_service_error()
                .map(|s| {
                    s.is_no_such_key()
                        || aws_smithy_types::error::metadata::ProvideErrorMetadata::code(s) == Some("NoSuchBucket")
                })
                .unwrap_or(false);
            if missing {
                return Ok(None);
            }
            return Err(AwsError::call(
                &format!("reading the build manifest s3://{bucket}/{key} (s3:GetObject)"),
                &e,
            )
            .into());
        }
    };
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| Diagnostic::error(format!("Cannot read s3://{bucket}/{key}"), e.to_string()))?
        .into_bytes();
    let m = Manifest::decode(&bytes).map_err(|e| {
        Diagnostic::error(
            "Unreadable build manifest",
            format!("s3://{bucket}/{key} is not a manifest this provider wrote: {e}"),
        )
    })?;
    Ok(Some(m))
}

/// Build ids with a manifest under the destination (for import).
pub async fn manifest_ids(clients: &Clients, dest: &Destination) -> Result<Vec<String>, Diagnostic> {
    let dir = dest.manifest_dir();
    Ok(list(clients, &dest.assets_bucket, &dir)
        .await?
        .keys()
        .filter_map(|k| k.strip_prefix(&dir)?.strip_suffix(".json").map(str::to_string))
        .filter(|id| !id.contains('/'))
        .collect())
}
