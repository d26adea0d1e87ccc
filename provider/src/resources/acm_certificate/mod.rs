//! `nextstack_acm_certificate`: a certificate in the workload account, validated
//! through records in another account's hosted zone.

mod acm;
mod identity;
mod moved;
mod names;
mod records;
mod resource;
mod timeouts;

pub use resource::AcmCertificateResource;
