//! Origins: where CloudFront (or an ALB) sends a request it cannot answer from its cache.

pub mod function_url;
pub mod http_server;
pub mod payload_v2;
pub mod s3;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A response body, whole or streamed.
pub type Body = BoxBody<Bytes, BoxError>;

/// A request as it leaves the edge for an origin: headers already chosen by the policies.
#[derive(Debug, Clone)]
pub struct OriginRequest {
    pub method: Method,
    /// The path as sent to the origin (origin path included), starting with `/`, still percent-encoded.
    pub path: String,
    /// The query string as sent (no `?`), possibly empty.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct OriginResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Body,
}

impl OriginResponse {
    pub fn new(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        if let Ok(v) = content_type.parse() {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        Self {
            status,
            headers,
            body: full(body.into()),
        }
    }
}

pub fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

pub fn empty() -> Body {
    full(Bytes::new())
}
