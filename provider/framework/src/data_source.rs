//! Data sources: read-only lookups whose result is stored in state.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::Ctx;
use crate::diagnostics::Diagnostics;
use crate::json::{decode_model, encode_model};
use crate::schema::Schema;
use crate::value::Value;

#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    type Model: Serialize + DeserializeOwned + Send + Sync + 'static;
    type Data: Send + Sync + 'static;

    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Returns the configuration with its computed attributes filled in.
    async fn read(&self, ctx: Ctx<'_, Self::Data>, config: Self::Model) -> Result<Self::Model, Diagnostics>;
}

#[async_trait]
pub trait AnyDataSource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, ctx: Ctx<'_, D>, config: &Value) -> Result<Value, Diagnostics>;
}

pub fn data_source<S: DataSource>(s: S) -> Box<dyn AnyDataSource<S::Data>> {
    Box::new(Typed {
        schema: s.schema(),
        inner: s,
    })
}

struct Typed<S> {
    inner: S,
    schema: Schema,
}

#[async_trait]
impl<S: DataSource> AnyDataSource<S::Data> for Typed<S> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        self.inner.validate(config)
    }
    async fn read(&self, ctx: Ctx<'_, S::Data>, config: &Value) -> Result<Value, Diagnostics> {
        let model = self.inner.read(ctx, decode_model("configuration", config)?).await?;
        encode_model(&model, &self.schema)
    }
}
