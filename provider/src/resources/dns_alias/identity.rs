//! The identity of a `nextstack_dns_alias`: the A/AAAA alias record sets of a set of names in one hosted zone
//! (a zone id is unique across accounts), and the role assumed to reach the zone's account. The record types
//! are not part of it: the resource always owns the A record of each name, and the AAAA one with `ipv6`.

use serde::{Deserialize, Serialize};
use tfplugin_framework::{IdentityAttribute, IdentitySchema, Type};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsAliasIdentity {
    pub hosted_zone_id: String,
    /// Sorted, as the resource stores them.
    pub names: Vec<String>,
    pub role_arn: Option<String>,
}

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema::new()
        .attribute(IdentityAttribute::required("hosted_zone_id", Type::String).description("The hosted zone's id."))
        .attribute(
            IdentityAttribute::required("names", Type::list(Type::String))
                .description("The record names, sorted, as in the resource's `names`."),
        )
        .attribute(IdentityAttribute::optional("role_arn", Type::String).description(
            "The role assumed to reach the zone's account; null for the provider's own credentials. A role whose trust policy needs an external id is imported by id (`ZONE_ID:NAMES@ROLE_ARN|EXTERNAL_ID`) instead.",
        ))
}
