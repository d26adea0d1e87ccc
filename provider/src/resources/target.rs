//! Where a resource acts, as the schema sees it: the `region`, `role_arn` and `external_id` attributes every
//! AWS-backed type accepts, role ARNs checked at plan time (STS rejects a malformed one only when called,
//! after a plan that looked fine), and import ids that name another account: `HEAD@ROLE_ARN|EXTERNAL_ID`,
//! where the head (a certificate ARN, a zone and names, a path prefix) identifies the object.

use tfplugin_framework::{Attribute, AttributePath, Diagnostic, Diagnostics, Type, Validator, Value};

/// The three schema attributes. Managed resources are replaced when the
/// region or account changes, since their objects live there.
pub fn attributes(managed: bool) -> [Attribute; 3] {
    let region = Attribute::new("region", Type::String)
        .optional()
        .description("AWS region to act in. Default: the provider's region. A managed resource records it in state even when not set, and a change replaces the resource (its objects live in that region).");
    let role_arn = Attribute::new("role_arn", Type::String)
        .optional()
        .validator(RoleArn)
        .description("IAM role to assume, with the provider's credentials, to act in another account. A value that is not a role ARN (`arn:aws:iam::ACCOUNT:role/NAME`) fails at plan. On a managed resource a change replaces the resource.");
    let external_id = Attribute::new("external_id", Type::String)
        .optional()
        .sensitive()
        .description("External ID that the trust policy of `role_arn` requires, if any.");
    if managed {
        [
            region.computed().requires_replace(),
            role_arn.requires_replace(),
            external_id,
        ]
    } else {
        [region, role_arn, external_id]
    }
}

/// Checks the shape `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty() && !n.ends_with('/'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
        ))
    }
}

/// The check of a `role_arn` attribute, attached to it in the schema: the framework runs it at validation.
#[derive(Debug)]
pub struct RoleArn;

impl Validator for RoleArn {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        validate_role_arn(value, path.clone())
    }
}

/// An "Invalid role ARN" error at `path` when `value` is set to something else than a role ARN.
pub fn validate_role_arn(value: &Value, path: AttributePath) -> Diagnostics {
    let problem = value
        .as_str()
        .filter(|s| !s.is_empty())
        .and_then(|arn| check_role_arn(arn).err());
    Diagnostics(
        problem
            .map(|e| Diagnostic::error("Invalid role ARN", e).at(path))
            .into_iter()
            .collect(),
    )
}

/// Splits `HEAD[@ROLE_ARN[|EXTERNAL_ID]]` into its parts; the role may also follow
/// a `|` (`HEAD|ROLE_ARN|EXTERNAL_ID`). Heads never contain `@` or `|`.
pub fn split_import_id(id: &str) -> (&str, Option<String>, Option<String>) {
    let id = id.trim();
    let Some(at) = id.find(['@', '|']) else {
        return (id, None, None);
    };
    let (head, rest) = (&id[..at], &id[at + 1..]);
    let (role, external_id) = match rest.split_once('|') {
        Some((role, ext)) => (role, Some(ext)),
        None => (rest, None),
    };
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    (head.trim(), some(role), external_id.and_then(some))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        assert!(check_role_arn("arn:aws:iam::111111111111:role/dns").is_ok());
        assert!(check_role_arn("arn:aws:iam::111111111111:role/path/dns").is_ok());
        assert!(check_role_arn("arn:aws:iam::1111:role/dns").is_err());
        assert!(check_role_arn("dns").is_err());
        assert!(check_role_arn("arn:aws:iam::111111111111:user/dns").is_err());
    }

    #[test]
    fn unset_and_empty_values_are_not_checked() {
        assert!(!validate_role_arn(&Value::Null, AttributePath::root("role_arn")).has_errors());
        assert!(!validate_role_arn(&Value::String(String::new()), AttributePath::root("role_arn")).has_errors());
        assert!(validate_role_arn(&Value::String("dns".into()), AttributePath::root("role_arn")).has_errors());
    }

    #[test]
    fn import_ids_split_at_the_role() {
        let arn = "arn:aws:acm:us-east-1:1:certificate/x";
        assert_eq!(split_import_id(arn), (arn, None, None));
        let role = "arn:aws:iam::111111111111:role/a@b";
        assert_eq!(
            split_import_id(&format!("{arn}@{role}")),
            (arn, Some(role.to_string()), None)
        );
        assert_eq!(
            split_import_id(&format!("{arn}|{role}|ext")),
            (arn, Some(role.to_string()), Some("ext".to_string()))
        );
        assert_eq!(split_import_id("Z1:a.com,b.com@"), ("Z1:a.com,b.com", None, None));
        assert_eq!(
            split_import_id("eu-west-1:/shared/@arn:aws:iam::111111111111:role/r"),
            (
                "eu-west-1:/shared/",
                Some("arn:aws:iam::111111111111:role/r".to_string()),
                None
            )
        );
    }
}
