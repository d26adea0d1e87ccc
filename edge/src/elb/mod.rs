//! Application Load Balancers as the edge serves them: each listener on its own loopback port, its rules evaluated
//! by priority, its actions answered or forwarded to the target groups (Lambda functions run by the edge, or
//! HTTP servers registered as `ip`/`instance` targets), with the target groups' health checks deciding which
//! targets get traffic. What is not modelled is an error at start naming it (see docs/edge.md, "Application Load
//! Balancers").
//!
//! AWS: Elastic Load Balancing, "Application Load Balancers" user guide, cited per rule in each file.

pub mod cloudfront_origins;
pub mod conditions;
pub mod health;
pub mod lambda_target;
pub mod listener;
pub mod load;
pub mod model;
pub mod responses;
pub mod serve;
