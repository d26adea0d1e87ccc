//! The AWS side: credentials, regions and accounts, a client cache shared by every resource, the services'
//! access layers (Route53 zones and record batches, CloudFront invalidations), waiting on AWS, and AWS
//! failures as typed values. Nothing here knows about Terraform: `resources/` turns an [`Error`] into a
//! diagnostic.

mod clients;
pub mod cloudfront;
mod errors;
pub mod poll;
pub mod route53;
mod tags;
mod target;

pub use clients::{AssumeRole, Aws, AwsSettings, Clients};
pub use errors::{Answer, Error, Kind, Unfinished};
pub use tags::{common as common_tags, observed as observed_tags, TagChanges};
pub use target::Target;
