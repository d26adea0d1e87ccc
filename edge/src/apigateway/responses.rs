//! API Gateway's own answers (gateway responses), with the bodies and error types it sends.
//!
//! AWS: API Gateway Developer Guide, "Gateway response types for API Gateway" (`MISSING_AUTHENTICATION_TOKEN`
//! 403, `API_CONFIGURATION_ERROR` 500, `INTEGRATION_FAILURE` 504/`INTEGRATION_TIMEOUT` 504, the default 5XX body
//! `{"message": "Internal server error"}`) and "Handle Lambda errors in API Gateway" (a function error or a
//! malformed Lambda proxy response: 502 with that body).

use http::{HeaderValue, StatusCode};

use crate::origins::OriginResponse;

fn gateway(status: StatusCode, error_type: &'static str, body: String) -> OriginResponse {
    let mut r = OriginResponse::new(status, "application/json", body);
    r.headers
        .insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    r
}

/// No resource matches the path, or the resource has no such method (nor `ANY`), or the stage does not exist:
/// API Gateway answers as if the request lacked a signature.
pub fn missing_authentication_token() -> OriginResponse {
    gateway(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationTokenException",
        r#"{"message":"Missing Authentication Token"}"#.into(),
    )
}

/// The request's host name is not the API's (or the custom domain's); also a path no base path mapping takes.
pub fn forbidden() -> OriginResponse {
    gateway(
        StatusCode::FORBIDDEN,
        "ForbiddenException",
        r#"{"message":"Forbidden"}"#.into(),
    )
}

/// The function failed, or its answer is not a Lambda proxy response.
pub fn bad_gateway() -> OriginResponse {
    gateway(
        StatusCode::BAD_GATEWAY,
        "InternalServerErrorException",
        r#"{"message": "Internal server error"}"#.into(),
    )
}

/// API Gateway could not invoke the integration (no permission on the function, a throttled function).
pub fn internal_server_error() -> OriginResponse {
    gateway(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerErrorException",
        r#"{"message": "Internal server error"}"#.into(),
    )
}

/// The integration did not answer within the REST API's 29-second integration timeout.
pub fn integration_timeout() -> OriginResponse {
    gateway(
        StatusCode::GATEWAY_TIMEOUT,
        "InternalServerErrorException",
        r#"{"message": "Endpoint request timed out"}"#.into(),
    )
}

/// Something the edge does not model: 501, with a body naming it (never a silent difference).
pub fn not_modelled(what: &str) -> OriginResponse {
    eprintln!("nextstack-edge: {what} is not modelled (see docs/edge.md)");
    gateway(
        StatusCode::NOT_IMPLEMENTED,
        "NotModelledByNextstackEdge",
        serde_json::json!({ "message": format!("nextstack-edge: {what} is not modelled") }).to_string(),
    )
}
