//! The loader's syntax tree: HCL bodies with byte spans, independent of the source format
//! (native `.tf` or `.tf.json`). Expressions are `hcl_edit` expressions.

use hcl_edit::expr::Expression;
use hcl_edit::Span as _;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct Attr {
    pub key: String,
    pub expr: Expression,
    /// The whole `key = value`.
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub ident: String,
    pub labels: Vec<String>,
    pub body: Body,
    /// The whole block.
    pub span: Range<usize>,
    /// The block's type and labels, e.g. `resource "aws_ecs_service" "web"`.
    pub head_span: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.key == key)
    }

    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }
}

/// Converts a parsed `hcl_edit` body.
pub fn from_hcl(body: &hcl_edit::structure::Body) -> Body {
    let mut out = Body::default();
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                let span = a.span().unwrap_or(0..0);
                out.attrs.push(Attr {
                    key: a.key.as_str().to_string(),
                    expr: a.value.clone(),
                    span,
                });
            }
            hcl_edit::structure::Structure::Block(b) => {
                let span = b.span().unwrap_or(0..0);
                let head_start = b.ident.span().map(|s| s.start).unwrap_or(span.start);
                let head_end = b
                    .labels
                    .last()
                    .and_then(|l| match l {
                        hcl_edit::structure::BlockLabel::Ident(i) => i.span(),
                        hcl_edit::structure::BlockLabel::String(s) => s.span(),
                    })
                    .or_else(|| b.ident.span())
                    .map(|s| s.end)
                    .unwrap_or(span.end);
                out.blocks.push(Block {
                    ident: b.ident.as_str().to_string(),
                    labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    body: from_hcl(&b.body),
                    span,
                    head_span: head_start..head_end.max(head_start),
                });
            }
        }
    }
    out
}
