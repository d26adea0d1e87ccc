//! List resources (Terraform >= 1.14, `terraform query`): find the existing objects of a managed resource type.
//!
//! A list resource shares its managed resource's type name and answers with identities only. When Terraform
//! asks for the resource objects too (`include_resource = true`, and `-generate-config-out`), the server gets
//! each one the way an import by identity does (the managed resource's `import_by_identity`, then its
//! refresh), so what `terraform query` shows is exactly what an import of it would store.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::Ctx;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::json::decode_model;
use crate::resource::Resource;
use crate::schema::Schema;
use crate::value::Value;

/// One object found: its identity and a short name for people (`terraform query`'s output).
#[derive(Clone, Debug)]
pub struct Listed<I> {
    pub identity: I,
    pub display_name: String,
}

#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    /// The managed resource whose objects this lists; its identity types the results.
    type Resource: Resource;
    /// The `config { ... }` block of a `list` block, typed.
    type Config: DeserializeOwned + Send + Sync + 'static;

    /// The managed resource type's name, without the provider prefix.
    fn name(&self) -> &'static str;
    /// The schema of the `config` block.
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// At most `limit` objects.
    async fn list(
        &self,
        ctx: Ctx<'_, <Self::Resource as Resource>::Data>,
        config: Self::Config,
        limit: usize,
    ) -> Result<Vec<Listed<<Self::Resource as Resource>::Identity>>, Diagnostics>;
}

/// A listed object as the server sees it: the identity as JSON, shaped like the resource's identity schema.
pub struct ListedValue {
    pub identity: serde_json::Value,
    pub display_name: String,
}

#[async_trait]
pub trait AnyListResource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn list(&self, ctx: Ctx<'_, D>, config: &Value, limit: usize) -> Result<Vec<ListedValue>, Diagnostics>;
}

/// Wraps a typed [`ListResource`] for registration with a provider.
pub fn list_resource<L: ListResource>(l: L) -> Box<dyn AnyListResource<<L::Resource as Resource>::Data>> {
    Box::new(Typed {
        schema: l.schema(),
        inner: l,
    })
}

struct Typed<L> {
    inner: L,
    schema: Schema,
}

#[async_trait]
impl<L: ListResource> AnyListResource<<L::Resource as Resource>::Data> for Typed<L> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        self.inner.validate(config)
    }
    async fn list(
        &self,
        ctx: Ctx<'_, <L::Resource as Resource>::Data>,
        config: &Value,
        limit: usize,
    ) -> Result<Vec<ListedValue>, Diagnostics> {
        let config: L::Config = decode_model("list configuration", config)?;
        let found = self.inner.list(ctx, config, limit).await?;
        found
            .into_iter()
            .take(limit)
            .map(|l| {
                Ok(ListedValue {
                    identity: to_json(&l.identity)?,
                    display_name: l.display_name,
                })
            })
            .collect()
    }
}

fn to_json<I: Serialize>(identity: &I) -> Result<serde_json::Value, Diagnostics> {
    serde_json::to_value(identity).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Provider produced an invalid identity",
            format!("{e}. This is a bug in the provider."),
        ))
    })
}
