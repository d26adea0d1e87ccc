//! The event a Lambda proxy integration (`AWS_PROXY`) of a REST API gives its function.
//!
//! AWS: API Gateway Developer Guide, "Input format of a Lambda function for proxy integration": `resource` (the
//! resource path template), `path` (below the stage), `httpMethod`, `headers` and `queryStringParameters` (the
//! last value of a repeated name), `multiValueHeaders` and `multiValueQueryStringParameters` (every value),
//! `pathParameters`, `stageVariables` (null when empty), `requestContext` (`accountId`, `apiId`, `domainName`,
//! `httpMethod`, `identity.sourceIp`, `path` with the stage, `protocol`, `requestId`, `requestTime`,
//! `requestTimeEpoch`, `resourceId`, `resourcePath`, `stage`), `body` and `isBase64Encoded`. "Working with binary
//! media types for REST APIs": a body whose `Content-Type` matches the API's `binaryMediaTypes` is given
//! base64-encoded, any other as text.

use std::time::SystemTime;

use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use super::model::{RestApi, Stage};
use super::routing::Route;
use crate::origins::OriginRequest;

/// What API Gateway knows of a request besides its route.
pub struct Context<'a> {
    pub api: &'a RestApi,
    pub stage: &'a Stage,
    /// The path below the stage (`/articles/1`), as received.
    pub path: &'a str,
    /// The path as the client sent it, stage included.
    pub full_path: &'a str,
    /// The caller's address as API Gateway sees it (CloudFront's, behind a distribution).
    pub source_ip: &'a str,
    pub request_id: &'a str,
    pub domain: &'a str,
}

pub fn event(ctx: &Context, route: &Route, request: &OriginRequest) -> Value {
    let mut headers = Map::new();
    let mut multi_headers = Map::new();
    for name in request.headers.keys() {
        let values: Vec<Value> = request
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if let Some(last) = values.last() {
            headers.insert(name.as_str().to_string(), last.clone());
        }
        multi_headers.insert(name.as_str().to_string(), Value::Array(values));
    }
    let mut query = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for pair in request.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().to_string();
        let (k, v) = (decode(k), decode(v));
        query.insert(k.clone(), Value::String(v.clone()));
        match multi_query.get_mut(&k) {
            Some(Value::Array(values)) => values.push(Value::String(v)),
            _ => {
                multi_query.insert(k, json!([v]));
            }
        }
    }
    let path_parameters: Map<String, Value> = route
        .path_parameters
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let stage_variables: Map<String, Value> = ctx
        .stage
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, base64) = if request.body.is_empty() {
        (Value::Null, false)
    } else if is_binary(&ctx.api.binary_media_types, content_type) {
        (
            Value::String(base64::engine::general_purpose::STANDARD.encode(&request.body)),
            true,
        )
    } else {
        (
            Value::String(String::from_utf8_lossy(&request.body).into_owned()),
            false,
        )
    };
    let or_null = |m: Map<String, Value>| if m.is_empty() { Value::Null } else { Value::Object(m) };
    let now = SystemTime::now();
    let epoch_ms = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let user_agent = request
        .headers
        .get(http::header::USER_AGENT)
        .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .unwrap_or(Value::Null);
    json!({
        "resource": route.resource.path,
        "path": ctx.path,
        "httpMethod": request.method.as_str(),
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": or_null(path_parameters),
        "stageVariables": or_null(stage_variables),
        "requestContext": {
            "accountId": ctx.api.account,
            "apiId": ctx.api.id,
            "domainName": ctx.domain,
            "domainPrefix": ctx.domain.split('.').next().unwrap_or_default(),
            "extendedRequestId": ctx.request_id,
            "httpMethod": request.method.as_str(),
            "identity": {
                "accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null,
                "cognitoAuthenticationType": null, "cognitoIdentityId": null, "cognitoIdentityPoolId": null,
                "principalOrgId": null, "sourceIp": ctx.source_ip, "user": null, "userAgent": user_agent,
                "userArn": null,
            },
            "path": ctx.full_path,
            "protocol": "HTTP/1.1",
            "requestId": ctx.request_id,
            "requestTime": request_time(now),
            "requestTimeEpoch": epoch_ms,
            "resourceId": route.resource.id,
            "resourcePath": route.resource.path,
            "stage": ctx.stage.name,
        },
        "body": body,
        "isBase64Encoded": base64,
    })
}

/// Whether a media type is one of the API's binary media types (`*/*` and `type/*` included).
pub fn is_binary(binary_media_types: &[String], content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct.is_empty() {
        return false;
    }
    binary_media_types.iter().any(|t| {
        // Binary media types travel `~1`-escaped in patch operations; some tools store them so.
        let t = t.replace("~1", "/").to_ascii_lowercase();
        t == "*/*"
            || t == ct
            || t.strip_suffix("/*")
                .is_some_and(|major| ct.split('/').next() == Some(major))
    })
}

/// `09/Apr/2015:12:34:56 +0000`, the format of `requestContext.requestTime`.
fn request_time(t: SystemTime) -> String {
    // httpdate: "Thu, 09 Apr 2015 12:34:56 GMT"
    let s = httpdate::fmt_http_date(t);
    let p: Vec<&str> = s.split(' ').collect();
    if p.len() < 5 {
        return s;
    }
    format!("{}/{}/{}:{} +0000", p[1], p[2], p[3], p[4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_media_types_with_wildcards() {
        let types = vec!["image/*".to_string(), "application~1octet-stream".to_string()];
        assert!(is_binary(&types, "image/png"));
        assert!(is_binary(&types, "application/octet-stream; x=1"));
        assert!(!is_binary(&types, "application/json"));
        assert!(is_binary(&["*/*".to_string()], "text/plain"));
        assert!(!is_binary(&["*/*".to_string()], ""));
    }

    #[test]
    fn request_time_format() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_428_582_896);
        assert_eq!(request_time(t), "09/Apr/2015:12:34:56 +0000");
    }
}
