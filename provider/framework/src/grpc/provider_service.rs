//! The tfplugin6 `Provider` service: decodes requests, dispatches to the
//! registered resources and encodes their answers. RPCs not implemented here
//! (actions, state stores, config generation) fall back to the generated stubs, which answer `Unimplemented`;
//! they are never advertised.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, OnceCell};
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::convert::{
    decode_value, diagnostics, encode_value, function as function_pb, identity_data,
    identity_schema as identity_schema_pb, path, schema as schema_pb, timestamp,
};
use crate::context::{Ctx, StopSignal};
use crate::data_source::AnyDataSource;
use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::ephemeral::AnyEphemeralResource;
use crate::function::Function;
use crate::json::to_model;
use crate::list::AnyListResource;
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::resource::{AnyResource, MoveSource, SourceState};
use crate::schema::{Block, Schema};
use crate::value::{Type, Value};

struct Registered<T: ?Sized> {
    handler: Box<T>,
    schema: Schema,
    ty: Type,
}

/// A resource's identity on the wire: the identity of `state` if the resource has one and the state gives it,
/// else `fallback` (what Terraform sent, kept as it was).
fn identity_answer<D>(
    r: &Registered<dyn AnyResource<D>>,
    state: &Value,
    fallback: Option<pb::ResourceIdentityData>,
) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
    let Some(schema) = r.handler.identity_schema() else {
        return Ok(None);
    };
    Ok(match r.handler.identity_of(state)? {
        Some(identity) => Some(identity_data(&identity, &schema.value_type())),
        None => fallback,
    })
}

/// What a call receives once the provider is configured; lends out the `Ctx`.
struct Configured<D> {
    data: Arc<D>,
    stop: StopSignal,
}

impl<D> Configured<D> {
    fn ctx(&self) -> Ctx<'_, D> {
        Ctx {
            data: &self.data,
            stop: &self.stop,
        }
    }
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

pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Schema,
    resources: HashMap<String, Registered<dyn AnyResource<P::Data>>>,
    data_sources: HashMap<String, Registered<dyn AnyDataSource<P::Data>>>,
    ephemerals: HashMap<String, Registered<dyn AnyEphemeralResource<P::Data>>>,
    lists: HashMap<String, Registered<dyn AnyListResource<P::Data>>>,
    functions: HashMap<String, Box<dyn Function>>,
    data: OnceCell<Arc<P::Data>>,
    stop_tx: watch::Sender<bool>,
    stop: StopSignal,
    request_counter: AtomicU64,
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

impl<P: Provider> ProviderService<P> {
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
        ProviderService {
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
            request_counter: AtomicU64::new(0),
        }
    }

    fn span(&self, rpc: &'static str, type_name: &str) -> tracing::Span {
        let id = self.request_counter.fetch_add(1, Ordering::Relaxed);
        tracing::info_span!(
            "rpc",
            tf_rpc = rpc,
            tf_resource_type = type_name,
            tf_req_id = id,
            tf_provider_addr = self.provider.type_name()
        )
    }

    fn configured(&self) -> Result<Configured<P::Data>, Diagnostics> {
        let data = self.data.get().cloned().ok_or_else(not_configured)?;
        Ok(Configured {
            data,
            stop: self.stop.clone(),
        })
    }

    fn capabilities(&self) -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: false,
            get_provider_schema_optional: false,
            // Only when some resource takes over another type's state; Terraform < 1.8 ignores the field.
            move_resource_state: self.resources.values().any(|r| !r.handler.move_sources().is_empty()),
            generate_resource_config: false,
        }
    }

    fn data_source(&self, name: &str) -> Result<&Registered<dyn AnyDataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    fn ephemeral(&self, name: &str) -> Result<&Registered<dyn AnyEphemeralResource<P::Data>>, Diagnostics> {
        self.ephemerals
            .get(name)
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }

    fn resource(&self, name: &str) -> Result<&Registered<dyn AnyResource<P::Data>>, Diagnostics> {
        self.resources.get(name).ok_or_else(|| unknown_type("resource", name))
    }

    fn list(&self, name: &str) -> Result<&Registered<dyn AnyListResource<P::Data>>, Diagnostics> {
        self.lists.get(name).ok_or_else(|| unknown_type("list resource", name))
    }

    /// The events of a `ListResource` call; a failure of the whole listing is one event with its diagnostics.
    async fn list_events(
        &self,
        req: &pb::list_resource::Request,
    ) -> Result<Vec<pb::list_resource::Event>, Diagnostics> {
        let l = self.list(&req.type_name)?;
        let r = self.resource(&req.type_name)?;
        let identity_ty = r
            .handler
            .identity_schema()
            .map(|s| s.value_type())
            .unwrap_or(Type::Dynamic);
        let config = decode_value(req.config.as_ref(), &l.ty)?;
        let configured = self.configured()?;
        // Terraform always sends its limit (default 100); 0 would be an older client's "no limit".
        let limit = usize::try_from(req.limit).ok().filter(|n| *n > 0).unwrap_or(usize::MAX);
        tracing::debug!(limit, include_resource = req.include_resource_object, "listing");
        let found = l.handler.list(configured.ctx(), &config, limit).await?;
        let mut events = Vec::with_capacity(found.len());
        for item in found {
            let identity = crate::json::from_json(&item.identity, &identity_ty).map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Provider produced an invalid identity",
                    format!("{e}. This is a bug in the provider."),
                ))
            })?;
            let mut event = pb::list_resource::Event {
                identity: Some(identity_data(&identity, &identity_ty)),
                display_name: item.display_name,
                ..Default::default()
            };
            if req.include_resource_object {
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
                        event.resource_object = Some(encode_value(&state, &r.ty));
                        event.diagnostic = diagnostics(&warnings);
                    }
                    // One unreadable object must not hide the others: Terraform stops at the first error.
                    Err(d) => {
                        let text = d.to_string();
                        event.diagnostic = diagnostics(
                            &Diagnostic::warning(
                                format!("Could not read {}", event.display_name),
                                format!("Listed, but reading it failed: {text}"),
                            )
                            .into(),
                        );
                    }
                }
            }
            events.push(event);
        }
        Ok(events)
    }
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
    config: Option<&pb::DynamicValue>,
    validate: impl FnOnce(&Registered<T>, &Value) -> Diagnostics,
) -> Vec<pb::Diagnostic> {
    let diags = found
        .and_then(|r| {
            let config = decode_value(config, &r.ty)?;
            // The validators attached to the schema's attributes first, then the type's own checks.
            let mut diags = r.schema.block.validate(&config, &AttributePath::default());
            diags.extend(validate(r, &config));
            Ok(diags)
        })
        .unwrap_or_else(|d| d);
    diagnostics(&diags)
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

macro_rules! ok {
    ($e:expr) => {
        Ok(Response::new($e))
    };
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        ok!(m::Response {
            server_capabilities: Some(self.capabilities()),
            resources: self
                .resources
                .keys()
                .map(|n| m::ResourceMetadata { type_name: n.clone() })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| m::DataSourceMetadata { type_name: n.clone() })
                .collect(),
            ephemeral_resources: self
                .ephemerals
                .keys()
                .map(|n| m::EphemeralMetadata { type_name: n.clone() })
                .collect(),
            list_resources: self
                .lists
                .keys()
                .map(|n| m::ListResourceMetadata { type_name: n.clone() })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|n| m::FunctionMetadata { name: n.clone() })
                .collect(),
            ..Default::default()
        })
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        ok!(pb::get_provider_schema::Response {
            provider: Some(schema_pb(&self.provider_schema)),
            resource_schemas: self
                .resources
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            ephemeral_resource_schemas: self
                .ephemerals
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            list_resource_schemas: self
                .lists
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(n, f)| (n.clone(), function_pb(&f.signature())))
                .collect(),
            server_capabilities: Some(self.capabilities()),
            ..Default::default()
        })
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        ok!(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(n, r)| Some((n.clone(), identity_schema_pb(&r.handler.identity_schema()?))))
                .collect(),
            diagnostics: vec![],
        })
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = req.into_inner();
        let result = (|| {
            let r = self.resource(&req.type_name)?;
            let schema = r.handler.identity_schema().ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "No identity",
                    format!("The resource type {} has no identity to upgrade.", req.type_name),
                ))
            })?;
            // Every identity is still at its first version: a stored one is read as it is.
            if req.version != schema.version {
                return Err(Diagnostic::error(
                    "Identity from another provider version",
                    format!(
                        "The stored identity of this {} has version {}; this provider knows version {}.",
                        req.type_name, req.version, schema.version
                    ),
                )
                .into());
            }
            let raw = req.raw_identity.unwrap_or_default();
            let json: serde_json::Value = serde_json::from_slice(&raw.json)
                .map_err(|e| Diagnostics::from(Diagnostic::error("Malformed identity", e.to_string())))?;
            let ty = schema.value_type();
            let value = crate::json::from_json(&json, &ty).map_err(|e| {
                Diagnostics::from(Diagnostic::error("Identity does not match the schema", e.to_string()))
            })?;
            Ok::<_, Diagnostics>(identity_data(&value, &ty))
        })();
        ok!(match result {
            Ok(identity) => pb::upgrade_resource_identity::Response {
                upgraded_identity: Some(identity),
                diagnostics: vec![]
            },
            Err(d) => pb::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics: diagnostics(&d)
            },
        })
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let diags = match decode_value(req.config.as_ref(), &self.provider_schema.value_type()) {
            Ok(config) => self.provider.validate(&config),
            Err(d) => d,
        };
        ok!(pb::validate_provider_config::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ConfigureProvider", "");
        let diags = async {
            tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
            let config = decode_value(req.config.as_ref(), &self.provider_schema.value_type())?;
            let typed: P::Config = to_model(&config)
                .map_err(|e| Diagnostics::from(Diagnostic::error("Invalid provider configuration", e.to_string())))?;
            let data = self.provider.configure(typed).await?;
            let _ = self.data.set(Arc::new(data));
            Ok::<_, Diagnostics>(Diagnostics::new())
        }
        .instrument(span)
        .await
        .unwrap_or_else(|d| d);
        ok!(pb::configure_provider::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = req.into_inner();
        let allowed = req.client_capabilities.is_some_and(|c| c.write_only_attributes_allowed);
        ok!(pb::validate_resource_config::Response {
            diagnostics: validate_config(self.resource(&req.type_name), req.config.as_ref(), |r, config| {
                let mut diags = r.handler.validate(config);
                check_write_only(&r.schema.block, config, allowed, &AttributePath::default(), &mut diags);
                diags
            })
        })
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        ok!(pb::validate_data_resource_config::Response {
            diagnostics: validate_config(self.data_source(&req.type_name), req.config.as_ref(), |r, config| r
                .handler
                .validate(config))
        })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = req.into_inner();
        ok!(pb::validate_ephemeral_resource_config::Response {
            diagnostics: validate_config(self.ephemeral(&req.type_name), req.config.as_ref(), |r, config| r
                .handler
                .validate(config))
        })
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        ok!(pb::validate_list_resource_config::Response {
            diagnostics: validate_config(self.list(&req.type_name), req.config.as_ref(), |r, config| r
                .handler
                .validate(config))
        })
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let req = req.into_inner();
        let span = self.span("ListResource", &req.type_name);
        let events = self.list_events(&req).instrument(span).await.unwrap_or_else(|d| {
            vec![pb::list_resource::Event {
                diagnostic: diagnostics(&d),
                ..Default::default()
            }]
        });
        Ok(Response::new(Box::pin(futures::stream::iter(
            events.into_iter().map(Ok),
        ))))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let result = (|| {
            let r = self.resource(&req.type_name)?;
            if req.version > r.schema.version {
                return Err(Diagnostic::error(
                    "State from a newer provider",
                    format!("The state of this {} was written by schema version {}; this provider knows version {}. Upgrade the provider.", req.type_name, req.version, r.schema.version),
                )
                .into());
            }
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "Only JSON state can be upgraded; flatmap state predates protocol 6.",
                )
                .into());
            }
            let json: serde_json::Value = serde_json::from_slice(&raw.json)
                .map_err(|e| Diagnostics::from(Diagnostic::error("Malformed state", e.to_string())))?;
            let value = crate::json::from_json(&json, &r.ty)
                .map_err(|e| Diagnostics::from(Diagnostic::error("State does not match the schema", e.to_string())))?;
            Ok::<_, Diagnostics>(encode_value(&value, &r.ty))
        })();
        ok!(match result {
            Ok(state) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(state),
                diagnostics: vec![]
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: diagnostics(&d)
            },
        })
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ReadResource", &req.type_name);
        let result = async {
            let r = self.resource(&req.type_name)?;
            let state = decode_value(req.current_state.as_ref(), &r.ty)?;
            if state.is_null() {
                return Ok((Some(encode_value(&Value::Null, &r.ty)), None, Diagnostics::new()));
            }
            let configured = self.configured()?;
            tracing::debug!("reading resource");
            let (new_state, warnings) = r.handler.read(configured.ctx(), &state).await?;
            let identity = identity_answer(r, &new_state, req.current_identity.clone())?;
            Ok::<_, Diagnostics>((Some(encode_value(&new_state, &r.ty)), identity, warnings))
        }
        .instrument(span)
        .await;
        ok!(match result {
            Ok((new_state, new_identity, warnings)) => pb::read_resource::Response {
                new_state,
                new_identity,
                private: req.private,
                diagnostics: diagnostics(&warnings),
                ..Default::default()
            },
            Err(d) => pb::read_resource::Response {
                new_state: req.current_state,
                private: req.private,
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("PlanResourceChange", &req.type_name);
        let result = async {
            let r = self.resource(&req.type_name)?;
            let prior = decode_value(req.prior_state.as_ref(), &r.ty)?;
            let proposed = decode_value(req.proposed_new_state.as_ref(), &r.ty)?;
            let config = decode_value(req.config.as_ref(), &r.ty)?;
            let configured = self.configured()?;
            tracing::debug!("planning resource change");
            let planned = r.handler.plan(configured.ctx(), &prior, &proposed, &config).await;
            // Known once everything it comes from is (the prior identity on an update); null until apply for a
            // create: Terraform cannot render a plan holding an unknown identity ("value is not known").
            let fallback = req.prior_identity.clone().filter(|_| !prior.is_null());
            let planned_identity = identity_answer(r, &planned.planned, fallback)?;
            Ok::<_, Diagnostics>(pb::plan_resource_change::Response {
                planned_state: Some(encode_value(&planned.planned, &r.ty)),
                planned_identity,
                requires_replace: planned.requires_replace.iter().map(path).collect(),
                planned_private: req.prior_private.clone(),
                diagnostics: diagnostics(&planned.diagnostics),
                ..Default::default()
            })
        }
        .instrument(span)
        .await;
        ok!(result.unwrap_or_else(|d| pb::plan_resource_change::Response {
            diagnostics: diagnostics(&d),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ApplyResourceChange", &req.type_name);
        let result = async {
            let r = self.resource(&req.type_name)?;
            let prior = decode_value(req.prior_state.as_ref(), &r.ty)?;
            let planned = decode_value(req.planned_state.as_ref(), &r.ty)?;
            let config = decode_value(req.config.as_ref(), &r.ty)?;
            let configured = self.configured()?;
            tracing::debug!("applying resource change");
            let applied = r.handler.apply(configured.ctx(), &prior, &planned, &config).await;
            let new_identity = identity_answer(r, &applied.new_state, None)?;
            Ok::<_, Diagnostics>(pb::apply_resource_change::Response {
                new_state: Some(encode_value(&applied.new_state, &r.ty)),
                new_identity,
                private: req.planned_private.clone(),
                diagnostics: diagnostics(&applied.diagnostics),
                ..Default::default()
            })
        }
        .instrument(span)
        .await;
        ok!(result.unwrap_or_else(|d| pb::apply_resource_change::Response {
            new_state: req.prior_state,
            diagnostics: diagnostics(&d),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ImportResourceState", &req.type_name);
        let result = async {
            let r = self.resource(&req.type_name)?;
            let configured = self.configured()?;
            // Terraform >= 1.12 sends an identity instead of an id for `import { identity = {...} }`.
            let state = match (&req.identity, r.handler.identity_schema()) {
                (Some(given), Some(schema)) if req.id.is_empty() => {
                    let identity = decode_value(given.identity_data.as_ref(), &schema.value_type())?;
                    tracing::debug!("importing by identity");
                    r.handler.import_by_identity(configured.ctx(), &identity).await?
                }
                _ => r.handler.import(configured.ctx(), &req.id).await?,
            };
            let identity = identity_answer(r, &state, req.identity.clone())?;
            Ok::<_, Diagnostics>(pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: Some(encode_value(&state, &r.ty)),
                identity,
                ..Default::default()
            })
        }
        .instrument(span)
        .await;
        ok!(match result {
            Ok(imported) => pb::import_resource_state::Response {
                imported_resources: vec![imported],
                ..Default::default()
            },
            Err(d) => pb::import_resource_state::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("MoveResourceState", &req.target_type_name);
        let result = span.in_scope(|| {
            let r = self.resource(&req.target_type_name)?;
            if !r
                .handler
                .move_sources()
                .iter()
                .any(|s| s.matches(&req.source_provider_address, &req.source_type_name))
            {
                return Err(Diagnostics::from(Diagnostic::error(
                    "Move not supported",
                    format!(
                        "{} cannot take over the state of {} from {}; it accepts: {}.",
                        req.target_type_name,
                        req.source_type_name,
                        req.source_provider_address,
                        accepted(r.handler.move_sources())
                    ),
                )));
            }
            let raw = req.source_state.unwrap_or_default();
            let state: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Malformed source state",
                    format!("The state of {} is not JSON: {e}.", req.source_type_name),
                ))
            })?;
            let source = SourceState {
                provider_address: req.source_provider_address.clone(),
                type_name: req.source_type_name.clone(),
                schema_version: req.source_schema_version,
                state,
            };
            tracing::debug!(source = source.type_name, "moving resource state");
            let moved = r.handler.move_state(&source)?;
            let identity = identity_answer(r, &moved, None)?;
            Ok::<_, Diagnostics>((encode_value(&moved, &r.ty), identity))
        });
        ok!(match result {
            Ok((state, target_identity)) => pb::move_resource_state::Response {
                target_state: Some(state),
                target_identity,
                ..Default::default()
            },
            Err(d) => pb::move_resource_state::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ReadDataSource", &req.type_name);
        let result = async {
            let r = self.data_source(&req.type_name)?;
            let config = decode_value(req.config.as_ref(), &r.ty)?;
            let configured = self.configured()?;
            tracing::debug!("reading data source");
            let state = r.handler.read(configured.ctx(), &config).await?;
            Ok::<_, Diagnostics>(encode_value(&state, &r.ty))
        }
        .instrument(span)
        .await;
        ok!(match result {
            Ok(state) => pb::read_data_source::Response {
                state: Some(state),
                ..Default::default()
            },
            Err(d) => pb::read_data_source::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("OpenEphemeralResource", &req.type_name);
        let result = async {
            let r = self.ephemeral(&req.type_name)?;
            let config = decode_value(req.config.as_ref(), &r.ty)?;
            let configured = self.configured()?;
            tracing::debug!("opening ephemeral resource");
            let opened = r.handler.open(configured.ctx(), &config).await?;
            Ok::<_, Diagnostics>(pb::open_ephemeral_resource::Response {
                result: Some(encode_value(&opened.result, &r.ty)),
                renew_at: opened.renew_at.map(timestamp),
                private: Some(opened.private),
                ..Default::default()
            })
        }
        .instrument(span)
        .await;
        ok!(result.unwrap_or_else(|d| pb::open_ephemeral_resource::Response {
            diagnostics: diagnostics(&d),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let result = async {
            let r = self.ephemeral(&req.type_name)?;
            let configured = self.configured()?;
            r.handler.renew(configured.ctx(), req.private.unwrap_or_default()).await
        }
        .await;
        ok!(match result {
            Ok(renewed) => pb::renew_ephemeral_resource::Response {
                renew_at: renewed.renew_at.map(timestamp),
                private: Some(renewed.private),
                diagnostics: vec![]
            },
            Err(d) => pb::renew_ephemeral_resource::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let result = async {
            let r = self.ephemeral(&req.type_name)?;
            let configured = self.configured()?;
            r.handler.close(configured.ctx(), req.private.unwrap_or_default()).await
        }
        .await;
        ok!(pb::close_ephemeral_resource::Response {
            diagnostics: result.err().map(|d| diagnostics(&d)).unwrap_or_default()
        })
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        ok!(pb::get_functions::Response {
            functions: self
                .functions
                .iter()
                .map(|(n, f)| (n.clone(), function_pb(&f.signature())))
                .collect(),
            diagnostics: vec![],
        })
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = req.into_inner();
        let error = |text: String, argument: Option<i64>| pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text,
                function_argument: argument,
            }),
        };
        let Some(function) = self.functions.get(&req.name) else {
            return ok!(error(
                format!("this provider has no function named {:?}", req.name),
                None
            ));
        };
        let signature = function.signature();
        let mut arguments = Vec::with_capacity(req.arguments.len());
        for (i, dv) in req.arguments.iter().enumerate() {
            let ty = signature
                .parameters
                .get(i)
                .or(signature.variadic.as_ref())
                .map(|p| p.ty.clone())
                .unwrap_or(Type::Dynamic);
            match decode_value(Some(dv), &ty) {
                Ok(v) => arguments.push(v),
                Err(d) => return ok!(error(d.to_string(), Some(i as i64))),
            }
        }
        ok!(match function.call(&arguments) {
            Ok(value) => pb::call_function::Response {
                result: Some(encode_value(&value, &signature.returns)),
                error: None
            },
            Err(e) => error(e.message, e.argument),
        })
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("stop requested");
        let _ = self.stop_tx.send(true);
        ok!(pb::stop_provider::Response { error: String::new() })
    }
}
