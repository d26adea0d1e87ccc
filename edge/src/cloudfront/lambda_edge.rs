//! Lambda@Edge: the `Records[0].cf` event for each of the four triggers, and what the function's answer does to
//! the request or the response, validated the way CloudFront validates it.
//!
//! AWS, CloudFront Developer Guide:
//! - "Lambda@Edge event structure": request events (`config`, `request` with `clientIp`, `headers` as lower-case
//!   name -> `[{key, value}]`, `method`, `querystring` as the raw string, `uri`, `origin` for origin requests, and
//!   `body` {`action`, `data`, `encoding`, `inputTruncated`} when the association includes the body); response
//!   events (the same `request`, which the function cannot change, plus `response` {`status` as a string,
//!   `statusDescription`, `headers`}).
//! - "Generate HTTP responses in request triggers": a viewer-request or origin-request function may return a
//!   response object (`status` required, 200-599; `statusDescription`, `headers`, `body`, `bodyEncoding` text or
//!   base64); a 204 with a body from a viewer request is an error; the generated response (headers and body) is at
//!   most 40 KB for viewer requests and 1 MB for origin requests, else 502.
//! - "Update HTTP responses in origin response triggers": the origin's body is not exposed; a `body` the function
//!   sets replaces it.
//! - "Restrictions on all edge functions" > "HTTP headers": disallowed headers are not exposed and cannot be added;
//!   read-only headers per event cannot be added, changed or removed; either is a validation error (502).
//! - "Restrictions on Lambda@Edge": a viewer-response function cannot change the status code.
//! - "Quotas on Lambda@Edge": the body given to a request trigger is truncated at 40 KB (viewer request) or 1 MB
//!   (origin request) with `inputTruncated`; a replaced body is at most 40 KB / 1 MB as text, 53.2 KB / 1.33 MB as
//!   base64; the URI with its query string is under 8,192 characters.
//! - "HTTP 502 status code (Lambda validation error)" and "HTTP 503 status code (Lambda@Edge or CloudFront
//!   Function execution error)": an invalid result is 502, a function that fails (throws, times out, is
//!   throttled) is 503.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    ViewerRequest,
    OriginRequest,
    OriginResponse,
    ViewerResponse,
}

impl EventType {
    pub const ALL: [EventType; 4] = [
        Self::ViewerRequest,
        Self::OriginRequest,
        Self::OriginResponse,
        Self::ViewerResponse,
    ];

    pub fn from_aws(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewerRequest => "viewer-request",
            Self::OriginRequest => "origin-request",
            Self::OriginResponse => "origin-response",
            Self::ViewerResponse => "viewer-response",
        }
    }

    pub fn is_viewer(self) -> bool {
        matches!(self, Self::ViewerRequest | Self::ViewerResponse)
    }

    /// "Restrictions on all edge functions" > "Read-only headers", per event.
    fn read_only(self) -> &'static [&'static str] {
        match self {
            Self::ViewerRequest => &["content-length", "host", "transfer-encoding", "via"],
            Self::OriginRequest => &[
                "accept-encoding",
                "content-length",
                "if-modified-since",
                "if-none-match",
                "if-range",
                "if-unmodified-since",
                "transfer-encoding",
                "via",
            ],
            Self::OriginResponse => &["transfer-encoding", "via"],
            Self::ViewerResponse => &[
                "content-encoding",
                "content-length",
                "transfer-encoding",
                "warning",
                "via",
            ],
        }
    }

    /// "Quotas on Lambda@Edge": the most of a request body a trigger is given.
    fn body_limit(self) -> usize {
        if self.is_viewer() {
            40 * 1024
        } else {
            1024 * 1024
        }
    }

    /// "Generate HTTP responses in request triggers": the largest generated response (headers and body).
    fn generated_limit(self) -> usize {
        self.body_limit()
    }
}

/// "Restrictions on all edge functions" > "Disallowed headers": not exposed to a function, which cannot add them.
fn disallowed(name: &str, event: EventType) -> bool {
    const NAMES: [&str; 14] = [
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-forwarded-proto",
        "x-real-ip",
    ];
    NAMES.contains(&name)
        || name == "x-cache"
        || name.starts_with("x-amz-cf-")
        || name.starts_with("x-amzn-")
        || name.starts_with("x-edge-")
        || (event.is_viewer() && name == "cloudfront-viewer-country")
}

/// Why a result is refused: the text of CloudFront's 502 page ("The Lambda function result failed validation: ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid<T>(why: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(why.into()))
}

/// The headers a function sees: exposed ones as `{name: [{key, value}]}`, and the disallowed ones kept aside
/// (they go on unchanged).
fn exposed(headers: &HeaderMap, event: EventType) -> (Value, HeaderMap) {
    let mut out = Map::new();
    let mut hidden = HeaderMap::new();
    for name in headers.keys() {
        if disallowed(name.as_str(), event) {
            for v in headers.get_all(name) {
                hidden.append(name.clone(), v.clone());
            }
            continue;
        }
        let values: Vec<Value> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| json!({"key": display_name(name.as_str()), "value": v}))
            .collect();
        out.insert(name.as_str().to_string(), Value::Array(values));
    }
    (Value::Object(out), hidden)
}

/// `x-amz-content-sha256` -> `X-Amz-Content-Sha256`, the way CloudFront shows header names.
fn display_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn config(distribution_id: &str, domain: &str, event: EventType) -> Value {
    json!({"distributionDomainName": domain, "distributionId": distribution_id, "eventType": event.as_str(),
           "requestId": format!("{:032x}", fastrand::u128(..))})
}

/// A request as a trigger sees it, and what CloudFront keeps aside to put back (the disallowed headers).
pub struct RequestView<'a> {
    pub client_ip: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
}

/// The origin an origin-request event names.
pub struct OriginView<'a> {
    pub domain: &'a str,
    pub path: &'a str,
    pub s3: bool,
    pub custom_headers: &'a [(HeaderName, HeaderValue)],
}

fn request_object(req: &RequestView<'_>, event: EventType) -> (Value, HeaderMap) {
    let (headers, hidden) = exposed(req.headers, event);
    (
        json!({"clientIp": req.client_ip, "headers": headers, "method": req.method, "querystring": req.query,
               "uri": req.uri}),
        hidden,
    )
}

/// A viewer-request or origin-request event; `body` is given when the association includes it.
pub fn request_event(
    distribution_id: &str,
    domain: &str,
    event: EventType,
    req: &RequestView<'_>,
    origin: Option<&OriginView<'_>>,
    body: Option<&Bytes>,
) -> (Value, HeaderMap) {
    let (mut request, hidden) = request_object(req, event);
    if let Some(o) = origin {
        let mut custom = HeaderMap::new();
        for (n, v) in o.custom_headers {
            custom.append(n.clone(), v.clone());
        }
        let (custom, _) = exposed(&custom, event);
        request["origin"] = if o.s3 {
            json!({"s3": {"authMethod": "none", "customHeaders": custom, "domainName": o.domain, "path": o.path,
                          "region": o.domain.split(".s3.").nth(1).and_then(|r| r.strip_suffix(".amazonaws.com"))
                                      .unwrap_or("us-east-1")}})
        } else {
            json!({"custom": {"customHeaders": custom, "domainName": o.domain, "keepaliveTimeout": 5,
                              "path": o.path, "port": 443, "protocol": "https", "readTimeout": 30,
                              "sslProtocols": ["TLSv1.2"]}})
        };
    }
    if let Some(body) = body {
        let limit = event.body_limit();
        let data = &body[..body.len().min(limit)];
        request["body"] = json!({"action": "read-only", "data": base64::engine::general_purpose::STANDARD.encode(data),
                                 "encoding": "base64", "inputTruncated": body.len() > limit});
    }
    let event_json =
        json!({"Records": [{"cf": {"config": config(distribution_id, domain, event), "request": request}}]});
    (event_json, hidden)
}

/// An origin-response or viewer-response event: the request (read-only to the function) and the response.
pub fn response_event(
    distribution_id: &str,
    domain: &str,
    event: EventType,
    req: &RequestView<'_>,
    status: StatusCode,
    headers: &HeaderMap,
) -> (Value, HeaderMap) {
    let (request, _) = request_object(req, event);
    let (response_headers, hidden) = exposed(headers, event);
    let event_json = json!({"Records": [{"cf": {
        "config": config(distribution_id, domain, event),
        "request": request,
        "response": {"status": status.as_u16().to_string(),
                     "statusDescription": status.canonical_reason().unwrap_or(""),
                     "headers": response_headers},
    }}]});
    (event_json, hidden)
}

/// What a request trigger returned.
#[derive(Debug)]
pub enum Answer {
    Request {
        uri: String,
        query: String,
        headers: HeaderMap,
        /// A replaced body (`action: replace`); None keeps the viewer's.
        body: Option<Bytes>,
    },
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
}

/// What a response trigger returned: the response's status and headers, and a body that replaces the original.
#[derive(Debug)]
pub struct ResponseAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
}

/// The function's returned headers, checked against what it was given: no disallowed header added, read-only
/// headers as they were; the hidden (disallowed) ones are put back.
fn returned_headers(v: &Value, given: &HeaderMap, hidden: &HeaderMap, event: EventType) -> Result<HeaderMap, Invalid> {
    let mut out = HeaderMap::new();
    let Some(map) = v.as_object() else {
        if v.is_null() {
            return invalid("the result has no headers object");
        }
        return invalid("headers is not an object");
    };
    for (key, values) in map {
        let name = HeaderName::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|_| Invalid(format!("'{key}' is not a valid header name")))?;
        if disallowed(name.as_str(), event) {
            return invalid(format!("The function tried to add a disallowed header ({name})."));
        }
        let Some(items) = values.as_array() else {
            return invalid(format!("header {name} is not an array of {{key, value}}"));
        };
        for item in items {
            let value = item["value"]
                .as_str()
                .ok_or_else(|| Invalid(format!("header {name} has an item without a string value")))?;
            out.append(
                name.clone(),
                HeaderValue::from_str(value).map_err(|_| Invalid(format!("header {name} has an invalid value")))?,
            );
        }
    }
    for name in event.read_only() {
        let before: Vec<&HeaderValue> = given.get_all(*name).iter().collect();
        let after: Vec<&HeaderValue> = out.get_all(*name).iter().collect();
        if before != after {
            return invalid(format!(
                "The function tried to add, delete, or change a read-only header ({name})."
            ));
        }
    }
    for (name, value) in hidden {
        out.append(name.clone(), value.clone());
    }
    Ok(out)
}

fn decode_body(data: &str, base64: bool, what: &str) -> Result<Bytes, Invalid> {
    if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map(Bytes::from)
            .map_err(|_| Invalid(format!("{what} is not valid base64")))
    } else {
        Ok(Bytes::from(data.to_string()))
    }
}

fn status_of(v: &Value) -> Result<StatusCode, Invalid> {
    let code = v
        .as_str()
        .and_then(|s| s.parse::<u16>().ok())
        .or_else(|| v.as_u64().and_then(|n| u16::try_from(n).ok()))
        .ok_or_else(|| Invalid("status is not an HTTP status code".into()))?;
    if !(200..=599).contains(&code) {
        return invalid(format!("status {code} is not between 200 and 599"));
    }
    StatusCode::from_u16(code).map_err(|_| Invalid(format!("status {code}")))
}

fn headers_size(headers: &HeaderMap) -> usize {
    headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum()
}

/// The answer of a viewer-request or origin-request function, given what it was shown.
pub fn answer_request(
    event: EventType,
    result: &Value,
    given: &HeaderMap,
    hidden: &HeaderMap,
) -> Result<Answer, Invalid> {
    if !result.is_object() {
        return invalid("the function returned neither a request nor a response object");
    }
    if let Some(status) = result.get("status") {
        let status = status_of(status)?;
        let headers = match result.get("headers") {
            Some(h) => returned_headers(h, &HeaderMap::new(), &HeaderMap::new(), event)?,
            None => HeaderMap::new(),
        };
        let body = match result.get("body") {
            None | Some(Value::Null) => Bytes::new(),
            Some(Value::String(b)) => {
                let encoding = result["bodyEncoding"].as_str().unwrap_or("text");
                if !matches!(encoding, "text" | "base64") {
                    return invalid(format!("bodyEncoding '{encoding}' is neither text nor base64"));
                }
                decode_body(b, encoding == "base64", "the generated body")?
            }
            Some(_) => return invalid("the generated body is not a string"),
        };
        if event == EventType::ViewerRequest && status == StatusCode::NO_CONTENT && !body.is_empty() {
            return invalid("A generated 204 (No Content) response has a body.");
        }
        let size = body.len() + headers_size(&headers);
        if size > event.generated_limit() {
            return invalid(format!(
                "The generated response is {size} bytes, over the {} KB allowed for {} events.",
                event.generated_limit() / 1024,
                event.as_str()
            ));
        }
        return Ok(Answer::Response { status, headers, body });
    }
    let uri = result["uri"]
        .as_str()
        .ok_or_else(|| Invalid("the returned request has no uri".into()))?
        .to_string();
    if !uri.starts_with('/') {
        return invalid(format!("the uri '{uri}' does not begin with /"));
    }
    let query = match &result["querystring"] {
        Value::String(q) => q.clone(),
        Value::Null => String::new(),
        _ => return invalid("querystring is not a string"),
    };
    if query.chars().any(|c| c == ' ' || c == '#' || c.is_control()) {
        return invalid("the query string has a space, a control character or #");
    }
    if uri.len() + query.len() + 1 >= 8192 {
        return invalid("the URI and query string are 8,192 characters or more");
    }
    let headers = returned_headers(&result["headers"], given, hidden, event)?;
    let body = match &result["body"] {
        Value::Object(b) if b.get("action").and_then(Value::as_str) == Some("replace") => {
            let data = b.get("data").and_then(Value::as_str).unwrap_or("");
            let base64 = match b.get("encoding").and_then(Value::as_str) {
                Some("base64") => true,
                Some("text") | None => false,
                Some(other) => return invalid(format!("body encoding '{other}' is neither text nor base64")),
            };
            // "Quotas on Lambda@Edge": text 40 KB / 1 MB; base64 53.2 KB / 1.33 MB (the same bytes, encoded).
            let limit = event.body_limit() * if base64 { 133 } else { 100 } / 100;
            if data.len() > limit {
                return invalid(format!(
                    "The replaced body is {} characters, over the limit for {} events.",
                    data.len(),
                    event.as_str()
                ));
            }
            Some(decode_body(data, base64, "the replaced body")?)
        }
        _ => None,
    };
    Ok(Answer::Request {
        uri,
        query,
        headers,
        body,
    })
}

/// The answer of an origin-response or viewer-response function, given the response it was shown.
pub fn answer_response(
    event: EventType,
    result: &Value,
    given_status: StatusCode,
    given: &HeaderMap,
    hidden: &HeaderMap,
) -> Result<ResponseAnswer, Invalid> {
    if !result.is_object() {
        return invalid("the function did not return a response object");
    }
    let status = status_of(&result["status"])?;
    if event == EventType::ViewerResponse && status != given_status {
        return invalid("A viewer-response function cannot change the HTTP status code.");
    }
    let headers = returned_headers(&result["headers"], given, hidden, event)?;
    let body = match result.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(b)) => {
            let encoding = result["bodyEncoding"].as_str().unwrap_or("text");
            let body = decode_body(b, encoding == "base64", "the body")?;
            if body.len() + headers_size(&headers) > event.generated_limit() {
                return invalid(format!(
                    "The response body set by the function is over the {} KB allowed for {} events.",
                    event.generated_limit() / 1024,
                    event.as_str()
                ));
            }
            Some(body)
        }
        Some(_) => return invalid("body is not a string"),
    };
    Ok(ResponseAnswer { status, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn view<'a>(h: &'a HeaderMap) -> RequestView<'a> {
        RequestView {
            client_ip: "127.0.0.1",
            method: "POST",
            uri: "/api/echo",
            query: "a=1",
            headers: h,
        }
    }

    #[test]
    fn an_origin_request_event_gives_the_body_and_hides_disallowed_headers() {
        let h = headers(&[
            ("content-type", "application/json"),
            ("x-amz-cf-id", "abc"),
            ("via", "2.0 x"),
        ]);
        let origin = OriginView {
            domain: "x.lambda-url.eu-west-1.on.aws",
            path: "",
            s3: false,
            custom_headers: &[],
        };
        let body = Bytes::from_static(b"{}");
        let (event, hidden) = request_event(
            "E1",
            "d.cloudfront.net",
            EventType::OriginRequest,
            &view(&h),
            Some(&origin),
            Some(&body),
        );
        let cf = &event["Records"][0]["cf"];
        assert_eq!(cf["config"]["eventType"], "origin-request");
        let r = &cf["request"];
        assert_eq!(r["body"]["data"], "e30=");
        assert_eq!(r["body"]["inputTruncated"], false);
        assert_eq!(r["headers"]["content-type"][0]["key"], "Content-Type");
        assert_eq!(r["origin"]["custom"]["domainName"], "x.lambda-url.eu-west-1.on.aws");
        assert!(
            r["headers"].get("x-amz-cf-id").is_none(),
            "disallowed headers are not exposed"
        );
        let mut returned = r.clone();
        returned["headers"]["x-amz-content-sha256"] = json!([{"key": "X-Amz-Content-Sha256", "value": "abc"}]);
        let Answer::Request {
            headers,
            uri,
            query,
            body,
        } = answer_request(EventType::OriginRequest, &returned, &h, &hidden).unwrap()
        else {
            panic!()
        };
        assert_eq!((uri.as_str(), query.as_str()), ("/api/echo", "a=1"));
        assert_eq!(headers["x-amz-content-sha256"], "abc");
        assert_eq!(headers["x-amz-cf-id"], "abc", "the hidden header goes on");
        assert!(body.is_none(), "a read-only body stays as it was");
    }

    #[test]
    fn a_viewer_request_body_is_truncated_at_40_kb() {
        let h = HeaderMap::new();
        let body = Bytes::from(vec![b'x'; 50 * 1024]);
        let (event, _) = request_event("E1", "d", EventType::ViewerRequest, &view(&h), None, Some(&body));
        let b = &event["Records"][0]["cf"]["request"]["body"];
        assert_eq!(b["inputTruncated"], true);
        let data = base64::engine::general_purpose::STANDARD
            .decode(b["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(data.len(), 40 * 1024);
        assert!(event["Records"][0]["cf"]["request"].get("origin").is_none());
    }

    #[test]
    fn read_only_and_disallowed_headers_per_event() {
        let h = headers(&[("host", "d.example"), ("accept-encoding", "gzip")]);
        let (event, hidden) = request_event("E1", "d", EventType::ViewerRequest, &view(&h), None, None);
        let mut r = event["Records"][0]["cf"]["request"].clone();
        // Accept-Encoding is read-only for origin requests only: a viewer-request function may change it.
        r["headers"]["accept-encoding"] = json!([{"key": "Accept-Encoding", "value": "br"}]);
        assert!(answer_request(EventType::ViewerRequest, &r, &h, &hidden).is_ok());
        r["headers"]["host"] = json!([{"key": "Host", "value": "elsewhere"}]);
        let e = answer_request(EventType::ViewerRequest, &r, &h, &hidden).unwrap_err();
        assert!(e.0.contains("read-only header (host)"), "{e}");
        let mut r = event["Records"][0]["cf"]["request"].clone();
        r["headers"]["x-cache"] = json!([{"key": "X-Cache", "value": "Hit"}]);
        let e = answer_request(EventType::ViewerRequest, &r, &h, &hidden).unwrap_err();
        assert!(e.0.contains("disallowed header (x-cache)"), "{e}");
        let mut r = event["Records"][0]["cf"]["request"].clone();
        r["headers"].as_object_mut().unwrap().remove("accept-encoding");
        let e = answer_request(EventType::OriginRequest, &r, &h, &hidden).unwrap_err();
        assert!(e.0.contains("accept-encoding"), "removing a read-only header: {e}");
    }

    #[test]
    fn generated_responses_and_their_limits() {
        let none = HeaderMap::new();
        let r = json!({"status": "302", "statusDescription": "Found",
                       "headers": {"location": [{"key": "Location", "value": "/new"}]}});
        let Answer::Response { status, headers, body } =
            answer_request(EventType::ViewerRequest, &r, &none, &none).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (status, &headers["location"], body.len()),
            (StatusCode::FOUND, &HeaderValue::from_static("/new"), 0)
        );
        let b64 = json!({"status": 200, "body": "aGk=", "bodyEncoding": "base64"});
        let Answer::Response { body, .. } = answer_request(EventType::OriginRequest, &b64, &none, &none).unwrap()
        else {
            panic!()
        };
        assert_eq!(body, Bytes::from_static(b"hi"));
        let big = json!({"status": "200", "body": "x".repeat(41 * 1024)});
        assert!(answer_request(EventType::ViewerRequest, &big, &none, &none).is_err());
        assert!(answer_request(EventType::OriginRequest, &big, &none, &none).is_ok());
        let no_content = json!({"status": "204", "body": "x"});
        assert!(answer_request(EventType::ViewerRequest, &no_content, &none, &none).is_err());
        assert!(answer_request(EventType::ViewerRequest, &json!({"status": "600"}), &none, &none).is_err());
        assert!(answer_request(
            EventType::ViewerRequest,
            &json!({"status": "200", "body": "%%", "bodyEncoding": "base64"}),
            &none,
            &none
        )
        .is_err());
        assert!(answer_request(EventType::ViewerRequest, &Value::Null, &none, &none).is_err());
    }

    #[test]
    fn response_events_and_what_their_functions_may_change() {
        let req_h = headers(&[("host", "d.example")]);
        let resp_h = headers(&[
            ("content-type", "text/html"),
            ("content-length", "5"),
            ("x-amzn-requestid", "r1"),
        ]);
        let (event, hidden) = response_event(
            "E1",
            "d",
            EventType::ViewerResponse,
            &view(&req_h),
            StatusCode::OK,
            &resp_h,
        );
        let cf = &event["Records"][0]["cf"];
        assert_eq!(cf["response"]["status"], "200");
        assert_eq!(cf["response"]["statusDescription"], "OK");
        assert_eq!(cf["request"]["uri"], "/api/echo");
        assert!(cf["response"]["headers"].get("x-amzn-requestid").is_none());
        let mut r = cf["response"].clone();
        r["headers"]["x-added"] = json!([{"key": "X-Added", "value": "1"}]);
        let a = answer_response(EventType::ViewerResponse, &r, StatusCode::OK, &resp_h, &hidden).unwrap();
        assert_eq!(
            (a.status, &a.headers["x-added"]),
            (StatusCode::OK, &HeaderValue::from_static("1"))
        );
        assert_eq!(a.headers["x-amzn-requestid"], "r1");
        assert!(a.body.is_none());
        let mut changed = cf["response"].clone();
        changed["status"] = json!("404");
        assert!(answer_response(EventType::ViewerResponse, &changed, StatusCode::OK, &resp_h, &hidden).is_err());
        // An origin-response function may change the status and set a body; Content-Length is not read-only there.
        changed["body"] = json!("replaced");
        changed["headers"].as_object_mut().unwrap().remove("content-length");
        let a = answer_response(EventType::OriginResponse, &changed, StatusCode::OK, &resp_h, &hidden).unwrap();
        assert_eq!(
            (a.status, a.body.unwrap()),
            (StatusCode::NOT_FOUND, Bytes::from_static(b"replaced"))
        );
        let mut cl = cf["response"].clone();
        cl["headers"]["content-length"] = json!([{"key": "Content-Length", "value": "9"}]);
        assert!(answer_response(EventType::ViewerResponse, &cl, StatusCode::OK, &resp_h, &hidden).is_err());
    }
}
