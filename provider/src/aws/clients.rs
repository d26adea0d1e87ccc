//! SDK clients, cached per (region, role) for the life of the provider process.
//!
//! Nothing is loaded at start-up: Terraform starts the provider several times
//! per run, and most starts (schema, validation) never talk to AWS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use tokio::sync::OnceCell;

use super::errors::{Error, Kind};
use super::target::Target;

/// The provider block's AWS settings.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRole>,
}

#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

const DEFAULT_SESSION_NAME: &str = "terraform-provider-nextstack";
/// Throttling is retried with exponential backoff, up to this many attempts.
const MAX_ATTEMPTS: u32 = 8;

/// Everything a resource needs to reach AWS.
pub struct Aws {
    settings: AwsSettings,
    base: OnceCell<SdkConfig>,
    cache: Mutex<HashMap<CacheKey, Arc<OnceCell<Arc<Clients>>>>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CacheKey {
    region: Option<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
}

/// The clients for one (region, role). Each service client is made on first use.
pub struct Clients {
    pub config: SdkConfig,
    pub region: String,
    /// The role these clients act through, if a resource named one.
    pub role_arn: Option<String>,
    ssm: OnceLock<aws_sdk_ssm::Client>,
    acm: OnceLock<aws_sdk_acm::Client>,
    route53: OnceLock<aws_sdk_route53::Client>,
    sts: OnceLock<aws_sdk_sts::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    cloudfront: OnceLock<aws_sdk_cloudfront::Client>,
    account: OnceCell<String>,
}

impl Clients {
    fn new(config: SdkConfig, role_arn: Option<String>) -> Self {
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        Clients {
            config,
            region,
            role_arn,
            ssm: OnceLock::new(),
            acm: OnceLock::new(),
            route53: OnceLock::new(),
            sts: OnceLock::new(),
            s3: OnceLock::new(),
            dynamodb: OnceLock::new(),
            cloudfront: OnceLock::new(),
            account: OnceCell::new(),
        }
    }
    /// Where calls go, for messages: `eu-west-1`, or `eu-west-1 through arn:aws:iam::...:role/x`.
    pub fn place(&self) -> String {
        match &self.role_arn {
            Some(role) => format!("{} through {role}", self.region),
            None => self.region.clone(),
        }
    }

    pub fn ssm(&self) -> &aws_sdk_ssm::Client {
        self.ssm.get_or_init(|| aws_sdk_ssm::Client::new(&self.config))
    }
    pub fn acm(&self) -> &aws_sdk_acm::Client {
        self.acm.get_or_init(|| aws_sdk_acm::Client::new(&self.config))
    }
    pub fn route53(&self) -> &aws_sdk_route53::Client {
        self.route53.get_or_init(|| aws_sdk_route53::Client::new(&self.config))
    }
    pub fn sts(&self) -> &aws_sdk_sts::Client {
        self.sts.get_or_init(|| aws_sdk_sts::Client::new(&self.config))
    }
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            // A custom endpoint (AWS_ENDPOINT_URL: an S3-compatible store, a local emulator) rarely has
            // a DNS name per bucket; path-style addressing works with every endpoint.
            let path_style = self.config.endpoint_url().is_some();
            let config = aws_sdk_s3::config::Builder::from(&self.config)
                .force_path_style(path_style)
                .build();
            aws_sdk_s3::Client::from_conf(config)
        })
    }
    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.dynamodb
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.config))
    }
    pub fn cloudfront(&self) -> &aws_sdk_cloudfront::Client {
        self.cloudfront
            .get_or_init(|| aws_sdk_cloudfront::Client::new(&self.config))
    }

    /// The account these credentials act in (one STS call, then cached).
    pub async fn account_id(&self) -> Result<String, Error> {
        self.account
            .get_or_try_init(|| async {
                let identity = self
                    .sts()
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| Error::call("looking up the account (sts:GetCallerIdentity)", &e))?;
                Ok(identity.account().unwrap_or("unknown").to_string())
            })
            .await
            .cloned()
    }
}

impl Aws {
    pub fn new(settings: AwsSettings) -> Self {
        Aws {
            settings,
            base: OnceCell::new(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The provider's own configuration: environment, profile, provider-level role.
    async fn base(&self) -> Result<&SdkConfig, Error> {
        self.base
            .get_or_try_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
                if let Some(profile) = &self.settings.profile {
                    // Like the AWS provider (v4+): a profile named in the configuration wins
                    // over AWS_* variables, so CI credentials never act in the wrong account.
                    let credentials = ProfileFileCredentialsProvider::builder().profile_name(profile).build();
                    let region = RegionProviderChain::first_try(
                        ProfileFileRegionProvider::builder().profile_name(profile).build(),
                    )
                    .or_default_provider();
                    loader = loader
                        .profile_name(profile)
                        .credentials_provider(credentials)
                        .region(region);
                }
                if let Some(region) = &self.settings.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                let config = loader.load().await;
                if config.region().is_none() {
                    return Err(Error::new(
                        Kind::NoRegion,
                        "No AWS region",
                        "Set `region` in the provider block or AWS_REGION in the environment.",
                    ));
                }
                match &self.settings.assume_role {
                    None => Ok(config),
                    Some(role) => Ok(assume(
                        &config,
                        &role.role_arn,
                        role.external_id.as_deref(),
                        role.session_name.as_deref(),
                        None,
                    )
                    .await),
                }
            })
            .await
    }

    /// Clients for a resource's target; made once per (region, role) and shared.
    pub async fn clients(&self, target: &Target) -> Result<Arc<Clients>, Error> {
        let key = CacheKey {
            region: target.region.clone().filter(|r| !r.is_empty()),
            role_arn: target.role_arn.clone().filter(|r| !r.is_empty()),
            external_id: target.external_id.clone().filter(|r| !r.is_empty()),
        };
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            cache.entry(key.clone()).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let base = self.base().await?;
            let region = key.region.clone().map(Region::new).or_else(|| base.region().cloned());
            let config = match &key.role_arn {
                None => base.to_builder().region(region).build(),
                Some(role_arn) => assume(base, role_arn, key.external_id.as_deref(), None, region).await,
            };
            tracing::debug!(region = ?config.region(), role_arn = ?key.role_arn, "created AWS clients");
            Ok(Arc::new(Clients::new(config, key.role_arn.clone())))
        })
        .await
        .cloned()
    }
}

/// A configuration whose credentials come from assuming `role_arn` with `base`'s
/// credentials. Credentials are fetched on first use and refreshed by the SDK.
async fn assume(
    base: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
    session_name: Option<&str>,
    region: Option<Region>,
) -> SdkConfig {
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .session_name(session_name.unwrap_or(DEFAULT_SESSION_NAME))
        .configure(base);
    if let Some(id) = external_id {
        builder = builder.external_id(id);
    }
    if let Some(r) = base.region() {
        builder = builder.region(r.clone());
    }
    let provider = builder.build().await;
    base.to_builder()
        .region(region.or_else(|| base.region().cloned()))
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}
