//! The deploy graph as a Mermaid `flowchart LR`: publisher --> reader.

use super::{label, listed};
use crate::lint::Graph;

/// Text for a double-quoted Mermaid label (entity codes for what would end or open markup).
fn escape(s: &str) -> String {
    s.replace('#', "#35;")
        .replace('"', "#34;")
        .replace('<', "#60;")
        .replace('>', "#62;")
}

/// Node ids are `s1`, `s2`, ... in the order listed: a stack's name may be a Mermaid keyword
/// (`end`) or hold a `/`.
pub fn render(g: &Graph) -> String {
    let (stacks, edges) = listed(g);
    let mut id = vec![0; g.stacks.len()];
    let mut s = String::from("flowchart LR\n");
    for (p, &i) in stacks.iter().enumerate() {
        id[i] = p + 1;
        s.push_str(&format!("  s{}[\"{}\"]\n", id[i], escape(&g.stacks[i].name)));
    }
    for e in edges {
        let lines = label(e);
        let link = if lines.is_empty() {
            String::new()
        } else {
            let text: Vec<String> = lines.iter().map(|l| escape(l)).collect();
            format!("|\"{}\"|", text.join("<br>"))
        };
        s.push_str(&format!("  s{} -->{link} s{}\n", id[e.from], id[e.to]));
    }
    s
}
