//! One task: each of its containers a process started from the task definition and the image that stands for the
//! container's image, in the sandbox its definition asks for (`sandbox.rs`), with its `secrets` resolved at start.
//!
//! The process's command is what Docker would run: the task definition's `entryPoint` (else the image's
//! ENTRYPOINT) followed by its `command` (else the image's CMD). Its environment: `PATH` and the edge's AWS
//! settings (the endpoint, the edge's credentials standing for the task role's, `AWS_REGION` and
//! `AWS_DEFAULT_REGION` as Fargate sets them), then the container's `environment`, then its `secrets`; nothing else
//! (ECS sets no `PORT`). The task's containers share a network namespace of the task's own (`network.rs`, the
//! `awsvpc` network mode), where each listens on its `containerPort`; the task is reached at its own address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::definition::{ContainerSpec, ServiceSpec};
use super::images::Images;
use super::network::{self, Egress, TaskNetwork};
use super::sandbox::{self, Layout};
use super::secrets;
use crate::endpoint::Aws;
use crate::lambda::pool::Credentials;

/// What every task gets from the edge.
pub struct Launcher {
    pub aws: Aws,
    pub images: Images,
    pub credentials: Credentials,
    /// The hosts file of the `--endpoint-map` names, mounted at each task's /etc/hosts.
    pub hosts: Option<std::path::PathBuf>,
    /// What the tasks reach out of their namespaces: the AWS endpoint and the `--endpoint-map` endpoints.
    pub egress: Vec<Egress>,
}

/// A started task.
pub struct Task {
    /// A task id of ECS's shape (32 hex digits).
    pub id: String,
    /// (container name, container port) -> where it is reached: the task's address and the container port.
    pub ports: HashMap<(String, u16), SocketAddr>,
    /// Connections into the task open now.
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    containers: Vec<(String, bool, Child)>,
    /// Dropped after the containers (fields drop in order): the forwarders stop with the task.
    _network: TaskNetwork,
}

impl Launcher {
    /// Checks, before any task starts, that every container of `service` can run here.
    pub fn check(&self, service: &ServiceSpec) -> Result<(), String> {
        for c in &service.task_definition.containers {
            self.images.find(&c.image).ok_or_else(|| unmapped(service, c))?;
            for (path, volume) in &c.mount_points {
                if !service.task_definition.volumes.contains(volume) {
                    return Err(format!(
                        "ECS service {}: container {}: mount point {path} names volume {volume:?}, which the task \
                         definition does not declare",
                        service.name, c.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Starts one task of `service`: its network, then every container, or none (a container that cannot start
    /// stops the task).
    pub async fn start(&self, service: &ServiceSpec) -> Result<Task, String> {
        let containers = &service.task_definition.containers;
        let ports: Vec<u16> = containers
            .iter()
            .flat_map(|c| c.container_ports.iter().copied())
            .collect();
        let network = TaskNetwork::create(&ports, &self.egress).await?;
        let address = IpAddr::V4(network.address);
        let mut task = Task {
            id: task_id(),
            ports: HashMap::new(),
            connections: network.connections.clone(),
            containers: Vec::new(),
            _network: network,
        };
        for c in containers {
            for &container_port in &c.container_ports {
                task.ports.insert(
                    (c.name.clone(), container_port),
                    SocketAddr::new(address, container_port),
                );
            }
            let child = self.spawn(service, c, task._network.fd()).await?;
            task.containers.push((c.name.clone(), c.essential, child));
        }
        Ok(task)
    }

    async fn spawn(
        &self,
        service: &ServiceSpec,
        c: &ContainerSpec,
        netns: std::os::fd::RawFd,
    ) -> Result<Child, String> {
        let image = self.images.find(&c.image).ok_or_else(|| unmapped(service, c))?;
        // ECS fails a task whose secrets cannot be read before its containers start (ResourceInitializationError).
        let secret_values = secrets::resolve(&self.aws, &service.region, &c.secrets)
            .await
            .map_err(|e| format!("ResourceInitializationError: container {}: {e}", c.name))?;
        let workdir_base = image
            .workdir
            .clone()
            .unwrap_or_else(|| image.directory.display().to_string());
        let layout = Layout {
            directory: image.directory.clone(),
            workdir: image.workdir.clone(),
            readonly_root: c.readonly_root,
            writable: c.writable_paths(),
            cwd: c.working_directory.clone().unwrap_or(workdir_base),
            hosts: self.hosts.clone(),
        };
        layout.prepare()?;
        let mut argv: Vec<String> = c.entry_point.clone().unwrap_or_else(|| image.command.clone());
        argv.extend(c.command.clone().unwrap_or_else(|| image.args.clone()));
        let mut cmd = Command::new(sandbox::BWRAP);
        cmd.args(layout.bwrap_args()?).arg("--").args(&argv);
        cmd.env_clear();
        for (k, v) in self.environment(service, c, &secret_values) {
            cmd.env(k, v);
        }
        // SAFETY: the hook runs in the forked child before exec and makes one system call (setns).
        unsafe {
            cmd.pre_exec(move || network::join(netns));
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("container {}: cannot start {}: {e}", c.name, sandbox::BWRAP))?;
        let out = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>);
        let err = child.stderr.take().map(|s| Box::new(s) as _);
        for stream in [out, err].into_iter().flatten() {
            let name = c.name.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("[{name}] {line}");
                }
            });
        }
        Ok(child)
    }

    fn environment(
        &self,
        service: &ServiceSpec,
        c: &ContainerSpec,
        secret_values: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        if let Ok(path) = std::env::var("PATH") {
            env.push(("PATH".into(), path));
        }
        env.push(("AWS_REGION".into(), service.region.clone()));
        env.push(("AWS_DEFAULT_REGION".into(), service.region.clone()));
        env.push(("AWS_ENDPOINT_URL".into(), self.aws.endpoint.clone()));
        env.push(("AWS_ACCESS_KEY_ID".into(), self.credentials.access_key_id.clone()));
        env.push((
            "AWS_SECRET_ACCESS_KEY".into(),
            self.credentials.secret_access_key.clone(),
        ));
        if let Some(token) = &self.credentials.session_token {
            env.push(("AWS_SESSION_TOKEN".into(), token.clone()));
        }
        env.extend(c.environment.iter().cloned());
        env.extend(secret_values.iter().cloned());
        env
    }
}

impl Task {
    /// Waits until an essential container exits ("If the essential parameter of a container is marked as true, and
    /// that container fails or stops for any reason, all other containers that are part of the task are
    /// stopped"); returns ECS's stopped reason.
    pub async fn wait_essential_exit(&mut self) -> String {
        let waits: Vec<_> = self
            .containers
            .iter_mut()
            .filter(|(_, essential, _)| *essential)
            .map(|(name, _, child)| {
                Box::pin(async move {
                    let status = child.wait().await;
                    let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    format!("Essential container in task exited (container {name}: {status})")
                })
            })
            .collect();
        if waits.is_empty() {
            return futures::future::pending().await;
        }
        futures::future::select_all(waits).await.0
    }

    /// The exit code of the container `name`, once it has exited by itself (None: running, killed, or no such one).
    pub fn exit_code(&mut self, name: &str) -> Option<i32> {
        let (_, _, child) = self.containers.iter_mut().find(|(n, _, _)| n == name)?;
        child.try_wait().ok().flatten().and_then(|s| s.code())
    }

    /// The exit code of the first essential container that has exited by itself.
    pub fn first_exit_code(&mut self) -> Option<i32> {
        self.containers
            .iter_mut()
            .filter(|(_, essential, _)| *essential)
            .find_map(|(_, _, child)| child.try_wait().ok().flatten().and_then(|s| s.code()))
    }

    /// Stops every container (SIGKILL; a stopped task's processes get no grace period here).
    pub async fn stop(&mut self) {
        for (_, _, child) in &mut self.containers {
            let _ = child.kill().await;
        }
    }
}

fn unmapped(service: &ServiceSpec, c: &ContainerSpec) -> String {
    format!(
        "ECS service {}: container {}: image {} is not in the images file (--images): images cannot be pulled here; \
         map the image to a directory and command (docs/edge.md, \"ECS tasks\")",
        service.name, c.name, c.image
    )
}

fn task_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}
