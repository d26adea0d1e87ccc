//! Values produced by the evaluator. `Unknown` is anything that cannot be known statically;
//! `Ref` is a computed attribute of a resource (e.g. `aws_wafv2_web_acl.x.arn`): unknown as a
//! value, but rules can still follow it to the resource it comes from. `OneOf` and `Repeated` are
//! unknown values of which something is still known (the candidates an unknown selector picks
//! from; the element every key of an unknown collection gives).

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub type Map = BTreeMap<String, Value>;

/// More candidates than this make a selection plain `Unknown`.
pub const MAX_CANDIDATES: usize = 64;

/// Address of one resource instance of one module instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ResAddr {
    pub inst: usize,
    pub decl: usize,
    /// `resource`, `data` or `ephemeral`.
    pub mode: &'static str,
    pub ty: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefVal {
    pub addr: ResAddr,
    pub attr: String,
    /// The key of a map attribute read by name (`values["/app/prod/alb"]` of the
    /// `nextstack_ssm_parameters` data source and ephemeral resource).
    pub key: Option<String>,
}

impl RefVal {
    /// `ref[key]`: only the maps of SSM values keyed by parameter name are followed.
    pub fn index(&self, key: &str) -> Option<Value> {
        let ssm_map = self.addr.ty == "nextstack_ssm_parameters"
            && self.addr.mode != "resource"
            && matches!(self.attr.as_str(), "values" | "secure_values");
        (ssm_map && self.key.is_none()).then(|| {
            Value::Ref(Rc::new(RefVal {
                addr: self.addr.clone(),
                attr: self.attr.clone(),
                key: Some(key.to_string()),
            }))
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceObj {
    pub addr: ResAddr,
    pub attrs: Map,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    List(Rc<Vec<Value>>),
    Map(Rc<Map>),
    Resource(Rc<ResourceObj>),
    Ref(Rc<RefVal>),
    /// `jsonencode(x)` of an `x` that is partly unknown: an unknown string whose structure is
    /// still known, so rules can inspect it (e.g. container definitions with an unknown image).
    Encoded(Rc<Value>),
    /// Unknown only because a selector is: one of these candidates (two or more, distinct, none
    /// of them `Unknown` or `OneOf`), e.g. `local.settings[each.value.kind]` with an unknown key
    /// into a known map, or `c ? a : b` with an unknown `c`. Build it with [`Value::one_of`].
    OneOf(Rc<Vec<Value>>),
    /// A collection whose keys (and size) are unknown and whose every element is this value:
    /// the instances of a resource or module call whose `count` / `for_each` is unknown, each
    /// standing for all (what depends on the key is unknown in it). Indexing it with any key
    /// gives the element.
    Repeated(Rc<Value>),
    Unknown,
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }
    pub fn map(m: Map) -> Value {
        Value::Map(Rc::new(m))
    }

    /// One of `candidates`: the candidate itself when there is one, `Unknown` when there are
    /// none, when one is `Unknown` (nothing is then known of the choice) or when there are more
    /// than [`MAX_CANDIDATES`]. Nested choices are flattened and duplicates dropped.
    pub fn one_of(candidates: impl IntoIterator<Item = Value>) -> Value {
        let mut out: Vec<Value> = Vec::new();
        for c in candidates {
            let flat = match c {
                Value::OneOf(inner) => inner.to_vec(),
                Value::Unknown => return Value::Unknown,
                other => vec![other],
            };
            for x in flat {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            if out.len() > MAX_CANDIDATES {
                return Value::Unknown;
            }
        }
        match out.len() {
            0 => Value::Unknown,
            1 => out.pop().unwrap_or(Value::Unknown),
            _ => Value::OneOf(Rc::new(out)),
        }
    }

    /// The values this one may be: the candidates of a `OneOf`, else the value itself.
    pub fn candidates(&self) -> &[Value] {
        match self {
            Value::OneOf(c) => c,
            other => std::slice::from_ref(other),
        }
    }

    /// Unknown or a reference to a computed attribute.
    pub fn is_unknown(&self) -> bool {
        matches!(
            self,
            Value::Unknown | Value::Ref(_) | Value::Encoded(_) | Value::OneOf(_) | Value::Repeated(_)
        )
    }

    /// True when the value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown | Value::Ref(_) | Value::Encoded(_) | Value::OneOf(_) | Value::Repeated(_) => false,
            Value::List(l) => l.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            Value::Resource(_) => false,
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if &**s == "true" => Some(true),
            Value::String(s) if &**s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            Value::Resource(r) => Some(&r.attrs),
            _ => None,
        }
    }

    /// Attribute of an object; `None` when absent. A `Resource` answers an attribute that is
    /// absent or unknown with a `Ref` to it (still unknown, but it leads to the resource); a
    /// `OneOf` answers with the attribute of each candidate that has it.
    pub fn get_attr(&self, name: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.get(name).cloned(),
            Value::Resource(r) => Some(match r.attrs.get(name) {
                Some(v) if *v != Value::Unknown => v.clone(),
                _ => Value::Ref(Rc::new(RefVal {
                    addr: r.addr.clone(),
                    attr: name.to_string(),
                    key: None,
                })),
            }),
            Value::Ref(r) => Some(r.index(name).unwrap_or(Value::Unknown)),
            Value::OneOf(c) => {
                let found: Vec<Value> = c.iter().filter_map(|x| x.get_attr(name)).collect();
                (!found.is_empty()).then(|| Value::one_of(found))
            }
            // `.name` of a map is `["name"]`, of a list an error: which one is not known.
            Value::Unknown | Value::Encoded(_) | Value::Repeated(_) => Some(Value::Unknown),
            _ => None,
        }
    }

    /// The string form Terraform uses in templates; `None` for values with no string form.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) | Value::Resource(_) => "object",
            Value::Ref(_) | Value::Encoded(_) | Value::OneOf(_) | Value::Repeated(_) | Value::Unknown => "unknown",
        }
    }

    /// Converts to JSON; `None` when something inside is unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    serde_json::Value::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n).map(serde_json::Value::Number)?
                }
            }
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect::<Option<_>>()?),
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Resource(_)
            | Value::Ref(_)
            | Value::Encoded(_)
            | Value::OneOf(_)
            | Value::Repeated(_)
            | Value::Unknown => return None,
        })
    }

    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map(Value::Number).unwrap_or(Value::Unknown),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "\"{s}\""),
            Value::Ref(r) => match &r.key {
                Some(k) => write!(f, "{}.{}.{}[{k:?}]", r.addr.ty, r.addr.name, r.attr),
                None => write!(f, "{}.{}.{}", r.addr.ty, r.addr.name, r.attr),
            },
            Value::OneOf(c) => {
                let shown: Vec<String> = c.iter().map(|x| x.to_string()).collect();
                write!(f, "one of {}", shown.join(", "))
            }
            Value::Unknown | Value::Encoded(_) | Value::Repeated(_) => write!(f, "(unknown)"),
            Value::Resource(r) => write!(f, "{}.{}", r.addr.ty, r.addr.name),
            other => match other.to_json() {
                Some(j) => write!(f, "{j}"),
                None => write!(f, "(unknown)"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(Value::Number(3.0).to_template_string().as_deref(), Some("3"));
        assert_eq!(Value::Number(0.5).to_template_string().as_deref(), Some("0.5"));
    }

    #[test]
    fn one_of_flattens_drops_duplicates_and_gives_up_on_unknown() {
        let n = Value::Number;
        assert_eq!(Value::one_of([n(1.0), n(1.0)]), n(1.0));
        assert_eq!(Value::one_of(Vec::<Value>::new()), Value::Unknown);
        let two = Value::one_of([n(1.0), n(2.0)]);
        assert_eq!(two.candidates(), &[n(1.0), n(2.0)]);
        assert!(two.is_unknown() && !two.is_wholly_known());
        assert_eq!(Value::one_of([two.clone(), n(3.0), n(2.0)]).candidates().len(), 3);
        assert_eq!(Value::one_of([two.clone(), Value::Unknown]), Value::Unknown);
        assert_eq!(Value::one_of((0..=MAX_CANDIDATES).map(|i| n(i as f64))), Value::Unknown);
        assert_eq!(n(4.0).candidates(), &[n(4.0)]);
    }

    #[test]
    fn attributes_of_a_choice_are_the_choice_of_attributes() {
        let obj = |r: f64| Value::map(Map::from([("reserved".to_string(), Value::Number(r))]));
        let v = Value::one_of([obj(1.0), obj(2.0), Value::map(Map::new())]);
        assert_eq!(
            v.get_attr("reserved"),
            Some(Value::one_of([Value::Number(1.0), Value::Number(2.0)]))
        );
        assert_eq!(v.get_attr("memory"), None);
    }

    #[test]
    fn an_unknown_attribute_of_a_resource_leads_to_the_resource() {
        let addr = ResAddr {
            inst: 0,
            decl: 0,
            mode: "resource",
            ty: "aws_cloudwatch_log_group".into(),
            name: "fn".into(),
        };
        let r = Value::Resource(Rc::new(ResourceObj {
            addr: addr.clone(),
            attrs: Map::from([
                ("name".to_string(), Value::Unknown),
                ("retention_in_days".to_string(), Value::Number(30.0)),
            ]),
        }));
        assert!(matches!(r.get_attr("name"), Some(Value::Ref(x)) if x.addr == addr && x.attr == "name"));
        assert!(matches!(r.get_attr("arn"), Some(Value::Ref(x)) if x.attr == "arn"));
        assert_eq!(r.get_attr("retention_in_days"), Some(Value::Number(30.0)));
    }

    #[test]
    fn unknown_is_not_wholly_known() {
        let v = Value::list(vec![Value::Bool(true), Value::Unknown]);
        assert!(!v.is_wholly_known());
        assert!(v.to_json().is_none());
    }
}
