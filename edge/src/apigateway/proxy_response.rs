//! What a Lambda proxy integration's function returns, as the HTTP response API Gateway sends.
//!
//! AWS: API Gateway Developer Guide, "Output format of a Lambda function for proxy integration": a JSON object
//! with `statusCode`, `headers`, `multiValueHeaders` (merged with `headers`; where both name a header, the
//! values of `multiValueHeaders` are the ones kept), `body` (a string) and `isBase64Encoded`; anything else is a
//! malformed Lambda proxy response, answered 502. "Return binary media from a Lambda proxy integration": a
//! base64 body is decoded when the request's `Accept` matches the API's `binaryMediaTypes`, otherwise it is
//! sent as the text it is. A response without `Content-Type` gets `application/json`.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use super::proxy_event::is_binary;

pub struct ProxyResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The response, or why it is malformed.
pub fn parse(payload: &[u8], binary_media_types: &[String], accept: &str) -> Result<ProxyResponse, String> {
    let value: Value = serde_json::from_slice(payload).map_err(|_| "the payload is not JSON".to_string())?;
    let obj = value
        .as_object()
        .ok_or_else(|| "the payload is not a JSON object".to_string())?;
    let status = match obj.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .and_then(|n| u16::try_from(n).ok())
    .and_then(|n| StatusCode::from_u16(n).ok())
    .filter(|s| s.as_u16() >= 100)
    .ok_or_else(|| "statusCode is missing or not an HTTP status".to_string())?;
    let mut headers = HeaderMap::new();
    let header = |k: &str, v: &str| -> Result<(HeaderName, HeaderValue), String> {
        Ok((
            HeaderName::from_bytes(k.as_bytes()).map_err(|_| format!("header name {k:?} is not valid"))?,
            HeaderValue::from_str(v).map_err(|_| format!("header {k} has a value that is not valid"))?,
        ))
    };
    let scalar = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let multi = match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    };
    for (k, values) in &multi {
        let Value::Array(values) = values else {
            return Err(format!("multiValueHeaders.{k} is not a list"));
        };
        for v in values {
            let v = scalar(v).ok_or_else(|| format!("multiValueHeaders.{k} holds a value that is not a string"))?;
            let (name, value) = header(k, &v)?;
            headers.append(name, value);
        }
    }
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if multi.keys().any(|mk| mk.eq_ignore_ascii_case(k)) {
                    continue;
                }
                let v = scalar(v).ok_or_else(|| format!("headers.{k} is not a string"))?;
                let (name, value) = header(k, &v)?;
                headers.append(name, value);
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if base64 && is_binary(binary_media_types, accept) => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| "body is not valid base64".to_string())?,
        ),
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(_) => return Err("body is not a string".into()),
    };
    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Ok(ProxyResponse { status, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_multi_value_headers_merge() {
        let r = parse(
            br#"{"statusCode":201,"headers":{"x-a":"1","Set-Cookie":"lost=1"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"hi"}"#,
            &[],
            "",
        )
        .unwrap();
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.headers.get_all("set-cookie").iter().count(), 2);
        assert_eq!(r.headers["x-a"], "1");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.body, Bytes::from_static(b"hi"));
    }

    #[test]
    fn malformed_responses() {
        for bad in [
            &br#"{"ok":true}"#[..],
            br#"{"statusCode":200,"body":{"a":1}}"#,
            br#"{"statusCode":"abc"}"#,
            br#"{"statusCode":200,"headers":["a"]}"#,
            br#"{"statusCode":200,"multiValueHeaders":{"a":"1"}}"#,
            br#"[1]"#,
            b"not json",
        ] {
            assert!(parse(bad, &[], "").is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn base64_bodies_decode_only_for_binary_accept() {
        let payload = br#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#;
        let types = vec!["image/png".to_string()];
        assert_eq!(
            parse(payload, &types, "image/png").unwrap().body,
            Bytes::from_static(b"hi")
        );
        assert_eq!(
            parse(payload, &types, "text/html").unwrap().body,
            Bytes::from_static(b"aGk=")
        );
    }
}
