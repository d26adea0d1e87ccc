//! Lambda functions run from their deployed code, the way Lambda runs them: one process per execution
//! environment, speaking the Lambda Runtime API to a server of ours, reused while warm, started on demand
//! up to the function's concurrency.
//!
//! AWS: Lambda Developer Guide, "Lambda execution environment lifecycle" (init, invoke; an environment
//! handles one invocation at a time and is reused), "Using the Lambda runtime API for custom runtimes"
//! (the protocol, in `runtime_api`), "Configuring reserved concurrency" (a function with reserved
//! concurrency never runs more environments than that; 0 throttles every invocation).

pub mod code;
pub mod deployed;
pub mod pool;
pub mod registry;
pub mod runtime_api;
pub mod updates;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;

/// A function version as the edge runs it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    /// The ARN invocations report (qualified when a version or alias was invoked).
    pub arn: String,
    pub version: String,
    pub region: String,
    pub runtime: String,
    pub handler: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u32,
    pub architecture: Architecture,
    /// Reserved concurrency, when the function has one.
    pub reserved_concurrency: Option<u32>,
    /// The unzipped deployment package.
    pub code_dir: PathBuf,
    /// The CPU the package's native modules (`*.node`) were built for; None when it has none.
    pub native_architecture: Option<Architecture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn from_aws(name: &str) -> Option<Self> {
        match name {
            "x86_64" => Some(Self::X86_64),
            "arm64" => Some(Self::Arm64),
            _ => None,
        }
    }
    pub fn host() -> Self {
        if cfg!(target_arch = "aarch64") {
            Self::Arm64
        } else {
            Self::X86_64
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }
}

/// The body of a streamed response as it arrives from the runtime (trailers carry a mid-stream error).
pub type StreamBody = BoxBody<Bytes, hyper::Error>;

/// What one invocation produced.
pub enum Outcome {
    /// `POST /runtime/invocation/{id}/response` with the whole payload.
    Response(Bytes),
    /// The same in streaming mode: the runtime's request body, passed on as it arrives.
    Stream {
        content_type: Option<String>,
        body: StreamBody,
    },
    /// `POST /runtime/invocation/{id}/error`, or an error Lambda itself reports (timeout, crash, init failure).
    Error(FunctionError),
}

#[derive(Debug, Clone)]
pub struct FunctionError {
    pub error_type: String,
    pub message: String,
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl FunctionError {
    pub fn new(error_type: &str, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.to_string(),
            message: message.into(),
        }
    }
}
