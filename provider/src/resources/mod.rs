//! Every resource, data source and ephemeral resource the provider offers.
//! A new one is a module here plus one line in `crate::provider`.

pub mod acm_certificate;
pub mod dns_alias;
pub mod import_id;
pub mod nextjs_build;
pub mod nextjs_site;
pub mod poll;
pub mod role_arn;
pub mod route53;
pub mod ssm_parameters;
