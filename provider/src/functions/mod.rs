//! Provider functions: `provider::nextstack::<name>(...)` (Terraform >= 1.8).

mod parse_arn;

pub use parse_arn::ParseArn;
