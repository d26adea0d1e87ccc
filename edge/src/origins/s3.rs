//! An S3 bucket as CloudFront's origin, read through origin access control.
//!
//! AWS: CloudFront Developer Guide, "Restrict access to an Amazon S3 origin": with origin access control,
//! CloudFront signs its requests as the service principal `cloudfront.amazonaws.com`, and S3 serves them only
//! when the bucket policy allows that principal with `AWS:SourceArn` equal to the distribution's ARN.
//! Without OAC (or OAI) the request is anonymous. Amazon S3 User Guide, "GetObject" permissions: a missing key
//! is `404 NoSuchKey` only for a caller allowed `s3:ListBucket`; anyone else gets `403 AccessDenied`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::{empty, full, OriginRequest, OriginResponse};
use crate::iam;

pub struct S3Origin {
    pub bucket: String,
    pub region: String,
    pub origin_access_control: bool,
    client: aws_sdk_s3::Client,
    /// The bucket policy, re-read at most once a second (a test may change it while the edge runs).
    policy: Mutex<Option<(Instant, Option<Value>)>>,
}

impl S3Origin {
    pub fn new(bucket: String, region: String, origin_access_control: bool, client: aws_sdk_s3::Client) -> Self {
        Self {
            bucket,
            region,
            origin_access_control,
            client,
            policy: Mutex::new(None),
        }
    }

    async fn bucket_policy(&self) -> Option<Value> {
        if let Ok(cached) = self.policy.lock() {
            if let Some((at, policy)) = cached.as_ref() {
                if at.elapsed() < Duration::from_secs(1) {
                    return policy.clone();
                }
            }
        }
        let policy = match self.client.get_bucket_policy().bucket(&self.bucket).send().await {
            Ok(out) => out.policy().and_then(|p| serde_json::from_str(p).ok()),
            Err(_) => None,
        };
        if let Ok(mut cached) = self.policy.lock() {
            *cached = Some((Instant::now(), policy.clone()));
        }
        policy
    }

    async fn allowed(&self, action: &str, resource: &str, distribution_arn: &str, account: &str) -> bool {
        let Some(policy) = self.bucket_policy().await else {
            return false;
        };
        let service = if self.origin_access_control {
            "cloudfront.amazonaws.com"
        } else {
            "anonymous"
        };
        let context = [
            ("AWS:SourceArn", distribution_arn),
            ("AWS:SourceAccount", account),
            ("aws:SecureTransport", "true"),
        ];
        iam::allows(
            &policy,
            &iam::Request {
                service,
                action,
                resource,
                context: &context,
            },
        )
    }

    pub async fn fetch(&self, request: &OriginRequest, distribution_arn: &str, account: &str) -> OriginResponse {
        let key = percent_decode_str(request.path.trim_start_matches('/'))
            .decode_utf8_lossy()
            .to_string();
        let object_arn = format!("arn:aws:s3:::{}/{}", self.bucket, key);
        if !matches!(request.method, Method::GET | Method::HEAD)
            || !self
                .allowed("s3:GetObject", &object_arn, distribution_arn, account)
                .await
        {
            return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied");
        }
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let mut get = self.client.get_object().bucket(&self.bucket).key(&key);
        if let Some(v) = header("if-none-match") {
            get = get.if_none_match(v);
        }
        if let Some(v) = header("range") {
            get = get.range(v);
        }
        match get.send().await {
            Ok(out) => {
                let mut headers = HeaderMap::new();
                let mut put = |name: &'static str, value: Option<String>| {
                    if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                        headers.insert(name, v);
                    }
                };
                put("content-type", out.content_type().map(str::to_string));
                put("cache-control", out.cache_control().map(str::to_string));
                put("content-encoding", out.content_encoding().map(str::to_string));
                put("content-disposition", out.content_disposition().map(str::to_string));
                put("etag", out.e_tag().map(str::to_string));
                put(
                    "last-modified",
                    out.last_modified()
                        .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::HttpDate).ok()),
                );
                put("accept-ranges", Some("bytes".into()));
                put("server", Some("AmazonS3".into()));
                let status = if out.content_range().is_some() {
                    StatusCode::PARTIAL_CONTENT
                } else {
                    StatusCode::OK
                };
                put("content-range", out.content_range().map(str::to_string));
                let body = match out.body.collect().await {
                    Ok(b) => b.into_bytes(),
                    Err(e) => return s3_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &e.to_string()),
                };
                if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
                    headers.insert("content-length", v);
                }
                let body = if request.method == Method::HEAD {
                    empty()
                } else {
                    full(body)
                };
                OriginResponse { status, headers, body }
            }
            Err(err) => {
                let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or(500);
                match status {
                    304 => {
                        let mut headers = HeaderMap::new();
                        if let Some(v) = header("if-none-match").and_then(|v| HeaderValue::from_str(&v).ok()) {
                            headers.insert("etag", v);
                        }
                        OriginResponse {
                            status: StatusCode::NOT_MODIFIED,
                            headers,
                            body: empty(),
                        }
                    }
                    404 => {
                        let bucket_arn = format!("arn:aws:s3:::{}", self.bucket);
                        if self
                            .allowed("s3:ListBucket", &bucket_arn, distribution_arn, account)
                            .await
                        {
                            s3_error(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist.")
                        } else {
                            s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied")
                        }
                    }
                    403 => s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied"),
                    _ => s3_error(
                        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                        "InternalError",
                        &format!("{err:?}"),
                    ),
                }
            }
        }
    }
}

/// S3's XML error document.
fn s3_error(status: StatusCode, code: &str, message: &str) -> OriginResponse {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut response = OriginResponse::new(status, "application/xml", Bytes::from(body));
    response.headers.insert("server", HeaderValue::from_static("AmazonS3"));
    response
}
