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
        // A response written in parts (a streamed body: headers, chunks, the last chunk) must not wait for the
        // viewer's delayed ACK under Nagle's algorithm (40 ms a response on Linux).
        let _ = stream.set_nodelay(true);
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
