//! The identity of a `nextstack_acm_certificate`: its ARN (which names the region and account), and the role
//! the provider assumes to reach that account (none: the provider's own credentials).

use serde::{Deserialize, Serialize};
use tfplugin_framework::{IdentityAttribute, IdentitySchema, Type};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcmCertificateIdentity {
    pub arn: String,
    pub role_arn: Option<String>,
}

pub fn identity_schema() -> IdentitySchema {
    IdentitySchema::new()
        .attribute(
            IdentityAttribute::required("arn", Type::String)
                .description("The certificate's ARN, `arn:aws:acm:REGION:ACCOUNT:certificate/ID`."),
        )
        .attribute(IdentityAttribute::optional("role_arn", Type::String).description(
            "The role assumed to reach the certificate's account; null for the provider's own credentials. A role whose trust policy needs an external id is imported by id (`ARN@ROLE_ARN|EXTERNAL_ID`) instead.",
        ))
}
