//! Process start-up: the go-plugin handshake, the listener and the gRPC services.
//!
//! Normal mode (Terraform starts us): check the magic cookie, listen on
//! 127.0.0.1 with TCP_NODELAY, AutoMTLS, print the one handshake line on stdout.
//! Debug mode (`--debug`): listen on a unix socket without TLS and print a
//! `TF_REATTACH_PROVIDERS` value to point Terraform at this process.
//!
//! Beneath it, [`orchestrator`] runs each call in framework types, apart from the gRPC adapter that decodes and
//! encodes the wire.

pub mod dynamic_value;
pub mod orchestrator;

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, Notify};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use crate::grpc::{BrokerService, ControllerService, ProviderService, StdioService};
use crate::proto::plugin::grpc_broker_server::GrpcBrokerServer;
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::provider::Provider;
use crate::tls::ServerIdentity;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const PROTOCOL_VERSION: u32 = 6;
const CORE_PROTOCOL_VERSION: u32 = 1;

/// How the process was asked to run.
pub struct ServeOptions {
    /// The provider's registry address, used in the debug-mode reattach value.
    pub address: &'static str,
    pub debug: bool,
    /// Module path prefixes whose debug logs Terraform may see (see [`crate::logging::init`]).
    pub log_targets: Vec<&'static str>,
}

impl ServeOptions {
    /// `--debug` on the command line selects debug mode. `crate_name` is the
    /// provider crate's module path (`module_path!()` in `main`), whose logs
    /// follow TF_LOG; other crates log warnings and errors only.
    pub fn from_args(address: &'static str, crate_name: &'static str) -> Self {
        ServeOptions {
            address,
            debug: std::env::args().skip(1).any(|a| a == "--debug" || a == "-debug"),
            log_targets: vec![crate_name],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically")]
    NotLaunchedByTerraform,
    #[error(
        "Terraform asked for plugin protocol versions {0}; this provider speaks only protocol 6 (Terraform >= 1.0)"
    )]
    UnsupportedProtocol(String),
    #[error("PLUGIN_MIN_PORT/PLUGIN_MAX_PORT: {0}")]
    PortRange(String),
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Checks the handshake environment: the cookie and the offered protocol versions.
pub fn check_environment(get: impl Fn(&str) -> Option<String>) -> Result<(), ServeError> {
    if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(ServeError::NotLaunchedByTerraform);
    }
    if let Some(versions) = get("PLUGIN_PROTOCOL_VERSIONS") {
        let offers_six = versions
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !offers_six {
            return Err(ServeError::UnsupportedProtocol(versions));
        }
    }
    Ok(())
}

/// The line go-plugin reads from stdout: `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT`.
pub fn handshake_line(network: &str, address: &str, cert_field: &str) -> String {
    format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{address}|grpc|{cert_field}")
}

/// The `TF_REATTACH_PROVIDERS` value for a provider served on a unix socket.
pub fn reattach_value(address: &str, socket: &str, pid: u32) -> String {
    serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": {"Network": "unix", "String": socket}
        }
    })
    .to_string()
}

/// Serves the provider until Terraform shuts it down. Call from `main` with a tokio runtime.
pub async fn serve<P: Provider>(provider: P, options: ServeOptions) -> Result<(), ServeError> {
    if !options.debug {
        check_environment(|k| std::env::var(k).ok())?;
    }
    crate::logging::init(provider.type_name(), options.log_targets.clone());

    let shutdown = Arc::new(Notify::new());
    let service = ProviderService::new(provider);
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let (conn_tx, conn_rx) = mpsc::channel::<Result<Conn, std::io::Error>>(16);
    if options.debug {
        let dir = std::env::temp_dir().join(format!("tf-provider-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let socket = dir.join("plugin.sock");
        let _ = std::fs::remove_file(&socket);
        let listener = tokio::net::UnixListener::bind(&socket)?;
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if conn_tx.send(Ok(Conn(Box::new(stream)))).await.is_err() {
                    break;
                }
            }
        });
        let value = reattach_value(options.address, &socket.to_string_lossy(), std::process::id());
        let mut out = std::io::stdout().lock();
        writeln!(out, "Provider started. To attach Terraform, set this in its environment:\n\n\tTF_REATTACH_PROVIDERS='{value}'\n")?;
        out.flush()?;
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.notify_one();
        });
    } else {
        let listener = bind_in_port_range().await?;
        let address = listener.local_addr()?;
        let (acceptor, cert_field) = match std::env::var("PLUGIN_CLIENT_CERT").ok().filter(|c| !c.is_empty()) {
            Some(client_pem) => {
                let identity = ServerIdentity::generate()?;
                let config = identity.server_config(&client_pem)?;
                (
                    Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
                    identity.handshake_field(),
                )
            }
            None => (None, String::new()),
        };
        tokio::spawn(accept_loop(listener, acceptor, conn_tx));
        ignore_interrupts();
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", handshake_line("tcp", &address.to_string(), &cert_field))?;
        out.flush()?;
    }

    let stop = shutdown.clone();
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(ControllerService {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(StdioService {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(BrokerService {
            shutdown: shutdown.clone(),
        }))
        .add_service(
            ProviderServer::new(service)
                .max_decoding_message_size(256 * 1024 * 1024)
                .max_encoding_message_size(256 * 1024 * 1024),
        )
        .serve_with_incoming_shutdown(ReceiverStream::new(conn_rx), async move { stop.notified().await })
        .await?;
    Ok(())
}

/// Terraform forwards Ctrl-C to the whole process group and then calls
/// StopProvider; the provider must outlive the signal to answer it.
fn ignore_interrupts() {
    tokio::spawn(async {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                break;
            }
            tracing::debug!("interrupt received; waiting for Terraform to stop the provider");
        }
    });
}

async fn bind_in_port_range() -> Result<tokio::net::TcpListener, ServeError> {
    let parse = |key: &str| -> Result<Option<u16>, ServeError> {
        match std::env::var(key).ok().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ServeError::PortRange(format!("{key}={v} is not a port"))),
        }
    };
    match (parse("PLUGIN_MIN_PORT")?, parse("PLUGIN_MAX_PORT")?) {
        (Some(min), Some(max)) => {
            for port in min..=max {
                if let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    return Ok(listener);
                }
            }
            Err(ServeError::PortRange(format!("no free port in {min}..={max}")))
        }
        _ => Ok(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?),
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    conns: mpsc::Sender<Result<Conn, std::io::Error>>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        // Without it every gRPC call after the first waits on delayed ACKs (40-90 ms).
        let _ = stream.set_nodelay(true);
        let conns = conns.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let conn = match acceptor {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls) => Conn(Box::new(tls)),
                    Err(e) => {
                        tracing::warn!(error = %e, "TLS handshake with a client failed");
                        return;
                    }
                },
                None => Conn(Box::new(stream)),
            };
            let _ = conns.send(Ok(conn)).await;
        });
    }
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection (TCP, TLS over TCP, or a unix socket).
struct Conn(Box<dyn Io>);

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_line_has_go_plugin_layout() {
        assert_eq!(
            handshake_line("tcp", "127.0.0.1:1234", "MIIB"),
            "1|6|tcp|127.0.0.1:1234|grpc|MIIB"
        );
    }

    #[test]
    fn cookie_and_protocol_are_checked() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string())
        };
        assert!(matches!(
            check_environment(env(&[])),
            Err(ServeError::NotLaunchedByTerraform)
        ));
        assert!(check_environment(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6,5")
        ]))
        .is_ok());
        assert!(matches!(
            check_environment(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "5")
            ])),
            Err(ServeError::UnsupportedProtocol(_))
        ));
    }

    #[test]
    fn reattach_value_names_the_socket() {
        let v: serde_json::Value =
            serde_json::from_str(&reattach_value("registry.terraform.io/x/y", "/tmp/s.sock", 42)).unwrap();
        assert_eq!(v["registry.terraform.io/x/y"]["Addr"]["String"], "/tmp/s.sock");
        assert_eq!(v["registry.terraform.io/x/y"]["ProtocolVersion"], 6);
    }
}
