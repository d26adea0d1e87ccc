//! A `lambda` target group: the request becomes the ALB event, the function's answer the response.
//!
//! AWS: Application Load Balancers user guide, "Lambda functions as targets": the event has `requestContext.elb.
//! targetGroupArn`, `httpMethod`, `path`, `queryStringParameters` (not URL-decoded: "If the query parameters are
//! URL-encoded, the load balancer does not decode them"), `headers` (lower-case names), `body` and
//! `isBase64Encoded` (the body is base64-encoded unless it is text); without multi-value headers a repeated header or
//! query parameter gives its last value; with the target group attribute `lambda.multi_value_headers.enabled` the
//! event carries `multiValueHeaders` and `multiValueQueryStringParameters` instead, and the response must use
//! `multiValueHeaders`. The response: `statusCode`, `statusDescription`, `headers` or `multiValueHeaders`, `body`,
//! `isBase64Encoded`; a function error, a response that is not valid or larger than 1 MB is a 502. Permission:
//! "the load balancer needs permission to invoke the function" (`lambda:InvokeFunction` for principal
//! `elasticloadbalancing.amazonaws.com`, checked in `load`).

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};

use super::model::LambdaTarget;
use super::responses;
use crate::lambda::Outcome;
use crate::origins::{full, OriginRequest, OriginResponse};

/// Lambda's response size limit for a load balancer target ("Lambda functions as targets", "Limits").
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A response, and the reason phrase `statusDescription` gave it.
pub struct LambdaAnswer {
    pub response: OriginResponse,
    pub reason: Option<String>,
}

pub async fn invoke(target: &LambdaTarget, tg_arn: &str, multi_value: bool, request: &OriginRequest) -> LambdaAnswer {
    let bad_gateway = || LambdaAnswer {
        response: responses::error(StatusCode::BAD_GATEWAY),
        reason: None,
    };
    if !target.permitted {
        return bad_gateway();
    }
    let event = event(tg_arn, multi_value, request);
    let payload = match target.pool.invoke(Bytes::from(event.to_string())).await {
        Ok(Outcome::Response(payload)) => payload,
        Ok(Outcome::Stream { body, .. }) => match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return bad_gateway(),
        },
        Ok(Outcome::Error(e)) => {
            eprintln!(
                "nextstack-edge: target group {tg_arn}: function {} failed: {e}",
                target.function_arn
            );
            return bad_gateway();
        }
        Err(e) => {
            eprintln!(
                "nextstack-edge: target group {tg_arn}: function {}: {e}",
                target.function_arn
            );
            return bad_gateway();
        }
    };
    if payload.len() > MAX_RESPONSE_BYTES {
        eprintln!("nextstack-edge: target group {tg_arn}: the function's response is larger than 1 MB: 502");
        return bad_gateway();
    }
    match response(&payload, multi_value) {
        Some(answer) => answer,
        None => {
            eprintln!(
                "nextstack-edge: target group {tg_arn}: the function's response is not a valid ALB response: 502"
            );
            bad_gateway()
        }
    }
}

pub fn event(tg_arn: &str, multi_value: bool, request: &OriginRequest) -> Value {
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for name in request.headers.keys() {
        let values = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
            .collect();
        headers.push((name.as_str().to_string(), values));
    }
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for pair in request.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match params.iter_mut().find(|(key, _)| key == k) {
            Some((_, values)) => values.push(v.to_string()),
            None => params.push((k.to_string(), vec![v.to_string()])),
        }
    }
    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let encoded = request.headers.contains_key(http::header::CONTENT_ENCODING);
    let (body, base64) = match std::str::from_utf8(&request.body) {
        Ok(text) if request.body.is_empty() || (is_text(content_type) && !encoded) => (text.to_string(), false),
        _ => (base64::engine::general_purpose::STANDARD.encode(&request.body), true),
    };
    let mut event = json!({
        "requestContext": {"elb": {"targetGroupArn": tg_arn}},
        "httpMethod": request.method.as_str(),
        "path": request.path,
        "body": body,
        "isBase64Encoded": base64,
    });
    let multi = |items: Vec<(String, Vec<String>)>| -> Value {
        Value::Object(items.into_iter().map(|(k, v)| (k, json!(v))).collect())
    };
    let single = |items: Vec<(String, Vec<String>)>| -> Value {
        Value::Object(
            items
                .into_iter()
                .map(|(k, mut v)| (k, Value::String(v.pop().unwrap_or_default())))
                .collect(),
        )
    };
    if multi_value {
        event["multiValueHeaders"] = multi(headers);
        event["multiValueQueryStringParameters"] = multi(params);
    } else {
        event["headers"] = single(headers);
        event["queryStringParameters"] = single(params);
    }
    event
}

fn is_text(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || matches!(
            ct.as_str(),
            "application/json" | "application/javascript" | "application/xml" | "application/x-www-form-urlencoded"
        )
}

/// The HTTP response a function's answer describes; None when it is not a valid answer.
pub fn response(payload: &[u8], multi_value: bool) -> Option<LambdaAnswer> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let obj: &Map<String, Value> = value.as_object()?;
    let status = obj
        .get("statusCode")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .and_then(|c| StatusCode::from_u16(c as u16).ok())?;
    let mut headers = HeaderMap::new();
    let mut add = |k: &str, v: &Value| {
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&value)) {
            headers.append(name, value);
        }
    };
    if multi_value {
        if let Some(Value::Object(h)) = obj.get("multiValueHeaders") {
            for (k, values) in h {
                match values {
                    Value::Array(items) => items.iter().for_each(|v| add(k, v)),
                    other => add(k, other),
                }
            }
        }
    } else if let Some(Value::Object(h)) = obj.get("headers") {
        for (k, v) in h {
            add(k, v);
        }
    }
    let body = match obj.get("body") {
        Some(Value::String(s)) if obj.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            Bytes::from(base64::engine::general_purpose::STANDARD.decode(s).ok()?)
        }
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(Value::Null) | None => Bytes::new(),
        Some(_) => return None,
    };
    // "200 OK": the reason phrase follows the code.
    let reason = obj
        .get("statusDescription")
        .and_then(Value::as_str)
        .map(|d| d.split_once(' ').map_or("", |(_, r)| r).to_string())
        .filter(|r| !r.is_empty());
    Some(LambdaAnswer {
        response: OriginResponse {
            status,
            headers,
            body: full(body),
        },
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn request() -> OriginRequest {
        let mut headers = HeaderMap::new();
        headers.append("cookie", "a=1".parse().unwrap());
        headers.append("cookie", "b=2".parse().unwrap());
        OriginRequest {
            method: Method::GET,
            path: "/x".into(),
            query: "k=a%20b&k=2".into(),
            headers,
            body: Bytes::new(),
        }
    }

    #[test]
    fn single_value_takes_the_last_value_and_does_not_decode() {
        let e = event("tg", false, &request());
        assert_eq!(e["headers"]["cookie"], "b=2");
        assert_eq!(e["queryStringParameters"]["k"], "2");
        assert!(e.get("multiValueHeaders").is_none());
        let m = event("tg", true, &request());
        assert_eq!(m["multiValueHeaders"]["cookie"], json!(["a=1", "b=2"]));
        assert_eq!(m["multiValueQueryStringParameters"]["k"], json!(["a%20b", "2"]));
        assert_eq!(m["requestContext"]["elb"]["targetGroupArn"], "tg");
    }

    #[test]
    fn response_mapping() {
        let a = response(
            br#"{"statusCode":418,"statusDescription":"418 Short And Stout","multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"aGk=","isBase64Encoded":true}"#,
            true,
        )
        .unwrap();
        assert_eq!(a.response.status.as_u16(), 418);
        assert_eq!(a.reason.as_deref(), Some("Short And Stout"));
        assert_eq!(a.response.headers.get_all("set-cookie").iter().count(), 2);
        assert!(response(br#"{"body":"no status"}"#, false).is_none());
        assert!(response(b"not json", false).is_none());
    }
}
