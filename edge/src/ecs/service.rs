//! One service kept at its desired count and rolled to each new deployment, as the ECS service scheduler does with
//! the rolling update (`ECS`) deployment controller.
//!
//! Tasks. "If a task stops or fails, the service scheduler launches another instance of your task definition to
//! replace it" (Amazon ECS Developer Guide, "Amazon ECS services"). A task stops when an essential container exits,
//! or, for a service with load balancers, when a target group's health check marks it unhealthy ("If a task fails
//! the load balancer health check, the task is stopped and a new one started", "Use load balancing to distribute
//! Amazon ECS service traffic"), except within the service's `healthCheckGracePeriodSeconds` after it started. A
//! task stopped that way is deregistered at once and replaced; without the circuit breaker, after a delay doubling
//! from 1 s to 30 s (ECS's service throttle logic; its own figures are not documented).
//!
//! Deployments. The edge polls `DescribeServices` (every `FOLLOW`) and a new task definition or a new PRIMARY
//! deployment id (`UpdateService`, also with `forceNewDeployment`) starts a new deployment ("Deploy Amazon ECS
//! services by replacing tasks"): its tasks start within `maximumPercent`, and as they turn healthy in every target
//! group (without load balancers: running for `STEADY`) the old deployments' tasks are stopped, never going under
//! `minimumHealthyPercent` healthy tasks (`rolling.rs`). An old task with load balancers is first deregistered:
//! it gets no new requests (draining) and stops when the target group's deregistration delay has passed, or at once
//! when it has no connection open, as ELB completes a deregistration early ("If a deregistering target has no
//! in-flight requests and no active connections, Elastic Load Balancing immediately completes the deregistration
//! process", Application Load Balancers user guide, "Deregistration delay"). Its stopped reason is ECS's "Scaling
//! activity initiated by (deployment ID)". A deployment is COMPLETED when its desired tasks are healthy and no old
//! task is left.
//!
//! Circuit breaker. Until the PRIMARY deployment completes, its stopped tasks are counted (`circuit_breaker.rs`);
//! at the threshold the deployment FAILED: with rollback on, a new deployment of the last completed deployment's
//! task definition starts ("rolls back to the last deployment that completed successfully"); without it (or with
//! no completed deployment) no more of its tasks are launched, and the old deployments' tasks keep running.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::circuit_breaker::Breaker;
use super::definition::{self, ServiceSpec};
use super::rolling::Bounds;
use super::task::{Launcher, Task};
use crate::endpoint::Aws;
use crate::targets::{Health, TargetGroups};

/// How long a task of a service without load balancers must run to count as steady (healthy).
pub const STEADY: Duration = Duration::from_secs(10);
/// How often the scheduler looks at its tasks and the target groups' health.
const TICK: Duration = Duration::from_millis(250);
/// How often `DescribeServices` is polled for a new deployment.
const FOLLOW: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rollout {
    InProgress,
    Completed,
    Failed,
}

struct Deployment {
    id: String,
    spec: Arc<ServiceSpec>,
    breaker: Breaker,
    rollout: Rollout,
    tasks: Vec<Running>,
    /// When the next task may be launched (after a failure, the replacement delay).
    next_launch: Instant,
    delay: Duration,
    /// A rollback's deployment: if it fails too, it is not rolled back again.
    rollback: bool,
}

/// A task of a deployment, watched by a tokio task of its own (`watch`).
struct Running {
    id: String,
    started: Instant,
    /// The target groups it is registered in.
    groups: Vec<String>,
    connections: Arc<AtomicUsize>,
    /// Asks the watcher to stop the task with this reason.
    stop: Option<oneshot::Sender<String>>,
    /// Set by the watcher once the task has stopped: (reason, it stopped by itself or failed).
    stopped: Arc<Mutex<Option<(String, bool)>>>,
    /// The scheduler stopped it for failing its health checks.
    failed: bool,
    draining_since: Option<Instant>,
    steady: bool,
}

impl Running {
    fn live(&self) -> bool {
        self.stop.is_some()
    }

    fn request_stop(&mut self, reason: String) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(reason);
        }
    }
}

/// Runs the service's tasks, following its deployments, until the edge stops.
pub async fn run(spec: Arc<ServiceSpec>, launcher: Arc<Launcher>, groups: Arc<TargetGroups>, aws: Aws) {
    let mut scheduler = Scheduler {
        name: spec.name.clone(),
        launcher,
        groups,
        aws,
        delays: Default::default(),
        deployments: Vec::new(),
        last_completed: None,
        seen: follow_key(&spec),
    };
    scheduler.deploy(spec, false);
    let mut last_poll = Instant::now();
    loop {
        if last_poll.elapsed() >= FOLLOW {
            last_poll = Instant::now();
            scheduler.follow().await;
        }
        scheduler.tick().await;
        tokio::time::sleep(TICK).await;
    }
}

/// What identifies a deployment the API started: the task definition and the PRIMARY deployment's id.
fn follow_key(spec: &ServiceSpec) -> (String, Option<String>) {
    (spec.task_definition.arn.clone(), spec.deployment_id.clone())
}

struct Scheduler {
    name: String,
    launcher: Arc<Launcher>,
    groups: Arc<TargetGroups>,
    aws: Aws,
    /// Deregistration delay per target group.
    delays: std::collections::HashMap<String, Duration>,
    /// The PRIMARY deployment first, then the older ones still with tasks.
    deployments: Vec<Deployment>,
    last_completed: Option<(String, Arc<ServiceSpec>)>,
    /// The last deployment the API described.
    seen: (String, Option<String>),
}

impl Scheduler {
    /// Starts a deployment of `spec` as the PRIMARY one: the deployment the API describes, or (`rollback`) a new
    /// one of an earlier deployment's task definition, with an id of its own.
    fn deploy(&mut self, spec: Arc<ServiceSpec>, rollback: bool) {
        let id = match &spec.deployment_id {
            Some(id) if !rollback => id.clone(),
            _ => format!("ecs-svc/{}", fastrand::u64(1_000_000_000_000_000_000..)),
        };
        if let Some(primary) = self.deployments.first_mut() {
            eprintln!(
                "nextstack-edge: ECS service {}: deployment {id} started: task definition {}, replacing deployment \
                 {} ({}); rolling update: minimum healthy {}%, maximum {}%",
                self.name,
                spec.task_definition.arn,
                primary.id,
                primary.spec.task_definition.arn,
                spec.minimum_healthy_percent,
                spec.maximum_percent
            );
            if primary.rollout == Rollout::InProgress {
                // A deployment replaced before it completed stops being watched by the breaker.
                primary.breaker.complete();
            }
        }
        self.deployments.insert(
            0,
            Deployment {
                id,
                breaker: Breaker::new(spec.desired_count),
                spec,
                rollout: Rollout::InProgress,
                tasks: Vec::new(),
                next_launch: Instant::now(),
                delay: Duration::from_secs(1),
                rollback,
            },
        );
    }

    /// Polls the service; a new task definition or deployment id starts a deployment.
    async fn follow(&mut self) {
        let Some(current) = self.deployments.first() else {
            return;
        };
        let spec = &current.spec;
        let found =
            definition::describe(&self.aws, &spec.region, &spec.cluster, std::slice::from_ref(&spec.name)).await;
        let Ok(Some(new)) = found.map(|specs| specs.into_iter().next()) else {
            return;
        };
        let key = follow_key(&new);
        if key == self.seen {
            return;
        }
        self.seen = key;
        if let Err(e) = self.launcher.check(&new) {
            // ECS would fail the tasks (CannotPullContainerError); here they fail to start, for the breaker.
            eprintln!("nextstack-edge: ECS service {}: {e}", self.name);
        }
        self.deploy(Arc::new(new), false);
    }

    async fn tick(&mut self) {
        self.reap();
        self.watch_health();
        self.complete();
        self.launch().await;
        self.replace_old().await;
        self.drain();
        // Old deployments with no task left are done.
        let mut i = 1;
        while i < self.deployments.len() {
            if self.deployments[i].tasks.is_empty() {
                self.deployments.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Removes the stopped tasks; a failed one counts for its deployment's breaker.
    fn reap(&mut self) {
        let mut tripped = None;
        for (index, d) in self.deployments.iter_mut().enumerate() {
            let mut reasons = Vec::new();
            d.tasks.retain(|t| match t.stopped.lock().unwrap().clone() {
                Some((reason, by_itself)) => {
                    if by_itself || t.failed {
                        reasons.push(reason);
                    }
                    false
                }
                None => true,
            });
            for reason in reasons {
                d.next_launch = Instant::now() + d.delay;
                if d.spec.circuit_breaker.is_none() {
                    d.delay = (d.delay * 2).min(Duration::from_secs(30));
                }
                if index == 0
                    && d.spec.circuit_breaker.is_some()
                    && d.rollout == Rollout::InProgress
                    && d.breaker.fail()
                {
                    d.rollout = Rollout::Failed;
                    tripped = Some(reason);
                }
            }
        }
        if let Some(reason) = tripped {
            self.fail(&reason);
        }
    }

    /// The PRIMARY deployment's breaker tripped: roll back, or launch no more.
    fn fail(&mut self, reason: &str) {
        let primary = &self.deployments[0];
        let (failures, threshold) = (primary.breaker.failures(), primary.breaker.threshold());
        let rollback = primary.spec.circuit_breaker.is_some_and(|b| b.rollback) && !primary.rollback;
        match (&self.last_completed, rollback) {
            (Some((last_id, last)), true) => {
                eprintln!(
                    "nextstack-edge: ECS service {}: deployment failed: the deployment circuit breaker tripped after \
                     {failures} failed tasks (threshold {threshold}) in deployment {} ({}); rolling back to \
                     deployment {last_id} ({}); last stopped reason: {reason}",
                    self.name, primary.id, primary.spec.task_definition.arn, last.task_definition.arn
                );
                let last = last.clone();
                self.deploy(last, true);
            }
            _ => {
                let note = if primary.rollback {
                    " (this deployment was a rollback: it is not rolled back again)"
                } else if rollback {
                    " (rollback is on, but the edge knows no earlier deployment to roll back to)"
                } else {
                    ""
                };
                eprintln!(
                    "nextstack-edge: ECS service {}: deployment failed: the deployment circuit breaker tripped after \
                     {failures} failed tasks (threshold {threshold}); no more tasks are launched{note}; last stopped \
                     reason: {reason}",
                    self.name
                );
            }
        }
    }

    /// Stops the tasks their target groups mark unhealthy (after the grace period); marks the steady ones.
    fn watch_health(&mut self) {
        for d in &mut self.deployments {
            for t in d.tasks.iter_mut().filter(|t| t.live() && t.draining_since.is_none()) {
                let mut all_healthy = true;
                let mut unhealthy = None;
                for tg in &t.groups {
                    match self.groups.health(tg, &t.id) {
                        // "The period of time ... that the Amazon ECS service scheduler ignores unhealthy Elastic
                        // Load Balancing ... target health checks after a task has first started" (CreateService,
                        // healthCheckGracePeriodSeconds).
                        Some(Health::Unhealthy) if t.started.elapsed() >= d.spec.health_check_grace => {
                            unhealthy = Some(tg.clone());
                        }
                        Some(Health::Healthy) => {}
                        _ => all_healthy = false,
                    }
                }
                if let Some(tg) = unhealthy {
                    t.failed = true;
                    t.steady = false;
                    t.request_stop(format!("Task failed ELB health checks in (target-group {tg})"));
                    continue;
                }
                t.steady = if t.groups.is_empty() {
                    t.started.elapsed() >= STEADY
                } else {
                    all_healthy
                };
            }
        }
    }

    /// The PRIMARY deployment reached a steady state with no old task left: COMPLETED.
    fn complete(&mut self) {
        let old_tasks = self.deployments.iter().skip(1).any(|d| !d.tasks.is_empty());
        let Some(d) = self.deployments.first_mut() else {
            return;
        };
        let steady = d.tasks.iter().filter(|t| t.live() && t.steady).count() as u32;
        if d.rollout != Rollout::InProgress || old_tasks || steady < d.spec.desired_count {
            return;
        }
        d.rollout = Rollout::Completed;
        d.breaker.complete();
        eprintln!(
            "nextstack-edge: ECS service {}: deployment completed: {} tasks running (deployment {}, {})",
            self.name, d.spec.desired_count, d.id, d.spec.task_definition.arn
        );
        self.last_completed = Some((d.id.clone(), d.spec.clone()));
    }

    /// Launches the PRIMARY deployment's missing tasks, within the maximum.
    async fn launch(&mut self) {
        let running: u32 = self.deployments.iter().map(|d| d.tasks.len() as u32).sum();
        let d = &self.deployments[0];
        if d.rollout == Rollout::Failed || Instant::now() < d.next_launch {
            return;
        }
        let bounds = Bounds::new(
            d.spec.desired_count,
            d.spec.minimum_healthy_percent,
            d.spec.maximum_percent,
        );
        let n = bounds.launches(d.spec.desired_count, d.tasks.len() as u32, running);
        for _ in 0..n {
            let spec = self.deployments[0].spec.clone();
            let started = self.start(&spec).await;
            let d = &mut self.deployments[0];
            match started {
                Ok(task) => d.tasks.push(task),
                Err(reason) => {
                    // A task that could not start counts as a failed one (reaped at once).
                    d.tasks.push(Running {
                        id: String::new(),
                        started: Instant::now(),
                        groups: Vec::new(),
                        connections: Default::default(),
                        stop: None,
                        stopped: Arc::new(Mutex::new(Some((reason, true)))),
                        failed: true,
                        draining_since: None,
                        steady: false,
                    });
                    return;
                }
            }
        }
    }

    /// Starts one task, registers it in its target groups and watches it; the error is the stopped reason.
    async fn start(&self, spec: &ServiceSpec) -> Result<Running, String> {
        let task = match self.launcher.start(spec).await {
            Ok(task) => task,
            Err(e) => {
                eprintln!("nextstack-edge: ECS service {}: a task could not start: {e}", self.name);
                return Err(e);
            }
        };
        announce(spec, &task);
        let (stop, stop_rx) = oneshot::channel();
        let stopped = Arc::new(Mutex::new(None));
        let mut registered = Vec::new();
        let mut unmapped = None;
        for (tg, container, port) in &spec.load_balancers {
            match task.ports.get(&(container.clone(), *port)) {
                Some(addr) => {
                    self.groups.register(tg, &task.id, *addr);
                    registered.push(tg.clone());
                }
                None => {
                    unmapped = Some(format!(
                        "the service's load balancer names container {container} port {port}, which the task \
                         definition does not map"
                    ))
                }
            }
        }
        let mut running = Running {
            id: task.id.clone(),
            started: Instant::now(),
            groups: registered.clone(),
            connections: task.connections.clone(),
            stop: Some(stop),
            stopped: stopped.clone(),
            failed: false,
            draining_since: None,
            steady: false,
        };
        tokio::spawn(watch(
            task,
            self.name.clone(),
            self.groups.clone(),
            registered,
            stop_rx,
            stopped,
        ));
        if let Some(reason) = unmapped {
            running.failed = true;
            running.request_stop(reason);
        }
        Ok(running)
    }

    /// Deregisters (drains) the old deployments' tasks that may go now.
    async fn replace_old(&mut self) {
        if self.deployments.len() < 2 || self.deployments[0].rollout == Rollout::Failed {
            return;
        }
        let spec = self.deployments[0].spec.clone();
        let bounds = Bounds::new(spec.desired_count, spec.minimum_healthy_percent, spec.maximum_percent);
        let healthy: u32 = self
            .deployments
            .iter()
            .flat_map(|d| &d.tasks)
            .filter(|t| t.live() && t.draining_since.is_none() && t.steady)
            .count() as u32;
        let mut may_stop = bounds.healthy_stops(healthy);
        let mut to_drain = Vec::new();
        for (di, d) in self.deployments.iter().enumerate().skip(1) {
            for (ti, t) in d.tasks.iter().enumerate() {
                if !t.live() || t.draining_since.is_some() {
                    continue;
                }
                if t.steady {
                    if may_stop == 0 {
                        continue;
                    }
                    may_stop -= 1;
                }
                to_drain.push((di, ti));
            }
        }
        let primary = self.deployments[0].id.clone();
        for (di, ti) in to_drain {
            let groups = self.deployments[di].tasks[ti].groups.clone();
            let mut delay = Duration::ZERO;
            for tg in &groups {
                delay = delay.max(self.delay_of(&spec.region, tg).await);
                self.groups
                    .set_health(tg, &self.deployments[di].tasks[ti].id, Health::Draining);
            }
            let t = &mut self.deployments[di].tasks[ti];
            if groups.is_empty() {
                t.request_stop(format!("Scaling activity initiated by (deployment {primary})"));
            } else {
                eprintln!(
                    "nextstack-edge: ECS service {}: task {} deregistering (draining; deregistration delay {}s)",
                    self.name,
                    t.id,
                    delay.as_secs()
                );
                t.draining_since = Some(Instant::now());
            }
        }
    }

    async fn delay_of(&mut self, region: &str, tg: &str) -> Duration {
        if let Some(d) = self.delays.get(tg) {
            return *d;
        }
        let d = definition::deregistration_delay(&self.aws, region, tg).await;
        self.delays.insert(tg.to_string(), d);
        d
    }

    /// Stops the draining tasks whose deregistration is complete: the delay passed, or no connection is open (looked
    /// at one tick after the deregistration, so that a request routed just before it has connected).
    fn drain(&mut self) {
        let primary = self.deployments[0].id.clone();
        for d in &mut self.deployments {
            for t in d.tasks.iter_mut().filter(|t| t.live()) {
                let Some(since) = t.draining_since else {
                    continue;
                };
                let delay = t
                    .groups
                    .iter()
                    .filter_map(|tg| self.delays.get(tg))
                    .max()
                    .copied()
                    .unwrap_or_default();
                let idle = since.elapsed() >= TICK && t.connections.load(Ordering::SeqCst) == 0;
                if idle || since.elapsed() >= delay {
                    t.request_stop(format!("Scaling activity initiated by (deployment {primary})"));
                }
            }
        }
    }
}

/// Waits until the task's essential container exits or the scheduler stops it; then deregisters and stops it.
async fn watch(
    mut task: Task,
    service: String,
    groups: Arc<TargetGroups>,
    registered: Vec<String>,
    stop: oneshot::Receiver<String>,
    stopped: Arc<Mutex<Option<(String, bool)>>>,
) {
    let (reason, by_itself) = tokio::select! {
        reason = task.wait_essential_exit() => (reason, true),
        asked = stop => (asked.unwrap_or_else(|_| "the service's scheduler stopped".to_string()), false),
    };
    for tg in &registered {
        groups.deregister(tg, &task.id);
    }
    task.stop().await;
    eprintln!(
        "nextstack-edge: ECS service {service}: task {} stopped: {reason}",
        task.id
    );
    *stopped.lock().unwrap() = Some((reason, by_itself));
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
