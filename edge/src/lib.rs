//! nextstack-edge: serves what an apply left at an AWS endpoint as a site on 127.0.0.1, the way AWS would.
//! See docs/edge.md for what is modelled and what is not.

pub mod access_log;
pub mod apigateway;
pub mod cloudfront;
pub mod control;
pub mod ecs;
pub mod elb;
pub mod endpoint;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod origins;
pub mod runtime;
pub mod server;
pub mod sigv4;
pub mod targets;
pub mod viewer_tls;
