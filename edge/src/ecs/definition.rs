//! ECS services and their task definitions as the endpoint describes them (`DescribeServices`,
//! `DescribeTaskDefinition`), reduced to what running their tasks here needs.
//!
//! AWS: Amazon ECS Developer Guide, "Amazon ECS task definition parameters" (container definitions: `entryPoint`,
//! `command`, `environment`, `secrets`, `portMappings`, `readonlyRootFilesystem`, `linuxParameters.tmpfs`,
//! `mountPoints`, `workingDirectory`, `essential`).

use aws_sdk_ecs::types::{ContainerDefinition, Service, TaskDefinition};

use crate::endpoint::{aws_message, Aws};

/// One service: what ECS keeps running.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub cluster: String,
    pub region: String,
    pub desired_count: u32,
    pub task_definition: TaskSpec,
    /// Target groups the service's tasks register in: (target group ARN, container name, container port).
    pub load_balancers: Vec<(String, String, u16)>,
    /// The deployment circuit breaker (`deploymentConfiguration.deploymentCircuitBreaker`): on, and with rollback.
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// `healthCheckGracePeriodSeconds`: how long after a task starts the scheduler ignores its unhealthy load
    /// balancer health checks.
    pub health_check_grace: std::time::Duration,
    /// `deploymentConfiguration.minimumHealthyPercent` (100 when not given, as for a REPLICA service).
    pub minimum_healthy_percent: u32,
    /// `deploymentConfiguration.maximumPercent` (200 when not given).
    pub maximum_percent: u32,
    /// The id of the service's PRIMARY deployment as DescribeServices lists it (`ecs-svc/...`), if any.
    pub deployment_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitBreakerSpec {
    pub rollback: bool,
}

#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub arn: String,
    pub containers: Vec<ContainerSpec>,
    /// Names of the task's volumes (`volumes[].name`); a mount point must name one.
    pub volumes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub entry_point: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
    pub working_directory: Option<String>,
    pub environment: Vec<(String, String)>,
    /// `secrets`: (variable name, valueFrom).
    pub secrets: Vec<(String, String)>,
    pub container_ports: Vec<u16>,
    pub readonly_root: bool,
    /// Container paths of `linuxParameters.tmpfs`.
    pub tmpfs: Vec<String>,
    /// Container paths of `mountPoints`, with the volume each names.
    pub mount_points: Vec<(String, String)>,
}

impl ContainerSpec {
    /// Every path the container may write under a read-only root: its tmpfs mounts and its volumes' mount points.
    pub fn writable_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.tmpfs.clone();
        paths.extend(self.mount_points.iter().map(|(path, _)| path.clone()));
        paths
    }
}

/// Names of the services in `cluster` (every page of `ListServices`).
pub async fn services_in(aws: &Aws, region: &str, cluster: &str) -> Result<Vec<String>, String> {
    let client = aws.ecs(region);
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_services()
            .cluster(cluster)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| format!("ListServices in cluster {cluster}: {}", aws_message(&e)))?;
        arns.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

/// Every cluster's name (for services found by their target groups).
pub async fn clusters(aws: &Aws, region: &str) -> Result<Vec<String>, String> {
    let client = aws.ecs(region);
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_clusters()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| format!("ListClusters: {}", aws_message(&e)))?;
        arns.extend(page.cluster_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

/// The active services among `names` (names or ARNs) in `cluster`, with their task definitions.
pub async fn describe(aws: &Aws, region: &str, cluster: &str, names: &[String]) -> Result<Vec<ServiceSpec>, String> {
    let client = aws.ecs(region);
    let mut specs = Vec::new();
    // DescribeServices takes at most 10 services per call.
    for chunk in names.chunks(10) {
        let out = client
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| format!("DescribeServices in cluster {cluster}: {}", aws_message(&e)))?;
        if let Some(failure) = out.failures().first() {
            return Err(format!(
                "DescribeServices in cluster {cluster}: {} {}",
                failure.arn().unwrap_or_default(),
                failure.reason().unwrap_or_default()
            ));
        }
        for service in out.services() {
            if service.status() != Some("ACTIVE") {
                continue;
            }
            specs.push(service_spec(aws, region, cluster, service).await?);
        }
    }
    Ok(specs)
}

async fn service_spec(aws: &Aws, region: &str, cluster: &str, service: &Service) -> Result<ServiceSpec, String> {
    let name = service.service_name().unwrap_or_default().to_string();
    let td_arn = service
        .task_definition()
        .ok_or_else(|| format!("ECS service {name} has no task definition"))?;
    let td = aws
        .ecs(region)
        .describe_task_definition()
        .task_definition(td_arn)
        .send()
        .await
        .map_err(|e| {
            format!(
                "ECS service {name}: DescribeTaskDefinition {td_arn}: {}",
                aws_message(&e)
            )
        })?;
    let td = td
        .task_definition()
        .ok_or_else(|| format!("ECS service {name}: task definition {td_arn} not found"))?;
    let task_definition = task_spec(td_arn, td);
    let mut load_balancers = Vec::new();
    for lb in service.load_balancers() {
        let (Some(tg), Some(container), Some(port)) = (lb.target_group_arn(), lb.container_name(), lb.container_port())
        else {
            return Err(format!(
                "ECS service {name}: a load balancer without a target group, container name and port (Classic Load \
                 Balancers are not modelled)"
            ));
        };
        load_balancers.push((tg.to_string(), container.to_string(), port as u16));
    }
    let circuit_breaker = service
        .deployment_configuration()
        .and_then(|c| c.deployment_circuit_breaker())
        .filter(|b| b.enable())
        .map(|b| CircuitBreakerSpec { rollback: b.rollback() });
    let config = service.deployment_configuration();
    let percent = |v: Option<i32>, default: u32| v.map(|p| p.max(0) as u32).unwrap_or(default);
    let deployment_id = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.id())
        .map(str::to_string);
    Ok(ServiceSpec {
        name,
        cluster: cluster.rsplit('/').next().unwrap_or(cluster).to_string(),
        region: region.to_string(),
        desired_count: service.desired_count().max(0) as u32,
        task_definition,
        load_balancers,
        circuit_breaker,
        health_check_grace: std::time::Duration::from_secs(
            service.health_check_grace_period_seconds().unwrap_or(0).max(0) as u64,
        ),
        minimum_healthy_percent: percent(config.and_then(|c| c.minimum_healthy_percent()), 100),
        maximum_percent: percent(config.and_then(|c| c.maximum_percent()), 200),
        deployment_id,
    })
}

/// One task definition (an ARN or `family[:revision]`), for a standalone task.
pub async fn task_definition(aws: &Aws, region: &str, name: &str) -> Result<TaskSpec, String> {
    let out = aws
        .ecs(region)
        .describe_task_definition()
        .task_definition(name)
        .send()
        .await
        .map_err(|e| format!("DescribeTaskDefinition {name}: {}", aws_message(&e)))?;
    let td = out
        .task_definition()
        .ok_or_else(|| format!("task definition {name} not found"))?;
    Ok(task_spec(td.task_definition_arn().unwrap_or(name), td))
}

fn task_spec(arn: &str, td: &TaskDefinition) -> TaskSpec {
    TaskSpec {
        arn: arn.to_string(),
        containers: td.container_definitions().iter().map(container_spec).collect(),
        volumes: td
            .volumes()
            .iter()
            .filter_map(|v| v.name().map(str::to_string))
            .collect(),
    }
}

fn container_spec(c: &ContainerDefinition) -> ContainerSpec {
    let list = |v: &[String]| if v.is_empty() { None } else { Some(v.to_vec()) };
    ContainerSpec {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().unwrap_or_default().to_string(),
        // "If the essential parameter of a container is marked as true ... All tasks must have at least one
        // essential container"; omitted, a container is essential.
        essential: c.essential().unwrap_or(true),
        entry_point: list(c.entry_point()),
        command: list(c.command()),
        working_directory: c.working_directory().map(str::to_string),
        environment: c
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_string(), kv.value().unwrap_or_default().to_string())))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name().to_string(), s.value_from().to_string()))
            .collect(),
        container_ports: c
            .port_mappings()
            .iter()
            .filter_map(|p| p.container_port())
            .map(|p| p as u16)
            .collect(),
        readonly_root: c.readonly_root_filesystem().unwrap_or(false),
        tmpfs: c
            .linux_parameters()
            .map(|l| l.tmpfs().iter().map(|t| t.container_path().to_string()).collect())
            .unwrap_or_default(),
        mount_points: c
            .mount_points()
            .iter()
            .filter_map(|m| {
                Some((
                    m.container_path()?.to_string(),
                    m.source_volume().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
    }
}

/// The target group's `deregistration_delay.timeout_seconds` (300 when not set: "Deregistration delay" in the
/// Application Load Balancers user guide): how long a deregistering target keeps its in-flight requests. Read in
/// the target group's own region (its ARN's), else `region`.
pub async fn deregistration_delay(aws: &Aws, region: &str, target_group_arn: &str) -> std::time::Duration {
    const DEFAULT: u64 = 300;
    let region = crate::elb::load::region_of(target_group_arn).unwrap_or(region);
    let seconds = aws
        .elbv2(region)
        .describe_target_group_attributes()
        .target_group_arn(target_group_arn)
        .send()
        .await
        .ok()
        .and_then(|out| {
            out.attributes()
                .iter()
                .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
                .and_then(|a| a.value()?.parse().ok())
        })
        .unwrap_or(DEFAULT);
    std::time::Duration::from_secs(seconds)
}
