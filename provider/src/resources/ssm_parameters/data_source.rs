//! `data "nextstack_ssm_parameters"`: reads parameters by name or path, in any
//! region or account, in as few calls as SSM allows.

use async_trait::async_trait;
use tfplugin_framework::{Ctx, DataSource, Diagnostics, Schema, Value};

use super::query::{self, QueryModel};
use crate::aws::Aws;

pub struct SsmParametersDataSource;

#[async_trait]
impl DataSource for SsmParametersDataSource {
    type Model = QueryModel;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "ssm_parameters"
    }

    fn schema(&self) -> Schema {
        query::schema(
            "Reads SSM parameters by `names` or by `path`, in any region or account. \
             Values land in state: use the ephemeral resource of the same name for secrets.",
        )
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        query::validate(config)
    }

    async fn read(&self, ctx: Ctx<'_, Aws>, config: QueryModel) -> Result<QueryModel, Diagnostics> {
        query::read(ctx, config).await
    }
}
