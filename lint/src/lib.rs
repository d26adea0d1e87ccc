//! nextstack-lint: load HCL -> evaluate -> project model -> rules -> report.

pub mod eval;
pub mod ir;
pub mod json;
pub mod load;
pub mod source;
pub mod value;
