//! `ephemeral "nextstack_ssm_parameters"`: the data source's reads, never
//! written to plan or state. Its `secure_values` can feed a resource's
//! `secure_values_wo`, copying a secret across regions or accounts unstored.

use async_trait::async_trait;
use tfplugin_framework::{Ctx, Diagnostics, EphemeralResource, Opened, Schema, Value};

use super::query::{self, QueryModel};
use crate::aws::Aws;

pub struct SsmParametersEphemeral;

#[async_trait]
impl EphemeralResource for SsmParametersEphemeral {
    type Model = QueryModel;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "ssm_parameters"
    }

    fn schema(&self) -> Schema {
        query::schema(
            "Reads SSM parameters by `names` or by `path` without storing them: the values exist only \
             while Terraform runs (Terraform >= 1.10).",
        )
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        query::validate(config)
    }

    async fn open(&self, ctx: Ctx<'_, Aws>, config: QueryModel) -> Result<Opened<QueryModel>, Diagnostics> {
        let result = query::read(ctx, config).await?;
        Ok(Opened {
            result,
            renew_at: None,
            private: Vec::new(),
        })
    }
}
