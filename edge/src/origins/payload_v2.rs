//! The payload format 2.0 event a Lambda function URL gives its function for one HTTP request.
//!
//! AWS: Lambda Developer Guide, "Invoking Lambda function URLs" > "Request payload format": `version` "2.0",
//! `routeKey` "$default", `rawPath` and `rawQueryString` as sent (still percent-encoded), `cookies` (each cookie of
//! the `Cookie` header, apart from the headers), `headers` (lower-case names; "request headers with multiple values
//! are combined with commas"), `queryStringParameters` (decoded; "query string parameters with multiple values are
//! combined with commas"), `requestContext` (`accountId`: the function owner's account with `AWS_IAM`, `anonymous`
//! with `NONE`; `apiId` and `domainPrefix`: the URL id; `domainName`; `http` with `method`, `path`, `protocol`,
//! `sourceIp` (the immediate TCP peer: CloudFront, here loopback) and `userAgent`; `requestId`; `routeKey` and
//! `stage` "$default"; `time` as `12/Mar/2020:19:03:58 +0000`; `timeEpoch` in milliseconds), `body` (absent without
//! one) and `isBase64Encoded` (a body that is not text is base64-encoded).

use std::time::SystemTime;

use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use super::function_url::AuthType;
use super::OriginRequest;

/// Where the event is going: the URL's domain (`<url-id>.lambda-url.<region>.on.aws`), its auth type, and the
/// function owner's account.
pub struct Url<'a> {
    pub domain: &'a str,
    pub auth: AuthType,
    pub account: &'a str,
}

/// The event for this request at `now`; `request_id` names the invocation.
pub fn event(url: &Url, request: &OriginRequest, request_id: &str, now: SystemTime) -> Value {
    let mut headers = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for name in request.headers.keys() {
        let values: Vec<&str> = request
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if name == http::header::COOKIE {
            for v in values {
                cookies.extend(
                    v.split(';')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| Value::String(c.into())),
                );
            }
            continue;
        }
        headers.insert(name.as_str().to_string(), Value::String(values.join(",")));
    }
    let mut params = Map::new();
    for pair in request.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().to_string();
        let (k, v) = (decode(k), decode(v));
        match params.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                params.insert(k, Value::String(v));
            }
        }
    }
    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, base64) = if request.body.is_empty() {
        (Value::Null, false)
    } else {
        match std::str::from_utf8(&request.body) {
            Ok(text) if is_text(content_type) => (Value::String(text.into()), false),
            _ => (
                Value::String(base64::engine::general_purpose::STANDARD.encode(&request.body)),
                true,
            ),
        }
    };
    let url_id = url.domain.split('.').next().unwrap_or_default();
    let epoch_ms = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": if url.auth == AuthType::AwsIam { url.account } else { "anonymous" },
            "apiId": url_id,
            "domainName": url.domain,
            "domainPrefix": url_id,
            "http": {
                "method": request.method.as_str(),
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": request.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("Amazon CloudFront"),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": request_time(now),
            "timeEpoch": epoch_ms,
        },
        "isBase64Encoded": base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !params.is_empty() {
        event["queryStringParameters"] = Value::Object(params);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// Whether a body of this content type reaches the function as text (else base64).
fn is_text(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.ends_with("+json")
        || ct.ends_with("+xml")
        || matches!(
            ct.as_str(),
            "application/json" | "application/xml" | "application/javascript" | "application/x-www-form-urlencoded"
        )
}

/// `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`.
fn request_time(t: SystemTime) -> String {
    // httpdate gives "Thu, 12 Mar 2020 19:03:58 GMT".
    let s = httpdate::fmt_http_date(t);
    match s.split(' ').collect::<Vec<_>>()[..] {
        [_, day, month, year, time, _] => format!("{day}/{month}/{year}:{time} +0000"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, Method};
    use std::time::Duration;

    const URL: Url = Url {
        domain: "abcdefghij.lambda-url.eu-west-1.on.aws",
        auth: AuthType::AwsIam,
        account: "123456789012",
    };

    fn request(method: Method, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> OriginRequest {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        OriginRequest {
            method,
            path: path.into(),
            query: query.into(),
            headers: h,
            body: Bytes::copy_from_slice(body),
        }
    }

    /// 2020-03-12 19:03:58.390 UTC, the instant of the Lambda Developer Guide's example.
    fn example_instant() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_584_039_838_390)
    }

    #[test]
    fn a_get_with_cookies_repeated_headers_and_a_query_string() {
        let r = request(
            Method::GET,
            "/my/path%20here",
            "parameter1=value1&parameter1=value2&parameter2=a%20b+c",
            &[
                ("accept", "text/html"),
                ("accept", "application/json"),
                ("cookie", "cookie1=value1; cookie2=value2"),
                ("user-agent", "agent/1.0"),
                ("x-amz-cf-id", "abc"),
            ],
            b"",
        );
        let e = event(&URL, &r, "id-1", example_instant());
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "$default");
        assert_eq!(e["rawPath"], "/my/path%20here", "rawPath is not decoded");
        assert_eq!(
            e["rawQueryString"],
            "parameter1=value1&parameter1=value2&parameter2=a%20b+c"
        );
        assert_eq!(e["cookies"], json!(["cookie1=value1", "cookie2=value2"]));
        assert_eq!(
            e["headers"]["accept"], "text/html,application/json",
            "joined with commas"
        );
        assert!(
            e["headers"].get("cookie").is_none(),
            "cookies are apart from the headers"
        );
        assert_eq!(e["headers"]["x-amz-cf-id"], "abc");
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value1,value2", "parameter2": "a b c"})
        );
        assert_eq!(e["isBase64Encoded"], false);
        assert!(e.get("body").is_none(), "no body, no body field");
        let ctx = &e["requestContext"];
        assert_eq!(ctx["accountId"], "123456789012");
        assert_eq!(
            (&ctx["apiId"], &ctx["domainPrefix"]),
            (&json!("abcdefghij"), &json!("abcdefghij"))
        );
        assert_eq!(ctx["domainName"], URL.domain);
        assert_eq!(
            ctx["http"],
            json!({"method": "GET", "path": "/my/path%20here", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                   "userAgent": "agent/1.0"})
        );
        assert_eq!(
            (&ctx["routeKey"], &ctx["stage"]),
            (&json!("$default"), &json!("$default"))
        );
        assert_eq!(ctx["requestId"], "id-1");
        assert_eq!(ctx["time"], "12/Mar/2020:19:03:58 +0000");
        assert_eq!(ctx["timeEpoch"], 1_584_039_838_390u64);
    }

    #[test]
    fn bodies_text_or_base64_by_content_type() {
        let form = request(
            Method::POST,
            "/submit",
            "",
            &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            b"a=1&b=2",
        );
        let e = event(&URL, &form, "id", SystemTime::now());
        assert_eq!((&e["body"], &e["isBase64Encoded"]), (&json!("a=1&b=2"), &json!(false)));
        assert!(e.get("queryStringParameters").is_none() && e.get("cookies").is_none());
        assert_eq!(e["requestContext"]["http"]["method"], "POST");

        let text_without_type = request(Method::PUT, "/x", "", &[], b"plain");
        let e = event(&URL, &text_without_type, "id", SystemTime::now());
        assert_eq!((&e["body"], &e["isBase64Encoded"]), (&json!("cGxhaW4="), &json!(true)));

        let png = request(
            Method::POST,
            "/x",
            "",
            &[("content-type", "image/png")],
            &[0x89, b'P', b'N', b'G'],
        );
        let e = event(&URL, &png, "id", SystemTime::now());
        assert_eq!((&e["body"], &e["isBase64Encoded"]), (&json!("iVBORw=="), &json!(true)));

        let invalid_utf8_json = request(Method::POST, "/x", "", &[("content-type", "application/json")], &[0xff]);
        assert_eq!(
            event(&URL, &invalid_utf8_json, "id", SystemTime::now())["isBase64Encoded"],
            true
        );
    }

    #[test]
    fn an_anonymous_url_and_cloudfronts_user_agent() {
        let url = Url {
            auth: AuthType::None,
            ..URL
        };
        let e = event(&url, &request(Method::GET, "/", "", &[], b""), "id", SystemTime::now());
        assert_eq!(e["requestContext"]["accountId"], "anonymous");
        assert_eq!(e["requestContext"]["http"]["userAgent"], "Amazon CloudFront");
    }
}
