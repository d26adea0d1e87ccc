//! Where a resource acts: a region and, through a role, an account.

use serde::{Deserialize, Serialize};
use tfplugin_framework::{Attribute, Type};

/// The `region`, `role_arn` and `external_id` every AWS-backed type accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    pub region: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

impl Target {
    /// The three schema attributes. Managed resources are replaced when the
    /// region or account changes, since their objects live there.
    pub fn attributes(managed: bool) -> [Attribute; 3] {
        let region = Attribute::new("region", Type::String)
            .optional()
            .description("AWS region to act in. Default: the provider's region. A managed resource records it in state even when not set, and a change replaces the resource (its objects live in that region).");
        let role_arn = Attribute::new("role_arn", Type::String)
            .optional()
            .description("IAM role to assume, with the provider's credentials, to act in another account. A value that is not a role ARN (`arn:aws:iam::ACCOUNT:role/NAME`) fails at plan. On a managed resource a change replaces the resource.");
        let external_id = Attribute::new("external_id", Type::String)
            .optional()
            .sensitive()
            .description("External ID that the trust policy of `role_arn` requires, if any.");
        if managed {
            [
                region.computed().requires_replace(),
                role_arn.requires_replace(),
                external_id,
            ]
        } else {
            [region, role_arn, external_id]
        }
    }
}
