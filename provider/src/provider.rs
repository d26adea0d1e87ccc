//! The `nextstack` provider: its block and what it registers.

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin_framework::data_source::AnyDataSource;
use tfplugin_framework::ephemeral::AnyEphemeralResource;
use tfplugin_framework::list::AnyListResource;
use tfplugin_framework::resource::AnyResource;
use tfplugin_framework::validators::StringCheck;
use tfplugin_framework::Function;
use tfplugin_framework::{
    data_source, ephemeral_resource, list_resource, resource, Attribute, Block, Diagnostics, NestedBlock, Nesting,
    Provider, Schema, Type,
};

use crate::aws::{AssumeRole, Aws, AwsSettings};
use crate::functions::ParseArn;
use crate::resources::dns_alias::DnsAliasList;
use crate::resources::ssm_parameters::{
    SsmParametersDataSource, SsmParametersEphemeral, SsmParametersList, SsmParametersResource,
};
use crate::resources::target::RoleArn;

pub struct NextstackProvider;

#[derive(Debug, Deserialize)]
pub struct Config {
    region: Option<String>,
    profile: Option<String>,
    assume_role: Option<AssumeRoleConfig>,
}

#[derive(Debug, Deserialize)]
struct AssumeRoleConfig {
    role_arn: Option<String>,
    external_id: Option<String>,
    session_name: Option<String>,
}

/// STS AssumeRole's `RoleSessionName`: 2 to 64 characters of `[\w+=,.@-]` (AWS STS API Reference, "AssumeRole").
/// STS would refuse anything else only when first called, after a plan that looked fine.
fn check_session_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if (2..=64).contains(&name.chars().count()) && name.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an STS session name: 2 to 64 letters, digits and +=,.@_- only."
        ))
    }
}

#[async_trait]
impl Provider for NextstackProvider {
    type Config = Config;
    type Data = Aws;

    fn type_name(&self) -> &'static str {
        "nextstack"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Manages the parts of a multi-stack AWS architecture that the AWS provider makes awkward, from one \
                 provider block: SSM parameter discovery across regions and accounts, certificates and alias records \
                 in another account's hosted zone, and publishing Next.js built with OpenNext. Credentials come from \
                 the standard AWS configuration chain (including `AWS_ENDPOINT_URL`).",
            )
            .attribute(Attribute::new("region", Type::String).optional().description("Default region for every resource that does not set its own `region`. Falls back to the `profile`'s region, then `AWS_REGION` / `AWS_DEFAULT_REGION`."))
            .attribute(Attribute::new("profile", Type::String).optional().description("Named profile from the shared AWS configuration files. Its credentials and region take precedence over the `AWS_*` environment variables."))
            .block(NestedBlock::new(
                "assume_role",
                Nesting::Single,
                Block::new("A role to assume for every call; resources may assume further roles with `role_arn`.")
                    .attribute(Attribute::new("role_arn", Type::String).required().validator(RoleArn).description("ARN of the role (`arn:aws:iam::ACCOUNT:role/NAME`); anything else fails at plan."))
                    .attribute(Attribute::new("external_id", Type::String).optional().sensitive().description("External ID the role's trust policy requires."))
                    .attribute(Attribute::new("session_name", Type::String).optional().validator(StringCheck::new("Invalid session name", check_session_name)).description("Session name: 2 to 64 letters, digits and `+=,.@_-`, as STS requires. Default: `terraform-provider-nextstack`.")),
            )),
        )
    }

    async fn configure(&self, config: Config) -> Result<Aws, Diagnostics> {
        // Only remembers the settings: credentials load on the first AWS call.
        Ok(Aws::new(AwsSettings {
            region: config.region,
            profile: config.profile,
            assume_role: config.assume_role.and_then(|r| {
                Some(AssumeRole {
                    role_arn: r.role_arn?,
                    external_id: r.external_id,
                    session_name: r.session_name,
                })
            }),
        }))
    }

    fn resources(&self) -> Vec<Box<dyn AnyResource<Aws>>> {
        vec![
            resource(SsmParametersResource),
            resource(crate::resources::acm_certificate::AcmCertificateResource),
            resource(crate::resources::dns_alias::DnsAliasResource),
            resource(crate::resources::nextjs_site::NextjsSiteResource),
        ]
    }

    fn data_sources(&self) -> Vec<Box<dyn AnyDataSource<Aws>>> {
        vec![
            data_source(SsmParametersDataSource),
            data_source(crate::resources::nextjs_build::NextjsBuildDataSource),
        ]
    }

    fn functions(&self) -> Vec<Box<dyn Function>> {
        vec![Box::new(ParseArn)]
    }

    fn ephemeral_resources(&self) -> Vec<Box<dyn AnyEphemeralResource<Aws>>> {
        vec![ephemeral_resource(SsmParametersEphemeral)]
    }

    /// No list for certificates: an import cannot recover the validation zone, which the configuration
    /// `terraform query -generate-config-out` writes must hold, so it would not plan cleanly.
    fn list_resources(&self) -> Vec<Box<dyn AnyListResource<Aws>>> {
        vec![list_resource(SsmParametersList), list_resource(DnsAliasList)]
    }
}

#[cfg(test)]
mod tests {
    use super::check_session_name;

    #[test]
    fn session_names_follow_sts() {
        for ok in ["ci", "terraform-provider-nextstack", "a.b@c=d,e+f_g", &"x".repeat(64)] {
            assert_eq!(check_session_name(ok), Ok(()), "{ok}");
        }
        for bad in ["x", "has space", "slash/name", &"x".repeat(65)] {
            assert!(
                check_session_name(bad)
                    .unwrap_err()
                    .contains("is not an STS session name"),
                "{bad}"
            );
        }
    }
}
