//! The deploy graph as a JSON document for scripts that run the stacks in order.

use super::listed;
use crate::lint::Graph;
use serde::Serialize;

#[derive(Serialize)]
struct Out<'a> {
    stacks: Vec<JStack<'a>>,
    order: Vec<&'a str>,
    stages: Vec<Vec<&'a str>>,
    edges: Vec<JEdge<'a>>,
    syntax_errors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycle: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct JStack<'a> {
    name: &'a str,
    dir: &'a str,
    /// 1-based; `null` on a cycle.
    stage: Option<usize>,
    after: Vec<&'a str>,
}

#[derive(Serialize)]
struct JEdge<'a> {
    from: &'a str,
    to: &'a str,
    parameters: &'a [String],
}

pub fn render(g: &Graph) -> String {
    let name = |i: &usize| g.stacks[*i].name.as_str();
    let (stacks, edges) = listed(g);
    let stages: &[Vec<usize>] = g.stages.as_deref().unwrap_or(&[]);
    let stage_of = |i: usize| stages.iter().position(|st| st.contains(&i)).map(|s| s + 1);
    let out = Out {
        stacks: stacks
            .iter()
            .map(|&i| JStack {
                name: name(&i),
                dir: &g.stacks[i].dir,
                stage: stage_of(i),
                after: edges.iter().filter(|e| e.to == i).map(|e| name(&e.from)).collect(),
            })
            .collect(),
        order: stages.iter().flatten().map(name).collect(),
        stages: stages.iter().map(|st| st.iter().map(name).collect()).collect(),
        edges: edges
            .iter()
            .map(|e| JEdge {
                from: name(&e.from),
                to: name(&e.to),
                parameters: &e.parameters,
            })
            .collect(),
        syntax_errors: &g.syntax_errors,
        error: g.stages.as_ref().err().map(|c| c.message.as_str()),
        cycle: g.stages.as_ref().err().map(|c| c.stacks.iter().map(name).collect()),
    };
    serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{\"stacks\": []}".into()) + "\n"
}
