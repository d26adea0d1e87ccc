//! A framework for Terraform providers in Rust.
//!
//! Three layers that never blur: the wire (private generated protobuf and gRPC service, and [`server`]:
//! tfplugin6 over gRPC behind go-plugin's handshake), values and schemas
//! ([`value`], [`msgpack`], [`json`], [`schema`], [`plan`], [`diagnostics`]),
//! and the traits a provider implements ([`provider::Provider`],
//! [`resource::Resource`], [`data_source::DataSource`],
//! [`ephemeral::EphemeralResource`], [`function::Function`]). Provider code
//! never sees protobuf types.

pub mod context;
pub mod data_source;
pub mod diagnostics;
pub mod ephemeral;
pub mod function;
mod grpc;
pub mod identity;
pub mod json;
pub mod list;
pub mod logging;
pub mod msgpack;
pub mod plan;
/// Generated wire types: private, so provider code cannot reach protobuf.
mod proto;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod server;
pub mod tls;
pub mod validators;
pub mod value;

pub use context::{Ctx, StopSignal};
pub use data_source::{data_source, DataSource};
pub use diagnostics::{AttributePath, Diagnostic, Diagnostics};
pub use ephemeral::{ephemeral_resource, EphemeralResource, Opened};
pub use function::{Function, FunctionError, Parameter, Signature};
pub use identity::{IdentityAttribute, IdentitySchema};
pub use list::{list_resource, ListResource, Listed};
pub use plan::Plan;
pub use provider::Provider;
pub use resource::{resource, ApplyError, Change, MoveSource, Refreshed, Resource, SourceState};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
pub use server::{serve, ServeOptions};
pub use value::{Type, Value};
