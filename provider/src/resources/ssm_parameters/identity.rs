//! The identity of a `nextstack_ssm_parameters`: the parameters under one path prefix, in one region of one
//! account. The account is named by the role the provider assumes (none: the provider's own account), since
//! finding the account id itself would cost an STS call at every refresh.

use serde::{Deserialize, Serialize};
use tfplugin_framework::{IdentityAttribute, IdentitySchema, Type};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsmParametersIdentity {
    pub path_prefix: String,
    pub region: Option<String>,
    pub role_arn: Option<String>,
}

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema::new()
        .attribute(
            IdentityAttribute::required("path_prefix", Type::String)
                .description("The path prefix the parameters live under, starting and ending with `/`."),
        )
        .attribute(
            IdentityAttribute::optional("region", Type::String)
                .description("The region of the parameters. Default on import: the provider's region."),
        )
        .attribute(IdentityAttribute::optional("role_arn", Type::String).description(
            "The role assumed to reach the parameters' account; null for the provider's own account. A role whose trust policy needs an external id is imported by id (`PREFIX@ROLE_ARN|EXTERNAL_ID`) instead.",
        ))
}
