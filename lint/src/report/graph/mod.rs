//! Rendering the deploy graph of `nextstack-lint graph`: human, JSON, Graphviz DOT and Mermaid.

mod dot;
mod human;
mod json;
mod mermaid;

use crate::lint::{Graph, GraphEdge};

pub use dot::render as dot;
pub use human::render as human;
pub use json::render as json;
pub use mermaid::render as mermaid;

/// An edge shows its parameter names up to this many, their count beyond.
const FEW: usize = 2;

/// The stacks in deploy order (index order on a cycle), and the edges sorted by the position of
/// their publisher, then of their reader, in that order.
fn listed(g: &Graph) -> (Vec<usize>, Vec<&GraphEdge>) {
    let stacks = g.listed();
    let mut pos = vec![0; g.stacks.len()];
    for (p, &i) in stacks.iter().enumerate() {
        pos[i] = p;
    }
    let mut edges: Vec<&GraphEdge> = g.edges.iter().collect();
    edges.sort_by_key(|e| (pos[e.from], pos[e.to]));
    (stacks, edges)
}

/// The lines of an edge's label: its parameter names when few, else their count; none when no
/// name is known.
fn label(e: &GraphEdge) -> Vec<String> {
    match e.parameters.len() {
        0 => vec![],
        n if n <= FEW => e.parameters.clone(),
        n => vec![format!("{n} parameters")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Cycle, GraphStack};

    fn graph(parameters: &[&str]) -> Graph {
        let stack = |name: &str| GraphStack {
            name: name.into(),
            dir: name.into(),
        };
        Graph {
            stacks: vec![stack("end"), stack("say \"hi\"")],
            edges: vec![GraphEdge {
                from: 1,
                to: 0,
                parameters: parameters.iter().map(|p| p.to_string()).collect(),
            }],
            stages: Ok(vec![vec![1], vec![0]]),
            syntax_errors: vec![],
        }
    }

    #[test]
    fn an_edge_shows_few_names_or_their_count() {
        assert_eq!(label(&graph(&[]).edges[0]), Vec::<String>::new());
        assert_eq!(label(&graph(&["/a", "/b"]).edges[0]), ["/a", "/b"]);
        assert_eq!(label(&graph(&["/a", "/b", "/c"]).edges[0]), ["3 parameters"]);
    }

    #[test]
    fn names_are_escaped_and_listed_in_deploy_order() {
        let g = graph(&["/a", "/b", "/c"]);
        assert_eq!(
            dot(&g),
            "digraph deploy {\n  rankdir=LR;\n  node [shape=box];\n  \"say \\\"hi\\\"\" [label=\"say \\\"hi\\\"\"];\n  \"end\" [label=\"end\"];\n  \"say \\\"hi\\\"\" -> \"end\" [label=\"3 parameters\"];\n}\n"
        );
        assert_eq!(
            mermaid(&g),
            "flowchart LR\n  s1[\"say #34;hi#34;\"]\n  s2[\"end\"]\n  s1 -->|\"3 parameters\"| s2\n"
        );
    }

    #[test]
    fn a_cycle_lists_the_stacks_in_index_order_without_a_human_order() {
        let mut g = graph(&[]);
        g.stages = Err(Cycle {
            stacks: vec![0, 1],
            message: "cycle".into(),
        });
        assert_eq!(listed(&g).0, [0, 1]);
        assert_eq!(human(&g), "");
        assert_eq!(
            mermaid(&g),
            "flowchart LR\n  s1[\"end\"]\n  s2[\"say #34;hi#34;\"]\n  s2 --> s1\n"
        );
    }
}
