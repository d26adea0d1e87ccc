//! ## What it does
//! Reports a suppression comment without a reason. A suppression is
//! `# nextstack-lint:ignore RULE[, RULE...] -- reason` on the line above the block or attribute
//! it applies to.
//!
//! ## Why is this bad?
//! A suppression turns off a security policy for one place. Without a reason, reviewers cannot
//! tell a deliberate exception from a way to make CI green, and nobody can tell later whether it
//! still applies.
//!
//! ## Example
//! ```hcl
//! # nextstack-lint:ignore lambda-dead-letter-queue
//! resource "aws_lambda_function" "sync" {}
//! ```
//!
//! Use instead:
//! ```hcl
//! # nextstack-lint:ignore lambda-dead-letter-queue -- invoked synchronously only, by API Gateway
//! resource "aws_lambda_function" "sync" {}
//! ```

use super::RuleContext;

/// Suppressions are read from comments; see `crate::suppress`.
pub fn check(_ctx: &RuleContext) {}
