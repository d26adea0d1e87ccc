//! The read side shared by the data source and the ephemeral resource:
//! one schema, one model, one lookup.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tfplugin_framework::{Attribute, AttributePath, Block, Ctx, Diagnostic, Diagnostics, Schema, Type, Value};

use super::core::{get_by_names, get_by_path, split_values};
use crate::aws::{Aws, Target};
use crate::resources::role_arn;

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
        .attribute(Attribute::new("id", Type::String).computed().description("The path, or the names read."))
        .attribute(
            Attribute::new("names", Type::set(Type::String))
                .optional()
                .description("Full names of the parameters to read (any number; read ten per call, concurrently). Conflicts with `path`."),
        )
        .attribute(
            Attribute::new("path", Type::String)
                .optional()
                .description("Read every parameter under this path (e.g. `/app/prod/`). Conflicts with `names`."),
        )
        .attribute(
            Attribute::new("recursive", Type::Bool)
                .default_value(true)
                .description("With `path`: include parameters in nested paths. Default `true`."),
        )
        .attribute(
            Attribute::new("with_decryption", Type::Bool)
                .default_value(true)
                .description("Decrypt SecureString values. Default `true`."),
        )
        .attribute(
            Attribute::new("values", Type::map(Type::String))
                .computed()
                .description("String and StringList values, keyed by full parameter name."),
        )
        .attribute(
            Attribute::new("secure_values", Type::map(Type::String))
                .computed()
                .sensitive()
                .description("SecureString values, keyed by full parameter name. Sensitive."),
        );
    for a in Target::attributes(false) {
        block = block.attribute(a);
    }
    Schema::new(block)
}

pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = role_arn::validate(config.attr("role_arn"), AttributePath::root("role_arn"));
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
    if let Some(p) = path.as_str() {
        if !p.starts_with('/') {
            diags.push(
                Diagnostic::error(
                    "Invalid path",
                    format!("The path {p:?} must start with \"/\", e.g. \"/app/prod/\"."),
                )
                .at(AttributePath::root("path")),
            );
        }
    }
    if let Some(elements) = names.as_elements() {
        for (i, n) in elements.iter().enumerate() {
            if n.as_str().is_some_and(str::is_empty) {
                diags.push(
                    Diagnostic::error("Empty parameter name", "Parameter names cannot be empty.")
                        .at(AttributePath::root("names").index(i as i64)),
                );
            }
        }
    }
    diags
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
                        "{} of {} parameters do not exist in {} (account {}): {}",
                        found.missing.len(),
                        names.len(),
                        clients.place(),
                        account,
                        found.missing.join(", ")
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
