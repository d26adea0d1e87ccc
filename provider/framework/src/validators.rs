//! Generic attribute validators ([`Validator`]) that a provider attaches to schema attributes with
//! [`crate::schema::Attribute::validator`]: a check of a known string, a whole number in a range, a string
//! among allowed values, a collection that must not be empty, and two that apply another validator to each
//! element of a list or set or to each key of a map. The provider words the summary and detail (its users'
//! tests and habits rely on them); the framework decides where the error points. Null and unknown values are
//! not looked into: they are checked once known, at plan.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::schema::Validator;
use crate::value::Value;

type StrCheck = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

fn error_at(summary: &str, detail: String, path: &AttributePath) -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(summary, detail).at(path.clone())])
}

/// A known string that `check` refuses is an error with `summary` and the check's message as detail.
#[derive(Clone)]
pub struct StringCheck {
    summary: String,
    check: StrCheck,
}

impl StringCheck {
    pub fn new(summary: &str, check: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static) -> Self {
        StringCheck {
            summary: summary.to_string(),
            check: Arc::new(check),
        }
    }
}

impl fmt::Debug for StringCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StringCheck({:?})", self.summary)
    }
}

impl Validator for StringCheck {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        match value.as_str().map(|s| (self.check)(s)) {
            Some(Err(detail)) => error_at(&self.summary, detail, path),
            _ => Diagnostics::new(),
        }
    }
}

/// A known string that is none of `allowed` is an error; `detail` words it from the value given.
#[derive(Clone)]
pub struct OneOf {
    summary: String,
    allowed: &'static [&'static str],
    detail: Arc<dyn Fn(&str) -> String + Send + Sync>,
}

impl OneOf {
    pub fn new(
        summary: &str,
        allowed: &'static [&'static str],
        detail: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        OneOf {
            summary: summary.to_string(),
            allowed,
            detail: Arc::new(detail),
        }
    }
}

impl fmt::Debug for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OneOf({:?}, {:?})", self.summary, self.allowed)
    }
}

impl Validator for OneOf {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        match value.as_str() {
            Some(s) if !self.allowed.contains(&s) => error_at(&self.summary, (self.detail)(s), path),
            _ => Diagnostics::new(),
        }
    }
}

/// A known whole number outside `range` is an error; `detail` words it from the number given. A number
/// with a fraction is left to the resource (Terraform's type has already made it a number).
#[derive(Clone)]
pub struct IntRange {
    summary: String,
    range: RangeInclusive<i64>,
    detail: Arc<dyn Fn(i64) -> String + Send + Sync>,
}

impl IntRange {
    pub fn new(
        summary: &str,
        range: RangeInclusive<i64>,
        detail: impl Fn(i64) -> String + Send + Sync + 'static,
    ) -> Self {
        IntRange {
            summary: summary.to_string(),
            range,
            detail: Arc::new(detail),
        }
    }
}

impl fmt::Debug for IntRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IntRange({:?}, {:?})", self.summary, self.range)
    }
}

impl Validator for IntRange {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        match value.as_i64() {
            Some(n) if !self.range.contains(&n) => error_at(&self.summary, (self.detail)(n), path),
            _ => Diagnostics::new(),
        }
    }
}

/// A known list, set or map without any element is an error.
#[derive(Clone, Debug)]
pub struct NotEmpty {
    summary: String,
    detail: String,
}

impl NotEmpty {
    pub fn new(summary: &str, detail: &str) -> Self {
        NotEmpty {
            summary: summary.to_string(),
            detail: detail.to_string(),
        }
    }
}

impl Validator for NotEmpty {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let empty = match value {
            Value::List(v) | Value::Set(v) => v.is_empty(),
            Value::Map(m) => m.is_empty(),
            _ => false,
        };
        if empty {
            error_at(&self.summary, self.detail.clone(), path)
        } else {
            Diagnostics::new()
        }
    }
}

/// Where [`Each`] reports a problem with an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementPath {
    /// At the list or set itself (the detail names the element).
    Collection,
    /// At the element's position, `names[2]`.
    Index,
}

/// Runs `inner` on every element of a known list or set.
#[derive(Clone, Debug)]
pub struct Each {
    inner: Arc<dyn Validator>,
    at: ElementPath,
}

impl Each {
    pub fn new(inner: impl Validator + 'static, at: ElementPath) -> Self {
        Each {
            inner: Arc::new(inner),
            at,
        }
    }
}

impl Validator for Each {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for (i, element) in value.as_elements().unwrap_or_default().iter().enumerate() {
            let at = match self.at {
                ElementPath::Collection => path.clone(),
                ElementPath::Index => path.clone().index(i as i64),
            };
            diags.extend(self.inner.validate(element, &at));
        }
        diags
    }
}

/// Runs `inner` on every key of a known map, as a string at the key's path (`values["db/host"]`).
#[derive(Clone, Debug)]
pub struct MapKeys {
    inner: Arc<dyn Validator>,
}

impl MapKeys {
    pub fn new(inner: impl Validator + 'static) -> Self {
        MapKeys { inner: Arc::new(inner) }
    }
}

impl Validator for MapKeys {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Value::Map(entries) = value {
            for key in entries.keys() {
                diags.extend(self.inner.validate(&Value::string(key.clone()), &path.clone().key(key)));
            }
        }
        diags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    fn found(diags: Diagnostics) -> Vec<(String, String, String)> {
        diags
            .0
            .into_iter()
            .map(|d| {
                let at = d.attribute.map(|p| p.to_string()).unwrap_or_default();
                (d.summary, d.detail, at)
            })
            .collect()
    }

    fn no_dots() -> StringCheck {
        StringCheck::new("Invalid name", |s| {
            if s.contains('.') {
                Err(format!("{s:?} has a dot."))
            } else {
                Ok(())
            }
        })
    }

    fn int(n: i64) -> Value {
        Value::Number(Number::Int(n))
    }

    #[test]
    fn a_string_check_reports_its_message_at_the_path() {
        let at = AttributePath::root("name");
        assert_eq!(
            found(no_dots().validate(&Value::string("a.b"), &at)),
            [("Invalid name".into(), "\"a.b\" has a dot.".into(), "name".into())]
        );
        assert!(no_dots().validate(&Value::string("ab"), &at).is_empty());
        assert!(no_dots().validate(&Value::Null, &at).is_empty());
        assert!(no_dots().validate(&Value::unknown(), &at).is_empty());
    }

    #[test]
    fn one_of_refuses_other_strings_only() {
        let mode = OneOf::new("Invalid mode", &["a", "b"], |s| format!("mode is {s:?}."));
        let at = AttributePath::root("mode");
        assert!(mode.validate(&Value::string("b"), &at).is_empty());
        assert!(mode.validate(&Value::unknown(), &at).is_empty());
        assert_eq!(
            found(mode.validate(&Value::string("c"), &at)),
            [("Invalid mode".into(), "mode is \"c\".".into(), "mode".into())]
        );
    }

    #[test]
    fn int_range_includes_both_ends() {
        let keep = IntRange::new("Invalid keep", 0..=50, |n| format!("keep is {n}."));
        let at = AttributePath::root("keep");
        for n in [0, 50] {
            assert!(keep.validate(&int(n), &at).is_empty());
        }
        assert_eq!(
            found(keep.validate(&int(51), &at)),
            [("Invalid keep".into(), "keep is 51.".into(), "keep".into())]
        );
        assert_eq!(found(keep.validate(&int(-1), &at)).len(), 1);
        assert!(keep.validate(&Value::Null, &at).is_empty());
    }

    #[test]
    fn not_empty_refuses_a_known_empty_collection() {
        let names = NotEmpty::new("No names", "Give one.");
        let at = AttributePath::root("names");
        assert_eq!(found(names.validate(&Value::Set(vec![]), &at)).len(), 1);
        assert_eq!(found(names.validate(&Value::List(vec![]), &at)).len(), 1);
        assert_eq!(found(names.validate(&Value::Map(Default::default()), &at)).len(), 1);
        assert!(names.validate(&Value::Set(vec![Value::string("a")]), &at).is_empty());
        assert!(names.validate(&Value::Null, &at).is_empty());
        assert!(names.validate(&Value::unknown(), &at).is_empty());
    }

    #[test]
    fn each_reports_at_the_collection_or_the_element() {
        let names = Value::List(vec![
            Value::string("ok"),
            Value::string("a.b"),
            Value::unknown(),
            Value::string("c.d"),
        ]);
        let at = AttributePath::root("names");
        let paths = |v: Each| -> Vec<String> { found(v.validate(&names, &at)).into_iter().map(|d| d.2).collect() };
        assert_eq!(paths(Each::new(no_dots(), ElementPath::Collection)), ["names", "names"]);
        assert_eq!(
            paths(Each::new(no_dots(), ElementPath::Index)),
            ["names[1]", "names[3]"]
        );
        assert!(Each::new(no_dots(), ElementPath::Index)
            .validate(&Value::unknown(), &at)
            .is_empty());
    }

    #[test]
    fn map_keys_are_checked_at_their_key() {
        let values = Value::Map(
            [("a.b", "1"), ("ok", "2")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::string(v)))
                .collect(),
        );
        let at = AttributePath::root("values");
        assert_eq!(
            found(MapKeys::new(no_dots()).validate(&values, &at)),
            [(
                "Invalid name".into(),
                "\"a.b\" has a dot.".into(),
                "values[\"a.b\"]".into()
            )]
        );
        assert!(MapKeys::new(no_dots()).validate(&Value::Null, &at).is_empty());
    }
}
