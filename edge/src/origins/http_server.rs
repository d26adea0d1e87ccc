//! An HTTP server on loopback as a custom origin (a `next start`, a container's program, a test server).

use bytes::Bytes;
use http::{Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::{full, OriginRequest, OriginResponse};

pub struct HttpServerOrigin {
    /// `host:port`
    authority: String,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl HttpServerOrigin {
    pub fn new(authority: String) -> Self {
        Self {
            authority,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn authority(&self) -> &str {
        &self.authority
    }

    pub async fn fetch(&self, request: OriginRequest) -> OriginResponse {
        let path_and_query = if request.query.is_empty() {
            request.path.clone()
        } else {
            format!("{}?{}", request.path, request.query)
        };
        let uri: Result<Uri, _> = format!("http://{}{}", self.authority, path_and_query).parse();
        let Ok(uri) = uri else {
            return OriginResponse::new(http::StatusCode::BAD_GATEWAY, "text/plain", "bad origin URI");
        };
        let mut builder = Request::builder().method(request.method).uri(uri);
        if let Some(h) = builder.headers_mut() {
            *h = request.headers;
        }
        let Ok(req) = builder.body(Full::new(request.body)) else {
            return OriginResponse::new(http::StatusCode::BAD_GATEWAY, "text/plain", "bad origin request");
        };
        match self.client.request(req).await {
            Ok(resp) => {
                let (parts, body) = resp.into_parts();
                OriginResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body: body.map_err(Into::into).boxed(),
                }
            }
            Err(e) => OriginResponse {
                status: http::StatusCode::BAD_GATEWAY,
                headers: Default::default(),
                body: full(Bytes::from(format!("origin {} unreachable: {e}", self.authority))),
            },
        }
    }
}
