//! Integration tests: drive the real `nextstack-lint` binary over the fixtures and compare its
//! output with golden files. Set `UPDATE_GOLDEN=1` to rewrite the golden files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nextstack-lint"));
    c.env_remove("NO_COLOR");
    c
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Compares `actual` with the golden file, or rewrites it when UPDATE_GOLDEN is set.
fn golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("missing golden file {} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

fn findings(o: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON output");
    v["findings"].as_array().cloned().unwrap_or_default()
}

/// (rule, case, expected severity of the rule's findings: None = no finding of the rule)
const CASES: &[(&str, &str, Option<&str>)] = &[
    ("ecs-read-only-root-filesystem", "pass", None),
    ("ecs-read-only-root-filesystem", "fail", Some("error")),
    ("ecs-read-only-root-filesystem", "unknown", Some("warning")),
    ("ecs-writable-scratch", "pass", None),
    ("ecs-writable-scratch", "fail", Some("error")),
    ("ecs-writable-scratch", "unknown", Some("warning")),
    ("ecs-circuit-breaker", "pass", None),
    ("ecs-circuit-breaker", "fail", Some("error")),
    ("ecs-circuit-breaker", "unknown", Some("warning")),
    ("ecs-exec-disabled-in-prod", "pass", None),
    ("ecs-exec-disabled-in-prod", "fail", Some("error")),
    ("ecs-exec-disabled-in-prod", "unknown", Some("warning")),
    ("no-cross-stack-exports", "pass", None),
    ("no-cross-stack-exports", "fail", Some("error")),
    // Needs no evaluation: a data source under an unknown count is still reported.
    ("no-cross-stack-exports", "unknown", Some("error")),
    ("ssm-unpublished-read", "pass", None),
    ("ssm-unpublished-read", "fail", Some("error")),
    ("ssm-unpublished-read", "unknown", Some("warning")),
    ("dual-waf", "pass", None),
    ("dual-waf", "fail", Some("error")),
    ("dual-waf", "unknown", Some("warning")),
    ("cloudfront-origin-verify", "pass", None),
    ("cloudfront-origin-verify", "fail", Some("error")),
    ("cloudfront-origin-verify", "unknown", Some("warning")),
    ("cloudfront-s3-origin-oac", "pass", None),
    ("cloudfront-s3-origin-oac", "fail", Some("error")),
    ("cloudfront-s3-origin-oac", "unknown", Some("warning")),
    ("cloudfront-origin-over-http", "pass", None),
    ("cloudfront-origin-over-http", "fail", Some("error")),
    ("cloudfront-origin-over-http", "unknown", Some("warning")),
    ("lambda-dead-letter-queue", "pass", None),
    ("lambda-dead-letter-queue", "fail", Some("error")),
    ("lambda-dead-letter-queue", "unknown", Some("warning")),
    ("lambda-reserved-concurrency", "pass", None),
    ("lambda-reserved-concurrency", "fail", Some("error")),
    ("lambda-reserved-concurrency", "unknown", Some("warning")),
    ("lambda-log-retention", "pass", None),
    ("lambda-log-retention", "fail", Some("error")),
    ("lambda-log-retention", "unknown", Some("warning")),
    ("sns-alarm-topic-aws-managed-key", "pass", None),
    ("sns-alarm-topic-aws-managed-key", "fail", Some("error")),
    ("sns-alarm-topic-aws-managed-key", "unknown", Some("warning")),
    ("secret-value-in-state", "pass", None),
    ("secret-value-in-state", "fail", Some("error")),
    ("secret-value-in-state", "unknown", Some("warning")),
    ("syntax-error", "pass", None),
    ("syntax-error", "fail", Some("error")),
    // A truncated .tf.json file.
    ("syntax-error", "unknown", Some("error")),
    ("suppression-missing-reason", "pass", None),
    ("suppression-missing-reason", "fail", Some("error")),
    // An empty reason after `--` is no reason.
    ("suppression-missing-reason", "unknown", Some("error")),
    ("unused-suppression", "pass", None),
    ("unused-suppression", "fail", Some("warning")),
    // A suppressed "cannot verify" warning uses the suppression.
    ("unused-suppression", "unknown", None),
];

#[test]
fn every_rule_has_pass_fail_unknown_fixtures() {
    for r in nextstack_lint::rules::RULES {
        for case in ["pass", "fail", "unknown"] {
            assert!(
                fixtures().join(r.name).join(case).is_dir(),
                "{} lacks a {case} fixture",
                r.name
            );
            assert!(
                CASES.iter().any(|(n, c, _)| *n == r.name && *c == case),
                "{} {case} is not in CASES",
                r.name
            );
        }
    }
}

#[test]
fn rule_fixtures_match_expectations_and_golden_json() {
    for (rule, case, expected) in CASES {
        let dir = fixtures().join(rule).join(case);
        let o = run_in(&dir, &["--format", "json", "."]);
        let fs = findings(&o);
        let mine: Vec<&Value> = fs.iter().filter(|f| f["rule"] == *rule).collect();
        match expected {
            None => assert!(mine.is_empty(), "{rule}/{case}: unexpected {mine:?}"),
            Some(sev) => {
                assert!(!mine.is_empty(), "{rule}/{case}: no finding");
                assert!(
                    mine.iter().all(|f| f["severity"] == *sev),
                    "{rule}/{case}: expected {sev}: {mine:?}"
                );
                if *sev == "warning" && !rule.contains("suppression") {
                    assert!(
                        mine.iter()
                            .all(|f| f["message"].as_str().unwrap_or("").starts_with("cannot verify")),
                        "{rule}/{case}"
                    );
                }
            }
        }
        let any_error = fs.iter().any(|f| f["severity"] == "error");
        assert_eq!(
            o.status.code(),
            Some(if any_error { 1 } else { 0 }),
            "{rule}/{case}: exit code"
        );
        golden(&dir.join("expected.json"), &stdout(&o));
    }
}

#[test]
fn optional_object_attributes_get_the_defaults_of_the_variable_type() {
    let in_module = |case: &str| -> Vec<Value> {
        let o = run_in(
            &fixtures().join("lambda-reserved-concurrency").join(case),
            &["--format", "json", "."],
        );
        findings(&o)
            .into_iter()
            .filter(|f| f["rule"] == "lambda-reserved-concurrency" && f["file"] == "modules/functions/main.tf")
            .collect()
    };
    // `optional(number, 5)`, not given: 5.
    assert_eq!(in_module("pass"), Vec::<Value>::new());
    // `optional(number)`, not given: null, so no reservation.
    let fail = in_module("fail");
    assert_eq!(fail.len(), 1, "{fail:#?}");
    assert_eq!(fail[0]["severity"], "error");
    assert_eq!(
        fail[0]["message"],
        "aws_lambda_function.this sets no reserved_concurrent_executions"
    );
}

#[test]
fn writable_scratch_paths_and_nextjs_hints_come_from_the_config() {
    // The fixture's .nextstack-lint.toml: a Next.js container is one labelled framework=next, and
    // it needs /srv/.next/cache (not the default /app/.next/cache) besides /tmp.
    let o = run_in(
        &fixtures().join("ecs-writable-scratch/config"),
        &["--format", "json", "."],
    );
    let fs = findings(&o);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0]["rule"], "ecs-writable-scratch");
    assert_eq!(
        fs[0]["message"],
        "read-only root filesystem without writable scratch space in aws_ecs_task_definition.site: \
         container `bad` has no writable mount for `/srv/.next/cache` (a Next.js container, recognised by its \
         label `framework=next`)"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn six_stack_good_layout_is_clean() {
    let o = run_in(&fixtures().join("six-stack/good"), &["--format", "json"]);
    assert_eq!(findings(&o), Vec::<Value>::new());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn six_stack_bad_layout_reports_every_planted_violation() {
    let dir = fixtures().join("six-stack/bad");
    let o = run_in(&dir, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let fs = findings(&o);
    let planted = [
        ("ecs-read-only-root-filesystem", "modules/service/main.tf"),
        ("ecs-writable-scratch", "modules/service/main.tf"),
        ("ecs-circuit-breaker", "modules/service/main.tf"),
        ("ecs-exec-disabled-in-prod", "modules/service/main.tf"),
        ("no-cross-stack-exports", "compute/main.tf"),
        ("ssm-unpublished-read", "edge/main.tf"),
        ("dual-waf", "edge/main.tf"),
        ("dual-waf", "api/main.tf"),
        ("cloudfront-origin-verify", "edge/main.tf"),
        ("cloudfront-origin-verify", "networking/main.tf"),
        ("cloudfront-s3-origin-oac", "edge/main.tf"),
        ("lambda-dead-letter-queue", "api/main.tf"),
        ("lambda-reserved-concurrency", "api/main.tf"),
        ("lambda-log-retention", "api/main.tf"),
    ];
    for (rule, file) in planted {
        assert!(
            fs.iter()
                .any(|f| f["rule"] == rule && f["file"] == file && f["severity"] == "error"),
            "missing {rule} in {file}"
        );
    }
    assert_eq!(fs.len(), planted.len(), "unexpected extra findings: {fs:#?}");
    let typo = fs
        .iter()
        .find(|f| f["rule"] == "ssm-unpublished-read")
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        typo.contains("/nextjs/production/alb-dns")
            && typo.contains("closest published name is `/nextjs/production/alb-dns-name`"),
        "{typo}"
    );
}

#[test]
fn golden_human_json_sarif_github_of_the_bad_layout() {
    let dir = fixtures().join("six-stack/bad");
    for (format, file) in [
        ("human", "bad.human.txt"),
        ("json", "bad.json"),
        ("sarif", "bad.sarif"),
        ("github", "bad.github.txt"),
    ] {
        let o = run_in(&dir, &["--format", format, "--color", "never", "."]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        golden(&fixtures().join("six-stack").join(file), &stdout(&o));
    }
}

#[test]
fn human_output_underlines_and_shows_the_module_chain() {
    let o = run_in(&fixtures().join("six-stack/bad"), &["--color", "never"]);
    let s = stdout(&o);
    assert!(
        s.contains("evaluated through module call `web` (stack `application`)"),
        "{s}"
    );
    assert!(s.contains("╭─[modules/service/main.tf:"), "{s}");
    assert!(s.contains("14 errors, 0 warnings"), "{s}");
}

#[test]
fn one_finding_per_location_with_every_module_instance_as_a_label() {
    // A module called by two stacks, three times through for_each and once through count; three
    // instances fail at the same attribute.
    let dir = fixtures().join("module-instances");
    let o = run_in(&dir, &["--format", "json"]);
    let fs = findings(&o);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0]["file"], "modules/svc/main.tf");
    let o = run_in(&dir, &["--color", "never"]);
    golden(&fixtures().join("module-instances.human.txt"), &stdout(&o));
    let s = stdout(&o);
    for label in [
        "module call `svc[\"api\"]` (stack `blue`)",
        "module call `svc[\"web\"]` (stack `blue`)",
        "module call `svc[0]` (stack `green`)",
    ] {
        assert!(s.contains(label), "{label}: {s}");
    }
    assert!(!s.contains("worker"), "{s}");
}

#[test]
fn sarif_is_valid_shape() {
    let o = run_in(&fixtures().join("six-stack/bad"), &["--format", "sarif"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 14);
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap_or(0)
            > 0));
}

#[test]
fn graph_prints_deploy_order() {
    let o = run_in(&fixtures().join("six-stack/good"), &["graph", "."]);
    assert_eq!(o.status.code(), Some(0));
    let s = stdout(&o);
    assert_eq!(
        s.lines().last(),
        Some("data -> compute -> networking -> api, application -> edge"),
        "{s}"
    );
    assert!(s.contains("6. edge"), "{s}");
}

#[test]
fn graph_json_lists_stacks_stages_and_edges() {
    let o = run_in(&fixtures().join("six-stack/good"), &["graph", "--format", "json", "."]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON output");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let order = strings(&v["order"]);
    assert_eq!(order, ["data", "compute", "networking", "api", "application", "edge"]);
    let stages: Vec<Vec<String>> = v["stages"]
        .as_array()
        .map(|a| a.iter().map(strings).collect())
        .unwrap_or_default();
    assert_eq!(stages.concat(), order, "order is the stages, stage by stage");
    assert_eq!(stages[3], ["api", "application"]);
    let stacks = v["stacks"].as_array().cloned().unwrap_or_default();
    assert_eq!(stacks.len(), 6);
    assert_eq!(stacks[0]["name"], "data");
    assert_eq!(stacks[0]["dir"], "data");
    assert_eq!(stacks[0]["stage"], 1);
    assert_eq!(stacks[0]["after"], serde_json::json!([]));
    let edges = v["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(edges.len(), 10);
    let pos = |n: &Value| order.iter().position(|o| n.as_str() == Some(o.as_str()));
    for e in &edges {
        let (from, to) = (pos(&e["from"]), pos(&e["to"]));
        assert!(from.is_some() && to.is_some() && from < to, "{e}");
        assert!(!strings(&e["parameters"]).is_empty(), "{e}");
    }
    for s in &stacks {
        let stage = s["stage"].as_u64().unwrap_or(0);
        for a in strings(&s["after"]) {
            let before = stacks.iter().find(|t| t["name"] == a.as_str()).expect("known stack");
            assert!(before["stage"].as_u64().unwrap_or(u64::MAX) < stage, "{s}");
            assert!(
                edges.iter().any(|e| e["from"] == a.as_str() && e["to"] == s["name"]),
                "{s}"
            );
        }
    }
    assert!(edges.iter().any(|e| e["from"] == "networking"
        && e["to"] == "edge"
        && strings(&e["parameters"])
            == [
                "/nextjs/production/alb-dns-name",
                "/nextjs/production/origin-verify-secret"
            ]));
    assert_eq!(v["syntax_errors"], serde_json::json!([]));
    assert!(v.get("error").is_none() && v.get("cycle").is_none(), "{v}");
}

#[test]
fn graph_dot_and_mermaid_golden() {
    let dir = fixtures().join("six-stack/good");
    for (format, file) in [("dot", "good.graph.dot"), ("mermaid", "good.graph.mmd")] {
        let o = run_in(&dir, &["graph", "--format", format, "."]);
        assert_eq!(o.status.code(), Some(0), "{format}");
        golden(&fixtures().join("six-stack").join(file), &stdout(&o));
    }
}

#[test]
fn graph_json_on_a_cycle_names_it() {
    let o = run_in(&fixtures().join("graph-cycle"), &["graph", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the stacks a, b read each other's"), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON output on a cycle");
    assert_eq!(v["cycle"], serde_json::json!(["a", "b"]));
    let msg = v["error"].as_str().unwrap_or("");
    assert!(
        msg.contains("the stacks a, b read each other's") && err.contains(msg),
        "{msg}"
    );
    assert_eq!(v["order"], serde_json::json!([]));
    assert_eq!(v["stages"], serde_json::json!([]));
    assert_eq!(v["stacks"].as_array().map(Vec::len), Some(3));
    assert!(v["stacks"][0]["stage"].is_null(), "{v}");
}

#[test]
fn graph_json_lists_syntax_errors() {
    let o = run_in(&fixtures().join("syntax-error/fail"), &["graph", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("main.tf:") && err.contains("syntax error"), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON output");
    let errs = v["syntax_errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errs.iter()
            .any(|e| e.as_str().is_some_and(|e| e.starts_with("main.tf:2:9: syntax error:"))),
        "{v}"
    );
}

#[test]
fn graph_fails_on_a_cycle() {
    let o = run_in(&fixtures().join("graph-cycle"), &["graph"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the stacks a, b read each other's"), "{err}");
    assert!(err.contains("reads `/cycle/a` published by a"), "{err}");
    assert!(
        !err.contains("downstream"),
        "a stack after the cycle is not on it: {err}"
    );
}

#[test]
fn graph_fails_when_a_file_does_not_parse() {
    let o = run_in(&fixtures().join("syntax-error/fail"), &["graph"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("main.tf:") && err.contains("syntax error"), "{err}");
}

#[test]
fn config_sets_levels_and_prod_stacks() {
    let o = run_in(&fixtures().join("config"), &["--format", "json"]);
    let fs = findings(&o);
    let rules: Vec<(&str, &str)> = fs
        .iter()
        .map(|f| (f["rule"].as_str().unwrap_or(""), f["severity"].as_str().unwrap_or("")))
        .collect();
    assert!(rules.contains(&("ecs-exec-disabled-in-prod", "error")), "{rules:?}");
    assert!(rules.contains(&("ecs-circuit-breaker", "warning")), "{rules:?}");
    assert!(
        !rules
            .iter()
            .any(|(r, _)| r.starts_with("lambda-dead") || r.starts_with("lambda-log")),
        "{rules:?}"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn prod_stacks_are_relative_to_the_config_file() {
    // Run from a subdirectory: the config is found in an ancestor and `prod/**` still matches.
    let o = run_in(&fixtures().join("config/prod"), &["--format", "json", "."]);
    let fs = findings(&o);
    assert!(
        fs.iter()
            .any(|f| f["rule"] == "ecs-exec-disabled-in-prod" && f["severity"] == "error"),
        "{fs:?}"
    );
}

#[test]
fn list_rules_and_explain() {
    let o = bin().arg("--list-rules").output().expect("runs");
    let s = stdout(&o);
    for r in nextstack_lint::rules::RULES {
        assert!(s.contains(r.name));
    }
    let o = bin().args(["--explain", "dual-waf"]).output().expect("runs");
    assert!(stdout(&o).contains("## Why is this bad?"));
    let o = bin().args(["--explain", "nope"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let o = bin().arg("/definitely/not/here").output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = bin().arg("--format=xml").output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = bin()
        .args(["--config", "/definitely/not/here.toml", "."])
        .current_dir(fixtures().join("dual-waf/pass"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn var_file_overrides_defaults() {
    let dir = fixtures().join("ecs-exec-disabled-in-prod/unknown");
    let vf = fixtures().join("ecs-exec-disabled-in-prod/prod.tfvars");
    let o = run_in(
        &dir,
        &["--format", "json", "--var-file", vf.to_str().unwrap_or_default(), "."],
    );
    assert!(findings(&o)
        .iter()
        .any(|f| f["rule"] == "ecs-exec-disabled-in-prod" && f["severity"] == "error"));
}

#[test]
fn docs_are_generated_from_the_doc_comments() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lint");
    let generated = nextstack_lint::docs::all();
    for (name, text) in &generated {
        golden(&docs.join(name), text);
    }
    // No page of a rule that no longer exists.
    for e in std::fs::read_dir(&docs).expect("docs/lint") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            name == "README.md" || generated.iter().any(|(n, _)| *n == name),
            "docs/lint/{name} is not generated from a rule"
        );
    }
}

#[test]
fn module_caches_are_skipped_but_a_stack_named_target_is_not() {
    let dir = std::env::temp_dir().join(format!("nextstack-lint-skip-{}", std::process::id()));
    let export = "data \"terraform_remote_state\" \"shared\" {}\n";
    for sub in [
        ".terraform/modules/vpc",
        "live/.terragrunt-cache/abc/app",
        "rust/target",
        "stacks/target",
    ] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        std::fs::write(dir.join(sub).join("main.tf"), export).expect("write");
    }
    std::fs::write(
        dir.join("rust/target/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    )
    .expect("write");
    let o = run_in(&dir, &["--format", "json"]);
    let files: Vec<String> = findings(&o)
        .iter()
        .map(|f| f["file"].as_str().unwrap_or("").to_string())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(files, vec!["stacks/target/main.tf"]);
}

#[test]
fn modules_that_call_each_other_with_no_root_are_still_checked() {
    let o = run_in(&fixtures().join("module-cycle"), &["--format", "json"]);
    let fs = findings(&o);
    assert!(
        fs.iter()
            .any(|f| f["rule"] == "lambda-dead-letter-queue" && f["file"] == "a/main.tf"),
        "{fs:#?}"
    );
    assert_eq!(o.status.code(), Some(1));
}
