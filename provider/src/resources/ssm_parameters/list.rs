//! `list "nextstack_ssm_parameters"` for `terraform query`: the path prefixes under a path that one
//! `nextstack_ssm_parameters` each could manage. A prefix is the parent path of some parameter; a prefix under
//! another one found is left out, since importing the outer one takes its parameters too (their keys hold the
//! rest of the path, e.g. `db/host`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin_framework::validators::StringCheck;
use tfplugin_framework::{Attribute, Block, Ctx, Diagnostics, ListResource, Listed, Schema, Type};

use super::core::get_by_path;
use super::identity::SsmParametersIdentity;
use super::SsmParametersResource;
use crate::aws::{Aws, Target};
use crate::resources::target;

#[derive(Debug, Serialize, Deserialize)]
pub struct ListConfig {
    pub path: String,
    #[serde(flatten)]
    pub target: Target,
}

pub struct SsmParametersList;

#[async_trait]
impl ListResource for SsmParametersList {
    type Resource = SsmParametersResource;
    type Config = ListConfig;

    fn name(&self) -> &'static str {
        "ssm_parameters"
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "Finds the path prefixes under `path` that hold SSM parameters, one `nextstack_ssm_parameters` each (the outermost prefix of nested ones).",
        )
        .attribute(
            Attribute::new("path", Type::String)
                .required()
                .validator(StringCheck::new("Invalid path", |path| {
                    if path.starts_with('/') && path.ends_with('/') {
                        Ok(())
                    } else {
                        Err(format!("path {path:?} must start and end with \"/\"."))
                    }
                }))
                .description("Where to look, e.g. `/app/`; `/` for the whole region. Must start and end with `/`."),
        );
        for a in target::attributes(false) {
            block = block.attribute(a);
        }
        Schema::new(block)
    }

    async fn list(
        &self,
        ctx: Ctx<'_, Aws>,
        config: ListConfig,
        limit: usize,
    ) -> Result<Vec<Listed<SsmParametersIdentity>>, Diagnostics> {
        let clients = ctx.data.clients(&config.target).await?;
        let parameters = get_by_path(&clients, &config.path, true, false).await?;
        let prefixes = outermost(parameters.iter().filter_map(|p| parent(&p.name)));
        Ok(prefixes
            .into_iter()
            .take(limit)
            .map(|prefix| Listed {
                display_name: format!("{prefix} in {}", clients.place()),
                identity: SsmParametersIdentity {
                    path_prefix: prefix,
                    region: Some(clients.region.clone()),
                    role_arn: config.target.role_arn.clone(),
                },
            })
            .collect())
    }
}

/// `/app/db/host` -> `/app/db/`; a parameter at the root (`/x`, or `x` without a slash) has no prefix a
/// resource could manage (a prefix must be more than `/`).
fn parent(name: &str) -> Option<String> {
    let cut = name.rfind('/')?;
    Some(name[..=cut].to_string()).filter(|p| p.len() > 1 && p.starts_with('/'))
}

/// The prefixes that are not under another one of them.
fn outermost(prefixes: impl Iterator<Item = String>) -> Vec<String> {
    let all: BTreeSet<String> = prefixes.collect();
    all.iter()
        .filter(|p| !all.iter().any(|q| q != *p && p.starts_with(q.as_str())))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_prefixes_fold_into_the_outermost() {
        let names = ["/app/prod/a", "/app/prod/db/host", "/app/dev/b", "/top", "/other/x/y"];
        let found = outermost(names.iter().filter_map(|n| parent(n)));
        assert_eq!(found, vec!["/app/dev/", "/app/prod/", "/other/x/"]);
    }
}
