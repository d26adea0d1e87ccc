//! nextstack-lint: load HCL -> evaluate -> project model -> rules -> report.

pub mod config;
pub mod docs;
pub mod eval;
pub mod finding;
pub mod ir;
pub mod json;
pub mod lint;
pub mod load;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod value;

/// The loader, evaluator, model and every rule on one in-memory file (HCL, or JSON when `json`),
/// for fuzzing: must never panic. Returns the number of findings.
pub fn fuzz_entry(text: &str, json: bool) -> usize {
    let name = if json { "fuzz/main.tf.json" } else { "fuzz/main.tf" };
    let project = load::load_sources(vec![(std::path::PathBuf::from(name), text.to_string())]);
    let ev = eval::Evaluator::new(&project);
    let model = model::Model::build(&ev);
    let config = config::Config::default();
    let ctx = rules::RuleContext::new(&ev, &model, &config);
    for r in rules::RULES {
        ctx.run(r);
    }
    let _ = model.deploy_stages();
    ctx.into_findings().len() + project.syntax_errors.len()
}
