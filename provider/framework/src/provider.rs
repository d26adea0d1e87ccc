//! The provider: its own configuration and the resources, data sources,
//! ephemeral resources and functions it offers.

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::data_source::AnyDataSource;
use crate::diagnostics::Diagnostics;
use crate::ephemeral::AnyEphemeralResource;
use crate::function::Function;
use crate::list::AnyListResource;
use crate::resource::AnyResource;
use crate::schema::Schema;
use crate::value::Value;

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider block, typed.
    type Config: DeserializeOwned + Send;
    /// What configuring produces and every resource receives (e.g. a client cache).
    type Data: Send + Sync + 'static;

    /// The prefix of every type name, e.g. `nextstack`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Called once per process before any resource call. Keep it cheap:
    /// Terraform starts a provider several times per run.
    async fn configure(&self, config: Self::Config) -> Result<Self::Data, Diagnostics>;

    fn resources(&self) -> Vec<Box<dyn AnyResource<Self::Data>>> {
        Vec::new()
    }
    fn data_sources(&self) -> Vec<Box<dyn AnyDataSource<Self::Data>>> {
        Vec::new()
    }
    fn ephemeral_resources(&self) -> Vec<Box<dyn AnyEphemeralResource<Self::Data>>> {
        Vec::new()
    }
    /// List resources for `terraform query`, each named like the managed resource it lists.
    fn list_resources(&self) -> Vec<Box<dyn AnyListResource<Self::Data>>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Box<dyn Function>> {
        Vec::new()
    }
}
