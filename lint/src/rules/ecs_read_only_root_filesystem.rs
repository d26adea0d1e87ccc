//! ## What it does
//! Checks that every container of every `aws_ecs_task_definition` sets
//! `readonlyRootFilesystem = true`. `container_definitions` may be written with `jsonencode(...)`,
//! as heredoc JSON, or read with `file(...)` / `templatefile(...)`.
//!
//! ## Why is this bad?
//! A writable root filesystem lets a compromised container change its own binaries and
//! configuration and persist tools for later. With a read-only root, the application writes only
//! to the volumes it declares (tmpfs for `/tmp` and the Next.js cache), so a compromise cannot
//! modify what runs.
//!
//! ## Example
//! ```hcl
//! resource "aws_ecs_task_definition" "app" {
//!   family                = "app"
//!   container_definitions = jsonencode([{ name = "app", image = "app:1" }])
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ecs_task_definition" "app" {
//!   family = "app"
//!   container_definitions = jsonencode([{
//!     name                   = "app"
//!     image                  = "app:1"
//!     readonlyRootFilesystem = true
//!     mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp" }]
//!   }])
//! }
//! ```
//!
//! ## Known blind spots
//! Container definitions assembled from values that are unknown before apply (outputs of
//! registry modules, data sources) are reported as "cannot verify". With `jsonencode(...)` the
//! known parts stay inspectable, but a heredoc or `templatefile(...)` with one unknown
//! interpolation (an image tag from a variable) is wholly unknown, even where
//! `readonlyRootFilesystem` is written literally.
//!
//! ## References
//! - [ECS task definition parameters: readonlyRootFilesystem](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html)

use super::{Outcome, RuleContext};
use crate::eval::EvalBlock;
use crate::value::Value;

/// The containers of a task definition's `container_definitions`.
pub enum Containers {
    /// No `container_definitions` attribute.
    Absent,
    /// A string that is not JSON.
    Invalid,
    /// Not a list known statically.
    Unknown,
    /// The container definitions (each may still be partly unknown).
    List(Vec<Value>),
}

/// The containers of `container_definitions`, written as `jsonencode(...)` (its structure stays
/// known when parts are not), heredoc JSON or JSON read from a file.
pub fn container_definitions(task: &EvalBlock) -> Containers {
    let defs = match task.value("container_definitions") {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j) => Value::from_json(&j),
            Err(_) => return Containers::Invalid,
        },
        Value::Null => return Containers::Absent,
        Value::Encoded(inner) => (*inner).clone(),
        other => other,
    };
    match defs.as_list() {
        Some(l) => Containers::List(l.to_vec()),
        None => Containers::Unknown,
    }
}

pub fn check(ctx: &RuleContext) {
    ctx.each("aws_ecs_task_definition", |hit| {
        let b = hit.block;
        let span = b.span_of("container_definitions");
        let list = match container_definitions(b) {
            Containers::Absent => return,
            Containers::List(list) => list,
            Containers::Invalid => {
                ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Unknown,
                    "container_definitions is not valid JSON",
                    None,
                );
                return;
            }
            Containers::Unknown => {
                ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Unknown,
                    format!(
                        "the container definitions of aws_ecs_task_definition.{} are not known statically",
                        b.name
                    ),
                    None,
                );
                return;
            }
        };
        // One finding per task definition (one source location), naming every container.
        let (mut failing, mut unknown) = (Vec::new(), Vec::new());
        for (i, c) in list.iter().enumerate() {
            let name = c
                .get_attr("name")
                .and_then(|n| n.as_str().map(|s| format!("`{s}`")))
                .unwrap_or_else(|| format!("#{}", i + 1));
            match c.get_attr("readonlyRootFilesystem").unwrap_or(Value::Null) {
                v if v.as_bool() == Some(true) => {}
                v if v.is_unknown() || c.is_unknown() => unknown.push(name),
                _ => failing.push(name),
            }
        }
        let plural = |v: &[String]| if v.len() == 1 { "container" } else { "containers" };
        if !failing.is_empty() {
            ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!(
                    "{} {} of aws_ecs_task_definition.{} {} not set readonlyRootFilesystem = true",
                    plural(&failing),
                    failing.join(", "),
                    b.name,
                    if failing.len() == 1 { "does" } else { "do" }
                ),
                Some("set `readonlyRootFilesystem = true` and mount tmpfs volumes where the application writes"),
            );
        } else if !unknown.is_empty() {
            ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!(
                    "readonlyRootFilesystem of {} {} in aws_ecs_task_definition.{} is not known statically",
                    plural(&unknown),
                    unknown.join(", "),
                    b.name
                ),
                None,
            );
        }
    });
}
