//! Lambda@Edge: the `Records[0].cf` event for a request, and what the function's answer does to it.
//!
//! AWS: CloudFront Developer Guide, "Lambda@Edge event structure" (request events: `config`, `request` with
//! `clientIp`, `headers` as lower-case name -> `[{key, value}]`, `method`, `querystring` as the raw string,
//! `uri`, `origin` for origin events, and `body` with `action`, `data`, `encoding`, `inputTruncated` when the
//! association includes the body), "Lambda@Edge function examples" and "Generate HTTP responses in request
//! triggers" (a returned object with `status` is sent as the response), and "Quotas on Lambda@Edge" (the
//! body given to a request trigger is at most 1 MB for origin requests; a longer one is truncated and
//! `inputTruncated` is true).

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

use crate::origins::OriginRequest;

pub const ORIGIN_REQUEST_BODY_LIMIT: usize = 1024 * 1024;

/// An origin-request event for a request on its way to the origin (before the origin path is added).
#[allow(clippy::too_many_arguments)] // the event's fields, each from another part of the request's way
pub fn origin_request_event(
    distribution_id: &str,
    domain: &str,
    client_ip: &str,
    request: &OriginRequest,
    uri: &str,
    origin_domain: &str,
    origin_path: &str,
    include_body: bool,
) -> Value {
    let mut headers = Map::new();
    for name in request.headers.keys() {
        let values: Vec<Value> = request
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| json!({"key": display_name(name.as_str()), "value": v}))
            .collect();
        headers.insert(name.as_str().to_string(), Value::Array(values));
    }
    let mut req = json!({
        "clientIp": client_ip,
        "headers": headers,
        "method": request.method.as_str(),
        "querystring": request.query,
        "uri": uri,
        "origin": {"custom": {"customHeaders": {}, "domainName": origin_domain, "keepaliveTimeout": 5,
                               "path": origin_path, "port": 443, "protocol": "https", "readTimeout": 30,
                               "sslProtocols": ["TLSv1.2"]}},
    });
    if include_body {
        let truncated = request.body.len() > ORIGIN_REQUEST_BODY_LIMIT;
        let data = &request.body[..request.body.len().min(ORIGIN_REQUEST_BODY_LIMIT)];
        req["body"] = json!({"action": "read-only", "data": base64::engine::general_purpose::STANDARD.encode(data),
                             "encoding": "base64", "inputTruncated": truncated});
    }
    json!({"Records": [{"cf": {
        "config": {"distributionDomainName": domain, "distributionId": distribution_id,
                   "eventType": "origin-request", "requestId": format!("{:032x}", fastrand::u128(..))},
        "request": req,
    }}]})
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

/// What a request trigger returned.
pub enum Answer {
    Request {
        uri: String,
        query: String,
        headers: HeaderMap,
        body: Option<Bytes>,
    },
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
}

pub fn answer(result: &Value) -> Result<Answer, String> {
    let headers = |v: &Value| -> Result<HeaderMap, String> {
        let mut out = HeaderMap::new();
        for (name, values) in v.as_object().into_iter().flatten() {
            let name = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|_| format!("header name {name}"))?;
            for item in values.as_array().into_iter().flatten() {
                let value = item["value"]
                    .as_str()
                    .ok_or_else(|| format!("header {name} has no value"))?;
                out.append(
                    name.clone(),
                    HeaderValue::from_str(value).map_err(|_| format!("header {name} value"))?,
                );
            }
        }
        Ok(out)
    };
    if let Some(status) = result.get("status") {
        let code = status
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| status.as_u64())
            .ok_or("status is not a number")?;
        let status = StatusCode::from_u16(code as u16).map_err(|e| e.to_string())?;
        let body = match (result["body"].as_str(), result["bodyEncoding"].as_str()) {
            (Some(b), Some("base64")) => Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| e.to_string())?,
            ),
            (Some(b), _) => Bytes::from(b.to_string()),
            _ => Bytes::new(),
        };
        return Ok(Answer::Response {
            status,
            headers: headers(&result["headers"])?,
            body,
        });
    }
    let uri = result["uri"]
        .as_str()
        .ok_or("the returned request has no uri")?
        .to_string();
    let body = match &result["body"] {
        Value::Object(b) if b.get("action").and_then(Value::as_str) == Some("replace") => {
            let data = b.get("data").and_then(Value::as_str).unwrap_or("");
            Some(if b.get("encoding").and_then(Value::as_str) == Some("base64") {
                Bytes::from(
                    base64::engine::general_purpose::STANDARD
                        .decode(data)
                        .map_err(|e| e.to_string())?,
                )
            } else {
                Bytes::from(data.to_string())
            })
        }
        _ => None,
    };
    Ok(Answer::Request {
        uri,
        query: result["querystring"].as_str().unwrap_or("").to_string(),
        headers: headers(&result["headers"])?,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_given_and_a_header_can_be_added() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        let req = OriginRequest {
            method: http::Method::POST,
            path: "/api/echo".into(),
            query: "a=1".into(),
            headers,
            body: Bytes::from_static(b"{}"),
        };
        let event = origin_request_event(
            "E1",
            "d.cloudfront.net",
            "127.0.0.1",
            &req,
            "/api/echo",
            "x.lambda-url.eu-west-1.on.aws",
            "",
            true,
        );
        let r = &event["Records"][0]["cf"]["request"];
        assert_eq!(r["body"]["data"], "e30=");
        assert_eq!(r["headers"]["content-type"][0]["key"], "Content-Type");
        let mut returned = r.clone();
        returned["headers"]["x-amz-content-sha256"] = json!([{"key": "X-Amz-Content-Sha256", "value": "abc"}]);
        let Answer::Request {
            headers,
            uri,
            query,
            body,
        } = answer(&returned).unwrap()
        else {
            panic!()
        };
        assert_eq!((uri.as_str(), query.as_str()), ("/api/echo", "a=1"));
        assert_eq!(headers["x-amz-content-sha256"], "abc");
        assert!(body.is_none(), "read-only body stays as it was");
    }

    #[test]
    fn a_generated_response() {
        let r = json!({"status": "413", "statusDescription": "Payload Too Large", "body": "too big"});
        let Answer::Response { status, body, .. } = answer(&r).unwrap() else {
            panic!()
        };
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body, Bytes::from_static(b"too big"));
    }
}
