//! Where a call goes: a region and, through a role, an account. The schema's side of it (the
//! attributes, role ARN checks, import ids) is `resources::target`.

use serde::{Deserialize, Serialize};

/// The `region`, `role_arn` and `external_id` every AWS-backed type accepts; unset means the provider's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    pub region: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}
