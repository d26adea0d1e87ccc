//! The `MOCK` integration: API Gateway answers by itself from the method's integration response.
//!
//! AWS: API Gateway Developer Guide, "Enable mock integration using the API Gateway console" and "Set up an
//! integration response" (the request template's `statusCode` selects the integration response whose
//! `selectionPattern`, a regular expression over the status code, matches it in full, else the default one
//! (no pattern); its `responseParameters` set headers (`method.response.header.NAME` = `'static value'`) and
//! its response template gives the body). Mapping templates are Velocity (VTL): only templates without VTL
//! (no `$` or `#`) are modelled.

use super::model::Integration;
use super::responses;
use crate::origins::OriginResponse;
use http::{HeaderName, HeaderValue, StatusCode};

pub fn answer(integration: &Integration, label: &str) -> OriginResponse {
    let template = integration
        .request_templates
        .get("application/json")
        .or_else(|| integration.request_templates.values().next());
    let status = match template {
        None => 200,
        Some(t) if is_vtl(t) => return responses::not_modelled(&format!("a VTL request template on {label}")),
        Some(t) => match serde_json::from_str::<serde_json::Value>(t)
            .ok()
            .and_then(|v| v.get("statusCode").and_then(|s| s.as_u64()))
        {
            Some(s) => s,
            None => {
                eprintln!("nextstack-edge: {label}: the MOCK request template has no integer statusCode");
                return responses::internal_server_error();
            }
        },
    }
    .to_string();
    let chosen = integration
        .responses
        .values()
        .find(|r| {
            r.selection_pattern
                .as_deref()
                .filter(|p| !p.is_empty())
                .is_some_and(|p| regex_lite::Regex::new(&format!("^(?:{p})$")).is_ok_and(|re| re.is_match(&status)))
        })
        .or_else(|| {
            integration
                .responses
                .values()
                .find(|r| r.selection_pattern.as_deref().unwrap_or("").is_empty())
        });
    let Some(chosen) = chosen else {
        // No integration response for the status: API Gateway's configuration error.
        eprintln!("nextstack-edge: {label}: no integration response matches status {status}");
        return responses::internal_server_error();
    };
    let body = chosen
        .response_templates
        .get("application/json")
        .or_else(|| chosen.response_templates.values().next())
        .cloned()
        .unwrap_or_default();
    if is_vtl(&body) {
        return responses::not_modelled(&format!("a VTL response template on {label}"));
    }
    let code = chosen
        .status_code
        .parse()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok());
    let Some(code) = code else {
        return responses::internal_server_error();
    };
    let mut response = OriginResponse::new(code, "application/json", body);
    for (target, source) in &chosen.response_parameters {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        let Some(value) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) else {
            return responses::not_modelled(&format!("response parameter {target} = {source} on {label}"));
        };
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            response.headers.insert(n, v);
        }
    }
    response
}

fn is_vtl(template: &str) -> bool {
    template.contains('$') || template.contains('#')
}
