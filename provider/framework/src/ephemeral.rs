//! Ephemeral resources (Terraform >= 1.10): values that exist only while
//! Terraform runs, never written to plan or state.

use std::time::SystemTime;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::Ctx;
use crate::diagnostics::Diagnostics;
use crate::json::{decode_model, encode_model};
use crate::schema::Schema;
use crate::value::Value;

pub struct Opened<M> {
    pub result: M,
    /// When Terraform should call renew, if the value expires.
    pub renew_at: Option<SystemTime>,
    /// Opaque data handed back to renew and close.
    pub private: Vec<u8>,
}

pub struct Renewed {
    pub renew_at: Option<SystemTime>,
    pub private: Vec<u8>,
}

#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    type Model: Serialize + DeserializeOwned + Send + Sync + 'static;
    type Data: Send + Sync + 'static;

    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn open(&self, ctx: Ctx<'_, Self::Data>, config: Self::Model) -> Result<Opened<Self::Model>, Diagnostics>;
    async fn renew(&self, _ctx: Ctx<'_, Self::Data>, private: Vec<u8>) -> Result<Renewed, Diagnostics> {
        Ok(Renewed {
            renew_at: None,
            private,
        })
    }
    async fn close(&self, _ctx: Ctx<'_, Self::Data>, _private: Vec<u8>) -> Result<(), Diagnostics> {
        Ok(())
    }
}

#[async_trait]
pub trait AnyEphemeralResource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn open(&self, ctx: Ctx<'_, D>, config: &Value) -> Result<Opened<Value>, Diagnostics>;
    async fn renew(&self, ctx: Ctx<'_, D>, private: Vec<u8>) -> Result<Renewed, Diagnostics>;
    async fn close(&self, ctx: Ctx<'_, D>, private: Vec<u8>) -> Result<(), Diagnostics>;
}

pub fn ephemeral_resource<E: EphemeralResource>(e: E) -> Box<dyn AnyEphemeralResource<E::Data>> {
    Box::new(Typed {
        schema: e.schema(),
        inner: e,
    })
}

struct Typed<E> {
    inner: E,
    schema: Schema,
}

#[async_trait]
impl<E: EphemeralResource> AnyEphemeralResource<E::Data> for Typed<E> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        self.inner.validate(config)
    }
    async fn open(&self, ctx: Ctx<'_, E::Data>, config: &Value) -> Result<Opened<Value>, Diagnostics> {
        let opened = self.inner.open(ctx, decode_model("configuration", config)?).await?;
        Ok(Opened {
            result: encode_model(&opened.result, &self.schema)?,
            renew_at: opened.renew_at,
            private: opened.private,
        })
    }
    async fn renew(&self, ctx: Ctx<'_, E::Data>, private: Vec<u8>) -> Result<Renewed, Diagnostics> {
        self.inner.renew(ctx, private).await
    }
    async fn close(&self, ctx: Ctx<'_, E::Data>, private: Vec<u8>) -> Result<(), Diagnostics> {
        self.inner.close(ctx, private).await
    }
}
