//! An event source mapping's `FilterCriteria`, as Lambda applies it to SQS records.
//!
//! AWS: Lambda Developer Guide, "Control which events Lambda sends to your function" (event filtering): up to five
//! filters, ORed: a record that satisfies one or more goes to the function, one that satisfies none is discarded
//! (for SQS, deleted from the queue: "Handling records that don't meet filter criteria"). A pattern's top-level keys
//! are the record's metadata properties as they appear in the event (`attributes`, `messageAttributes`, ...); its
//! data is under `body`. "Filter rule syntax": a value is an array of rules, ORed: `null`, `""`, a string, a number
//! or a boolean (equals), `{"equals-ignore-case": S}`, `{"anything-but": [V, ...]}` (or one value), `{"numeric":
//! [OP, N(, OP, N)]}` with `=`, `<`, `<=`, `>`, `>=`, `{"exists": true|false}`, `{"prefix": S}`, `{"suffix": S}`;
//! several keys are ANDed, `"$or": [PATTERN, ...]` ORs patterns; a nested object reaches into the field. A field that
//! is an array matches when one of its elements does. "Using event filtering with an Amazon SQS event source":
//! a JSON body is filtered with a JSON pattern under `body`, a plain-string body with rules directly under `body`;
//! a JSON body against plain-string rules, or a plain-string body against a JSON pattern, is dropped. That page also
//! says SQS mappings filter only on `body`; metadata keys are matched against the record as the general page
//! describes (docs/edge.md says so).
//!
//! Rules not listed above (`wildcard`, `cidr`, `anything-but` with `prefix`/`suffix`/`equals-ignore-case`, ...) are
//! refused when the mapping is read, with an error naming the mapping, never matched loosely.

use serde_json::{Map, Value};

/// The parsed `FilterCriteria.Filters[].Pattern` of one mapping; no filter delivers every record.
#[derive(Debug, Default)]
pub struct Filters {
    patterns: Vec<Map<String, Value>>,
}

impl Filters {
    /// Parses and checks each pattern; the error says which pattern and which rule is not modelled.
    pub fn parse(patterns: &[&str]) -> Result<Self, String> {
        let mut parsed = Vec::new();
        for (index, text) in patterns.iter().enumerate() {
            let value: Value =
                serde_json::from_str(text).map_err(|e| format!("filter {} is not JSON ({e}): {text}", index + 1))?;
            let Value::Object(object) = value else {
                return Err(format!("filter {} is not a JSON object: {text}", index + 1));
            };
            check_object(&object, "").map_err(|e| format!("filter {} ({text}): {e}", index + 1))?;
            parsed.push(object);
        }
        Ok(Self { patterns: parsed })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the SQS record (as the function would get it) goes to the function.
    pub fn accepts(&self, record: &Value) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        // "Valid JSON" is a JSON object or array; any other body (`hello`, `42`) is a plain string.
        let body_json = record["body"]
            .as_str()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .filter(|v| v.is_object() || v.is_array());
        self.patterns.iter().any(|pattern| match pattern.get("body") {
            Some(Value::Object(_)) => body_json.as_ref().is_some_and(|json| {
                let mut view = record.clone();
                view["body"] = json.clone();
                object_matches(pattern, &view)
            }),
            Some(_) if body_json.is_some() => false,
            _ => object_matches(pattern, record),
        })
    }
}

fn check_object(object: &Map<String, Value>, path: &str) -> Result<(), String> {
    for (key, value) in object {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match value {
            _ if key == "$or" => {
                let alternatives = value
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| format!("{here}: \"$or\" takes an array of patterns"))?;
                for alternative in alternatives {
                    let Value::Object(o) = alternative else {
                        return Err(format!("{here}: each \"$or\" alternative is a pattern object"));
                    };
                    check_object(o, path)?;
                }
            }
            Value::Object(o) => check_object(o, &here)?,
            Value::Array(rules) if !rules.is_empty() => {
                for rule in rules {
                    check_rule(rule).map_err(|e| format!("{here}: {e}"))?;
                }
            }
            _ => {
                return Err(format!(
                    "{here}: a pattern's value is an object or a non-empty array of rules"
                ))
            }
        }
    }
    Ok(())
}

fn check_rule(rule: &Value) -> Result<(), String> {
    let Value::Object(o) = rule else {
        return match rule {
            Value::Array(_) => Err("a rule cannot be an array".into()),
            _ => Ok(()), // null, "", a string, a number, a boolean: equals
        };
    };
    let (Some((name, arg)), 1) = (o.iter().next(), o.len()) else {
        return Err(format!("rule {rule} is not modelled (one operator per rule object)"));
    };
    let ok = match name.as_str() {
        "prefix" | "suffix" | "equals-ignore-case" => arg.is_string(),
        "exists" => arg.is_boolean(),
        "anything-but" => match arg {
            Value::Array(values) => !values.is_empty() && values.iter().all(|v| v.is_string() || v.is_number()),
            v => v.is_string() || v.is_number(),
        },
        "numeric" => numeric_bounds(arg).is_some(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("rule {rule} is not modelled"))
    }
}

/// `["=", 5]`, `[">", 10, "<=", 20]`: the comparisons, or None when malformed.
fn numeric_bounds(arg: &Value) -> Option<Vec<(&str, f64)>> {
    let items = arg.as_array()?;
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return None;
    }
    let mut bounds = Vec::new();
    for pair in items.chunks(2) {
        let op = pair[0].as_str().filter(|op| ["=", "<", "<=", ">", ">="].contains(op))?;
        bounds.push((op, pair[1].as_f64()?));
    }
    if bounds.len() == 2 && !(bounds[0].0.starts_with('>') && bounds[1].0.starts_with('<')) {
        return None; // a range is a lower bound then an upper bound
    }
    Some(bounds)
}

fn object_matches(pattern: &Map<String, Value>, event: &Value) -> bool {
    pattern.iter().all(|(key, value)| {
        if key == "$or" {
            return value.as_array().is_some_and(|alternatives| {
                alternatives
                    .iter()
                    .any(|a| a.as_object().is_some_and(|o| object_matches(o, event)))
            });
        }
        let field = event.as_object().and_then(|e| e.get(key));
        match value {
            Value::Object(nested) => field.is_some_and(|f| object_matches(nested, f)),
            Value::Array(rules) => rules.iter().any(|rule| rule_matches(rule, field)),
            _ => false,
        }
    })
}

fn rule_matches(rule: &Value, field: Option<&Value>) -> bool {
    if let Some(exists) = rule.get("exists").and_then(Value::as_bool) {
        return field.is_some() == exists;
    }
    match field {
        None => false,
        Some(Value::Array(items)) => items.iter().any(|item| leaf_matches(rule, item)),
        Some(value) => leaf_matches(rule, value),
    }
}

fn leaf_matches(rule: &Value, value: &Value) -> bool {
    let text = value.as_str();
    match rule {
        Value::Object(o) => {
            let Some((name, arg)) = o.iter().next() else {
                return false;
            };
            match name.as_str() {
                "prefix" => text.zip(arg.as_str()).is_some_and(|(t, p)| t.starts_with(p)),
                "suffix" => text.zip(arg.as_str()).is_some_and(|(t, s)| t.ends_with(s)),
                "equals-ignore-case" => text
                    .zip(arg.as_str())
                    .is_some_and(|(t, e)| t.to_lowercase() == e.to_lowercase()),
                "anything-but" => {
                    let excluded: Vec<&Value> = match arg {
                        Value::Array(values) => values.iter().collect(),
                        v => vec![v],
                    };
                    (value.is_string() || value.is_number()) && !excluded.iter().any(|x| equals(x, value))
                }
                "numeric" => value.as_f64().is_some_and(|n| {
                    numeric_bounds(arg).is_some_and(|bounds| {
                        bounds.iter().all(|(op, bound)| match *op {
                            "=" => n == *bound,
                            "<" => n < *bound,
                            "<=" => n <= *bound,
                            ">" => n > *bound,
                            _ => n >= *bound,
                        })
                    })
                }),
                _ => false,
            }
        }
        other => equals(other, value),
    }
}

/// Equality of a rule's value and a field's: numbers by value (`5` and `5.0`), anything else exactly.
fn equals(rule: &Value, value: &Value) -> bool {
    match (rule.as_f64(), value.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => rule == value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(body: &str) -> Value {
        json!({
            "messageId": "m1",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "site"},
            "messageAttributes": {"site": {"stringValue": "www.example.test", "dataType": "String",
                                           "stringListValues": [], "binaryListValues": []}},
            "eventSource": "aws:sqs",
        })
    }

    fn accepts(pattern: &str, body: &str) -> bool {
        Filters::parse(&[pattern]).unwrap().accepts(&record(body))
    }

    #[test]
    fn no_filter_accepts_everything() {
        assert!(Filters::parse(&[]).unwrap().accepts(&record("anything")));
    }

    #[test]
    fn json_body_rules() {
        let body = r#"{"kind": "revalidate", "path": "/blog/1", "n": 12, "tags": ["a", "b"], "gone": null}"#;
        assert!(accepts(r#"{"body": {"kind": ["revalidate"]}}"#, body));
        assert!(!accepts(r#"{"body": {"kind": ["warm"]}}"#, body));
        assert!(accepts(r#"{"body": {"kind": ["warm", "revalidate"]}}"#, body));
        assert!(accepts(r#"{"body": {"path": [{"prefix": "/blog/"}]}}"#, body));
        assert!(accepts(r#"{"body": {"path": [{"suffix": "/1"}]}}"#, body));
        assert!(accepts(
            r#"{"body": {"kind": [{"equals-ignore-case": "REVALIDATE"}]}}"#,
            body
        ));
        assert!(accepts(r#"{"body": {"kind": [{"anything-but": ["warm"]}]}}"#, body));
        assert!(!accepts(
            r#"{"body": {"kind": [{"anything-but": "revalidate"}]}}"#,
            body
        ));
        assert!(accepts(r#"{"body": {"n": [{"numeric": [">", 10, "<=", 12]}]}}"#, body));
        assert!(!accepts(r#"{"body": {"n": [{"numeric": ["<", 12]}]}}"#, body));
        assert!(accepts(r#"{"body": {"n": [{"numeric": ["=", 12]}]}}"#, body));
        assert!(accepts(r#"{"body": {"n": [12]}}"#, body));
        assert!(accepts(
            r#"{"body": {"path": [{"exists": true}], "other": [{"exists": false}]}}"#,
            body
        ));
        assert!(!accepts(r#"{"body": {"other": [{"exists": true}]}}"#, body));
        assert!(accepts(r#"{"body": {"gone": [null]}}"#, body));
        assert!(
            accepts(r#"{"body": {"tags": ["b"]}}"#, body),
            "an array field matches by any element"
        );
        assert!(
            !accepts(r#"{"body": {"kind": ["revalidate"], "n": [1]}}"#, body),
            "keys are ANDed"
        );
        assert!(accepts(r#"{"body": {"$or": [{"kind": ["warm"]}, {"n": [12]}]}}"#, body));
    }

    #[test]
    fn several_filters_are_ored() {
        let filters = Filters::parse(&[r#"{"body": {"a": [1]}}"#, r#"{"body": {"b": [2]}}"#]).unwrap();
        assert!(filters.accepts(&record(r#"{"b": 2}"#)));
        assert!(!filters.accepts(&record(r#"{"c": 3}"#)));
    }

    #[test]
    fn plain_string_and_json_bodies() {
        assert!(accepts(r#"{"body": [{"prefix": "INFO"}]}"#, "INFO started"));
        assert!(
            !accepts(r#"{"body": [{"prefix": "INFO"}]}"#, r#"{"INFO": 1}"#),
            "JSON body, plain-string rule"
        );
        assert!(
            !accepts(r#"{"body": {"level": ["INFO"]}}"#, "INFO started"),
            "plain body, JSON pattern"
        );
        assert!(accepts(r#"{"body": [""]}"#, ""));
    }

    #[test]
    fn metadata_properties() {
        assert!(accepts(
            r#"{"messageAttributes": {"site": {"stringValue": [{"prefix": "www."}]}}}"#,
            "x"
        ));
        assert!(!accepts(
            r#"{"messageAttributes": {"other": {"stringValue": [{"exists": true}]}}}"#,
            "x"
        ));
        assert!(accepts(
            r#"{"attributes": {"MessageGroupId": ["site"]}, "body": [{"prefix": "x"}]}"#,
            "x"
        ));
    }

    #[test]
    fn rules_not_modelled_are_refused() {
        for pattern in [
            r#"{"body": {"a": [{"wildcard": "a*"}]}}"#,
            r#"{"body": {"a": [{"anything-but": {"prefix": "a"}}]}}"#,
            r#"{"body": {"a": [{"cidr": "10.0.0.0/8"}]}}"#,
            r#"{"body": {"a": [{"numeric": ["<", 5, ">", 1]}]}}"#,
            r#"{"body": {"a": "x"}}"#,
            r#"{"body": {"a": []}}"#,
        ] {
            let err = Filters::parse(&[pattern]).unwrap_err();
            assert!(
                err.starts_with("filter 1 (") && err.contains("body.a"),
                "{pattern}: {err}"
            );
        }
        assert!(Filters::parse(&["not json"]).unwrap_err().contains("not JSON"));
    }
}
