//! Domain names as ACM and DNS see them: case-insensitive, a wildcard
//! validated through its parent, and the checks ACM would otherwise make after
//! a request already exists.

use std::collections::BTreeSet;

use tfplugin_framework::validators::StringCheck;

/// ACM's limit on names per certificate (the default quota is 10; AWS raises it to 100 on request).
pub const MAX_NAMES: usize = 100;

/// The form names are compared in: lower case, no trailing dot.
pub fn key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The name whose DNS record proves control of `name`: `*.example.com` and
/// `example.com` are both validated by a record under `example.com`.
pub fn validation_domain(name: &str) -> String {
    let k = key(name);
    match k.strip_prefix("*.") {
        Some(parent) => parent.to_string(),
        None => k,
    }
}

/// Every name of a certificate, compared case-insensitively (the domain name
/// may be repeated among the alternative names).
pub fn all_keys<'a>(domain_name: &str, sans: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = sans.into_iter().map(|s| key(s)).collect();
    out.insert(key(domain_name));
    out
}

/// The alternative names to send to ACM: each name once, without the domain
/// name (ACM adds it itself), in the user's spelling.
pub fn sans_to_request<'a>(domain_name: &str, sans: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut seen = BTreeSet::from([key(domain_name)]);
    let mut out = Vec::new();
    for s in sans {
        if seen.insert(key(s)) {
            out.push(s.clone());
        }
    }
    out
}

/// [`check`] as a validator of one name: an error `summary` giving the name and what is wrong with it.
pub fn validator(summary: &str) -> StringCheck {
    StringCheck::new(summary, |name| check(name).map_err(|e| format!("{name:?} {e}.")))
}

/// Checks a name the way ACM does, so a bad name fails at plan, not after a request.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    if name.ends_with('.') {
        return Err("must not end with a dot".into());
    }
    let rest = name.strip_prefix("*.").unwrap_or(name);
    let labels: Vec<&str> = rest.split('.').collect();
    if labels.len() < 2 {
        return Err("must have at least two labels, e.g. example.com".into());
    }
    for label in labels {
        if label.is_empty() || label.len() > 63 {
            return Err("has an empty label or one longer than 63 characters".into());
        }
        if label.contains('*') {
            return Err("may hold a wildcard only as its whole first label (*.example.com)".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("has a label starting or ending with a hyphen ({label})"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("has characters other than letters, digits and hyphens ({label}); use the punycode form for international names"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_and_apex_share_a_validation_domain() {
        assert_eq!(validation_domain("*.Example.com"), "example.com");
        assert_eq!(validation_domain("example.com."), "example.com");
        assert_eq!(validation_domain("www.example.com"), "www.example.com");
    }

    #[test]
    fn requested_sans_skip_repeats_and_the_domain_name() {
        let sans = vec![
            "Example.com".to_string(),
            "www.example.com".to_string(),
            "WWW.example.com".to_string(),
        ];
        assert_eq!(
            sans_to_request("example.com", &sans),
            vec!["www.example.com".to_string()]
        );
        assert_eq!(all_keys("example.com", &sans).len(), 2);
    }

    #[test]
    fn names_are_checked_like_acm() {
        assert!(check("example.com").is_ok());
        assert!(check("*.example.com").is_ok());
        assert!(check("a-b.example.com").is_ok());
        assert!(check("example.com.").is_err());
        assert!(check("www.*.example.com").is_err());
        assert!(check("com").is_err());
        assert!(check("-a.example.com").is_err());
        assert!(check("a b.example.com").is_err());
    }
}
