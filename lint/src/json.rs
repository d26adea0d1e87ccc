//! Terraform JSON syntax (`.tf.json`, `.tfvars.json`) converted to the loader's syntax tree.
//! Spans are found by locating each key in the text, which is exact for usual files.

use crate::ir::{Attr, Block, Body};
use serde_json::Value as J;
use std::ops::Range;

/// Object-valued arguments that are maps, not nested blocks.
const MAP_ATTRS: &[&str] = &[
    "tags",
    "tags_all",
    "environment",
    "variables",
    "values",
    "secure_values",
    "secure_values_wo",
    "default_tags",
    "labels",
    "triggers",
    "parameters",
    "metadata",
    "default",
    "value",
    "inputs",
    "providers",
    "tags_override",
    "request_parameters",
    "stage_variables",
];

struct Ctx<'a> {
    text: &'a str,
    cursor: usize,
}

impl Ctx<'_> {
    /// Span of the next occurrence of `"key"` after the cursor (advancing it).
    fn key_span(&mut self, key: &str) -> Range<usize> {
        let needle = serde_json::to_string(key).unwrap_or_default();
        match self.text.get(self.cursor..).and_then(|t| t.find(&needle)) {
            Some(i) => {
                let start = self.cursor + i;
                self.cursor = start + needle.len();
                start..start + needle.len()
            }
            None => self.cursor..self.cursor,
        }
    }
}

/// Renders a JSON value as HCL expression text and parses it (strings keep `${}` templates).
pub fn expr_of(v: &J) -> hcl_edit::expr::Expression {
    let text = hcl_text(v);
    hcl_edit::parser::parse_expr(&text).unwrap_or_else(|_| hcl_edit::expr::Expression::null())
}

fn hcl_text(v: &J) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => {
            // JSON escapes are a subset of HCL's, except `%{` which HCL would read as a directive
            // only when intended; keep as is.
            serde_json::to_string(s).unwrap_or_else(|_| "null".into())
        }
        J::Array(a) => format!("[{}]", a.iter().map(hcl_text).collect::<Vec<_>>().join(", ")),
        J::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{} = {}", serde_json::to_string(k).unwrap_or_default(), hcl_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn is_block_value(key: &str, v: &J) -> bool {
    if MAP_ATTRS.contains(&key) {
        return false;
    }
    match v {
        J::Object(_) => true,
        J::Array(a) => !a.is_empty() && a.iter().all(|x| x.is_object()),
        _ => false,
    }
}

fn body_of(ctx: &mut Ctx, v: &J, start: usize) -> Body {
    let mut body = Body::default();
    let J::Object(o) = v else { return body };
    for (k, val) in o {
        let ks = ctx.key_span(k);
        let span = ks.start.max(start)..ks.end.max(start);
        if k == "dynamic" {
            if let J::Object(d) = val {
                for (label, inner) in d {
                    let ls = ctx.key_span(label);
                    let mut b = body_of(ctx, inner, ls.start);
                    // `content` is an object: it was turned into a block already.
                    b.attrs.retain(|a| a.key != "content");
                    body.blocks.push(Block {
                        ident: "dynamic".into(),
                        labels: vec![label.clone()],
                        body: b,
                        span: span.start..ls.end,
                        head_span: span.start..ls.end,
                    });
                }
            }
        } else if is_block_value(k, val) {
            let items: Vec<&J> = match val {
                J::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for item in items {
                let b = body_of(ctx, item, span.start);
                body.blocks.push(Block {
                    ident: k.clone(),
                    labels: vec![],
                    body: b,
                    span: span.clone(),
                    head_span: span.clone(),
                });
            }
        } else {
            body.attrs.push(Attr {
                key: k.clone(),
                expr: expr_of(val),
                span,
            });
        }
    }
    body
}

/// Converts a whole `.tf.json` document.
pub fn from_json(text: &str) -> Result<Body, (Range<usize>, String)> {
    let doc: J = serde_json::from_str(text).map_err(|e| {
        let off = offset_of(text, e.line(), e.column());
        (off..(off + 1).min(text.len().max(off)), e.to_string())
    })?;
    let mut ctx = Ctx { text, cursor: 0 };
    let mut out = Body::default();
    let J::Object(top) = &doc else {
        return Err((0..0, "a Terraform JSON file must hold an object".into()));
    };
    for (kind, v) in top {
        let ks = ctx.key_span(kind);
        let J::Object(o) = v else { continue };
        match kind.as_str() {
            "resource" | "data" | "ephemeral" => {
                for (ty, names) in o {
                    ctx.key_span(ty);
                    let J::Object(names) = names else { continue };
                    for (name, body) in names {
                        let ns = ctx.key_span(name);
                        let bodies: Vec<&J> = match body {
                            J::Array(a) => a.iter().collect(),
                            other => vec![other],
                        };
                        for b in bodies {
                            let body = body_of(&mut ctx, b, ns.start);
                            out.blocks.push(Block {
                                ident: kind.clone(),
                                labels: vec![ty.clone(), name.clone()],
                                body,
                                span: ns.clone(),
                                head_span: ns.clone(),
                            });
                        }
                    }
                }
            }
            "variable" | "output" | "module" | "provider" => {
                for (name, body) in o {
                    let ns = ctx.key_span(name);
                    let mut b = Body::default();
                    if let J::Object(fields) = body {
                        for (k, val) in fields {
                            let s = ctx.key_span(k);
                            b.attrs.push(Attr {
                                key: k.clone(),
                                expr: expr_of(val),
                                span: s,
                            });
                        }
                    }
                    out.blocks.push(Block {
                        ident: kind.clone(),
                        labels: vec![name.clone()],
                        body: b,
                        span: ns.clone(),
                        head_span: ns,
                    });
                }
            }
            "locals" => {
                let mut b = Body::default();
                for (k, val) in o {
                    let s = ctx.key_span(k);
                    b.attrs.push(Attr {
                        key: k.clone(),
                        expr: expr_of(val),
                        span: s,
                    });
                }
                out.blocks.push(Block {
                    ident: "locals".into(),
                    labels: vec![],
                    body: b,
                    span: ks.clone(),
                    head_span: ks,
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A `.tfvars.json` file: top-level attributes.
pub fn tfvars_from_json(text: &str) -> Result<Body, (Range<usize>, String)> {
    let doc: J = serde_json::from_str(text).map_err(|e| (0..0, e.to_string()))?;
    let mut ctx = Ctx { text, cursor: 0 };
    let mut b = Body::default();
    if let J::Object(o) = &doc {
        for (k, v) in o {
            let s = ctx.key_span(k);
            b.attrs.push(Attr {
                key: k.clone(),
                expr: expr_of(v),
                span: s,
            });
        }
    }
    Ok(b)
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (off + column.saturating_sub(1)).min(text.len());
        }
        off += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_nested_blocks() {
        let t = r#"{"resource": {"aws_ecs_service": {"web": {"name": "web-${var.env}",
            "deployment_circuit_breaker": {"enable": true, "rollback": true}, "tags": {"a": "b"}}}}}"#;
        let b = from_json(t).expect("valid");
        let r = &b.blocks[0];
        assert_eq!(r.labels, vec!["aws_ecs_service", "web"]);
        assert_eq!(r.body.blocks[0].ident, "deployment_circuit_breaker");
        assert!(r.body.attr("tags").is_some());
        assert!(r.body.attr("name").is_some());
        assert_eq!(&t[r.span.clone()], "\"web\"");
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(from_json("{\"resource\": ").is_err());
    }
}
