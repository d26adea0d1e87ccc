//! ## What it does
//! Warns about a suppression comment that suppresses nothing. Either the rule it names reports
//! nothing on the next line (or inside the block that starts there), the rule does not exist, or the
//! comment ends a line of code instead of standing on its own line. A suppression of rules that
//! `.nextstack-lint.toml` turns off is not reported.
//!
//! ## Why is this bad?
//! A stale suppression hides the next violation that appears at that place, and a misspelt rule
//! name suppresses nothing while looking as if it did.
//!
//! ## Example
//! ```hcl
//! # nextstack-lint:ignore ecs-circuit-braker -- rolled out by CodeDeploy
//! resource "aws_ecs_service" "web" {}
//! ```
//!
//! Use instead:
//! ```hcl
//! # nextstack-lint:ignore ecs-circuit-breaker -- rolled out by CodeDeploy
//! resource "aws_ecs_service" "web" {}
//! ```

use super::RuleContext;

/// Suppressions are read from comments; see `crate::suppress`.
pub fn check(_ctx: &RuleContext) {}
