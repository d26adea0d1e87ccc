//! ## What it does
//! Reports a file that does not parse as HCL (or as JSON, for `.tf.json`), at the position where
//! parsing failed. The linter goes on with the other files.
//!
//! ## Why is this bad?
//! Terraform refuses the whole module, and no other rule can check the file.
//!
//! ## Example
//! ```hcl
//! resource "aws_ecs_service" "web" {
//!   name =
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ecs_service" "web" {
//!   name = "web"
//! }
//! ```

use super::RuleContext;

/// Syntax errors are found by the loader; see `crate::lint`.
pub fn check(_ctx: &RuleContext) {}
