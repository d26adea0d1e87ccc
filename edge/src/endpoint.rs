//! The AWS endpoint the edge reads (moto in the tests, or any emulator that serves the AWS APIs): SDK
//! clients per service and region, all pointed at it, with the caller's credentials.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::ProvideCredentials;

use crate::lambda::pool::Credentials;

#[derive(Clone)]
pub struct Aws {
    base: SdkConfig,
    pub endpoint: String,
}

impl Aws {
    pub async fn connect(endpoint: &str) -> Self {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .load()
            .await;
        Self {
            base,
            endpoint: endpoint.trim_end_matches('/').to_string(),
        }
    }

    fn in_region(&self, region: &str) -> SdkConfig {
        self.base.to_builder().region(Region::new(region.to_string())).build()
    }

    /// CloudFront's API lives in us-east-1.
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        aws_sdk_cloudfront::Client::new(&self.in_region("us-east-1"))
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.in_region(region))
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        // Path-style addressing: an emulator on 127.0.0.1 has no bucket subdomains.
        let config = aws_sdk_s3::config::Builder::from(&self.in_region(region))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    pub fn elbv2(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.in_region(region))
    }

    pub fn ecs(&self, region: &str) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.in_region(region))
    }

    pub fn ssm(&self, region: &str) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.in_region(region))
    }

    pub fn secrets_manager(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.in_region(region))
    }

    pub fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.in_region(region))
    }

    pub fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.in_region(region))
    }

    /// The credentials the edge runs with, handed to the functions it runs (their AWS calls go to the same
    /// endpoint).
    pub async fn credentials(&self) -> Credentials {
        let Some(provider) = self.base.credentials_provider() else {
            return Credentials::default();
        };
        match provider.provide_credentials().await {
            Ok(c) => Credentials {
                access_key_id: c.access_key_id().to_string(),
                secret_access_key: c.secret_access_key().to_string(),
                session_token: c.session_token().map(str::to_string),
            },
            Err(_) => Credentials::default(),
        }
    }
}

/// An AWS error as a user reads it: the service's code and message, or for a request that never got an answer
/// (endpoint down, no credentials) the chain of causes.
pub fn aws_message<E>(e: &E) -> String
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => {
            let mut message = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            message
        }
    }
}
