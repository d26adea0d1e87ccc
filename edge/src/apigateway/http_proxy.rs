//! The `HTTP_PROXY` integration: the request goes on to an HTTP endpoint as it came, and its answer comes back
//! as it is.
//!
//! AWS: API Gateway Developer Guide, "Set up HTTP proxy integrations in API Gateway" (the integration URI may
//! hold path parameters, `{proxy}` for a greedy one, filled from the method request as the integration's
//! `requestParameters` map them: `integration.request.path.NAME` = `method.request.path.NAME`; the query string
//! and headers pass through). The edge reaches HTTP servers on loopback only, as it does for CloudFront's
//! custom origins.

use super::model::Integration;
use super::responses;
use super::routing::Route;
use crate::origins::http_server::HttpServerOrigin;
use crate::origins::{OriginRequest, OriginResponse};

pub async fn forward(
    integration: &Integration,
    route: &Route<'_>,
    request: OriginRequest,
    label: &str,
) -> OriginResponse {
    let mut uri = integration.uri.clone();
    for (target, source) in &integration.request_parameters {
        let Some(name) = target.strip_prefix("integration.request.path.") else {
            continue;
        };
        let Some(from) = source.strip_prefix("method.request.path.") else {
            return responses::not_modelled(&format!("request parameter {target} = {source} on {label}"));
        };
        let value = route
            .path_parameters
            .iter()
            .find(|(k, _)| k == from)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let encoded: String = value
            .split('/')
            .map(|s| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string())
            .collect::<Vec<_>>()
            .join("/");
        uri = uri.replace(&format!("{{{name}}}"), &encoded);
    }
    let Some(rest) = uri.strip_prefix("http://") else {
        return responses::not_modelled(&format!("HTTP_PROXY to {uri} on {label} (only http:// on loopback)"));
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        return responses::not_modelled(&format!(
            "HTTP_PROXY to {uri} on {label} (only HTTP servers on loopback are reachable)"
        ));
    }
    let (path, uri_query) = path.split_once('?').unwrap_or((path, ""));
    let query = match (uri_query.is_empty(), request.query.is_empty()) {
        (true, _) => request.query.clone(),
        (false, true) => uri_query.to_string(),
        (false, false) => format!("{uri_query}&{}", request.query),
    };
    let mut headers = request.headers.clone();
    headers.remove(http::header::HOST);
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    HttpServerOrigin::new(authority)
        .fetch(OriginRequest {
            method: request.method,
            path: path.to_string(),
            query,
            headers,
            body: request.body,
        })
        .await
}
