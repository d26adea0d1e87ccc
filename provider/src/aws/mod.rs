//! The AWS side: credentials, regions and accounts, and a client cache shared
//! by every resource. Nothing here knows about Terraform's wire format.

mod clients;
mod errors;
mod tags;
mod target;

pub use clients::{AssumeRole, Aws, AwsSettings, Clients};
pub use errors::{aws_error, is_access_denied};
pub use tags::{common as common_tags, observed as observed_tags, TagChanges};
pub use target::Target;
