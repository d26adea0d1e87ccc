//! Human output through miette: the exact span underlined, the module-call chain as related
//! diagnostics pointing at each call.

use crate::finding::{Finding, Severity};
use crate::load::Project;
use crate::source::Span;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

#[derive(Debug)]
struct Rendered {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    src: NamedSource<String>,
    label: (SourceSpan, Option<String>),
    help: Option<String>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            self.label.1.clone(),
            self.label.0,
        ))))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}

fn source(project: &Project, span: &Span) -> (NamedSource<String>, SourceSpan) {
    let f = project.file(span.file);
    let len = f.text.len();
    let mut start = span.start.min(len);
    while !f.text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.min(len).max(start);
    while !f.text.is_char_boundary(end) {
        end += 1;
    }
    (
        NamedSource::new(f.display.clone(), f.text.clone()),
        SourceSpan::new(start.into(), end - start),
    )
}

fn build(project: &Project, f: &Finding) -> Rendered {
    let (src, span) = source(project, &f.span);
    let mut related = Vec::new();
    for chain in f.chains.iter().take(3) {
        for step in chain {
            let (src, span) = source(project, &step.span);
            related.push(Rendered {
                message: step.label.clone(),
                code: None,
                severity: miette::Severity::Advice,
                src,
                label: (span, Some("called here".into())),
                help: None,
                related: vec![],
            });
        }
    }
    Rendered {
        message: f.message.clone(),
        code: Some(f.rule.to_string()),
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        src,
        label: (span, Some(f.rule.to_string())),
        help: f.help.clone(),
        related,
    }
}

pub fn render(project: &Project, findings: &[Finding], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(110)
        .with_links(false);
    let mut out = String::new();
    for f in findings {
        let d = build(project, f);
        if handler.render_report(&mut out, &d).is_err() {
            out.push_str(&format!("{}: {}\n", f.rule, f.message));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} in {} files\n",
        super::summary(findings),
        project.files.len()
    ));
    out
}
