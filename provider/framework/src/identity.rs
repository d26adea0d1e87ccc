//! Resource identity (Terraform >= 1.12): a small object, apart from the state, that names the remote object a
//! resource instance manages. Terraform stores it beside the state, shows it in `terraform show -json`, accepts
//! it in `import { identity = {...} }` blocks and gets it from list resources (`terraform query`).
//!
//! An identity never changes for the life of the object: everything in it is fixed at create (a change of any
//! of it means another object, so the attributes it comes from force replacement).

use crate::value::Type;

#[derive(Clone, Debug)]
pub struct IdentityAttribute {
    pub name: String,
    /// A primitive or a list of primitives; Terraform accepts nothing nested.
    pub ty: Type,
    pub description: String,
    /// Must be given in an `import { identity = {...} }` block.
    pub required_for_import: bool,
    /// May be given in an import block; left out, the provider's defaults apply (its region, its credentials).
    pub optional_for_import: bool,
}

impl IdentityAttribute {
    /// An attribute every import by identity must give.
    pub fn required(name: &str, ty: Type) -> Self {
        IdentityAttribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required_for_import: true,
            optional_for_import: false,
        }
    }
    /// An attribute an import by identity may leave out.
    pub fn optional(name: &str, ty: Type) -> Self {
        IdentityAttribute {
            required_for_import: false,
            optional_for_import: true,
            ..IdentityAttribute::required(name, ty)
        }
    }
    /// Markdown shown in docs.
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
}

#[derive(Clone, Debug, Default)]
pub struct IdentitySchema {
    /// Bumped when the identity's layout changes (independent of the resource schema's version).
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn new() -> Self {
        IdentitySchema::default()
    }
    pub fn attribute(mut self, attribute: IdentityAttribute) -> Self {
        self.attributes.push(attribute);
        self
    }
    /// The object type of an identity value.
    pub fn value_type(&self) -> Type {
        Type::Object(self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_type_is_an_object_of_its_attributes() {
        let s = IdentitySchema::new()
            .attribute(IdentityAttribute::required("arn", Type::String))
            .attribute(IdentityAttribute::optional("names", Type::list(Type::String)));
        assert_eq!(
            s.value_type().to_json(),
            serde_json::json!(["object", {"arn": "string", "names": ["list", "string"]}])
        );
        assert!(s.attributes[0].required_for_import && !s.attributes[0].optional_for_import);
        assert!(s.attributes[1].optional_for_import && !s.attributes[1].required_for_import);
    }
}
