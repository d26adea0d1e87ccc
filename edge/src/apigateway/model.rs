//! A REST API as the edge serves it, read from the endpoint (`GetRestApi`, `GetResources` with the methods and
//! their integrations embedded, `GetStages`), with the Lambda functions its proxy integrations name loaded to run.
//!
//! AWS: API Gateway Developer Guide, "Deploy REST APIs in API Gateway" (a stage serves a deployment of the API;
//! stage variables belong to the stage), "Set up a method" (`authorizationType`, `apiKeyRequired`), "Set up
//! integrations" (`AWS_PROXY`, `HTTP_PROXY`, `MOCK`, `AWS`, `HTTP`), "Working with binary media types for REST
//! APIs" (the API's `binaryMediaTypes`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::endpoint::{aws_message, Aws};
use crate::lambda::deployed;
use crate::lambda::pool::{Launcher, Pool};

pub struct RestApi {
    pub id: String,
    pub name: String,
    pub region: String,
    pub account: String,
    pub binary_media_types: Vec<String>,
    /// Where API keys come from: `HEADER` (`x-api-key`) or `AUTHORIZER`.
    pub api_key_source: String,
    /// Stage -> the values of the enabled API keys of the usage plans that include this API's stage (read only when
    /// a method requires an API key).
    pub api_keys: HashMap<String, HashSet<String>>,
    pub resources: Vec<Resource>,
    pub stages: HashMap<String, Stage>,
    /// The functions the `AWS_PROXY` integrations invoke, by function ARN (unqualified or qualified as the URI
    /// names it).
    pub functions: HashMap<String, LambdaTarget>,
}

pub struct Resource {
    pub id: String,
    /// `/articles/{proxy+}`
    pub path: String,
    /// HTTP method (or `ANY`) -> method.
    pub methods: BTreeMap<String, Method>,
}

pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    pub api_key_required: bool,
    pub integration: Option<Integration>,
}

pub struct Integration {
    pub kind: String,
    pub uri: String,
    pub request_parameters: HashMap<String, String>,
    pub request_templates: HashMap<String, String>,
    /// status code -> integration response
    pub responses: BTreeMap<String, IntegrationResponse>,
}

pub struct IntegrationResponse {
    pub status_code: String,
    pub selection_pattern: Option<String>,
    pub response_parameters: HashMap<String, String>,
    pub response_templates: HashMap<String, String>,
}

pub struct Stage {
    pub name: String,
    pub variables: HashMap<String, String>,
    pub web_acl_arn: Option<String>,
}

/// A function an `AWS_PROXY` integration invokes: its environments and its resource policy.
pub struct LambdaTarget {
    pub pool: Arc<Pool>,
    pub resource_policy: Option<serde_json::Value>,
}

impl RestApi {
    pub fn label(&self) -> String {
        format!("REST API {} ({})", self.id, self.name)
    }
}

pub async fn load(
    aws: &Aws,
    region: &str,
    id: &str,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<RestApi, String> {
    let client = aws.apigateway(region);
    let api = client
        .get_rest_api()
        .rest_api_id(id)
        .send()
        .await
        .map_err(|e| format!("REST API {id} in {region}: {}", aws_message(&e)))?;
    let name = api.name().unwrap_or_default().to_string();
    let mut resources = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let page = client
            .get_resources()
            .rest_api_id(id)
            .embed("methods")
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| format!("REST API {id}: GetResources: {}", aws_message(&e)))?;
        for r in page.items() {
            resources.push(resource(r));
        }
        position = page.position().map(str::to_string);
        if position.is_none() {
            break;
        }
    }
    let stages = client
        .get_stages()
        .rest_api_id(id)
        .send()
        .await
        .map_err(|e| format!("REST API {id}: GetStages: {}", aws_message(&e)))?
        .item()
        .iter()
        .map(|s| {
            let stage = Stage {
                name: s.stage_name().unwrap_or_default().to_string(),
                variables: s.variables().cloned().unwrap_or_default(),
                web_acl_arn: s.web_acl_arn().filter(|a| !a.is_empty()).map(str::to_string),
            };
            (stage.name.clone(), stage)
        })
        .collect();
    let mut functions = HashMap::new();
    for r in &resources {
        for m in r.methods.values() {
            let Some(i) = &m.integration else { continue };
            if i.kind != "AWS_PROXY" {
                continue;
            }
            let Some(function_arn) = lambda_function_arn(&i.uri) else {
                return Err(format!(
                    "REST API {id}: {} {}: the AWS_PROXY integration's URI {} is not a Lambda function's invocation URI (other AWS services are not modelled)",
                    m.http_method, r.path, i.uri
                ));
            };
            if functions.contains_key(&function_arn) {
                continue;
            }
            let (function_region, name, qualifier) = split_function_arn(&function_arn).ok_or_else(|| {
                format!(
                    "REST API {id}: {} {}: {function_arn} is not a function ARN",
                    m.http_method, r.path
                )
            })?;
            let deployed = deployed::load(aws, &function_region, &name, qualifier.as_deref(), code_cache)
                .await
                .map_err(|e| format!("REST API {id}: {} {}: {e}", m.http_method, r.path))?;
            let pool = Arc::new(Pool::new(deployed.spec, launcher.clone()));
            if let Some(why) = pool.refusal() {
                eprintln!(
                    "nextstack-edge: warning: REST API {id}: {} {}: {why}; its requests will get a 502",
                    m.http_method, r.path
                );
            }
            functions.insert(
                function_arn,
                LambdaTarget {
                    pool,
                    resource_policy: deployed.resource_policy,
                },
            );
        }
    }
    let needs_keys = resources.iter().any(|r| r.methods.values().any(|m| m.api_key_required));
    let api_keys = if needs_keys {
        api_keys(&client, id).await?
    } else {
        HashMap::new()
    };
    let account = functions
        .keys()
        .next()
        .and_then(|arn| arn.split(':').nth(4))
        .unwrap_or("123456789012")
        .to_string();
    Ok(RestApi {
        id: id.to_string(),
        name,
        region: region.to_string(),
        account,
        binary_media_types: api.binary_media_types().to_vec(),
        api_key_source: api
            .api_key_source()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "HEADER".into()),
        api_keys,
        resources,
        stages,
        functions,
    })
}

/// The enabled API keys usable on each stage of the API: those in a usage plan whose API stages include it
/// ("Usage plans and API keys for REST APIs": a key works on the stages of the usage plans it belongs to).
async fn api_keys(client: &aws_sdk_apigateway::Client, id: &str) -> Result<HashMap<String, HashSet<String>>, String> {
    let at = |what: &str, e: String| format!("REST API {id}: {what}: {e}");
    let keys = client
        .get_api_keys()
        .include_values(true)
        .limit(500)
        .send()
        .await
        .map_err(|e| at("GetApiKeys", aws_message(&e)))?;
    let enabled: HashMap<String, String> = keys
        .items()
        .iter()
        .filter(|k| k.enabled())
        .filter_map(|k| Some((k.id()?.to_string(), k.value()?.to_string())))
        .collect();
    let plans = client
        .get_usage_plans()
        .limit(500)
        .send()
        .await
        .map_err(|e| at("GetUsagePlans", aws_message(&e)))?;
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for plan in plans.items() {
        let stages: Vec<String> = plan
            .api_stages()
            .iter()
            .filter(|s| s.api_id() == Some(id))
            .filter_map(|s| s.stage().map(str::to_string))
            .collect();
        if stages.is_empty() {
            continue;
        }
        let plan_id = plan.id().unwrap_or_default();
        let members = client
            .get_usage_plan_keys()
            .usage_plan_id(plan_id)
            .limit(500)
            .send()
            .await
            .map_err(|e| at(&format!("GetUsagePlanKeys {plan_id}"), aws_message(&e)))?;
        for member in members.items() {
            let Some(value) = member.id().and_then(|k| enabled.get(k)) else {
                continue;
            };
            for stage in &stages {
                out.entry(stage.clone()).or_default().insert(value.clone());
            }
        }
    }
    Ok(out)
}

fn resource(r: &aws_sdk_apigateway::types::Resource) -> Resource {
    let mut methods = BTreeMap::new();
    for (verb, m) in r.resource_methods().into_iter().flatten() {
        let integration = m.method_integration().map(|i| Integration {
            kind: i.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            uri: i.uri().unwrap_or_default().to_string(),
            request_parameters: i.request_parameters().cloned().unwrap_or_default(),
            request_templates: i.request_templates().cloned().unwrap_or_default(),
            responses: i
                .integration_responses()
                .into_iter()
                .flatten()
                .map(|(code, ir)| {
                    (
                        code.clone(),
                        IntegrationResponse {
                            status_code: ir.status_code().unwrap_or(code).to_string(),
                            selection_pattern: ir.selection_pattern().map(str::to_string),
                            response_parameters: ir.response_parameters().cloned().unwrap_or_default(),
                            response_templates: ir.response_templates().cloned().unwrap_or_default(),
                        },
                    )
                })
                .collect(),
        });
        methods.insert(
            verb.to_ascii_uppercase(),
            Method {
                http_method: verb.to_ascii_uppercase(),
                authorization_type: m.authorization_type().unwrap_or("NONE").to_string(),
                api_key_required: m.api_key_required().unwrap_or(false),
                integration,
            },
        );
    }
    Resource {
        id: r.id().unwrap_or_default().to_string(),
        path: r.path().unwrap_or("/").to_string(),
        methods,
    }
}

/// The function an `AWS_PROXY` integration URI invokes:
/// `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`
/// ("Set up Lambda proxy integrations in API Gateway").
pub fn lambda_function_arn(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once(":lambda:path/2015-03-31/functions/")?;
    let arn = rest.strip_suffix("/invocations")?;
    arn.starts_with("arn:").then(|| arn.to_string())
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` -> (region, name, qualifier).
fn split_function_arn(arn: &str) -> Option<(String, String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts[2] != "lambda" || parts[5] != "function" {
        return None;
    }
    Some((
        parts[3].to_string(),
        parts[6].to_string(),
        parts.get(7).map(|q| q.to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_uris_name_their_function() {
        let uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:articles/invocations";
        let arn = lambda_function_arn(uri).unwrap();
        assert_eq!(arn, "arn:aws:lambda:eu-west-1:123456789012:function:articles");
        assert_eq!(
            split_function_arn(&arn),
            Some(("eu-west-1".into(), "articles".into(), None))
        );
        assert_eq!(
            split_function_arn("arn:aws:lambda:eu-west-1:1:function:f:live")
                .unwrap()
                .2
                .as_deref(),
            Some("live")
        );
        assert!(lambda_function_arn("arn:aws:apigateway:eu-west-1:sqs:path/1/q").is_none());
    }
}
