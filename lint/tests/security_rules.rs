//! The real `nextstack-lint` binary on small projects written to a scratch directory: what the
//! rules `cloudfront-origin-over-http`, `sns-alarm-topic-aws-managed-key` and
//! `secret-value-in-state` do with configuration, suppressions, module inputs and other stacks.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A scratch directory holding `files`, removed on drop.
struct Project(PathBuf);

impl Project {
    fn new(name: &str, files: &[(&str, &str)]) -> Project {
        let dir = std::env::temp_dir().join(format!("nextstack-lint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        Project(dir)
    }

    fn lint(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_nextstack-lint"))
            .current_dir(&self.0)
            .args(args)
            .output()
            .expect("the binary runs")
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (rule, file, line, severity, message) of every finding in JSON output.
fn findings(o: &Output) -> Vec<(String, String, u64, String, String)> {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON output ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let s = |f: &Value, k: &str| f[k].as_str().unwrap_or_default().to_string();
    v["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                s(f, "rule"),
                s(f, "file"),
                f["line"].as_u64().unwrap_or(0),
                s(f, "severity"),
                s(f, "message"),
            )
        })
        .collect()
}

fn origin(header: &str, value: &str) -> String {
    format!(
        r#"resource "aws_cloudfront_distribution" "site" {{
  enabled    = true
  web_acl_id = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc"
  origin {{
    domain_name = "origin.example.com"
    origin_id   = "app"
    custom_origin_config {{
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }}
    custom_header {{
      name  = "{header}"
      value = "{value}"
    }}
  }}
}}
"#
    )
}

#[test]
fn secret_header_patterns_come_from_the_config_file_and_replace_the_defaults() {
    let files = [
        ("edge/main.tf", origin("X-Edge-Key", "plain-literal")),
        ("legacy/main.tf", origin("X-Origin-Verify", "plain-literal")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();

    // Defaults: X-Origin-Verify is a secret header, X-Edge-Key (with a literal value) is not.
    let p = Project::new("patterns-default", &files);
    let o = p.lint(&["--format", "json"]);
    let over_http: Vec<_> = findings(&o)
        .into_iter()
        .filter(|f| f.0 == "cloudfront-origin-over-http")
        .collect();
    assert_eq!(over_http.len(), 1, "{over_http:#?}");
    assert_eq!((over_http[0].1.as_str(), over_http[0].2), ("legacy/main.tf", 10));
    assert_eq!(
        over_http[0].4,
        "origin `app` of aws_cloudfront_distribution.site sends the secret header `X-Origin-Verify` over plain HTTP (origin_protocol_policy `http-only`)"
    );
    assert_eq!(o.status.code(), Some(1));
    drop(p);

    // Configured: only x-edge-* names a secret, matched whatever the case.
    let mut with_config = files.clone();
    with_config.push((
        ".nextstack-lint.toml",
        "[cloudfront-origin-over-http]\nsecret_headers = [\"x-edge-*\"]\n",
    ));
    let p = Project::new("patterns-config", &with_config);
    let o = p.lint(&["--format", "json"]);
    let over_http: Vec<_> = findings(&o)
        .into_iter()
        .filter(|f| f.0 == "cloudfront-origin-over-http")
        .map(|f| (f.1, f.3))
        .collect();
    assert_eq!(over_http, [("edge/main.tf".to_string(), "error".to_string())]);
}

#[test]
fn a_bad_secret_header_pattern_is_a_usage_error_that_names_it() {
    let p = Project::new(
        "patterns-bad",
        &[
            ("main.tf", "# empty\n"),
            (
                ".nextstack-lint.toml",
                "[cloudfront-origin-over-http]\nsecret_headers = [\"x-ok\", \"[x-\"]\n",
            ),
        ],
    );
    let o = p.lint(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("[cloudfront-origin-over-http] secret_headers") && err.contains("`[x-`"),
        "{err}"
    );
}

const EDGE_MODULE: &str = r#"variable "origin_protocol" {
  type    = string
  default = "https"
}

variable "origin_secret" {
  type      = string
  sensitive = true
}

resource "aws_cloudfront_distribution" "site" {
  enabled    = true
  web_acl_id = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc"
  origin {
    domain_name = "origin.example.com"
    origin_id   = "app"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      SUPPRESSION
      origin_protocol_policy = var.origin_protocol == "http" ? "http-only" : "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
    custom_header {
      name  = "X-CloudFront-Origin"
      value = var.origin_secret
    }
  }
}
"#;

fn stack(protocol: &str) -> String {
    format!(
        r#"module "edge" {{
  source          = "../modules/edge"
  origin_protocol = "{protocol}"
  origin_secret   = "from-a-secret-store"
}}
"#
    )
}

#[test]
fn an_http_opt_in_is_an_error_in_the_stack_that_takes_it_and_a_reason_suppresses_it() {
    let module = EDGE_MODULE.replace("      SUPPRESSION\n", "");
    let https = stack("https");
    let http = stack("http");
    let p = Project::new(
        "opt-in",
        &[
            ("modules/edge/main.tf", &module),
            ("secure/main.tf", &https),
            ("legacy/main.tf", &http),
        ],
    );
    let o = p.lint(&["--format", "json"]);
    let fs: Vec<_> = findings(&o)
        .into_iter()
        .filter(|f| f.0 == "cloudfront-origin-over-http")
        .collect();
    // One finding at the module's line, for the legacy stack's call only.
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        (fs[0].1.as_str(), fs[0].2, fs[0].3.as_str()),
        ("modules/edge/main.tf", 20, "error")
    );
    let human = p.lint(&["--color", "never"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("module call `edge` (stack `legacy`)"), "{text}");
    assert!(!text.contains("(stack `secure`)"), "{text}");
    drop(p);

    // The opt-in, acknowledged where it is made.
    let module = EDGE_MODULE.replace(
        "SUPPRESSION",
        "# nextstack-lint:ignore cloudfront-origin-over-http -- a legacy origin without TLS, retired in Q3",
    );
    let p = Project::new(
        "opt-in-suppressed",
        &[("modules/edge/main.tf", &module), ("legacy/main.tf", &http)],
    );
    let o = p.lint(&["--format", "json"]);
    assert_eq!(findings(&o), vec![], "{}", p.path().display());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn an_alarm_topic_read_from_another_stack_through_ssm_is_followed() {
    let alerts = r#"resource "aws_sns_topic" "alarms" {
  name              = "alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_ssm_parameter" "topic" {
  name  = "/app/prod/alarm-topic-arn"
  type  = "String"
  value = aws_sns_topic.alarms.arn
}
"#;
    let api = r#"data "aws_ssm_parameter" "topic" {
  name = "/app/prod/alarm-topic-arn"
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [data.aws_ssm_parameter.topic.value]
}
"#;
    let p = Project::new("alarm-ssm", &[("alerts/main.tf", alerts), ("api/main.tf", api)]);
    let o = p.lint(&["--format", "json"]);
    let fs = findings(&o);
    assert_eq!(
        fs,
        vec![(
            "sns-alarm-topic-aws-managed-key".to_string(),
            "alerts/main.tf".to_string(),
            3,
            "error".to_string(),
            "aws_sns_topic.alarms is encrypted with an AWS managed key (`alias/aws/sns`), which CloudWatch cannot use: the notifications of aws_cloudwatch_metric_alarm.errors are never delivered".to_string()
        )]
    );
    // Linted alone, the api stack's alarm leads to a topic out of sight: nothing to say.
    // (ssm-unpublished-read then reports the read of a name nobody publishes.)
    let o = p.lint(&["--format", "json", "api"]);
    let fs = findings(&o);
    assert!(fs.iter().any(|f| f.0 == "ssm-unpublished-read"), "{fs:#?}");
    assert!(!fs.iter().any(|f| f.0 == "sns-alarm-topic-aws-managed-key"), "{fs:#?}");
}

#[test]
fn a_secret_passed_into_a_module_is_reported_in_the_module_for_the_stack_that_passes_it() {
    let module = r#"variable "secret_store" {
  type    = string
  default = "secretsmanager"
}

variable "secrets" {
  type    = set(string)
  default = []
}

resource "aws_ssm_parameter" "secret" {
  for_each = var.secret_store == "ssm" ? var.secrets : toset([])
  name     = "/app/${each.key}"
  type     = "SecureString"
  value    = "unset"

  lifecycle {
    ignore_changes = [value]
  }
}
"#;
    let ssm = r#"module "service" {
  source       = "../modules/service"
  secret_store = "ssm"
  secrets      = ["OPENAI_KEY"]
}
"#;
    let p = Project::new(
        "secret-module",
        &[("modules/service/main.tf", module), ("api/main.tf", ssm)],
    );
    let o = p.lint(&["--format", "json"]);
    let fs = findings(&o);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        (fs[0].0.as_str(), fs[0].1.as_str(), fs[0].2),
        ("secret-value-in-state", "modules/service/main.tf", 15)
    );
    assert!(
        fs[0]
            .4
            .ends_with("; `ignore_changes` hides the difference, not the value"),
        "{}",
        fs[0].4
    );
    // The module on its own (no parameter with the default secret_store) is clean.
    let o = p.lint(&["--format", "json", "modules"]);
    assert_eq!(findings(&o), vec![]);
}
