//! `serve --rest-api ID_OR_DOMAIN`: a REST API (or a custom domain name's mappings) served directly on its own
//! loopback port, as its `execute-api` endpoint (or the custom domain) answers, without CloudFront in front.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use http::{HeaderValue, Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::{custom_domain, execute_api_domain, model, ApiGatewayOrigin as Door, RestApiOrigin};
use crate::endpoint::Aws;
use crate::lambda::pool::Launcher;
use crate::lambda::registry::Registry;
use crate::origins::{Body, OriginRequest};

/// Loads each API (an id in `default_region`, or `ID.execute-api.REGION.amazonaws.com`) or custom domain name
/// (anything else with a dot, looked up in `default_region`), binds its port and serves it; returns the serving
/// lines, one per front door.
pub async fn start(
    aws: &Aws,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
    registry: &Registry,
    wanted: &[String],
    default_region: &str,
) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for name in wanted {
        let door = if let Some((id, region)) = execute_api_domain(name) {
            let api = model::load(aws, &region, &id, launcher, code_cache).await?;
            Door::Api(Arc::new(RestApiOrigin { api: Arc::new(api) }))
        } else if name.contains('.') {
            Door::Domain(custom_domain::load(aws, default_region, name, launcher, code_cache).await?)
        } else {
            let api = model::load(aws, default_region, name, launcher, code_cache).await?;
            Door::Api(Arc::new(RestApiOrigin { api: Arc::new(api) }))
        };
        for a in &door.apis() {
            for target in a.api.functions.values() {
                registry.add_pool(target.pool.clone());
            }
            note_web_acls(&a.api);
        }
        let socket = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("--rest-api {name}: binding a port: {e}"))?;
        let addr = socket.local_addr().map_err(|e| e.to_string())?;
        let label = match &door {
            Door::Api(a) => format!("REST API {}", a.api.id),
            Door::Domain(d) => format!("custom domain {}", d.name),
        };
        lines.push(format!("nextstack-edge: serving http://{addr} ({label})"));
        tokio::spawn(serve(socket, Arc::new(door)));
    }
    Ok(lines)
}

/// A stage's regional web ACL is not evaluated (AWS WAF is not modelled): said once at start.
pub fn note_web_acls(api: &model::RestApi) {
    for stage in api.stages.values() {
        if let Some(acl) = &stage.web_acl_arn {
            eprintln!(
                "nextstack-edge: note: web ACL {acl} on stage {} of REST API {} is not evaluated (AWS WAF is not modelled; see docs/edge.md)",
                stage.name, api.id
            );
        }
    }
}

async fn serve(listener: TcpListener, door: Arc<Door>) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let door = door.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let door = door.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&door, req, client).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(door: &Door, req: Request<Incoming>, client: SocketAddr) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut headers = parts.headers;
    // The listener stands for the API's own host name.
    if let Ok(host) = HeaderValue::from_str(&door.host()) {
        headers.insert(http::header::HOST, host);
    }
    let request = OriginRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers,
        body,
    };
    let ip = client.ip().to_string();
    let r = door.fetch(request, &ip).await;
    let mut response = Response::new(r.body);
    *response.status_mut() = r.status;
    *response.headers_mut() = r.headers;
    response
}
