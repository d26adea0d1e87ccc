//! The provider as a server, apart from any wire: the registry of types, the configured state, and each call's
//! orchestration (validate, configure, plan, apply, read, import, upgrade, move, list, data source reads and the
//! ephemeral lifecycle) in the framework's own types.
//! The gRPC adapter decodes a request into these types, calls here, and encodes the answer; nothing here knows
//! protobuf, so the orchestration is tested with small fake resources in Rust.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{watch, OnceCell};

use super::dynamic_value::DynamicValue;
use crate::context::{Ctx, StopSignal};
use crate::data_source::AnyDataSource;
use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::ephemeral::AnyEphemeralResource;
use crate::ephemeral::{Opened, Renewed};
use crate::function::Function;
use crate::json::to_model;
use crate::list::AnyListResource;
use crate::provider::Provider;
use crate::resource::{AnyResource, MoveSource, SourceState};
use crate::schema::{Block, Schema};
use crate::value::{Type, Value};

#[cfg(test)]
mod tests;

/// A registered type: its handler and its schema, with the schema's value type worked out once.
pub struct Registered<T: ?Sized> {
    pub handler: Box<T>,
    pub schema: Schema,
    pub ty: Type,
}

/// What a call receives once the provider is configured; lends out the `Ctx`.
pub struct Configured<D> {
    data: Arc<D>,
    stop: StopSignal,
}

impl<D> Configured<D> {
    pub fn ctx(&self) -> Ctx<'_, D> {
        Ctx {
            data: &self.data,
            stop: &self.stop,
        }
    }
}

/// The identity to answer with for a managed resource.
#[derive(Debug, PartialEq)]
pub enum IdentityAnswer {
    /// The resource has no identity (or, on a create's plan, none can be known yet).
    Absent,
    /// The state does not give one yet: answer with what Terraform sent, unchanged.
    KeepGiven,
    /// The identity the state gives, encoded with the identity schema's type.
    Known(DynamicValue),
}

/// A planned change: the state Terraform will show, what forces replacement, and what planning had to say.
#[derive(Debug)]
pub struct PlannedResource {
    pub planned_state: DynamicValue,
    pub identity: IdentityAnswer,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// An applied change: the new state (null after a delete) and what applying had to say.
#[derive(Debug)]
pub struct AppliedResource {
    pub new_state: DynamicValue,
    pub identity: IdentityAnswer,
    pub diagnostics: Diagnostics,
}

/// A refreshed resource: null when it is gone, which removes it from state.
#[derive(Debug)]
pub struct ReadResource {
    pub new_state: DynamicValue,
    pub identity: IdentityAnswer,
    pub warnings: Diagnostics,
}

/// One object a list found: its identity, its display name, and, when asked for, its state and what reading
/// it had to say.
#[derive(Debug)]
pub struct ListedObject {
    pub identity: DynamicValue,
    pub display_name: String,
    pub resource_object: Option<DynamicValue>,
    pub diagnostics: Diagnostics,
}

/// An imported resource's minimal state, which a read completes.
#[derive(Debug)]
pub struct ImportedResource {
    pub state: DynamicValue,
    pub identity: IdentityAnswer,
}

fn register<T: ?Sized>(
    prefix: &str,
    items: Vec<Box<T>>,
    name: impl Fn(&T) -> &'static str,
    schema: impl Fn(&T) -> Schema,
) -> HashMap<String, Registered<T>> {
    items
        .into_iter()
        .map(|handler| {
            let s = schema(&handler);
            let full_name = format!("{prefix}_{}", name(&handler));
            (
                full_name,
                Registered {
                    ty: s.value_type(),
                    schema: s,
                    handler,
                },
            )
        })
        .collect()
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {name:?}."),
    )
    .into()
}

fn not_configured() -> Diagnostics {
    Diagnostic::error(
        "Provider not configured",
        "Terraform called the provider before configuring it. This is a bug in Terraform or the provider.",
    )
    .into()
}

/// A resource's identity: the identity of `state` if the resource has one and the state gives it, else
/// `fallback` (keep what Terraform sent, or nothing).
fn identity_answer<D>(
    r: &Registered<dyn AnyResource<D>>,
    state: &Value,
    fallback: IdentityAnswer,
) -> Result<IdentityAnswer, Diagnostics> {
    let Some(schema) = r.handler.identity_schema() else {
        return Ok(IdentityAnswer::Absent);
    };
    Ok(match r.handler.identity_of(state)? {
        Some(identity) => IdentityAnswer::Known(DynamicValue::encode(&identity, &schema.value_type())),
        None => fallback,
    })
}

/// "hashicorp/aws aws_acm_certificate, ..." for an error that says what a move may start from.
fn accepted(sources: &[MoveSource]) -> String {
    if sources.is_empty() {
        return "no other resource type".to_string();
    }
    sources
        .iter()
        .map(|s| format!("{} {}", s.provider, s.type_name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decodes a configuration for a registered type and runs its attributes' validators and `validate` on it;
/// a lookup or decoding failure is the answer's diagnostics.
fn validate_config<T: ?Sized>(
    found: Result<&Registered<T>, Diagnostics>,
    config: &DynamicValue,
    validate: impl FnOnce(&Registered<T>, &Value) -> Diagnostics,
) -> Diagnostics {
    found
        .and_then(|r| {
            let config = config.decode(&r.ty)?;
            // The validators attached to the schema's attributes first, then the type's own checks.
            let mut diags = r.schema.block.validate(&config, &AttributePath::default());
            diags.extend(validate(r, &config));
            Ok(diags)
        })
        .unwrap_or_else(|d| d)
}

/// Write-only attributes need a Terraform that keeps them out of state (>= 1.11).
fn check_write_only(block: &Block, config: &Value, allowed: bool, at: &AttributePath, diags: &mut Diagnostics) {
    if allowed {
        return;
    }
    for a in block.attributes.iter().filter(|a| a.write_only) {
        if !config.attr(&a.name).is_null() {
            diags.push(
                Diagnostic::error(
                    "Write-only attribute needs Terraform 1.11 or later",
                    format!("{} is write-only: this Terraform would store its value in state. Upgrade Terraform to 1.11+ or use the attribute's stored counterpart.", at.clone().attr(&a.name)),
                )
                .at(at.clone().attr(&a.name)),
            );
        }
    }
    for nb in &block.blocks {
        if let Some(elements) = config.attr(&nb.name).as_object().map(|_| vec![config.attr(&nb.name)]) {
            for e in elements {
                check_write_only(&nb.block, e, allowed, &at.clone().attr(&nb.name), diags);
            }
        }
    }
}

/// The provider's registry and configured state, and the orchestration of every call on them.
pub struct Orchestrator<P: Provider> {
    pub provider: P,
    pub provider_schema: Schema,
    pub resources: HashMap<String, Registered<dyn AnyResource<P::Data>>>,
    pub data_sources: HashMap<String, Registered<dyn AnyDataSource<P::Data>>>,
    pub ephemerals: HashMap<String, Registered<dyn AnyEphemeralResource<P::Data>>>,
    pub lists: HashMap<String, Registered<dyn AnyListResource<P::Data>>>,
    pub functions: HashMap<String, Box<dyn Function>>,
    data: OnceCell<Arc<P::Data>>,
    stop_tx: watch::Sender<bool>,
    stop: StopSignal,
}

impl<P: Provider> Orchestrator<P> {
    pub fn new(provider: P) -> Self {
        let prefix = provider.type_name();
        let resources = register(prefix, provider.resources(), |r| r.name(), |r| r.schema());
        let data_sources = register(prefix, provider.data_sources(), |r| r.name(), |r| r.schema());
        let ephemerals = register(prefix, provider.ephemeral_resources(), |r| r.name(), |r| r.schema());
        let mut lists = register(prefix, provider.list_resources(), |r| r.name(), |r| r.schema());
        // A list answers with its managed resource's identities: without one it cannot work, so it is not offered.
        lists.retain(|name, _| {
            let usable = resources
                .get(name)
                .is_some_and(|r| r.handler.identity_schema().is_some());
            if !usable {
                tracing::warn!(
                    list = name.as_str(),
                    "list resource without a managed resource that has an identity; not offered"
                );
            }
            usable
        });
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f))
            .collect();
        let (stop_tx, stop) = StopSignal::new();
        Orchestrator {
            provider_schema: provider.schema(),
            provider,
            resources,
            data_sources,
            ephemerals,
            lists,
            functions,
            data: OnceCell::new(),
            stop_tx,
            stop,
        }
    }

    /// The configured provider's data and the stop signal; an error before `configure`.
    pub fn configured(&self) -> Result<Configured<P::Data>, Diagnostics> {
        let data = self.data.get().cloned().ok_or_else(not_configured)?;
        Ok(Configured {
            data,
            stop: self.stop.clone(),
        })
    }

    /// Asks every running call to stop early (Terraform's StopProvider).
    pub fn stop(&self) {
        let _ = self.stop_tx.send(true);
    }

    /// True when some resource takes over another type's state (the `move_resource_state` capability).
    pub fn moves_state(&self) -> bool {
        self.resources.values().any(|r| !r.handler.move_sources().is_empty())
    }

    pub fn data_source(&self, name: &str) -> Result<&Registered<dyn AnyDataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    pub fn ephemeral(&self, name: &str) -> Result<&Registered<dyn AnyEphemeralResource<P::Data>>, Diagnostics> {
        self.ephemerals
            .get(name)
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }

    pub fn resource(&self, name: &str) -> Result<&Registered<dyn AnyResource<P::Data>>, Diagnostics> {
        self.resources.get(name).ok_or_else(|| unknown_type("resource", name))
    }

    pub fn list(&self, name: &str) -> Result<&Registered<dyn AnyListResource<P::Data>>, Diagnostics> {
        self.lists.get(name).ok_or_else(|| unknown_type("list resource", name))
    }

    pub fn validate_provider_config(&self, config: &DynamicValue) -> Diagnostics {
        match config.decode(&self.provider_schema.value_type()) {
            Ok(config) => {
                // As for resources: the attributes' validators first, then the provider's own checks.
                let mut diags = self.provider_schema.block.validate(&config, &AttributePath::default());
                diags.extend(self.provider.validate(&config));
                diags
            }
            Err(d) => d,
        }
    }

    /// Configures the provider once; later calls receive what it produced.
    pub async fn configure(&self, config: &DynamicValue) -> Diagnostics {
        async {
            let config = config.decode(&self.provider_schema.value_type())?;
            let typed: P::Config = to_model(&config)
                .map_err(|e| Diagnostics::from(Diagnostic::error("Invalid provider configuration", e.to_string())))?;
            let data = self.provider.configure(typed).await?;
            let _ = self.data.set(Arc::new(data));
            Ok::<_, Diagnostics>(Diagnostics::new())
        }
        .await
        .unwrap_or_else(|d| d)
    }

    /// `write_only_allowed`: the Terraform calling keeps write-only values out of state (>= 1.11).
    pub fn validate_resource_config(
        &self,
        type_name: &str,
        config: &DynamicValue,
        write_only_allowed: bool,
    ) -> Diagnostics {
        validate_config(self.resource(type_name), config, |r, config| {
            let mut diags = r.handler.validate(config);
            check_write_only(
                &r.schema.block,
                config,
                write_only_allowed,
                &AttributePath::default(),
                &mut diags,
            );
            diags
        })
    }

    pub fn validate_data_resource_config(&self, type_name: &str, config: &DynamicValue) -> Diagnostics {
        validate_config(self.data_source(type_name), config, |r, config| {
            r.handler.validate(config)
        })
    }

    pub fn validate_ephemeral_resource_config(&self, type_name: &str, config: &DynamicValue) -> Diagnostics {
        validate_config(self.ephemeral(type_name), config, |r, config| {
            r.handler.validate(config)
        })
    }

    pub fn validate_list_resource_config(&self, type_name: &str, config: &DynamicValue) -> Diagnostics {
        validate_config(self.list(type_name), config, |r, config| r.handler.validate(config))
    }

    /// Refreshes a resource; a null state stays null without calling the resource.
    pub async fn read_resource(&self, type_name: &str, state: &DynamicValue) -> Result<ReadResource, Diagnostics> {
        let r = self.resource(type_name)?;
        let state = state.decode(&r.ty)?;
        if state.is_null() {
            return Ok(ReadResource {
                new_state: DynamicValue::encode(&Value::Null, &r.ty),
                identity: IdentityAnswer::Absent,
                warnings: Diagnostics::new(),
            });
        }
        let configured = self.configured()?;
        tracing::debug!("reading resource");
        let (new_state, warnings) = r.handler.read(configured.ctx(), &state).await?;
        let identity = identity_answer(r, &new_state, IdentityAnswer::KeepGiven)?;
        Ok(ReadResource {
            new_state: DynamicValue::encode(&new_state, &r.ty),
            identity,
            warnings,
        })
    }

    /// Plans a create (null prior), an update, or a destroy (null proposed).
    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: &DynamicValue,
        proposed: &DynamicValue,
        config: &DynamicValue,
    ) -> Result<PlannedResource, Diagnostics> {
        let r = self.resource(type_name)?;
        let prior = prior.decode(&r.ty)?;
        let proposed = proposed.decode(&r.ty)?;
        let config = config.decode(&r.ty)?;
        let configured = self.configured()?;
        tracing::debug!("planning resource change");
        let planned = r.handler.plan(configured.ctx(), &prior, &proposed, &config).await;
        // Known once everything it comes from is (the prior identity on an update); null until apply for a
        // create: Terraform cannot render a plan holding an unknown identity ("value is not known").
        let fallback = if prior.is_null() {
            IdentityAnswer::Absent
        } else {
            IdentityAnswer::KeepGiven
        };
        let identity = identity_answer(r, &planned.planned, fallback)?;
        Ok(PlannedResource {
            planned_state: DynamicValue::encode(&planned.planned, &r.ty),
            identity,
            requires_replace: planned.requires_replace,
            diagnostics: planned.diagnostics,
        })
    }

    /// Applies a planned change: create (null prior), update, or delete (null planned).
    pub async fn apply_resource_change(
        &self,
        type_name: &str,
        prior: &DynamicValue,
        planned: &DynamicValue,
        config: &DynamicValue,
    ) -> Result<AppliedResource, Diagnostics> {
        let r = self.resource(type_name)?;
        let prior = prior.decode(&r.ty)?;
        let planned = planned.decode(&r.ty)?;
        let config = config.decode(&r.ty)?;
        let configured = self.configured()?;
        tracing::debug!("applying resource change");
        let applied = r.handler.apply(configured.ctx(), &prior, &planned, &config).await;
        let identity = identity_answer(r, &applied.new_state, IdentityAnswer::Absent)?;
        Ok(AppliedResource {
            new_state: DynamicValue::encode(&applied.new_state, &r.ty),
            identity,
            diagnostics: applied.diagnostics,
        })
    }

    /// Imports by `id`, or by `identity` when Terraform (>= 1.12, `import { identity = {...} }`) sends one
    /// instead of an id and the resource has an identity.
    pub async fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
        identity: Option<&DynamicValue>,
    ) -> Result<ImportedResource, Diagnostics> {
        let r = self.resource(type_name)?;
        let configured = self.configured()?;
        let state = match (identity, r.handler.identity_schema()) {
            (Some(given), Some(schema)) if id.is_empty() => {
                let identity = given.decode(&schema.value_type())?;
                tracing::debug!("importing by identity");
                r.handler.import_by_identity(configured.ctx(), &identity).await?
            }
            _ => r.handler.import(configured.ctx(), id).await?,
        };
        let identity = identity_answer(r, &state, IdentityAnswer::KeepGiven)?;
        Ok(ImportedResource {
            state: DynamicValue::encode(&state, &r.ty),
            identity,
        })
    }

    pub async fn read_data_source(&self, type_name: &str, config: &DynamicValue) -> Result<DynamicValue, Diagnostics> {
        let r = self.data_source(type_name)?;
        let config = config.decode(&r.ty)?;
        let configured = self.configured()?;
        tracing::debug!("reading data source");
        let state = r.handler.read(configured.ctx(), &config).await?;
        Ok(DynamicValue::encode(&state, &r.ty))
    }

    /// Reads state stored by an earlier schema version (JSON, `raw_json`) as a value of the current schema.
    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> Result<DynamicValue, Diagnostics> {
        let r = self.resource(type_name)?;
        if version > r.schema.version {
            return Err(Diagnostic::error(
                "State from a newer provider",
                format!("The state of this {} was written by schema version {}; this provider knows version {}. Upgrade the provider.", type_name, version, r.schema.version),
            )
            .into());
        }
        if raw_json.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported state format",
                "Only JSON state can be upgraded; flatmap state predates protocol 6.",
            )
            .into());
        }
        let json: serde_json::Value = serde_json::from_slice(raw_json)
            .map_err(|e| Diagnostics::from(Diagnostic::error("Malformed state", e.to_string())))?;
        let value = crate::json::from_json(&json, &r.ty)
            .map_err(|e| Diagnostics::from(Diagnostic::error("State does not match the schema", e.to_string())))?;
        Ok(DynamicValue::encode(&value, &r.ty))
    }

    /// Reads a stored identity (JSON) as a value of the identity schema.
    pub fn upgrade_resource_identity(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> Result<DynamicValue, Diagnostics> {
        let r = self.resource(type_name)?;
        let schema = r.handler.identity_schema().ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "No identity",
                format!("The resource type {} has no identity to upgrade.", type_name),
            ))
        })?;
        // Every identity is still at its first version: a stored one is read as it is.
        if version != schema.version {
            return Err(Diagnostic::error(
                "Identity from another provider version",
                format!(
                    "The stored identity of this {} has version {}; this provider knows version {}.",
                    type_name, version, schema.version
                ),
            )
            .into());
        }
        let json: serde_json::Value = serde_json::from_slice(raw_json)
            .map_err(|e| Diagnostics::from(Diagnostic::error("Malformed identity", e.to_string())))?;
        let ty = schema.value_type();
        let value = crate::json::from_json(&json, &ty)
            .map_err(|e| Diagnostics::from(Diagnostic::error("Identity does not match the schema", e.to_string())))?;
        Ok(DynamicValue::encode(&value, &ty))
    }

    /// Takes over the state of another resource type (a `moved` block across types or providers); the source
    /// state is the JSON the source provider stored.
    pub fn move_resource_state(
        &self,
        target_type_name: &str,
        source_provider_address: &str,
        source_type_name: &str,
        source_schema_version: i64,
        source_json: &[u8],
    ) -> Result<(DynamicValue, IdentityAnswer), Diagnostics> {
        let r = self.resource(target_type_name)?;
        if !r
            .handler
            .move_sources()
            .iter()
            .any(|s| s.matches(source_provider_address, source_type_name))
        {
            return Err(Diagnostics::from(Diagnostic::error(
                "Move not supported",
                format!(
                    "{} cannot take over the state of {} from {}; it accepts: {}.",
                    target_type_name,
                    source_type_name,
                    source_provider_address,
                    accepted(r.handler.move_sources())
                ),
            )));
        }
        let state: serde_json::Value = serde_json::from_slice(source_json).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Malformed source state",
                format!("The state of {} is not JSON: {e}.", source_type_name),
            ))
        })?;
        let source = SourceState {
            provider_address: source_provider_address.to_string(),
            type_name: source_type_name.to_string(),
            schema_version: source_schema_version,
            state,
        };
        tracing::debug!(source = source.type_name, "moving resource state");
        let moved = r.handler.move_state(&source)?;
        let identity = identity_answer(r, &moved, IdentityAnswer::Absent)?;
        Ok((DynamicValue::encode(&moved, &r.ty), identity))
    }

    pub async fn open_ephemeral_resource(
        &self,
        type_name: &str,
        config: &DynamicValue,
    ) -> Result<Opened<DynamicValue>, Diagnostics> {
        let r = self.ephemeral(type_name)?;
        let config = config.decode(&r.ty)?;
        let configured = self.configured()?;
        tracing::debug!("opening ephemeral resource");
        let opened = r.handler.open(configured.ctx(), &config).await?;
        Ok(Opened {
            result: DynamicValue::encode(&opened.result, &r.ty),
            renew_at: opened.renew_at,
            private: opened.private,
        })
    }

    pub async fn renew_ephemeral_resource(&self, type_name: &str, private: Vec<u8>) -> Result<Renewed, Diagnostics> {
        let r = self.ephemeral(type_name)?;
        let configured = self.configured()?;
        r.handler.renew(configured.ctx(), private).await
    }

    pub async fn close_ephemeral_resource(&self, type_name: &str, private: Vec<u8>) -> Result<(), Diagnostics> {
        let r = self.ephemeral(type_name)?;
        let configured = self.configured()?;
        r.handler.close(configured.ctx(), private).await
    }

    /// The objects a `terraform query` list finds, at most `limit` (0: no limit); with `include_resource_object`
    /// each carries its state as an import by its identity would store it.
    pub async fn list_resource(
        &self,
        type_name: &str,
        config: &DynamicValue,
        limit: i64,
        include_resource_object: bool,
    ) -> Result<Vec<ListedObject>, Diagnostics> {
        let l = self.list(type_name)?;
        let r = self.resource(type_name)?;
        let identity_ty = r
            .handler
            .identity_schema()
            .map(|s| s.value_type())
            .unwrap_or(Type::Dynamic);
        let config = config.decode(&l.ty)?;
        let configured = self.configured()?;
        // Terraform always sends its limit (default 100); 0 would be an older client's "no limit".
        let limit = usize::try_from(limit).ok().filter(|n| *n > 0).unwrap_or(usize::MAX);
        tracing::debug!(limit, include_resource = include_resource_object, "listing");
        let found = l.handler.list(configured.ctx(), &config, limit).await?;
        let mut listed = Vec::with_capacity(found.len());
        for item in found {
            let identity = crate::json::from_json(&item.identity, &identity_ty).map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Provider produced an invalid identity",
                    format!("{e}. This is a bug in the provider."),
                ))
            })?;
            let mut object = ListedObject {
                identity: DynamicValue::encode(&identity, &identity_ty),
                display_name: item.display_name,
                resource_object: None,
                diagnostics: Diagnostics::new(),
            };
            if include_resource_object {
                // The object exactly as an import by this identity would store it.
                let fetched = async {
                    let state = r.handler.import_by_identity(configured.ctx(), &identity).await?;
                    r.handler.read(configured.ctx(), &state).await
                }
                .await;
                match fetched {
                    // Gone since it was listed: leave it out.
                    Ok((state, _)) if state.is_null() => continue,
                    Ok((state, warnings)) => {
                        object.resource_object = Some(DynamicValue::encode(&state, &r.ty));
                        object.diagnostics = warnings;
                    }
                    // One unreadable object must not hide the others: Terraform stops at the first error.
                    Err(d) => {
                        object.diagnostics = Diagnostic::warning(
                            format!("Could not read {}", object.display_name),
                            format!("Listed, but reading it failed: {d}"),
                        )
                        .into();
                    }
                }
            }
            listed.push(object);
        }
        Ok(listed)
    }
}
