//! One listener of a load balancer on its own loopback port: a request goes through the rules by priority (the
//! default actions last), and the first match's action answers it or forwards it to a target group.
//!
//! AWS: Application Load Balancers user guide, "Listeners for your Application Load Balancers" (rules are evaluated
//! in priority order, lowest value first; the default rule last), "Listener rules" section "Forward actions" (with
//! several target groups "the load balancer routes requests to the target groups based on the weight", 0 to 999;
//! group stickiness is not modelled), "HTTP headers and Application Load Balancers" (`X-Forwarded-For`: the client's
//! address appended to the header the request came with; `X-Forwarded-Proto`: the protocol the client used to the
//! load balancer; `X-Forwarded-Port`: the listener's port; `X-Amzn-Trace-Id` added when missing), "Troubleshoot"
//! (HTTP 503: "the target groups for the load balancer have no registered targets", or none to route to).
//! An HTTPS listener is served as plain HTTP on loopback (viewer TLS is not modelled); what reaches the targets says
//! `X-Forwarded-Proto: https`, as behind AWS's TLS termination.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::conditions::{self, RequestFacts};
use super::lambda_target;
use super::model::{Action, Listener, TargetGroup, TargetKind};
use super::responses::{self, RequestUrl};
use crate::origins::http_server::HttpServerOrigin;
use crate::origins::{Body, OriginRequest, OriginResponse};
use crate::targets::TargetGroups;

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

pub struct ListenerService {
    pub load_balancer: String,
    pub listener: Listener,
    pub targets: Arc<TargetGroups>,
    next_target: AtomicUsize,
}

impl ListenerService {
    pub fn new(load_balancer: String, listener: Listener, targets: Arc<TargetGroups>) -> Self {
        Self {
            load_balancer,
            listener,
            targets,
            next_target: AtomicUsize::new(0),
        }
    }

    pub async fn handle(&self, req: Request<Incoming>, client: SocketAddr) -> Response<Body> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or_default()
            .to_string();
        let path = parts.uri.path().to_string();
        let query = parts.uri.query().unwrap_or_default().to_string();
        let facts = RequestFacts {
            method: &parts.method,
            host: &host,
            path: &path,
            query: &query,
            headers: &parts.headers,
            source: client.ip(),
        };
        let action = self
            .listener
            .rules
            .iter()
            .find(|r| conditions::all_match(&r.conditions, &facts))
            .map_or(&self.listener.default_action, |r| &r.action);
        let (response, reason) = match action {
            Action::FixedResponse {
                status,
                content_type,
                body,
            } => (responses::fixed(*status, content_type.as_deref(), body), None),
            Action::Redirect(redirect) => {
                let host_name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
                let url = RequestUrl {
                    protocol: self.listener.protocol,
                    host: host_name,
                    port: self.listener.port,
                    path: &path,
                    query: &query,
                };
                (responses::redirect(redirect, &url), None)
            }
            Action::Forward(groups) => {
                let request = OriginRequest {
                    method: parts.method.clone(),
                    path,
                    query,
                    headers: self.forwarded_headers(&parts.headers, client),
                    body,
                };
                self.forward(pick(groups), request).await
            }
        };
        let mut out = Response::new(response.body);
        *out.status_mut() = response.status;
        *out.headers_mut() = response.headers;
        if let Some(reason) = reason.and_then(|r| hyper::ext::ReasonPhrase::try_from(r).ok()) {
            out.extensions_mut().insert(reason);
        }
        out
    }

    /// The request's headers as the targets get them: hop-by-hop headers dropped, the `X-Forwarded-*` set.
    fn forwarded_headers(&self, viewer: &HeaderMap, client: SocketAddr) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in viewer {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                headers.append(name.clone(), value.clone());
            }
        }
        let xff = match viewer.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(prior) if !prior.is_empty() => format!("{prior}, {}", client.ip()),
            _ => client.ip().to_string(),
        };
        let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        };
        set(&mut headers, "x-forwarded-for", &xff);
        set(&mut headers, "x-forwarded-proto", self.listener.protocol.scheme());
        set(&mut headers, "x-forwarded-port", &self.listener.port.to_string());
        if !headers.contains_key("x-amzn-trace-id") {
            let epoch = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let id = format!("Root=1-{epoch:08x}-{:024x}", fastrand::u128(..) >> 32);
            set(&mut headers, "x-amzn-trace-id", &id);
        }
        headers
    }

    async fn forward(&self, group: &TargetGroup, request: OriginRequest) -> (OriginResponse, Option<String>) {
        match &group.kind {
            TargetKind::Lambda {
                function,
                multi_value_headers,
            } => match function {
                None => (responses::error(StatusCode::SERVICE_UNAVAILABLE), None),
                Some(target) => {
                    let answer = lambda_target::invoke(target, &group.arn, *multi_value_headers, &request).await;
                    (answer.response, answer.reason)
                }
            },
            TargetKind::Servers { .. } => {
                let routable = self.targets.routable(&group.arn);
                if routable.is_empty() {
                    return (responses::error(StatusCode::SERVICE_UNAVAILABLE), None);
                }
                // Round robin, the default routing algorithm ("Routing algorithms").
                let at = self.next_target.fetch_add(1, Ordering::Relaxed) % routable.len();
                let origin = HttpServerOrigin::new(routable[at].to_string());
                let response = origin.fetch(request).await;
                (response, None)
            }
        }
    }
}

/// A target group by weight (a weight of 0 gets no requests).
fn pick(groups: &[(Arc<TargetGroup>, u32)]) -> &TargetGroup {
    let total: u32 = groups.iter().map(|(_, w)| *w).sum();
    if total == 0 {
        return &groups[0].0;
    }
    let mut n = fastrand::u32(0..total);
    for (group, weight) in groups {
        if n < *weight {
            return group;
        }
        n -= weight;
    }
    &groups[groups.len() - 1].0
}

pub async fn serve(listener: TcpListener, service: Arc<ListenerService>) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let service = service.clone();
                async move { Ok::<_, std::convert::Infallible>(service.handle(req, client).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
