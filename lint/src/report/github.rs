use super::position;
use crate::finding::{Finding, Severity};
use crate::load::Project;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands (`::error file=...::message`).
pub fn render(project: &Project, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (l, c, el, ec) = position(project, &f.span);
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "::{kind} file={},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
            escape_prop(&project.file(f.span.file).display),
            escape_prop(f.rule),
            escape_data(&f.message)
        ));
    }
    out
}
