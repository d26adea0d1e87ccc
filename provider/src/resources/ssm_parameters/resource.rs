//! `resource "nextstack_ssm_parameters"`: publishes a map of parameters under a
//! path prefix, one parameter per key. Applies write only what changed, refresh
//! reports drift, destroy removes exactly the parameters it manages.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ssm::types::ParameterType;
use serde::{Deserialize, Serialize};
use tfplugin_framework::{
    ApplyError, Attribute, AttributePath, Block, Change, Ctx, Diagnostic, Diagnostics, IdentitySchema, Plan, Refreshed,
    Resource, Schema, Type, Value,
};

use futures::stream::{self, StreamExt};
use tfplugin_framework::validators::{MapKeys, StringCheck};

use super::core::{
    delete_all, get_by_names, get_by_path, list_tags, put_all, read_tags, split_values, tag, untag, Put, TagsUnread,
    CONCURRENCY,
};
use super::identity::{identity_schema, SsmParametersIdentity};
use crate::aws::{common_tags, observed_tags, Aws, Clients, TagChanges, Target};
use crate::resources::target;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    pub id: Option<String>,
    pub path_prefix: String,
    pub values: Option<BTreeMap<String, String>>,
    pub secure_values: Option<BTreeMap<String, String>>,
    pub secure_values_wo: Option<BTreeMap<String, String>>,
    pub secure_values_wo_version: Option<i64>,
    pub kms_key_id: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub overwrite: Option<bool>,
    #[serde(flatten)]
    pub target: Target,
    /// Every parameter this resource manages, by full name.
    pub names: Option<BTreeSet<String>>,
}

/// Where a key's value comes from; decides its SSM type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Values,
    SecureValues,
    WriteOnly,
}

impl Source {
    fn attribute(self) -> &'static str {
        match self {
            Source::Values => "values",
            Source::SecureValues => "secure_values",
            Source::WriteOnly => "secure_values_wo",
        }
    }
    fn kind(self) -> ParameterType {
        match self {
            Source::Values => ParameterType::String,
            _ => ParameterType::SecureString,
        }
    }
}

impl Model {
    fn full_name(&self, key: &str) -> String {
        format!("{}{}", self.path_prefix, key)
    }

    fn tags(&self) -> BTreeMap<String, String> {
        self.tags.clone().unwrap_or_default()
    }

    /// Every desired parameter: (full name, source, value). Write-only values
    /// exist only in configuration, so `wo` supplies them.
    fn desired<'a>(&'a self, wo: Option<&'a BTreeMap<String, String>>) -> Vec<(String, Source, &'a str)> {
        let mut out = Vec::new();
        for (source, map) in [
            (Source::Values, self.values.as_ref()),
            (Source::SecureValues, self.secure_values.as_ref()),
            (Source::WriteOnly, wo),
        ] {
            for (k, v) in map.into_iter().flatten() {
                out.push((self.full_name(k), source, v.as_str()));
            }
        }
        out
    }
}

fn key_paths(config: &Value) -> Vec<(Source, String)> {
    let mut out = Vec::new();
    for source in [Source::Values, Source::SecureValues, Source::WriteOnly] {
        if let Some(m) = config.attr(source.attribute()).as_object() {
            out.extend(m.keys().map(|k| (source, k.clone())));
        }
    }
    out
}

/// `path_prefix` starts and ends with `/`: the parameters' full names are the prefix and their keys.
fn path_prefix() -> StringCheck {
    StringCheck::new("Invalid path_prefix", |prefix| {
        if prefix.starts_with('/') && prefix.ends_with('/') {
            Ok(())
        } else {
            Err(format!(
                "path_prefix {prefix:?} must start and end with \"/\", e.g. \"/app/prod/\"."
            ))
        }
    })
}

/// A key of `values`, `secure_values` or `secure_values_wo`: the rest of a parameter name after the prefix.
fn parameter_key() -> StringCheck {
    StringCheck::new("Invalid parameter key", |key| {
        let valid = !key.is_empty()
            && !key.starts_with('/')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
        if valid {
            Ok(())
        } else {
            Err(format!(
                "Key {key:?} must be non-empty, not start with \"/\", and use only letters, digits and _ . - /."
            ))
        }
    })
}

pub struct SsmParametersResource;

#[async_trait]
impl Resource for SsmParametersResource {
    type Model = Model;
    type Identity = SsmParametersIdentity;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "ssm_parameters"
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "Publishes a map of SSM parameters under a path prefix, one parameter per key, in any region or account.",
        )
        .attribute(Attribute::new("id", Type::String).computed().use_state_for_unknown().description("The path prefix."))
        .attribute(
            Attribute::new("path_prefix", Type::String)
                .required()
                .requires_replace()
                .validator(path_prefix())
                .description("Prefix of every parameter name. Must start and end with `/`, e.g. `/nextstack/prod/data/`. Changing it replaces the resource (the old parameters are deleted, the new ones created)."),
        )
        .attribute(Attribute::new("values", Type::map(Type::String)).optional().validator(MapKeys::new(parameter_key())).description("Key to value, written as `String` parameters."))
        .attribute(
            Attribute::new("secure_values", Type::map(Type::String))
                .optional()
                .sensitive()
                .validator(MapKeys::new(parameter_key()))
                .description("Key to value, written as `SecureString` parameters. Stored in state (sensitive); prefer `secure_values_wo` on Terraform >= 1.11."),
        )
        .attribute(
            Attribute::new("secure_values_wo", Type::map(Type::String))
                .optional()
                .sensitive()
                .write_only()
                .validator(MapKeys::new(parameter_key()))
                .description("Key to value, written as `SecureString` parameters and never stored in plan or state. Needs Terraform >= 1.11; older versions stop at plan with `Write-only attribute needs Terraform 1.11 or later`. Sent on create, for keys not yet managed, when `secure_values_wo_version` changes, when `kms_key_id` changes, and for a parameter that was deleted outside Terraform."),
        )
        .attribute(
            Attribute::new("secure_values_wo_version", Type::Number)
                .optional()
                .description("Any number; change it to send `secure_values_wo` again (Terraform cannot see changes to write-only values)."),
        )
        .attribute(Attribute::new("kms_key_id", Type::String).optional().description("KMS key (ID, ARN or alias) for the `SecureString` parameters. Default: the AWS managed key `alias/aws/ssm`. Changing it rewrites every `SecureString` parameter with the new key."))
        .attribute(Attribute::new("tags", Type::map(Type::String)).optional().description("Tags put on every parameter. Changes are applied in place; removed tag keys are removed."))
        .attribute(
            Attribute::new("overwrite", Type::Bool)
                .default_value(false)
                .description("Take over parameters that already exist but are not managed here. Default `false`: such a parameter is an error that names it."),
        )
        .attribute(
            Attribute::new("names", Type::set(Type::String))
                .computed()
                .description("Full names of every parameter this resource manages. Known at plan time (whenever the keys are), so a consumer in the same configuration can use it, e.g. as the `names` of a data source."),
        );
        for a in target::attributes(true) {
            block = block.attribute(a);
        }
        Schema::new(block)
    }

    /// The checks of single attributes are validators on them (see `schema`); a key given in two of the maps
    /// needs the three together.
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let mut seen: BTreeMap<String, Source> = BTreeMap::new();
        for (source, key) in key_paths(config) {
            if let Some(other) = seen.insert(key.clone(), source) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate parameter key",
                        format!(
                            "Key {key:?} appears in both {} and {}.",
                            other.attribute(),
                            source.attribute()
                        ),
                    )
                    .at(AttributePath::root(source.attribute()).key(&key)),
                );
            }
        }
        diags
    }

    /// The managed names are known at plan time whenever the keys are, so a
    /// missing parameter (drift) or a new key shows up as a change of `names`.
    async fn modify_plan(&self, _ctx: Ctx<'_, Aws>, plan: &mut Plan) -> Diagnostics {
        let Some(prefix) = plan.config.attr("path_prefix").as_str().map(str::to_string) else {
            return Diagnostics::new();
        };
        let maps = ["values", "secure_values", "secure_values_wo"].map(|a| plan.config.attr(a).clone());
        if maps.iter().any(Value::is_unknown) {
            plan.set_unknown("names");
            return Diagnostics::new();
        }
        let names: BTreeSet<String> = maps
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|m| m.keys().map(|k| format!("{prefix}{k}")))
            .collect();
        plan.set("names", Value::Set(names.into_iter().map(Value::String).collect()));
        plan.set("id", Value::String(prefix));
        Diagnostics::new()
    }

    async fn create(&self, ctx: Ctx<'_, Aws>, planned: Model, config: Model) -> Result<Model, ApplyError<Model>> {
        let clients = ctx.data.clients(&planned.target).await?;
        let desired = planned.desired(config.secure_values_wo.as_ref());
        let names: Vec<String> = desired.iter().map(|(n, _, _)| n.clone()).collect();
        let overwrite = planned.overwrite.unwrap_or(false);
        if !overwrite {
            refuse_unmanaged(&clients, &planned, &names).await?;
        }
        let puts = desired
            .iter()
            .map(|(name, source, value)| Put {
                name: name.clone(),
                value: value.to_string(),
                kind: source.kind(),
                overwrite,
            })
            .collect();
        let (written, error) = put_all(&clients, puts, planned.kms_key_id.as_deref(), &planned.tags()).await;
        if let Some(error) = error {
            // Leave nothing behind: remove what this create wrote before failing.
            if !overwrite {
                if let Err(cleanup) = delete_all(&clients, &written).await {
                    return Err(Diagnostics(vec![error, cleanup]).into());
                }
            }
            return Err(error.into());
        }
        Ok(Model {
            id: Some(planned.path_prefix.clone()),
            names: Some(names.into_iter().collect()),
            target: Target {
                region: Some(clients.region.clone()),
                ..planned.target.clone()
            },
            ..planned
        })
    }

    async fn read(&self, ctx: Ctx<'_, Aws>, state: Model) -> Result<Option<Model>, Diagnostics> {
        Ok(self.refresh(ctx, state).await?.state)
    }

    async fn refresh(&self, ctx: Ctx<'_, Aws>, mut state: Model) -> Result<Refreshed<Model>, Diagnostics> {
        let mut warnings = Diagnostics::new();
        let clients = ctx.data.clients(&state.target).await?;
        let names: Vec<String> = state.names.iter().flatten().cloned().collect();
        if names.is_empty() {
            return Ok(Refreshed {
                state: Some(state),
                warnings,
            });
        }
        let found = get_by_names(&clients, &names, true).await?;
        let actual: BTreeMap<&str, &super::core::Parameter> =
            found.parameters.iter().map(|p| (p.name.as_str(), p)).collect();
        if !found.missing.is_empty() {
            tracing::info!(
                missing = found.missing.len(),
                "managed SSM parameters were deleted outside Terraform"
            );
        }
        let prefix = state.path_prefix.clone();
        let refresh = |map: &mut Option<BTreeMap<String, String>>, secure: bool| {
            if let Some(map) = map {
                map.retain(|k, v| match actual.get(format!("{prefix}{k}").as_str()) {
                    Some(p) if p.is_secure() == secure => {
                        v.clone_from(&p.value);
                        true
                    }
                    _ => false,
                });
            }
        };
        refresh(&mut state.values, false);
        refresh(&mut state.secure_values, true);
        let present: Vec<String> = actual.keys().map(|n| n.to_string()).collect();
        // A tag changed or added on any one parameter shows as drift of `tags`. A role allowed to read the
        // values but not the tags (ssm:ListTagsForResource is a separate IAM action) still refreshes: the
        // values are what the stack depends on, and the state's tags stay as they were, with a warning.
        match read_tags(&clients, &present).await {
            Ok(all) => {
                let tags = observed_tags(&state.tags(), &all);
                if tags != state.tags() {
                    state.tags = Some(tags);
                }
            }
            Err(TagsUnread::Denied { name, detail }) => warnings.push(Diagnostic::warning(
                "Tags of SSM parameters not refreshed",
                format!(
                    "ssm:ListTagsForResource was denied on SSM parameter {name} in {} ({detail}). The tags in state \
                     are kept, so tags changed outside Terraform are not seen until the role may read them.",
                    clients.place()
                ),
            )),
            Err(TagsUnread::Failed(d)) => return Err(d.into()),
        }
        state.names = Some(present.into_iter().collect());
        Ok(Refreshed {
            state: Some(state),
            warnings,
        })
    }

    async fn update(&self, ctx: Ctx<'_, Aws>, change: Change<Model>) -> Result<Model, ApplyError<Model>> {
        let Change { prior, planned, config } = change;
        let clients = ctx.data.clients(&planned.target).await?;
        let prior_names = prior.names.clone().unwrap_or_default();
        let desired = planned.desired(config.secure_values_wo.as_ref());
        let wanted: BTreeSet<String> = desired.iter().map(|(n, _, _)| n.clone()).collect();
        let resend_secure = prior.kms_key_id != planned.kms_key_id;
        let resend_wo = prior.secure_values_wo_version != planned.secure_values_wo_version;
        let prior_value = |source: Source, name: &str| -> Option<&String> {
            let key = name.strip_prefix(&prior.path_prefix)?;
            match source {
                Source::Values => prior.values.as_ref()?.get(key),
                Source::SecureValues => prior.secure_values.as_ref()?.get(key),
                Source::WriteOnly => None,
            }
        };
        let overwrite = planned.overwrite.unwrap_or(false);
        let new_names: Vec<String> = wanted.difference(&prior_names).cloned().collect();
        if !overwrite {
            refuse_unmanaged(&clients, &planned, &new_names).await?;
        }
        let puts: Vec<Put> = desired
            .iter()
            .filter(|(name, source, value)| {
                let is_new = !prior_names.contains(name);
                let changed = match source {
                    Source::WriteOnly => resend_wo,
                    _ => prior_value(*source, name).map(String::as_str) != Some(*value),
                };
                is_new || changed || (resend_secure && *source != Source::Values)
            })
            .map(|(name, source, value)| Put {
                name: name.clone(),
                value: value.to_string(),
                kind: source.kind(),
                overwrite: overwrite || prior_names.contains(name),
            })
            .collect();
        tracing::debug!(puts = puts.len(), "updating SSM parameters");
        let tags = planned.tags();
        let (_, error) = put_all(&clients, puts, planned.kms_key_id.as_deref(), &tags).await;
        let mut diags = Diagnostics::new();
        if let Some(e) = error {
            diags.push(e);
        }
        // Tags of parameters that stay: write changed ones, remove dropped ones.
        let changes = TagChanges::between(&prior.tags(), &tags);
        if !changes.is_empty() {
            diags.extend(retag_all(&clients, wanted.intersection(&prior_names).cloned().collect(), &changes).await);
        }
        let stale: Vec<String> = prior_names.difference(&wanted).cloned().collect();
        if let Err(e) = delete_all(&clients, &stale).await {
            diags.push(e);
        }
        let new_state = Model {
            id: Some(planned.path_prefix.clone()),
            names: Some(wanted),
            ..planned
        };
        if diags.has_errors() {
            // Some writes failed: keep what is known so the next plan repairs the rest.
            let mut partial = prior;
            partial.names = Some(prior_names);
            return Err(ApplyError::keep(partial, diags));
        }
        Ok(new_state)
    }

    async fn delete(&self, ctx: Ctx<'_, Aws>, state: Model) -> Result<(), Diagnostics> {
        let clients = ctx.data.clients(&state.target).await?;
        let names: Vec<String> = state.names.into_iter().flatten().collect();
        delete_all(&clients, &names).await?;
        Ok(())
    }

    /// Import id: `[REGION:]PATH_PREFIX[@ROLE_ARN[|EXTERNAL_ID]]`, e.g. `eu-west-1:/app/prod/data/` or
    /// `eu-west-1:/shared/@arn:aws:iam::111111111111:role/reader` for another account.
    async fn import(&self, ctx: Ctx<'_, Aws>, id: &str) -> Result<Model, Diagnostics> {
        let (location, role_arn, external_id) = target::split_import_id(id);
        let (region, prefix) = match location.split_once(':') {
            Some((region, prefix)) => (Some(region.to_string()), prefix.to_string()),
            None => (None, location.to_string()),
        };
        let target = Target {
            region,
            role_arn,
            external_id,
        };
        import_at(ctx, prefix, target, "import id").await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity_schema())
    }

    fn identity(&self, state: &Model) -> Option<SsmParametersIdentity> {
        Some(SsmParametersIdentity {
            path_prefix: state.path_prefix.clone(),
            region: Some(state.target.region.clone()?),
            role_arn: state.target.role_arn.clone(),
        })
    }

    async fn import_by_identity(
        &self,
        ctx: Ctx<'_, Aws>,
        identity: SsmParametersIdentity,
    ) -> Result<Model, Diagnostics> {
        let target = Target {
            region: identity.region,
            role_arn: identity.role_arn,
            external_id: None,
        };
        import_at(ctx, identity.path_prefix, target, "import identity").await
    }
}

/// The parameters under a prefix, as state; `given` names what the prefix and target came from, for errors.
async fn import_at(ctx: Ctx<'_, Aws>, prefix: String, target: Target, given: &str) -> Result<Model, Diagnostics> {
    if !prefix.starts_with('/') || !prefix.ends_with('/') {
        return Err(Diagnostic::error(
            format!("Invalid {given}"),
            format!(
                "Expected [REGION:]PATH_PREFIX[@ROLE_ARN[|EXTERNAL_ID]] with a prefix that starts and ends with \"/\", got {prefix:?}."
            ),
        )
        .into());
    }
    if let Some(Err(e)) = target.role_arn.as_deref().map(target::check_role_arn) {
        return Err(Diagnostic::error(format!("Invalid {given}"), e).into());
    }
    let clients = ctx.data.clients(&target).await?;
    let parameters = get_by_path(&clients, &prefix, true, true).await?;
    if parameters.is_empty() {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!("No SSM parameters exist under {prefix} in {}.", clients.place()),
        )
        .into());
    }
    let (values, secure) = split_values(&parameters, |name| {
        name.strip_prefix(prefix.as_str()).unwrap_or(name).to_string()
    });
    let names: Vec<String> = parameters.iter().map(|p| p.name.clone()).collect();
    // Only the tags all parameters share: a configured tag that some lack shows in the first plan.
    let tags = common_tags(&list_tags(&clients, &names).await?);
    Ok(Model {
        id: Some(prefix.clone()),
        names: Some(names.into_iter().collect()),
        path_prefix: prefix,
        values: Some(values).filter(|m| !m.is_empty()),
        secure_values: Some(secure).filter(|m| !m.is_empty()),
        secure_values_wo: None,
        secure_values_wo_version: None,
        kms_key_id: None,
        tags: Some(tags).filter(|t| !t.is_empty()),
        overwrite: Some(false),
        target: Target {
            region: Some(clients.region.clone()),
            ..target
        },
    })
}

/// Applies a tag change to every parameter in `names`, several at a time.
async fn retag_all(clients: &Clients, names: Vec<String>, changes: &TagChanges) -> Diagnostics {
    let removed: Vec<String> = changes.removed.keys().cloned().collect();
    let results: Vec<Vec<Diagnostic>> = stream::iter(names)
        .map(|name| {
            let removed = &removed;
            async move {
                let mut errors = Vec::new();
                if !changes.changed.is_empty() {
                    errors.extend(tag(clients, &name, &changes.changed).await.err());
                }
                if !removed.is_empty() {
                    errors.extend(untag(clients, &name, removed).await.err());
                }
                errors
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    Diagnostics(results.into_iter().flatten().collect())
}

/// Fails, naming them, if any of `names` already exists outside this resource.
async fn refuse_unmanaged(clients: &Clients, model: &Model, names: &[String]) -> Result<(), Diagnostics> {
    if names.is_empty() {
        return Ok(());
    }
    let found = get_by_names(clients, names, false).await?;
    if found.parameters.is_empty() {
        return Ok(());
    }
    let mut diags = Diagnostics::new();
    for p in &found.parameters {
        let key = p.name.strip_prefix(&model.path_prefix).unwrap_or(&p.name);
        let source = [Source::Values, Source::SecureValues, Source::WriteOnly]
            .into_iter()
            .find(|s| match s {
                Source::Values => model.values.as_ref().is_some_and(|m| m.contains_key(key)),
                Source::SecureValues => model.secure_values.as_ref().is_some_and(|m| m.contains_key(key)),
                Source::WriteOnly => true,
            })
            .unwrap_or(Source::Values);
        diags.push(
            Diagnostic::error(
                "SSM parameter already exists",
                format!(
                    "Parameter {} already exists in {} and is not managed by this resource. Set overwrite = true to take it over, or import it.",
                    p.name,
                    clients.place()
                ),
            )
            .at(AttributePath::root(source.attribute()).key(key)),
        );
    }
    Err(diags)
}

#[cfg(test)]
mod tests {
    use super::super::list::{ListConfig, SsmParametersList};
    use super::super::query::{self, QueryModel};
    use super::*;
    use crate::resources::{triple, validation_problems};
    use tfplugin_framework::schema::model_mismatches;
    use tfplugin_framework::ListResource;

    /// The wording and paths of the attribute validators, and the duplicate key check that needs every map.
    #[test]
    fn bad_input_is_refused_naming_the_attribute() {
        let resource = SsmParametersResource;
        let found = validation_problems(
            &resource.schema(),
            |c| resource.validate(c),
            serde_json::json!({
                "path_prefix": "no-slash",
                "values": {"ok": "1", "/lead": "2"},
                "secure_values": {"ok": "3", "": "4"},
            }),
        );
        assert_eq!(
            found,
            [
                triple(
                    "Invalid path_prefix",
                    r#"path_prefix "no-slash" must start and end with "/", e.g. "/app/prod/"."#,
                    "path_prefix"
                ),
                triple(
                    "Invalid parameter key",
                    r#"Key "/lead" must be non-empty, not start with "/", and use only letters, digits and _ . - /."#,
                    r#"values["/lead"]"#
                ),
                triple(
                    "Invalid parameter key",
                    r#"Key "" must be non-empty, not start with "/", and use only letters, digits and _ . - /."#,
                    r#"secure_values[""]"#
                ),
                triple(
                    "Duplicate parameter key",
                    r#"Key "ok" appears in both values and secure_values."#,
                    r#"secure_values["ok"]"#
                ),
            ]
        );
    }

    #[test]
    fn bad_reads_and_lists_are_refused_naming_the_attribute() {
        let found = validation_problems(
            &query::schema(""),
            query::validate,
            serde_json::json!({"names": ["/a", ""], "path": "app/"}),
        );
        assert_eq!(
            found,
            [
                triple("Empty parameter name", "Parameter names cannot be empty.", "names[1]"),
                triple(
                    "Invalid path",
                    r#"The path "app/" must start with "/", e.g. "/app/prod/"."#,
                    "path"
                ),
                triple("Conflicting arguments", "Set `names` or `path`, not both.", "path"),
            ]
        );
        let found = validation_problems(
            &SsmParametersList.schema(),
            |c| SsmParametersList.validate(c),
            serde_json::json!({"path": "app"}),
        );
        assert_eq!(
            found,
            [triple(
                "Invalid path",
                r#"path "app" must start and end with "/"."#,
                "path"
            )]
        );
    }

    fn full_target() -> Target {
        Target {
            region: Some("eu-west-1".into()),
            role_arn: Some("arn:aws:iam::111111111111:role/publisher".into()),
            external_id: Some("x".into()),
        }
    }

    /// Every field set: a field of the model that the schema lacks (or the reverse) fails here instead of
    /// being dropped on the way to Terraform.
    #[test]
    fn model_matches_schema() {
        let map = || Some(BTreeMap::from([("db/host".to_string(), "h".to_string())]));
        let model = Model {
            id: Some("/app/prod/".into()),
            path_prefix: "/app/prod/".into(),
            values: map(),
            secure_values: map(),
            secure_values_wo: map(),
            secure_values_wo_version: Some(1),
            kms_key_id: Some("alias/aws/ssm".into()),
            tags: map(),
            overwrite: Some(false),
            target: full_target(),
            names: Some(BTreeSet::from(["/app/prod/db/host".to_string()])),
        };
        let json = serde_json::to_value(&model).unwrap();
        assert_eq!(
            model_mismatches(&SsmParametersResource.schema().value_type(), &json),
            Vec::<String>::new()
        );
    }

    /// The data source and ephemeral resource share `QueryModel`; the list resource reads `ListConfig`.
    #[test]
    fn query_and_list_models_match_their_schemas() {
        let read = QueryModel {
            id: Some("/app/".into()),
            names: Some(BTreeSet::from(["/app/a".to_string()])),
            path: Some("/app/".into()),
            recursive: Some(true),
            with_decryption: Some(true),
            target: full_target(),
            values: Some(BTreeMap::from([("/app/a".to_string(), "1".to_string())])),
            secure_values: Some(BTreeMap::from([("/app/b".to_string(), "2".to_string())])),
        };
        let json = serde_json::to_value(&read).unwrap();
        assert_eq!(
            model_mismatches(&query::schema("").value_type(), &json),
            Vec::<String>::new()
        );
        let list = ListConfig {
            path: "/app/".into(),
            target: full_target(),
        };
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(
            model_mismatches(&SsmParametersList.schema().value_type(), &json),
            Vec::<String>::new()
        );
    }
}
