//! The control listener (`serve --control ADDR`): the Lambda Invoke API for the functions the edge runs, so that a
//! function calling `lambda:Invoke` (OpenNext's warmer calling the server function) reaches the edge's warm
//! environments instead of the emulator; scheduled EventBridge rules fired on demand; and a report of every
//! function's environments. Loopback only, plain HTTP/1.1, JSON answers.
//!
//! | Route | What |
//! |---|---|
//! | `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=Q]` | Lambda's Invoke |
//! | `GET /functions` | `{"functions": [{region, name, qualifier, environments, idle, cold_starts, invocations}]}` |
//! | `GET /events/rules[?region=R&event-bus=B]` | the bus's rules with their schedules and targets |
//! | `POST /events/rules/{name}/fire[?region=R&event-bus=B]` | the rule's targets invoked now; the report |
//!
//! AWS: Lambda API Reference, "Invoke" (`X-Amz-Invocation-Type` `RequestResponse` (default): 200 with the
//! function's result, and `X-Amz-Function-Error: Unhandled` with the error object when it failed; `Event`: 202, the
//! function runs on its own; `DryRun`: 204; `X-Amz-Executed-Version`; errors `ResourceNotFoundException` 404,
//! `InvalidRequestContentException` 400, `RequestTooLargeException` 413, `TooManyRequestsException` 429, named by the
//! `x-amzn-ErrorType` header) and Lambda Developer Guide, "Lambda quotas" (invocation payload: 6 MB synchronous,
//! 1 MB asynchronous).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::events::eventbridge::EventBridge;
use crate::events::schedule;
use crate::lambda::pool::InvokeError;
use crate::lambda::registry::{FunctionRef, Registry};
use crate::lambda::Outcome;

const SYNC_PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT: usize = 1024 * 1024;

pub struct Control {
    pub registry: Arc<Registry>,
    pub events: EventBridge,
}

type Reply = Response<Full<Bytes>>;

pub async fn serve(listener: TcpListener, control: Arc<Control>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let control = control.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let control = control.clone();
                async move { Ok::<_, Infallible>(handle(req, control).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn json_reply(status: StatusCode, body: &Value) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", http::HeaderValue::from_static("application/json"));
    r
}

/// A Lambda API error: the type in `x-amzn-ErrorType` (what SDKs read) and `{Type, message}` in the body.
fn lambda_error(status: StatusCode, error_type: &'static str, message: &str) -> Reply {
    let mut r = json_reply(status, &json!({"Type": "User", "message": message}));
    r.headers_mut()
        .insert("x-amzn-errortype", http::HeaderValue::from_static(error_type));
    r
}

fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// The region a signed request is for (its credential scope), if it is signed.
fn signed_region(req: &Request<Incoming>) -> Option<String> {
    let auth = req.headers().get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    credential.split('/').nth(2).map(str::to_string)
}

async fn handle(req: Request<Incoming>, control: Arc<Control>) -> Reply {
    let path = req.uri().path().to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method().clone(), parts.as_slice()) {
        (Method::POST, ["2015-03-31", "functions", name, "invocations"]) => {
            let name = percent_decode_str(name).decode_utf8_lossy().into_owned();
            invoke(req, &control, &name).await
        }
        (Method::GET, ["functions"]) => {
            let functions: Vec<Value> = control
                .registry
                .report()
                .into_iter()
                .map(|(f, r)| {
                    json!({"region": f.region, "name": f.name, "qualifier": f.qualifier,
                           "environments": r.environments, "idle": r.idle, "cold_starts": r.cold_starts,
                           "invocations": r.invocations})
                })
                .collect();
            json_reply(StatusCode::OK, &json!({ "functions": functions }))
        }
        (Method::GET, ["events", "rules"]) => {
            let region = query_param(&req, "region").unwrap_or_else(|| control.registry.default_region.clone());
            let bus = query_param(&req, "event-bus").unwrap_or_else(|| "default".into());
            match list_rules(&control.events, &region, &bus).await {
                Ok(rules) => json_reply(
                    StatusCode::OK,
                    &json!({"region": region, "event_bus": bus, "rules": rules}),
                ),
                Err(e) => json_reply(StatusCode::BAD_GATEWAY, &json!({"error": e})),
            }
        }
        (Method::POST, ["events", "rules", name, "fire"]) => {
            let name = percent_decode_str(name).decode_utf8_lossy().into_owned();
            let region = query_param(&req, "region").unwrap_or_else(|| control.registry.default_region.clone());
            let bus = query_param(&req, "event-bus").unwrap_or_else(|| "default".into());
            eprintln!("nextstack-edge: firing rule {name} ({region}, event bus {bus}) on demand");
            match schedule::fire(&control.events, &control.registry, &region, &bus, &name).await {
                Ok(report) => json_reply(StatusCode::OK, &report),
                Err(schedule::NotFired(status, e)) => json_reply(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                    &json!({"error": e}),
                ),
            }
        }
        _ => json_reply(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no route {} {path} (see docs/edge.md, \"Control API\")", req.method())}),
        ),
    }
}

async fn list_rules(events: &EventBridge, region: &str, bus: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for rule in events.list_rules(region, bus).await? {
        let name = rule["Name"].as_str().unwrap_or_default();
        let targets: Vec<Value> = events
            .list_targets(region, bus, name)
            .await?
            .iter()
            .map(|t| json!({"id": t["Id"], "arn": t["Arn"]}))
            .collect();
        out.push(
            json!({"name": name, "arn": rule["Arn"], "schedule": rule["ScheduleExpression"],
                        "state": rule["State"], "targets": targets}),
        );
    }
    Ok(out)
}

async fn invoke(req: Request<Incoming>, control: &Control, name: &str) -> Reply {
    let invocation_type = req
        .headers()
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse")
        .to_string();
    if !matches!(invocation_type.as_str(), "RequestResponse" | "Event" | "DryRun") {
        return lambda_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!("X-Amz-Invocation-Type '{invocation_type}' is not RequestResponse, Event or DryRun"),
        );
    }
    let region = signed_region(&req).unwrap_or_else(|| control.registry.default_region.clone());
    let qualifier = query_param(&req, "Qualifier");
    let function = match FunctionRef::parse(name, qualifier.as_deref(), &region) {
        Ok(f) => f,
        Err(e) => return lambda_error(StatusCode::BAD_REQUEST, "InvalidParameterValueException", &e),
    };
    let payload = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return lambda_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                &e.to_string(),
            )
        }
    };
    let limit = if invocation_type == "Event" {
        ASYNC_PAYLOAD_LIMIT
    } else {
        SYNC_PAYLOAD_LIMIT
    };
    if payload.len() > limit {
        return lambda_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            &format!("Request must be smaller than {limit} bytes for the Invoke operation"),
        );
    }
    if !payload.is_empty() && serde_json::from_slice::<Value>(&payload).is_err() {
        return lambda_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        );
    }
    let payload = if payload.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        payload
    };
    let pool = match control.registry.pool(&function).await {
        Ok(p) => p,
        Err(e) if e.contains("ResourceNotFound") || e.contains("not found") => {
            return lambda_error(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                &format!("Function not found: {} ({e})", function.name),
            )
        }
        Err(e) => return lambda_error(StatusCode::BAD_GATEWAY, "ServiceException", &e),
    };
    eprintln!(
        "nextstack-edge: lambda:Invoke {}:{} ({invocation_type}) through the control API",
        function.name, function.qualifier
    );
    let version = pool.spec().version.clone();
    match invocation_type.as_str() {
        "DryRun" => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        "Event" => {
            let name = function.name.clone();
            tokio::spawn(async move {
                match pool.invoke(payload).await {
                    Ok(Outcome::Error(e)) => {
                        eprintln!("nextstack-edge: function {name} failed (asynchronous invocation): {e}")
                    }
                    Err(e) => eprintln!("nextstack-edge: function {name} not invoked (asynchronous invocation): {e}"),
                    Ok(_) => {}
                }
            });
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::ACCEPTED;
            r
        }
        _ => {
            let mut r = match pool.invoke(payload).await {
                Ok(Outcome::Response(bytes)) => Response::new(Full::new(bytes)),
                Ok(Outcome::Stream { body, .. }) => Response::new(Full::new(
                    body.collect().await.map(|b| b.to_bytes()).unwrap_or_default(),
                )),
                Ok(Outcome::Error(e)) => {
                    let body = json!({"errorType": e.error_type, "errorMessage": e.message, "trace": []});
                    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
                    r.headers_mut()
                        .insert("x-amz-function-error", http::HeaderValue::from_static("Unhandled"));
                    r
                }
                Err(InvokeError::Throttled(_)) => {
                    return lambda_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        "TooManyRequestsException",
                        "Rate Exceeded.",
                    )
                }
                Err(e) => return lambda_error(StatusCode::BAD_GATEWAY, "ServiceException", &e.to_string()),
            };
            r.headers_mut()
                .insert("content-type", http::HeaderValue::from_static("application/json"));
            if let Ok(v) = http::HeaderValue::from_str(&version) {
                r.headers_mut().insert("x-amz-executed-version", v);
            }
            r
        }
    }
}
