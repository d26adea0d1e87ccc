//! cty's JSON encoding (DynamicValue.json and RawState.json), and the bridge
//! between [`Value`] and serde models: a model is (de)serialized through the
//! same JSON shape, with unknown values read as null.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as J;

use crate::value::{Number, Type, Value};

#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    #[error("JSON value does not match type {ty}: found {found}")]
    Mismatch { ty: String, found: String },
    #[error("{0}")]
    Serde(#[from] serde_json::Error),
}

fn mismatch(ty: &Type, found: &J) -> JsonError {
    let mut text = found.to_string();
    text.truncate(80);
    JsonError::Mismatch {
        ty: ty.to_json().to_string(),
        found: text,
    }
}

/// Reads a JSON value of the given type. Object attributes the type does not
/// know are dropped; missing ones are null.
pub fn from_json(json: &J, ty: &Type) -> Result<Value, JsonError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::String => match json {
            J::String(s) => Ok(Value::String(s.clone())),
            // Terraform converts primitives to strings where a string is expected.
            J::Number(n) => Ok(Value::String(n.to_string())),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch(ty, json)),
        },
        Type::Bool => match json {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(mismatch(ty, json)),
        },
        Type::Number => match json {
            J::Number(n) => Ok(Value::Number(number_from_json(n))),
            J::String(s) => match s.parse::<i64>() {
                Ok(i) => Ok(Value::from(i)),
                Err(_) => s
                    .parse::<f64>()
                    .map(|f| Value::Number(Number::Float(f)))
                    .map_err(|_| mismatch(ty, json)),
            },
            _ => Err(mismatch(ty, json)),
        },
        Type::List(e) | Type::Set(e) => {
            let items = json.as_array().ok_or_else(|| mismatch(ty, json))?;
            let values = items.iter().map(|i| from_json(i, e)).collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(values)
            } else {
                Value::List(values)
            })
        }
        Type::Tuple(types) => {
            let items = json
                .as_array()
                .filter(|a| a.len() == types.len())
                .ok_or_else(|| mismatch(ty, json))?;
            Ok(Value::Tuple(
                items
                    .iter()
                    .zip(types)
                    .map(|(i, t)| from_json(i, t))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(e) => {
            let entries = json.as_object().ok_or_else(|| mismatch(ty, json))?;
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                out.insert(k.clone(), from_json(v, e)?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let entries = json.as_object().ok_or_else(|| mismatch(ty, json))?;
            let mut out = BTreeMap::new();
            for (name, attr_ty) in attrs {
                out.insert(name.clone(), from_json(entries.get(name).unwrap_or(&J::Null), attr_ty)?);
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            // cty's JSON wraps dynamic values as {"value": ..., "type": ...}.
            if let Some(obj) = json.as_object() {
                if obj.len() == 2 {
                    if let (Some(value), Some(type_json)) = (obj.get("value"), obj.get("type")) {
                        if let Ok(inner) = Type::from_json(type_json) {
                            return from_json(value, &inner);
                        }
                    }
                }
            }
            Ok(infer_from_json(json))
        }
    }
}

fn number_from_json(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(f) = n.as_f64() {
        Number::Float(f)
    } else {
        Number::Big(n.to_string())
    }
}

fn infer_from_json(json: &J) -> Value {
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Number(number_from_json(n)),
        J::String(s) => Value::String(s.clone()),
        J::Array(items) => Value::Tuple(items.iter().map(infer_from_json).collect()),
        J::Object(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), infer_from_json(v))).collect()),
    }
}

/// Writes a value as plain JSON; unknown values become null.
pub fn to_json(value: &Value) -> J {
    match value {
        Value::Null | Value::Unknown(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(Number::Int(i)) => J::from(*i),
        Value::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Number(Number::Big(s)) => J::String(s.clone()),
        Value::String(s) => J::String(s.clone()),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) | Value::Object(entries) => {
            J::Object(entries.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// Reads a typed model out of a value. Unknown values read as null, so a
/// computed attribute not yet known is `None` in the model.
pub fn to_model<T: DeserializeOwned>(value: &Value) -> Result<T, JsonError> {
    Ok(serde_json::from_value(to_json(value))?)
}

/// Turns a typed model back into a value of the schema's type.
pub fn from_model<T: Serialize>(model: &T, ty: &Type) -> Result<Value, JsonError> {
    from_json(&serde_json::to_value(model)?, ty)
}

/// [`to_model`] for the typed adapters: a failure is a provider bug, reported as a diagnostic.
pub(crate) fn decode_model<M: DeserializeOwned>(what: &str, value: &Value) -> Result<M, crate::Diagnostics> {
    to_model(value).map_err(|e| {
        crate::Diagnostic::error(
            "Provider could not read its own data",
            format!("Decoding the {what}: {e}. This is a bug in the provider."),
        )
        .into()
    })
}

/// [`from_model`] for the typed adapters: a failure is a provider bug, reported as a diagnostic.
pub(crate) fn encode_model<M: Serialize>(model: &M, schema: &crate::Schema) -> Result<Value, crate::Diagnostics> {
    from_model(model, &schema.value_type()).map_err(|e| {
        crate::Diagnostic::error(
            "Provider produced an invalid value",
            format!("{e}. This is a bug in the provider."),
        )
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn json_reads_typed_values() {
        let ty = Type::object([
            ("tags", Type::map(Type::String)),
            ("names", Type::set(Type::String)),
            ("n", Type::Number),
        ]);
        let json: J = serde_json::json!({"tags": {"a": "b"}, "names": ["/x"], "n": 3, "extra": 1});
        let value = from_json(&json, &ty).unwrap();
        assert_eq!(value.attr("names"), &Value::Set(vec!["/x".into()]));
        assert_eq!(value.attr("n"), &Value::from(3));
        assert_eq!(value.as_object().unwrap().len(), 3, "unknown attribute dropped");
    }

    #[test]
    fn dynamic_json_wrapper() {
        let json: J = serde_json::json!({"value": ["a", "b"], "type": ["list", "string"]});
        assert_eq!(
            from_json(&json, &Type::Dynamic).unwrap(),
            Value::List(vec!["a".into(), "b".into()])
        );
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Model {
        id: Option<String>,
        path_prefix: String,
        values: Option<BTreeMap<String, String>>,
    }

    #[test]
    fn models_read_unknown_as_none_and_round_trip() {
        let ty = Type::object([
            ("id", Type::String),
            ("path_prefix", Type::String),
            ("values", Type::map(Type::String)),
        ]);
        let value = Value::Object(BTreeMap::from([
            ("id".into(), Value::unknown()),
            ("path_prefix".into(), "/app/".into()),
            ("values".into(), Value::Map(BTreeMap::from([("a".into(), "1".into())]))),
        ]));
        let model: Model = to_model(&value).unwrap();
        assert_eq!(model.id, None);
        let back = from_model(&model, &ty).unwrap();
        assert_eq!(back.attr("id"), &Value::Null);
        assert_eq!(back.attr("values"), value.attr("values"));
    }
}
