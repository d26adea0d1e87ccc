//! IAM role ARNs in configuration and import ids, checked at plan time: STS
//! rejects a malformed one only when called, after a plan that looked fine.

use tfplugin_framework::{AttributePath, Diagnostic, Diagnostics, Value};

/// Checks the shape `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn check(arn: &str) -> Result<(), String> {
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

/// An "Invalid role ARN" error at `path` when `value` is set to something else than a role ARN.
pub fn validate(value: &Value, path: AttributePath) -> Diagnostics {
    let problem = value
        .as_str()
        .filter(|s| !s.is_empty())
        .and_then(|arn| check(arn).err());
    Diagnostics(
        problem
            .map(|e| Diagnostic::error("Invalid role ARN", e).at(path))
            .into_iter()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        assert!(check("arn:aws:iam::111111111111:role/dns").is_ok());
        assert!(check("arn:aws:iam::111111111111:role/path/dns").is_ok());
        assert!(check("arn:aws:iam::1111:role/dns").is_err());
        assert!(check("dns").is_err());
        assert!(check("arn:aws:iam::111111111111:user/dns").is_err());
    }

    #[test]
    fn unset_and_empty_values_are_not_checked() {
        assert!(!validate(&Value::Null, AttributePath::root("role_arn")).has_errors());
        assert!(!validate(&Value::String(String::new()), AttributePath::root("role_arn")).has_errors());
        assert!(validate(&Value::String("dns".into()), AttributePath::root("role_arn")).has_errors());
    }
}
