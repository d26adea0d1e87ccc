use super::position;
use crate::finding::Finding;
use crate::load::Project;
use serde::Serialize;

#[derive(Serialize)]
struct Out<'a> {
    findings: Vec<JFinding<'a>>,
}

#[derive(Serialize)]
struct JFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

pub fn render(project: &Project, findings: &[Finding]) -> String {
    let out = Out {
        findings: findings
            .iter()
            .map(|f| {
                let (line, column, end_line, end_column) = position(project, &f.span);
                JFinding {
                    rule: f.rule,
                    severity: f.severity.as_str(),
                    file: &project.file(f.span.file).display,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: &f.message,
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{\"findings\": []}".into()) + "\n"
}
