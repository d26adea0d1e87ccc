//! Import ids that name another account: `HEAD@ROLE_ARN|EXTERNAL_ID`, where the
//! head (a certificate ARN, a zone and names, a path prefix) identifies the object.

/// Splits `HEAD[@ROLE_ARN[|EXTERNAL_ID]]` into its parts; the role may also follow
/// a `|` (`HEAD|ROLE_ARN|EXTERNAL_ID`). Heads never contain `@` or `|`.
pub fn split(id: &str) -> (&str, Option<String>, Option<String>) {
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
    fn import_ids_split_at_the_role() {
        let arn = "arn:aws:acm:us-east-1:1:certificate/x";
        assert_eq!(split(arn), (arn, None, None));
        let role = "arn:aws:iam::111111111111:role/a@b";
        assert_eq!(split(&format!("{arn}@{role}")), (arn, Some(role.to_string()), None));
        assert_eq!(
            split(&format!("{arn}|{role}|ext")),
            (arn, Some(role.to_string()), Some("ext".to_string()))
        );
        assert_eq!(split("Z1:a.com,b.com@"), ("Z1:a.com,b.com", None, None));
        assert_eq!(
            split("eu-west-1:/shared/@arn:aws:iam::111111111111:role/r"),
            (
                "eu-west-1:/shared/",
                Some("arn:aws:iam::111111111111:role/r".to_string()),
                None
            )
        );
    }
}
