//! The deploy order as numbered lines and a one-line summary of the stages.

use crate::lint::Graph;

/// Empty on a cycle: the message goes to stderr.
pub fn render(g: &Graph) -> String {
    let Ok(stages) = &g.stages else {
        return String::new();
    };
    let mut s = String::new();
    let mut n = 0;
    for st in stages {
        for &i in st {
            n += 1;
            let deps: Vec<&str> = g.after(i).iter().map(|&d| g.stacks[d].name.as_str()).collect();
            let after = if deps.is_empty() {
                String::new()
            } else {
                format!("  (after {})", deps.join(", "))
            };
            s.push_str(&format!("{n}. {}  [{}]{after}\n", g.stacks[i].name, g.stacks[i].dir));
        }
    }
    let summary: Vec<String> = stages
        .iter()
        .map(|st| {
            st.iter()
                .map(|&i| g.stacks[i].name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    s.push_str(&summary.join(" -> "));
    s.push('\n');
    s
}
