//! ## What it does
//! Checks that no `aws_sns_topic` that a CloudWatch alarm notifies is encrypted with an AWS
//! managed key. A topic fails when its `kms_master_key_id` is `alias/aws/sns` (any `alias/aws/...`
//! name, or its alias ARN `arn:aws:kms:<region>:<account>:alias/aws/sns`, also through a
//! `data "aws_kms_key"` or `data "aws_kms_alias"` that looks it up) and an
//! `aws_cloudwatch_metric_alarm` or `aws_cloudwatch_composite_alarm` names it in `alarm_actions`,
//! `ok_actions` or `insufficient_data_actions`.
//!
//! An action is followed by reference (`aws_sns_topic.alarms.arn`, also through module outputs
//! and through SSM parameters published by another linted stack) or, for a literal topic ARN, by
//! the topic's `name`. An action that leads nowhere statically (a variable with no value, a
//! topic of another tool) is not reported: the topic behind it is out of sight, and an alarm that
//! notifies a topic of a central account is the common case, not a defect.
//!
//! ## Why is this bad?
//! CloudWatch publishes alarm notifications as the `cloudwatch.amazonaws.com` service principal,
//! which must be allowed to use the topic's KMS key (`kms:Decrypt`, `kms:GenerateDataKey*`). The
//! policy of an AWS managed key cannot be changed, so CloudWatch can never publish to a topic
//! under `alias/aws/sns`: the alarm changes state, and nobody is told. Nothing fails at apply; the
//! alarm's history alone says "CloudWatch Alarms does not have authorization to access the SNS
//! topic encryption key".
//!
//! ## Example
//! ```hcl
//! resource "aws_sns_topic" "alarms" {
//!   name              = "alarms"
//!   kms_master_key_id = "alias/aws/sns"
//! }
//! resource "aws_cloudwatch_metric_alarm" "errors" {
//!   alarm_name    = "errors"
//!   alarm_actions = [aws_sns_topic.alarms.arn]
//! }
//! ```
//!
//! Use instead:
//!
//! A customer managed key whose policy lets CloudWatch use it (or no encryption at rest):
//! ```hcl
//! data "aws_iam_policy_document" "alarms_key" {
//!   statement {
//!     sid       = "Account"
//!     actions   = ["kms:*"]
//!     resources = ["*"]
//!     principals {
//!       type        = "AWS"
//!       identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
//!     }
//!   }
//!   statement {
//!     sid       = "CloudWatchAlarms"
//!     actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
//!     resources = ["*"]
//!     principals {
//!       type        = "Service"
//!       identifiers = ["cloudwatch.amazonaws.com"]
//!     }
//!   }
//! }
//! resource "aws_kms_key" "alarms" {
//!   description         = "alarm topic"
//!   enable_key_rotation = true
//!   policy              = data.aws_iam_policy_document.alarms_key.json
//! }
//! resource "aws_sns_topic" "alarms" {
//!   name              = "alarms"
//!   kms_master_key_id = aws_kms_key.alarms.arn
//! }
//! ```
//!
//! ## Known blind spots
//! The AWS managed key named by its key ID or key ARN (rather than its alias) is not recognised.
//! A `kms_master_key_id` that is not known statically (a variable with no value) on a topic an
//! alarm notifies is "cannot verify". The rule does not check that a customer managed key's policy
//! actually admits `cloudwatch.amazonaws.com`, nor other AWS services that cannot use the AWS
//! managed key either (EventBridge, S3 event notifications); and topics that alarms reach only
//! through an action that cannot be followed are not checked (see above).
//!
//! ## References
//! - [Enable compatibility between event sources from AWS services and encrypted topics](https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)
//! - [How do I configure a CloudWatch alarm with an encrypted Amazon SNS topic?](https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns)

use super::{judge_candidates, Outcome, RuleContext, Verdict};
use crate::value::{RefVal, Value};
use std::collections::BTreeMap;

const ALARM_TYPES: &[&str] = &["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"];
const ACTIONS: &[&str] = &["alarm_actions", "ok_actions", "insufficient_data_actions"];

/// Whether a key id, alias or ARN names an AWS managed key by its alias (`alias/aws/...`).
pub fn aws_managed_alias(key: &str) -> bool {
    let alias = match key.strip_prefix("arn:") {
        // arn:<partition>:kms:<region>:<account>:alias/aws/sns
        Some(rest) => rest.splitn(5, ':').nth(4).unwrap_or(""),
        None => key,
    };
    alias.starts_with("alias/aws/")
}

/// The key id or alias a `data "aws_kms_key"` / `data "aws_kms_alias"` looks up, when known.
fn looked_up(ctx: &RuleContext, r: &RefVal) -> Option<String> {
    let attr = match (r.addr.mode, r.addr.ty.as_str()) {
        ("data", "aws_kms_key") => "key_id",
        ("data", "aws_kms_alias") => "name",
        _ => return None,
    };
    ctx.deref(r)?.value(attr).as_str().map(str::to_string)
}

/// Whether a topic's `kms_master_key_id` (one candidate, already followed through SSM) is an AWS
/// managed key: `Fail` when it is, `Pass` when it is a customer managed key or none.
fn key_verdict(ctx: &RuleContext, v: &Value) -> Verdict {
    match v {
        Value::Null => Verdict::Pass,
        Value::String(s) if s.is_empty() => Verdict::Pass,
        Value::String(s) if aws_managed_alias(s) => Verdict::Fail,
        Value::String(_) => Verdict::Pass,
        Value::Ref(r) => match (r.addr.mode, r.addr.ty.as_str()) {
            ("resource", "aws_kms_key" | "aws_kms_replica_key" | "aws_kms_external_key" | "aws_kms_alias") => {
                Verdict::Pass
            }
            // A lookup: judge what it looks up.
            ("data", "aws_kms_key" | "aws_kms_alias") => match looked_up(ctx, r) {
                Some(k) if aws_managed_alias(&k) => Verdict::Fail,
                Some(_) => Verdict::Pass,
                None => Verdict::Unknown,
            },
            _ => Verdict::Unknown,
        },
        _ => Verdict::Unknown,
    }
}

/// The topic an alarm action leads to: (module instance, declaration) of an `aws_sns_topic`, or
/// the topic name of a literal ARN.
enum Target {
    Topic(usize, usize),
    Name(String),
}

fn targets(v: &Value, out: &mut Vec<Target>) {
    for c in v.candidates() {
        match c {
            Value::List(l) => l.iter().for_each(|x| targets(x, out)),
            Value::Repeated(x) => targets(x, out),
            Value::Ref(r) if r.addr.mode == "resource" && r.addr.ty == "aws_sns_topic" => {
                out.push(Target::Topic(r.addr.inst, r.addr.decl))
            }
            Value::String(s) if s.starts_with("arn:") && s.split(':').nth(2) == Some("sns") => {
                if let Some(name) = s.split(':').nth(5) {
                    out.push(Target::Name(name.to_string()));
                }
            }
            _ => {}
        }
    }
}

pub fn check(ctx: &RuleContext) {
    // Topic => the alarms that notify it (by reference), and topic name => alarms (by ARN).
    let mut by_ref: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ty in ALARM_TYPES {
        ctx.each(ty, |hit| {
            let label = format!("{ty}.{}", hit.block.name);
            let mut found = Vec::new();
            for a in ACTIONS {
                let v = hit.block.value(a);
                targets(&v, &mut found);
                if let Some(l) = v.as_list() {
                    for x in l {
                        targets(&ctx.model.resolve(ctx.ev, x), &mut found);
                    }
                }
            }
            for t in found {
                let alarms = match t {
                    Target::Topic(i, d) => by_ref.entry((i, d)).or_default(),
                    Target::Name(n) => by_name.entry(n).or_default(),
                };
                if !alarms.contains(&label) {
                    alarms.push(label.clone());
                }
            }
        });
    }
    if by_ref.is_empty() && by_name.is_empty() {
        return;
    }
    ctx.each("aws_sns_topic", |hit| {
        let b = hit.block;
        let mut alarms = by_ref.get(&(hit.inst, hit.decl)).cloned().unwrap_or_default();
        if let Some(n) = b.value("name").as_str() {
            for a in by_name.get(n).into_iter().flatten() {
                if !alarms.contains(a) {
                    alarms.push(a.clone());
                }
            }
        }
        if alarms.is_empty() {
            return;
        }
        let key = ctx.model.resolve(ctx.ev, &b.value("kms_master_key_id"));
        let verdict = judge_candidates(&key, |k| key_verdict(ctx, k));
        let who = match alarms.as_slice() {
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} and {} more", rest.len()),
            [] => String::new(),
        };
        let span = b.span_of("kms_master_key_id");
        let shown = match &key {
            Value::String(k) => format!("`{k}`"),
            Value::Ref(r) => match looked_up(ctx, r) {
                Some(k) => format!("data.{}.{}, which looks up `{k}`", r.addr.ty, r.addr.name),
                None => format!("data.{}.{}", r.addr.ty, r.addr.name),
            },
            other => other.to_string(),
        };
        match verdict {
            Verdict::Pass => {}
            Verdict::Fail => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!(
                    "aws_sns_topic.{} is encrypted with an AWS managed key ({shown}), which CloudWatch cannot use: the notifications of {who} are never delivered",
                    b.name
                ),
                Some("encrypt the topic with a customer managed aws_kms_key whose policy allows `cloudwatch.amazonaws.com` kms:Decrypt and kms:GenerateDataKey*, or leave it unencrypted"),
            ),
            Verdict::Unknown => ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!(
                    "the kms_master_key_id of aws_sns_topic.{}, which {who} notifies, is not known statically; CloudWatch cannot publish under an AWS managed key",
                    b.name
                ),
                None,
            ),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_managed_aliases_by_name_and_by_arn() {
        assert!(aws_managed_alias("alias/aws/sns"));
        assert!(aws_managed_alias("arn:aws:kms:eu-west-1:111111111111:alias/aws/sns"));
        assert!(aws_managed_alias(
            "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/sns"
        ));
        assert!(!aws_managed_alias("alias/alarms"));
        assert!(!aws_managed_alias("alias/awsome"));
        assert!(!aws_managed_alias(
            "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!aws_managed_alias("1234abcd-12ab-34cd-56ef-1234567890ab"));
    }

    #[test]
    fn alarm_actions_lead_to_topics_by_arn_name() {
        let mut out = Vec::new();
        let actions = Value::list(vec![
            Value::str("arn:aws:sns:eu-west-1:111111111111:ops-alarms"),
            Value::str("arn:aws:automate:eu-west-1:ec2:reboot"),
            Value::Unknown,
        ]);
        targets(&actions, &mut out);
        let names: Vec<&str> = out
            .iter()
            .filter_map(|t| match t {
                Target::Name(n) => Some(n.as_str()),
                Target::Topic(..) => None,
            })
            .collect();
        assert_eq!(names, ["ops-alarms"]);
    }
}
