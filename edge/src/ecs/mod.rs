//! ECS services' tasks run as local processes: each service's desired count of tasks, each container a process
//! started from the task definition (entry point and command, environment, secrets, port mappings, the read-only
//! root and its writable mounts) and the local directory and command that stand for its image (the images file),
//! registered in the target groups the service's `loadBalancers` name, replaced when it stops, rolled to each new
//! deployment `UpdateService` starts, with the deployment circuit breaker and rollback. See docs/edge.md, "ECS
//! tasks".

pub mod circuit_breaker;
pub mod definition;
pub mod endpoints;
pub mod images;
pub mod network;
pub mod rolling;
pub mod run_task;
pub mod sandbox;
pub mod secrets;
pub mod service;
pub mod task;

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::endpoint::Aws;
use crate::lambda::pool::Credentials;
use crate::targets::TargetGroups;
use definition::ServiceSpec;
use images::Images;
use task::Launcher;

/// Which services to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Every service of these clusters (names or ARNs).
    pub clusters: Vec<String>,
    /// Every service, in any cluster, whose `loadBalancers` name one of these target groups.
    pub target_groups: Vec<String>,
    /// The Region the services are in.
    pub region: String,
    /// Private endpoints the tasks reach at local servers (`--endpoint-map`).
    pub endpoint_maps: Vec<endpoints::EndpointMap>,
}

/// The running services; dropping it stops their tasks.
pub struct Services {
    pub services: Vec<Arc<ServiceSpec>>,
    handles: Vec<JoinHandle<()>>,
    _endpoints: Option<endpoints::Mapped>,
}

impl Services {
    /// Finds the services, checks that each can run here (bubblewrap, every image mapped, every mount point's
    /// volume declared), then starts their tasks.
    pub async fn start(
        aws: &Aws,
        credentials: Credentials,
        groups: Arc<TargetGroups>,
        images: Images,
        options: &Options,
    ) -> Result<Self, String> {
        let specs = find(aws, options).await?;
        if specs.is_empty() {
            return Ok(Self {
                services: Vec::new(),
                handles: Vec::new(),
                _endpoints: None,
            });
        }
        sandbox::check()?;
        let mapped = endpoints::start(&options.endpoint_maps)?;
        let launcher = Arc::new(Launcher {
            aws: aws.clone(),
            images,
            credentials,
            hosts: mapped.as_ref().map(|m| m.hosts_file.clone()),
            egress: egress(aws, mapped.as_ref()),
        });
        for spec in &specs {
            launcher.check(spec)?;
        }
        let services: Vec<Arc<ServiceSpec>> = specs.into_iter().map(Arc::new).collect();
        let handles = services
            .iter()
            .map(|spec| {
                eprintln!(
                    "nextstack-edge: ECS service {} (cluster {}): {} tasks of {}",
                    spec.name, spec.cluster, spec.desired_count, spec.task_definition.arn
                );
                tokio::spawn(service::run(
                    spec.clone(),
                    launcher.clone(),
                    groups.clone(),
                    aws.clone(),
                ))
            })
            .collect();
        Ok(Self {
            services,
            handles,
            _endpoints: mapped,
        })
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        for handle in &self.handles {
            handle.abort();
        }
    }
}

/// What every task reaches out of its network namespace: the AWS endpoint (an emulator on this machine's loopback;
/// in AWS through the NAT gateway or VPC endpoints) and the `--endpoint-map` endpoints.
fn egress(aws: &Aws, mapped: Option<&endpoints::Mapped>) -> Vec<network::Egress> {
    let mut egress: Vec<network::Egress> = network::endpoint_egress(&aws.endpoint).into_iter().collect();
    egress.extend(mapped.map(|m| m.egress.clone()).unwrap_or_default());
    egress
}

async fn find(aws: &Aws, options: &Options) -> Result<Vec<ServiceSpec>, String> {
    let region = &options.region;
    let mut specs: Vec<ServiceSpec> = Vec::new();
    for cluster in &options.clusters {
        let names = definition::services_in(aws, region, cluster).await?;
        specs.extend(definition::describe(aws, region, cluster, &names).await?);
    }
    if !options.target_groups.is_empty() {
        for cluster in definition::clusters(aws, region).await? {
            let names = definition::services_in(aws, region, &cluster).await?;
            for spec in definition::describe(aws, region, &cluster, &names).await? {
                let wanted = spec
                    .load_balancers
                    .iter()
                    .any(|(tg, _, _)| options.target_groups.contains(tg));
                if wanted && !specs.iter().any(|s| s.name == spec.name && s.cluster == spec.cluster) {
                    specs.push(spec);
                }
            }
        }
    }
    Ok(specs)
}
