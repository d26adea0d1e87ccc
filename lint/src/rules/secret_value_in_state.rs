//! ## What it does
//! Checks that secrets are written with write-only arguments, which never reach the state:
//! - an `aws_ssm_parameter` with `type = "SecureString"` sets `value_wo` (with
//!   `value_wo_version`), not `value` or `insecure_value`;
//! - an `aws_secretsmanager_secret_version` sets `secret_string_wo` (with
//!   `secret_string_wo_version`), not `secret_string` or `secret_binary`.
//!
//! A `value` that is not known statically is still a value when nothing else is set: the provider
//! requires one of `value`, `insecure_value` and `value_wo` (and AWS one of the secret's string
//! or binary), so only when the write-only argument is set too can it be null. A placeholder
//! under `lifecycle { ignore_changes = [value] }` fails as well.
//!
//! ## Why is this bad?
//! Terraform stores every argument and every attribute the provider reads back in the state, in
//! clear text, wherever the state lives (an S3 bucket, a CI cache, a laptop). `sensitive` only
//! hides the value from plan output. The provider reads a SecureString parameter decrypted, and a
//! secret version's string, back on every refresh, so even a placeholder value with
//! `ignore_changes = [value]`, set for real outside Terraform, ends up in the state with the real
//! secret: `ignore_changes` hides the difference, not the value. Write-only arguments (Terraform
//! 1.11 and later; hashicorp/aws 5.100.0, the version this project pins, has both) are sent to
//! the provider and never stored.
//!
//! ## Example
//! ```hcl
//! resource "aws_ssm_parameter" "db_password" {
//!   name  = "/app/prod/db-password"
//!   type  = "SecureString"
//!   value = var.db_password
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ssm_parameter" "db_password" {
//!   name             = "/app/prod/db-password"
//!   type             = "SecureString"
//!   value_wo         = var.db_password # an ephemeral variable, or one marked sensitive
//!   value_wo_version = 1               # bump it to write a new value
//! }
//! ```
//!
//! Or create only the container with Terraform and put the value outside it: an
//! `aws_secretsmanager_secret` with no `aws_secretsmanager_secret_version`, filled by
//! `aws secretsmanager put-secret-value`.
//!
//! ## Known blind spots
//! A parameter whose `type` is not known statically and that sets `value` is "cannot verify", as
//! is a `value` that is not known statically beside a write-only argument that is not either.
//! Other resources that keep a secret argument in state (`aws_db_instance` `password`,
//! `aws_rds_cluster` `master_password`, ...) are not checked, nor secrets read by data sources
//! (`data "aws_secretsmanager_secret_version"`) or String parameters that hold secrets.
//!
//! ## References
//! - [Terraform: use write-only arguments](https://developer.hashicorp.com/terraform/language/manage-sensitive-data/write-only)
//! - [Terraform: sensitive data in state](https://developer.hashicorp.com/terraform/language/manage-sensitive-data)
//! - [aws_ssm_parameter: value_wo](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ssm_parameter#value_wo-1)
//! - [aws_secretsmanager_secret_version: secret_string_wo](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret_version#secret_string_wo-1)

use super::{judge_candidates, Outcome, RuleContext, Verdict};
use crate::eval::EvalBlock;
use crate::value::Value;

/// One resource type that writes a secret: the arguments that land in state and the write-only
/// argument.
struct Writer {
    ty: &'static str,
    stored: &'static [&'static str],
    write_only: &'static str,
}

const WRITERS: &[Writer] = &[
    Writer {
        ty: "aws_ssm_parameter",
        stored: &["value", "insecure_value"],
        write_only: "value_wo",
    },
    Writer {
        ty: "aws_secretsmanager_secret_version",
        stored: &["secret_string", "secret_binary"],
        write_only: "secret_string_wo",
    },
];

/// Whether the arguments that land in state hold a value: `Fail` when one does, `Pass` when none
/// does, `Unknown` when one is unknown while the write-only argument may be set instead.
/// Returns the verdict and the argument it is about.
fn stored(b: &EvalBlock, w: &Writer) -> (Verdict, &'static str) {
    let mut unknown = None;
    for &attr in w.stored {
        match b.value(attr) {
            Value::Null => {}
            v if v.candidates().iter().all(|c| !c.is_null() && !c.is_unknown()) => return (Verdict::Fail, attr),
            _ => {
                unknown.get_or_insert(attr);
            }
        }
    }
    let Some(attr) = unknown else {
        return (Verdict::Pass, w.stored[0]);
    };
    // One of the stored arguments or the write-only one must be set: with no write-only
    // argument, the unknown value is a value.
    if b.value(w.write_only).is_null() {
        (Verdict::Fail, attr)
    } else {
        (Verdict::Unknown, attr)
    }
}

/// Whether the declaration's `lifecycle { ignore_changes }` names `attr` (or is `all`): it hides
/// the difference, not the value.
fn ignores_changes(ctx: &RuleContext, inst: usize, decl: usize, attr: &str) -> bool {
    let module = ctx.ev.instance(inst).module;
    let Some(d) = ctx.ev.project.modules[module].resources.get(decl) else {
        return false;
    };
    d.block
        .body
        .blocks("lifecycle")
        .filter_map(|l| l.body.attr("ignore_changes"))
        .any(|a| {
            a.expr
                .to_string()
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|t| t == attr || t == "all")
        })
}

/// Whether a parameter holds a secret: its `type` is `SecureString`.
fn secure(b: &EvalBlock) -> Verdict {
    judge_candidates(&b.value("type"), |t| match t.as_str() {
        Some("SecureString") => Verdict::Fail,
        Some(_) => Verdict::Pass,
        None => Verdict::Unknown,
    })
}

pub fn check(ctx: &RuleContext) {
    for w in WRITERS {
        ctx.each(w.ty, |hit| {
            let b = hit.block;
            let (value, attr) = stored(b, w);
            if value == Verdict::Pass {
                return;
            }
            let secret = if w.ty == "aws_ssm_parameter" {
                secure(b)
            } else {
                Verdict::Fail
            };
            if secret == Verdict::Pass {
                return;
            }
            let label = format!("{}.{}", w.ty, b.name);
            let what = if w.ty == "aws_ssm_parameter" {
                "a SecureString"
            } else {
                "a secret"
            };
            let span = b.span_of(attr);
            match (value, secret) {
                (Verdict::Fail, Verdict::Fail) => ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Fail,
                    format!(
                        "{label} writes {what} with `{attr}`, which the provider keeps in the state (and reads back on every refresh){}",
                        if ignores_changes(ctx, hit.inst, hit.decl, attr) {
                            "; `ignore_changes` hides the difference, not the value"
                        } else {
                            ""
                        }
                    ),
                    Some(match w.ty {
                        "aws_ssm_parameter" => "use `value_wo` with `value_wo_version` (Terraform >= 1.11), or set the value outside Terraform and keep only the parameter's ARN",
                        _ => "use `secret_string_wo` with `secret_string_wo_version` (Terraform >= 1.11), or create only the aws_secretsmanager_secret and put its value outside Terraform",
                    }),
                ),
                (Verdict::Fail, _) => ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Unknown,
                    format!("{label} sets `{attr}`, which the provider keeps in the state, and its type is not known statically (a SecureString would put a secret there)"),
                    None,
                ),
                _ => ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Unknown,
                    format!(
                        "whether {label} writes {what} with `{attr}` (kept in the state) or with `{}` is not known statically",
                        w.write_only
                    ),
                    None,
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(attrs: &[(&str, Value)]) -> EvalBlock {
        let span = crate::source::Span::new(0, 0..0);
        EvalBlock {
            ident: "aws_ssm_parameter".into(),
            name: "p".into(),
            span: span.clone(),
            head_span: span.clone(),
            attrs: attrs
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        crate::eval::EvalAttr {
                            value: v.clone(),
                            span: span.clone(),
                        },
                    )
                })
                .collect(),
            blocks: vec![],
            maybe: false,
        }
    }

    #[test]
    fn an_unknown_value_is_a_value_unless_the_write_only_argument_may_be_set_instead() {
        let ssm = &WRITERS[0];
        let s = Value::str;
        assert_eq!(stored(&block(&[("value", s("x"))]), ssm), (Verdict::Fail, "value"));
        assert_eq!(
            stored(&block(&[("value", Value::Unknown)]), ssm),
            (Verdict::Fail, "value")
        );
        assert_eq!(
            stored(&block(&[("value", Value::Unknown), ("value_wo", Value::Unknown)]), ssm),
            (Verdict::Unknown, "value")
        );
        assert_eq!(stored(&block(&[("value_wo", s("x"))]), ssm).0, Verdict::Pass);
        assert_eq!(
            stored(&block(&[("value", Value::Null), ("value_wo", s("x"))]), ssm).0,
            Verdict::Pass
        );
        assert_eq!(
            stored(&block(&[("insecure_value", s("x"))]), ssm),
            (Verdict::Fail, "insecure_value")
        );
        let maybe_null = Value::one_of([Value::Null, s("x")]);
        assert_eq!(
            stored(&block(&[("value", maybe_null), ("value_wo", Value::Unknown)]), ssm).0,
            Verdict::Unknown
        );
    }

    #[test]
    fn only_secure_strings_hold_secrets() {
        let s = Value::str;
        assert_eq!(secure(&block(&[("type", s("SecureString"))])), Verdict::Fail);
        assert_eq!(secure(&block(&[("type", s("String"))])), Verdict::Pass);
        assert_eq!(secure(&block(&[("type", Value::Unknown)])), Verdict::Unknown);
        let either = Value::one_of([s("String"), s("SecureString")]);
        assert_eq!(secure(&block(&[("type", either)])), Verdict::Unknown);
    }
}
