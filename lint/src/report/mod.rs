//! Rendering findings: human (miette), JSON, SARIF and GitHub annotations; `graph` renders the
//! deploy graph.

mod github;
pub mod graph;
mod human;
mod json;
mod sarif;

use crate::finding::Finding;
use crate::load::Project;
use crate::source::Span;

pub use github::render as github;
pub use human::render as human;
pub use json::render as json;
pub use sarif::render as sarif;

/// 1-based (line, column, end_line, end_column) of a span.
pub fn position(project: &Project, span: &Span) -> (usize, usize, usize, usize) {
    let f = project.file(span.file);
    let (l, c) = f.line_col(span.start);
    let (el, ec) = f.line_col(span.end);
    (l, c, el, ec)
}

pub fn summary(findings: &[Finding]) -> String {
    let errors = findings
        .iter()
        .filter(|f| f.severity == crate::finding::Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    format!(
        "{errors} error{}, {warnings} warning{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    )
}
