//! cty's msgpack encoding, the form Terraform uses for every DynamicValue.
//!
//! Unknown values are msgpack extensions: type 0 (plain) or type 12 (refined;
//! the payload is a map of refinement codes). Values in `dynamic` positions
//! travel as `[type JSON, value]`.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

use crate::value::{Number, Refinements, Type, Value};

const EXT_UNKNOWN: i8 = 0;
const EXT_REFINED_UNKNOWN: i8 = 12;

const REFINE_NOT_NULL: i64 = 1;
const REFINE_STRING_PREFIX: i64 = 2;
const REFINE_NUMBER_LOWER: i64 = 3;
const REFINE_NUMBER_UPPER: i64 = 4;
const REFINE_LENGTH_LOWER: i64 = 5;
const REFINE_LENGTH_UPPER: i64 = 6;

#[derive(Debug, thiserror::Error)]
pub enum MsgpackError {
    #[error("msgpack decode: {0}")]
    Decode(String),
    #[error("msgpack value does not match type {ty}: found {found}")]
    Mismatch { ty: String, found: String },
}

fn mismatch(ty: &Type, found: &Mp) -> MsgpackError {
    let mut text = found.to_string();
    text.truncate(80);
    MsgpackError::Mismatch {
        ty: ty.to_json().to_string(),
        found: text,
    }
}

pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, MsgpackError> {
    let mut reader = bytes;
    let mp = rmpv::decode::read_value(&mut reader).map_err(|e| MsgpackError::Decode(e.to_string()))?;
    from_mp(&mp, ty)
}

pub fn encode(value: &Value, ty: &Type) -> Vec<u8> {
    let mp = to_mp(value, ty);
    let mut out = Vec::with_capacity(64);
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &mp);
    out
}

fn from_mp(mp: &Mp, ty: &Type) -> Result<Value, MsgpackError> {
    match mp {
        Mp::Nil => return Ok(Value::Null),
        Mp::Ext(kind, payload) => return Ok(Value::Unknown(Box::new(decode_refinements(*kind, payload)))),
        _ => {}
    }
    match ty {
        Type::String => match mp {
            Mp::String(s) => Ok(Value::String(s.as_str().ok_or_else(|| mismatch(ty, mp))?.to_string())),
            Mp::Binary(b) => Ok(Value::String(String::from_utf8_lossy(b).into_owned())),
            _ => Err(mismatch(ty, mp)),
        },
        Type::Bool => mp.as_bool().map(Value::Bool).ok_or_else(|| mismatch(ty, mp)),
        Type::Number => number_from_mp(mp).map(Value::Number).ok_or_else(|| mismatch(ty, mp)),
        Type::List(e) | Type::Set(e) => {
            let items = mp.as_array().ok_or_else(|| mismatch(ty, mp))?;
            let values = items.iter().map(|i| from_mp(i, e)).collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(values)
            } else {
                Value::List(values)
            })
        }
        Type::Tuple(types) => {
            let items = mp.as_array().ok_or_else(|| mismatch(ty, mp))?;
            if items.len() != types.len() {
                return Err(mismatch(ty, mp));
            }
            Ok(Value::Tuple(
                items
                    .iter()
                    .zip(types)
                    .map(|(i, t)| from_mp(i, t))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(e) => {
            let entries = mp.as_map().ok_or_else(|| mismatch(ty, mp))?;
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = k.as_str().ok_or_else(|| mismatch(ty, mp))?;
                out.insert(key.to_string(), from_mp(v, e)?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let entries = mp.as_map().ok_or_else(|| mismatch(ty, mp))?;
            let mut out: BTreeMap<String, Value> = attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in entries {
                let key = k.as_str().ok_or_else(|| mismatch(ty, mp))?;
                // Attributes the schema does not know are dropped.
                if let Some(attr_ty) = attrs.get(key) {
                    out.insert(key.to_string(), from_mp(v, attr_ty)?);
                }
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let pair = mp.as_array().filter(|a| a.len() == 2).ok_or_else(|| mismatch(ty, mp))?;
            let type_bytes: &[u8] = match &pair[0] {
                Mp::Binary(b) => b,
                Mp::String(s) => s.as_bytes(),
                other => return Err(mismatch(ty, other)),
            };
            let inner = Type::from_json_bytes(type_bytes).map_err(|e| MsgpackError::Decode(e.to_string()))?;
            from_mp(&pair[1], &inner)
        }
    }
}

fn number_from_mp(mp: &Mp) -> Option<Number> {
    match mp {
        Mp::Integer(i) => i
            .as_i64()
            .map(Number::Int)
            .or_else(|| i.as_u64().map(|u| Number::Big(u.to_string()))),
        Mp::F32(f) => Some(Number::Float(f64::from(*f))),
        Mp::F64(f) => Some(Number::Float(*f)),
        // cty sends numbers it cannot hold in a float as decimal strings.
        Mp::String(s) => {
            let text = s.as_str()?;
            Some(match text.parse::<i64>() {
                Ok(i) => Number::Int(i),
                Err(_) => Number::Big(text.to_string()),
            })
        }
        _ => None,
    }
}

fn decode_refinements(kind: i8, payload: &[u8]) -> Refinements {
    let mut refinements = Refinements::default();
    if kind != EXT_REFINED_UNKNOWN {
        return refinements;
    }
    let mut reader = payload;
    let Ok(Mp::Map(entries)) = rmpv::decode::read_value(&mut reader) else {
        return refinements;
    };
    for (key, value) in entries {
        let Some(code) = key.as_i64() else { continue };
        match code {
            REFINE_NOT_NULL => refinements.not_null = value.as_bool().unwrap_or(false),
            REFINE_STRING_PREFIX => refinements.string_prefix = value.as_str().map(str::to_string),
            REFINE_NUMBER_LOWER | REFINE_NUMBER_UPPER => {
                let bound = value
                    .as_array()
                    .and_then(|a| Some((number_from_mp(a.first()?)?, a.get(1)?.as_bool()?)));
                if code == REFINE_NUMBER_LOWER {
                    refinements.number_lower = bound;
                } else {
                    refinements.number_upper = bound;
                }
            }
            REFINE_LENGTH_LOWER => refinements.length_lower = value.as_i64(),
            REFINE_LENGTH_UPPER => refinements.length_upper = value.as_i64(),
            _ => {}
        }
    }
    refinements
}

fn encode_refinements(r: &Refinements) -> Vec<u8> {
    let mut entries = Vec::new();
    if r.not_null {
        entries.push((Mp::from(REFINE_NOT_NULL), Mp::Boolean(true)));
    }
    if let Some(prefix) = &r.string_prefix {
        entries.push((Mp::from(REFINE_STRING_PREFIX), Mp::from(prefix.as_str())));
    }
    for (code, bound) in [
        (REFINE_NUMBER_LOWER, &r.number_lower),
        (REFINE_NUMBER_UPPER, &r.number_upper),
    ] {
        if let Some((n, inclusive)) = bound {
            entries.push((
                Mp::from(code),
                Mp::Array(vec![number_to_mp(n), Mp::Boolean(*inclusive)]),
            ));
        }
    }
    for (code, bound) in [
        (REFINE_LENGTH_LOWER, r.length_lower),
        (REFINE_LENGTH_UPPER, r.length_upper),
    ] {
        if let Some(n) = bound {
            entries.push((Mp::from(code), Mp::from(n)));
        }
    }
    let mut out = Vec::new();
    let _ = rmpv::encode::write_value(&mut out, &Mp::Map(entries));
    out
}

fn number_to_mp(n: &Number) -> Mp {
    match n {
        Number::Int(i) => Mp::from(*i),
        Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Mp::from(*f as i64),
        Number::Float(f) => Mp::F64(*f),
        Number::Big(s) => Mp::from(s.as_str()),
    }
}

fn to_mp(value: &Value, ty: &Type) -> Mp {
    match value {
        Value::Null => return Mp::Nil,
        Value::Unknown(r) if r.is_empty() => return Mp::Ext(EXT_UNKNOWN, vec![0]),
        Value::Unknown(r) => return Mp::Ext(EXT_REFINED_UNKNOWN, encode_refinements(r)),
        _ => {}
    }
    if let Type::Dynamic = ty {
        let inner = value.infer_type();
        return Mp::Array(vec![Mp::Binary(inner.to_json_bytes()), to_mp(value, &inner)]);
    }
    match value {
        Value::Null | Value::Unknown(_) => Mp::Nil,
        Value::Bool(b) => Mp::Boolean(*b),
        Value::Number(n) => number_to_mp(n),
        Value::String(s) => Mp::from(s.as_str()),
        Value::List(items) | Value::Set(items) => {
            let element = match ty {
                Type::List(e) | Type::Set(e) => e.as_ref(),
                _ => &Type::Dynamic,
            };
            Mp::Array(items.iter().map(|i| to_mp(i, element)).collect())
        }
        Value::Tuple(items) => {
            let types: &[Type] = match ty {
                Type::Tuple(t) => t,
                _ => &[],
            };
            Mp::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| to_mp(v, types.get(i).unwrap_or(&Type::Dynamic)))
                    .collect(),
            )
        }
        Value::Map(entries) | Value::Object(entries) => {
            let attr_type = |k: &str| match ty {
                Type::Map(e) => e.as_ref().clone(),
                Type::Object(attrs) => attrs.get(k).cloned().unwrap_or(Type::Dynamic),
                _ => Type::Dynamic,
            };
            let mut out: Vec<(Mp, Mp)> = entries
                .iter()
                .map(|(k, v)| (Mp::from(k.as_str()), to_mp(v, &attr_type(k))))
                .collect();
            // An object must carry every attribute of its type, null when absent.
            if let Type::Object(attrs) = ty {
                for name in attrs.keys() {
                    if !entries.contains_key(name) {
                        out.push((Mp::from(name.as_str()), Mp::Nil));
                    }
                }
            }
            Mp::Map(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value, ty: Type) {
        let bytes = encode(&value, &ty);
        let back = decode(&bytes, &ty).expect("decodes");
        assert_eq!(back, value, "round trip through {}", ty.to_json());
    }

    #[test]
    fn primitives_round_trip() {
        round_trip(Value::string("hello"), Type::String);
        round_trip(Value::Bool(true), Type::Bool);
        round_trip(Value::from(42), Type::Number);
        round_trip(Value::Number(Number::Float(1.5)), Type::Number);
        round_trip(
            Value::Number(Number::Big("123456789012345678901234567890".into())),
            Type::Number,
        );
        round_trip(Value::Null, Type::String);
    }

    #[test]
    fn collections_round_trip() {
        let ty = Type::object([
            ("names", Type::set(Type::String)),
            ("values", Type::map(Type::String)),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
            ("list", Type::list(Type::Bool)),
        ]);
        let value = Value::Object(BTreeMap::from([
            ("names".into(), Value::Set(vec!["/a".into(), "/b".into()])),
            ("values".into(), Value::Map(BTreeMap::from([("k".into(), "v".into())]))),
            ("pair".into(), Value::Tuple(vec!["x".into(), Value::from(1)])),
            ("list".into(), Value::List(vec![true.into(), false.into()])),
        ]));
        round_trip(value, ty);
    }

    #[test]
    fn plain_unknown_is_extension_zero() {
        let bytes = encode(&Value::unknown(), &Type::String);
        assert_eq!(bytes, vec![0xd4, 0x00, 0x00]);
        assert!(decode(&bytes, &Type::String).unwrap().is_unknown());
        round_trip(
            Value::Object(BTreeMap::from([("id".into(), Value::unknown())])),
            Type::object([("id", Type::String)]),
        );
    }

    #[test]
    fn refined_unknown_is_decoded() {
        let refinements = Refinements {
            not_null: true,
            string_prefix: Some("arn:aws:acm:".into()),
            number_lower: Some((Number::Int(0), true)),
            number_upper: None,
            length_lower: Some(1),
            length_upper: Some(10),
        };
        let value = Value::Unknown(Box::new(refinements.clone()));
        let bytes = encode(&value, &Type::String);
        assert_eq!(bytes[0], 0xc7, "ext8 carrying the refinement map");
        let Value::Unknown(back) = decode(&bytes, &Type::String).unwrap() else {
            panic!("not unknown")
        };
        assert_eq!(*back, refinements);
    }

    #[test]
    fn refined_unknown_from_terraform_bytes() {
        // ext 12 with payload {1: true, 2: "/app/"}, as Terraform writes it.
        let mut payload = Vec::new();
        rmpv::encode::write_value(
            &mut payload,
            &Mp::Map(vec![(Mp::from(1), Mp::Boolean(true)), (Mp::from(2), Mp::from("/app/"))]),
        )
        .unwrap();
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &Mp::Ext(12, payload)).unwrap();
        let Value::Unknown(r) = decode(&bytes, &Type::String).unwrap() else {
            panic!("not unknown")
        };
        assert!(r.not_null);
        assert_eq!(r.string_prefix.as_deref(), Some("/app/"));
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let value = Value::Map(BTreeMap::from([("a".into(), Value::from("1"))]));
        let bytes = encode(&value, &Type::Dynamic);
        let mp = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        let pair = mp.as_array().unwrap();
        assert_eq!(pair[0], Mp::Binary(br#"["map","string"]"#.to_vec()));
        round_trip(value, Type::Dynamic);
        round_trip(Value::Null, Type::Dynamic);
        assert!(decode(&encode(&Value::unknown(), &Type::Dynamic), &Type::Dynamic)
            .unwrap()
            .is_unknown());
    }

    #[test]
    fn object_missing_attributes_encode_as_null() {
        let ty = Type::object([("a", Type::String), ("b", Type::String)]);
        let value = Value::Object(BTreeMap::from([("a".into(), "x".into())]));
        let back = decode(&encode(&value, &ty), &ty).unwrap();
        assert_eq!(back.attr("b"), &Value::Null);
        assert_eq!(back.attr("a"), &Value::from("x"));
    }

    #[test]
    fn mismatched_type_is_an_error_not_a_panic() {
        let bytes = encode(&Value::from("x"), &Type::String);
        assert!(decode(&bytes, &Type::list(Type::String)).is_err());
        assert!(decode(&[0xa5, b'a'], &Type::String).is_err(), "truncated string");
        assert!(decode(&[], &Type::String).is_err());
    }
}
