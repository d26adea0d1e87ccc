//! The Lambda Runtime API, served to one execution environment (one runtime process).
//!
//! AWS: Lambda Developer Guide, "Using the Lambda runtime API for custom runtimes":
//! - `GET  /2018-06-01/runtime/invocation/next` blocks until an invocation arrives; the event is the body,
//!   with `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`, `Lambda-Runtime-Invoked-Function-Arn`
//!   and `Lambda-Runtime-Trace-Id` headers;
//! - `POST /2018-06-01/runtime/invocation/{id}/response` the result; `.../{id}/error` an error
//!   (`{errorType, errorMessage, stackTrace}`, header `Lambda-Runtime-Function-Error-Type`);
//! - `POST /2018-06-01/runtime/init/error` a failure before the first invocation.
//!
//! "Response streaming for custom runtimes": a response sent with `Lambda-Runtime-Function-Response-Mode:
//! streaming` and chunked transfer encoding reaches the caller as it is written; an error after the first
//! bytes comes in the trailers `Lambda-Runtime-Function-Error-Type` / `Lambda-Runtime-Function-Error-Body`.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use super::{FunctionError, Outcome};

/// One invocation waiting for, or handled by, an execution environment.
pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    pub invoked_arn: String,
    pub deadline: SystemTime,
    pub reply: oneshot::Sender<Outcome>,
}

/// Invocations shared by every environment of one function: whichever asks `next` first gets the oldest.
pub type Queue = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>>;

/// What the server knows of its environment.
pub struct Environment {
    pub queue: Queue,
    /// Environments of this function waiting in `next` (the pool starts a new one only when none is).
    pub idle: Arc<AtomicUsize>,
    /// Invocations of this function sent and not yet taken by an environment.
    pub queued: Arc<AtomicUsize>,
    /// Environments of this function handling an invocation (from `next` until the result is in; a crashed or
    /// timed-out one until it has ended): the others are free or about to be.
    pub busy: Arc<AtomicUsize>,
    /// Whether this environment is counted in `busy`.
    holds_busy: AtomicBool,
    /// The invocation being handled: its id and where its outcome goes.
    pub current: Mutex<Option<(String, oneshot::Sender<Outcome>)>>,
    /// Set once the runtime first asked for work: its init phase is over.
    pub initialised: AtomicBool,
    pub init_error: Mutex<Option<FunctionError>>,
}

impl Environment {
    pub fn new(queue: Queue, idle: Arc<AtomicUsize>, queued: Arc<AtomicUsize>, busy: Arc<AtomicUsize>) -> Self {
        Self {
            queue,
            idle,
            queued,
            busy,
            holds_busy: AtomicBool::new(false),
            current: Mutex::new(None),
            initialised: AtomicBool::new(false),
            init_error: Mutex::new(None),
        }
    }

    /// No longer counted as busy: its result is in (the runtime is on its way back to `next`), or it has ended.
    pub fn release_busy(&self) {
        if self.holds_busy.swap(false, Ordering::SeqCst) {
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The request id being handled, if any.
    pub fn current_id(&self) -> Option<String> {
        self.current.lock().ok()?.as_ref().map(|(id, _)| id.clone())
    }

    /// Ends the current invocation with an outcome Lambda itself produces (timeout, crash).
    pub fn fail_current(&self, error: FunctionError) {
        if let Some((_, reply)) = self.current.lock().ok().and_then(|mut c| c.take()) {
            let _ = reply.send(Outcome::Error(error));
        }
    }

    fn take_current(&self, id: &str) -> Option<oneshot::Sender<Outcome>> {
        let mut current = self.current.lock().ok()?;
        match current.as_ref() {
            Some((cur, _)) if cur == id => current.take().map(|(_, reply)| reply),
            _ => None,
        }
    }
}

/// Serves the Runtime API for one environment until the listener's task is dropped.
pub async fn serve(listener: TcpListener, env: Arc<Environment>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let _ = stream.set_nodelay(true);
        let env = env.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, env.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

async fn handle(req: Request<Incoming>, env: Arc<Environment>) -> Result<Reply, Infallible> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return Ok(reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#));
    };
    let parts: Vec<&str> = rest.split('/').collect();
    Ok(match (req.method(), parts.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(env).await,
        (&Method::POST, ["invocation", id, "response"]) => {
            let id = id.to_string();
            response(req, env, &id).await
        }
        (&Method::POST, ["invocation", id, "error"]) => {
            let id = id.to_string();
            let error = read_error(req).await;
            match env.take_current(&id) {
                Some(reply_to) => {
                    env.release_busy();
                    let _ = reply_to.send(Outcome::Error(error));
                    reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
                }
                None => invalid_request_id(),
            }
        }
        (&Method::POST, ["init", "error"]) => {
            let error = read_error(req).await;
            if let Ok(mut slot) = env.init_error.lock() {
                *slot = Some(error);
            }
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        _ => reply(StatusCode::NOT_FOUND, r#"{"errorType":"NotFound"}"#),
    })
}

fn invalid_request_id() -> Reply {
    reply(
        StatusCode::BAD_REQUEST,
        r#"{"errorType":"InvalidRequestID","errorMessage":"not the current invocation"}"#,
    )
}

async fn next(env: Arc<Environment>) -> Reply {
    env.initialised.store(true, Ordering::SeqCst);
    // Counted as idle while waiting; the guard uncounts it also when the runtime goes away mid-wait (hyper then
    // drops this future, and `recv` gives up nothing it has not returned).
    let invocation = {
        let _idle = IdleGuard::new(&env.idle);
        env.queue.lock().await.recv().await
    };
    let Some(inv) = invocation else {
        return reply(StatusCode::GONE, r#"{"errorType":"ShuttingDown"}"#);
    };
    env.queued.fetch_sub(1, Ordering::SeqCst);
    if !env.holds_busy.swap(true, Ordering::SeqCst) {
        env.busy.fetch_add(1, Ordering::SeqCst);
    }
    let deadline_ms = inv
        .deadline
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    if let Ok(mut current) = env.current.lock() {
        *current = Some((inv.request_id.clone(), inv.reply));
    }
    let mut r = Response::new(Full::new(inv.payload));
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", inv.request_id.clone());
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", inv.invoked_arn);
    set(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-{}",
            deadline_ms / 1000,
            &inv.request_id.replace('-', "")[..24]
        ),
    );
    r
}

async fn response(req: Request<Incoming>, env: Arc<Environment>, id: &str) -> Reply {
    let streaming = req
        .headers()
        .get("lambda-runtime-function-response-mode")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("streaming"));
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(reply_to) = env.take_current(id) else {
        return invalid_request_id();
    };
    if streaming {
        // The caller reads the body as the runtime writes it; answer the runtime once the caller is done.
        let (done_tx, done_rx) = oneshot::channel();
        let body = Notifying {
            inner: req.into_body(),
            done: Some(done_tx),
        }
        .boxed();
        let _ = reply_to.send(Outcome::Stream { content_type, body });
        let _ = done_rx.await;
        env.release_busy();
        return reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#);
    }
    let collected = req.into_body().collect().await;
    // Free before the caller hears back: its next invocation finds this environment available.
    env.release_busy();
    match collected {
        Ok(collected) => {
            let _ = reply_to.send(Outcome::Response(collected.to_bytes()));
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        Err(e) => {
            let _ = reply_to.send(Outcome::Error(FunctionError::new(
                "Runtime.ResponseError",
                e.to_string(),
            )));
            reply(StatusCode::BAD_REQUEST, r#"{"errorType":"ResponseError"}"#)
        }
    }
}

async fn read_error(req: Request<Incoming>) -> FunctionError {
    let header_type = req
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let error_type = json["errorType"]
        .as_str()
        .map(str::to_string)
        .or(header_type)
        .unwrap_or_else(|| "Unhandled".into());
    let message = json["errorMessage"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into());
    FunctionError { error_type, message }
}

/// A request body that tells when its reader has finished with it (read to the end or dropped).
struct Notifying {
    inner: Incoming,
    done: Option<oneshot::Sender<()>>,
}

impl Body for Notifying {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            if let Some(done) = self.done.take() {
                let _ = done.send(());
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Notifying {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

struct IdleGuard<'a>(&'a AtomicUsize);

impl<'a> IdleGuard<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for IdleGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
