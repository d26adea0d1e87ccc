//! The tfplugin6 `Provider` service: decodes requests into framework types, calls the orchestration in
//! [`crate::server::orchestrator`] (every call on the provider's types) and encodes its answers; only the
//! schema and metadata answers and provider functions are worked out here. RPCs not implemented here
//! (actions, state stores, config generation) fall back to the generated stubs, which answer `Unimplemented`;
//! they are never advertised.

use std::sync::atomic::{AtomicU64, Ordering};

use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::convert::{
    decode_value, diagnostics, dynamic, dynamic_pb, encode_value, function as function_pb, identity_data,
    identity_schema as identity_schema_pb, path, schema as schema_pb, timestamp,
};
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::server::orchestrator::{IdentityAnswer, Orchestrator};
use crate::value::Type;

/// An identity answer on the wire; `given` is what Terraform sent, kept when the state gives none.
fn identity_pb(answer: IdentityAnswer, given: Option<pb::ResourceIdentityData>) -> Option<pb::ResourceIdentityData> {
    match answer {
        IdentityAnswer::Absent => None,
        IdentityAnswer::KeepGiven => given,
        IdentityAnswer::Known(v) => Some(identity_data(v)),
    }
}

/// A request's value in the framework's form; an absent one reads as null.
fn value_of(dv: Option<&pb::DynamicValue>) -> crate::server::dynamic_value::DynamicValue {
    dv.map(dynamic).unwrap_or_default()
}

pub struct ProviderService<P: Provider> {
    core: Orchestrator<P>,
    request_counter: AtomicU64,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        ProviderService {
            core: Orchestrator::new(provider),
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
            tf_provider_addr = self.core.provider.type_name()
        )
    }

    fn capabilities(&self) -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: false,
            get_provider_schema_optional: false,
            // Only when some resource takes over another type's state; Terraform < 1.8 ignores the field.
            move_resource_state: self.core.moves_state(),
            generate_resource_config: false,
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
                .core
                .resources
                .keys()
                .map(|n| m::ResourceMetadata { type_name: n.clone() })
                .collect(),
            data_sources: self
                .core
                .data_sources
                .keys()
                .map(|n| m::DataSourceMetadata { type_name: n.clone() })
                .collect(),
            ephemeral_resources: self
                .core
                .ephemerals
                .keys()
                .map(|n| m::EphemeralMetadata { type_name: n.clone() })
                .collect(),
            list_resources: self
                .core
                .lists
                .keys()
                .map(|n| m::ListResourceMetadata { type_name: n.clone() })
                .collect(),
            functions: self
                .core
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
            provider: Some(schema_pb(&self.core.provider_schema)),
            resource_schemas: self
                .core
                .resources
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            data_source_schemas: self
                .core
                .data_sources
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            ephemeral_resource_schemas: self
                .core
                .ephemerals
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            list_resource_schemas: self
                .core
                .lists
                .iter()
                .map(|(n, r)| (n.clone(), schema_pb(&r.schema)))
                .collect(),
            functions: self
                .core
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
                .core
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
        let raw = req.raw_identity.map(|r| r.json).unwrap_or_default();
        ok!(
            match self.core.upgrade_resource_identity(&req.type_name, req.version, &raw) {
                Ok(identity) => pb::upgrade_resource_identity::Response {
                    upgraded_identity: Some(identity_data(identity)),
                    diagnostics: vec![]
                },
                Err(d) => pb::upgrade_resource_identity::Response {
                    upgraded_identity: None,
                    diagnostics: diagnostics(&d)
                },
            }
        )
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        ok!(pb::validate_provider_config::Response {
            diagnostics: diagnostics(&self.core.validate_provider_config(&value_of(req.config.as_ref())))
        })
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ConfigureProvider", "");
        let config = value_of(req.config.as_ref());
        let diags = async {
            tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
            self.core.configure(&config).await
        }
        .instrument(span)
        .await;
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
        let diags = self
            .core
            .validate_resource_config(&req.type_name, &value_of(req.config.as_ref()), allowed);
        ok!(pb::validate_resource_config::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = self
            .core
            .validate_data_resource_config(&req.type_name, &value_of(req.config.as_ref()));
        ok!(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = self
            .core
            .validate_ephemeral_resource_config(&req.type_name, &value_of(req.config.as_ref()));
        ok!(pb::validate_ephemeral_resource_config::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diags = self
            .core
            .validate_list_resource_config(&req.type_name, &value_of(req.config.as_ref()));
        ok!(pb::validate_list_resource_config::Response {
            diagnostics: diagnostics(&diags)
        })
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let req = req.into_inner();
        let span = self.span("ListResource", &req.type_name);
        let listed = self
            .core
            .list_resource(
                &req.type_name,
                &value_of(req.config.as_ref()),
                req.limit,
                req.include_resource_object,
            )
            .instrument(span)
            .await;
        // A failure of the whole listing is one event with its diagnostics.
        let events = match listed {
            Ok(objects) => objects
                .into_iter()
                .map(|o| pb::list_resource::Event {
                    identity: Some(identity_data(o.identity)),
                    display_name: o.display_name,
                    resource_object: o.resource_object.map(dynamic_pb),
                    diagnostic: diagnostics(&o.diagnostics),
                })
                .collect(),
            Err(d) => vec![pb::list_resource::Event {
                diagnostic: diagnostics(&d),
                ..Default::default()
            }],
        };
        Ok(Response::new(Box::pin(futures::stream::iter(
            events.into_iter().map(Ok),
        ))))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let raw = req.raw_state.map(|r| r.json).unwrap_or_default();
        ok!(
            match self.core.upgrade_resource_state(&req.type_name, req.version, &raw) {
                Ok(state) => pb::upgrade_resource_state::Response {
                    upgraded_state: Some(dynamic_pb(state)),
                    diagnostics: vec![]
                },
                Err(d) => pb::upgrade_resource_state::Response {
                    upgraded_state: None,
                    diagnostics: diagnostics(&d)
                },
            }
        )
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ReadResource", &req.type_name);
        let result = self
            .core
            .read_resource(&req.type_name, &value_of(req.current_state.as_ref()))
            .instrument(span)
            .await;
        ok!(match result {
            Ok(read) => pb::read_resource::Response {
                new_state: Some(dynamic_pb(read.new_state)),
                new_identity: identity_pb(read.identity, req.current_identity),
                private: req.private,
                diagnostics: diagnostics(&read.warnings),
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
        let result = self
            .core
            .plan_resource_change(
                &req.type_name,
                &value_of(req.prior_state.as_ref()),
                &value_of(req.proposed_new_state.as_ref()),
                &value_of(req.config.as_ref()),
            )
            .instrument(span)
            .await;
        ok!(match result {
            Ok(planned) => pb::plan_resource_change::Response {
                planned_state: Some(dynamic_pb(planned.planned_state)),
                planned_identity: identity_pb(planned.identity, req.prior_identity),
                requires_replace: planned.requires_replace.iter().map(path).collect(),
                // Private state is the provider's own: passed through unchanged.
                planned_private: req.prior_private,
                diagnostics: diagnostics(&planned.diagnostics),
                ..Default::default()
            },
            Err(d) => pb::plan_resource_change::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ApplyResourceChange", &req.type_name);
        let result = self
            .core
            .apply_resource_change(
                &req.type_name,
                &value_of(req.prior_state.as_ref()),
                &value_of(req.planned_state.as_ref()),
                &value_of(req.config.as_ref()),
            )
            .instrument(span)
            .await;
        ok!(match result {
            Ok(applied) => pb::apply_resource_change::Response {
                new_state: Some(dynamic_pb(applied.new_state)),
                new_identity: identity_pb(applied.identity, None),
                private: req.planned_private,
                diagnostics: diagnostics(&applied.diagnostics),
                ..Default::default()
            },
            Err(d) => pb::apply_resource_change::Response {
                new_state: req.prior_state,
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let span = self.span("ImportResourceState", &req.type_name);
        let given = req.identity.as_ref().map(|g| value_of(g.identity_data.as_ref()));
        let result = self
            .core
            .import_resource_state(&req.type_name, &req.id, given.as_ref())
            .instrument(span)
            .await;
        ok!(match result {
            Ok(imported) => pb::import_resource_state::Response {
                imported_resources: vec![pb::import_resource_state::ImportedResource {
                    type_name: req.type_name,
                    state: Some(dynamic_pb(imported.state)),
                    identity: identity_pb(imported.identity, req.identity),
                    ..Default::default()
                }],
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
        let raw = req.source_state.map(|r| r.json).unwrap_or_default();
        let result = span.in_scope(|| {
            self.core.move_resource_state(
                &req.target_type_name,
                &req.source_provider_address,
                &req.source_type_name,
                req.source_schema_version,
                &raw,
            )
        });
        ok!(match result {
            Ok((state, identity)) => pb::move_resource_state::Response {
                target_state: Some(dynamic_pb(state)),
                target_identity: identity_pb(identity, None),
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
        let result = self
            .core
            .read_data_source(&req.type_name, &value_of(req.config.as_ref()))
            .instrument(span)
            .await;
        ok!(match result {
            Ok(state) => pb::read_data_source::Response {
                state: Some(dynamic_pb(state)),
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
        let result = self
            .core
            .open_ephemeral_resource(&req.type_name, &value_of(req.config.as_ref()))
            .instrument(span)
            .await;
        ok!(match result {
            Ok(opened) => pb::open_ephemeral_resource::Response {
                result: Some(dynamic_pb(opened.result)),
                renew_at: opened.renew_at.map(timestamp),
                private: Some(opened.private),
                ..Default::default()
            },
            Err(d) => pb::open_ephemeral_resource::Response {
                diagnostics: diagnostics(&d),
                ..Default::default()
            },
        })
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let result = self
            .core
            .renew_ephemeral_resource(&req.type_name, req.private.unwrap_or_default())
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
        let result = self
            .core
            .close_ephemeral_resource(&req.type_name, req.private.unwrap_or_default())
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
                .core
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
        let Some(function) = self.core.functions.get(&req.name) else {
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
        self.core.stop();
        ok!(pb::stop_provider::Response { error: String::new() })
    }
}
