//! Managed resources: a typed trait for authors, and the value-level adapter the server drives.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::Ctx;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::identity::IdentitySchema;
use crate::json::{decode_model, encode_model, from_model};
use crate::plan::{align_with_plan, plan_resource, Plan};
use crate::schema::Schema;
use crate::value::Value;

/// An apply that failed. `partial` is state to keep anyway, so that something
/// created before the failure is tracked (and later destroyed) rather than orphaned.
/// With a state and only warnings, it is a success that has something to say.
#[derive(Debug)]
pub struct ApplyError<M> {
    pub diagnostics: Diagnostics,
    pub partial: Option<M>,
}

impl<M> ApplyError<M> {
    pub fn keep(partial: M, diagnostics: impl Into<Diagnostics>) -> Self {
        ApplyError {
            diagnostics: diagnostics.into(),
            partial: Some(partial),
        }
    }
}

impl<M> From<Diagnostics> for ApplyError<M> {
    fn from(diagnostics: Diagnostics) -> Self {
        ApplyError {
            diagnostics,
            partial: None,
        }
    }
}
impl<M> From<Diagnostic> for ApplyError<M> {
    fn from(d: Diagnostic) -> Self {
        ApplyError {
            diagnostics: d.into(),
            partial: None,
        }
    }
}

/// What a refresh found: the object (`None` when it is gone) and warnings to show beside it, for a refresh
/// that could read the object but not all of it (a denied tag read keeps the state's tags and says so).
#[derive(Debug)]
pub struct Refreshed<M> {
    pub state: Option<M>,
    pub warnings: Diagnostics,
}

/// A resource type, of this or another provider, whose state a resource can take over in a `moved` block
/// (Terraform >= 1.8 calls MoveResourceState for a move across types or providers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveSource {
    /// The source provider's `NAMESPACE/TYPE`, e.g. `hashicorp/aws`; any registry host matches (a mirror or
    /// another registry serves the same provider).
    pub provider: &'static str,
    pub type_name: &'static str,
}

impl MoveSource {
    /// True for the source named by a move request (`registry.terraform.io/hashicorp/aws`, `aws_acm_certificate`).
    pub fn matches(&self, provider_address: &str, type_name: &str) -> bool {
        let namespace_and_type = provider_address.rsplitn(3, '/').take(2).collect::<Vec<_>>();
        type_name == self.type_name
            && namespace_and_type.len() == 2
            && format!("{}/{}", namespace_and_type[1], namespace_and_type[0]).eq_ignore_ascii_case(self.provider)
    }
}

/// The state a move starts from, as the source provider stored it (JSON; Terraform sends no other form).
#[derive(Clone, Debug)]
pub struct SourceState {
    pub provider_address: String,
    pub type_name: String,
    /// The source resource's schema version the state was written with.
    pub schema_version: i64,
    pub state: serde_json::Value,
}

/// The three views of an update.
pub struct Change<M> {
    pub prior: M,
    pub planned: M,
    /// The configuration, the only place write-only values appear.
    pub config: M,
}

/// A managed resource. `Model` is the whole object (every attribute and block),
/// with optional and computed attributes as `Option`s.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    type Model: Serialize + DeserializeOwned + Send + Sync + 'static;
    type Data: Send + Sync + 'static;
    /// The typed identity (see [`crate::identity`]), a struct shaped like [`Resource::identity_schema`];
    /// `()` for a resource without one.
    type Identity: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The type name without the provider prefix, e.g. `ssm_parameters`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Checks the configuration, which may hold unknown values.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Adjusts the standard plan (see [`crate::plan`]); runs after configuration.
    async fn modify_plan(&self, _ctx: Ctx<'_, Self::Data>, _plan: &mut Plan) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: Ctx<'_, Self::Data>,
        planned: Self::Model,
        config: Self::Model,
    ) -> Result<Self::Model, ApplyError<Self::Model>>;
    /// `Ok(None)` when the object is gone, which removes it from state.
    async fn read(&self, ctx: Ctx<'_, Self::Data>, state: Self::Model) -> Result<Option<Self::Model>, Diagnostics>;
    async fn update(
        &self,
        ctx: Ctx<'_, Self::Data>,
        change: Change<Self::Model>,
    ) -> Result<Self::Model, ApplyError<Self::Model>>;
    async fn delete(&self, ctx: Ctx<'_, Self::Data>, state: Self::Model) -> Result<(), Diagnostics>;

    /// `read`, with warnings. Override instead of relying on `read` alone when part of the object may be
    /// unreadable while the rest is fine; the default is `read` with no warnings.
    async fn refresh(
        &self,
        ctx: Ctx<'_, Self::Data>,
        state: Self::Model,
    ) -> Result<Refreshed<Self::Model>, Diagnostics> {
        Ok(Refreshed {
            state: self.read(ctx, state).await?,
            warnings: Diagnostics::new(),
        })
    }

    /// The resource types whose state this one can take over in a `moved` block; none by default.
    fn move_sources(&self) -> &'static [MoveSource] {
        &[]
    }

    /// Maps the state of one of [`Resource::move_sources`] onto this resource, without calling the cloud:
    /// Terraform refreshes the result and plans it against the configuration next. Anything that has no
    /// counterpart here must be refused with an error naming the source attribute, never dropped.
    fn move_state(&self, source: &SourceState) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostic::error(
            "Move not supported",
            format!("{} cannot take over the state of {}.", self.name(), source.type_name),
        )
        .into())
    }

    /// The identity's schema; `None` (the default) for a resource without identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of the object a state describes, from the state alone (no cloud call: Terraform asks at
    /// every read, plan and apply). `None` while something it needs is still unknown (a plan to create).
    fn identity(&self, _state: &Self::Model) -> Option<Self::Identity> {
        None
    }

    /// Builds a minimal state from an identity given in an `import { identity = {...} }` block (Terraform >=
    /// 1.12); `read` completes it.
    async fn import_by_identity(
        &self,
        _ctx: Ctx<'_, Self::Data>,
        _identity: Self::Identity,
    ) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostic::error(
            "Import by identity not supported",
            format!("The resource type {} cannot be imported by identity.", self.name()),
        )
        .into())
    }

    /// Builds a minimal state from an import id; `read` completes it.
    async fn import(&self, _ctx: Ctx<'_, Self::Data>, _id: &str) -> Result<Self::Model, Diagnostics> {
        Err(Diagnostic::error(
            "Import not supported",
            format!("The resource type {} cannot be imported.", self.name()),
        )
        .into())
    }
}

/// The result of planning a change at the value level.
pub struct PlannedChange {
    pub planned: Value,
    pub requires_replace: Vec<crate::diagnostics::AttributePath>,
    pub diagnostics: Diagnostics,
}

pub struct AppliedChange {
    pub new_state: Value,
    pub diagnostics: Diagnostics,
}

/// A resource seen by the server: values in, values out.
#[async_trait]
pub trait AnyResource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn plan(&self, ctx: Ctx<'_, D>, prior: &Value, proposed: &Value, config: &Value) -> PlannedChange;
    async fn apply(&self, ctx: Ctx<'_, D>, prior: &Value, planned: &Value, config: &Value) -> AppliedChange;
    /// The refreshed state (null when gone) and warnings.
    async fn read(&self, ctx: Ctx<'_, D>, state: &Value) -> Result<(Value, Diagnostics), Diagnostics>;
    async fn import(&self, ctx: Ctx<'_, D>, id: &str) -> Result<Value, Diagnostics>;
    fn identity_schema(&self) -> Option<IdentitySchema>;
    /// The identity of the object `state` describes, a value of the identity schema's type; `None` without an
    /// identity schema, for a null state, or while the state lacks what the identity needs.
    fn identity_of(&self, state: &Value) -> Result<Option<Value>, Diagnostics>;
    /// `identity` is a value of the identity schema's type.
    async fn import_by_identity(&self, ctx: Ctx<'_, D>, identity: &Value) -> Result<Value, Diagnostics>;
    fn move_sources(&self) -> &'static [MoveSource];
    fn move_state(&self, source: &SourceState) -> Result<Value, Diagnostics>;
}

/// Wraps a typed [`Resource`] for registration with a provider.
pub fn resource<R: Resource>(r: R) -> Box<dyn AnyResource<R::Data>> {
    Box::new(Typed {
        schema: r.schema(),
        identity_schema: r.identity_schema(),
        inner: r,
    })
}

struct Typed<R: Resource> {
    inner: R,
    schema: Schema,
    identity_schema: Option<IdentitySchema>,
}

impl<R: Resource> Typed<R> {
    fn encode(&self, model: &R::Model) -> Result<Value, Diagnostics> {
        encode_model(model, &self.schema)
    }

    async fn apply_typed(
        &self,
        ctx: Ctx<'_, R::Data>,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Result<Option<Value>, ApplyError<Value>> {
        let lift = |e: ApplyError<R::Model>| -> ApplyError<Value> {
            let mut diagnostics = e.diagnostics;
            // A state that cannot be encoded must not vanish silently: what it tracks would be orphaned.
            let partial = e
                .partial
                .and_then(|m| self.encode(&m).map_err(|d| diagnostics.extend(d)).ok());
            ApplyError { diagnostics, partial }
        };
        if planned.is_null() {
            let state: R::Model = decode_model("prior state", prior)?;
            self.inner.delete(ctx, state).await?;
            return Ok(None);
        }
        let planned_model: R::Model = decode_model("planned state", planned)?;
        let config_model: R::Model = decode_model("configuration", config)?;
        let model = if prior.is_null() {
            self.inner
                .create(ctx, planned_model, config_model)
                .await
                .map_err(lift)?
        } else {
            let prior_model: R::Model = decode_model("prior state", prior)?;
            let change = Change {
                prior: prior_model,
                planned: planned_model,
                config: config_model,
            };
            self.inner.update(ctx, change).await.map_err(lift)?
        };
        Ok(Some(self.encode(&model)?))
    }
}

#[async_trait]
impl<R: Resource> AnyResource<R::Data> for Typed<R> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        self.inner.validate(config)
    }

    async fn plan(&self, ctx: Ctx<'_, R::Data>, prior: &Value, proposed: &Value, config: &Value) -> PlannedChange {
        let mut plan = plan_resource(&self.schema.block, prior, proposed, config);
        let diagnostics = if plan.is_destroy() {
            Diagnostics::new()
        } else {
            self.inner.modify_plan(ctx, &mut plan).await
        };
        PlannedChange {
            planned: plan.planned,
            requires_replace: plan.requires_replace,
            diagnostics,
        }
    }

    async fn apply(&self, ctx: Ctx<'_, R::Data>, prior: &Value, planned: &Value, config: &Value) -> AppliedChange {
        // A "failure" with only warnings and a state is a success that has something to say.
        let (result, warnings) = match self.apply_typed(ctx, prior, planned, config).await {
            Err(ApplyError {
                diagnostics,
                partial: Some(state),
            }) if !diagnostics.has_errors() => (Ok(Some(state)), diagnostics),
            other => (other, Diagnostics::new()),
        };
        match result {
            Ok(None) => AppliedChange {
                new_state: Value::Null,
                diagnostics: warnings,
            },
            Ok(Some(mut new_state)) => {
                align_with_plan(&self.schema.block, planned, &mut new_state);
                let mut diagnostics = warnings;
                for a in &self.schema.block.attributes {
                    if !new_state.attr(&a.name).is_wholly_known() {
                        diagnostics.push(Diagnostic::error(
                            "Provider left a value unknown after apply",
                            format!(
                                "{}.{} is still unknown after apply. This is a bug in the provider.",
                                self.inner.name(),
                                a.name
                            ),
                        ));
                    }
                }
                AppliedChange { new_state, diagnostics }
            }
            Err(ApplyError { diagnostics, partial }) => {
                // Without a partial state: keep the prior state (update or delete
                // failed) or store nothing (create failed and cleaned up after itself).
                let new_state = partial.unwrap_or_else(|| prior.clone());
                AppliedChange { new_state, diagnostics }
            }
        }
    }

    async fn read(&self, ctx: Ctx<'_, R::Data>, state: &Value) -> Result<(Value, Diagnostics), Diagnostics> {
        let model: R::Model = decode_model("state", state)?;
        let Refreshed { state, warnings } = self.inner.refresh(ctx, model).await?;
        match state {
            None => Ok((Value::Null, warnings)),
            Some(model) => {
                let mut value = self.encode(&model)?;
                crate::plan::clear_write_only(&self.schema.block, &mut value);
                Ok((value, warnings))
            }
        }
    }

    fn move_sources(&self) -> &'static [MoveSource] {
        self.inner.move_sources()
    }

    fn move_state(&self, source: &SourceState) -> Result<Value, Diagnostics> {
        let model = self.inner.move_state(source)?;
        let mut value = self.encode(&model)?;
        crate::plan::clear_write_only(&self.schema.block, &mut value);
        Ok(value)
    }

    async fn import(&self, ctx: Ctx<'_, R::Data>, id: &str) -> Result<Value, Diagnostics> {
        let model = self.inner.import(ctx, id).await?;
        self.encode(&model)
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.identity_schema.clone()
    }

    fn identity_of(&self, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let Some(schema) = &self.identity_schema else {
            return Ok(None);
        };
        if state.is_null() {
            return Ok(None);
        }
        // A planned state may lack required values (unknown until apply): no identity yet, not an error.
        let Ok(model) = crate::json::to_model::<R::Model>(state) else {
            return Ok(None);
        };
        let Some(identity) = self.inner.identity(&model) else {
            return Ok(None);
        };
        from_model(&identity, &schema.value_type()).map(Some).map_err(|e| {
            Diagnostic::error(
                "Provider produced an invalid identity",
                format!("{e}. This is a bug in the provider."),
            )
            .into()
        })
    }

    async fn import_by_identity(&self, ctx: Ctx<'_, R::Data>, identity: &Value) -> Result<Value, Diagnostics> {
        let typed: R::Identity = crate::json::to_model(identity).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Invalid import identity",
                format!(
                    "The identity given for {} does not fit its identity schema: {e}.",
                    self.inner.name()
                ),
            ))
        })?;
        let model = self.inner.import_by_identity(ctx, typed).await?;
        self.encode(&model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::StopSignal;
    use crate::identity::IdentityAttribute;
    use crate::schema::{Attribute, Block};
    use crate::value::Type;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    /// A resource whose identity is its computed `id` and its `zone`.
    struct Record;

    #[derive(Serialize, Deserialize)]
    struct RecordModel {
        id: Option<String>,
        zone: String,
    }

    #[derive(Serialize, Deserialize)]
    struct RecordIdentity {
        id: String,
        zone: Option<String>,
    }

    #[async_trait]
    impl Resource for Record {
        type Model = RecordModel;
        type Data = ();
        type Identity = RecordIdentity;

        fn name(&self) -> &'static str {
            "record"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                Block::new("")
                    .attribute(Attribute::new("id", Type::String).computed())
                    .attribute(Attribute::new("zone", Type::String).required()),
            )
        }
        fn identity_schema(&self) -> Option<IdentitySchema> {
            Some(
                IdentitySchema::new()
                    .attribute(IdentityAttribute::required("id", Type::String))
                    .attribute(IdentityAttribute::optional("zone", Type::String)),
            )
        }
        fn identity(&self, state: &RecordModel) -> Option<RecordIdentity> {
            Some(RecordIdentity {
                id: state.id.clone()?,
                zone: Some(state.zone.clone()),
            })
        }
        async fn import_by_identity(
            &self,
            _ctx: Ctx<'_, ()>,
            identity: RecordIdentity,
        ) -> Result<RecordModel, Diagnostics> {
            Ok(RecordModel {
                id: Some(identity.id),
                zone: identity.zone.unwrap_or_else(|| "default".into()),
            })
        }
        async fn create(
            &self,
            _: Ctx<'_, ()>,
            planned: RecordModel,
            _: RecordModel,
        ) -> Result<RecordModel, ApplyError<RecordModel>> {
            Ok(planned)
        }
        async fn read(&self, _: Ctx<'_, ()>, state: RecordModel) -> Result<Option<RecordModel>, Diagnostics> {
            Ok(Some(state))
        }
        async fn update(
            &self,
            _: Ctx<'_, ()>,
            change: Change<RecordModel>,
        ) -> Result<RecordModel, ApplyError<RecordModel>> {
            Ok(change.planned)
        }
        async fn delete(&self, _: Ctx<'_, ()>, _: RecordModel) -> Result<(), Diagnostics> {
            Ok(())
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn an_identity_comes_from_a_state_that_has_what_it_needs() {
        let r = resource(Record);
        assert!(r.identity_of(&Value::Null).unwrap().is_none(), "no state, no identity");
        let planned = object(&[("id", Value::unknown()), ("zone", Value::string("z"))]);
        assert!(
            r.identity_of(&planned).unwrap().is_none(),
            "an id unknown until apply: no identity yet"
        );
        let state = object(&[("id", Value::string("r-1")), ("zone", Value::string("z"))]);
        assert_eq!(
            r.identity_of(&state).unwrap(),
            Some(object(&[("id", Value::string("r-1")), ("zone", Value::string("z"))]))
        );
    }

    #[tokio::test]
    async fn an_import_by_identity_builds_state_and_refuses_an_identity_that_does_not_fit() {
        let r = resource(Record);
        let (_tx, stop) = StopSignal::new();
        let ctx = Ctx { data: &(), stop: &stop };
        let state = r
            .import_by_identity(ctx, &object(&[("id", Value::string("r-2")), ("zone", Value::Null)]))
            .await
            .unwrap();
        assert_eq!(
            state,
            object(&[("id", Value::string("r-2")), ("zone", Value::string("default"))])
        );
        let err = r
            .import_by_identity(ctx, &object(&[("id", Value::Null), ("zone", Value::Null)]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("Invalid import identity"), "{err}");
    }

    #[test]
    fn a_move_source_matches_its_provider_from_any_host() {
        let s = super::MoveSource {
            provider: "hashicorp/aws",
            type_name: "aws_acm_certificate",
        };
        assert!(s.matches("registry.terraform.io/hashicorp/aws", "aws_acm_certificate"));
        assert!(s.matches("registry.opentofu.org/hashicorp/aws", "aws_acm_certificate"));
        assert!(!s.matches("registry.terraform.io/someone/aws", "aws_acm_certificate"));
        assert!(!s.matches("registry.terraform.io/hashicorp/aws", "aws_route53_record"));
        assert!(!s.matches("aws", "aws_acm_certificate"));
    }
}
