//! `data "nextstack_nextjs_build"`: reads an OpenNext build (`.open-next/`) and returns what Terraform modules need
//! to wire it: CloudFront behaviours and origins in OpenNext's order, and every function bundle as a deterministic
//! zip with the `source_code_hash` Lambda expects.
//!
//! Why a data source and not `archive_file`: the zips must not change when nothing in the bundle changed
//! (mtimes, umask and directory order change nothing here, so a rebuild of the same code plans no Lambda update),
//! and the 28 MB server bundle is compressed once, not on every plan (the zip's comment records the digest of its
//! inputs, see `crate::opennext::bundle_zip`). Each function also reports the architecture its native modules
//! were built for (`crate::opennext::native`), so that a module deploys it on the one it can load on. No AWS
//! call is made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin_framework::{Attribute, AttributePath, Block, Ctx, DataSource, Diagnostic, Diagnostics, Schema, Type};

use crate::aws::Aws;
use crate::opennext::bundle_zip::{self, BundleAssets, ZipError};
use crate::opennext::native;
use crate::opennext::{BuildError, BuildOutput};

/// Where the zips go when `zip_dir` is not set, relative to the build directory.
const DEFAULT_ZIP_DIR: &str = ".nextstack/zips";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    pub build_dir: String,
    pub zip_dir: Option<String>,
    pub bundle_assets: Option<Vec<String>>,
    pub id: Option<String>,
    pub build_id: Option<String>,
    pub behaviors: Option<Vec<BehaviorModel>>,
    pub origins: Option<BTreeMap<String, OriginModel>>,
    pub functions: Option<BTreeMap<String, FunctionModel>>,
    pub assets_prefix: Option<String>,
    pub cache_prefix: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BehaviorModel {
    pub pattern: String,
    pub origin: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OriginModel {
    #[serde(rename = "type")]
    pub kind: String,
    pub origin_path: Option<String>,
    pub function: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionModel {
    pub role: String,
    pub bundle_dir: String,
    pub handler: String,
    pub streaming: bool,
    pub wrapper: Option<String>,
    pub converter: Option<String>,
    pub zip_path: String,
    pub source_code_hash: String,
    pub zip_size: u64,
    pub native_architecture: Option<String>,
}

pub struct NextjsBuildDataSource;

fn schema() -> Schema {
    let behavior = Type::object([("pattern", Type::String), ("origin", Type::String)]);
    let origin = Type::object([
        ("type", Type::String),
        ("origin_path", Type::String),
        ("function", Type::String),
    ]);
    let function = Type::object([
        ("role", Type::String),
        ("bundle_dir", Type::String),
        ("handler", Type::String),
        ("streaming", Type::Bool),
        ("wrapper", Type::String),
        ("converter", Type::String),
        ("zip_path", Type::String),
        ("source_code_hash", Type::String),
        ("zip_size", Type::Number),
        ("native_architecture", Type::String),
    ]);
    Schema::new(
        Block::new(
            "Reads an OpenNext build (the `.open-next` directory) for the modules that deploy it: CloudFront \
             behaviours and origins in OpenNext's order, and every function bundle as a deterministic zip with \
             its `source_code_hash`. Same bytes in, same zip out; an unchanged bundle is not compressed again. \
             Makes no AWS call.",
        )
        .attribute(Attribute::new("build_dir", Type::String).required().description(
            "The `.open-next` directory of an OpenNext 3 or 4 build, e.g. `\"${path.module}/app/.open-next\"`. A relative \
             path is relative to the directory Terraform runs in. The paths in `open-next.output.json` are resolved \
             against this directory, so a build that was moved or renamed after `open-next build` still reads.",
        ))
        .attribute(
            Attribute::new("zip_dir", Type::String)
                .optional()
                .computed()
                .description(
                    "Where the function zips are written (created if missing). Default: `<build_dir>/.nextstack/zips`. It must not \
                     be inside a function bundle. Read back relative when `build_dir` is.",
                ),
        )
        .attribute(
            Attribute::new("bundle_assets", Type::list(Type::String))
                .optional()
                .description(
                    "Functions (keys of `functions`, e.g. `[\"default\"]`) whose zip also holds the build's static \
                     assets (`assets/`) under `nextstack-assets/`, for layouts where the function serves them \
                     itself (behind an ALB, with no CDN or bucket in front). A name the build does not have is an error at \
                     plan naming it and the build's functions; a bundle file already under `nextstack-assets/` is an \
                     error naming the file. Default: none, and no zip holds the assets.",
                ),
        )
        .attribute(
            Attribute::new("id", Type::String)
                .computed()
                .description("The build id."),
        )
        .attribute(
            Attribute::new("build_id", Type::String)
                .computed()
                .description("The Next.js `BUILD_ID` of the build (from `assets/BUILD_ID`, else the server bundle's `.next/BUILD_ID`)."),
        )
        .attribute(
            Attribute::new("behaviors", Type::list(behavior))
                .computed()
                .description(
                    "CloudFront cache behaviours in OpenNext's order (most specific first, `*` the default): \
             `pattern` (e.g. `_next/image*`, `_next/data/*`, `*`, `_next/*`, `favicon.ico`) and the name of its `origin` in \
             `origins`.",
                ),
        )
        .attribute(Attribute::new("origins", Type::map(origin)).computed().description(
            "Origins by name (`s3`, `default`, `imageOptimizer`, split functions): `type` (`s3` or `function`; an origin of \
             another type a newer OpenNext writes is passed through as is), `origin_path` (S3 only: as OpenNext writes it, \
             e.g. `_assets`; CloudFront wants a leading `/`), `function` (the key in `functions`, function origins only).",
        ))
        .attribute(Attribute::new("functions", Type::map(function)).computed().description(
            "Function bundles by name (`default`, `imageOptimizer`, split functions, `warmer`, `revalidation`, \
             `initialization`, `edge:<name>`): `role` (`server`, `image_optimization`, `revalidation`, `warmer`, \
             `initialization`, `edge`), `bundle_dir`, `handler`, `streaming` (the response is streamed: use `invoke_mode = \"RESPONSE_STREAM\"`), `wrapper` and `converter` (the OpenNext wrapper and converter \
             it was built with, e.g. `aws-lambda` and `aws-apigw-v2`, or a custom override's name; null when the \
             output does not say: they decide which events it understands), `zip_path` (`<zip_dir>/<name>.zip`, characters other than letters, digits, `-`, `_` and `.` replaced by `_`; relative to Terraform's working directory when \
             `build_dir` / `zip_dir` are, so that a moved checkout plans no change; else absolute), \
             `source_code_hash` (base64 sha256 of the zip, as `filebase64sha256(zip_path)`), `zip_size` (bytes; Lambda takes at most 50 MB zipped in a direct upload, above that upload it to S3), \
             `native_architecture` (`x86_64` or `arm64`: the Lambda architecture the bundle's native modules were \
             built for, read from the ELF headers of its `*.node` files and the names of its platform packages such \
             as `@img/sharp-linux-x64`; null when nothing in it binds the function to one). A bundle whose native \
             code needs both architectures is an error naming the function and two files.",
        ))
        .attribute(
            Attribute::new("assets_prefix", Type::String)
                .computed()
                .description("Bucket prefix of the static assets (the S3 origin's cached copy, e.g. `_assets`)."),
        )
        .attribute(
            Attribute::new("cache_prefix", Type::String)
                .computed()
                .description("Bucket prefix of the ISR cache (the S3 origin's uncached copy, e.g. `_cache`)."),
        ),
    )
}

fn build_dir_error(e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error("Unusable OpenNext build", e.to_string())
        .at(AttributePath::root("build_dir"))
        .into()
}

fn zip_error(e: ZipError, zip_dir_configured: bool) -> Diagnostics {
    match e {
        ZipError::Bundle(e) => build_dir_error(e),
        ZipError::Output(e) => {
            let at = if zip_dir_configured { "zip_dir" } else { "build_dir" };
            Diagnostic::error("Cannot write the function zips", e.to_string())
                .at(AttributePath::root(at))
                .into()
        }
    }
}

/// `bundle_assets` checked against the build: every name must be one of its functions.
fn bundle_assets(output: &BuildOutput, names: &[String]) -> Result<BundleAssets, Diagnostics> {
    for (i, name) in names.iter().enumerate() {
        if !output.functions.iter().any(|f| &f.name == name) {
            let known: Vec<&str> = output.functions.iter().map(|f| f.name.as_str()).collect();
            return Err(Diagnostic::error(
                "Unknown function in bundle_assets",
                format!(
                    "The build at {} has no function {name:?}; its functions are: {}.",
                    output.dir.display(),
                    known.join(", ")
                ),
            )
            .at(AttributePath::root("bundle_assets").index(i as i64))
            .into());
        }
    }
    let dir = match output.assets_copy() {
        Some(copy) => copy.from.clone(),
        None if names.is_empty() => PathBuf::new(),
        None => return Err(build_dir_error("the build has no static assets to bundle")),
    };
    Ok(BundleAssets {
        dir,
        functions: names.to_vec(),
    })
}

/// The architecture each function's native code binds it to (in the order of `output.functions`), every
/// bundle read concurrently on the blocking pool.
async fn native_architectures(output: &BuildOutput) -> Result<Vec<Option<native::Architecture>>, BuildError> {
    let jobs = output.functions.iter().map(|f| {
        let (name, bundle) = (f.name.clone(), f.bundle.clone());
        async move {
            tokio::task::spawn_blocking({
                let bundle = bundle.clone();
                move || native::native_architecture(&name, &bundle)
            })
            .await
            .unwrap_or_else(|e| Err(BuildError::new(&bundle, format!("reading the bundle failed: {e}"))))
        }
    });
    futures::future::join_all(jobs).await.into_iter().collect()
}

fn absolute(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    std::path::absolute(&p).unwrap_or(p)
}

/// `path` (inside `real_base`, where the files are) as the user spelled its base: relative to Terraform's
/// working directory when `spelled_base` is relative. A Lambda's `filename` then stays the same when the
/// checkout moves (another machine, another CI workspace), so the move plans no change.
fn as_spelled(path: &Path, real_base: &Path, spelled_base: &Path) -> String {
    match path.strip_prefix(real_base) {
        Ok(rest) if spelled_base.is_relative() => display(&spelled_base.join(rest)),
        _ => display(path),
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[async_trait]
impl DataSource for NextjsBuildDataSource {
    type Model = Model;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "nextjs_build"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(&self, _ctx: Ctx<'_, Aws>, config: Model) -> Result<Model, Diagnostics> {
        let build_dir = absolute(&config.build_dir);
        let spelled_zip_dir = match &config.zip_dir {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(&config.build_dir).join(DEFAULT_ZIP_DIR),
        };
        let zip_dir = absolute(&display(&spelled_zip_dir));
        let output = tokio::task::spawn_blocking({
            let build_dir = build_dir.clone();
            move || BuildOutput::read(&build_dir)
        })
        .await
        .unwrap_or_else(|e| Err(BuildError::new(&build_dir, format!("reading the build failed: {e}"))))
        .map_err(build_dir_error)?;

        let assets = bundle_assets(&output, config.bundle_assets.as_deref().unwrap_or_default())?;
        // Before zipping: a bundle that cannot run anywhere is not worth compressing.
        let natives = native_architectures(&output).await.map_err(build_dir_error)?;
        let zips = bundle_zip::zip_functions(&output.functions, &assets, &zip_dir)
            .await
            .map_err(|e| zip_error(e, config.zip_dir.is_some()))?;
        let functions = output
            .functions
            .iter()
            .zip(zips)
            .zip(natives)
            .map(|((f, (_, zip)), native)| {
                let model = FunctionModel {
                    role: f.role.as_str().to_string(),
                    bundle_dir: as_spelled(&f.bundle, &build_dir, Path::new(&config.build_dir)),
                    handler: f.handler.clone(),
                    streaming: f.streaming,
                    wrapper: f.wrapper.clone(),
                    converter: f.converter.clone(),
                    zip_path: as_spelled(&zip.path, &zip_dir, &spelled_zip_dir),
                    source_code_hash: zip.source_code_hash,
                    zip_size: zip.size,
                    native_architecture: native.map(|a| a.as_str().to_string()),
                };
                (f.name.clone(), model)
            })
            .collect();
        let origins = output
            .origins
            .iter()
            .map(|o| {
                let model = OriginModel {
                    kind: o.kind.clone(),
                    origin_path: o.origin_path.clone(),
                    function: o.function.clone(),
                };
                (o.name.clone(), model)
            })
            .collect();
        let behaviors = output
            .behaviors
            .iter()
            .map(|b| BehaviorModel {
                pattern: b.pattern.clone(),
                origin: b.origin.clone(),
            })
            .collect();
        Ok(Model {
            zip_dir: Some(display(&spelled_zip_dir)),
            id: Some(output.build_id.clone()),
            build_id: Some(output.build_id.clone()),
            behaviors: Some(behaviors),
            origins: Some(origins),
            functions: Some(functions),
            assets_prefix: output.assets_copy().map(|c| c.to.clone()),
            cache_prefix: output.cache_copy().map(|c| c.to.clone()),
            build_dir: config.build_dir,
            bundle_assets: config.bundle_assets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin_framework::json::from_model;
    use tfplugin_framework::schema::model_mismatches;

    #[test]
    fn model_matches_schema() {
        let model = Model {
            build_dir: "b".into(),
            zip_dir: None,
            bundle_assets: Some(vec!["default".into()]),
            id: Some("x".into()),
            build_id: Some("x".into()),
            behaviors: Some(vec![BehaviorModel {
                pattern: "*".into(),
                origin: "default".into(),
            }]),
            origins: Some(BTreeMap::from([(
                "s3".into(),
                OriginModel {
                    kind: "s3".into(),
                    origin_path: Some("/_assets".into()),
                    function: None,
                },
            )])),
            functions: Some(BTreeMap::from([(
                "default".into(),
                FunctionModel {
                    role: "server".into(),
                    bundle_dir: "/b/server-functions/default".into(),
                    handler: "index.handler".into(),
                    streaming: true,
                    wrapper: Some("aws-lambda".into()),
                    converter: None,
                    zip_path: "/z/default.zip".into(),
                    source_code_hash: "h".into(),
                    zip_size: 12,
                    native_architecture: Some("arm64".into()),
                },
            )])),
            assets_prefix: Some("_assets".into()),
            cache_prefix: Some("_cache".into()),
        };
        let value = from_model(&model, &schema().value_type()).unwrap();
        let f = value.attr("functions").attr("default");
        assert_eq!(f.attr("zip_size").as_i64(), Some(12));
        assert_eq!(f.attr("streaming").as_bool(), Some(true));
        assert_eq!(f.attr("native_architecture").as_str(), Some("arm64"));
        assert_eq!(value.attr("origins").attr("s3").attr("type").as_str(), Some("s3"));
        assert!(value.attr("origins").attr("s3").attr("function").is_null());
        // Every field, nested objects included, is in the schema's types and the other way round.
        let json = serde_json::to_value(&model).unwrap();
        assert_eq!(model_mismatches(&schema().value_type(), &json), Vec::<String>::new());
    }
}
