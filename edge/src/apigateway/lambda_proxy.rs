//! The `AWS_PROXY` integration with a Lambda function: the function's resource policy must let API Gateway
//! invoke it for this method, then the proxy event goes to its environments and its answer comes back as the
//! response.
//!
//! AWS: API Gateway Developer Guide, "Set up Lambda proxy integrations in API Gateway" and "Control access to a
//! REST API with IAM permissions" (the method's ARN, `arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`,
//! is the `AWS:SourceArn` Lambda sees; a function whose resource policy does not allow `apigateway.amazonaws.com`
//! to call `lambda:InvokeFunction` for it fails the call: "Execution failed due to configuration error: Invalid
//! permissions on Lambda function", a 500), "Handle Lambda errors in API Gateway" (an unhandled function error
//! is a 502), "Amazon API Gateway quotas" (a 29-second integration timeout for REST APIs: 504).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;

use super::model::LambdaTarget;
use super::proxy_response;
use super::responses;
use crate::iam;
use crate::lambda::Outcome;
use crate::origins::{full, OriginResponse};

/// REST APIs' default (and, without a quota increase, maximum) integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

/// Whether the function's resource policy lets API Gateway invoke it for this method ARN.
pub fn permitted(target: &LambdaTarget, function_arn: &str, source_arn: &str, account: &str) -> bool {
    let context = [("AWS:SourceArn", source_arn), ("AWS:SourceAccount", account)];
    target.resource_policy.as_ref().is_some_and(|p| {
        iam::allows(
            p,
            &iam::Request {
                service: "apigateway.amazonaws.com",
                action: "lambda:InvokeFunction",
                resource: function_arn,
                context: &context,
            },
        )
    })
}

/// Invokes the function with the event; `label` names the method in stderr lines.
pub async fn invoke(
    target: &LambdaTarget,
    event: serde_json::Value,
    binary_media_types: &[String],
    accept: &str,
    label: &str,
) -> OriginResponse {
    let name = target.pool.spec().name.clone();
    let call = target.pool.invoke(Bytes::from(event.to_string()));
    let outcome = match tokio::time::timeout(INTEGRATION_TIMEOUT, call).await {
        Err(_) => {
            eprintln!("nextstack-edge: {label}: function {name} did not answer within 29 s (the integration timeout)");
            return responses::integration_timeout();
        }
        Ok(Err(e)) => {
            eprintln!("nextstack-edge: {label}: function {name} not invoked: {e}");
            return responses::internal_server_error();
        }
        Ok(Ok(o)) => o,
    };
    let payload = match outcome {
        Outcome::Response(p) => p,
        // A REST API buffers what the function returns.
        Outcome::Stream { body, .. } => match body.collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                eprintln!("nextstack-edge: {label}: function {name}: its response broke off: {e}");
                return responses::bad_gateway();
            }
        },
        Outcome::Error(e) => {
            eprintln!("nextstack-edge: {label}: function {name} failed: {e}");
            return responses::bad_gateway();
        }
    };
    match proxy_response::parse(&payload, binary_media_types, accept) {
        Ok(r) => OriginResponse {
            status: r.status,
            headers: r.headers,
            body: full(r.body),
        },
        Err(why) => {
            eprintln!("nextstack-edge: {label}: function {name}: malformed Lambda proxy response: {why}");
            responses::bad_gateway()
        }
    }
}
