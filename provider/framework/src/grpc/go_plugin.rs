//! go-plugin's own services: the controller (Shutdown), stdio and broker streams.
//!
//! Terraform opens the stdio and broker streams on every connection; neither is
//! used by providers, so both stay open and silent until shutdown.

use std::sync::Arc;

use tokio::sync::Notify;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin::{grpc_broker_server, grpc_controller_server, grpc_stdio_server, ConnInfo, Empty, StdioData};

pub struct ControllerService {
    pub shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for ControllerService {
    async fn shutdown(&self, _req: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("shutdown requested by Terraform");
        // notify_one stores a permit, so a shutdown before the server waits is not lost.
        self.shutdown.notify_one();
        Ok(Response::new(Empty {}))
    }
}

fn silent_until<T: Send + 'static>(shutdown: Arc<Notify>) -> BoxStream<T> {
    Box::pin(futures::stream::once(async move {
        shutdown.notified().await;
        Err(Status::unavailable("provider shutting down"))
    }))
}

pub struct StdioService {
    pub shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for StdioService {
    async fn stream_stdio(&self, _req: Request<()>) -> Result<Response<BoxStream<StdioData>>, Status> {
        Ok(Response::new(silent_until(self.shutdown.clone())))
    }
}

pub struct BrokerService {
    pub shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl grpc_broker_server::GrpcBroker for BrokerService {
    async fn start_stream(&self, _req: Request<Streaming<ConnInfo>>) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        Ok(Response::new(silent_until(self.shutdown.clone())))
    }
}
