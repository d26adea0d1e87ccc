//! Schemas: what a provider, resource, data source or ephemeral resource accepts and returns.
//!
//! Built with small builders:
//! ```
//! use tfplugin_framework::schema::{Attribute, Block, Schema};
//! use tfplugin_framework::value::Type;
//! let schema = Schema::new(Block::new("Publishes parameters.")
//!     .attribute(Attribute::new("path_prefix", Type::String).required().requires_replace())
//!     .attribute(Attribute::new("overwrite", Type::Bool).default_value(false)));
//! ```

use std::fmt::Debug;
use std::sync::Arc;

use crate::diagnostics::{AttributePath, Diagnostics};
use crate::value::{Type, Value};

/// A reusable check of one attribute's configured value, attached to the attribute
/// ([`Attribute::validator`]) rather than written again in each resource's `validate`. The framework runs
/// it when Terraform validates a configuration (resources, data sources, ephemeral and list resources),
/// at the attribute's path, before the type's own `validate`. Values may be null or unknown (a reference
/// to something not yet created): a validator checks only what it can see.
pub trait Validator: Send + Sync + Debug {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics;
}

/// How an attribute's planned value is derived beyond copying the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanModifier {
    /// A change of this attribute destroys and recreates the resource.
    RequiresReplace,
    /// A computed value that, once known, stays the same across updates.
    UseStateForUnknown,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Never stored in plan or state (Terraform >= 1.11).
    pub write_only: bool,
    pub deprecated: bool,
    pub default: Option<Value>,
    pub plan_modifiers: Vec<PlanModifier>,
    /// Checks of the configured value; see [`Validator`].
    pub validators: Vec<Arc<dyn Validator>>,
}

impl Attribute {
    pub fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            default: None,
            plan_modifiers: Vec::new(),
            validators: Vec::new(),
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self.optional = false;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self.required = false;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    /// Markdown shown in docs and the language server.
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    /// The value planned when the configuration leaves the attribute unset.
    /// Makes the attribute optional and computed, as Terraform requires for
    /// a provider-filled value.
    pub fn default_value(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self.optional = true;
        self.computed = true;
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.plan_modifiers.push(PlanModifier::RequiresReplace);
        self
    }
    pub fn use_state_for_unknown(mut self) -> Self {
        self.plan_modifiers.push(PlanModifier::UseStateForUnknown);
        self
    }
    /// Adds a check of the configured value, run by the framework at validation.
    pub fn validator(mut self, validator: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }
    pub fn has_modifier(&self, m: &PlanModifier) -> bool {
        self.plan_modifiers.contains(m)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; an object or null.
    Single,
    List,
    Set,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
    pub requires_replace: bool,
}

impl NestedBlock {
    pub fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        NestedBlock {
            name: name.to_string(),
            nesting,
            block,
            min_items: 0,
            max_items: if nesting == Nesting::Single { 1 } else { 0 },
            requires_replace: false,
        }
    }
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    pub fn required(mut self) -> Self {
        self.min_items = 1;
        self
    }
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub deprecated: bool,
}

impl Block {
    pub fn new(description: &str) -> Self {
        Block {
            description: description.to_string(),
            ..Block::default()
        }
    }
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn attribute_named(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Runs every attribute's validators on `value` (an object of this block, at `path`), nested blocks
    /// included: a list block's elements at their index, a set block's at the block (set elements have
    /// no index).
    pub fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if value.as_object().is_none() {
            return diags;
        }
        let at = |name: &str| {
            let mut p = path.clone();
            p.0.push(crate::diagnostics::PathStep::Attribute(name.to_string()));
            p
        };
        for a in &self.attributes {
            let attr_path = at(&a.name);
            for v in &a.validators {
                diags.extend(v.validate(value.attr(&a.name), &attr_path));
            }
        }
        for b in &self.blocks {
            let inner = value.attr(&b.name);
            let block_path = at(&b.name);
            match b.nesting {
                Nesting::Single => diags.extend(b.block.validate(inner, &block_path)),
                Nesting::List | Nesting::Set => {
                    for (i, element) in inner.as_elements().unwrap_or_default().iter().enumerate() {
                        let element_path = match b.nesting {
                            Nesting::List => block_path.clone().index(i as i64),
                            _ => block_path.clone(),
                        };
                        diags.extend(b.block.validate(element, &element_path));
                    }
                }
            }
        }
        diags
    }

    /// The object type of a value of this block.
    pub fn value_type(&self) -> Type {
        let mut attrs: std::collections::BTreeMap<String, Type> =
            self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone())).collect();
        for b in &self.blocks {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            attrs.insert(b.name.clone(), ty);
        }
        Type::Object(attrs)
    }
}

#[derive(Clone, Debug)]
pub struct Schema {
    /// Bumped when the state layout changes; old states go through upgrade.
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }
    pub fn with_version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

/// Where a typed model (serialised to JSON, every field set) disagrees with a schema type: fields the type
/// lacks (they would be dropped on the way to Terraform), attributes the model lacks, and values of another
/// kind. Empty when they agree. For a unit test per resource, so that a nested object type written beside its
/// model cannot silently lose a field. Null values, empty collections and dynamic types are not looked into.
pub fn model_mismatches(ty: &Type, model: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    mismatches(ty, model, "", &mut out);
    out
}

fn mismatches(ty: &Type, model: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value as J;
    let here = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    match (ty, model) {
        (_, J::Null) | (Type::Dynamic, _) => {}
        (Type::Object(attrs), J::Object(fields)) => {
            for name in fields.keys().filter(|k| !attrs.contains_key(*k)) {
                out.push(format!(
                    "{}: a field of the model, missing from the schema type",
                    here(name)
                ));
            }
            for (name, attr_ty) in attrs {
                match fields.get(name) {
                    None => out.push(format!("{}: in the schema type, missing from the model", here(name))),
                    Some(field) => mismatches(attr_ty, field, &here(name), out),
                }
            }
        }
        (Type::List(e) | Type::Set(e), J::Array(items)) => {
            for item in items {
                mismatches(e, item, &format!("{at}[]"), out);
            }
        }
        (Type::Map(e), J::Object(entries)) => {
            for item in entries.values() {
                mismatches(e, item, &format!("{at}[*]"), out);
            }
        }
        (Type::String, J::String(_)) | (Type::Number, J::Number(_)) | (Type::Bool, J::Bool(_)) => {}
        (ty, model) => out.push(format!(
            "{at}: the schema type is {}, the model gives {model}",
            ty.to_json()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_type_includes_nested_blocks() {
        let block = Block::new("")
            .attribute(Attribute::new("id", Type::String).computed())
            .block(NestedBlock::new(
                "validation",
                Nesting::Single,
                Block::new("").attribute(Attribute::new("hosted_zone_id", Type::String).required()),
            ))
            .block(NestedBlock::new("rule", Nesting::List, Block::new("")));
        let ty = block.value_type();
        assert_eq!(
            ty.to_json(),
            serde_json::json!(["object", {"id": "string", "validation": ["object", {"hosted_zone_id": "string"}], "rule": ["list", ["object", {}]]}])
        );
    }

    /// Refuses any known string that is not "ok".
    #[derive(Debug)]
    struct OnlyOk;

    impl Validator for OnlyOk {
        fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
            let mut diags = Diagnostics::new();
            if let Some(s) = value.as_str().filter(|s| *s != "ok") {
                diags.push(crate::Diagnostic::error("Not ok", format!("{s:?}")).at(path.clone()));
            }
            diags
        }
    }

    #[test]
    fn validators_run_at_each_attributes_path() {
        let block = Block::new("")
            .attribute(Attribute::new("name", Type::String).optional().validator(OnlyOk))
            .block(NestedBlock::new(
                "rule",
                Nesting::List,
                Block::new("").attribute(Attribute::new("name", Type::String).optional().validator(OnlyOk)),
            ));
        let object =
            |pairs: Vec<(&str, Value)>| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        let config = object(vec![
            ("name", Value::string("bad")),
            (
                "rule",
                Value::List(vec![
                    object(vec![("name", Value::string("ok"))]),
                    object(vec![("name", Value::string("worse"))]),
                    object(vec![("name", Value::unknown())]),
                ]),
            ),
        ]);
        let diags = block.validate(&config, &AttributePath::default());
        let paths: Vec<String> = diags
            .0
            .iter()
            .map(|d| d.attribute.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(paths, ["name", "rule[1].name"]);
        assert!(block.validate(&Value::Null, &AttributePath::default()).is_empty());
    }

    #[test]
    fn a_model_field_missing_from_the_type_is_found() {
        let ty = Type::object([
            ("name", Type::String),
            ("rules", Type::list(Type::object([("port", Type::Number)]))),
        ]);
        let agrees = serde_json::json!({"name": "a", "rules": [{"port": 80}]});
        assert!(model_mismatches(&ty, &agrees).is_empty());
        let extra = serde_json::json!({"name": "a", "rules": [{"port": 80, "protocol": "tcp"}]});
        assert_eq!(
            model_mismatches(&ty, &extra),
            ["rules[].protocol: a field of the model, missing from the schema type"]
        );
        let lacking = serde_json::json!({"rules": [{"port": "80"}]});
        assert_eq!(
            model_mismatches(&ty, &lacking),
            [
                "name: in the schema type, missing from the model",
                "rules[].port: the schema type is \"number\", the model gives \"80\""
            ]
        );
    }

    #[test]
    fn default_makes_optional_computed() {
        let a = Attribute::new("overwrite", Type::Bool).default_value(false);
        assert!(a.optional && a.computed && !a.required);
    }
}
