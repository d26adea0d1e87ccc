//! `list "nextstack_dns_alias"` for `terraform query`: the alias record sets of a hosted zone, one
//! `nextstack_dns_alias` per target (the names that alias the same distribution or load balancer together,
//! as the resource manages them). Only names with an alias A record count: the resource always owns the A
//! record of each name, and the AAAA one when there is one.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_route53::types::RrType;
use serde::{Deserialize, Serialize};
use tfplugin_framework::{Attribute, Block, Ctx, Diagnostic, Diagnostics, ListResource, Listed, Schema, Type};

use super::identity::DnsAliasIdentity;
use super::{plain_dns_name, DnsAliasResource};
use crate::aws::route53::{bare_zone_id, ZoneAccess};
use crate::aws::Aws;
use crate::resources::target;

#[derive(Debug, Serialize, Deserialize)]
pub struct ListConfig {
    pub hosted_zone_id: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

pub struct DnsAliasList;

#[async_trait]
impl ListResource for DnsAliasList {
    type Resource = DnsAliasResource;
    type Config = ListConfig;

    fn name(&self) -> &'static str {
        "dns_alias"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Finds the alias A record sets of a hosted zone, grouped by target: one `nextstack_dns_alias` per target.")
                .attribute(Attribute::new("hosted_zone_id", Type::String).required().description("The hosted zone to look in."))
                .attribute(Attribute::new("role_arn", Type::String).optional().validator(target::RoleArn).description(
                    "Role to assume for Route53 in the zone's account. Default: the provider's credentials.",
                ))
                .attribute(
                    Attribute::new("external_id", Type::String)
                        .optional()
                        .sensitive()
                        .description("External ID that the trust policy of `role_arn` requires, if any (listing only: the results' identities do not carry it)."),
                ),
        )
    }

    async fn list(
        &self,
        ctx: Ctx<'_, Aws>,
        config: ListConfig,
        limit: usize,
    ) -> Result<Vec<Listed<DnsAliasIdentity>>, Diagnostics> {
        let dns = ZoneAccess::open(
            ctx.data,
            &config.hosted_zone_id,
            config.role_arn.as_deref(),
            config.external_id.as_deref(),
        )
        .await?;
        let sets = dns
            .all_sets()
            .await?
            .ok_or_else(|| Diagnostic::error("Hosted zone not found", format!("No {} to list.", dns.describe())))?;
        // Target DNS name -> the names aliasing it.
        let mut by_target: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for set in sets.iter().filter(|s| s.r#type() == &RrType::A) {
            if let Some(target) = set.alias_target() {
                by_target
                    .entry(plain_dns_name(target.dns_name()))
                    .or_default()
                    .insert(record_name(set.name()));
            }
        }
        let zone_id = bare_zone_id(&config.hosted_zone_id).to_string();
        Ok(by_target
            .into_iter()
            .take(limit)
            .map(|(target, names)| Listed {
                display_name: format!("{} -> {target}", names.iter().cloned().collect::<Vec<_>>().join(", ")),
                identity: DnsAliasIdentity {
                    hosted_zone_id: zone_id.clone(),
                    names: names.into_iter().collect(),
                    role_arn: config.role_arn.clone(),
                },
            })
            .collect())
    }
}

/// A record set's name as users write it: no final dot, lower case, and a wildcard as `*` (Route53 answers
/// with the octal escape `\052`, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
fn record_name(name: &str) -> String {
    name.trim_end_matches('.').replace("\\052", "*").to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::record_name;

    #[test]
    fn record_names_read_as_written() {
        assert_eq!(record_name("WWW.Example.com."), "www.example.com");
        assert_eq!(record_name("\\052.example.com."), "*.example.com");
    }
}
