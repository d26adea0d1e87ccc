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

use crate::value::{Type, Value};

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

    #[test]
    fn default_makes_optional_computed() {
        let a = Attribute::new("overwrite", Type::Bool).default_value(false);
        assert!(a.optional && a.computed && !a.required);
    }
}
