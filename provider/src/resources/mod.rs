//! Every resource, data source and ephemeral resource the provider offers.
//! A new one is a module here plus one line in `crate::provider`.

pub mod ssm_parameters;
