//! Terraform JSON syntax (`.tf.json`, `.tfvars.json`) converted to the loader's syntax tree.
//! A small JSON reader keeps the document order and the byte span of every key and value, so
//! findings point at the exact property. Strings are string templates, as Terraform reads them.

use crate::ir::{Attr, Block, Body};
use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue};
use std::ops::Range;

type Err = (Range<usize>, String);

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

/// A JSON value with its byte span; objects keep their keys' order and spans.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Range<usize>, Node)>),
}

#[derive(Debug)]
struct Node {
    value: Json,
    span: Range<usize>,
}

/// JSON deeper than this is refused (the recursive reader stays on the stack).
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn err<T>(&self, msg: &str) -> Result<T, Err> {
        let end = self.text[self.pos..]
            .chars()
            .next()
            .map(|c| self.pos + c.len_utf8())
            .unwrap_or(self.pos);
        Err((self.pos..end, msg.to_string()))
    }

    fn ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Node, Err> {
        if depth > MAX_DEPTH {
            return self.err("JSON nested too deeply");
        }
        self.ws();
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let ks = self.pos;
                        let key = self.string()?;
                        let key_span = ks..self.pos;
                        self.ws();
                        if self.peek() != Some(b':') {
                            return self.err("expected `:`");
                        }
                        self.pos += 1;
                        let v = self.value(depth + 1)?;
                        items.push((key, key_span, v));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `,` or `}`"),
                        }
                    }
                }
                Json::Object(items)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `,` or `]`"),
                        }
                    }
                }
                Json::Array(items)
            }
            Some(b'"') => Json::String(self.string()?),
            Some(_) => {
                let rest = &self.text[self.pos..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.')))
                    .unwrap_or(rest.len());
                let word = &rest[..len];
                let v = match word {
                    "null" => Json::Null,
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    w => match serde_json::from_str::<serde_json::Number>(w)
                        .ok()
                        .and_then(|n| n.as_f64())
                    {
                        Some(n) => Json::Number(n),
                        None => return self.err("expected a JSON value"),
                    },
                };
                self.pos += len;
                v
            }
            None => return self.err("unexpected end of JSON"),
        };
        Ok(Node {
            value,
            span: start..self.pos,
        })
    }

    /// A string literal at the cursor, unescaped.
    fn string(&mut self) -> Result<String, Err> {
        if self.peek() != Some(b'"') {
            return self.err("expected a string");
        }
        let bytes = self.text.as_bytes();
        let mut i = self.pos + 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        if i >= bytes.len() {
            return self.err("unterminated string");
        }
        let raw = &self.text[self.pos..=i];
        match serde_json::from_str::<String>(raw) {
            Ok(s) => {
                self.pos = i + 1;
                Ok(s)
            }
            Err(e) => self.err(&format!("invalid string: {e}")),
        }
    }
}

/// Reads a whole JSON document.
fn read(text: &str) -> Result<Node, Err> {
    let mut r = Reader { text, pos: 0 };
    let v = r.value(0)?;
    r.ws();
    if r.pos < text.len() {
        return r.err("trailing characters after the JSON value");
    }
    Ok(v)
}

/// A JSON string as Terraform reads it: a string template.
fn template(s: &str, span: &Range<usize>) -> Result<Expression, Err> {
    if !s.contains("${") && !s.contains("%{") {
        return Ok(Expression::from(s));
    }
    if let Some((at, n)) = crate::load::unclosed_brackets(s, true) {
        return Err((
            span.clone(),
            format!("invalid template in string: {n} brackets are never closed (the first at character {at})"),
        ));
    }
    match hcl_edit::parser::parse_template(s) {
        Ok(t) => Ok(Expression::StringTemplate(t.into())),
        Err(e) => Err((span.clone(), format!("invalid template in string: {}", e.message()))),
    }
}

/// A JSON value as an HCL expression.
fn expr_of(n: &Node) -> Result<Expression, Err> {
    Ok(match &n.value {
        Json::Null => Expression::null(),
        Json::Bool(b) => Expression::from(*b),
        Json::Number(x) => Expression::from(*x),
        Json::String(s) => template(s, &n.span)?,
        Json::Array(a) => Expression::Array(Array::from(a.iter().map(expr_of).collect::<Result<Vec<_>, _>>()?)),
        Json::Object(o) => {
            let mut obj = Object::new();
            for (k, _, v) in o {
                obj.insert(
                    ObjectKey::Expression(Expression::from(k.as_str())),
                    ObjectValue::new(expr_of(v)?),
                );
            }
            Expression::Object(obj)
        }
    })
}

fn attr(key: &str, key_span: &Range<usize>, v: &Node) -> Result<Attr, Err> {
    Ok(Attr {
        key: key.to_string(),
        expr: expr_of(v)?,
        span: key_span.start..v.span.end,
    })
}

/// A variable's `type`: the string holds a type expression in native syntax. One that does not
/// parse is left out (the variable is then untyped, as far as the linter goes).
fn type_attr(key: &str, key_span: &Range<usize>, v: &Node) -> Option<Attr> {
    let Json::String(s) = &v.value else { return None };
    if crate::load::unclosed_brackets(s, false).is_some() {
        return None;
    }
    Some(Attr {
        key: key.to_string(),
        expr: hcl_edit::parser::parse_expr(s).ok()?,
        span: key_span.start..v.span.end,
    })
}

fn is_block_value(key: &str, v: &Node) -> bool {
    if MAP_ATTRS.contains(&key) {
        return false;
    }
    match &v.value {
        Json::Object(_) => true,
        Json::Array(a) => !a.is_empty() && a.iter().all(|x| matches!(x.value, Json::Object(_))),
        _ => false,
    }
}

fn body_of(v: &Node) -> Result<Body, Err> {
    let mut body = Body::default();
    let Json::Object(o) = &v.value else { return Ok(body) };
    for (k, ks, val) in o {
        if k == "dynamic" {
            let Json::Object(d) = &val.value else { continue };
            for (label, ls, inner) in d {
                let mut b = body_of(inner)?;
                // `content` is an object: it was turned into a block already.
                b.attrs.retain(|a| a.key != "content");
                body.blocks.push(Block {
                    ident: "dynamic".into(),
                    labels: vec![label.clone()],
                    body: b,
                    span: ls.start..inner.span.end,
                    head_span: ls.clone(),
                });
            }
        } else if is_block_value(k, val) {
            let items: Vec<&Node> = match &val.value {
                Json::Array(a) => a.iter().collect(),
                _ => vec![val],
            };
            for item in items {
                body.blocks.push(Block {
                    ident: k.clone(),
                    labels: vec![],
                    body: body_of(item)?,
                    span: ks.start..item.span.end,
                    head_span: ks.clone(),
                });
            }
        } else {
            body.attrs.push(attr(k, ks, val)?);
        }
    }
    Ok(body)
}

fn parse_error(text: &str, e: serde_json::Error) -> Err {
    let off = offset_of(text, e.line(), e.column());
    let end = text[off..].chars().next().map(|c| off + c.len_utf8()).unwrap_or(off);
    (off..end, e.to_string())
}

/// Reads `text`, with serde_json's messages for invalid JSON.
fn document(text: &str) -> Result<Node, Err> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| parse_error(text, e))?;
    read(text)
}

/// Converts a whole `.tf.json` document.
pub fn from_json(text: &str) -> Result<Body, Err> {
    let doc = document(text)?;
    let mut out = Body::default();
    let Json::Object(top) = &doc.value else {
        return Err((0..0, "a Terraform JSON file must hold an object".into()));
    };
    for (kind, ks, v) in top {
        let Json::Object(o) = &v.value else { continue };
        match kind.as_str() {
            "resource" | "data" | "ephemeral" => {
                for (ty, _, names) in o {
                    let Json::Object(names) = &names.value else { continue };
                    for (name, ns, body) in names {
                        let bodies: Vec<&Node> = match &body.value {
                            Json::Array(a) => a.iter().collect(),
                            _ => vec![body],
                        };
                        for b in bodies {
                            out.blocks.push(Block {
                                ident: kind.clone(),
                                labels: vec![ty.clone(), name.clone()],
                                body: body_of(b)?,
                                span: ns.start..b.span.end,
                                head_span: ns.clone(),
                            });
                        }
                    }
                }
            }
            "variable" | "output" | "module" | "provider" => {
                for (name, ns, body) in o {
                    let mut b = Body::default();
                    let bodies: Vec<&Node> = match &body.value {
                        Json::Array(a) => a.iter().collect(),
                        _ => vec![body],
                    };
                    for item in bodies {
                        if let Json::Object(fields) = &item.value {
                            for (k, s, val) in fields {
                                // A variable's `type` is a type expression, not a template.
                                if kind == "variable" && k == "type" {
                                    b.attrs.extend(type_attr(k, s, val));
                                    continue;
                                }
                                b.attrs.push(attr(k, s, val)?);
                            }
                        }
                    }
                    out.blocks.push(Block {
                        ident: kind.clone(),
                        labels: vec![name.clone()],
                        body: b,
                        span: ns.start..body.span.end,
                        head_span: ns.clone(),
                    });
                }
            }
            "locals" => {
                let mut b = Body::default();
                for (k, s, val) in o {
                    b.attrs.push(attr(k, s, val)?);
                }
                out.blocks.push(Block {
                    ident: "locals".into(),
                    labels: vec![],
                    body: b,
                    span: ks.start..v.span.end,
                    head_span: ks.clone(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A `.tfvars.json` file: top-level attributes (values, not templates, but a literal string is
/// the same either way).
pub fn tfvars_from_json(text: &str) -> Result<Body, Err> {
    let doc = document(text)?;
    let mut b = Body::default();
    if let Json::Object(o) = &doc.value {
        for (k, s, v) in o {
            b.attrs.push(Attr {
                key: k.clone(),
                expr: literal(v),
                span: s.start..v.span.end,
            });
        }
    }
    Ok(b)
}

/// A JSON value as a literal expression (strings are not templates).
fn literal(n: &Node) -> Expression {
    match &n.value {
        Json::Null => Expression::null(),
        Json::Bool(b) => Expression::from(*b),
        Json::Number(x) => Expression::from(*x),
        Json::String(s) => Expression::from(s.as_str()),
        Json::Array(a) => Expression::Array(Array::from(a.iter().map(literal).collect::<Vec<_>>())),
        Json::Object(o) => {
            let mut obj = Object::new();
            for (k, _, v) in o {
                obj.insert(
                    ObjectKey::Expression(Expression::from(k.as_str())),
                    ObjectValue::new(literal(v)),
                );
            }
            Expression::Object(obj)
        }
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let mut o = (off + column.saturating_sub(1)).min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            return o;
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
        assert_eq!(&t[r.head_span.clone()], "\"web\"");
    }

    #[test]
    fn spans_follow_the_document_not_sorted_keys() {
        // "data" sorts before "resource": spans must still point at each key where it is.
        let t = "{\n\"resource\": {\"aws_ecs_service\": {\"web\": {\"enable_execute_command\": true}}},\n\"data\": {\"terraform_remote_state\": {\"x\": {}}}\n}";
        let b = from_json(t).expect("valid");
        let web = &b.blocks[0];
        let attr = web.body.attr("enable_execute_command").expect("attr");
        assert_eq!(&t[attr.span.clone()], "\"enable_execute_command\": true");
        assert_eq!(&t[b.blocks[1].head_span.clone()], "\"x\"");
    }

    #[test]
    fn strings_are_templates_with_quotes_inside() {
        let t = r#"{"locals": {"x": "${var.env == \"prod\"}", "y": "$${literal}"}}"#;
        let b = from_json(t).expect("valid");
        let x = &b.blocks[0].body.attrs[0];
        assert!(matches!(x.expr, Expression::StringTemplate(_)), "{:?}", x.expr);
        assert!(from_json(r#"{"locals": {"x": "${var."}}"#).is_err());
    }

    #[test]
    fn a_variable_type_is_a_type_expression() {
        let t = r#"{"variable": {"f": {"type": "map(object({ n = optional(number, 5) }))"},
            "g": {"type": "list(string"}}}"#;
        let b = from_json(t).expect("valid");
        let ty = b.blocks[0].body.attr("type").expect("type");
        assert!(matches!(ty.expr, Expression::FuncCall(_)), "{:?}", ty.expr);
        assert!(b.blocks[1].body.attr("type").is_none());
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(from_json("{\"resource\": ").is_err());
        assert!(from_json("{\"a\": 1} x").is_err());
    }
}
