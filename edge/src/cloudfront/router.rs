//! One viewer request through a distribution, in CloudFront's order: behaviour by path, allowed methods,
//! viewer-request function, cache lookup, origin request (only what the policies forward, Host, custom
//! headers, X-Forwarded-For, Via), origin, cache store, custom error responses, response headers policy,
//! viewer-response function, X-Cache and Age.
//!
//! AWS: CloudFront Developer Guide, "Values that you specify when you create or update a distribution"
//! (allowed and cached methods: a method not allowed is answered 403), "How CloudFront processes HTTP
//! requests" and "Request and response behavior for custom origins" (Host is the origin's domain unless
//! forwarded; `User-Agent` becomes `Amazon CloudFront` unless forwarded; the viewer's address is appended to
//! `X-Forwarded-For`; `Via` and `X-Amz-Cf-Id` are added; hop-by-hop headers are removed; `Content-Length`,
//! `Content-Type`, `Content-MD5` and `Range` always reach the origin, and `Authorization` does for methods
//! other than GET and HEAD), "Add custom headers to origin requests" (they override a viewer's header of the
//! same name), "Generate custom error responses", "Cache key" (the cache key holds the values the cache
//! policy names; Accept-Encoding is normalised to gzip/br when the policy enables compression), "Add CloudFront
//! request headers" (the `CloudFront-*` headers the policies select are added by CloudFront, their values derived
//! from the viewer's request; a viewer's own `CloudFront-*` headers are dropped, see `with_cloudfront_headers`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::cache::{time_to_live, Cache};
use super::distribution::EdgeFunction;
use super::distribution::{Behavior, Distribution, Origin, OriginKind};
use super::function_events;
use super::functions::FunctionWorker;
use super::lambda_edge::{self, Answer, EventType, OriginView, RequestView};
use super::policies::{cloudfront_header_value, is_cloudfront_header, Selection, ViewerConnection};
use crate::access_log::{AccessLog, LogLine};
use crate::lambda::pool::InvokeError;
use crate::lambda::Outcome;
use crate::origins::function_url::Failure;
use crate::origins::{full, Body, BoxError, OriginRequest, OriginResponse};
use crate::viewer_tls::ViewerTls;

pub struct Edge {
    pub distribution: Distribution,
    pub cache: Arc<Cache>,
    pub functions: Option<FunctionWorker>,
    pub log: AccessLog,
    /// The HTTPS listener's port (`--https-listen`), where `redirect-to-https` sends a viewer; None: there is only
    /// the plain listener, which stands for the HTTPS side.
    pub https_port: Option<u16>,
}

/// How a viewer reached the edge (`server::Side`).
#[derive(Debug, Clone)]
pub enum ViewerProtocol {
    /// The plain listener of an edge with no HTTPS listener: treated as HTTPS (no policy redirects).
    StandsForHttps,
    Http,
    Https(Arc<ViewerTls>),
}

impl ViewerProtocol {
    pub fn is_https(&self) -> bool {
        !matches!(self, ViewerProtocol::Http)
    }
}

/// How the response came about, for `X-Cache` and the access log's edge result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Hit,
    RefreshHit,
    Miss,
    Error,
    FunctionGeneratedResponse,
    LambdaGeneratedResponse,
    /// The viewer protocol policy redirected an HTTP request to HTTPS.
    Redirect,
}

impl ResultType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultType::Hit => "Hit",
            ResultType::RefreshHit => "RefreshHit",
            ResultType::Miss => "Miss",
            ResultType::Error => "Error",
            ResultType::FunctionGeneratedResponse => "FunctionGeneratedResponse",
            ResultType::LambdaGeneratedResponse => "LambdaGeneratedResponse",
            ResultType::Redirect => "Redirect",
        }
    }
}

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];
const ALWAYS_FORWARDED: [&str; 4] = ["content-length", "content-type", "content-md5", "range"];

impl Edge {
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        client: SocketAddr,
        protocol: ViewerProtocol,
    ) -> Response<Body> {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let mut line = LogLine::new(&parts, client, body.len(), &protocol);
        let viewer = Client {
            ip: client.ip().to_string(),
            address: client,
            version: parts.version,
            protocol,
        };
        let (status, mut headers, out_body, result) = self
            .process(parts.method.clone(), parts.uri, parts.headers, body, &viewer, false)
            .await;
        let request_id = format!("{:x}", fastrand::u128(..));
        headers.insert("x-cache", hv(&format!("{} from cloudfront", result.as_str())));
        headers.insert(
            "via",
            hv(&format!("1.1 {}.cloudfront.net (CloudFront)", &request_id[..16])),
        );
        headers.insert("x-amz-cf-pop", HeaderValue::from_static("LOCAL1-P1"));
        headers.insert("x-amz-cf-id", hv(&request_id));
        line.finish(status, &headers, result.as_str(), &request_id, started.elapsed());
        self.log.write(&line);
        let mut response = Response::new(out_body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }

    /// `redirect-to-https`: "If a viewer submits an HTTP request, CloudFront returns an HTTP status code of 301
    /// (Moved Permanently) to the viewer along with the HTTPS URL. The viewer then resubmits the request using the
    /// new URL" (CloudFront API Reference, `CacheBehavior`, `ViewerProtocolPolicy`): the same host, path and query,
    /// at the HTTPS listener's port. No function runs and nothing reaches the origin.
    fn redirect_to_https(&self, uri: &http::Uri, headers: &HeaderMap) -> (StatusCode, HeaderMap, Body, ResultType) {
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.parse::<http::uri::Authority>().ok())
            .map(|a| a.host().to_string())
            .unwrap_or_else(|| self.distribution.domain_name.clone());
        let port = match self.https_port {
            Some(443) | None => String::new(),
            Some(p) => format!(":{p}"),
        };
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let location = format!("https://{host}{port}{path_and_query}");
        let body = "<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n\
                    <center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>CloudFront</center>\r\n\
                    </body>\r\n</html>\r\n";
        let mut out = HeaderMap::new();
        out.insert("content-type", HeaderValue::from_static("text/html"));
        out.insert("server", HeaderValue::from_static("CloudFront"));
        if let Ok(value) = HeaderValue::from_str(&location) {
            out.insert("location", value);
        }
        (
            StatusCode::MOVED_PERMANENTLY,
            out,
            full(Bytes::from_static(body.as_bytes())),
            ResultType::Redirect,
        )
    }

    async fn process(
        &self,
        method: Method,
        uri: http::Uri,
        headers: HeaderMap,
        body: Bytes,
        client: &Client,
        error_page_fetch: bool,
    ) -> (StatusCode, HeaderMap, Body, ResultType) {
        let viewer_ip = client.ip.as_str();
        let dist = &self.distribution;
        let mut path = uri.path().to_string();
        let mut query = uri.query().unwrap_or("").to_string();
        let behavior = dist.behavior_for(&path);
        if !client.protocol.is_https() && !error_page_fetch {
            match behavior.viewer_protocol_policy.as_str() {
                "redirect-to-https" => return self.redirect_to_https(&uri, &headers),
                "https-only" => {
                    return error_page(
                        StatusCode::FORBIDDEN,
                        "This distribution requires HTTPS: the cache behavior's viewer protocol policy is https-only.",
                    )
                }
                _ => {}
            }
        }
        if !behavior.allowed_methods.contains(&method) {
            return error_page(StatusCode::FORBIDDEN, "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.");
        }
        if path == "/" {
            if let Some(root) = &dist.default_root_object {
                path = format!("/{root}");
            }
        }
        let mut headers = with_cloudfront_headers(behavior, headers, client);
        let mut body = body;
        if let Some(function) = &behavior.viewer_request {
            let Some(worker) = &self.functions else {
                return error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The CloudFront function could not run.",
                );
            };
            let request = function_events::request_object(method.as_str(), &path, &query, &headers);
            let event = function_events::event(&dist.id, &dist.domain_name, "viewer-request", viewer_ip, request, None);
            match worker.run(function, event).await {
                Ok(result) if result.get("statusCode").is_some() => {
                    return match function_events::apply_response(&result) {
                        Ok((status, headers, body)) => {
                            (status, headers, full(body), ResultType::FunctionGeneratedResponse)
                        }
                        Err(e) => function_failed(&function.name, &e),
                    };
                }
                Ok(result) => match function_events::apply_request(&result) {
                    Ok((u, q, h)) => {
                        path = u;
                        query = q;
                        headers = h;
                    }
                    Err(e) => return function_failed(&function.name, &e),
                },
                Err(e) => return function_failed(&function.name, &e),
            }
        }
        // Lambda@Edge viewer request: on every request, before the cache ("CloudFront events that can trigger a
        // Lambda@Edge function"); a generated response goes to the viewer and is not cached.
        if let Some(f) = behavior.lambda(EventType::ViewerRequest) {
            let event = EventType::ViewerRequest;
            let view = RequestView {
                client_ip: viewer_ip,
                method: method.as_str(),
                uri: &path,
                query: &query,
                headers: &headers,
            };
            let (payload, hidden) = lambda_edge::request_event(
                &dist.id,
                &dist.domain_name,
                event,
                &view,
                None,
                f.include_body.then_some(&body),
            );
            let result = match run_lambda(f, event, payload).await {
                Ok(v) => v,
                Err(failed) => return failed,
            };
            match lambda_edge::answer_request(event, &result, &headers, &hidden) {
                Ok(Answer::Request {
                    uri,
                    query: q,
                    headers: h,
                    body: b,
                }) => {
                    path = uri;
                    query = q;
                    headers = h;
                    if let Some(b) = b {
                        headers.insert(http::header::CONTENT_LENGTH, hv(&b.len().to_string()));
                        body = b;
                    }
                }
                Ok(Answer::Response { status, headers, body }) => {
                    return (status, headers, full(body), ResultType::LambdaGeneratedResponse);
                }
                Err(why) => return lambda_invalid(&f.pool.spec().name, event, &why.0),
            }
        }
        let viewer = Viewer {
            ip: viewer_ip,
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers: headers.clone(),
            error_page_fetch,
        };

        let cacheable = behavior.cached_methods.contains(&method) && matches!(method, Method::GET | Method::HEAD);
        let key = cache_key(behavior, &dist.domain_name, &path, &query, &headers);
        let mut revalidating = None;
        if cacheable {
            if let Some(entry) = self.cache.get(&path, &key) {
                if entry.fresh() {
                    let mut h = entry.headers.clone();
                    h.remove(http::header::CONTENT_LENGTH); // hyper sets it from the stored body
                    h.insert("age", hv(&entry.age().as_secs().to_string()));
                    let (status, body) = if super::cache::not_modified(&headers, &entry.headers) {
                        (StatusCode::NOT_MODIFIED, Bytes::new())
                    } else if method == Method::HEAD {
                        (entry.status, Bytes::new())
                    } else {
                        (entry.status, entry.body.clone())
                    };
                    return self
                        .finish(behavior, status, h, full(body), &viewer, ResultType::Hit)
                        .await;
                }
                if entry.validators() != (None, None) {
                    revalidating = Some(entry);
                }
            }
        }

        let Some(origin) = dist.origins.get(&behavior.origin).cloned() else {
            return error_page(StatusCode::BAD_GATEWAY, "The origin of this behaviour is not defined.");
        };
        let mut origin_request =
            self.origin_request(behavior, &origin, &method, &path, &query, &headers, body, viewer_ip);
        if let Some(entry) = &revalidating {
            let (etag, last_modified) = entry.validators();
            if let Some(v) = etag {
                origin_request.headers.insert("if-none-match", hv(&v));
            }
            if let Some(v) = last_modified {
                origin_request.headers.insert("if-modified-since", hv(&v));
            }
        }
        // Lambda@Edge origin request: only on a miss, after the cache lookup; a generated response is cached as the
        // origin's would be ("Generate HTTP responses in request triggers").
        let mut generated = None;
        let mut sent_uri = path.clone();
        if let Some(f) = behavior.lambda(EventType::OriginRequest) {
            let event = EventType::OriginRequest;
            // The origin's custom headers are shown in `origin.*.customHeaders`, not among the request's headers.
            let mut shown = origin_request.headers.clone();
            for (name, _) in &origin.custom_headers {
                shown.remove(name);
            }
            let view = RequestView {
                client_ip: viewer_ip,
                method: method.as_str(),
                uri: &path,
                query: &origin_request.query,
                headers: &shown,
            };
            let origin_view = OriginView {
                domain: &origin.domain,
                path: &origin.path,
                s3: matches!(origin.kind, OriginKind::S3(_)),
                custom_headers: &origin.custom_headers,
            };
            let body_given = f.include_body.then_some(&origin_request.body);
            let (payload, hidden) = lambda_edge::request_event(
                &dist.id,
                &dist.domain_name,
                event,
                &view,
                Some(&origin_view),
                body_given,
            );
            let shown_origin = payload["Records"][0]["cf"]["request"]["origin"].clone();
            let result = match run_lambda(f, event, payload).await {
                Ok(v) => v,
                Err(failed) => return failed,
            };
            let name = &f.pool.spec().name;
            if result.get("status").is_none() && result.get("origin").is_some_and(|o| *o != shown_origin) {
                // "Content-based dynamic origin selection" is not modelled: refused loudly, never ignored.
                eprintln!("nextstack-edge: Lambda@Edge function {name} (origin-request) changed the request's origin, which nextstack-edge does not model");
                return error_page(
                    StatusCode::BAD_GATEWAY,
                    "The Lambda function changed the origin of the request (not modelled by nextstack-edge).",
                );
            }
            match lambda_edge::answer_request(event, &result, &shown, &hidden) {
                Ok(Answer::Request {
                    uri,
                    query,
                    mut headers,
                    body,
                }) => {
                    for (name, value) in &origin.custom_headers {
                        headers.insert(name.clone(), value.clone());
                    }
                    origin_request.path = format!("{}{}", origin.path, uri);
                    sent_uri = uri;
                    origin_request.query = query;
                    origin_request.headers = headers;
                    if let Some(b) = body {
                        origin_request
                            .headers
                            .insert(http::header::CONTENT_LENGTH, hv(&b.len().to_string()));
                        origin_request.body = b;
                    }
                }
                Ok(Answer::Response { status, headers, body }) => {
                    generated = Some(OriginResponse {
                        status,
                        headers,
                        body: full(body),
                    });
                }
                Err(why) => return lambda_invalid(name, event, &why.0),
            }
        }
        // What origin-response functions are shown: the request as it was sent to the origin.
        let sent_query = origin_request.query.clone();
        let sent_headers = origin_request.headers.clone();
        let is_generated = generated.is_some();
        let response = match generated {
            Some(r) => r,
            None => match &origin.kind {
                OriginKind::S3(s3) => s3.fetch(&origin_request, &dist.arn, &dist.account).await,
                OriginKind::Http(server) => server.fetch(origin_request).await,
                // API Gateway sees CloudFront's address as the caller's: loopback here.
                OriginKind::RestApi(api) => api.fetch(origin_request, "127.0.0.1").await,
                OriginKind::FunctionUrl(url) => {
                    let signed = origin.origin_access_control.then_some(dist.arn.as_str());
                    match url.fetch(origin_request, signed).await {
                        Ok(r) => r,
                        Err((_lambda_answer, failure)) => {
                            let name = url.function_name.clone();
                            match failure {
                                Failure::Function(e) => eprintln!("nextstack-edge: function {name} failed: {e}"),
                                Failure::Invoke(e) => eprintln!("nextstack-edge: function {name} not invoked: {e}"),
                            }
                            return error_page(StatusCode::BAD_GATEWAY, "The origin (a Lambda function URL) could not answer. CloudFront wasn't able to connect to the origin or the origin returned an error.");
                        }
                    }
                }
            },
        };

        // An expired entry the origin confirms is still good: served again, its life renewed.
        if let Some(entry) = revalidating {
            if response.status == StatusCode::NOT_MODIFIED {
                let refreshed = response_headers_merged(&entry.headers, &response.headers);
                let ttl = time_to_live(
                    entry.status,
                    &refreshed,
                    &behavior.cache,
                    dist.error_caching_min_ttl(entry.status),
                    SystemTime::now(),
                )
                .unwrap_or(0);
                self.cache
                    .refresh(&path, &key, Duration::from_secs(ttl), refreshed.clone());
                // The viewer's own conditional request is answered from the refreshed entry, as on a fresh hit.
                let (status, body) = if super::cache::not_modified(&headers, &refreshed) {
                    (StatusCode::NOT_MODIFIED, Bytes::new())
                } else if method == Method::HEAD {
                    (entry.status, Bytes::new())
                } else {
                    (entry.status, entry.body.clone())
                };
                let mut h = refreshed;
                h.remove(http::header::CONTENT_LENGTH); // hyper sets it from the body
                return self
                    .finish(behavior, status, h, full(body), &viewer, ResultType::RefreshHit)
                    .await;
            }
        }

        let OriginResponse {
            mut status,
            headers: mut resp_headers,
            body: mut resp_body,
        } = response;
        for h in HOP_BY_HOP {
            resp_headers.remove(h);
        }
        // Lambda@Edge origin response: on what the origin answered (any status), before it is cached, so what the
        // function returns is what the cache keeps ("Update HTTP responses in origin response triggers").
        if let (Some(f), false) = (behavior.lambda(EventType::OriginResponse), is_generated) {
            let event = EventType::OriginResponse;
            let view = RequestView {
                client_ip: viewer_ip,
                method: method.as_str(),
                uri: &sent_uri,
                query: &sent_query,
                headers: &sent_headers,
            };
            let (payload, hidden) =
                lambda_edge::response_event(&dist.id, &dist.domain_name, event, &view, status, &resp_headers);
            let result = match run_lambda(f, event, payload).await {
                Ok(v) => v,
                Err(failed) => return failed,
            };
            match lambda_edge::answer_response(event, &result, status, &resp_headers, &hidden) {
                Ok(answer) => {
                    status = answer.status;
                    resp_headers = answer.headers;
                    if let Some(b) = answer.body {
                        resp_headers.insert(http::header::CONTENT_LENGTH, hv(&b.len().to_string()));
                        resp_body = full(b);
                    }
                }
                Err(why) => return lambda_invalid(&f.pool.spec().name, event, &why.0),
            }
        }
        // "Cache content based on cookies": when a behaviour forwards no cookies to the origin, CloudFront removes
        // the Set-Cookie header from the responses it returns to viewers.
        let forwards_cookies = behavior.cache.cookies != Selection::None
            || behavior
                .origin_request
                .as_ref()
                .is_some_and(|p| p.cookies != Selection::None);
        if !forwards_cookies {
            resp_headers.remove(http::header::SET_COOKIE);
        }
        let result = if is_generated {
            ResultType::LambdaGeneratedResponse
        } else if status.is_client_error() || status.is_server_error() {
            ResultType::Error
        } else {
            ResultType::Miss
        };
        let ttl = if cacheable && method == Method::GET {
            time_to_live(
                status,
                &resp_headers,
                &behavior.cache,
                dist.error_caching_min_ttl(status),
                SystemTime::now(),
            )
        } else {
            None
        };
        let body = match ttl {
            Some(ttl) => tee_into_cache(self, &path, &key, status, resp_headers.clone(), resp_body, ttl),
            None => resp_body,
        };

        if let Some(custom) = dist.custom_errors.iter().find(|e| e.code == status.as_u16()) {
            if let Some(page) = &custom.page_path {
                let page_response = Box::pin(self.process(
                    Method::GET,
                    page.parse().unwrap_or_default(),
                    HeaderMap::new(),
                    Bytes::new(),
                    client,
                    true,
                ))
                .await;
                let code = custom
                    .response_code
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .unwrap_or(status);
                return (code, page_response.1, page_response.2, result);
            }
        }
        self.finish(behavior, status, resp_headers, body, &viewer, result).await
    }

    /// The response headers policy and the viewer-response function (a CloudFront Function or Lambda@Edge), on every
    /// response to the viewer, cache hits included. "Restrictions on all edge functions" > "HTTP status codes":
    /// viewer-response functions are not run when the status is 400 or higher; "CloudFront events that can trigger a
    /// Lambda@Edge function" > viewer response: nor for a custom error page (nor for a response a viewer-request
    /// function generated, which never comes here).
    async fn finish(
        &self,
        behavior: &Behavior,
        status: StatusCode,
        mut headers: HeaderMap,
        body: Body,
        viewer: &Viewer<'_>,
        result: ResultType,
    ) -> (StatusCode, HeaderMap, Body, ResultType) {
        if let Some(policy) = &behavior.response_headers {
            policy.apply(&viewer.method, &viewer.headers, &mut headers);
        }
        if status.as_u16() >= 400 || viewer.error_page_fetch {
            return (status, headers, body, result);
        }
        if let Some(f) = behavior.lambda(EventType::ViewerResponse) {
            let event = EventType::ViewerResponse;
            let view = RequestView {
                client_ip: viewer.ip,
                method: viewer.method.as_str(),
                uri: &viewer.path,
                query: &viewer.query,
                headers: &viewer.headers,
            };
            let dist = &self.distribution;
            let (payload, hidden) =
                lambda_edge::response_event(&dist.id, &dist.domain_name, event, &view, status, &headers);
            let answer = match run_lambda(f, event, payload).await {
                Ok(v) => v,
                Err(failed) => return failed,
            };
            return match lambda_edge::answer_response(event, &answer, status, &headers, &hidden) {
                Ok(a) => (a.status, a.headers, a.body.map(full).unwrap_or(body), result),
                Err(why) => lambda_invalid(&f.pool.spec().name, event, &why.0),
            };
        }
        let (Some(function), Some(worker)) = (&behavior.viewer_response, &self.functions) else {
            return (status, headers, body, result);
        };
        let request =
            function_events::request_object(viewer.method.as_str(), &viewer.path, &viewer.query, &viewer.headers);
        let response = function_events::response_object(status, &headers);
        let event = function_events::event(
            &self.distribution.id,
            &self.distribution.domain_name,
            "viewer-response",
            viewer.ip,
            request,
            Some(response),
        );
        match worker
            .run(function, event)
            .await
            .and_then(|r| function_events::apply_response(&r))
        {
            Ok((status, headers, _)) => (status, headers, body, result),
            Err(e) => function_failed(&function.name, &e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn origin_request(
        &self,
        behavior: &Behavior,
        origin: &Origin,
        method: &Method,
        path: &str,
        query: &str,
        viewer: &HeaderMap,
        body: Bytes,
        viewer_ip: &str,
    ) -> OriginRequest {
        let orp = behavior.origin_request.as_ref();
        let forwarded = |name: &str| {
            behavior.cache.headers.contains(name)
                || orp.is_some_and(|p| p.headers.includes(name))
                || ALWAYS_FORWARDED.contains(&name)
                || (name == "authorization" && !matches!(*method, Method::GET | Method::HEAD))
        };
        let mut headers = HeaderMap::new();
        for (name, value) in viewer {
            let n = name.as_str();
            if HOP_BY_HOP.contains(&n) || matches!(n, "cookie" | "host" | "x-forwarded-for" | "via" | "accept-encoding")
            {
                continue;
            }
            if forwarded(n) {
                headers.append(name.clone(), value.clone());
            }
        }
        let host = if forwarded("host") {
            viewer
                .get("host")
                .cloned()
                .unwrap_or_else(|| hv(&self.distribution.domain_name))
        } else {
            hv(&origin.domain)
        };
        headers.insert("host", host);
        let cookies = orp
            .map(|p| behavior.cache.cookies.union(&p.cookies))
            .unwrap_or_else(|| behavior.cache.cookies.clone());
        let kept: Vec<&str> = viewer
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty() && cookies.includes(c.split('=').next().unwrap_or("")))
            .collect();
        if !kept.is_empty() {
            headers.insert("cookie", hv(&kept.join("; ")));
        }
        if !forwarded("user-agent") {
            headers.insert("user-agent", HeaderValue::from_static("Amazon CloudFront"));
        }
        if let Some(ae) = normalised_accept_encoding(behavior, viewer) {
            headers.insert("accept-encoding", hv(ae));
        }
        let xff = match viewer.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(prev) => format!("{prev}, {viewer_ip}"),
            None => viewer_ip.to_string(),
        };
        headers.insert("x-forwarded-for", hv(&xff));
        headers.insert("via", hv("2.0 local.cloudfront.net (CloudFront)"));
        headers.insert("x-amz-cf-id", hv(&format!("{:x}", fastrand::u128(..))));
        for (name, value) in &origin.custom_headers {
            headers.insert(name.clone(), value.clone());
        }
        let queries = orp
            .map(|p| behavior.cache.query_strings.union(&p.query_strings))
            .unwrap_or_else(|| behavior.cache.query_strings.clone());
        let query: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && queries.includes(p.split('=').next().unwrap_or("")))
            .collect();
        if body.is_empty() {
            headers.remove("content-length");
        }
        OriginRequest {
            method: method.clone(),
            path: format!("{}{}", origin.path, path),
            query: query.join("&"),
            headers,
            body,
        }
    }
}

/// The viewer's connection, from which CloudFront's own request headers are derived.
pub struct Client {
    pub ip: String,
    pub address: SocketAddr,
    pub version: http::Version,
    pub protocol: ViewerProtocol,
}

/// The viewer's headers as CloudFront passes them on: the viewer's own `CloudFront-*` headers dropped, and the ones
/// the behaviour's policies select added with the values CloudFront derives ("Add CloudFront request headers": their
/// values "are based on characteristics of the viewer or the viewer request", and "These additional headers are added
/// by CloudFront before sending the origin request, with header values that are determined automatically based on
/// the viewer request", "Control origin requests with a policy"). AWS does not say in so many words that a viewer's
/// own `CloudFront-Viewer-Address` is dropped, but a value the viewer could set would not be one CloudFront
/// determined, so none reaches the origin, the cache key or a function. They are added before the viewer-request
/// functions run, which see them as AWS's examples show (a viewer-request function reading `cloudfront-viewer-country`),
/// and so they are in the cache key where the cache policy names them. Headers the edge cannot derive (the viewer's
/// location, ASN, JA3/JA4 fingerprints, header order and count) are not added.
fn with_cloudfront_headers(behavior: &Behavior, mut headers: HeaderMap, client: &Client) -> HeaderMap {
    let viewer_sent: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_cloudfront_header(n.as_str()))
        .cloned()
        .collect();
    for name in viewer_sent {
        headers.remove(name);
    }
    let wanted = behavior.cloudfront_headers();
    if wanted.is_empty() {
        return headers;
    }
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let tls_header = match &client.protocol {
        ViewerProtocol::Https(tls) => Some(tls.header_value()),
        _ => None,
    };
    let connection = ViewerConnection {
        address: client.address,
        http_version: client.version,
        user_agent: user_agent.as_deref(),
        https: client.protocol.is_https(),
        tls: tls_header.as_deref(),
    };
    for name in wanted {
        let (Some(value), Ok(name)) = (
            cloudfront_header_value(&name, &connection),
            HeaderName::from_bytes(name.as_bytes()),
        ) else {
            continue;
        };
        headers.insert(name, hv(&value));
    }
    headers
}

/// The cache key: the distribution, the path, and the values the cache policy names.
fn cache_key(behavior: &Behavior, domain: &str, path: &str, query: &str, headers: &HeaderMap) -> String {
    let policy = &behavior.cache;
    let mut key = String::new();
    let host = if policy.headers.contains("host") {
        headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or(domain)
    } else {
        domain
    };
    key.push_str(host);
    key.push_str(path);
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && policy.query_strings.includes(p.split('=').next().unwrap_or("")))
        .collect();
    params.sort_unstable();
    key.push('?');
    key.push_str(&params.join("&"));
    for name in &policy.headers {
        let values: Vec<&str> = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        key.push_str(&format!("|{name}={}", values.join(",")));
    }
    let mut cookies: Vec<&str> = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty() && policy.cookies.includes(c.split('=').next().unwrap_or("")))
        .collect();
    cookies.sort_unstable();
    key.push_str(&format!("|cookies={}", cookies.join(";")));
    if let Some(ae) = normalised_accept_encoding(behavior, headers) {
        key.push_str(&format!("|ae={ae}"));
    }
    key
}

/// CloudFront's normalised Accept-Encoding when the cache policy enables compression, else none.
fn normalised_accept_encoding(behavior: &Behavior, headers: &HeaderMap) -> Option<&'static str> {
    let policy = &behavior.cache;
    if !policy.accept_encoding_gzip && !policy.accept_encoding_brotli {
        return None;
    }
    let sent = headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let has = |e: &str| sent.split(',').any(|p| p.split(';').next().unwrap_or("").trim() == e);
    match (
        policy.accept_encoding_brotli && has("br"),
        policy.accept_encoding_gzip && has("gzip"),
    ) {
        (true, true) => Some("br,gzip"),
        (true, false) => Some("br"),
        (false, true) => Some("gzip"),
        _ => None,
    }
}

/// The stored headers updated with a 304's (RFC 9111, 4.3.4): each field the 304 carries replaces the stored one,
/// except the framing and hop-by-hop fields, which describe the 304 itself and not the stored body.
fn response_headers_merged(old: &HeaderMap, new: &HeaderMap) -> HeaderMap {
    let mut merged = old.clone();
    for name in new.keys() {
        if name == http::header::CONTENT_LENGTH || HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        merged.remove(name);
        for v in new.get_all(name) {
            merged.append(name.clone(), v.clone());
        }
    }
    merged
}

/// Passes the body on while keeping a copy; when it has all arrived, the copy goes into the cache.
fn tee_into_cache(
    edge: &Edge,
    path: &str,
    key: &str,
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    ttl: u64,
) -> Body {
    let cache = edge.cache.clone();
    let expected: Option<u64> = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let (path, key) = (path.to_string(), key.to_string());
    let state = (body, BytesMut::new(), Some((path, key, status, headers)));
    let stream = futures::stream::unfold(state, move |(mut body, mut copy, mut meta)| {
        let cache = cache.clone();
        async move {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        copy.extend_from_slice(data);
                    }
                    // hyper stops polling a body of known length once it is written: store on its last frame.
                    let complete = expected.is_some_and(|n| copy.len() as u64 >= n);
                    if complete || http_body::Body::is_end_stream(&body) {
                        if let Some((path, key, status, headers)) = meta.take() {
                            let whole = std::mem::take(&mut copy).freeze();
                            cache.put(&path, &key, status, headers, whole, Duration::from_secs(ttl));
                        }
                    }
                    Some((Ok::<_, BoxError>(frame), (body, copy, meta)))
                }
                Some(Err(e)) => Some((Err(e), (body, copy, None))),
                None => {
                    // Stored only whole: a body shorter than its Content-Length was cut off.
                    if let Some((path, key, status, headers)) = meta.take() {
                        if expected.is_none_or(|n| copy.len() as u64 == n) {
                            cache.put(&path, &key, status, headers, copy.freeze(), Duration::from_secs(ttl));
                        }
                    }
                    None
                }
            }
        }
    });
    http_body_util::StreamBody::new(stream).boxed()
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// The viewer's request as the cache and the viewer-response function see it (after the viewer-request function).
struct Viewer<'a> {
    ip: &'a str,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    /// Fetching a custom error response's page: no viewer-response function runs on it.
    error_page_fetch: bool,
}

/// Runs a Lambda@Edge function on its event; a failure is already CloudFront's answer (503 for an execution
/// error, 502 for a result that is not JSON), with a stderr line naming the function.
async fn run_lambda(
    f: &EdgeFunction,
    event: EventType,
    payload: serde_json::Value,
) -> Result<serde_json::Value, (StatusCode, HeaderMap, Body, ResultType)> {
    let name = &f.pool.spec().name;
    match f.pool.invoke(Bytes::from(payload.to_string())).await {
        Ok(Outcome::Response(bytes)) => serde_json::from_slice(&bytes)
            .map_err(|e| lambda_invalid(name, event, &format!("The Lambda function returned invalid JSON: {e}"))),
        Ok(Outcome::Stream { .. }) => Err(lambda_invalid(
            name,
            event,
            "The Lambda function streamed its response (Lambda@Edge does not stream).",
        )),
        Ok(Outcome::Error(e)) => Err(lambda_failed(name, event, &e.to_string())),
        // "HTTP 503 status code (Lambda@Edge limit exceeded)".
        Err(e @ InvokeError::Throttled(_)) => Err(lambda_failed(name, event, &e.to_string())),
        Err(e) => Err(lambda_failed(name, event, &e.to_string())),
    }
}

/// "HTTP 503 status code (Lambda@Edge or CloudFront Function execution error)".
fn lambda_failed(name: &str, event: EventType, error: &str) -> (StatusCode, HeaderMap, Body, ResultType) {
    eprintln!(
        "nextstack-edge: Lambda@Edge function {name} ({}) failed: {error}",
        event.as_str()
    );
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The Lambda function associated with the CloudFront distribution is invalid or doesn't have the required permissions.",
    )
}

/// "HTTP 502 status code (Lambda validation error)".
fn lambda_invalid(name: &str, event: EventType, why: &str) -> (StatusCode, HeaderMap, Body, ResultType) {
    eprintln!(
        "nextstack-edge: Lambda@Edge function {name} ({}) returned an invalid result: {why}",
        event.as_str()
    );
    error_page(
        StatusCode::BAD_GATEWAY,
        &format!("The Lambda function result failed validation: {why}"),
    )
}

fn function_failed(name: &str, error: &str) -> (StatusCode, HeaderMap, Body, ResultType) {
    eprintln!("nextstack-edge: CloudFront Function {name} failed: {error}");
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The CloudFront function associated with the CloudFront distribution is invalid or could not run.",
    )
}

/// CloudFront's own error page.
pub fn error_page(status: StatusCode, message: &str) -> (StatusCode, HeaderMap, Body, ResultType) {
    let body = format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" \"http://www.w3.org/TR/html4/loose.dtd\">\n\
<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">\n\
<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n<H1>{} ERROR</H1>\n\
<H2>The request could not be satisfied.</H2>\n<HR noshade size=\"1px\">\n{message}\n<BR clear=\"all\">\n\
<HR noshade size=\"1px\">\n<PRE>\nGenerated by cloudfront (CloudFront)\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>",
        status.as_u16()
    );
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("text/html"));
    headers.insert("server", HeaderValue::from_static("CloudFront"));
    (status, headers, full(Bytes::from(body)), ResultType::Error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront::distribution::test_behavior;
    use crate::cloudfront::policies::managed_origin_request_policy;

    fn viewer_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "user-agent",
            HeaderValue::from_static("Mozilla/5.0 (Linux; Android 14) Mobile Safari"),
        );
        h.insert("cloudfront-viewer-address", HeaderValue::from_static("203.0.113.7:443"));
        h.insert("cloudfront-viewer-country", HeaderValue::from_static("ZZ"));
        h.insert("x-viewer", HeaderValue::from_static("kept"));
        h
    }

    /// "Add CloudFront request headers": a viewer's own CloudFront-* headers are dropped whatever the policies, and
    /// the ones the policies name are added with CloudFront's values (the location ones cannot be derived here).
    #[test]
    fn cloudfront_headers_replace_the_viewers_own() {
        let client = Client {
            ip: "127.0.0.1".into(),
            address: "127.0.0.1:50123".parse().unwrap(),
            version: http::Version::HTTP_11,
            protocol: ViewerProtocol::StandsForHttps,
        };
        let mut behavior = test_behavior(None, "origin");
        let plain = with_cloudfront_headers(&behavior, viewer_headers(), &client);
        assert!(plain.keys().all(|n| !is_cloudfront_header(n.as_str())));
        assert_eq!(plain["x-viewer"], "kept");

        behavior.origin_request = managed_origin_request_policy("33f36d7e-f396-46d9-90e0-52428a34d9dc");
        let added = with_cloudfront_headers(&behavior, viewer_headers(), &client);
        assert_eq!(added["cloudfront-viewer-address"], "127.0.0.1:50123");
        assert_eq!(added["cloudfront-forwarded-proto"], "https");
        assert_eq!(added["cloudfront-is-android-viewer"], "true");
        assert_eq!(added["cloudfront-is-mobile-viewer"], "true");
        assert!(!added.contains_key("cloudfront-viewer-country"));
        assert!(!added.contains_key("cloudfront-viewer-tls")); // not selected by this policy
                                                               // In the cache key where the cache policy names one.
        behavior.cache.headers = ["cloudfront-is-mobile-viewer".to_string()].into();
        let key = cache_key(&behavior, "d.cloudfront.net", "/", "", &added);
        assert!(key.contains("|cloudfront-is-mobile-viewer=true"), "{key}");
    }
}
