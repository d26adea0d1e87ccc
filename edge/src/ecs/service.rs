//! One service kept at its desired count, as the ECS service scheduler does ("Amazon ECS services": "If a task
//! stops or fails, the service scheduler launches another instance of your task definition to replace it").
//!
//! A task stops when an essential container exits, or, for a service with load balancers, when a target group's
//! health check marks it unhealthy ("If a task fails the load balancer health check, the task is stopped and a
//! new one started", Amazon ECS Developer Guide, "Use load balancing to distribute Amazon ECS service traffic").
//! Unhealthy checks within the service's `healthCheckGracePeriodSeconds` after a task starts are ignored.
//! Each stopped task is deregistered from its target groups at once and replaced. Until the deployment reaches a
//! steady state (every desired task running and, with load balancers, healthy in each of its target groups;
//! without them, running for `STEADY`), a service with the deployment circuit breaker counts stopped tasks, and at
//! the threshold (`circuit_breaker.rs`) reports the deployment failed and launches no more. Without the breaker,
//! replacements go on with a growing delay (ECS's service throttle logic; its own delays are not documented as
//! figures: here 1 s doubling to 30 s).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::circuit_breaker::Breaker;
use super::definition::ServiceSpec;
use super::task::{Launcher, Task};
use crate::targets::{Health, TargetGroups};

/// How long a task of a service without load balancers must run to count as steady.
pub const STEADY: Duration = Duration::from_secs(10);
/// How often the target groups' health is looked at.
const HEALTH_POLL: Duration = Duration::from_millis(250);

struct Deployment {
    breaker: Breaker,
    /// Per slot: its current task is steady.
    steady: Vec<bool>,
    failed: bool,
}

/// Runs the service's tasks until the deployment fails (or forever).
pub async fn run(spec: Arc<ServiceSpec>, launcher: Arc<Launcher>, groups: Arc<TargetGroups>) {
    let deployment = Arc::new(Mutex::new(Deployment {
        breaker: Breaker::new(spec.desired_count),
        steady: vec![false; spec.desired_count as usize],
        failed: false,
    }));
    let slots = (0..spec.desired_count as usize).map(|slot| {
        let (spec, launcher, groups, deployment) = (spec.clone(), launcher.clone(), groups.clone(), deployment.clone());
        tokio::spawn(keep_running(slot, spec, launcher, groups, deployment))
    });
    futures::future::join_all(slots).await;
}

async fn keep_running(
    slot: usize,
    spec: Arc<ServiceSpec>,
    launcher: Arc<Launcher>,
    groups: Arc<TargetGroups>,
    deployment: Arc<Mutex<Deployment>>,
) {
    let name = &spec.name;
    let mut delay = Duration::from_secs(1);
    loop {
        if deployment.lock().unwrap().failed {
            return;
        }
        let reason = match launcher.start(&spec).await {
            Err(e) => {
                eprintln!("nextstack-edge: ECS service {name}: a task could not start: {e}");
                e
            }
            Ok(mut task) => {
                announce(&spec, &task);
                let reason = supervise(slot, &spec, &mut task, &groups, &deployment).await;
                for (tg, _, _) in &spec.load_balancers {
                    groups.deregister(tg, &task.id);
                }
                task.stop().await;
                eprintln!("nextstack-edge: ECS service {name}: task {} stopped: {reason}", task.id);
                reason
            }
        };
        if stop_replacing(&spec, slot, &deployment, &reason) {
            return;
        }
        tokio::time::sleep(delay).await;
        if spec.circuit_breaker.is_none() {
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    }
}

/// Counts a stopped task; true when no replacement must be launched (the deployment has failed).
fn stop_replacing(spec: &ServiceSpec, slot: usize, deployment: &Mutex<Deployment>, reason: &str) -> bool {
    let mut d = deployment.lock().unwrap();
    d.steady[slot] = false;
    if d.failed {
        return true;
    }
    if spec.circuit_breaker.is_none() || !d.breaker.fail() {
        return false;
    }
    d.failed = true;
    let rollback = if spec.circuit_breaker.is_some_and(|b| b.rollback) {
        " (rollback is on, but the edge knows no earlier deployment to roll back to)"
    } else {
        ""
    };
    eprintln!(
        "nextstack-edge: ECS service {}: deployment failed: the deployment circuit breaker tripped after {} failed \
         tasks (threshold {}); no more tasks are launched{rollback}; last stopped reason: {reason}",
        spec.name,
        d.breaker.failures(),
        d.breaker.threshold()
    );
    true
}

fn announce(spec: &ServiceSpec, task: &Task) {
    let mut ports: Vec<_> = task.ports.iter().collect();
    ports.sort();
    let ports: Vec<String> = ports
        .into_iter()
        .map(|((container, port), addr)| format!("{container}:{port}=http://{addr}"))
        .collect();
    eprintln!(
        "nextstack-edge: ECS service {}: task {} started ({}) {}",
        spec.name,
        task.id,
        spec.task_definition.arn,
        ports.join(" ")
    );
}

/// Registers the task in its target groups and waits until it must stop; returns ECS's stopped reason.
async fn supervise(
    slot: usize,
    spec: &ServiceSpec,
    task: &mut Task,
    groups: &TargetGroups,
    deployment: &Mutex<Deployment>,
) -> String {
    let mut targets = Vec::new();
    for (tg, container, port) in &spec.load_balancers {
        match task.ports.get(&(container.clone(), *port)) {
            Some(addr) => {
                groups.register(tg, &task.id, *addr);
                targets.push(tg.clone());
            }
            None => {
                return format!(
                    "the service's load balancer names container {container} port {port}, which the task \
                     definition does not map"
                )
            }
        }
    }
    let id = task.id.clone();
    let started = tokio::time::Instant::now();
    let watch = async {
        loop {
            tokio::time::sleep(HEALTH_POLL).await;
            let mut all_healthy = true;
            for tg in &targets {
                match groups.health(tg, &id) {
                    // "The period of time ... that the Amazon ECS service scheduler ignores unhealthy Elastic Load
                    // Balancing ... target health checks after a task has first started" (CreateService,
                    // healthCheckGracePeriodSeconds).
                    Some(Health::Unhealthy) if started.elapsed() >= spec.health_check_grace => {
                        return format!("Task failed ELB health checks in (target-group {tg})")
                    }
                    Some(Health::Healthy) => {}
                    _ => all_healthy = false,
                }
            }
            let steady = if targets.is_empty() {
                started.elapsed() >= STEADY
            } else {
                all_healthy
            };
            let mut d = deployment.lock().unwrap();
            if d.failed {
                return "the service's deployment failed".to_string();
            }
            d.steady[slot] = steady;
            if !d.breaker.is_complete() && d.steady.iter().all(|s| *s) {
                d.breaker.complete();
                eprintln!(
                    "nextstack-edge: ECS service {}: deployment completed: {} tasks running",
                    spec.name, spec.desired_count
                );
            }
        }
    };
    tokio::select! {
        reason = task.wait_essential_exit() => reason,
        reason = watch => reason,
    }
}
