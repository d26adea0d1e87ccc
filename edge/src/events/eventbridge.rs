//! EventBridge's JSON API at the endpoint (DescribeRule, ListRules, ListTargetsByRule), signed with the edge's
//! credentials. A small client of its own: the edge needs three read calls.
//!
//! AWS: Amazon EventBridge API Reference ("Making API requests": `POST /` with `X-Amz-Target: AWSEvents.<Action>`
//! and `Content-Type: application/x-amz-json-1.1`; errors as `{"__type", "message"}`), "DescribeRule",
//! "ListRules" (`NamePrefix`, `EventBusName`, `NextToken`), "ListTargetsByRule" (`Rule`, `EventBusName`).

use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use crate::lambda::pool::Credentials;
use crate::sigv4;

#[derive(Clone)]
pub struct EventBridge {
    endpoint: http::Uri,
    credentials: Credentials,
}

impl EventBridge {
    pub fn new(endpoint: &str, credentials: Credentials) -> Result<Self, String> {
        let endpoint: http::Uri = endpoint.parse().map_err(|e| format!("endpoint {endpoint}: {e}"))?;
        if endpoint.scheme_str() != Some("http") {
            return Err(format!(
                "endpoint {endpoint}: only http:// endpoints (an emulator's) are called for EventBridge"
            ));
        }
        Ok(Self { endpoint, credentials })
    }

    /// One call; the error is `Code: message` as the service sent it.
    pub async fn call(&self, region: &str, action: &str, input: Value) -> Result<Value, String> {
        let host = self.endpoint.authority().map(|a| a.to_string()).unwrap_or_default();
        let body = input.to_string();
        let target = format!("AWSEvents.{action}");
        let content_type = "application/x-amz-json-1.1";
        let signed = sigv4::sign_post(
            &self.credentials,
            region,
            "events",
            &host,
            "/",
            &[("content-type", content_type), ("x-amz-target", &target)],
            body.as_bytes(),
            SystemTime::now(),
        );
        let mut req = http::Request::post(format!("http://{host}/"))
            .header("host", &host)
            .header("content-type", content_type)
            .header("x-amz-target", &target);
        for (k, v) in &signed {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("{action}: {e}"))?;
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let resp = client
            .request(req)
            .await
            .map_err(|e| format!("{action} in {region}: {e}"))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| format!("{action} in {region}: {e}"))?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            let code = value["__type"].as_str().unwrap_or("").rsplit('#').next().unwrap_or("");
            let message = value["message"]
                .as_str()
                .or(value["Message"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            return Err(format!("{action} in {region}: {code}: {message} (HTTP {status})"));
        }
        Ok(value)
    }

    pub async fn describe_rule(&self, region: &str, bus: &str, name: &str) -> Result<Value, String> {
        self.call(region, "DescribeRule", json!({"Name": name, "EventBusName": bus}))
            .await
    }

    /// Every rule on the bus (all pages).
    pub async fn list_rules(&self, region: &str, bus: &str) -> Result<Vec<Value>, String> {
        let mut rules = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"EventBusName": bus});
            if let Some(t) = &token {
                input["NextToken"] = json!(t);
            }
            let page = self.call(region, "ListRules", input).await?;
            rules.extend(page["Rules"].as_array().cloned().unwrap_or_default());
            token = page["NextToken"].as_str().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                return Ok(rules);
            }
        }
    }

    /// Every target of a rule (all pages).
    pub async fn list_targets(&self, region: &str, bus: &str, rule: &str) -> Result<Vec<Value>, String> {
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"Rule": rule, "EventBusName": bus});
            if let Some(t) = &token {
                input["NextToken"] = json!(t);
            }
            let page = self.call(region, "ListTargetsByRule", input).await?;
            targets.extend(page["Targets"].as_array().cloned().unwrap_or_default());
            token = page["NextToken"].as_str().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                return Ok(targets);
            }
        }
    }
}
