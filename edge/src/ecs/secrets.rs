//! A container's `secrets`, resolved when its task starts, as ECS does: each `valueFrom` is a Systems Manager
//! Parameter Store parameter (its ARN, or its name when it is in the task's Region; read with decryption) or a
//! Secrets Manager secret (its ARN, optionally followed by `:json-key:version-stage:version-id`, each part
//! optional). Values go only into the container's environment; errors name the variable and the `valueFrom`,
//! never a value.
//!
//! AWS: Amazon ECS Developer Guide, "Pass Systems Manager parameters as Amazon ECS environment variables" and "Pass
//! Secrets Manager secrets through Amazon ECS environment variables" (the `valueFrom` forms, "If the parameter exists
//! in the same Region as the task you're launching, you can use either the full ARN or name of the parameter").

use crate::endpoint::{aws_message, Aws};

/// Where a `valueFrom` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Parameter {
        region: String,
        name: String,
    },
    Secret {
        region: String,
        secret_id: String,
        json_key: Option<String>,
        version_stage: Option<String>,
        version_id: Option<String>,
    },
}

/// Reads a `valueFrom`; `region` is the task's (for a parameter given by name).
pub fn parse(value_from: &str, region: &str) -> Result<Source, String> {
    let parts: Vec<&str> = value_from.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        // Not an ARN: a parameter name in the task's Region.
        return Ok(Source::Parameter {
            region: region.to_string(),
            name: value_from.to_string(),
        });
    }
    let arn_region = parts[3].to_string();
    match parts[2] {
        "ssm" => {
            // arn:aws:ssm:REGION:ACCOUNT:parameter/NAME; a name with a path keeps its leading '/'
            // ("parameter/a/b" is "/a/b").
            let resource = parts[5..].join(":");
            let name = resource
                .strip_prefix("parameter/")
                .ok_or_else(|| format!("{value_from} is not a Systems Manager parameter ARN"))?;
            let name = if name.contains('/') {
                format!("/{name}")
            } else {
                name.to_string()
            };
            Ok(Source::Parameter {
                region: arn_region,
                name,
            })
        }
        "secretsmanager" => {
            // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX[:json-key:version-stage:version-id]
            if parts.len() < 7 || parts[5] != "secret" {
                return Err(format!("{value_from} is not a Secrets Manager secret ARN"));
            }
            if parts.len() > 10 {
                return Err(format!(
                    "{value_from}: a secret's valueFrom is ARN[:json-key:version-stage:version-id]"
                ));
            }
            let part = |i: usize| parts.get(i).filter(|s| !s.is_empty()).map(|s| s.to_string());
            Ok(Source::Secret {
                region: arn_region,
                secret_id: parts[..7].join(":"),
                json_key: part(7),
                version_stage: part(8),
                version_id: part(9),
            })
        }
        other => Err(format!(
            "{value_from}: secrets come from Systems Manager parameters or Secrets Manager secrets, not {other}"
        )),
    }
}

/// Every secret's value, in the order given: (variable name, value).
pub async fn resolve(aws: &Aws, region: &str, secrets: &[(String, String)]) -> Result<Vec<(String, String)>, String> {
    let mut values = Vec::new();
    for (name, value_from) in secrets {
        let source = parse(value_from, region).map_err(|e| format!("secret {name}: {e}"))?;
        let value = fetch(aws, &source)
            .await
            .map_err(|e| format!("secret {name} ({value_from}): {e}"))?;
        values.push((name.clone(), value));
    }
    Ok(values)
}

async fn fetch(aws: &Aws, source: &Source) -> Result<String, String> {
    match source {
        Source::Parameter { region, name } => {
            let out = aws
                .ssm(region)
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| aws_message(&e))?;
            out.parameter()
                .and_then(|p| p.value())
                .map(str::to_string)
                .ok_or_else(|| "the parameter has no value".to_string())
        }
        Source::Secret {
            region,
            secret_id,
            json_key,
            version_stage,
            version_id,
        } => {
            let out = aws
                .secrets_manager(region)
                .get_secret_value()
                .secret_id(secret_id)
                .set_version_stage(version_stage.clone())
                .set_version_id(version_id.clone())
                .send()
                .await
                .map_err(|e| aws_message(&e))?;
            let text = out
                .secret_string()
                .ok_or("the secret has no SecretString (binary secrets cannot be environment variables)")?;
            match json_key {
                None => Ok(text.to_string()),
                Some(key) => json_field(text, key),
            }
        }
    }
}

/// The `json-key` field of a secret whose value is a JSON object (a string as it is, anything else as JSON).
fn json_field(text: &str, key: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| format!("json-key {key}: the secret's value is not JSON"))?;
    match value.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(format!("json-key {key}: no such key in the secret's value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_and_arns() {
        assert_eq!(
            parse("/app/db-password", "eu-west-1").unwrap(),
            Source::Parameter {
                region: "eu-west-1".into(),
                name: "/app/db-password".into()
            }
        );
        assert_eq!(
            parse("arn:aws:ssm:us-east-2:123456789012:parameter/app/key", "eu-west-1").unwrap(),
            Source::Parameter {
                region: "us-east-2".into(),
                name: "/app/key".into()
            }
        );
        assert_eq!(
            parse("arn:aws:ssm:us-east-2:123456789012:parameter/key", "eu-west-1").unwrap(),
            Source::Parameter {
                region: "us-east-2".into(),
                name: "key".into()
            }
        );
    }

    #[test]
    fn secret_arns_with_the_documented_suffixes() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        let secret = |k: Option<&str>, s: Option<&str>, v: Option<&str>| Source::Secret {
            region: "us-east-1".into(),
            secret_id: arn.into(),
            json_key: k.map(Into::into),
            version_stage: s.map(Into::into),
            version_id: v.map(Into::into),
        };
        assert_eq!(parse(arn, "x").unwrap(), secret(None, None, None));
        assert_eq!(
            parse(&format!("{arn}:password::"), "x").unwrap(),
            secret(Some("password"), None, None)
        );
        assert_eq!(
            parse(&format!("{arn}:password:AWSPREVIOUS:"), "x").unwrap(),
            secret(Some("password"), Some("AWSPREVIOUS"), None)
        );
        assert_eq!(
            parse(&format!("{arn}:::v-1"), "x").unwrap(),
            secret(None, None, Some("v-1"))
        );
        assert!(parse("arn:aws:s3:::bucket/key", "x").unwrap_err().contains("not s3"));
    }

    #[test]
    fn json_keys() {
        assert_eq!(json_field(r#"{"a":"x","n":3}"#, "a").unwrap(), "x");
        assert_eq!(json_field(r#"{"a":"x","n":3}"#, "n").unwrap(), "3");
        assert!(json_field(r#"{"a":"x"}"#, "b").unwrap_err().contains("no such key"));
        assert!(json_field("plain", "b").unwrap_err().contains("not JSON"));
    }
}
