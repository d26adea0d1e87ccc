//! Every function the edge runs, by region, name and qualifier, so that an invocation through the Lambda API
//! (a warmer calling `lambda:Invoke`, an EventBridge rule's target) reaches the same warm environments as the
//! function URL in front of it. Functions nothing else has loaded are loaded on first use.
//!
//! AWS: Lambda API Reference, "Invoke" (`FunctionName` is a name, a full ARN or a partial ARN
//! `ACCOUNT:function:NAME`, optionally with `:QUALIFIER`; the `Qualifier` parameter names a version or alias;
//! none means `$LATEST`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::deployed;
use super::pool::{Launcher, Pool, PoolReport};
use crate::cloudfront::distribution::{Origin, OriginKind};
use crate::endpoint::Aws;

/// A function as an Invoke request names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionRef {
    pub region: String,
    pub name: String,
    /// `$LATEST` when none was given.
    pub qualifier: String,
}

impl FunctionRef {
    /// From `FunctionName` (name, partial or full ARN, with an optional `:QUALIFIER`) and the `Qualifier`
    /// parameter; a region in the ARN wins over `region`. Both qualifiers given and different is an error, as in
    /// Lambda.
    pub fn parse(function_name: &str, qualifier: Option<&str>, region: &str) -> Result<Self, String> {
        let parts: Vec<&str> = function_name.split(':').collect();
        let (region, name, in_name) = match parts.as_slice() {
            [name] => (region, *name, None),
            [name, q] => (region, *name, Some(*q)),
            [_account, "function", name] => (region, *name, None),
            [_account, "function", name, q] => (region, *name, Some(*q)),
            ["arn", _, "lambda", r, _account, "function", name] => (*r, *name, None),
            ["arn", _, "lambda", r, _account, "function", name, q] => (*r, *name, Some(*q)),
            _ => return Err(format!("'{function_name}' is not a function name or ARN")),
        };
        if name.is_empty() || name.len() > 64 {
            return Err(format!("'{function_name}' is not a function name or ARN"));
        }
        let qualifier = match (in_name, qualifier.filter(|q| !q.is_empty())) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "the qualifier in '{function_name}' and the Qualifier parameter ({b}) differ"
                ))
            }
            (Some(q), _) | (None, Some(q)) => q.to_string(),
            (None, None) => "$LATEST".to_string(),
        };
        Ok(Self {
            region: region.to_string(),
            name: name.to_string(),
            qualifier,
        })
    }
}

pub struct Registry {
    aws: Aws,
    launcher: Arc<Launcher>,
    code_cache: PathBuf,
    /// Function URL origins: their current deployment answers `$LATEST` invocations of their function.
    origins: Vec<Arc<Origin>>,
    pools: Mutex<HashMap<FunctionRef, Arc<Pool>>>,
    /// The region an invocation that names none is for.
    pub default_region: String,
}

impl Registry {
    pub fn new(aws: Aws, launcher: Arc<Launcher>, code_cache: PathBuf, default_region: String) -> Self {
        Self {
            aws,
            launcher,
            code_cache,
            origins: Vec::new(),
            pools: Mutex::new(HashMap::new()),
            default_region,
        }
    }

    /// The distribution's function URL origins (their pools follow deployments: see `lambda::updates`).
    pub fn add_origin(&mut self, origin: Arc<Origin>) {
        if let OriginKind::RestApi(door) = &origin.kind {
            for api in door.apis() {
                for target in api.api.functions.values() {
                    self.add_pool(target.pool.clone());
                }
            }
        }
        if matches!(origin.kind, OriginKind::FunctionUrl(_)) {
            self.origins.push(origin);
        }
    }

    /// A pool something else runs (an SQS mapping's function, a Lambda@Edge version), shared with Invoke and
    /// reported.
    pub fn add_pool(&self, pool: Arc<Pool>) {
        let spec = pool.spec();
        let key = FunctionRef {
            region: spec.region.clone(),
            name: spec.name.clone(),
            qualifier: spec.version.clone(),
        };
        if let Ok(mut pools) = self.pools.lock() {
            pools.entry(key).or_insert(pool);
        }
    }

    fn url_pool(&self, f: &FunctionRef) -> Option<Arc<Pool>> {
        if f.qualifier != "$LATEST" {
            return None;
        }
        self.origins.iter().find_map(|o| match &o.kind {
            OriginKind::FunctionUrl(url) => {
                let pool = url.pool();
                (url.function_name == f.name && pool.spec().region == f.region).then_some(pool)
            }
            _ => None,
        })
    }

    /// The environments that run this function, loading it from the endpoint the first time.
    pub async fn pool(&self, f: &FunctionRef) -> Result<Arc<Pool>, String> {
        if let Some(pool) = self.url_pool(f) {
            return Ok(pool);
        }
        if let Some(pool) = self.pools.lock().ok().and_then(|p| p.get(f).cloned()) {
            return Ok(pool);
        }
        let qualifier = (f.qualifier != "$LATEST").then_some(f.qualifier.as_str());
        let deployed = deployed::load(&self.aws, &f.region, &f.name, qualifier, &self.code_cache).await?;
        let pool = Arc::new(Pool::new(deployed.spec, self.launcher.clone()));
        let mut pools = self
            .pools
            .lock()
            .map_err(|_| "the function registry is poisoned".to_string())?;
        Ok(pools.entry(f.clone()).or_insert(pool).clone())
    }

    /// The function's resource policy (`GetPolicy`), if it has one.
    pub async fn resource_policy(&self, f: &FunctionRef) -> Option<serde_json::Value> {
        let qualifier = (f.qualifier != "$LATEST").then(|| f.qualifier.clone());
        let out = self
            .aws
            .lambda(&f.region)
            .get_policy()
            .function_name(&f.name)
            .set_qualifier(qualifier)
            .send()
            .await
            .ok()?;
        serde_json::from_str(out.policy()?).ok()
    }

    /// Every function run so far, with what its environments did.
    pub fn report(&self) -> Vec<(FunctionRef, PoolReport)> {
        let mut out: Vec<(FunctionRef, PoolReport)> = Vec::new();
        for o in &self.origins {
            if let OriginKind::FunctionUrl(url) = &o.kind {
                let pool = url.pool();
                let key = FunctionRef {
                    region: pool.spec().region.clone(),
                    name: url.function_name.clone(),
                    qualifier: "$LATEST".into(),
                };
                out.push((key, pool.report()));
            }
        }
        if let Ok(pools) = self.pools.lock() {
            for (key, pool) in pools.iter() {
                if !out.iter().any(|(k, _)| k == key) {
                    out.push((key.clone(), pool.report()));
                }
            }
        }
        out.sort_by(|a, b| (&a.0.region, &a.0.name, &a.0.qualifier).cmp(&(&b.0.region, &b.0.name, &b.0.qualifier)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_as_invoke_takes_them() {
        let r = |n: &str, q: Option<&str>| FunctionRef::parse(n, q, "eu-west-1");
        let f = r("site-server", None).unwrap();
        assert_eq!(
            (f.region.as_str(), f.name.as_str(), f.qualifier.as_str()),
            ("eu-west-1", "site-server", "$LATEST")
        );
        assert_eq!(r("site-server:live", None).unwrap().qualifier, "live");
        assert_eq!(r("site-server", Some("3")).unwrap().qualifier, "3");
        assert_eq!(
            r("123456789012:function:site-server", None).unwrap().name,
            "site-server"
        );
        let arn = r("arn:aws:lambda:us-east-1:123456789012:function:site-server:2", None).unwrap();
        assert_eq!((arn.region.as_str(), arn.qualifier.as_str()), ("us-east-1", "2"));
        assert!(r("site-server:1", Some("2")).is_err());
        assert!(r("arn:aws:s3:::bucket", None).is_err());
    }
}
