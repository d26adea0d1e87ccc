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

/// The loader and evaluator on one in-memory file, for fuzzing: must never panic.
pub fn fuzz_entry(text: &str) {
    let dir = std::env::temp_dir().join(format!("nextstack-lint-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("main.tf"), text);
    if let Ok(project) = load::load(&[dir.clone()], &[]) {
        let ev = eval::Evaluator::new(&project);
        let model = model::Model::build(&ev);
        let config = config::Config::default();
        let ctx = rules::RuleContext::new(&ev, &model, &config);
        for r in rules::RULES {
            ctx.run(r);
        }
        let _ = ctx.into_findings();
    }
}
