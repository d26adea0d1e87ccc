//! The gRPC layer: the only place that sees protobuf types.

mod convert;
mod go_plugin;
mod provider_service;

pub use go_plugin::{BrokerService, ControllerService, StdioService};
pub use provider_service::ProviderService;
