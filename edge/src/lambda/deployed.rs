//! A function as the endpoint holds it (`GetFunction`, `GetFunctionConcurrency`, `GetPolicy`), turned into
//! something the edge can run: its settings, and its package unzipped from `Code.Location`.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::{code, Architecture, FunctionSpec};
use crate::endpoint::{aws_message, Aws};

/// A deployed function: what runs, and its resource policy.
pub struct Deployed {
    pub spec: FunctionSpec,
    pub resource_policy: Option<serde_json::Value>,
}

pub async fn load(
    aws: &Aws,
    region: &str,
    name: &str,
    qualifier: Option<&str>,
    cache: &Path,
) -> Result<Deployed, String> {
    let lambda = aws.lambda(region);
    let mut get = lambda.get_function().function_name(name);
    if let Some(q) = qualifier {
        get = get.qualifier(q);
    }
    let out = get
        .send()
        .await
        .map_err(|e| format!("function {name} (GetFunction in {region}): {}", aws_message(&e)))?;
    let conf = out
        .configuration()
        .ok_or_else(|| format!("function {name}: GetFunction returned no configuration"))?;
    let location = out.code().and_then(|c| c.location()).ok_or_else(|| {
        format!("function {name}: GetFunction returned no Code.Location (container images are not run)")
    })?;
    let zip = download(location)
        .await
        .map_err(|e| format!("function {name}: downloading its code from {location}: {e}"))?;
    let fname = conf.function_name().unwrap_or(name).to_string();
    let code_dir =
        code::unpack(cache, &fname, conf.code_sha256().unwrap_or_default(), &zip).map_err(|e| e.to_string())?;
    let native_architecture = code::native_architecture(&fname, &code_dir).map_err(|e| e.to_string())?;
    // `Handler` is required by CreateFunction for a .zip package (Lambda API Reference, "CreateFunction"); the
    // fallback only serves an endpoint that omits it.
    let handler = conf.handler().unwrap_or("index.handler").to_string();
    check_handler(&fname, &code_dir, &handler)?;
    // "Architectures": one value, `x86_64` when not given (Lambda API Reference, "FunctionConfiguration").
    let architecture = conf
        .architectures()
        .first()
        .and_then(|a| Architecture::from_aws(a.as_str()))
        .unwrap_or(Architecture::X86_64);
    let reserved = lambda
        .get_function_concurrency()
        .function_name(&fname)
        .send()
        .await
        .ok()
        .and_then(|c| c.reserved_concurrent_executions())
        .map(|n| n.max(0) as u32);
    let resource_policy = lambda
        .get_policy()
        .function_name(&fname)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
        .ok()
        .and_then(|p| p.policy().and_then(|p| serde_json::from_str(p).ok()));
    let arn = conf.function_arn().unwrap_or_default().to_string();
    let spec = FunctionSpec {
        name: fname,
        arn,
        version: conf.version().unwrap_or("$LATEST").to_string(),
        region: region.to_string(),
        runtime: conf.runtime().map(|r| r.as_str().to_string()).unwrap_or_default(),
        handler,
        environment: conf
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        // Defaults when the endpoint omits them: 3 s and 128 MB ("Configure Lambda function timeout", "Configure
        // Lambda function memory").
        timeout: Duration::from_secs(conf.timeout().unwrap_or(3).max(1) as u64),
        memory_mb: conf.memory_size().unwrap_or(128).max(128) as u32,
        architecture,
        reserved_concurrency: reserved,
        code_dir,
        native_architecture,
    };
    Ok(Deployed { spec, resource_policy })
}

/// The handler's module must be in the package (`index.handler` -> `index.mjs`, `index.cjs` or `index.js`).
///
/// AWS: Lambda Developer Guide, "Define Lambda function handler in Node.js" (the handler setting is
/// `FILE_NAME.EXPORT`: the file, without its extension and relative to the package root, possibly in a folder such as
/// `src/index.handler`, and the name of the function it exports) and "Designating a function handler as an ES module"
/// (the runtime loads `FILE_NAME.mjs` as an ES module, `.cjs` as CommonJS, `.js` by the nearest `package.json`'s
/// `type`). The module name is everything before the last dot, so a module in a
/// folder or with dots in its name resolves as it does in Lambda. A missing file is what Lambda reports at the first
/// invocation as `Runtime.ImportModuleError`; the edge says so at start instead, naming the function.
fn check_handler(function: &str, dir: &Path, handler: &str) -> Result<(), String> {
    let Some((module, _export)) = handler.rsplit_once('.') else {
        return Err(format!("function {function}: handler '{handler}' is not MODULE.EXPORT"));
    };
    if ["mjs", "cjs", "js"]
        .iter()
        .any(|ext| dir.join(format!("{module}.{ext}")).is_file())
    {
        Ok(())
    } else {
        Err(format!(
            "function {function}: handler '{handler}': no {module}.mjs, {module}.cjs or {module}.js in its package"
        ))
    }
}

async fn download(url: &str) -> Result<Bytes, String> {
    if !url.starts_with("http://") {
        return Err("only http:// code locations are fetched (an emulator's own URL)".into());
    }
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let uri: http::Uri = url.parse().map_err(|e| format!("{e}"))?;
    let resp = client.get(uri).await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    resp.into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| e.to_string())
}
