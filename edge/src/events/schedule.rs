//! Scheduled EventBridge rules on demand: one rule's targets invoked now, with the event its schedule would send
//! (or the target's constant `Input`), the way EventBridge invokes a Lambda target. This is how a test runs the
//! warmer: its rule's schedule is minutes apart, the edge fires it when asked.
//!
//! AWS: Amazon EventBridge User Guide, "Creating a rule that runs on a schedule" and "Amazon EventBridge events"
//! (the scheduled event: `version` "0", `id`, `detail-type` "Scheduled Event", `source` "aws.events", `account`,
//! `time`, `region`, `resources` [the rule's ARN], `detail` {}); "Transforming target input" (a target's `Input` is
//! sent instead of the event; `InputPath` and `InputTransformer` select or rewrite it); "Using resource-based
//! policies for Amazon EventBridge" > "AWS Lambda permissions" (the function's resource policy must allow
//! `events.amazonaws.com` `lambda:InvokeFunction` for the rule); Lambda Developer Guide, "Invoking a Lambda
//! function asynchronously" (EventBridge invokes Lambda targets asynchronously). A disabled rule does not fire.

use std::time::SystemTime;

use bytes::Bytes;
use serde_json::{json, Value};

use super::eventbridge::EventBridge;
use crate::iam;
use crate::lambda::registry::{FunctionRef, Registry};
use crate::lambda::Outcome;

/// Why a rule was not fired: the HTTP status for the control API, and the message.
#[derive(Debug)]
pub struct NotFired(pub u16, pub String);

/// The event a scheduled rule sends.
pub fn scheduled_event(rule_arn: &str, region: &str, account: &str, now: SystemTime) -> Value {
    let (date, time) = crate::access_log::date_time(now).unwrap_or_default();
    let id = format!("{:032x}", fastrand::u128(..));
    json!({
        "version": "0",
        "id": format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": format!("{date}T{time}Z"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    })
}

/// What one target would be sent, or why it cannot be modelled.
pub fn target_payload(target: &Value, event: &Value) -> Result<Value, String> {
    if target.get("InputPath").is_some_and(|v| !v.is_null()) {
        return Err("its InputPath is not modelled".into());
    }
    if target.get("InputTransformer").is_some_and(|v| !v.is_null()) {
        return Err("its InputTransformer is not modelled".into());
    }
    match target.get("Input").and_then(Value::as_str) {
        Some(text) => serde_json::from_str(text).map_err(|e| format!("its Input is not JSON: {e}")),
        None => Ok(event.clone()),
    }
}

/// Fires the rule now; returns the report: the rule, the event, and each target's outcome.
pub async fn fire(
    events: &EventBridge,
    registry: &Registry,
    region: &str,
    bus: &str,
    name: &str,
) -> Result<Value, NotFired> {
    let rule = events.describe_rule(region, bus, name).await.map_err(|e| {
        let status = if e.contains("ResourceNotFound") { 404 } else { 502 };
        NotFired(status, e)
    })?;
    let rule_arn = rule["Arn"].as_str().unwrap_or_default().to_string();
    if rule["ScheduleExpression"].as_str().is_none_or(str::is_empty) {
        return Err(NotFired(
            400,
            format!("rule {name} has no schedule expression: only scheduled rules are fired on demand"),
        ));
    }
    if rule["State"].as_str() == Some("DISABLED") {
        return Err(NotFired(
            409,
            format!("rule {name} is DISABLED: its schedule does not fire"),
        ));
    }
    let account = rule_arn.split(':').nth(4).unwrap_or("123456789012").to_string();
    let event = scheduled_event(&rule_arn, region, &account, SystemTime::now());
    let targets = events
        .list_targets(region, bus, name)
        .await
        .map_err(|e| NotFired(502, e))?;
    let runs = targets
        .iter()
        .map(|t| run_target(registry, t, &event, &rule_arn, &account, region));
    let outcomes = futures::future::join_all(runs).await;
    Ok(
        json!({"rule": name, "arn": rule_arn, "schedule": rule["ScheduleExpression"], "event": event,
              "targets": outcomes}),
    )
}

async fn run_target(
    registry: &Registry,
    target: &Value,
    event: &Value,
    rule_arn: &str,
    account: &str,
    region: &str,
) -> Value {
    let id = target["Id"].as_str().unwrap_or_default();
    let arn = target["Arn"].as_str().unwrap_or_default();
    let result = |status: &str, detail: String| json!({"id": id, "arn": arn, "status": status, "detail": detail});
    if !arn.contains(":lambda:") || !arn.contains(":function:") {
        return result(
            "not-modelled",
            format!("target {id} ({arn}): only Lambda function targets are run"),
        );
    }
    let payload = match target_payload(target, event) {
        Ok(p) => p,
        Err(e) => return result("not-modelled", format!("target {id}: {e}")),
    };
    let function = match FunctionRef::parse(arn, None, region) {
        Ok(f) => f,
        Err(e) => return result("failed", e),
    };
    let policy = registry.resource_policy(&function).await;
    let allowed = policy.as_ref().is_some_and(|p| {
        iam::allows(
            p,
            &iam::Request {
                service: "events.amazonaws.com",
                action: "lambda:InvokeFunction",
                resource: arn,
                context: &[("AWS:SourceArn", rule_arn), ("AWS:SourceAccount", account)],
            },
        )
    });
    if !allowed {
        eprintln!(
            "nextstack-edge: rule {rule_arn}: function {} does not allow events.amazonaws.com to invoke it for this rule",
            function.name
        );
        return result(
            "failed",
            format!(
                "the resource policy of {} does not allow events.amazonaws.com lambda:InvokeFunction for {rule_arn}",
                function.name
            ),
        );
    }
    let pool = match registry.pool(&function).await {
        Ok(p) => p,
        Err(e) => return result("failed", e),
    };
    eprintln!(
        "nextstack-edge: rule {rule_arn}: invoking {} (asynchronous)",
        function.name
    );
    match pool.invoke(Bytes::from(payload.to_string())).await {
        Ok(Outcome::Response(_)) | Ok(Outcome::Stream { .. }) => result("succeeded", String::new()),
        Ok(Outcome::Error(e)) => {
            eprintln!(
                "nextstack-edge: function {} failed on rule {rule_arn}'s event: {e}",
                function.name
            );
            result("failed", e.to_string())
        }
        Err(e) => result("failed", e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduled_event_and_a_targets_input() {
        let arn = "arn:aws:events:eu-west-1:123456789012:rule/site-warmer";
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_444_323_186);
        let e = scheduled_event(arn, "eu-west-1", "123456789012", t);
        assert_eq!(e["detail-type"], "Scheduled Event");
        assert_eq!(e["source"], "aws.events");
        assert_eq!(e["time"], "2015-10-08T16:53:06Z");
        assert_eq!(e["resources"], json!([arn]));
        assert_eq!(e["detail"], json!({}));
        assert_eq!(e["id"].as_str().unwrap().len(), 36);
        assert_eq!(target_payload(&json!({"Id": "1", "Arn": "x"}), &e).unwrap(), e);
        assert_eq!(
            target_payload(&json!({"Id": "1", "Input": "{\"type\":\"warmer\"}"}), &e).unwrap(),
            json!({"type": "warmer"})
        );
        assert!(target_payload(&json!({"Id": "1", "InputPath": "$.detail"}), &e)
            .unwrap_err()
            .contains("InputPath"));
        assert!(target_payload(&json!({"Id": "1", "Input": "not json"}), &e).is_err());
    }
}
