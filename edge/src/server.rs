//! The viewer-facing listener: HTTP/1.1 on loopback, every request through the distribution's router.

use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::cloudfront::router::Edge;

pub async fn serve(listener: TcpListener, edge: Arc<Edge>) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        let edge = edge.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let edge = edge.clone();
                async move { Ok::<_, std::convert::Infallible>(edge.handle(req, client).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
