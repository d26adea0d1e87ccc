//! The viewer-facing listeners: HTTP/1.1 on loopback, every request through the distribution's router. Without
//! `--https-listen` the one plain listener stands for CloudFront's HTTPS side; with it, the plain listener is the
//! distribution's HTTP side (where the viewer protocol policy applies) and a second one serves HTTPS.

use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::cloudfront::router::{Edge, ViewerProtocol};
use crate::viewer_tls::ViewerTls;

/// What a listener's connections are: plain, reaching the router as the given protocol (`Http`, or `StandsForHttps`
/// when there is no HTTPS listener), or TLS (`Https` with what each connection negotiated).
#[derive(Clone)]
pub enum Side {
    Plain(ViewerProtocol),
    Tls(TlsAcceptor),
}

pub async fn serve(listener: TcpListener, edge: Arc<Edge>, side: Side) {
    loop {
        let Ok((stream, client)) = listener.accept().await else {
            continue;
        };
        // A response written in parts (a streamed body: headers, chunks, the last chunk) must not wait for the
        // viewer's delayed ACK under Nagle's algorithm (40 ms a response on Linux).
        let _ = stream.set_nodelay(true);
        let (edge, side) = (edge.clone(), side.clone());
        tokio::spawn(async move {
            match side {
                Side::Plain(protocol) => connection(stream, edge, client, protocol).await,
                Side::Tls(acceptor) => {
                    // A handshake that fails (a client that does not trust the certificate) ends the connection.
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Some(tls) = ViewerTls::of(stream.get_ref().1) else {
                        return;
                    };
                    connection(stream, edge, client, ViewerProtocol::Https(Arc::new(tls))).await
                }
            }
        });
    }
}

async fn connection<S>(stream: S, edge: Arc<Edge>, client: std::net::SocketAddr, protocol: ViewerProtocol)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let (edge, protocol) = (edge.clone(), protocol.clone());
        async move { Ok::<_, std::convert::Infallible>(edge.handle(req, client, protocol).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
