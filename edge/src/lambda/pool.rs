//! Execution environments of one function: started on demand (a cold start), reused while warm, never more
//! than the function's reserved concurrency (or the edge's own cap), stopped at their timeout.
//!
//! AWS: Lambda Developer Guide, "Lambda execution environment lifecycle" (a timed-out or crashed environment
//! is reset; init errors fail the invocation that started it), "Configure Lambda function timeout"
//! ("Task timed out after N seconds"), "Lambda runtimes" (environment variables every runtime sets).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

use super::runtime_api::{self, Environment, Invocation, Queue};
use super::{Architecture, FunctionError, FunctionSpec, Outcome};

/// How execution environments are started: the Node.js command per CPU, the runtime client, and what every
/// environment gets from the edge (the AWS endpoint and credentials its AWS calls use).
#[derive(Debug, Clone)]
pub struct Launcher {
    /// The command that runs Node.js for this machine's CPU (`node`).
    pub node: Vec<String>,
    /// The command that runs an arm64 Node.js here (e.g. under qemu-user), when one is configured.
    pub node_arm64: Option<Vec<String>>,
    /// The runtime client (`edge/runtime/node/bootstrap.mjs`, written out at start).
    pub bootstrap: PathBuf,
    /// Where the AWS SDK that Lambda's Node.js runtimes include is installed (`runtime::aws_sdk_dir`).
    pub aws_sdk: PathBuf,
    pub endpoint: String,
    pub credentials: Credentials,
    /// Environments per function at most (Lambda's account limit is 1,000; a laptop's is lower).
    pub max_environments: usize,
    /// The edge's Lambda Invoke API (`serve --control`), where functions' `lambda:Invoke` calls go.
    pub lambda_endpoint: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// Why an invocation did not reach the function.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("function {0} is throttled: its reserved concurrency is 0")]
    Throttled(String),
    #[error("{0}")]
    Refused(String),
}

pub struct Pool {
    spec: Arc<FunctionSpec>,
    launcher: Arc<Launcher>,
    sender: mpsc::UnboundedSender<Invocation>,
    queue: Queue,
    idle: Arc<AtomicUsize>,
    /// Environments handling an invocation (see `Environment::busy`).
    busy: Arc<AtomicUsize>,
    /// Invocations sent and not yet taken by an environment.
    queued: Arc<AtomicUsize>,
    /// Environments started and not yet ended (those still launching included): what the limit counts.
    live: Arc<AtomicUsize>,
    /// Environments ever started (cold starts).
    started: AtomicU64,
    environments: Arc<Mutex<Vec<Arc<Running>>>>,
    invocations: AtomicU64,
    /// Set when the function cannot run here (another CPU's native code and no emulator): every invocation fails.
    refusal: Option<String>,
}

/// One running environment: its Runtime API state and how to stop it.
struct Running {
    env: Arc<Environment>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
}

impl Pool {
    pub fn new(spec: FunctionSpec, launcher: Arc<Launcher>) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let refusal = launcher.command_for(&spec).err();
        Self {
            spec: Arc::new(spec),
            launcher,
            sender,
            queue: Arc::new(tokio::sync::Mutex::new(receiver)),
            idle: Arc::new(AtomicUsize::new(0)),
            busy: Arc::new(AtomicUsize::new(0)),
            queued: Arc::new(AtomicUsize::new(0)),
            live: Arc::new(AtomicUsize::new(0)),
            started: AtomicU64::new(0),
            environments: Arc::new(Mutex::new(Vec::new())),
            invocations: AtomicU64::new(0),
            refusal,
        }
    }

    pub fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    /// Why this function cannot run here, if it cannot.
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    fn limit(&self) -> usize {
        match self.spec.reserved_concurrency {
            Some(n) => (n as usize).min(self.launcher.max_environments),
            None => self.launcher.max_environments,
        }
    }

    /// Runs one invocation; returns when the function has answered (for a stream: when it starts answering).
    pub async fn invoke(&self, payload: Bytes) -> Result<Outcome, InvokeError> {
        if let Some(why) = &self.refusal {
            return Err(InvokeError::Refused(why.clone()));
        }
        if self.spec.reserved_concurrency == Some(0) {
            return Err(InvokeError::Throttled(self.spec.name.clone()));
        }
        let n = self.invocations.fetch_add(1, Ordering::SeqCst);
        let request_id = request_id(n);
        let (reply, outcome) = oneshot::channel();
        let deadline = SystemTime::now() + self.spec.timeout;
        let invocation = Invocation {
            request_id: request_id.clone(),
            payload,
            invoked_arn: self.spec.arn.clone(),
            deadline,
            reply,
        };
        // Lambda scales by starting an environment for an invocation that finds none free ("Lambda function
        // scaling"): concurrent invocations get environments of their own, up to the limit; beyond it they wait.
        // Free: every environment not handling an invocation (starting, waiting in `next`, or on its way back there
        // with its result in: Lambda reuses it for the next invocation).
        let waiting = self.queued.fetch_add(1, Ordering::SeqCst) + 1;
        let live = self.live.load(Ordering::SeqCst);
        let available = live.saturating_sub(self.busy.load(Ordering::SeqCst));
        if waiting > available && live < self.limit() {
            self.start_environment();
        }
        if self.sender.send(invocation).is_err() {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(InvokeError::Refused(format!(
                "function {} is shutting down",
                self.spec.name
            )));
        }
        // Init (up to 10 s, Lambda's init limit) happens inside the wait for a cold start.
        let budget = self.spec.timeout + Duration::from_secs(10);
        match tokio::time::timeout(budget, outcome).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Ok(Outcome::Error(FunctionError::new(
                "Runtime.ExitError",
                "the environment ended without an answer",
            ))),
            Err(_) => {
                let message = format!("Task timed out after {:.2} seconds", self.spec.timeout.as_secs_f64());
                self.stop_handling(&request_id, FunctionError::new("Sandbox.Timedout", message.clone()));
                Ok(Outcome::Error(FunctionError::new("Sandbox.Timedout", message)))
            }
        }
    }

    /// Stops the environment handling `request_id` (a timed-out environment is not reused).
    fn stop_handling(&self, request_id: &str, error: FunctionError) {
        let Ok(envs) = self.environments.lock() else { return };
        for running in envs.iter() {
            if running.env.current_id().as_deref() == Some(request_id) {
                running.env.fail_current(error.clone());
                if let Some(kill) = running.kill.lock().ok().and_then(|mut k| k.take()) {
                    let _ = kill.send(());
                }
            }
        }
    }

    /// What this function's environments have done so far.
    pub fn report(&self) -> PoolReport {
        PoolReport {
            environments: self.live.load(Ordering::SeqCst),
            idle: self.idle.load(Ordering::SeqCst),
            cold_starts: self.started.load(Ordering::SeqCst),
            invocations: self.invocations.load(Ordering::SeqCst),
        }
    }

    fn start_environment(&self) {
        self.live.fetch_add(1, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        let spec = self.spec.clone();
        let launcher = self.launcher.clone();
        let queue = self.queue.clone();
        let idle = self.idle.clone();
        let queued = self.queued.clone();
        let busy = self.busy.clone();
        let live = self.live.clone();
        let environments = self.environments.clone();
        tokio::spawn(async move {
            let env = Arc::new(Environment::new(queue.clone(), idle, queued.clone(), busy));
            let result = launch(&spec, &launcher, env.clone()).await;
            let (child, (kill_tx, kill_rx)) = match result {
                Ok(x) => x,
                Err(message) => {
                    live.fetch_sub(1, Ordering::SeqCst);
                    fail_one_queued(&queue, &queued, FunctionError::new("Runtime.StartError", message)).await;
                    return;
                }
            };
            let running = Arc::new(Running {
                env: env.clone(),
                kill: Mutex::new(Some(kill_tx)),
            });
            if let Ok(mut envs) = environments.lock() {
                envs.push(running.clone());
            }
            let status = wait(child, kill_rx).await;
            eprintln!(
                "nextstack-edge: function {}: an execution environment ended ({status})",
                spec.name
            );
            if !env.initialised.load(Ordering::SeqCst) {
                let error = env.init_error.lock().ok().and_then(|e| e.clone()).unwrap_or_else(|| {
                    FunctionError::new("Runtime.ExitError", format!("Runtime exited during init: {status}"))
                });
                tracing::warn!(function = %spec.name, "init failed: {error}");
                fail_one_queued(&queue, &queued, error).await;
            } else {
                env.fail_current(FunctionError::new(
                    "Runtime.ExitError",
                    format!("Runtime exited with error: {status}"),
                ));
            }
            if let Ok(mut envs) = environments.lock() {
                envs.retain(|r| !Arc::ptr_eq(r, &running));
            }
            env.release_busy();
            live.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The request id of the n-th invocation (a UUID's shape, like Lambda's).
fn request_id(n: u64) -> String {
    let r = fastrand::u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (r >> 32) as u32,
        (r >> 16) as u16,
        n & 0xfff,
        (r >> 4) & 0xfff,
        n
    )
}

async fn fail_one_queued(queue: &Queue, queued: &AtomicUsize, error: FunctionError) {
    if let Ok(mut q) = queue.try_lock() {
        if let Ok(inv) = q.try_recv() {
            queued.fetch_sub(1, Ordering::SeqCst);
            let _ = inv.reply.send(Outcome::Error(error));
        }
    }
}

/// A function's environments and invocations, for the control API.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct PoolReport {
    /// Environments running now (starting, idle or busy).
    pub environments: usize,
    /// Of those, the ones waiting for an invocation.
    pub idle: usize,
    /// Environments started since the edge began (each one a cold start).
    pub cold_starts: u64,
    pub invocations: u64,
}

type Kill = (oneshot::Sender<()>, oneshot::Receiver<()>);

async fn launch(
    spec: &FunctionSpec,
    launcher: &Launcher,
    env: Arc<Environment>,
) -> Result<(tokio::process::Child, Kill), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("runtime API listener: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(runtime_api::serve(listener, env));

    link_runtime_modules(&spec.code_dir, &launcher.aws_sdk);
    let command = launcher.command_for(spec)?;
    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..]);
    // Lambda's Node.js runtime gives V8 most of the function's memory.
    cmd.arg(format!(
        "--max-old-space-size={}",
        (spec.memory_mb as u64 * 9 / 10).max(64)
    ));
    cmd.arg(&launcher.bootstrap);
    cmd.current_dir(&spec.code_dir);
    cmd.env_clear();
    for (k, v) in runtime_environment(spec, launcher, &addr.to_string()) {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", command[0]))?;
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        child.stderr.take().map(|s| Box::new(s) as _),
    ]
    .into_iter()
    .flatten()
    {
        let name = spec.name.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{name}] {line}");
            }
        });
    }
    Ok((child, oneshot::channel()))
}

/// Links `node_modules` beside the function's code directory (in the code cache, so in a parent of every
/// function's code) to the SDK's, which NODE_PATH names: Node.js's own module lookup, which walks up from the
/// importing file through each parent's `node_modules` after the function's own, then finds the SDK for ES modules
/// too, and the runtime client need not register its resolution hooks, which cost on every `import()` (see
/// `edge/runtime/node/runtime-modules.mjs`). Replaced atomically when it points elsewhere; a failure leaves the
/// hooks to do it.
fn link_runtime_modules(code_dir: &Path, aws_sdk: &Path) {
    let Some(cache) = code_dir.parent() else { return };
    let link = cache.join("node_modules");
    let target = aws_sdk.join("node_modules");
    if std::fs::read_link(&link).is_ok_and(|t| t == target) {
        return;
    }
    let partial = cache.join(format!(".node_modules.{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    if std::os::unix::fs::symlink(&target, &partial).is_err() || std::fs::rename(&partial, &link).is_err() {
        let _ = std::fs::remove_file(&partial);
    }
}

async fn wait(mut child: tokio::process::Child, kill: oneshot::Receiver<()>) -> String {
    tokio::select! {
        status = child.wait() => status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
        _ = kill => {
            let _ = child.kill().await;
            "stopped by the edge".to_string()
        }
    }
}

impl Launcher {
    /// The Node.js command for this function, or why it cannot run here: a package with native modules
    /// built for another CPU runs only under that CPU's Node.js (never with native code it was not deployed
    /// with); JavaScript-only packages run on this machine's Node.js whatever the function's architecture.
    pub fn command_for(&self, spec: &FunctionSpec) -> Result<Vec<String>, String> {
        if !spec.runtime.starts_with("nodejs") {
            return Err(format!(
                "function {} has runtime {}: nextstack-edge runs Node.js functions only",
                spec.name, spec.runtime
            ));
        }
        match spec.native_architecture {
            Some(native) if native != spec.architecture => Err(format!(
                "function {} is deployed as {} but its package's native modules are built for {}: Lambda cannot load them",
                spec.name,
                spec.architecture.as_str(),
                native.as_str()
            )),
            Some(native) if native != Architecture::host() => match (&self.node_arm64, native) {
                (Some(cmd), Architecture::Arm64) => Ok(cmd.clone()),
                _ => Err(format!(
                    "function {} carries {} native modules and this machine is {}: give an {} Node.js with --node-arm64 (e.g. under qemu-user)",
                    spec.name,
                    native.as_str(),
                    Architecture::host().as_str(),
                    native.as_str()
                )),
            },
            _ => Ok(self.node.clone()),
        }
    }
}

/// The environment Lambda's Node.js runtime gives a function ("Defined runtime environment variables"),
/// then the function's own variables, then where its AWS calls go.
fn runtime_environment(spec: &FunctionSpec, launcher: &Launcher, runtime_api: &str) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| vars.push((k.to_string(), v));
    set("PATH", "/usr/local/bin:/usr/bin:/bin".into());
    set("LANG", "en_US.UTF-8".into());
    set("TZ", ":UTC".into());
    set("HOME", std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()));
    set("LAMBDA_TASK_ROOT", spec.code_dir.display().to_string());
    set("_HANDLER", spec.handler.clone());
    set("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string());
    set("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", spec.runtime));
    set("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone());
    set("AWS_LAMBDA_FUNCTION_VERSION", spec.version.clone());
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", spec.memory_mb.to_string());
    set("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", spec.name));
    set("AWS_LAMBDA_LOG_STREAM_NAME", "nextstack-edge".into());
    set("AWS_REGION", spec.region.clone());
    set("AWS_DEFAULT_REGION", spec.region.clone());
    // Lambda's NODE_PATH reaches the runtime's own node_modules (the SDK); a function may set its own.
    set("NODE_PATH", launcher.aws_sdk.join("node_modules").display().to_string());
    set("NEXTSTACK_EDGE_AWS_SDK", launcher.aws_sdk.display().to_string());
    for (k, v) in &spec.environment {
        set(k, v.clone());
    }
    set("AWS_ACCESS_KEY_ID", launcher.credentials.access_key_id.clone());
    set("AWS_SECRET_ACCESS_KEY", launcher.credentials.secret_access_key.clone());
    if let Some(token) = &launcher.credentials.session_token {
        set("AWS_SESSION_TOKEN", token.clone());
    }
    set("AWS_ENDPOINT_URL", launcher.endpoint.clone());
    set("NEXTSTACK_AWS_ENDPOINT", launcher.endpoint.clone());
    if let Some(control) = &launcher.lambda_endpoint {
        set("NEXTSTACK_LAMBDA_ENDPOINT", control.clone());
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec(arch: Architecture, native: Option<Architecture>) -> FunctionSpec {
        FunctionSpec {
            name: "site-image".into(),
            arn: "arn:aws:lambda:eu-west-1:123456789012:function:site-image".into(),
            version: "$LATEST".into(),
            region: "eu-west-1".into(),
            runtime: "nodejs20.x".into(),
            handler: "index.handler".into(),
            environment: BTreeMap::new(),
            timeout: Duration::from_secs(3),
            memory_mb: 128,
            architecture: arch,
            reserved_concurrency: None,
            code_dir: PathBuf::from("/tmp"),
            native_architecture: native,
        }
    }

    fn launcher(arm64: bool) -> Launcher {
        Launcher {
            node: vec!["node".into()],
            node_arm64: arm64.then(|| vec!["qemu-aarch64".into(), "node-arm64".into()]),
            bootstrap: PathBuf::from("bootstrap.mjs"),
            aws_sdk: PathBuf::from("/cache/aws-sdk/0123456789abcdef"),
            endpoint: "http://127.0.0.1:1".into(),
            credentials: Credentials::default(),
            max_environments: 4,
            lambda_endpoint: Some("http://127.0.0.1:2".into()),
        }
    }

    #[test]
    fn native_code_decides_which_node_runs_a_function() {
        use Architecture::*;
        let host = Architecture::host();
        let other = if host == X86_64 { Arm64 } else { X86_64 };
        assert_eq!(
            launcher(false).command_for(&spec(other, None)).unwrap(),
            vec!["node"],
            "JavaScript only"
        );
        assert_eq!(
            launcher(false).command_for(&spec(host, Some(host))).unwrap(),
            vec!["node"]
        );
        let mismatch = launcher(true).command_for(&spec(X86_64, Some(Arm64))).unwrap_err();
        assert!(
            mismatch.contains("site-image") && mismatch.contains("deployed as x86_64"),
            "{mismatch}"
        );
        if host == X86_64 {
            let refused = launcher(false).command_for(&spec(Arm64, Some(Arm64))).unwrap_err();
            assert!(
                refused.contains("site-image") && refused.contains("--node-arm64"),
                "{refused}"
            );
            assert_eq!(
                launcher(true).command_for(&spec(Arm64, Some(Arm64))).unwrap()[0],
                "qemu-aarch64"
            );
        }
    }

    #[test]
    fn the_functions_variables_cannot_hide_where_aws_calls_go() {
        let mut s = spec(Architecture::host(), None);
        s.environment
            .insert("AWS_ENDPOINT_URL".into(), "https://elsewhere".into());
        s.environment.insert("CACHE_BUCKET_NAME".into(), "b".into());
        let vars = runtime_environment(&s, &launcher(false), "127.0.0.1:9");
        let last = |k: &str| vars.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(last("AWS_ENDPOINT_URL").unwrap(), "http://127.0.0.1:1");
        assert_eq!(last("CACHE_BUCKET_NAME").unwrap(), "b");
        assert_eq!(last("_HANDLER").unwrap(), "index.handler");
        assert_eq!(last("NEXTSTACK_LAMBDA_ENDPOINT").unwrap(), "http://127.0.0.1:2");
    }

    #[test]
    fn the_code_caches_node_modules_is_the_sdks() {
        let cache = std::env::temp_dir().join(format!("edge-link-{}", fastrand::u64(..)));
        let code = cache.join("code").join("0123abcd");
        std::fs::create_dir_all(&code).unwrap();
        let link = cache.join("code").join("node_modules");
        link_runtime_modules(&code, Path::new("/cache/aws-sdk/one"));
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("/cache/aws-sdk/one/node_modules")
        );
        link_runtime_modules(&code, Path::new("/cache/aws-sdk/two"));
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("/cache/aws-sdk/two/node_modules"),
            "another SDK replaces the link"
        );
        let names: Vec<_> = std::fs::read_dir(cache.join("code"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "no partial link is left: {names:?}");
        std::fs::remove_dir_all(&cache).unwrap();
    }

    #[test]
    fn node_path_reaches_the_runtimes_sdk_unless_the_function_sets_its_own() {
        let s = spec(Architecture::host(), None);
        let vars = runtime_environment(&s, &launcher(false), "127.0.0.1:9");
        let last = |vars: &[(String, String)], k: &str| vars.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(
            last(&vars, "NODE_PATH").unwrap(),
            "/cache/aws-sdk/0123456789abcdef/node_modules"
        );
        let mut own = spec(Architecture::host(), None);
        own.environment.insert("NODE_PATH".into(), "/opt/mine".into());
        let vars = runtime_environment(&own, &launcher(false), "127.0.0.1:9");
        assert_eq!(last(&vars, "NODE_PATH").unwrap(), "/opt/mine");
    }
}
