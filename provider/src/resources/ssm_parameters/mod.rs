//! `nextstack_ssm_parameters` in its three kinds, on one shared core.

mod core;
mod data_source;
mod ephemeral;
mod identity;
mod list;
mod query;
mod resource;

pub use data_source::SsmParametersDataSource;
pub use ephemeral::SsmParametersEphemeral;
pub use list::SsmParametersList;
pub use resource::SsmParametersResource;
