//! A custom domain name and its base path mappings: which API and stage a request to the domain reaches.
//!
//! AWS: API Gateway Developer Guide, "Custom domain names for public REST APIs" and "Map API stages to a custom
//! domain name for REST APIs" (a base path mapping sends `https://DOMAIN/BASE_PATH/...` to a stage of an API; the
//! base path `(none)` takes every request the other mappings do not; a base path may have several segments and
//! the longest that matches wins; a mapping without a stage leaves the stage to the path's next segment; a
//! request no mapping takes is refused with 403 `{"message":"Forbidden"}`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{model, RestApiOrigin};
use crate::endpoint::{aws_message, Aws};
use crate::lambda::pool::Launcher;
use crate::origins::{OriginRequest, OriginResponse};

pub struct CustomDomain {
    pub name: String,
    pub mappings: Vec<Mapping>,
}

pub struct Mapping {
    /// Without slashes at either end; empty for `(none)`.
    pub base_path: String,
    pub api: Arc<RestApiOrigin>,
    /// None: the stage is the next path segment.
    pub stage: Option<String>,
}

pub async fn load(
    aws: &Aws,
    region: &str,
    name: &str,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<CustomDomain, String> {
    let client = aws.apigateway(region);
    client
        .get_domain_name()
        .domain_name(name)
        .send()
        .await
        .map_err(|e| format!("custom domain name {name} in {region}: {}", aws_message(&e)))?;
    let out = client
        .get_base_path_mappings()
        .domain_name(name)
        .limit(500)
        .send()
        .await
        .map_err(|e| format!("custom domain name {name}: GetBasePathMappings: {}", aws_message(&e)))?;
    let mut apis: HashMap<String, Arc<RestApiOrigin>> = HashMap::new();
    let mut mappings = Vec::new();
    for m in out.items() {
        let Some(api_id) = m.rest_api_id() else { continue };
        let api = match apis.get(api_id) {
            Some(a) => a.clone(),
            None => {
                let loaded = model::load(aws, region, api_id, launcher, code_cache)
                    .await
                    .map_err(|e| format!("custom domain name {name}: {e}"))?;
                let origin = Arc::new(RestApiOrigin { api: Arc::new(loaded) });
                apis.insert(api_id.to_string(), origin.clone());
                origin
            }
        };
        let base = m.base_path().unwrap_or("(none)");
        mappings.push(Mapping {
            base_path: if base == "(none)" {
                String::new()
            } else {
                base.trim_matches('/').to_string()
            },
            api,
            stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
        });
    }
    // Longest base path first: the most specific mapping wins.
    mappings.sort_by_key(|m| std::cmp::Reverse(m.base_path.len()));
    Ok(CustomDomain {
        name: name.to_string(),
        mappings,
    })
}

impl CustomDomain {
    /// The REST APIs behind the mappings (each once).
    pub fn apis(&self) -> Vec<Arc<RestApiOrigin>> {
        let mut out: Vec<Arc<RestApiOrigin>> = Vec::new();
        for m in &self.mappings {
            if !out.iter().any(|a| a.api.id == m.api.api.id) {
                out.push(m.api.clone());
            }
        }
        out
    }

    pub async fn fetch(&self, request: OriginRequest, source_ip: &str) -> OriginResponse {
        let path = request.path.clone();
        let Some((mapping, below)) = self.mapping(&path) else {
            return super::responses::forbidden();
        };
        let (stage, below) = match &mapping.stage {
            Some(s) => (s.clone(), below),
            None => {
                let rest = below.trim_start_matches('/');
                match rest.split_once('/') {
                    Some((stage, tail)) => (stage.to_string(), format!("/{tail}")),
                    None => (rest.to_string(), "/".to_string()),
                }
            }
        };
        mapping.api.fetch_stage(request, &stage, &below, &path, source_ip).await
    }

    /// The mapping that takes a path, and the path below its base path.
    fn mapping(&self, path: &str) -> Option<(&Mapping, String)> {
        let trimmed = path.trim_start_matches('/');
        self.mappings.iter().find_map(|m| {
            if m.base_path.is_empty() {
                return Some((m, format!("/{trimmed}")));
            }
            let rest = trimmed.strip_prefix(m.base_path.as_str())?;
            if rest.is_empty() {
                Some((m, "/".to_string()))
            } else {
                rest.starts_with('/').then(|| (m, rest.to_string()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigateway::model::RestApi;

    fn api(id: &str) -> Arc<RestApiOrigin> {
        Arc::new(RestApiOrigin {
            api: Arc::new(RestApi {
                id: id.into(),
                name: id.into(),
                region: "eu-west-1".into(),
                account: "123456789012".into(),
                binary_media_types: vec![],
                api_key_source: "HEADER".into(),
                api_keys: HashMap::new(),
                resources: vec![],
                stages: HashMap::new(),
                functions: HashMap::new(),
            }),
        })
    }

    #[test]
    fn the_longest_base_path_wins_and_none_takes_the_rest() {
        let mut mappings = vec![
            Mapping {
                base_path: String::new(),
                api: api("root"),
                stage: Some("prod".into()),
            },
            Mapping {
                base_path: "v1".into(),
                api: api("v1"),
                stage: Some("prod".into()),
            },
            Mapping {
                base_path: "v1/orders".into(),
                api: api("orders"),
                stage: None,
            },
        ];
        mappings.sort_by_key(|m| std::cmp::Reverse(m.base_path.len()));
        let d = CustomDomain {
            name: "api.example.com".into(),
            mappings,
        };
        let pick = |p: &str| d.mapping(p).map(|(m, below)| (m.api.api.id.clone(), below));
        assert_eq!(pick("/v1/orders/7"), Some(("orders".into(), "/7".into())));
        assert_eq!(pick("/v1/items"), Some(("v1".into(), "/items".into())));
        assert_eq!(pick("/v1"), Some(("v1".into(), "/".into())));
        assert_eq!(pick("/v10/x"), Some(("root".into(), "/v10/x".into())));
    }
}
