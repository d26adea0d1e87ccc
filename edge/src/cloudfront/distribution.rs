//! A distribution as the edge serves it, read from the endpoint (`GetDistribution`, the policies, the
//! functions, the origins' buckets and function URLs). What the edge does not model is an error here, at
//! start, naming the feature and where it is set, never a silent difference later.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use http::{HeaderName, HeaderValue, Method};

use super::functions::{CloudFrontFunction, MAX_CODE_BYTES};
use super::lambda_edge::EventType;
use super::path_pattern::PathPattern;
use super::policies::{
    is_cloudfront_header, managed_cache_policy, managed_origin_request_policy, managed_response_headers_policy,
    CachePolicy, CorsConfig, HeaderSelection, OriginRequestPolicy, PolicyHeader, ResponseHeadersPolicy, Selection,
    NOT_IN_CACHE_POLICY,
};
use crate::apigateway::{self, ApiGatewayOrigin, RestApiOrigin};
use crate::endpoint::aws_message;
use crate::endpoint::Aws;
use crate::lambda::deployed;
use crate::lambda::pool::{Launcher, Pool};
use crate::origins::function_url::{AuthType, Deployment, FunctionUrlOrigin};
use crate::origins::http_server::HttpServerOrigin;
use crate::origins::s3::S3Origin;

pub struct Distribution {
    pub id: String,
    pub arn: String,
    pub domain_name: String,
    /// Alternate domain names (CNAMEs): the HTTPS listener's certificate names them too.
    pub aliases: Vec<String>,
    pub account: String,
    pub default_root_object: Option<String>,
    pub origins: HashMap<String, Arc<Origin>>,
    /// Ordered cache behaviours, then the default (pattern None).
    pub behaviors: Vec<Behavior>,
    pub custom_errors: Vec<CustomError>,
    pub web_acl_id: Option<String>,
}

pub struct Origin {
    pub id: String,
    pub domain: String,
    /// Prepended to every request path (`/_assets`).
    pub path: String,
    pub custom_headers: Vec<(HeaderName, HeaderValue)>,
    /// CloudFront signs requests to this origin (origin access control).
    pub origin_access_control: bool,
    pub kind: OriginKind,
}

pub enum OriginKind {
    S3(S3Origin),
    FunctionUrl(FunctionUrlOrigin),
    Http(HttpServerOrigin),
    RestApi(ApiGatewayOrigin),
}

pub struct Behavior {
    pub pattern: Option<PathPattern>,
    pub origin: String,
    pub allowed_methods: Vec<Method>,
    pub cached_methods: Vec<Method>,
    pub viewer_protocol_policy: String,
    pub cache: CachePolicy,
    pub origin_request: Option<OriginRequestPolicy>,
    pub response_headers: Option<ResponseHeadersPolicy>,
    pub viewer_request: Option<Arc<CloudFrontFunction>>,
    pub viewer_response: Option<Arc<CloudFrontFunction>>,
    /// Lambda@Edge functions by event type, at most one each.
    pub lambda_edge: Vec<(EventType, EdgeFunction)>,
}

/// A Lambda@Edge association: the function version's environments, and whether the request body is given.
pub struct EdgeFunction {
    pub pool: Arc<Pool>,
    pub include_body: bool,
}

impl Behavior {
    pub fn name(&self) -> &str {
        self.pattern.as_ref().map(PathPattern::as_str).unwrap_or("default (*)")
    }

    /// The `CloudFront-*` headers CloudFront adds to this behaviour's requests: those its cache policy puts in the key
    /// and those its origin request policy names ("Add CloudFront request headers": "To include these headers in the
    /// cache key, use a cache policy ... To receive these headers at your origin but not include them in the cache key,
    /// use an origin request policy").
    pub fn cloudfront_headers(&self) -> std::collections::BTreeSet<String> {
        let mut names: std::collections::BTreeSet<String> = self
            .cache
            .headers
            .iter()
            .filter(|n| is_cloudfront_header(n))
            .cloned()
            .collect();
        if let Some(p) = &self.origin_request {
            names.extend(p.headers.cloudfront_headers());
        }
        names
    }

    /// The Lambda@Edge function on this event, if any.
    pub fn lambda(&self, event: EventType) -> Option<&EdgeFunction> {
        self.lambda_edge.iter().find(|(e, _)| *e == event).map(|(_, f)| f)
    }
}

#[derive(Debug, Clone)]
pub struct CustomError {
    pub code: u16,
    pub page_path: Option<String>,
    pub response_code: Option<u16>,
    pub min_ttl: u64,
}

impl Distribution {
    /// The regions of the functions behind the distribution's function URLs.
    pub fn function_regions(&self) -> Vec<String> {
        self.origins
            .values()
            .flat_map(|o| match &o.kind {
                OriginKind::FunctionUrl(f) => vec![f.pool().spec().region.clone()],
                OriginKind::RestApi(door) => door
                    .apis()
                    .iter()
                    .flat_map(|a| a.api.functions.values().map(|t| t.pool.spec().region.clone()))
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The error caching minimum TTL for a status: its custom error response's, else CloudFront's 10 seconds
    /// ("Control how long CloudFront caches errors").
    pub fn error_caching_min_ttl(&self, status: http::StatusCode) -> u64 {
        self.custom_errors
            .iter()
            .find(|e| e.code == status.as_u16())
            .map_or(super::cache::ERROR_CACHING_MIN_TTL, |e| e.min_ttl)
    }

    /// The behaviour for a request path: the first ordered behaviour whose pattern matches, else the default.
    pub fn behavior_for(&self, path: &str) -> &Behavior {
        self.behaviors
            .iter()
            .find(|b| b.pattern.as_ref().is_some_and(|p| p.matches(path)))
            .unwrap_or_else(|| self.behaviors.last().expect("a distribution has a default behaviour"))
    }
}

type Cf = aws_sdk_cloudfront::Client;

/// `alb_origins`: the loopback address of the load balancer listener each origin that is an Application Load
/// Balancer reaches (`elb::cloudfront_origins`), by origin id.
pub async fn load(
    aws: &Aws,
    id: &str,
    launcher: Arc<Launcher>,
    code_cache: &Path,
    alb_origins: &HashMap<String, SocketAddr>,
) -> Result<Distribution, String> {
    let cf = aws.cloudfront();
    let out = cf
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(|e| format!("distribution {id}: {}", aws_message(&e)))?;
    let dist = out
        .distribution()
        .ok_or_else(|| format!("distribution {id}: GetDistribution returned nothing"))?;
    let config = dist
        .distribution_config()
        .ok_or_else(|| format!("distribution {id}: no DistributionConfig"))?;
    let arn = dist.arn().to_string();
    let account = arn.split(':').nth(4).unwrap_or("123456789012").to_string();

    if config.origin_groups().is_some_and(|g| g.quantity() > 0) {
        return Err(format!("distribution {id}: origin groups (failover) are not modelled"));
    }
    if let Some(r) = config.restrictions().and_then(|r| r.geo_restriction()) {
        if r.restriction_type().as_str() != "none" {
            return Err(format!(
                "distribution {id}: geo restriction ({}) is not modelled",
                r.restriction_type().as_str()
            ));
        }
    }

    let mut origins = HashMap::new();
    for o in config.origins().map(|o| o.items()).unwrap_or_default() {
        let origin = match alb_origins.get(o.id()) {
            Some(addr) => alb_origin(o, *addr),
            None => load_origin(aws, o, &launcher, code_cache, &account).await?,
        };
        origins.insert(origin.id.clone(), Arc::new(origin));
    }

    let mut functions: HashMap<String, Arc<CloudFrontFunction>> = HashMap::new();
    let mut behaviors = Vec::new();
    let ordered = config.cache_behaviors().map(|c| c.items()).unwrap_or_default();
    for b in ordered {
        let behavior = load_behavior(
            &cf,
            aws,
            Some(b.path_pattern()),
            BehaviorFields::from_ordered(b),
            &mut functions,
            &launcher,
            code_cache,
        )
        .await?;
        behaviors.push(behavior);
    }
    let default = config
        .default_cache_behavior()
        .ok_or_else(|| format!("distribution {id}: no default cache behaviour"))?;
    behaviors.push(
        load_behavior(
            &cf,
            aws,
            None,
            BehaviorFields::from_default(default),
            &mut functions,
            &launcher,
            code_cache,
        )
        .await?,
    );
    for b in &behaviors {
        if !origins.contains_key(&b.origin) {
            return Err(format!(
                "distribution {id}: behaviour {} targets origin '{}', which is not defined",
                b.name(),
                b.origin
            ));
        }
    }

    let custom_errors = config
        .custom_error_responses()
        .map(|c| c.items())
        .unwrap_or_default()
        .iter()
        .map(|e| CustomError {
            code: e.error_code() as u16,
            page_path: e.response_page_path().filter(|p| !p.is_empty()).map(str::to_string),
            response_code: e.response_code().and_then(|c| c.parse().ok()),
            min_ttl: e.error_caching_min_ttl().unwrap_or(10).max(0) as u64,
        })
        .collect();

    Ok(Distribution {
        id: id.to_string(),
        arn,
        domain_name: dist.domain_name().to_string(),
        aliases: config.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        account,
        default_root_object: config
            .default_root_object()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        origins,
        behaviors,
        custom_errors,
        web_acl_id: config.web_acl_id().filter(|s| !s.is_empty()).map(str::to_string),
    })
}

/// An origin that is a load balancer: its listener on loopback (served by `elb`).
fn alb_origin(o: &aws_sdk_cloudfront::types::Origin, addr: SocketAddr) -> Origin {
    let custom_headers = o
        .custom_headers()
        .map(|c| c.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|h| {
            let name = HeaderName::from_bytes(h.header_name().to_ascii_lowercase().as_bytes()).ok()?;
            Some((name, HeaderValue::from_str(h.header_value()).ok()?))
        })
        .collect();
    Origin {
        id: o.id().to_string(),
        domain: o.domain_name().to_string(),
        path: o.origin_path().unwrap_or_default().trim_end_matches('/').to_string(),
        custom_headers,
        origin_access_control: false,
        kind: OriginKind::Http(HttpServerOrigin::new(addr.to_string())),
    }
}

async fn load_origin(
    aws: &Aws,
    o: &aws_sdk_cloudfront::types::Origin,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
    account: &str,
) -> Result<Origin, String> {
    let id = o.id().to_string();
    let domain = o.domain_name().to_string();
    let oac = o.origin_access_control_id().is_some_and(|s| !s.is_empty());
    let mut custom_headers = Vec::new();
    for h in o.custom_headers().map(|c| c.items()).unwrap_or_default() {
        let name = HeaderName::from_bytes(h.header_name().to_ascii_lowercase().as_bytes())
            .map_err(|_| format!("origin {id}: custom header name '{}' is not valid", h.header_name()))?;
        let value = HeaderValue::from_str(h.header_value()).map_err(|_| {
            format!(
                "origin {id}: custom header {} has a value that is not valid",
                h.header_name()
            )
        })?;
        custom_headers.push((name, value));
    }
    let kind = if let Some((bucket, region)) = s3_bucket(&domain) {
        OriginKind::S3(S3Origin::new(bucket, region.clone(), oac, aws.s3(&region)))
    } else if let Some(region) = function_url_region(&domain) {
        let found = find_function_by_url(aws, &region, &domain).await?;
        let Some((name, auth, streaming)) = found else {
            return Err(format!(
                "origin {id}: no function in {region} has the URL https://{domain}/"
            ));
        };
        let deployed = deployed::load(aws, &region, &name, None, code_cache)
            .await
            .map_err(|e| format!("origin {id}: {e}"))?;
        let pool = Arc::new(Pool::new(deployed.spec, launcher.clone()));
        if let Some(why) = pool.refusal() {
            eprintln!("nextstack-edge: warning: origin {id}: {why}; its requests will get a 502");
        }
        OriginKind::FunctionUrl(FunctionUrlOrigin {
            domain: domain.clone(),
            function_name: name,
            auth,
            streaming,
            deployed: std::sync::RwLock::new(Deployment {
                pool,
                resource_policy: deployed.resource_policy,
            }),
            account: account.to_string(),
        })
    } else if let Some((api_id, region)) = apigateway::execute_api_domain(&domain) {
        // The origin path names the stage ("/prod"); requests arrive under it.
        let api = apigateway::model::load(aws, &region, &api_id, launcher, code_cache)
            .await
            .map_err(|e| format!("origin {id}: {e}"))?;
        apigateway::front_door::note_web_acls(&api);
        OriginKind::RestApi(ApiGatewayOrigin::Api(Arc::new(RestApiOrigin { api: Arc::new(api) })))
    } else if is_loopback(&domain) {
        let port = o.custom_origin_config().map(|c| c.http_port()).unwrap_or(80);
        OriginKind::Http(HttpServerOrigin::new(format!("{domain}:{port}")))
    } else if let Some(door) = api_gateway_custom_domain(aws, &domain, launcher, code_cache).await? {
        OriginKind::RestApi(door)
    } else {
        return Err(format!(
            "origin {id} ({domain}) is not modelled: nextstack-edge reaches S3 buckets, Lambda function URLs, API Gateway REST APIs and HTTP servers on loopback"
        ));
    };
    Ok(Origin {
        id,
        domain,
        path: o.origin_path().unwrap_or_default().trim_end_matches('/').to_string(),
        custom_headers,
        origin_access_control: oac,
        kind,
    })
}

/// An API Gateway custom domain name (in the edge's region) with its base path mappings, if the origin's domain is
/// one; an error only when it is one and cannot be loaded.
async fn api_gateway_custom_domain(
    aws: &Aws,
    domain: &str,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<Option<ApiGatewayOrigin>, String> {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    let found = aws
        .apigateway(&region)
        .get_domain_name()
        .domain_name(domain)
        .send()
        .await;
    if found.is_err() {
        return Ok(None);
    }
    let d = apigateway::custom_domain::load(aws, &region, domain, launcher, code_cache).await?;
    for a in d.apis() {
        apigateway::front_door::note_web_acls(&a.api);
    }
    Ok(Some(ApiGatewayOrigin::Domain(d)))
}

/// `BUCKET.s3.REGION.amazonaws.com`, `BUCKET.s3-REGION.amazonaws.com` or `BUCKET.s3.amazonaws.com`.
fn s3_bucket(domain: &str) -> Option<(String, String)> {
    let rest = domain.strip_suffix(".amazonaws.com")?;
    if let Some(at) = rest.rfind(".s3.") {
        return Some((rest[..at].to_string(), rest[at + 4..].to_string()));
    }
    if let Some(bucket) = rest.strip_suffix(".s3") {
        return Some((bucket.to_string(), "us-east-1".to_string()));
    }
    let at = rest.rfind(".s3-")?;
    let region = &rest[at + 4..];
    (!region.starts_with("website")).then(|| (rest[..at].to_string(), region.to_string()))
}

/// `URLID.lambda-url.REGION.on.aws`
fn function_url_region(domain: &str) -> Option<String> {
    let rest = domain.strip_suffix(".on.aws")?;
    let (_, region) = rest.split_once(".lambda-url.")?;
    Some(region.to_string())
}

fn is_loopback(domain: &str) -> bool {
    domain == "localhost" || domain.starts_with("127.") || domain == "::1" || domain == "[::1]"
}

/// The function whose URL has this host: (name, auth type, streaming).
async fn find_function_by_url(
    aws: &Aws,
    region: &str,
    domain: &str,
) -> Result<Option<(String, AuthType, bool)>, String> {
    let lambda = aws.lambda(region);
    let mut marker: Option<String> = None;
    loop {
        let page = lambda
            .list_functions()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| format!("ListFunctions in {region}: {}", aws_message(&e)))?;
        for f in page.functions() {
            let Some(name) = f.function_name() else { continue };
            let Ok(url) = lambda.get_function_url_config().function_name(name).send().await else {
                continue;
            };
            let host = url.function_url().trim_start_matches("https://").trim_end_matches('/');
            if host.eq_ignore_ascii_case(domain) {
                let auth = if url.auth_type().as_str() == "NONE" {
                    AuthType::None
                } else {
                    AuthType::AwsIam
                };
                let streaming = url.invoke_mode().is_some_and(|m| m.as_str() == "RESPONSE_STREAM");
                return Ok(Some((name.to_string(), auth, streaming)));
            }
        }
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            return Ok(None);
        }
    }
}

/// The fields ordered and default behaviours share (the SDK has two types for them).
struct BehaviorFields {
    origin: String,
    allowed: Vec<String>,
    cached: Vec<String>,
    viewer_protocol_policy: String,
    cache_policy_id: Option<String>,
    origin_request_policy_id: Option<String>,
    response_headers_policy_id: Option<String>,
    functions: Vec<(String, String)>,
    lambda: Vec<(String, String, bool)>,
    legacy: Option<LegacyForwarding>,
    signed: bool,
    field_level_encryption: bool,
}

struct LegacyForwarding {
    headers: Vec<String>,
    cookies: Selection,
    query: bool,
    ttl: (u64, u64, u64),
}

// Legacy ForwardedValues and TTLs are deprecated in the API but still what older distributions use.
macro_rules! behavior_fields {
    ($b:expr) => {{
        let b = $b;
        let methods = |items: &[aws_sdk_cloudfront::types::Method]| {
            items.iter().map(|m| m.as_str().to_string()).collect::<Vec<_>>()
        };
        let allowed = b
            .allowed_methods()
            .map(|a| methods(a.items()))
            .unwrap_or_else(|| vec!["GET".into(), "HEAD".into()]);
        let cached = b
            .allowed_methods()
            .and_then(|a| a.cached_methods())
            .map(|c| methods(c.items()))
            .unwrap_or_else(|| vec!["GET".into(), "HEAD".into()]);
        let legacy = b.forwarded_values().map(|fv| LegacyForwarding {
            headers: fv
                .headers()
                .map(|h| h.items().iter().map(|s| s.to_ascii_lowercase()).collect())
                .unwrap_or_default(),
            cookies: match fv.cookies().map(|c| c.forward().as_str()) {
                Some("all") => Selection::All,
                Some("whitelist") => Selection::Only(
                    fv.cookies()
                        .and_then(|c| c.whitelisted_names())
                        .map(|n| n.items().iter().cloned().collect())
                        .unwrap_or_default(),
                ),
                _ => Selection::None,
            },
            query: fv.query_string(),
            ttl: (
                b.min_ttl().unwrap_or(0).max(0) as u64,
                b.default_ttl().unwrap_or(86_400).max(0) as u64,
                b.max_ttl().unwrap_or(31_536_000).max(0) as u64,
            ),
        });
        BehaviorFields {
            origin: b.target_origin_id().to_string(),
            allowed,
            cached,
            viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_string(),
            cache_policy_id: b.cache_policy_id().filter(|s| !s.is_empty()).map(str::to_string),
            origin_request_policy_id: b
                .origin_request_policy_id()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            response_headers_policy_id: b
                .response_headers_policy_id()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            functions: b
                .function_associations()
                .map(|f| {
                    f.items()
                        .iter()
                        .map(|a| (a.event_type().as_str().to_string(), a.function_arn().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            lambda: b
                .lambda_function_associations()
                .map(|l| {
                    l.items()
                        .iter()
                        .map(|a| {
                            (
                                a.event_type().as_str().to_string(),
                                a.lambda_function_arn().to_string(),
                                a.include_body().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            legacy,
            signed: b.trusted_key_groups().is_some_and(|t| t.enabled())
                || b.trusted_signers().is_some_and(|t| t.enabled()),
            field_level_encryption: b.field_level_encryption_id().is_some_and(|s| !s.is_empty()),
        }
    }};
}

impl BehaviorFields {
    #[allow(deprecated)]
    fn from_ordered(b: &aws_sdk_cloudfront::types::CacheBehavior) -> Self {
        behavior_fields!(b)
    }
    #[allow(deprecated)]
    fn from_default(b: &aws_sdk_cloudfront::types::DefaultCacheBehavior) -> Self {
        behavior_fields!(b)
    }
}

async fn load_behavior(
    cf: &Cf,
    aws: &Aws,
    pattern: Option<&str>,
    f: BehaviorFields,
    functions: &mut HashMap<String, Arc<CloudFrontFunction>>,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<Behavior, String> {
    let name = pattern.unwrap_or("default (*)").to_string();
    let at = |what: &str| format!("behaviour {name}: {what}");
    if f.signed {
        return Err(at("signed URLs and cookies (trusted key groups) are not modelled"));
    }
    if f.field_level_encryption {
        return Err(at("field-level encryption is not modelled"));
    }
    let parse_methods = |m: &[String]| m.iter().filter_map(|s| s.parse::<Method>().ok()).collect::<Vec<_>>();
    let (cache, legacy_request) = match (&f.cache_policy_id, &f.legacy) {
        (Some(id), _) => (cache_policy(cf, id).await.map_err(|e| at(&e))?, None),
        (None, Some(l)) => {
            let headers: std::collections::BTreeSet<String> = l.headers.iter().cloned().collect();
            let query = if l.query { Selection::All } else { Selection::None };
            let policy = CachePolicy {
                id: "legacy".into(),
                name: "ForwardedValues".into(),
                min_ttl: l.ttl.0,
                default_ttl: l.ttl.1,
                max_ttl: l.ttl.2,
                headers,
                cookies: l.cookies.clone(),
                query_strings: query,
                accept_encoding_gzip: false,
                accept_encoding_brotli: false,
            };
            if l.headers.iter().any(|h| h == "*") {
                return Err(at(
                    "forwarding all headers (legacy ForwardedValues \"*\") is not modelled",
                ));
            }
            (policy, Some(()))
        }
        (None, None) => return Err(at("neither a cache policy nor legacy ForwardedValues")),
    };
    let _ = legacy_request;
    if let Some(h) = cache.headers.iter().find(|h| NOT_IN_CACHE_POLICY.contains(&h.as_str())) {
        // "Add CloudFront request headers": these "can be added in an origin request policy, but not in a cache
        // policy"; CloudFront refuses such a cache policy.
        return Err(at(&format!(
            "cache policy {} puts {h} in the cache key, which CloudFront does not allow (only an origin request policy may add it)",
            cache.id
        )));
    }
    let origin_request = match &f.origin_request_policy_id {
        Some(id) => Some(origin_request_policy(cf, id).await.map_err(|e| at(&e))?),
        None => None,
    };
    let response_headers = match &f.response_headers_policy_id {
        Some(id) => Some(response_headers_policy(cf, id).await.map_err(|e| at(&e))?),
        None => None,
    };
    let mut viewer_request = None;
    let mut viewer_response = None;
    for (event, arn) in &f.functions {
        let function = match functions.get(arn) {
            Some(x) => x.clone(),
            None => {
                let loaded = Arc::new(cloudfront_function(cf, arn).await.map_err(|e| at(&e))?);
                functions.insert(arn.clone(), loaded.clone());
                loaded
            }
        };
        match event.as_str() {
            "viewer-request" => viewer_request = Some(function),
            "viewer-response" => viewer_response = Some(function),
            other => return Err(at(&format!("a CloudFront Function on event {other}"))),
        }
    }
    // "Restrictions on all edge functions" > "Combining CloudFront Functions with Lambda@Edge": CloudFront Functions
    // and Lambda@Edge cannot be combined in viewer events (viewer request and viewer response); CloudFront rejects
    // such a behaviour, so the edge refuses it too.
    let functions_on_viewer = viewer_request.is_some() || viewer_response.is_some();
    if let Some((event, _, _)) = f
        .lambda
        .iter()
        .find(|(e, _, _)| EventType::from_aws(e).is_some_and(EventType::is_viewer))
    {
        if functions_on_viewer {
            return Err(at(&format!(
                "a CloudFront Function and a Lambda@Edge function ({event}) on viewer events: CloudFront does not allow combining them"
            )));
        }
    }
    let lambda_edge = lambda_edge_functions(aws, &f, launcher, code_cache)
        .await
        .map_err(|e| at(&e))?;
    Ok(Behavior {
        pattern: pattern.map(PathPattern::new),
        origin: f.origin,
        allowed_methods: parse_methods(&f.allowed),
        cached_methods: parse_methods(&f.cached),
        viewer_protocol_policy: f.viewer_protocol_policy,
        cache,
        origin_request,
        response_headers,
        viewer_request,
        viewer_response,
        lambda_edge,
    })
}

/// The behaviour's Lambda@Edge associations, loaded and checked as CloudFront checks them when they are made.
///
/// AWS: CloudFront Developer Guide, "Restrictions on Lambda@Edge" (a numbered version, not `$LATEST` or an alias; the
/// function is in us-east-1; environment variables are not supported), "Restrictions on all edge functions" (one
/// association per event type), "Quotas on Lambda@Edge" (viewer events: 128 MB memory and a 5-second timeout at
/// most; origin events: 30 seconds).
async fn lambda_edge_functions(
    aws: &Aws,
    f: &BehaviorFields,
    launcher: &Arc<Launcher>,
    code_cache: &Path,
) -> Result<Vec<(EventType, EdgeFunction)>, String> {
    let mut out: Vec<(EventType, EdgeFunction)> = Vec::new();
    for (event_name, arn, include_body) in &f.lambda {
        let Some(event) = EventType::from_aws(event_name) else {
            return Err(format!("Lambda@Edge on an unknown event type {event_name}"));
        };
        if out.iter().any(|(e, _)| *e == event) {
            return Err(format!("two Lambda@Edge functions on {event_name}"));
        }
        // arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:VERSION
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 8 || parts[3] != "us-east-1" || parts[7].parse::<u32>().is_err() {
            return Err(format!(
                "Lambda@Edge function {arn} ({event_name}) must be a numbered version in us-east-1"
            ));
        }
        let deployed = deployed::load(aws, "us-east-1", parts[6], Some(parts[7]), code_cache).await?;
        let spec = &deployed.spec;
        let name = format!("Lambda@Edge function {} ({event_name})", spec.name);
        if !spec.environment.is_empty() {
            return Err(format!("{name}: Lambda@Edge does not support environment variables"));
        }
        let (memory, timeout) = if event.is_viewer() { (128, 5) } else { (10_240, 30) };
        if spec.memory_mb > memory || spec.timeout.as_secs() > timeout {
            return Err(format!(
                "{name}: {} MB and {} s are over the {memory} MB and {timeout} s allowed on {event_name}",
                spec.memory_mb,
                spec.timeout.as_secs()
            ));
        }
        out.push((
            event,
            EdgeFunction {
                pool: Arc::new(Pool::new(deployed.spec, launcher.clone())),
                include_body: *include_body && matches!(event, EventType::ViewerRequest | EventType::OriginRequest),
            },
        ));
    }
    Ok(out)
}

async fn cache_policy(cf: &Cf, id: &str) -> Result<CachePolicy, String> {
    if let Some(p) = managed_cache_policy(id) {
        return Ok(p);
    }
    let out = cf
        .get_cache_policy()
        .id(id)
        .send()
        .await
        .map_err(|e| format!("cache policy {id}: {}", aws_message(&e)))?;
    let config = out
        .cache_policy()
        .and_then(|p| p.cache_policy_config())
        .ok_or_else(|| format!("cache policy {id}: GetCachePolicy returned no config"))?;
    let params = config
        .parameters_in_cache_key_and_forwarded_to_origin()
        .ok_or_else(|| format!("cache policy {id}: no cache key parameters"))?;
    let headers = params
        .headers_config()
        .and_then(|h| h.headers())
        .map(|h| h.items().iter().map(|s| s.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let cookies = params.cookies_config().map(|c| {
        Selection::from_behavior(
            c.cookie_behavior().as_str(),
            c.cookies().map(|n| n.items().to_vec()).unwrap_or_default(),
            false,
        )
    });
    let query = params.query_strings_config().map(|q| {
        Selection::from_behavior(
            q.query_string_behavior().as_str(),
            q.query_strings().map(|n| n.items().to_vec()).unwrap_or_default(),
            false,
        )
    });
    Ok(CachePolicy {
        id: id.to_string(),
        name: config.name().to_string(),
        min_ttl: config.min_ttl().max(0) as u64,
        default_ttl: config.default_ttl().unwrap_or(86_400).max(0) as u64,
        max_ttl: config.max_ttl().unwrap_or(31_536_000).max(0) as u64,
        headers,
        cookies: cookies
            .transpose()
            .map_err(|e| format!("cache policy {id}: {e}"))?
            .unwrap_or(Selection::None),
        query_strings: query
            .transpose()
            .map_err(|e| format!("cache policy {id}: {e}"))?
            .unwrap_or(Selection::None),
        accept_encoding_gzip: params.enable_accept_encoding_gzip(),
        accept_encoding_brotli: params.enable_accept_encoding_brotli().unwrap_or(false),
    })
}

/// A managed origin request policy by id, else a custom one through `GetOriginRequestPolicy` ("Understand origin
/// request policies": headers none / whitelist / allViewer / allViewerAndWhitelistCloudFront / allExcept; cookies and
/// query strings none / whitelist / all / allExcept).
async fn origin_request_policy(cf: &Cf, id: &str) -> Result<OriginRequestPolicy, String> {
    if let Some(p) = managed_origin_request_policy(id) {
        return Ok(p);
    }
    let out = cf
        .get_origin_request_policy()
        .id(id)
        .send()
        .await
        .map_err(|e| format!("origin request policy {id}: {}", aws_message(&e)))?;
    let config = out
        .origin_request_policy()
        .and_then(|p| p.origin_request_policy_config())
        .ok_or_else(|| format!("origin request policy {id}: GetOriginRequestPolicy returned no config"))?;
    let fail = |e: String| format!("origin request policy {id} ({}): {e}", config.name());
    let headers = match config.headers_config() {
        None => HeaderSelection::Only(Default::default()),
        Some(h) => {
            let names = h
                .headers()
                .map(|n| n.items().iter().map(|s| s.to_ascii_lowercase()).collect())
                .unwrap_or_default();
            match h.header_behavior().as_str() {
                "none" => HeaderSelection::Only(Default::default()),
                "whitelist" => HeaderSelection::Only(names),
                "allViewer" => HeaderSelection::AllViewer {
                    cloudfront: Default::default(),
                },
                "allViewerAndWhitelistCloudFront" => HeaderSelection::AllViewer { cloudfront: names },
                "allExcept" => HeaderSelection::AllExcept(names),
                other => return Err(fail(format!("header behaviour '{other}' is not modelled"))),
            }
        }
    };
    let cookies = match config.cookies_config() {
        None => Selection::None,
        Some(c) => Selection::from_behavior(
            c.cookie_behavior().as_str(),
            c.cookies().map(|n| n.items().to_vec()).unwrap_or_default(),
            false,
        )
        .map_err(fail)?,
    };
    let query_strings = match config.query_strings_config() {
        None => Selection::None,
        Some(q) => Selection::from_behavior(
            q.query_string_behavior().as_str(),
            q.query_strings().map(|n| n.items().to_vec()).unwrap_or_default(),
            false,
        )
        .map_err(fail)?,
    };
    Ok(OriginRequestPolicy {
        id: id.to_string(),
        name: config.name().to_string(),
        headers,
        cookies,
        query_strings,
    })
}

/// A managed response headers policy by id, else a custom one through `GetResponseHeadersPolicy` ("Understand
/// response headers policies": CORS, security and custom headers, each with its origin override, and headers to
/// remove). The Server-Timing header is not modelled: a policy that enables it is refused.
async fn response_headers_policy(cf: &Cf, id: &str) -> Result<ResponseHeadersPolicy, String> {
    if let Some(p) = managed_response_headers_policy(id) {
        return Ok(p);
    }
    let out = cf
        .get_response_headers_policy()
        .id(id)
        .send()
        .await
        .map_err(|e| format!("response headers policy {id}: {}", aws_message(&e)))?;
    let config = out
        .response_headers_policy()
        .and_then(|p| p.response_headers_policy_config())
        .ok_or_else(|| format!("response headers policy {id}: GetResponseHeadersPolicy returned no config"))?;
    let name = config.name().to_string();
    if config.server_timing_headers_config().is_some_and(|t| t.enabled()) {
        return Err(format!(
            "response headers policy {id} ({name}): the Server-Timing header is not modelled"
        ));
    }
    let header = |name: &str, value: String, override_origin: bool| PolicyHeader {
        name: name.to_string(),
        value,
        override_origin,
    };
    let mut headers = Vec::new();
    if let Some(sec) = config.security_headers_config() {
        if let Some(h) = sec.content_security_policy() {
            headers.push(header(
                "content-security-policy",
                h.content_security_policy().to_string(),
                h.r#override(),
            ));
        }
        if let Some(h) = sec.content_type_options() {
            headers.push(header("x-content-type-options", "nosniff".into(), h.r#override()));
        }
        if let Some(h) = sec.frame_options() {
            headers.push(header(
                "x-frame-options",
                h.frame_option().as_str().into(),
                h.r#override(),
            ));
        }
        if let Some(h) = sec.referrer_policy() {
            headers.push(header(
                "referrer-policy",
                h.referrer_policy().as_str().into(),
                h.r#override(),
            ));
        }
        if let Some(h) = sec.strict_transport_security() {
            let mut value = format!("max-age={}", h.access_control_max_age_sec());
            if h.include_subdomains().unwrap_or(false) {
                value.push_str("; includeSubDomains");
            }
            if h.preload().unwrap_or(false) {
                value.push_str("; preload");
            }
            headers.push(header("strict-transport-security", value, h.r#override()));
        }
        if let Some(h) = sec.xss_protection() {
            let value = match (h.protection(), h.mode_block().unwrap_or(false), h.report_uri()) {
                (false, _, _) => "0".to_string(),
                (true, true, _) => "1; mode=block".to_string(),
                (true, false, Some(uri)) if !uri.is_empty() => format!("1; report={uri}"),
                (true, false, _) => "1".to_string(),
            };
            headers.push(header("x-xss-protection", value, h.r#override()));
        }
    }
    for h in config.custom_headers_config().map(|c| c.items()).unwrap_or_default() {
        headers.push(header(
            &h.header().to_ascii_lowercase(),
            h.value().to_string(),
            h.r#override(),
        ));
    }
    let remove = config
        .remove_headers_config()
        .map(|c| c.items())
        .unwrap_or_default()
        .iter()
        .map(|h| h.header().to_ascii_lowercase())
        .collect();
    let cors = config.cors_config().map(|c| CorsConfig {
        allow_origins: c
            .access_control_allow_origins()
            .map(|o| o.items().to_vec())
            .unwrap_or_default(),
        allow_headers: c
            .access_control_allow_headers()
            .map(|o| o.items().to_vec())
            .unwrap_or_default(),
        allow_methods: c
            .access_control_allow_methods()
            .map(|o| o.items().iter().map(|m| m.as_str().to_string()).collect())
            .unwrap_or_default(),
        allow_credentials: c.access_control_allow_credentials(),
        expose_headers: c
            .access_control_expose_headers()
            .map(|o| o.items().to_vec())
            .unwrap_or_default(),
        max_age: c.access_control_max_age_sec(),
        override_origin: c.origin_override(),
    });
    Ok(ResponseHeadersPolicy {
        id: id.to_string(),
        name,
        headers,
        remove,
        cors,
    })
}

async fn cloudfront_function(cf: &Cf, arn: &str) -> Result<CloudFrontFunction, String> {
    let name = arn.rsplit('/').next().unwrap_or(arn).to_string();
    let described = cf
        .describe_function()
        .name(&name)
        .stage(aws_sdk_cloudfront::types::FunctionStage::Live)
        .send()
        .await
        .map_err(|e| format!("CloudFront Function {name}: {}", aws_message(&e)))?;
    let runtime = described
        .function_summary()
        .and_then(|s| s.function_config())
        .map(|c| c.runtime().as_str().to_string())
        .unwrap_or_else(|| "cloudfront-js-1.0".into());
    if described
        .function_summary()
        .and_then(|s| s.function_config())
        .and_then(|c| c.key_value_store_associations())
        .is_some_and(|k| k.quantity() > 0)
    {
        return Err(format!(
            "CloudFront Function {name}: KeyValueStore associations are not modelled"
        ));
    }
    let code = cf
        .get_function()
        .name(&name)
        .stage(aws_sdk_cloudfront::types::FunctionStage::Live)
        .send()
        .await
        .map_err(|e| format!("CloudFront Function {name}: {}", aws_message(&e)))?;
    let etag = code.e_tag().unwrap_or_default().to_string();
    let bytes = code.function_code().map(|b| b.as_ref().to_vec()).unwrap_or_default();
    if bytes.len() > MAX_CODE_BYTES {
        return Err(format!(
            "CloudFront Function {name}: its code is {} bytes, over CloudFront's 10 KB",
            bytes.len()
        ));
    }
    let code = String::from_utf8(bytes).map_err(|_| format!("CloudFront Function {name}: its code is not UTF-8"))?;
    if code.contains("require('cloudfront')")
        || code.contains("from 'cloudfront'")
        || code.contains("from \"cloudfront\"")
    {
        return Err(format!(
            "CloudFront Function {name}: the cloudfront module (KeyValueStore) is not modelled"
        ));
    }
    Ok(CloudFrontFunction {
        name,
        arn: arn.to_string(),
        runtime,
        etag,
        code,
    })
}

/// A behaviour for unit tests: GET and HEAD to `origin`, the managed CachingDisabled policy, nothing else.
#[cfg(test)]
pub(crate) fn test_behavior(pattern: Option<&str>, origin: &str) -> Behavior {
    Behavior {
        pattern: pattern.map(PathPattern::new),
        origin: origin.to_string(),
        allowed_methods: vec![Method::GET, Method::HEAD],
        cached_methods: vec![Method::GET, Method::HEAD],
        viewer_protocol_policy: "allow-all".into(),
        cache: managed_cache_policy("4135ea2d-6df8-44a3-9df3-4b5a84be39ad").expect("CachingDisabled"),
        origin_request: None,
        response_headers: None,
        viewer_request: None,
        viewer_response: None,
        lambda_edge: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distribution(ordered: &[(&str, &str)]) -> Distribution {
        let mut behaviors: Vec<Behavior> = ordered.iter().map(|(p, o)| test_behavior(Some(p), o)).collect();
        behaviors.push(test_behavior(None, "default"));
        Distribution {
            id: "E2TEST".into(),
            arn: "arn:aws:cloudfront::123456789012:distribution/E2TEST".into(),
            domain_name: "d111111abcdef8.cloudfront.net".into(),
            aliases: Vec::new(),
            account: "123456789012".into(),
            default_root_object: None,
            origins: HashMap::new(),
            behaviors,
            custom_errors: Vec::new(),
            web_acl_id: None,
        }
    }

    /// "Cache behavior settings" > "Path pattern": behaviours are tried in their order, the first whose pattern
    /// matches wins even when a later one is more specific, and the default takes what none matches.
    #[test]
    fn the_first_matching_ordered_behaviour_wins() {
        let dist = distribution(&[
            ("images/*", "images"),
            ("*.jpg", "jpg"),
            ("/images/special/*", "special"),
            ("/api/v?/*", "api"),
        ]);
        let origin_for = |path: &str| dist.behavior_for(path).origin.clone();
        assert_eq!(origin_for("/images/a.jpg"), "images"); // *.jpg also matches, but comes later
        assert_eq!(origin_for("/images/special/a.png"), "images"); // the more specific one is listed after
        assert_eq!(origin_for("/photos/a.jpg"), "jpg");
        assert_eq!(origin_for("/api/v1/users"), "api");
        assert_eq!(origin_for("/api/v10/users"), "default");
        assert_eq!(origin_for("/IMAGES/a.png"), "default"); // case-sensitive
        assert_eq!(origin_for("/"), "default");
        // The same patterns in another order route differently: order, not specificity, decides.
        let reordered = distribution(&[("/images/special/*", "special"), ("images/*", "images")]);
        assert_eq!(reordered.behavior_for("/images/special/a.png").origin, "special");
        assert_eq!(reordered.behavior_for("/images/b.png").origin, "images");
    }

    /// The CloudFront-* headers a behaviour asks for: its cache policy's and its origin request policy's.
    #[test]
    fn cloudfront_headers_come_from_both_policies() {
        let mut b = test_behavior(None, "default");
        assert!(b.cloudfront_headers().is_empty());
        b.cache.headers = ["cloudfront-is-mobile-viewer".to_string(), "accept".to_string()].into();
        b.origin_request = managed_origin_request_policy("216adef6-5c7f-47e4-b989-5492eafa07d3"); // AllViewer
        assert_eq!(
            b.cloudfront_headers(),
            ["cloudfront-is-mobile-viewer".to_string()].into()
        );
        b.origin_request = managed_origin_request_policy("33f36d7e-f396-46d9-90e0-52428a34d9dc");
        let names = b.cloudfront_headers();
        assert!(names.contains("cloudfront-viewer-address") && names.contains("cloudfront-is-mobile-viewer"));
        assert!(!names.contains("accept"));
    }

    #[test]
    fn origin_domains() {
        assert_eq!(
            s3_bucket("site-assets.s3.eu-west-1.amazonaws.com"),
            Some(("site-assets".into(), "eu-west-1".into()))
        );
        assert_eq!(
            s3_bucket("a.b.s3.amazonaws.com"),
            Some(("a.b".into(), "us-east-1".into()))
        );
        assert_eq!(
            s3_bucket("x.s3-eu-west-1.amazonaws.com"),
            Some(("x".into(), "eu-west-1".into()))
        );
        assert_eq!(s3_bucket("x.s3-website-eu-west-1.amazonaws.com"), None);
        assert_eq!(
            function_url_region("abc.lambda-url.eu-west-1.on.aws").as_deref(),
            Some("eu-west-1")
        );
        assert!(function_url_region("abc.execute-api.eu-west-1.amazonaws.com").is_none());
        assert!(is_loopback("127.0.0.1") && !is_loopback("example.com"));
    }
}
