//! Conversions between framework types and the tfplugin6 wire types.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::function::{Parameter, Signature};
use crate::identity::IdentitySchema;
use crate::proto::google::protobuf::Timestamp;
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::server::dynamic_value::DynamicValue;
use crate::value::{Type, Value};

pub fn decode_value(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    dv.map(dynamic).unwrap_or_default().decode(ty)
}

pub fn encode_value(value: &Value, ty: &Type) -> pb::DynamicValue {
    dynamic_pb(DynamicValue::encode(value, ty))
}

/// A wire value in the framework's form.
pub fn dynamic(dv: &pb::DynamicValue) -> DynamicValue {
    DynamicValue {
        msgpack: dv.msgpack.clone(),
        json: dv.json.clone(),
    }
}

/// A framework value on the wire.
pub fn dynamic_pb(dv: DynamicValue) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: dv.msgpack,
        json: dv.json,
    }
}

pub fn path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn diagnostics(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.0.iter()
        .map(|d: &Diagnostic| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.attribute.as_ref().map(path),
        })
        .collect()
}

pub fn identity_schema(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

/// An identity value on the wire.
pub fn identity_data(identity: DynamicValue) -> pb::ResourceIdentityData {
    pb::ResourceIdentityData {
        identity_data: Some(dynamic_pb(identity)),
    }
}

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block, s.version)),
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: a.ty.to_json_bytes(),
        nested_type: None,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
        deprecation_message: String::new(),
    }
}

fn nested_block(nb: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    pb::schema::NestedBlock {
        type_name: nb.name.clone(),
        block: Some(block(&nb.block, 0)),
        nesting: match nb.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
        } as i32,
        // Terraform wants a single block's bounds equal: 1/1 when required, 0/0 otherwise.
        min_items: nb.min_items,
        max_items: if nb.nesting == Nesting::Single {
            nb.min_items.min(1)
        } else {
            nb.max_items
        },
    }
}

fn parameter(p: &Parameter) -> pb::function::Parameter {
    pb::function::Parameter {
        name: p.name.clone(),
        r#type: p.ty.to_json_bytes(),
        allow_null_value: p.allow_null,
        allow_unknown_values: false,
        description: p.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    }
}

pub fn function(s: &Signature) -> pb::Function {
    pb::Function {
        parameters: s.parameters.iter().map(parameter).collect(),
        variadic_parameter: s.variadic.as_ref().map(parameter),
        r#return: Some(pb::function::Return {
            r#type: s.returns.to_json_bytes(),
        }),
        summary: s.summary.clone(),
        description: s.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

pub fn timestamp(t: SystemTime) -> Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_encodes_flags_types_and_nesting() {
        let s = Schema::new(
            Block::new("A **resource**.")
                .attribute(Attribute::new("path_prefix", Type::String).required())
                .attribute(
                    Attribute::new("secure_values_wo", Type::map(Type::String))
                        .optional()
                        .sensitive()
                        .write_only(),
                )
                .attribute(Attribute::new("overwrite", Type::Bool).default_value(false))
                .block(NestedBlock::new(
                    "validation",
                    Nesting::Single,
                    Block::new("").attribute(Attribute::new("hosted_zone_id", Type::String).required()),
                ))
                .block(NestedBlock::new("rule", Nesting::List, Block::new("")))
                .block(NestedBlock::new("target", Nesting::Single, Block::new("")).required()),
        )
        .with_version(2);
        let pb = schema(&s);
        assert_eq!(pb.version, 2);
        let block = pb.block.unwrap();
        assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
        let attr = |name: &str| block.attributes.iter().find(|a| a.name == name).unwrap().clone();
        assert!(attr("path_prefix").required && !attr("path_prefix").optional);
        assert_eq!(attr("path_prefix").r#type, br#""string""#);
        let wo = attr("secure_values_wo");
        assert!(wo.write_only && wo.sensitive && wo.optional);
        assert_eq!(wo.r#type, br#"["map","string"]"#);
        let overwrite = attr("overwrite");
        assert!(
            overwrite.optional && overwrite.computed,
            "a default makes it optional+computed"
        );
        let validation = block.block_types.iter().find(|b| b.type_name == "validation").unwrap();
        assert_eq!(validation.nesting, pb::schema::nested_block::NestingMode::Single as i32);
        assert_eq!(
            (validation.min_items, validation.max_items),
            (0, 0),
            "an optional single block"
        );
        let target = block.block_types.iter().find(|b| b.type_name == "target").unwrap();
        assert_eq!(
            (target.min_items, target.max_items),
            (1, 1),
            "Terraform wants equal bounds on single blocks"
        );
        let rule = block.block_types.iter().find(|b| b.type_name == "rule").unwrap();
        assert_eq!(rule.nesting, pb::schema::nested_block::NestingMode::List as i32);
    }

    #[test]
    fn diagnostics_carry_attribute_paths() {
        let d: Diagnostics = Diagnostic::error("Bad key", "detail")
            .at(AttributePath::root("values").key("a/b"))
            .into();
        let pb = diagnostics(&d);
        assert_eq!(pb[0].severity, pb::diagnostic::Severity::Error as i32);
        let steps = &pb[0].attribute.as_ref().unwrap().steps;
        use pb::attribute_path::step::Selector;
        assert_eq!(steps[0].selector, Some(Selector::AttributeName("values".into())));
        assert_eq!(steps[1].selector, Some(Selector::ElementKeyString("a/b".into())));
    }

    #[test]
    fn dynamic_values_decode_from_msgpack_and_json() {
        let ty = Type::object([("n", Type::Number)]);
        let json = pb::DynamicValue {
            msgpack: vec![],
            json: br#"{"n": 3}"#.to_vec(),
        };
        assert_eq!(decode_value(Some(&json), &ty).unwrap().attr("n"), &Value::from(3));
        let mp = encode_value(&decode_value(Some(&json), &ty).unwrap(), &ty);
        assert!(mp.json.is_empty(), "msgpack is what we send");
        assert_eq!(decode_value(Some(&mp), &ty).unwrap().attr("n"), &Value::from(3));
        assert!(decode_value(None, &ty).unwrap().is_null());
        assert!(decode_value(
            Some(&pb::DynamicValue {
                msgpack: vec![0x93],
                json: vec![]
            }),
            &ty
        )
        .is_err());
    }
}
