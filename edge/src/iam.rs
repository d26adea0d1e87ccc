//! Resource policies, evaluated the way AWS does for the requests the edge makes on CloudFront's behalf:
//! an explicit Deny wins, otherwise one matching Allow is needed.
//!
//! AWS: IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements" (Principal, Action and
//! Resource with `*`/`?` wildcards; Condition operators StringEquals, StringLike, ArnEquals, ArnLike, Bool;
//! condition keys are case-insensitive).

use serde_json::Value;

/// One request as the policy sees it.
pub struct Request<'a> {
    /// The service principal making the call (`cloudfront.amazonaws.com`).
    pub service: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    /// Condition keys and their values (`AWS:SourceArn`, `lambda:FunctionUrlAuthType`, ...).
    pub context: &'a [(&'a str, &'a str)],
}

/// Whether the policy document allows the request.
pub fn allows(policy: &Value, request: &Request) -> bool {
    let statements: Vec<&Value> = match &policy["Statement"] {
        Value::Array(items) => items.iter().collect(),
        v @ Value::Object(_) => vec![v],
        _ => Vec::new(),
    };
    let applies = |st: &&Value| {
        principal_matches(&st["Principal"], request.service)
            && any_matches(&st["Action"], request.action, true)
            && (st.get("Resource").is_none() || any_matches(&st["Resource"], request.resource, false))
            && conditions_hold(&st["Condition"], request.context)
    };
    let effect = |st: &&Value, e: &str| st["Effect"].as_str() == Some(e);
    if statements.iter().filter(|st| effect(st, "Deny")).any(applies) {
        return false;
    }
    statements.iter().filter(|st| effect(st, "Allow")).any(applies)
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn principal_matches(principal: &Value, service: &str) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => {
            map.get("Service").is_some_and(|s| strings(s).contains(&service))
                || map.get("AWS").is_some_and(|s| strings(s).contains(&"*"))
        }
        _ => false,
    }
}

fn any_matches(patterns: &Value, value: &str, case_insensitive: bool) -> bool {
    strings(patterns).iter().any(|p| {
        if case_insensitive {
            wildcard(&p.to_ascii_lowercase(), &value.to_ascii_lowercase())
        } else {
            wildcard(p, value)
        }
    })
}

fn conditions_hold(conditions: &Value, context: &[(&str, &str)]) -> bool {
    let Some(map) = conditions.as_object() else { return true };
    map.iter().all(|(operator, keys)| {
        let Some(keys) = keys.as_object() else { return false };
        keys.iter().all(|(key, expected)| {
            let actual = context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| *v);
            let Some(actual) = actual else { return false };
            let expected = strings(expected);
            match operator.as_str() {
                "StringEquals" | "ArnEquals" => expected.contains(&actual),
                "StringEqualsIgnoreCase" => expected.iter().any(|e| e.eq_ignore_ascii_case(actual)),
                "StringLike" | "ArnLike" => expected.iter().any(|e| wildcard(e, actual)),
                "StringNotEquals" => !expected.contains(&actual),
                "Bool" => expected.iter().any(|e| e.eq_ignore_ascii_case(actual)),
                _ => false,
            }
        })
    })
}

/// `*` (any run of characters) and `?` (one character).
pub fn wildcard(pattern: &str, value: &str) -> bool {
    crate::cloudfront::path_pattern::PathPattern::new(&format!("/{pattern}")).matches(&format!("/{value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIST: &str = "arn:aws:cloudfront::123456789012:distribution/E1";

    fn bucket_policy(source_arn: &str) -> Value {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::assets/_assets/*",
             "Condition": {"StringEquals": {"AWS:SourceArn": source_arn}}},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    }

    fn get(resource: &str, source: &str) -> bool {
        let ctx = [("AWS:SourceArn", source), ("aws:SecureTransport", "true")];
        allows(
            &bucket_policy(DIST),
            &Request {
                service: "cloudfront.amazonaws.com",
                action: "s3:GetObject",
                resource,
                context: &ctx,
            },
        )
    }

    #[test]
    fn origin_access_control_needs_this_distribution_and_the_granted_prefix() {
        assert!(get("arn:aws:s3:::assets/_assets/BUILD_ID", DIST));
        assert!(!get("arn:aws:s3:::assets/_cache/x", DIST), "outside the granted prefix");
        assert!(!get(
            "arn:aws:s3:::assets/_assets/BUILD_ID",
            "arn:aws:cloudfront::123456789012:distribution/OTHER"
        ));
    }

    #[test]
    fn explicit_deny_wins() {
        let ctx = [("AWS:SourceArn", DIST), ("aws:SecureTransport", "false")];
        let req = Request {
            service: "cloudfront.amazonaws.com",
            action: "s3:GetObject",
            resource: "arn:aws:s3:::assets/_assets/a",
            context: &ctx,
        };
        assert!(!allows(&bucket_policy(DIST), &req));
    }

    #[test]
    fn function_url_permission_with_arn_like() {
        let policy = serde_json::json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "lambda:InvokeFunctionUrl",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:server",
            "Condition": {"ArnLike": {"AWS:SourceArn": DIST}, "StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}}]});
        let ctx = [("AWS:SourceArn", DIST), ("lambda:FunctionUrlAuthType", "AWS_IAM")];
        let req = |action| Request {
            service: "cloudfront.amazonaws.com",
            action,
            resource: "arn:aws:lambda:eu-west-1:123456789012:function:server",
            context: &ctx,
        };
        assert!(allows(&policy, &req("lambda:InvokeFunctionUrl")));
        assert!(!allows(&policy, &req("lambda:InvokeFunction")));
    }
}
