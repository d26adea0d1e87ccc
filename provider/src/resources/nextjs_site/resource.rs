//! The Terraform side of `nextstack_nextjs_site`: schema, validation, a plan that reads the build, and
//! create / read / update / delete / import on top of `deploy`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin_framework::{
    ApplyError, Attribute, AttributePath, Block, Change, Ctx, Diagnostic, Diagnostics, IdentitySchema, Plan, Resource,
    Schema, Type, Value,
};

use super::checks::{self, MAX_KEEP};
use super::deploy::{self, Failed, Request};
use super::identity::{identity_schema, NextjsSiteIdentity};
use super::local::LocalBuild;
use super::manifest::{Destination, Manifest, Settings};
use super::objects;
use crate::aws::{Aws, Clients, Error as AwsError, Target};
use crate::opennext::{BuildError, BuildKind};
use crate::resources::target;

/// `content_hash` in state when the bucket no longer holds what was published: the next apply repairs it.
/// Only published assets drift: the ISR and fetch caches are the server function's to rewrite.
const DRIFTED: &str = "drifted";
/// `content_hash` in state when an apply published the build but could not prune old builds.
const INCOMPLETE: &str = "incomplete";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    pub id: Option<String>,
    pub build_dir: String,
    pub build_kind: Option<String>,
    pub assets_bucket: String,
    pub assets_prefix: Option<String>,
    pub cache_bucket: Option<String>,
    pub cache_prefix: Option<String>,
    pub revalidation_table: Option<String>,
    pub distribution_id: Option<String>,
    pub invalidation: Option<String>,
    pub wait_for_invalidation: Option<bool>,
    pub keep_previous_builds: Option<i64>,
    #[serde(flatten)]
    pub target: Target,
    pub build_id: Option<String>,
    pub content_hash: Option<String>,
    pub builds: Option<Vec<String>>,
    pub invalidation_id: Option<String>,
}

impl Model {
    fn destination(&self) -> Destination {
        Destination {
            assets_bucket: self.assets_bucket.clone(),
            assets_prefix: self.assets_prefix.clone().unwrap_or_default(),
            cache_bucket: self.cache_bucket.clone().unwrap_or_else(|| self.assets_bucket.clone()),
            cache_prefix: self.cache_prefix.clone().unwrap_or_default(),
            revalidation_table: self.revalidation_table.clone(),
        }
    }
    /// The kind to read `build_dir` as: the configured or planned one, else whatever the directory holds.
    fn kind(&self) -> Option<BuildKind> {
        self.build_kind.as_deref().and_then(BuildKind::parse)
    }
    fn settings(&self) -> Settings {
        Settings {
            distribution_id: self.distribution_id.clone(),
            invalidation: self.invalidation.clone().unwrap_or_else(|| "changed".into()),
            wait_for_invalidation: self.wait_for_invalidation.unwrap_or(false),
            keep_previous_builds: self.keep_previous_builds.unwrap_or(1).clamp(0, MAX_KEEP) as u32,
            build_kind: self.build_kind.clone(),
        }
    }
}

fn build_error(e: BuildError) -> Diagnostic {
    Diagnostic::error("Unusable Next.js build in build_dir", e.to_string()).at(AttributePath::root("build_dir"))
}

/// What a standalone build has no use for: configuring it is a mistake worth saying.
const OPENNEXT_ONLY: [(&str, &str); 3] = [
    ("cache_bucket", "the ISR and fetch caches"),
    ("cache_prefix", "the ISR and fetch caches"),
    ("revalidation_table", "the tag cache"),
];

pub struct NextjsSiteResource;

#[async_trait]
impl Resource for NextjsSiteResource {
    type Model = Model;
    type Identity = NextjsSiteIdentity;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "nextjs_site"
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "Publishes a Next.js build to S3: an OpenNext build (`.open-next/`: static assets with OpenNext's Cache-Control split, the ISR and fetch caches, and the revalidation table's rows) or a standalone Next.js build (`output: \"standalone\"`: `.next/static/` at `_next/static/`, `public/` at the root, with the same Cache-Control split). Uploads only what changed, keeps the files of the previous builds for visitors still running them, and invalidates in CloudFront `/*` when a new build goes live (its pages replace the cached ones), else only the un-hashed files that changed.",
        )
        .attribute(Attribute::new("id", Type::String).computed().use_state_for_unknown().description("`<assets_bucket>/<assets_prefix>` (`<assets_bucket>/` at the bucket's root)."))
        .attribute(Attribute::new("build_dir", Type::String).required().description("The build to publish: the `.open-next` directory of an OpenNext 3 or 4 build (e.g. `\"${path.module}/app/.open-next\"`), or the app directory of a Next.js build made with `output: \"standalone\"` (the directory holding `.next/` and `public/`, e.g. `\"${path.module}/app\"`). Read at plan: a changed build plans an update. A relative path is relative to where Terraform runs. A missing or malformed build (neither kind, no assets, invalid JSON, an unknown output version, a path that leaves the directory, no `.next/standalone`) is an error at plan that names `build_dir`, the path and what is wrong."))
        .attribute(Attribute::new("build_kind", Type::String).optional().computed().validator(checks::build_kind()).description("`opennext` or `standalone`. Default: detected from `build_dir` (`open-next.output.json` in it: OpenNext; `.next/BUILD_ID` and `.next/standalone/`: standalone). Set it for an app directory that holds both builds. A directory that is not the kind given is an error at plan."))
        .attribute(Attribute::new("assets_bucket", Type::String).required().requires_replace().validator(checks::bucket("assets_bucket")).description("Bucket for the static assets (the CloudFront S3 origin). Changing it replaces the resource."))
        .attribute(Attribute::new("assets_prefix", Type::String).optional().computed().requires_replace().validator(checks::key_prefix("assets_prefix", true)).description("Key prefix of the assets, the S3 origin's origin path (`\"\"`: the bucket's root). Default: for OpenNext, from the build's `open-next.output.json` (`_assets`); for a standalone build `\"\"`, so that `/_next/static/*` and the public files' paths are their keys (an S3 origin without an origin path, as the six-stack edge stack's). Changing it replaces the resource."))
        .attribute(Attribute::new("cache_bucket", Type::String).optional().computed().requires_replace().validator(checks::bucket("cache_bucket")).description("OpenNext only: bucket for the ISR cache and the fetch cache (never public). Default: `assets_bucket`."))
        .attribute(Attribute::new("cache_prefix", Type::String).optional().computed().requires_replace().validator(checks::key_prefix("cache_prefix", false)).description("OpenNext only: key prefix of the cache (null for a standalone build). Default: from the build (`_cache`). Cache files go to `<cache_prefix>/<build_id>/`, the fetch cache to `<cache_prefix>/__fetch/<build_id>/`."))
        .attribute(Attribute::new("revalidation_table", Type::String).optional().requires_replace().description("OpenNext only: DynamoDB tag-cache table (`tag`/`path` keys) to seed from the build's `dynamodb-cache.json`. Without it no rows are written. Changing it replaces the resource."))
        .attribute(Attribute::new("distribution_id", Type::String).optional().description("CloudFront distribution to invalidate after a publish."))
        .attribute(Attribute::new("invalidation", Type::String).default_value("changed").validator(checks::invalidation()).description("`changed` (default): `/*` when the publish makes a new build id live (the cached pages are the old build's; the kept builds' hashed files stay, so its open pages still load their chunks), else the paths of un-hashed assets whose content changed (`/*` above CloudFront's 3,000-path limit); `all`: `/*` after every publish that changed something, the same build's included; `none`."))
        .attribute(Attribute::new("wait_for_invalidation", Type::Bool).default_value(false).description("Wait until CloudFront completes the invalidation (up to 20 minutes; a longer wait ends with a warning, the publish stands). Default `false`."))
        .attribute(Attribute::new("keep_previous_builds", Type::Number).default_value(1i64).validator(checks::keep_previous_builds()).description("How many previous builds keep their files (skew protection for visitors still running them), 0 to 50. Default `1`."))
        .attribute(Attribute::new("build_id", Type::String).computed().description("The published build's Next.js build id."))
        .attribute(Attribute::new("content_hash", Type::String).computed().description("sha256 of everything the build publishes (keys, contents, headers, tag rows). `drifted: ...` after published assets went missing or changed outside Terraform: the next apply repairs them. The ISR and fetch caches are not watched: after the seed they are the server function's, and an apply that does not change the build never writes over them. `incomplete: ...`: the last apply published the build but could not prune old builds; the next apply finishes the job."))
        .attribute(Attribute::new("builds", Type::list(Type::String)).computed().description("Build ids whose files are kept, newest (the published one) first."))
        .attribute(Attribute::new("invalidation_id", Type::String).computed().description("Id of the last CloudFront invalidation this resource created, if any."));
        for a in target::attributes(true) {
            block = block.attribute(a);
        }
        Schema::new(block)
    }

    /// The checks of single attributes are validators on them (see `schema` and `checks`); the warning needs two.
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if config.attr("wait_for_invalidation").as_bool() == Some(true) && config.attr("distribution_id").is_null() {
            diags.push(
                Diagnostic::warning(
                    "wait_for_invalidation without distribution_id",
                    "Nothing is invalidated without distribution_id, so there is nothing to wait for.",
                )
                .at(AttributePath::root("wait_for_invalidation")),
            );
        }
        diags
    }

    async fn modify_plan(&self, _ctx: Ctx<'_, Aws>, plan: &mut Plan) -> Diagnostics {
        let computed = ["build_id", "content_hash", "builds", "invalidation_id"];
        let config = plan.config.clone();
        if config.attr("cache_bucket").is_null() {
            plan.set("cache_bucket", config.attr("assets_bucket").clone());
        }
        let Some(build_dir) = config.attr("build_dir").as_str().map(str::to_string) else {
            for name in computed {
                plan.set_unknown(name);
            }
            for name in ["assets_prefix", "cache_prefix", "build_kind"] {
                if config.attr(name).is_null() {
                    plan.set_unknown(name);
                }
            }
            return Diagnostics::new();
        };
        let configured_kind = config.attr("build_kind").as_str().and_then(BuildKind::parse);
        let build = match LocalBuild::read(&build_dir, configured_kind).await {
            Ok(b) => b,
            Err(e) => {
                let mut d = build_error(e);
                if let Some(kind) = configured_kind {
                    d.detail = format!("{} (read as build_kind = \"{kind}\")", d.detail);
                }
                return d.into();
            }
        };
        plan.set("build_kind", Value::string(build.kind.as_str()));
        if build.kind == BuildKind::Standalone {
            let mut diags = Diagnostics::new();
            for (name, what) in OPENNEXT_ONLY {
                if !config.attr(name).is_null() {
                    diags.push(
                        Diagnostic::error(
                            format!("{name} with a standalone build"),
                            format!("{build_dir} is a standalone Next.js build, which has no {what} to publish (its server keeps them itself): remove {name}."),
                        )
                        .at(AttributePath::root(name)),
                    );
                }
            }
            if diags.has_errors() {
                return diags;
            }
        }
        if config.attr("assets_prefix").is_null() {
            plan.set("assets_prefix", Value::string(build.assets_prefix.clone()));
        }
        if config.attr("cache_prefix").is_null() {
            plan.set(
                "cache_prefix",
                build.cache_prefix.clone().map(Value::string).unwrap_or(Value::Null),
            );
        }
        match (
            plan.planned.attr("assets_bucket").as_str(),
            plan.planned.attr("assets_prefix").as_str(),
        ) {
            (Some(b), Some(p)) => plan.set("id", Value::string(format!("{b}/{p}"))),
            _ => plan.set_unknown("id"),
        }
        plan.set("build_id", Value::string(build.build_id.clone()));
        plan.set("content_hash", Value::string(build.content_hash.clone()));
        let prior = plan.prior.clone();
        let content_same = prior.attr("content_hash").as_str() == Some(build.content_hash.as_str());
        let keep_same = prior
            .attr("keep_previous_builds")
            .semantically_eq(plan.planned.attr("keep_previous_builds"));
        if !prior.is_null() && content_same && keep_same {
            plan.set("builds", prior.attr("builds").clone());
        } else {
            plan.set_unknown("builds");
        }
        let invalidates = !plan.planned.attr("distribution_id").is_null()
            && plan.planned.attr("invalidation").as_str() != Some("none");
        if invalidates && !content_same {
            plan.set_unknown("invalidation_id");
        } else {
            plan.set("invalidation_id", prior.attr("invalidation_id").clone());
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: Ctx<'_, Aws>, planned: Model, _config: Model) -> Result<Model, ApplyError<Model>> {
        let build = read_planned(&planned).await?;
        let clients = ctx.data.clients(&planned.target).await?;
        let dest = planned.destination();
        refuse_existing(&clients, &dest, &build.build_id).await?;
        let req = Request {
            clients: &clients,
            dest: &dest,
            build: &build,
            build_dir: &planned.build_dir,
            settings: planned.settings(),
            previous: Vec::new(),
            drifted: BTreeSet::new(),
            stop: ctx.stop,
        };
        let result = deploy::deploy(req).await;
        finish(planned, &clients, result)
    }

    async fn read(&self, ctx: Ctx<'_, Aws>, mut state: Model) -> Result<Option<Model>, Diagnostics> {
        // State written before standalone builds existed published OpenNext builds.
        state
            .build_kind
            .get_or_insert_with(|| BuildKind::OpenNext.as_str().to_string());
        let builds = state.builds.clone().unwrap_or_default();
        let Some(current) = builds.first() else {
            return Ok(Some(state));
        };
        let clients = ctx.data.clients(&state.target).await?;
        let dest = state.destination();
        let previous = manifests(&clients, &dest, &builds).await?;
        if previous.first().map(|m| &m.build_id) != Some(current) {
            tracing::info!(build_id = %current, "the published build's manifest is gone: the site is no longer there");
            return Ok(None);
        }
        // Published assets only: the cache prefix is the server function's after the seed (deploy::watched).
        let drifted = deploy::drift(&clients, &dest, &previous).await?;
        let expected = deploy::watched(&previous).len();
        let hash = state.content_hash.as_deref().unwrap_or("");
        let (was_drifted, incomplete) = (hash.starts_with(DRIFTED), hash.starts_with(INCOMPLETE));
        if drifted.is_empty() && was_drifted {
            // Repaired outside Terraform (or found by an earlier version that counted the caches' run-time
            // writes as drift): the published build is what the bucket holds.
            state.content_hash = previous.first().map(|m| m.content_hash.clone());
        }
        if !drifted.is_empty() && !incomplete {
            let sample: Vec<String> = drifted.iter().take(3).map(|(a, rel)| dest.key(*a, rel)).collect();
            tracing::info!(
                count = drifted.len(),
                ?sample,
                "published assets are missing or changed"
            );
            state.content_hash = Some(format!(
                "{DRIFTED}: {} of {expected} published assets are missing or changed (e.g. {})",
                drifted.len(),
                sample.join(", ")
            ));
        }
        Ok(Some(state))
    }

    async fn update(&self, ctx: Ctx<'_, Aws>, change: Change<Model>) -> Result<Model, ApplyError<Model>> {
        let Change { prior, planned, .. } = change;
        let build = read_planned(&planned).await?;
        let clients = ctx.data.clients(&planned.target).await?;
        let dest = planned.destination();
        let previous = manifests(&clients, &dest, &prior.builds.clone().unwrap_or_default()).await?;
        let prior_hash = prior.content_hash.as_deref().unwrap_or("");
        let drifted = if prior_hash.starts_with(DRIFTED) || prior_hash.starts_with(INCOMPLETE) {
            deploy::drift(&clients, &dest, &previous).await?
        } else {
            BTreeSet::new()
        };
        let req = Request {
            clients: &clients,
            dest: &dest,
            build: &build,
            build_dir: &planned.build_dir,
            settings: planned.settings(),
            previous,
            drifted,
            stop: ctx.stop,
        };
        let invalidation_before = prior.invalidation_id.clone();
        let result = deploy::deploy(req).await;
        let mut model = finish(planned, &clients, result)?;
        if model.invalidation_id.is_none() {
            model.invalidation_id = invalidation_before;
        }
        Ok(model)
    }

    async fn delete(&self, ctx: Ctx<'_, Aws>, state: Model) -> Result<(), Diagnostics> {
        let clients = ctx.data.clients(&state.target).await?;
        let dest = state.destination();
        let builds = state.builds.clone().unwrap_or_default();
        let previous = manifests(&clients, &dest, &builds).await?;
        let mut diags = Diagnostics::new();
        let entries: Vec<&super::manifest::Entry> = previous.iter().flat_map(|m| m.files.iter()).collect();
        if let Err(e) = ignore_missing_bucket(deploy::delete_entries(&clients, &dest, entries.into_iter()).await) {
            diags.push(e.into());
        }
        if let Some(table) = &dest.revalidation_table {
            let rows: Vec<(String, String)> = super::manifest::all_rows(&previous).into_iter().collect();
            if !rows.is_empty() {
                if let Err(e) = super::tag_table::delete(&clients, table, &rows).await {
                    diags.push(e);
                }
            }
        }
        if !diags.has_errors() {
            let keys: Vec<String> = builds.iter().map(|id| dest.manifest_key(id)).collect();
            if let Err(e) = ignore_missing_bucket(objects::delete(&clients, &dest.assets_bucket, &keys).await) {
                diags.push(e.into());
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// `[REGION:]BUCKET/ASSETS_PREFIX[@ROLE_ARN[|EXTERNAL_ID]]`, e.g. `site-assets/_assets`.
    async fn import(&self, ctx: Ctx<'_, Aws>, id: &str) -> Result<Model, Diagnostics> {
        let (head, role_arn, external_id) = target::split_import_id(id);
        let (region, rest) = match head.split_once(':') {
            Some((r, rest)) => (Some(r.to_string()), rest),
            None => (None, head),
        };
        // An empty prefix (`site-assets/`) is a site at the bucket's root.
        let Some((bucket, prefix)) = rest.split_once('/').filter(|(b, _)| !b.is_empty()) else {
            return Err(Diagnostic::error(
                "Invalid import id",
                format!("{id:?} must be BUCKET/ASSETS_PREFIX (optionally REGION: before it and @ROLE_ARN after it), e.g. site-assets/_assets, or site-assets/ for a site at the bucket's root."),
            )
            .into());
        };
        let target = Target {
            region,
            role_arn,
            external_id,
        };
        import_at(ctx, bucket, prefix, target).await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity_schema())
    }

    fn identity(&self, state: &Model) -> Option<NextjsSiteIdentity> {
        Some(NextjsSiteIdentity {
            assets_bucket: state.assets_bucket.clone(),
            assets_prefix: state.assets_prefix.clone().unwrap_or_default(),
            region: Some(state.target.region.clone()?),
            role_arn: state.target.role_arn.clone(),
        })
    }

    async fn import_by_identity(&self, ctx: Ctx<'_, Aws>, identity: NextjsSiteIdentity) -> Result<Model, Diagnostics> {
        if identity.assets_bucket.is_empty() {
            return Err(Diagnostic::error("Invalid import identity", "assets_bucket must not be empty.").into());
        }
        let target = Target {
            region: identity.region,
            role_arn: identity.role_arn,
            external_id: None,
        };
        import_at(ctx, &identity.assets_bucket, &identity.assets_prefix, target).await
    }
}

/// The newest build published under a bucket and prefix, as state.
async fn import_at(ctx: Ctx<'_, Aws>, bucket: &str, prefix: &str, target: Target) -> Result<Model, Diagnostics> {
    let clients = ctx.data.clients(&target).await.map_err(Diagnostic::from)?;
    let probe = Destination {
        assets_bucket: bucket.to_string(),
        assets_prefix: prefix.trim_matches('/').to_string(),
        cache_bucket: bucket.to_string(),
        cache_prefix: String::new(),
        revalidation_table: None,
    };
    let ids = objects::manifest_ids(&clients, &probe).await?;
    let mut found = manifests(&clients, &probe, &ids).await?;
    found.sort_by_key(|m| std::cmp::Reverse(m.sequence));
    let Some(newest) = found.first() else {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!(
                "s3://{bucket}/{} holds no build published by nextstack_nextjs_site.",
                probe.manifest_dir()
            ),
        )
        .into());
    };
    let (dest, settings) = (&newest.destination, &newest.settings);
    let kind = settings
        .build_kind
        .clone()
        .unwrap_or_else(|| BuildKind::OpenNext.as_str().to_string());
    let standalone = BuildKind::parse(&kind) == Some(BuildKind::Standalone);
    Ok(Model {
        id: Some(format!("{}/{}", dest.assets_bucket, dest.assets_prefix)),
        build_dir: newest.build_dir.clone(),
        build_kind: Some(kind),
        assets_bucket: dest.assets_bucket.clone(),
        assets_prefix: Some(dest.assets_prefix.clone()),
        cache_bucket: Some(dest.cache_bucket.clone()),
        cache_prefix: (!standalone).then(|| dest.cache_prefix.clone()),
        revalidation_table: dest.revalidation_table.clone(),
        distribution_id: settings.distribution_id.clone(),
        invalidation: Some(settings.invalidation.clone()),
        wait_for_invalidation: Some(settings.wait_for_invalidation),
        keep_previous_builds: Some(settings.keep_previous_builds as i64),
        target: Target {
            region: Some(clients.region.clone()),
            ..target
        },
        build_id: Some(newest.build_id.clone()),
        content_hash: Some(newest.content_hash.clone()),
        builds: Some(found.iter().map(|m| m.build_id.clone()).collect()),
        invalidation_id: None,
    })
}

/// The build, read again at apply; it must be what was planned.
async fn read_planned(planned: &Model) -> Result<LocalBuild, Diagnostic> {
    let build = LocalBuild::read(&planned.build_dir, planned.kind())
        .await
        .map_err(build_error)?;
    if let Some(hash) = planned.content_hash.as_deref() {
        if hash != build.content_hash {
            return Err(Diagnostic::error(
                "The build changed after plan",
                format!(
                    "{} no longer holds the build that was planned (planned {hash}, found {}). Plan again.",
                    planned.build_dir, build.content_hash
                ),
            )
            .at(AttributePath::root("build_dir")));
        }
    }
    Ok(build)
}

/// A new resource must not take over a site another resource (or an earlier state) publishes there.
async fn refuse_existing(clients: &Clients, dest: &Destination, build_id: &str) -> Result<(), Diagnostic> {
    let ids = objects::manifest_ids(clients, dest).await?;
    if ids.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::error(
        "A site is already published here",
        format!(
            "s3://{}/{} holds builds published by another nextstack_nextjs_site ({}); this one would be building {build_id}. Import it (terraform import ... {}/{}) or choose another assets_prefix.",
            dest.assets_bucket,
            dest.manifest_dir(),
            ids.join(", "),
            dest.assets_bucket,
            dest.assets_prefix
        ),
    )
    .at(AttributePath::root("assets_prefix")))
}

/// The manifests of `builds` that still exist, in the order given (newest first).
async fn manifests(clients: &Clients, dest: &Destination, builds: &[String]) -> Result<Vec<Manifest>, Diagnostic> {
    let mut out = Vec::with_capacity(builds.len());
    for id in builds {
        // `get_manifest` answers `None` for a manifest or bucket that is gone.
        match objects::get_manifest(clients, dest, id).await? {
            Some(m) => out.push(m),
            _ => {
                tracing::warn!(build_id = %id, "the manifest of a kept build is gone; its files are no longer tracked")
            }
        }
    }
    Ok(out)
}

/// A bucket that is gone holds nothing of ours: not an error when reading or deleting.
fn ignore_missing_bucket(r: Result<(), AwsError>) -> Result<(), AwsError> {
    match r {
        Err(e) if e.has_code("NoSuchBucket") => Ok(()),
        other => other,
    }
}

#[allow(clippy::result_large_err)] // the type `Resource::create` and `update` return
fn finish(
    planned: Model,
    clients: &Clients,
    result: Result<deploy::Deployed, Failed>,
) -> Result<Model, ApplyError<Model>> {
    let deployed = match result {
        Ok(d) => d,
        Err(Failed(diags)) => return Err(diags.into()),
    };
    tracing::info!(
        uploaded = deployed.uploaded,
        deleted = deployed.deleted,
        builds = ?deployed.builds,
        "published the Next.js build"
    );
    let mut model = Model {
        id: Some(format!(
            "{}/{}",
            planned.assets_bucket,
            planned.assets_prefix.clone().unwrap_or_default()
        )),
        cache_bucket: Some(
            planned
                .cache_bucket
                .clone()
                .unwrap_or_else(|| planned.assets_bucket.clone()),
        ),
        build_id: Some(deployed.manifest.build_id.clone()),
        content_hash: Some(deployed.manifest.content_hash.clone()),
        builds: Some(deployed.builds.clone()),
        invalidation_id: deployed.invalidation_id.clone(),
        target: Target {
            region: Some(clients.region.clone()),
            ..planned.target.clone()
        },
        ..planned
    };
    if deployed.late_errors.is_empty() {
        return Ok(model);
    }
    if deployed.late_errors.has_errors() {
        // Published, but something after it failed: the next plan shows an update that finishes the job.
        model.content_hash = Some(format!(
            "{INCOMPLETE}: the last apply published {} but failed afterwards",
            deployed.manifest.build_id
        ));
    }
    Err(ApplyError::keep(model, deployed.late_errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{triple, validation_problems};
    use tfplugin_framework::schema::model_mismatches;

    /// The wording and paths of the attribute validators, and the warning that needs two attributes.
    #[test]
    fn bad_input_is_refused_naming_the_attribute() {
        let found = validation_problems(
            &NextjsSiteResource.schema(),
            |c| NextjsSiteResource.validate(c),
            serde_json::json!({
                "build_dir": "app",
                "build_kind": "static",
                "assets_bucket": "Assets",
                "assets_prefix": "/_assets",
                "cache_bucket": "cache",
                "cache_prefix": "",
                "invalidation": "some",
                "keep_previous_builds": 51,
                "wait_for_invalidation": true,
            }),
        );
        assert_eq!(
            found,
            [
                triple(
                    "Invalid build_kind",
                    r#"build_kind is "static"; it must be "opennext" or "standalone" (or unset, to detect it from build_dir)."#,
                    "build_kind"
                ),
                triple(
                    "Invalid assets_bucket",
                    r#"assets_bucket is "Assets", which is not an S3 bucket name (3-63 lowercase letters, digits, '-' and '.')."#,
                    "assets_bucket"
                ),
                triple(
                    "Invalid assets_prefix",
                    r#"assets_prefix is "/_assets"; it must be a key prefix without leading or trailing "/", e.g. "_assets" ("" for the bucket's root)."#,
                    "assets_prefix"
                ),
                triple(
                    "Invalid cache_prefix",
                    r#"cache_prefix is ""; it must be a key prefix without leading or trailing "/", e.g. "_assets", not empty."#,
                    "cache_prefix"
                ),
                triple(
                    "Invalid invalidation",
                    r#"invalidation is "some"; it must be one of "changed", "all" or "none"."#,
                    "invalidation"
                ),
                triple(
                    "Invalid keep_previous_builds",
                    "keep_previous_builds is 51; it must be between 0 and 50.",
                    "keep_previous_builds"
                ),
                triple(
                    "wait_for_invalidation without distribution_id",
                    "Nothing is invalidated without distribution_id, so there is nothing to wait for.",
                    "wait_for_invalidation"
                ),
            ]
        );
    }

    /// Every field set: a field of the model that the schema lacks (or the reverse) fails here instead of
    /// being dropped on the way to Terraform.
    #[test]
    fn model_matches_schema() {
        let model = Model {
            id: Some("assets/_assets".into()),
            build_dir: "app/.open-next".into(),
            build_kind: Some("opennext".into()),
            assets_bucket: "assets".into(),
            assets_prefix: Some("_assets".into()),
            cache_bucket: Some("cache".into()),
            cache_prefix: Some("_cache".into()),
            revalidation_table: Some("tags".into()),
            distribution_id: Some("E1".into()),
            invalidation: Some("changed".into()),
            wait_for_invalidation: Some(false),
            keep_previous_builds: Some(1),
            target: Target {
                region: Some("eu-west-1".into()),
                role_arn: Some("arn:aws:iam::111111111111:role/deploy".into()),
                external_id: Some("x".into()),
            },
            build_id: Some("b1".into()),
            content_hash: Some("sha256".into()),
            builds: Some(vec!["b1".into()]),
            invalidation_id: Some("I1".into()),
        };
        let json = serde_json::to_value(&model).unwrap();
        assert_eq!(
            model_mismatches(&NextjsSiteResource.schema().value_type(), &json),
            Vec::<String>::new()
        );
    }
}
