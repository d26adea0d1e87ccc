//! A value as Terraform sends it, still encoded: the framework's own form of tfplugin6's `DynamicValue`, so the
//! orchestration decodes and encodes with schema types without seeing protobuf.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::value::{Type, Value};
use crate::{json, msgpack};

/// One of two encodings: msgpack (what Terraform sends for every value) or JSON (some older paths). Both empty
/// is an absent value, which reads as null.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DynamicValue {
    pub msgpack: Vec<u8>,
    pub json: Vec<u8>,
}

impl DynamicValue {
    /// Encodes `value` as msgpack, the form every answer uses.
    pub fn encode(value: &Value, ty: &Type) -> Self {
        DynamicValue {
            msgpack: msgpack::encode(value, ty),
            json: Vec::new(),
        }
    }

    /// Decodes as a value of `ty`; a malformed encoding is an error diagnostic.
    pub fn decode(&self, ty: &Type) -> Result<Value, Diagnostics> {
        let fail = |e: String| -> Diagnostics { Diagnostic::error("Malformed value from Terraform", e).into() };
        if !self.msgpack.is_empty() {
            return msgpack::decode(&self.msgpack, ty).map_err(|e| fail(e.to_string()));
        }
        if !self.json.is_empty() {
            let parsed: serde_json::Value = serde_json::from_slice(&self.json).map_err(|e| fail(e.to_string()))?;
            return json::from_json(&parsed, ty).map_err(|e| fail(e.to_string()));
        }
        Ok(Value::Null)
    }
}
