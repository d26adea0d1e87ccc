//! Provider functions (Terraform >= 1.8): `provider::<name>::<function>(...)`.

use crate::value::{Type, Value};

pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub allow_null: bool,
}

impl Parameter {
    pub fn new(name: &str, ty: Type, description: &str) -> Self {
        Parameter {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            allow_null: false,
        }
    }
}

pub struct Signature {
    pub parameters: Vec<Parameter>,
    pub variadic: Option<Parameter>,
    pub returns: Type,
    pub summary: String,
    pub description: String,
}

/// A failed call; `argument` (0-based) points Terraform at the offending argument.
#[derive(Debug)]
pub struct FunctionError {
    pub message: String,
    pub argument: Option<i64>,
}

impl FunctionError {
    pub fn argument(index: i64, message: impl Into<String>) -> Self {
        FunctionError {
            message: message.into(),
            argument: Some(index),
        }
    }
}

/// A pure function: same arguments, same result, no I/O.
pub trait Function: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    /// Arguments arrive in parameter order, variadic ones last; all are known.
    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError>;
}
