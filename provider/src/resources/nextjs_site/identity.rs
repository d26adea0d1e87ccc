//! The identity of a `nextstack_nextjs_site`: where its assets live (a bucket and a prefix in one region), and
//! the role assumed to reach the bucket's account. The manifests of its builds are kept under that prefix.

use serde::{Deserialize, Serialize};
use tfplugin_framework::{IdentityAttribute, IdentitySchema, Type};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextjsSiteIdentity {
    pub assets_bucket: String,
    /// Empty for a site at the bucket's root.
    pub assets_prefix: String,
    pub region: Option<String>,
    pub role_arn: Option<String>,
}

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema::new()
        .attribute(IdentityAttribute::required("assets_bucket", Type::String).description("The assets bucket's name."))
        .attribute(
            IdentityAttribute::required("assets_prefix", Type::String)
                .description("The key prefix of the assets, without slashes at either end; empty for the bucket's root."),
        )
        .attribute(
            IdentityAttribute::optional("region", Type::String)
                .description("The bucket's region. Default on import: the provider's region."),
        )
        .attribute(IdentityAttribute::optional("role_arn", Type::String).description(
            "The role assumed to reach the bucket's account; null for the provider's own credentials. A role whose trust policy needs an external id is imported by id (`BUCKET/PREFIX@ROLE_ARN|EXTERNAL_ID`) instead.",
        ))
}
