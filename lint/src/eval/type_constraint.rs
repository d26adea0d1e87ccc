//! Variable type constraints (`map(object({ n = optional(number, 5) }))`): parsed from the `type`
//! expression, and applied to a variable's value as Terraform does (optional attributes get their
//! default or null, undeclared attributes are dropped, primitives are converted).

use crate::value::{format_number, Map, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;

/// Deeper type expressions are not understood (and so not applied); the parser already stops at
/// 64 nested brackets, this guards the recursion whatever builds the expression.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjAttr>),
}

/// One attribute of an `object({...})` type.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjAttr {
    pub ty: Type,
    /// Declared with `optional(...)`.
    pub optional: bool,
    /// The second argument of `optional(type, default)`, evaluated.
    pub default: Option<Value>,
}

impl Type {
    /// Parses a type constraint; `None` when the expression is not one Terraform accepts (or is
    /// nested too deeply). `eval_default` evaluates the default of `optional(type, default)`.
    pub fn parse(e: &Expression, eval_default: &mut dyn FnMut(&Expression) -> Value) -> Option<Type> {
        parse(e, eval_default, 0)
    }

    /// Converts a value to this type the way Terraform converts a variable's value. Unknown and
    /// null values stay as they are, and so does any part that does not fit the type (Terraform
    /// would reject it; the linter neither fails nor guesses).
    pub fn convert(&self, v: &Value) -> Value {
        if v.is_null() || v.is_unknown() {
            return v.clone();
        }
        match (self, v) {
            (Type::Any, _) => v.clone(),
            (Type::String, Value::Number(n)) => Value::str(format_number(*n)),
            (Type::String, Value::Bool(b)) => Value::str(b.to_string()),
            (Type::Number, Value::String(s)) => match s.parse::<f64>() {
                Ok(n) if n.is_finite() => Value::Number(n),
                _ => v.clone(),
            },
            (Type::Bool, Value::String(s)) => match &**s {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => v.clone(),
            },
            (Type::List(t), Value::List(l)) => Value::list(l.iter().map(|x| t.convert(x)).collect()),
            (Type::Set(t), Value::List(l)) => {
                let items: Vec<Value> = l.iter().map(|x| t.convert(x)).collect();
                if items.iter().all(Value::is_wholly_known) {
                    Value::list(super::functions::set_of(items))
                } else {
                    Value::list(items)
                }
            }
            (Type::Tuple(ts), Value::List(l)) if ts.len() == l.len() => {
                Value::list(ts.iter().zip(l.iter()).map(|(t, x)| t.convert(x)).collect())
            }
            (Type::Map(t), Value::Map(m)) => Value::map(m.iter().map(|(k, x)| (k.clone(), t.convert(x))).collect()),
            (Type::Object(attrs), Value::Map(m)) => {
                let mut out = Map::new();
                for (name, a) in attrs {
                    match m.get(name) {
                        Some(x) if !x.is_null() => {
                            out.insert(name.clone(), a.ty.convert(x));
                        }
                        // A null or absent optional attribute gets its default (converted, so an
                        // object default gets its own attributes' defaults), or null.
                        _ if a.optional => {
                            let d = a.default.as_ref().map(|d| a.ty.convert(d)).unwrap_or(Value::Null);
                            out.insert(name.clone(), d);
                        }
                        Some(_) => {
                            out.insert(name.clone(), Value::Null);
                        }
                        // A required attribute that is missing: Terraform rejects the value.
                        None => {}
                    }
                }
                Value::map(out)
            }
            _ => v.clone(),
        }
    }
}

fn parse(e: &Expression, eval_default: &mut dyn FnMut(&Expression) -> Value, depth: usize) -> Option<Type> {
    if depth > MAX_DEPTH {
        return None;
    }
    match e {
        Expression::Parenthesis(p) => parse(p.inner(), eval_default, depth + 1),
        Expression::Variable(v) => match v.as_str() {
            "any" => Some(Type::Any),
            "string" => Some(Type::String),
            "number" => Some(Type::Number),
            "bool" => Some(Type::Bool),
            _ => None,
        },
        Expression::FuncCall(f) => {
            if f.name.is_namespaced() || f.args.expand_final() {
                return None;
            }
            let args: Vec<&Expression> = f.args.iter().collect();
            let [arg] = args.as_slice() else { return None };
            let collection = |t: Option<Type>, of: fn(Box<Type>) -> Type| t.map(|t| of(Box::new(t)));
            match f.name.name.as_str() {
                "list" => collection(parse(arg, eval_default, depth + 1), Type::List),
                "set" => collection(parse(arg, eval_default, depth + 1), Type::Set),
                "map" => collection(parse(arg, eval_default, depth + 1), Type::Map),
                "tuple" => match arg {
                    Expression::Array(a) => a
                        .iter()
                        .map(|x| parse(x, eval_default, depth + 1))
                        .collect::<Option<Vec<_>>>()
                        .map(Type::Tuple),
                    _ => None,
                },
                "object" => parse_object(arg, eval_default, depth + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

fn parse_object(e: &Expression, eval_default: &mut dyn FnMut(&Expression) -> Value, depth: usize) -> Option<Type> {
    let Expression::Object(o) = e else { return None };
    let mut attrs = BTreeMap::new();
    for (k, v) in o.iter() {
        let name = match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
            ObjectKey::Expression(_) => return None,
        };
        let attr = match v.expr() {
            Expression::FuncCall(f) if !f.name.is_namespaced() && f.name.name.as_str() == "optional" => {
                if f.args.expand_final() {
                    return None;
                }
                let args: Vec<&Expression> = f.args.iter().collect();
                let (ty, default) = match args.as_slice() {
                    [ty] => (ty, None),
                    [ty, d] => (ty, Some(eval_default(d))),
                    _ => return None,
                };
                ObjAttr {
                    ty: parse(ty, eval_default, depth + 1)?,
                    optional: true,
                    default,
                }
            }
            other => ObjAttr {
                ty: parse(other, eval_default, depth + 1)?,
                optional: false,
                default: None,
            },
        };
        // A repeated name: the last wins, as in Terraform.
        attrs.insert(name, attr);
    }
    Some(Type::Object(attrs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Evaluator, Scope};
    use crate::load::Project;

    /// An expression parsed as the loader parses `x = <s>`.
    fn expr(s: &str) -> Expression {
        let body = crate::load::parse_hcl(&format!("x = {s}\n")).expect("test expression parses");
        body.attrs.into_iter().next().expect("one attribute").expr
    }

    fn value(ev: &Evaluator, s: &str) -> Value {
        ev.eval(&expr(s), &Scope::new(0)).expect("test value evaluates")
    }

    /// Parses `ty` and converts the value of the expression `v` to it.
    fn convert(ty: &str, v: &str) -> Option<Value> {
        let project = Project::default();
        let ev = Evaluator::new(&project);
        let t = Type::parse(&expr(ty), &mut |d| ev.eval(d, &Scope::new(0)).unwrap_or(Value::Unknown))?;
        Some(t.convert(&value(&ev, v)))
    }

    fn expect(s: &str) -> Value {
        let project = Project::default();
        value(&Evaluator::new(&project), s)
    }

    #[test]
    fn optional_attributes_get_their_defaults_or_null() {
        let ty = r#"map(object({
            filename             = string
            reserved_concurrency = optional(number, 5)
            methods              = optional(list(string), ["GET"])
            memory_size          = optional(number)
        }))"#;
        assert_eq!(
            convert(ty, r#"{ articles = { filename = "a.zip" } }"#),
            Some(expect(
                r#"{ articles = { filename = "a.zip", reserved_concurrency = 5, methods = ["GET"], memory_size = null } }"#
            ))
        );
        // Given values win; a given null gets the default as well.
        assert_eq!(
            convert(
                ty,
                r#"{ a = { filename = "a", reserved_concurrency = 2, methods = null, memory_size = 128 } }"#
            ),
            Some(expect(
                r#"{ a = { filename = "a", reserved_concurrency = 2, methods = ["GET"], memory_size = 128 } }"#
            ))
        );
    }

    #[test]
    fn undeclared_attributes_are_dropped() {
        assert_eq!(
            convert("object({ a = string })", r#"{ a = "x", b = "y" }"#),
            Some(expect(r#"{ a = "x" }"#))
        );
    }

    #[test]
    fn defaults_apply_inside_lists_sets_tuples_and_objects() {
        let inner = "object({ n = optional(number, 1) })";
        assert_eq!(
            convert(&format!("list({inner})"), "[{}, { n = 2 }]"),
            Some(expect("[{ n = 1 }, { n = 2 }]"))
        );
        assert_eq!(
            convert(&format!("set({inner})"), "[{}, { n = 1 }]"),
            Some(expect("[{ n = 1 }]"))
        );
        assert_eq!(
            convert(&format!("tuple([string, {inner}])"), r#"["a", {}]"#),
            Some(expect(r#"["a", { n = 1 }]"#))
        );
        assert_eq!(
            convert(&format!("object({{ o = {inner} }})"), "{ o = {} }"),
            Some(expect("{ o = { n = 1 } }"))
        );
    }

    #[test]
    fn an_object_default_gets_its_own_defaults() {
        let ty = "object({ o = optional(object({ n = optional(number, 3), s = optional(string) }), {}) })";
        assert_eq!(convert(ty, "{}"), Some(expect("{ o = { n = 3, s = null } }")));
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let ty = "map(object({ n = optional(number, 5) }))";
        let project = Project::default();
        let ev = Evaluator::new(&project);
        let t = Type::parse(&expr(ty), &mut |d| ev.eval(d, &Scope::new(0)).unwrap_or(Value::Unknown));
        let t = t.expect("parses");
        assert_eq!(t.convert(&Value::Unknown), Value::Unknown);
        let partly = Value::map(Map::from([
            ("a".to_string(), Value::Unknown),
            (
                "b".to_string(),
                Value::map(Map::from([("n".to_string(), Value::Unknown)])),
            ),
        ]));
        assert_eq!(t.convert(&partly), partly);
        assert_eq!(t.convert(&Value::Null), Value::Null);
    }

    #[test]
    fn primitives_convert_like_terraform() {
        assert_eq!(convert("string", "5"), Some(expect(r#""5""#)));
        assert_eq!(convert("number", r#""5""#), Some(expect("5")));
        assert_eq!(convert("bool", r#""true""#), Some(expect("true")));
        // What does not convert is left as it is.
        assert_eq!(convert("number", r#""five""#), Some(expect(r#""five""#)));
        assert_eq!(convert("list(string)", "{ a = 1 }"), Some(expect("{ a = 1 }")));
        assert_eq!(convert("any", "{ a = 1 }"), Some(expect("{ a = 1 }")));
    }

    #[test]
    fn types_that_are_not_understood_are_not_applied() {
        for ty in [
            "list",
            "strng",
            "optional(number)",
            "object({ a = optional(number, 1, 2) })",
            "map(string, number)",
            "provider::x::list(string)",
            "\"string\"",
        ] {
            assert_eq!(convert(ty, "1"), None, "{ty}");
        }
    }
}
