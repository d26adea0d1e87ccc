//! Findings produced by rules.

use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One step of the module-call chain that led to a finding: the call's span and a description.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainStep {
    pub span: Span,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// Spans whose first line a suppression comment may precede (the finding and its block).
    pub anchors: Vec<Span>,
    /// Module-call chains (one per distinct caller) that reached this location.
    pub chains: Vec<Vec<ChainStep>>,
}
