use super::position;
use crate::finding::{Finding, Severity};
use crate::load::Project;
use serde_json::json;

pub fn render(project: &Project, findings: &[Finding]) -> String {
    let rules: Vec<_> = crate::rules::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.name,
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "markdown": r.doc() },
                "helpUri": format!("https://github.com/nextstack/nextstack/blob/main/docs/lint/{}.md", r.name),
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let (l, c, el, ec) = position(project, &f.span);
            json!({
                "ruleId": f.rule,
                "ruleIndex": crate::rules::RULES.iter().position(|r| r.name == f.rule),
                "level": match f.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": project.file(f.span.file).display },
                        "region": { "startLine": l, "startColumn": c, "endLine": el, "endColumn": ec }
                    }
                }]
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "nextstack-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/nextstack/nextstack/tree/main/docs/lint",
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
