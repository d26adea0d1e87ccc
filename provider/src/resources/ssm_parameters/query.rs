//! The read side shared by the data source and the ephemeral resource:
//! one schema, one model, one lookup.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tfplugin_framework::validators::{Each, ElementPath, StringCheck};
use tfplugin_framework::{Attribute, AttributePath, Block, Ctx, Diagnostic, Diagnostics, Schema, Type, Value};

use super::core::{get_by_names, get_by_path, split_values};
use crate::aws::{Aws, Target};
use crate::resources::target;

#[derive(Debug, Serialize, Deserialize)]
pub struct QueryModel {
    pub id: Option<String>,
    pub names: Option<BTreeSet<String>>,
    pub path: Option<String>,
    pub recursive: Option<bool>,
    pub with_decryption: Option<bool>,
    #[serde(flatten)]
    pub target: Target,
    pub values: Option<BTreeMap<String, String>>,
    pub secure_values: Option<BTreeMap<String, String>>,
}

pub fn schema(description: &str) -> Schema {
    let mut block = Block::new(description)
        .attribute(Attribute::new("id", Type::String).computed().description("The `path`, or the `names` joined with `,`."))
        .attribute(
            Attribute::new("names", Type::set(Type::String))
                .optional()
                .validator(Each::new(
                    StringCheck::new("Empty parameter name", |n| {
                        if n.is_empty() {
                            Err("Parameter names cannot be empty.".into())
                        } else {
                            Ok(())
                        }
                    }),
                    ElementPath::Index,
                ))
                .description("Full names of the parameters to read. Any number: they are read 10 per `GetParameters` call (SSM's limit), up to 8 calls at a time. Every name must exist; if some do not, one error lists them with the region and account searched. Exactly one of `names` and `path` must be set."),
        )
        .attribute(
            Attribute::new("path", Type::String)
                .optional()
                .validator(StringCheck::new("Invalid path", |p| {
                    if p.starts_with('/') {
                        Ok(())
                    } else {
                        Err(format!("The path {p:?} must start with \"/\", e.g. \"/app/prod/\"."))
                    }
                }))
                .description("Read every parameter under this path, e.g. `/nextstack/prod/`. Must start with `/`. Read with `GetParametersByPath`, following every page. Exactly one of `names` and `path` must be set."),
        )
        .attribute(
            Attribute::new("recursive", Type::Bool)
                .default_value(true)
                .description("With `path`: include parameters in nested paths. Default `true`."),
        )
        .attribute(
            Attribute::new("with_decryption", Type::Bool)
                .default_value(true)
                .description("Decrypt `SecureString` values. Default `true`."),
        )
        .attribute(
            Attribute::new("values", Type::map(Type::String))
                .computed()
                .description("Full parameter name to value, for the `String` and `StringList` parameters read. A `StringList` value is the comma-separated string SSM stores."),
        )
        .attribute(
            Attribute::new("secure_values", Type::map(Type::String))
                .computed()
                .sensitive()
                .description("Full parameter name to value, for the `SecureString` parameters read: plaintext with `with_decryption = true`, as stored otherwise."),
        );
    for a in target::attributes(false) {
        block = block.attribute(a);
    }
    Schema::new(block)
}

/// Whether `names` or `path` is set needs both; each one's own checks are validators on it (see `schema`).
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let names = config.attr("names");
    let path = config.attr("path");
    if names.is_null() && path.is_null() {
        diags.push(
            Diagnostic::error("Nothing to read", "Set either `names` or `path`.").at(AttributePath::root("names")),
        );
    }
    if !names.is_null() && !path.is_null() {
        diags.push(
            Diagnostic::error("Conflicting arguments", "Set `names` or `path`, not both.")
                .at(AttributePath::root("path")),
        );
    }
    diags
}

/// The missing names grouped by the path they live under, one line per path: whatever publishes under a
/// path (in a layout of stacks, `/<app>/<environment>/<stack>/`) has to be applied before this read.
fn missing_by_publisher(missing: &[String]) -> String {
    let mut by_path: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for name in missing {
        let (path, key) = match name.rfind('/') {
            Some(i) if i > 0 => name.split_at(i + 1),
            _ => ("/", name.trim_start_matches('/')),
        };
        by_path.entry(path).or_default().push(key);
    }
    let lines: Vec<String> = by_path
        .iter()
        .map(|(path, keys)| format!("  published under {path}: {}", keys.join(", ")))
        .collect();
    format!("Apply what publishes them first:\n{}", lines.join("\n"))
}

/// Reads what the configuration asks for and fills in the computed attributes.
pub async fn read(ctx: Ctx<'_, Aws>, mut model: QueryModel) -> Result<QueryModel, Diagnostics> {
    let clients = ctx.data.clients(&model.target).await?;
    let decrypt = model.with_decryption.unwrap_or(true);
    let recursive = model.recursive.unwrap_or(true);
    let parameters = match (&model.names, &model.path) {
        (Some(names), _) => {
            let names: Vec<String> = names.iter().cloned().collect();
            let found = get_by_names(&clients, &names, decrypt).await?;
            if !found.missing.is_empty() {
                let account = clients.account_id().await.unwrap_or_else(|_| "unknown".into());
                return Err(Diagnostic::error(
                    "SSM parameters not found",
                    format!(
                        "{} of {} parameters do not exist in {} (account {}): {}\n\n{}",
                        found.missing.len(),
                        names.len(),
                        clients.place(),
                        account,
                        found.missing.join(", "),
                        missing_by_publisher(&found.missing)
                    ),
                )
                .at(AttributePath::root("names"))
                .into());
            }
            model.id = Some(names.join(","));
            found.parameters
        }
        (None, Some(path)) => {
            model.id = Some(path.clone());
            get_by_path(&clients, path, recursive, decrypt).await?
        }
        (None, None) => return Err(validate(&Value::Null)),
    };
    tracing::debug!(count = parameters.len(), region = %clients.region, "read SSM parameters");
    let (values, secure) = split_values(&parameters, str::to_string);
    model.values = Some(values);
    model.secure_values = Some(secure);
    model.recursive = Some(recursive);
    model.with_decryption = Some(decrypt);
    Ok(model)
}

#[cfg(test)]
mod missing_tests {
    use super::missing_by_publisher;

    #[test]
    fn groups_missing_names_by_their_path() {
        let missing = vec![
            "/nextstack/dev/networking/target_group_arn".to_string(),
            "/nextstack/dev/compute/vpc_id".to_string(),
            "/nextstack/dev/networking/alb_security_group_id".to_string(),
            "top-level".to_string(),
        ];
        assert_eq!(
            missing_by_publisher(&missing),
            "Apply what publishes them first:\n  published under /: top-level\n  published under /nextstack/dev/compute/: vpc_id\n  published under /nextstack/dev/networking/: target_group_arn, alb_security_group_id"
        );
    }
}
