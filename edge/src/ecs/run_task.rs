//! `nextstack-edge run-task`: one standalone task of a task definition, as ECS `RunTask` starts it, run here to
//! its end through the same code as a service's tasks (images file, environment, `secrets`, the sandbox,
//! `--endpoint-map`), with a `containerOverrides` command for one container ("The command to send to the container
//! that overrides the default command from the Docker image or the task definition", Amazon ECS API Reference,
//! `ContainerOverride`). What a one-off task such as a database migration needs: it stops when an essential
//! container exits, and the exit code of the named container (else of that essential container) is the result.

use super::definition::{self, ServiceSpec};
use super::endpoints::{self, EndpointMap};
use super::images::Images;
use super::sandbox;
use super::task::Launcher;
use crate::endpoint::Aws;

/// What to run.
pub struct RunTask {
    /// A task definition ARN or `family[:revision]`.
    pub task_definition: String,
    pub region: String,
    /// `(container name, command)`: the command override.
    pub command_override: Option<(String, Vec<String>)>,
    pub endpoint_maps: Vec<EndpointMap>,
}

/// Runs the task; returns the exit code of the overridden container (else of the essential container that exited).
pub async fn run(aws: &Aws, images: Images, run: RunTask) -> Result<i32, String> {
    let mut task_definition = definition::task_definition(aws, &run.region, &run.task_definition).await?;
    let container = match &run.command_override {
        Some((name, command)) => {
            let c = task_definition
                .containers
                .iter_mut()
                .find(|c| &c.name == name)
                .ok_or_else(|| {
                    format!(
                        "run-task: task definition {} has no container named {name}",
                        task_definition.arn
                    )
                })?;
            c.command = Some(command.clone());
            Some(name.clone())
        }
        None => None,
    };
    let spec = ServiceSpec {
        name: format!(
            "run-task {}",
            task_definition.arn.rsplit('/').next().unwrap_or_default()
        ),
        cluster: String::new(),
        region: run.region.clone(),
        desired_count: 1,
        task_definition,
        load_balancers: Vec::new(),
        circuit_breaker: None,
        health_check_grace: std::time::Duration::ZERO,
        minimum_healthy_percent: 100,
        maximum_percent: 200,
        deployment_id: None,
    };
    sandbox::check()?;
    let mapped = endpoints::start(&run.endpoint_maps)?;
    let launcher = Launcher {
        aws: aws.clone(),
        images,
        credentials: aws.credentials().await,
        hosts: mapped.as_ref().map(|m| m.hosts_file.clone()),
        egress: super::egress(aws, mapped.as_ref()),
    };
    launcher.check(&spec)?;
    let mut task = launcher.start(&spec).await?;
    eprintln!(
        "nextstack-edge: ECS task {} started ({})",
        task.id, spec.task_definition.arn
    );
    let reason = task.wait_essential_exit().await;
    task.stop().await;
    eprintln!("nextstack-edge: ECS task {} stopped: {reason}", task.id);
    let exited = match &container {
        Some(name) => task.exit_code(name),
        None => task.first_exit_code(),
    };
    // No code (killed by a signal, or the named container was not essential and was stopped): a failure.
    Ok(exited.unwrap_or(1))
}
