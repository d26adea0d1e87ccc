//! `moved { from = aws_route53_record.x  to = nextstack_dns_alias.x }`: the hashicorp/aws state of one alias
//! A record mapped onto this resource (one name, `ipv6 = false`), so the record is adopted, not rewritten.
//!
//! Only a plain alias A record maps one to one. Refused, naming the attribute: a record that is not an alias
//! (`records`, `ttl`), another type (`type`: an AAAA alias pairs with the A one, see the migration guide), and
//! anything this resource never writes (`set_identifier` with its routing policies, `health_check_id`,
//! `multivalue_answer_routing_policy`).

use serde::Deserialize;
use tfplugin_framework::{Diagnostic, Diagnostics, MoveSource, SourceState};

use super::{record_key, resource_id, AliasTarget, Model};
use crate::aws::route53::bare_zone_id;
use aws_sdk_route53::types::RrType;

pub const SOURCES: &[MoveSource] = &[MoveSource {
    provider: "hashicorp/aws",
    type_name: "aws_route53_record",
}];

/// The schema version of `aws_route53_record` this mapping was written against (hashicorp/aws 5.x).
const SOURCE_VERSION: i64 = 2;

const ROUTING_POLICIES: [&str; 6] = [
    "cidr_routing_policy",
    "failover_routing_policy",
    "geolocation_routing_policy",
    "geoproximity_routing_policy",
    "latency_routing_policy",
    "weighted_routing_policy",
];

#[derive(Deserialize)]
struct AwsRecord {
    zone_id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    r#type: Option<String>,
    records: Option<Vec<String>>,
    ttl: Option<serde_json::Value>,
    set_identifier: Option<String>,
    health_check_id: Option<String>,
    multivalue_answer_routing_policy: Option<bool>,
    alias: Option<Vec<Alias>>,
}

#[derive(Deserialize)]
struct Alias {
    name: Option<String>,
    zone_id: Option<String>,
    evaluate_target_health: Option<bool>,
}

fn refused(attribute: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot move this aws_route53_record",
        format!(
            "aws_route53_record.{attribute} {why} nextstack_dns_alias only manages plain alias A/AAAA records; keep this \
             record in hashicorp/aws (remove the `moved` block)."
        ),
    )
}

/// The nextstack state of the alias record `source` describes, or errors naming what cannot be moved.
pub fn from_aws(source: &SourceState) -> Result<Model, Diagnostics> {
    if source.schema_version > SOURCE_VERSION {
        return Err(Diagnostic::error(
            "Unknown aws_route53_record state version",
            format!(
                "The state was written with schema version {}; this provider maps versions up to {SOURCE_VERSION} \
                 (hashicorp/aws 5.x). Upgrade the provider, or import the names instead.",
                source.schema_version
            ),
        )
        .into());
    }
    let aws: AwsRecord = serde_json::from_value(source.state.clone()).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable aws_route53_record state",
            format!("The state does not have the shape of hashicorp/aws 5.x: {e}."),
        ))
    })?;
    let mut diags = Diagnostics::new();
    let ty = aws.r#type.clone().unwrap_or_default();
    if ty != "A" {
        diags.push(refused(
            "type",
            &format!(
                "is {ty:?}: only the A record of an alias moves (nextstack_dns_alias always writes A); drop an AAAA twin \
                 from state with a `removed` block and set `ipv6 = true`."
            ),
        ));
    }
    if aws.records.as_ref().is_some_and(|r| !r.is_empty()) {
        diags.push(refused("records", "is set: this is not an alias record."));
    }
    // hashicorp/aws stores an alias record's unset ttl as 0 or null.
    if aws
        .ttl
        .as_ref()
        .is_some_and(|t| !t.is_null() && t.as_f64() != Some(0.0))
    {
        diags.push(refused("ttl", "is set: this is not an alias record."));
    }
    if aws.set_identifier.as_deref().is_some_and(|s| !s.is_empty()) {
        diags.push(refused(
            "set_identifier",
            "is set: routing policies are not managed here.",
        ));
    }
    for policy in ROUTING_POLICIES {
        if source
            .state
            .get(policy)
            .and_then(|v| v.as_array())
            .is_some_and(|v| !v.is_empty())
        {
            diags.push(refused(policy, "is set: routing policies are not managed here."));
        }
    }
    if aws.health_check_id.as_deref().is_some_and(|s| !s.is_empty()) {
        diags.push(refused(
            "health_check_id",
            "is set: health checks are not managed here.",
        ));
    }
    if aws.multivalue_answer_routing_policy == Some(true) {
        diags.push(refused(
            "multivalue_answer_routing_policy",
            "is true: routing policies are not managed here.",
        ));
    }
    let alias = aws.alias.unwrap_or_default().into_iter().next();
    let target = match alias {
        Some(Alias {
            name: Some(dns_name),
            zone_id: Some(hosted_zone_id),
            evaluate_target_health,
        }) => Some(AliasTarget {
            dns_name: dns_name.trim_end_matches('.').to_string(),
            hosted_zone_id,
            evaluate_target_health: Some(evaluate_target_health.unwrap_or(false)),
        }),
        _ => {
            diags.push(refused("alias", "is empty: this is not an alias record."));
            None
        }
    };
    let (Some(zone_id), Some(name)) = (
        aws.zone_id.filter(|z| !z.is_empty()),
        aws.name.filter(|n| !n.is_empty()),
    ) else {
        diags.push(refused("zone_id", "or name is missing: the record was never created."));
        return Err(diags);
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let name = name.trim_end_matches('.').to_string();
    let names = std::iter::once(name.clone()).collect();
    Ok(Model {
        id: Some(resource_id(&zone_id, [&name])),
        hosted_zone_id: bare_zone_id(&zone_id).to_string(),
        role_arn: None,
        external_id: None,
        names,
        target,
        ipv6: Some(false),
        allow_overwrite: Some(false),
        records: Some(std::iter::once(record_key(&name, &RrType::A)).collect()),
    })
}
