//! CloudFront Functions (viewer request and viewer response), run in one long-lived Node.js worker.
//!
//! AWS: CloudFront Developer Guide, "CloudFront Functions event structure" (the `version`, `context`,
//! `viewer`, `request` and `response` objects; headers and cookies keyed by lower-case name with `value` and
//! an optional `multiValue`; the query string as a map), "Writing function code" (a viewer-request function
//! returns the request or a response; a viewer-response function returns the response), and "Restrictions
//! on CloudFront Functions" (code at most 10 KB).

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

/// Code size limit of a CloudFront Function.
pub const MAX_CODE_BYTES: usize = 10 * 1024;

/// A published function, as `GetFunction` (LIVE stage) gives it.
#[derive(Debug, Clone)]
pub struct CloudFrontFunction {
    pub name: String,
    pub arn: String,
    pub runtime: String,
    pub etag: String,
    pub code: String,
}

/// Calls waiting for the worker's answer, by id.
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

pub struct FunctionWorker {
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Pending,
    next: AtomicU64,
    _child: Child,
}

impl FunctionWorker {
    pub fn start(node: &str, script: &Path) -> std::io::Result<Self> {
        let mut child = Command::new(node)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
        let pending: Pending = Arc::default();
        let reader_pending = pending.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(answer) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let Some(id) = answer["id"].as_u64() else { continue };
                let Some(reply) = reader_pending.lock().ok().and_then(|mut p| p.remove(&id)) else {
                    continue;
                };
                let _ = reply.send(match answer.get("error") {
                    Some(Value::String(e)) => Err(e.clone()),
                    _ => Ok(answer["result"].clone()),
                });
            }
        });
        Ok(Self {
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next: AtomicU64::new(0),
            _child: child,
        })
    }

    /// Runs the function on one event; the error is the exception it threw.
    pub async fn run(&self, function: &CloudFrontFunction, event: Value) -> Result<Value, String> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, tx);
        }
        let call = json!({"id": id, "name": function.name, "etag": function.etag, "runtime": function.runtime,
                          "code": function.code, "event": event});
        {
            let mut stdin = self.stdin.lock().await;
            let line = format!("{call}\n");
            stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|e| format!("function worker: {e}"))?;
            stdin.flush().await.map_err(|e| format!("function worker: {e}"))?;
        }
        // CloudFront stops a function that runs too long (its compute utilisation limit); 5 s is generous.
        match tokio::time::timeout(std::time::Duration::from_secs(5), rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("the function worker stopped".into()),
            Err(_) => Err(format!("{} ran for more than 5 s", function.name)),
        }
    }
}
