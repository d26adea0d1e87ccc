//! CloudFront, modelled: a distribution's behaviours, policies, functions, cache and invalidations.

pub mod cache;
pub mod distribution;
pub mod function_events;
pub mod functions;
pub mod invalidations;
pub mod lambda_edge;
pub mod path_pattern;
pub mod policies;
pub mod router;
