//! The deploy graph as a Graphviz digraph: publisher -> reader.

use super::{label, listed};
use crate::lint::Graph;

/// Text for a DOT double-quoted string.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn render(g: &Graph) -> String {
    let (stacks, edges) = listed(g);
    let id = |i: usize| format!("\"{}\"", escape(&g.stacks[i].name));
    let mut s = String::from("digraph deploy {\n  rankdir=LR;\n  node [shape=box];\n");
    for i in stacks {
        s.push_str(&format!("  {} [label={}];\n", id(i), id(i)));
    }
    for e in edges {
        let lines = label(e);
        let attrs = if lines.is_empty() {
            String::new()
        } else {
            let text: Vec<String> = lines.iter().map(|l| escape(l)).collect();
            format!(" [label=\"{}\"]", text.join("\\n"))
        };
        s.push_str(&format!("  {} -> {}{attrs};\n", id(e.from), id(e.to)));
    }
    s.push_str("}\n");
    s
}
