//! CloudFront's cache-behaviour path patterns: `*` and `?` wildcards, case-sensitive, matched against the
//! whole request path.
//!
//! AWS: CloudFront Developer Guide, "Cache behavior settings > Path pattern": "*" matches 0 or more
//! characters, "?" matches exactly 1 character, the pattern is case sensitive, and a leading "/" is optional
//! ("images/*.jpg" and "/images/*.jpg" are the same pattern). Behaviours are evaluated in the order they are
//! listed; the first match wins and the default behaviour (`*`) is used when none matches.

/// One path pattern, normalised to start with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    pattern: Vec<char>,
    source: String,
}

impl PathPattern {
    pub fn new(pattern: &str) -> Self {
        let normalised = if pattern.starts_with('/') {
            pattern.to_string()
        } else {
            format!("/{pattern}")
        };
        Self {
            pattern: normalised.chars().collect(),
            source: pattern.to_string(),
        }
    }

    /// The pattern as the distribution spells it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `path` (the request's path, starting with `/`, without the query string) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path: Vec<char> = path.chars().collect();
        glob(&self.pattern, &path)
    }
}

/// Iterative wildcard match with single-star backtracking: linear in practice, no recursion on long paths.
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == '*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::PathPattern;

    #[test]
    fn leading_slash_is_optional() {
        assert!(PathPattern::new("images/*").matches("/images/logo.png"));
        assert!(PathPattern::new("/images/*").matches("/images/logo.png"));
        assert!(!PathPattern::new("images/*").matches("/img/logo.png"));
    }

    #[test]
    fn star_crosses_slashes_and_matches_nothing() {
        let p = PathPattern::new("_next/*");
        assert!(p.matches("/_next/static/chunks/app/page-1234.js"));
        assert!(p.matches("/_next/"));
        assert!(!p.matches("/_next"));
        assert!(PathPattern::new("_next/image*").matches("/_next/image"));
        assert!(PathPattern::new("*.jpg").matches("/a/b/c.jpg"));
        assert!(PathPattern::new("*").matches("/"));
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        let p = PathPattern::new("/v?/*");
        assert!(p.matches("/v1/x"));
        assert!(!p.matches("/v/x"));
        assert!(!p.matches("/v12/x"));
    }

    #[test]
    fn case_sensitive_and_whole_path() {
        assert!(!PathPattern::new("BUILD_ID").matches("/build_id"));
        assert!(PathPattern::new("BUILD_ID").matches("/BUILD_ID"));
        assert!(!PathPattern::new("BUILD_ID").matches("/BUILD_ID/x"));
        assert!(!PathPattern::new("favicon.ico").matches("/favicon.ico.bak"));
    }

    #[test]
    fn backtracks_over_several_stars() {
        assert!(PathPattern::new("/a*b*c").matches("/aXbYbZc"));
        assert!(!PathPattern::new("/a*b*c").matches("/aXbYbZ"));
    }
}
