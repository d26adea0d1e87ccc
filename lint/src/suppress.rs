//! Suppression comments: `# nextstack-lint:ignore RULE[, RULE...] -- reason` on the line above
//! the block or attribute a finding is reported on, or above a block that encloses it (comment
//! lines in between are allowed).

use crate::source::{FileId, SourceFile, Span};

pub const MARKER: &str = "nextstack-lint:ignore";

#[derive(Debug, Clone)]
pub struct Suppression {
    pub span: Span,
    /// 1-based line the suppression applies to.
    pub target_line: usize,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub used: bool,
    /// A trailing comment after code: suppressions go on their own line, so it applies to nothing.
    pub misplaced: bool,
}

/// The byte offset where a trailing `#` or `//` comment holding the marker starts, if any.
fn trailing_comment(line: &str, marker_at: usize) -> Option<usize> {
    let before = &line[..marker_at];
    let hash = before.rfind('#');
    let slashes = before.rfind("//");
    let start = hash.max(slashes)?;
    // Inside a string literal (an odd number of quotes before it), it is not a comment.
    if before[..start].matches('"').count() % 2 == 1 {
        return None;
    }
    // The comment holds only whitespace between its start and the marker.
    let after = &before[start..];
    after.trim_start_matches(['#', '/']).trim().is_empty().then_some(start)
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
}

/// Every suppression comment of a file.
pub fn scan(file: FileId, src: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !src.text.contains(MARKER) {
        return out;
    }
    let n = src.line_count();
    let mut offset = 0;
    for (i, line) in src.text.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let start = offset;
        offset += line.len();
        let Some(pos) = line.find(MARKER) else { continue };
        let misplaced = !is_comment(line);
        if misplaced && trailing_comment(line, pos).is_none() {
            continue;
        }
        let rest = line[pos + MARKER.len()..].trim_end_matches(['\n', '\r']);
        let (rules_part, reason) = match rest.find("--") {
            Some(p) => (
                &rest[..p],
                Some(rest[p + 2..].trim().trim_end_matches("*/").trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (rest.trim_end_matches("*/"), None),
        };
        let rules: Vec<String> = rules_part
            .split([',', ' ', '\t'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut target = line_no + 1;
        while target <= n && (is_comment(src.line_text(target)) || src.line_text(target).trim().is_empty()) {
            target += 1;
        }
        let end = start + line.trim_end_matches(['\n', '\r']).len();
        out.push(Suppression {
            span: Span::new(file, start + pos..end),
            target_line: target,
            rules,
            reason,
            used: false,
            misplaced,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_reason() {
        let src = SourceFile::new(
            "a.tf".into(),
            "a.tf".into(),
            "# nextstack-lint:ignore dual-waf, lambda-dead-letter-queue -- legacy\n\n# other\nresource \"a\" \"b\" {}\n// nextstack-lint:ignore dual-waf\nx = 1\n".into(),
        );
        let s = scan(0, &src);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].rules, vec!["dual-waf", "lambda-dead-letter-queue"]);
        assert_eq!(s[0].reason.as_deref(), Some("legacy"));
        assert_eq!(s[0].target_line, 4);
        assert_eq!(s[1].reason, None);
        assert_eq!(s[1].target_line, 6);
    }

    #[test]
    fn trailing_suppressions_are_misplaced() {
        let src = SourceFile::new(
            "a.tf".into(),
            "a.tf".into(),
            "resource \"a\" \"b\" { # nextstack-lint:ignore dual-waf -- x\n  d = \"# nextstack-lint:ignore\"\n}\n"
                .into(),
        );
        let s = scan(0, &src);
        assert_eq!(s.len(), 1);
        assert!(s[0].misplaced);
        assert_eq!(s[0].rules, vec!["dual-waf"]);
    }
}
