//! The plan every resource gets before its own plan hook: defaults, unknown
//! computed values, state kept for stable attributes, replacement triggers and
//! write-only attributes held out of the plan.

use crate::diagnostics::AttributePath;
use crate::schema::{Block, Nesting, PlanModifier};
use crate::value::Value;

/// A planned change, handed to a resource's `modify_plan` hook.
#[derive(Debug)]
pub struct Plan {
    pub prior: Value,
    pub config: Value,
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

impl Plan {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
    pub fn is_destroy(&self) -> bool {
        self.planned.is_null()
    }
    /// Marks a top-level attribute as unknown until apply.
    pub fn set_unknown(&mut self, name: &str) {
        self.set(name, Value::unknown());
    }
    pub fn set(&mut self, name: &str, value: Value) {
        if let Some(attrs) = self.planned.as_object_mut() {
            attrs.insert(name.to_string(), value);
        }
    }
    pub fn requires_replace(&mut self, name: &str) {
        let path = AttributePath::root(name);
        if !self.requires_replace.contains(&path) {
            self.requires_replace.push(path);
        }
    }
}

/// Computes the standard plan from what Terraform proposes.
pub fn plan_resource(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> Plan {
    let mut plan = Plan {
        prior: prior.clone(),
        config: config.clone(),
        planned: proposed.clone(),
        requires_replace: Vec::new(),
    };
    if proposed.is_null() {
        return plan;
    }
    apply_defaults(block, config, &mut plan.planned);
    clear_write_only(block, &mut plan.planned);
    if prior.is_null() {
        mark_computed_unknown(block, config, None, &mut plan.planned);
    } else {
        let changed = !prior.semantically_eq(&plan.planned);
        if changed {
            mark_computed_unknown(block, config, Some(prior), &mut plan.planned);
        }
        find_replacements(
            block,
            prior,
            &plan.planned,
            &AttributePath::default(),
            &mut plan.requires_replace,
        );
    }
    plan
}

fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    let Some(attrs) = planned.as_object_mut() else {
        return;
    };
    for a in &block.attributes {
        if let Some(default) = &a.default {
            if config.attr(&a.name).is_null() {
                attrs.insert(a.name.clone(), default.clone());
            }
        }
    }
    for nb in &block.blocks {
        let nested_config = config.attr(&nb.name);
        if let Some(nested) = attrs.get_mut(&nb.name) {
            for_each_nested(nb.nesting, nested_config, nested, |c, p| {
                apply_defaults(&nb.block, c, p)
            });
        }
    }
}

/// Write-only values come from configuration at apply time; plan and state hold null.
pub fn clear_write_only(block: &Block, value: &mut Value) {
    let Some(attrs) = value.as_object_mut() else {
        return;
    };
    for a in block.attributes.iter().filter(|a| a.write_only) {
        attrs.insert(a.name.clone(), Value::Null);
    }
    for nb in &block.blocks {
        if let Some(nested) = attrs.get_mut(&nb.name) {
            for_each_nested(nb.nesting, &Value::Null, nested, |_, p| clear_write_only(&nb.block, p));
        }
    }
}

fn mark_computed_unknown(block: &Block, config: &Value, prior: Option<&Value>, planned: &mut Value) {
    let Some(attrs) = planned.as_object_mut() else {
        return;
    };
    for a in block.attributes.iter().filter(|a| a.computed && a.default.is_none()) {
        if !config.attr(&a.name).is_null() {
            continue;
        }
        // A provider-chosen value that only changes by replacement (a region
        // defaulted from the provider) cannot change in an in-place update.
        let stable =
            a.has_modifier(&PlanModifier::UseStateForUnknown) || a.has_modifier(&PlanModifier::RequiresReplace);
        let keep = prior.is_some_and(|p| !p.attr(&a.name).is_null()) && stable;
        if !keep {
            attrs.insert(a.name.clone(), Value::unknown());
        }
    }
    for nb in &block.blocks {
        let nested_config = config.attr(&nb.name);
        if let Some(nested) = attrs.get_mut(&nb.name) {
            // Prior values of nested blocks only line up for single blocks.
            let nested_prior = prior.map(|p| p.attr(&nb.name));
            match nb.nesting {
                Nesting::Single => mark_computed_unknown(&nb.block, nested_config, nested_prior, nested),
                _ => for_each_nested(nb.nesting, nested_config, nested, |c, p| {
                    mark_computed_unknown(&nb.block, c, None, p)
                }),
            }
        }
    }
}

fn find_replacements(block: &Block, prior: &Value, planned: &Value, at: &AttributePath, out: &mut Vec<AttributePath>) {
    for a in block
        .attributes
        .iter()
        .filter(|a| a.has_modifier(&PlanModifier::RequiresReplace))
    {
        let before = prior.attr(&a.name);
        let after = planned.attr(&a.name);
        if !before.semantically_eq(after) || after.is_unknown() {
            out.push(at.clone().attr(&a.name));
        }
    }
    for nb in &block.blocks {
        let before = prior.attr(&nb.name);
        let after = planned.attr(&nb.name);
        if nb.requires_replace && !before.semantically_eq(after) {
            out.push(at.clone().attr(&nb.name));
        } else if nb.nesting == Nesting::Single {
            find_replacements(&nb.block, before, after, &at.clone().attr(&nb.name), out);
        }
    }
}

/// Runs `f(config_element, planned_element)` over the elements of a nested block value.
fn for_each_nested(nesting: Nesting, config: &Value, planned: &mut Value, mut f: impl FnMut(&Value, &mut Value)) {
    match nesting {
        Nesting::Single => {
            if !planned.is_null() {
                f(config, planned);
            }
        }
        Nesting::List | Nesting::Set => {
            if let Value::List(items) | Value::Set(items) = planned {
                let configs = config.as_elements().unwrap_or(&[]);
                for (i, item) in items.iter_mut().enumerate() {
                    f(configs.get(i).unwrap_or(&Value::Null), item);
                }
            }
        }
    }
}

/// After apply, non-computed attributes must equal the plan; copying them
/// from the plan keeps a resource's small normalisations from breaking
/// Terraform's consistency check.
pub fn align_with_plan(block: &Block, planned: &Value, new_state: &mut Value) {
    let Some(attrs) = new_state.as_object_mut() else {
        return;
    };
    for a in block.attributes.iter().filter(|a| !a.computed) {
        attrs.insert(a.name.clone(), planned.attr(&a.name).clone());
    }
    for nb in &block.blocks {
        // Blocks are configuration, never provider-made.
        if nb.block.attributes.iter().all(|a| !a.computed) {
            attrs.insert(nb.name.clone(), planned.attr(&nb.name).clone());
        }
    }
    clear_write_only(block, new_state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::value::Type;
    use std::collections::BTreeMap;

    fn schema() -> Block {
        Block::new("")
            .attribute(Attribute::new("id", Type::String).computed().use_state_for_unknown())
            .attribute(Attribute::new("version", Type::String).computed())
            .attribute(
                Attribute::new("path_prefix", Type::String)
                    .required()
                    .requires_replace(),
            )
            .attribute(Attribute::new("values", Type::map(Type::String)).optional())
            .attribute(Attribute::new("secret_wo", Type::String).optional().write_only())
            .attribute(Attribute::new("overwrite", Type::Bool).default_value(false))
            .block(NestedBlock::new(
                "validation",
                Nesting::Single,
                Block::new("").attribute(Attribute::new("zone", Type::String).required().requires_replace()),
            ))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = [
            "id",
            "version",
            "path_prefix",
            "values",
            "secret_wo",
            "overwrite",
            "validation",
        ]
        .iter()
        .map(|k| (k.to_string(), Value::Null))
        .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    #[test]
    fn create_fills_defaults_and_unknowns_and_holds_write_only_out() {
        let config = obj(&[("path_prefix", "/a/".into()), ("secret_wo", "s3cret".into())]);
        let plan = plan_resource(&schema(), &Value::Null, &config, &config);
        assert!(plan.planned.attr("id").is_unknown());
        assert!(plan.planned.attr("version").is_unknown());
        assert_eq!(plan.planned.attr("overwrite"), &Value::Bool(false));
        assert_eq!(plan.planned.attr("secret_wo"), &Value::Null);
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn no_change_keeps_state() {
        let prior = obj(&[
            ("id", "x".into()),
            ("version", "1".into()),
            ("path_prefix", "/a/".into()),
            ("overwrite", false.into()),
        ]);
        let config = obj(&[("path_prefix", "/a/".into())]);
        // Terraform proposes prior computed values where the configuration is null.
        let proposed = obj(&[
            ("id", "x".into()),
            ("version", "1".into()),
            ("path_prefix", "/a/".into()),
            ("overwrite", false.into()),
        ]);
        let plan = plan_resource(&schema(), &prior, &proposed, &config);
        assert_eq!(plan.planned, prior);
    }

    #[test]
    fn update_marks_computed_unknown_except_stable_ones_and_flags_replacement() {
        let prior = obj(&[
            ("id", "x".into()),
            ("version", "1".into()),
            ("path_prefix", "/a/".into()),
            ("overwrite", false.into()),
        ]);
        let config = obj(&[("path_prefix", "/b/".into())]);
        let proposed = obj(&[
            ("id", "x".into()),
            ("version", "1".into()),
            ("path_prefix", "/b/".into()),
            ("overwrite", false.into()),
        ]);
        let plan = plan_resource(&schema(), &prior, &proposed, &config);
        assert_eq!(plan.planned.attr("id"), &Value::from("x"));
        assert!(plan.planned.attr("version").is_unknown());
        assert_eq!(plan.requires_replace, vec![AttributePath::root("path_prefix")]);
    }

    #[test]
    fn defaulted_replacement_attribute_stays_on_update() {
        let block = schema().attribute(
            Attribute::new("region", Type::String)
                .optional()
                .computed()
                .requires_replace(),
        );
        let with_region = |v: Value, pairs: &[(&str, Value)]| {
            let mut o = obj(pairs);
            o.as_object_mut().unwrap().insert("region".into(), v);
            o
        };
        let prior = with_region(
            "eu-west-1".into(),
            &[
                ("id", "x".into()),
                ("path_prefix", "/a/".into()),
                ("values", Value::Map(BTreeMap::new())),
                ("overwrite", false.into()),
            ],
        );
        let config = with_region(
            Value::Null,
            &[
                ("path_prefix", "/a/".into()),
                ("values", Value::Map(BTreeMap::from([("k".into(), "v".into())]))),
            ],
        );
        let proposed = with_region(
            "eu-west-1".into(),
            &[
                ("id", "x".into()),
                ("path_prefix", "/a/".into()),
                ("values", Value::Map(BTreeMap::from([("k".into(), "v".into())]))),
                ("overwrite", false.into()),
            ],
        );
        let plan = plan_resource(&block, &prior, &proposed, &config);
        assert_eq!(plan.planned.attr("region"), &Value::from("eu-west-1"));
        assert!(
            plan.requires_replace.is_empty(),
            "an in-place update, not a replacement: {:?}",
            plan.requires_replace
        );
    }

    #[test]
    fn nested_block_attribute_replacement_has_full_path() {
        let validation = |z: &str| Value::Object(BTreeMap::from([("zone".to_string(), Value::from(z))]));
        let prior = obj(&[
            ("id", "x".into()),
            ("path_prefix", "/a/".into()),
            ("overwrite", false.into()),
            ("validation", validation("Z1")),
        ]);
        let config = obj(&[("path_prefix", "/a/".into()), ("validation", validation("Z2"))]);
        let proposed = obj(&[
            ("id", "x".into()),
            ("path_prefix", "/a/".into()),
            ("overwrite", false.into()),
            ("validation", validation("Z2")),
        ]);
        let plan = plan_resource(&schema(), &prior, &proposed, &config);
        assert_eq!(
            plan.requires_replace,
            vec![AttributePath::root("validation").attr("zone")]
        );
    }
}
