//! API Gateway REST APIs: a stage's resources and methods, served the way API Gateway serves them, behind a
//! CloudFront origin (`{api-id}.execute-api.{region}.amazonaws.com` with the stage as origin path) or directly.
//!
//! AWS: API Gateway Developer Guide, "Invoke REST APIs in API Gateway" (`https://{api-id}.execute-api.{region}.
//! amazonaws.com/{stage}/{resource-path}`: the first path segment names the stage; an unknown stage, resource
//! or method gets the 403 `Missing Authentication Token`), "Control and manage access to REST APIs"
//! (authorization types `NONE`, `AWS_IAM`, `COGNITO_USER_POOLS`, `CUSTOM`; API keys), "Set up integrations".

pub mod custom_domain;
pub mod front_door;
pub mod http_proxy;
pub mod lambda_proxy;
pub mod mock;
pub mod model;
pub mod proxy_event;
pub mod proxy_response;
pub mod responses;
pub mod routing;

use std::sync::Arc;

use http::HeaderValue;

use crate::origins::{OriginRequest, OriginResponse};
use model::RestApi;

/// `{api-id}.execute-api.{region}.amazonaws.com` -> (api id, region).
pub fn execute_api_domain(domain: &str) -> Option<(String, String)> {
    let rest = domain.strip_suffix(".amazonaws.com")?;
    let (id, region) = rest.split_once(".execute-api.")?;
    (!id.is_empty() && !id.contains('.') && !region.contains('.')).then(|| (id.to_string(), region.to_string()))
}

/// What a CloudFront origin or a `--rest-api` front door reaches: a REST API's default endpoint (the stage is the
/// first path segment) or a custom domain name (its base path mappings choose the API and stage).
pub enum ApiGatewayOrigin {
    Api(Arc<RestApiOrigin>),
    Domain(custom_domain::CustomDomain),
}

impl ApiGatewayOrigin {
    pub async fn fetch(&self, request: OriginRequest, source_ip: &str) -> OriginResponse {
        // API Gateway finds the API (or custom domain) by the Host header: another name is not this API. CloudFront
        // Developer Guide, "Use managed origin request policies": AllViewerExceptHostHeader exists for API Gateway
        // and Lambda function URL origins, "which expect the Host header to contain the origin domain name".
        let host = request
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name).to_ascii_lowercase());
        if host.is_some_and(|h| h != self.host().to_ascii_lowercase()) {
            return responses::forbidden();
        }
        match self {
            Self::Api(a) => a.fetch(request, source_ip).await,
            Self::Domain(d) => d.fetch(request, source_ip).await,
        }
    }

    /// The REST APIs it reaches.
    pub fn apis(&self) -> Vec<Arc<RestApiOrigin>> {
        match self {
            Self::Api(a) => vec![a.clone()],
            Self::Domain(d) => d.apis(),
        }
    }

    /// The host name it answers as.
    pub fn host(&self) -> String {
        match self {
            Self::Api(a) => a.domain(),
            Self::Domain(d) => d.name.clone(),
        }
    }
}

/// A REST API as an origin or a front door.
pub struct RestApiOrigin {
    pub api: Arc<RestApi>,
}

impl RestApiOrigin {
    /// The API's default endpoint (`{api-id}.execute-api.{region}.amazonaws.com`).
    pub fn domain(&self) -> String {
        format!("{}.execute-api.{}.amazonaws.com", self.api.id, self.api.region)
    }

    /// Serves a request whose path starts with the stage (`/prod/articles/1`).
    pub async fn fetch(&self, request: OriginRequest, source_ip: &str) -> OriginResponse {
        let path = request.path.clone();
        let (stage_name, below) = match path.trim_start_matches('/').split_once('/') {
            Some((stage, rest)) => (stage.to_string(), format!("/{rest}")),
            None => (path.trim_start_matches('/').to_string(), "/".to_string()),
        };
        self.fetch_stage(request, &stage_name, &below, &path, source_ip).await
    }

    /// Serves a request for a stage, `below` being the path under it (a base path mapping strips its own part).
    pub async fn fetch_stage(
        &self,
        request: OriginRequest,
        stage_name: &str,
        below: &str,
        full_path: &str,
        source_ip: &str,
    ) -> OriginResponse {
        let request_id = uuid_like();
        let mut response = self
            .answer(request, stage_name, below, full_path, source_ip, &request_id)
            .await;
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            response.headers.insert("x-amzn-requestid", v);
        }
        response
    }

    async fn answer(
        &self,
        request: OriginRequest,
        stage_name: &str,
        below: &str,
        full_path: &str,
        source_ip: &str,
        request_id: &str,
    ) -> OriginResponse {
        let mut request = request;
        forwarding_headers(&mut request.headers, source_ip);
        let api = &self.api;
        let Some(stage) = api.stages.get(stage_name) else {
            return responses::missing_authentication_token();
        };
        let Some(route) = routing::route(api, below, request.method.as_str()) else {
            return responses::missing_authentication_token();
        };
        let label = format!(
            "{} {} {} (stage {stage_name})",
            api.label(),
            route.method.http_method,
            route.resource.path
        );
        if route.method.authorization_type != "NONE" {
            return responses::not_modelled(&format!(
                "authorization type {} on {label}",
                route.method.authorization_type
            ));
        }
        // "Choose an API key source": with HEADER the key is the x-api-key header; a missing key, or one that is not an
        // enabled key of a usage plan for this stage, is 403 Forbidden.
        if route.method.api_key_required {
            if api.api_key_source != "HEADER" {
                return responses::not_modelled(&format!("API keys from a Lambda authorizer (AUTHORIZER) on {label}"));
            }
            let sent = request.headers.get("x-api-key").and_then(|v| v.to_str().ok());
            let valid = api.api_keys.get(stage_name);
            if !sent.is_some_and(|k| valid.is_some_and(|v| v.contains(k))) {
                return responses::forbidden();
            }
        }
        let Some(integration) = &route.method.integration else {
            eprintln!("nextstack-edge: {label} has no integration");
            return responses::internal_server_error();
        };
        match integration.kind.as_str() {
            "AWS_PROXY" => {
                let Some(function_arn) = model::lambda_function_arn(&integration.uri) else {
                    return responses::not_modelled(&format!(
                        "the AWS_PROXY integration {} on {label}",
                        integration.uri
                    ));
                };
                let Some(target) = api.functions.get(&function_arn) else {
                    return responses::internal_server_error();
                };
                // The method's ARN as Lambda sees it: the request's own path below the stage.
                let source_arn = format!(
                    "arn:aws:execute-api:{}:{}:{}/{stage_name}/{}/{}",
                    api.region,
                    api.account,
                    api.id,
                    request.method.as_str(),
                    below.trim_start_matches('/')
                );
                if !lambda_proxy::permitted(target, &function_arn, &source_arn, &api.account) {
                    eprintln!(
                        "nextstack-edge: {label}: Execution failed due to configuration error: Invalid permissions on Lambda function ({} does not allow apigateway.amazonaws.com to invoke it for {source_arn})",
                        target.pool.spec().name
                    );
                    return responses::internal_server_error();
                }
                let domain = format!("{}.execute-api.{}.amazonaws.com", api.id, api.region);
                let ctx = proxy_event::Context {
                    api,
                    stage,
                    path: below,
                    full_path,
                    source_ip,
                    request_id,
                    domain: &domain,
                };
                let event = proxy_event::event(&ctx, &route, &request);
                let accept = request
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .to_string();
                lambda_proxy::invoke(target, event, &api.binary_media_types, &accept, &label).await
            }
            "MOCK" => mock::answer(integration, &label),
            "HTTP_PROXY" => http_proxy::forward(integration, &route, request, &label).await,
            other => responses::not_modelled(&format!("the {other} integration on {label}")),
        }
    }
}

/// The headers API Gateway adds to what it passes on ("Input format of a Lambda function for proxy integration",
/// its example event): the caller's address appended to `X-Forwarded-For`, `X-Forwarded-Port: 443`,
/// `X-Forwarded-Proto: https` (the endpoint is HTTPS only), and an `X-Amzn-Trace-Id` (X-Ray's `Root=1-TIME-ID`).
fn forwarding_headers(headers: &mut http::HeaderMap, source_ip: &str) {
    let forwarded = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(before) if !before.is_empty() => format!("{before}, {source_ip}"),
        _ => source_ip.to_string(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let trace = format!("Root=1-{now:08x}-{:024x}", fastrand::u128(..) >> 32);
    for (name, value) in [
        ("x-forwarded-for", forwarded),
        ("x-forwarded-port", "443".to_string()),
        ("x-forwarded-proto", "https".to_string()),
        ("x-amzn-trace-id", trace),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}

/// A request id in the form API Gateway gives them (a UUID).
fn uuid_like() -> String {
    let h = format!("{:032x}", fastrand::u128(..));
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_api_domains() {
        assert_eq!(
            execute_api_domain("a1b2c3.execute-api.eu-west-1.amazonaws.com"),
            Some(("a1b2c3".into(), "eu-west-1".into()))
        );
        assert!(execute_api_domain("x.lambda-url.eu-west-1.on.aws").is_none());
        assert!(execute_api_domain("bucket.s3.eu-west-1.amazonaws.com").is_none());
    }
}
