//! Generated protobuf/gRPC code (see `build.rs` and the workspace `proto/` directory).
//!
//! - [`tfplugin6`]: Terraform plugin protocol 6.10 (`provider_server::{Provider, ProviderServer}`).
//! - [`plugin`]: go-plugin's `GRPCController`, `GRPCStdio` and `GRPCBroker` services.
//! - [`google::protobuf`]: well-known types used by the above (`Timestamp`).

/// Terraform plugin protocol, version 6.10.
#[allow(
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    unused_qualifications,
    unreachable_pub,
    rustdoc::all
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// hashicorp/go-plugin services (package `plugin`).
#[allow(
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    unused_qualifications,
    unreachable_pub,
    rustdoc::all
)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

/// Protobuf well-known types referenced by the generated code.
#[allow(
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    missing_docs,
    unused_qualifications,
    unreachable_pub,
    rustdoc::all
)]
pub mod google {
    /// Package `google.protobuf`.
    pub mod protobuf {
        tonic::include_proto!("google.protobuf");
    }
}
