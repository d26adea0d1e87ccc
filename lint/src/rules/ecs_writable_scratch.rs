//! ## What it does
//! Checks that every container with a read-only root filesystem in an `aws_ecs_task_definition`
//! has a writable mount for `/tmp` and, when it is a Next.js container, for its `.next/cache`.
//! The containers are those of `container_definitions` with `readonlyRootFilesystem = true`; the
//! Next.js cache is `/app/.next/cache` by default (the `WORKDIR` of a standalone Next.js image).
//! A path counts as writable when it is, or lies under, the `containerPath` of:
//!
//! - a `linuxParameters.tmpfs` mount (without the `ro` mount option), or
//! - a `mountPoints` entry whose `readOnly` is false or absent and whose `sourceVolume` names a
//!   `volume` of the task (a bind mount on the task's ephemeral storage, EFS, a Docker volume).
//!
//! A container is taken for Next.js when its image (tag and digest dropped) or its name matches
//! one of the `nextjs_images` / `nextjs_names` globs (default `*nextjs*`, `*next-js*`,
//! `*next.js*`), when one of its `environment` variable names matches `nextjs_env` (default
//! `NEXT_*`: `NEXT_PUBLIC_*`, `NEXT_TELEMETRY_DISABLED`, ...), or when one of its `dockerLabels`,
//! written `key=value`, matches `nextjs_labels` (default `*=nextjs`). Globs ignore case. The
//! container definitions may be `jsonencode(...)`, heredoc JSON, `file(...)` /
//! `templatefile(...)`, and are followed through module inputs. `.nextstack-lint.toml` sets the
//! paths and the hints; each key given replaces its default:
//!
//! ```toml
//! [ecs-writable-scratch]
//! paths = ["/tmp"]                          # every container with a read-only root
//! nextjs_paths = ["/app/.next/cache"]       # a Next.js container, as well
//! nextjs_images = ["*nextjs*", "*/web-*"]   # globs on the image, tag and digest dropped
//! nextjs_names = ["*nextjs*"]               # globs on the container name
//! nextjs_env = ["NEXT_*"]                   # globs on environment variable names
//! nextjs_labels = ["framework=nextjs"]      # globs on docker labels as key=value
//! ```
//!
//! ## Why is this bad?
//! With a read-only root, every write outside a mount fails with `EROFS` (read-only file
//! system). Node.js and most libraries write temporary files to `/tmp`, and a Next.js server
//! writes the pages incremental static regeneration (ISR) renders, and its optimised images, to
//! `.next/cache`: without a writable mount there, regeneration fails with
//! `EROFS: read-only file system, open '.next/cache/...'`. In the reference architecture's
//! incident the containers failed that way and the deployment circuit breaker rolled every
//! deploy back; without a circuit breaker and health checks the failure is silent and the site
//! serves stale pages indefinitely. The read-only root is right (see
//! `ecs-read-only-root-filesystem`); it needs its scratch space declared.
//!
//! ## Example
//! ```hcl
//! resource "aws_ecs_task_definition" "app" {
//!   family = "app"
//!   container_definitions = jsonencode([{
//!     name                   = "nextjs"
//!     image                  = "shop/nextjs:1"
//!     readonlyRootFilesystem = true
//!     linuxParameters        = { tmpfs = [{ containerPath = "/tmp", size = 64 }] }
//!   }])
//! }
//! ```
//!
//! Use instead:
//! ```hcl
//! resource "aws_ecs_task_definition" "app" {
//!   family = "app"
//!   container_definitions = jsonencode([{
//!     name                   = "nextjs"
//!     image                  = "shop/nextjs:1"
//!     readonlyRootFilesystem = true
//!     linuxParameters = {
//!       tmpfs = [
//!         { containerPath = "/tmp", size = 64 },
//!         { containerPath = "/app/.next/cache", size = 256 },
//!       ]
//!     }
//!   }])
//! }
//! ```
//!
//! On Fargate, which has no tmpfs mounts, use task volumes on its ephemeral storage:
//! ```hcl
//!   volume { name = "tmp" }
//!   volume { name = "next-cache" }
//!   # in the container:
//!   mountPoints = [
//!     { sourceVolume = "tmp", containerPath = "/tmp" },
//!     { sourceVolume = "next-cache", containerPath = "/app/.next/cache" },
//!   ]
//! ```
//!
//! ## Known blind spots
//! "Cannot verify" when the container list, a container, its mounts, the task's volume names
//! (a `dynamic "volume"` whose `for_each` is unknown) or its `readonlyRootFilesystem` are not
//! known statically and a path is not covered by the mounts that are known, and when a container
//! uses `volumesFrom` (another container's volumes are not followed). A container is taken for
//! Next.js only on what is known: one whose image, name, environment and labels are unknown or
//! match no hint is checked for `paths` only, and one that may or may not match (a conditional
//! image) is "cannot verify" for the Next.js paths. A standalone build whose working directory
//! is not `/app` needs `nextjs_paths`. The rule does not check that a tmpfs mount is allowed
//! (ECS rejects `tmpfs` on Fargate), that a mount is large enough, or that an EFS access point
//! is writable.
//!
//! ## References
//! - [ECS task definition parameters: readonlyRootFilesystem, mountPoints, linuxParameters.tmpfs](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html)
//! - [Bind mounts on Fargate ephemeral storage](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html)
//! - [Next.js self-hosting: caching and ISR (`.next/cache`)](https://nextjs.org/docs/app/guides/self-hosting#caching-and-isr)

use super::ecs_read_only_root_filesystem::{container_definitions, Containers};
use super::{Outcome, RuleContext};
use crate::eval::EvalBlock;
use crate::value::Value;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

pub const DEFAULT_PATHS: &[&str] = &["/tmp"];
pub const DEFAULT_NEXTJS_PATHS: &[&str] = &["/app/.next/cache"];
pub const DEFAULT_NEXTJS_IMAGES: &[&str] = &["*nextjs*", "*next-js*", "*next.js*"];
pub const DEFAULT_NEXTJS_NAMES: &[&str] = &["*nextjs*", "*next-js*", "*next.js*"];
pub const DEFAULT_NEXTJS_ENV: &[&str] = &["NEXT_*"];
pub const DEFAULT_NEXTJS_LABELS: &[&str] = &["*=nextjs"];

/// Globs matched without regard to case.
#[derive(Debug, Clone)]
pub struct Globs(GlobSet);

impl Globs {
    /// `Err((pattern, reason))` names the first pattern that is not a glob.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Globs, (String, String)> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            let p = p.as_ref();
            let glob = GlobBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| (p.to_string(), e.to_string()))?;
            b.add(glob);
        }
        b.build().map(Globs).map_err(|e| (String::new(), e.to_string()))
    }

    pub fn matches(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

/// The rule's settings: `[ecs-writable-scratch]` in `.nextstack-lint.toml`.
#[derive(Debug, Clone)]
pub struct ScratchSettings {
    /// Paths every container with a read-only root needs writable.
    pub paths: Vec<String>,
    /// Paths a Next.js container needs writable as well.
    pub nextjs_paths: Vec<String>,
    pub nextjs_images: Globs,
    pub nextjs_names: Globs,
    pub nextjs_env: Globs,
    pub nextjs_labels: Globs,
}

/// The keys of `[ecs-writable-scratch]`; each one given replaces its default.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScratchSettings {
    paths: Option<Vec<String>>,
    nextjs_paths: Option<Vec<String>>,
    nextjs_images: Option<Vec<String>>,
    nextjs_names: Option<Vec<String>>,
    nextjs_env: Option<Vec<String>>,
    nextjs_labels: Option<Vec<String>>,
}

impl ScratchSettings {
    /// `Err((key, pattern or path, reason))` names what is wrong.
    pub fn new(raw: RawScratchSettings) -> Result<ScratchSettings, (String, String, String)> {
        let paths = |key: &str, v: Option<Vec<String>>, default: &[&str]| {
            let v = v.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
            match v.iter().find(|p| !p.starts_with('/')) {
                Some(p) => Err((key.to_string(), p.clone(), "not an absolute path".to_string())),
                None => Ok(v),
            }
        };
        let globs = |key: &str, v: Option<Vec<String>>, default: &[&str]| {
            let r = match v {
                Some(v) => Globs::new(&v),
                None => Globs::new(default),
            };
            r.map_err(|(p, e)| (key.to_string(), p, e))
        };
        Ok(ScratchSettings {
            paths: paths("paths", raw.paths, DEFAULT_PATHS)?,
            nextjs_paths: paths("nextjs_paths", raw.nextjs_paths, DEFAULT_NEXTJS_PATHS)?,
            nextjs_images: globs("nextjs_images", raw.nextjs_images, DEFAULT_NEXTJS_IMAGES)?,
            nextjs_names: globs("nextjs_names", raw.nextjs_names, DEFAULT_NEXTJS_NAMES)?,
            nextjs_env: globs("nextjs_env", raw.nextjs_env, DEFAULT_NEXTJS_ENV)?,
            nextjs_labels: globs("nextjs_labels", raw.nextjs_labels, DEFAULT_NEXTJS_LABELS)?,
        })
    }
}

impl Default for ScratchSettings {
    fn default() -> Self {
        // The defaults are valid (the unit tests build them).
        ScratchSettings::new(RawScratchSettings::default()).unwrap_or_else(|_| ScratchSettings {
            paths: vec![],
            nextjs_paths: vec![],
            nextjs_images: Globs(GlobSet::empty()),
            nextjs_names: Globs(GlobSet::empty()),
            nextjs_env: Globs(GlobSet::empty()),
            nextjs_labels: Globs(GlobSet::empty()),
        })
    }
}

/// An image reference without its digest and tag: `repo/app:1@sha256:...` -> `repo/app`.
fn image_name(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match (image.rfind(':'), image.rfind('/')) {
        // A colon after the last slash starts the tag; one before it is a registry's port.
        (Some(c), Some(s)) if c > s => &image[..c],
        (Some(c), None) => &image[..c],
        _ => image,
    }
}

/// Whether the container is a Next.js one, and the hint that says so.
#[derive(Debug, Clone, PartialEq)]
enum NextJs {
    Yes(String),
    /// A hint matches some candidates of a value (a conditional image, say) and not others.
    Maybe(String),
    No,
}

/// What one hint says: `Some((every, matched))` when a candidate of `v` matches (`every`: all of
/// them do, so the hint holds), `None` when none does (an unknown value matches nothing).
fn hint(v: &Value, is: impl Fn(&str) -> bool) -> Option<(bool, String)> {
    let c = v.candidates();
    let matched = c.iter().filter_map(Value::as_str).find(|s| is(s))?;
    let every = c.iter().all(|x| x.as_str().is_some_and(&is));
    Some((every, matched.to_string()))
}

fn nextjs(s: &ScratchSettings, c: &Value) -> NextJs {
    // (every candidate matches, what matched, the match)
    let mut hints: Vec<(bool, &str, String)> = Vec::new();
    let mut add = |v: Option<(bool, String)>, what: &'static str| {
        if let Some((every, m)) = v {
            hints.push((every, what, m));
        }
    };
    if let Some(image) = c.get_attr("image") {
        add(hint(&image, |i| s.nextjs_images.matches(image_name(i))), "image");
    }
    if let Some(name) = c.get_attr("name") {
        add(hint(&name, |n| s.nextjs_names.matches(n)), "name");
    }
    if let Some(env) = c.get_attr("environment").as_ref().and_then(Value::as_list) {
        for e in env {
            if let Some(n) = e.get_attr("name") {
                add(hint(&n, |n| s.nextjs_env.matches(n)), "environment variable");
            }
        }
    }
    if let Some(labels) = c.get_attr("dockerLabels").as_ref().and_then(Value::as_map) {
        for (k, v) in labels {
            let kv: Vec<Value> = v
                .candidates()
                .iter()
                .map(|v| match v.as_str() {
                    Some(v) => Value::str(format!("{k}={v}")),
                    None => Value::Unknown,
                })
                .collect();
            add(hint(&Value::one_of(kv), |x| s.nextjs_labels.matches(x)), "label");
        }
    }
    if let Some((_, what, m)) = hints.iter().find(|(every, ..)| *every) {
        return NextJs::Yes(format!("its {what} `{m}`"));
    }
    match hints.first() {
        Some((_, what, m)) => NextJs::Maybe(format!("its {what} may be `{m}`")),
        None => NextJs::No,
    }
}

/// The paths a container may write to, and whether some mount is not known.
#[derive(Debug, Default, PartialEq)]
struct Mounts {
    writable: Vec<String>,
    unknown: bool,
}

fn mounts(task: &EvalBlock, c: &Value) -> Mounts {
    let mut m = Mounts::default();
    let path = |m: &mut Mounts, p: Option<Value>| match p.as_ref().and_then(Value::as_str) {
        Some(p) => m.writable.push(p.to_string()),
        None => m.unknown = true,
    };
    match c.get_attr("linuxParameters").and_then(|l| l.get_attr("tmpfs")) {
        None | Some(Value::Null) => {}
        Some(t) => match t.as_list() {
            None => m.unknown = true,
            Some(list) => {
                for t in list {
                    let ro = t
                        .get_attr("mountOptions")
                        .as_ref()
                        .and_then(Value::as_list)
                        .is_some_and(|o| o.iter().any(|o| o.as_str() == Some("ro")));
                    if !ro {
                        path(&mut m, t.get_attr("containerPath"));
                    }
                }
            }
        },
    }
    // The task's volumes: their names, and whether one may exist whose name is not known.
    let volumes: Vec<Option<String>> = task
        .blocks("volume")
        .map(|v| match v.value("name").as_str() {
            Some(n) if !v.maybe => Some(n.to_string()),
            _ => None,
        })
        .collect();
    match c.get_attr("mountPoints") {
        None | Some(Value::Null) => {}
        Some(mp) => match mp.as_list() {
            None => m.unknown = true,
            Some(list) => {
                for mp in list {
                    match mp.get_attr("readOnly").unwrap_or(Value::Null) {
                        Value::Null => {}
                        v if v.as_bool() == Some(false) => {}
                        v if v.as_bool() == Some(true) => continue,
                        _ => {
                            m.unknown = true;
                            continue;
                        }
                    }
                    let source = mp.get_attr("sourceVolume");
                    match source.as_ref().and_then(Value::as_str) {
                        Some(s) if volumes.iter().any(|v| v.as_deref() == Some(s)) => {
                            path(&mut m, mp.get_attr("containerPath"))
                        }
                        Some(_) if volumes.iter().all(Option::is_some) => {}
                        _ => m.unknown = true,
                    }
                }
            }
        },
    }
    match c.get_attr("volumesFrom") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_list().is_some_and(<[Value]>::is_empty) => {}
        Some(_) => m.unknown = true,
    }
    m
}

/// Whether `path` is `mount` or lies under it.
fn covers(mount: &str, path: &str) -> bool {
    let (mount, path) = (mount.trim_end_matches('/'), path.trim_end_matches('/'));
    path == mount || path.starts_with(&format!("{mount}/"))
}

/// What is wrong with one container, if anything.
#[derive(Debug, PartialEq)]
enum Finding {
    /// Paths not writable (each with why it is required).
    Fail(Vec<String>),
    /// Why the container cannot be verified.
    Unknown(String),
}

fn judge(s: &ScratchSettings, task: &EvalBlock, c: &Value) -> Option<Finding> {
    match c {
        Value::Map(_) | Value::OneOf(_) => {}
        v if v.is_unknown() => return Some(Finding::Unknown("the container is not known statically".into())),
        _ => return None,
    }
    let read_only = c.get_attr("readonlyRootFilesystem").unwrap_or(Value::Null);
    let read_only = super::truthy(&read_only);
    if read_only == Some(false) {
        return None;
    }
    let m = mounts(task, c);
    let uncovered = |p: &&String| !m.writable.iter().any(|w| covers(w, p));
    let mut missing: Vec<String> = s.paths.iter().filter(uncovered).map(|p| format!("`{p}`")).collect();
    let next = nextjs(s, c);
    let mut maybe_next = None;
    let next_missing: Vec<&String> = s.nextjs_paths.iter().filter(uncovered).collect();
    match &next {
        NextJs::Yes(why) if !next_missing.is_empty() => {
            let list: Vec<String> = next_missing.iter().map(|p| format!("`{p}`")).collect();
            missing.push(format!(
                "{} (a Next.js container, recognised by {why})",
                list.join(" or ")
            ));
        }
        NextJs::Maybe(why) if !next_missing.is_empty() => maybe_next = Some(why.clone()),
        _ => {}
    }
    if missing.is_empty() {
        return maybe_next.map(|why| {
            Finding::Unknown(format!(
                "whether it is a Next.js container that needs {} is not known statically ({why})",
                next_missing
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ))
        });
    }
    if read_only.is_none() {
        return Some(Finding::Unknown(format!(
            "it has no writable mount for {}, and whether its root filesystem is read-only is not known statically",
            missing.join(", ")
        )));
    }
    if m.unknown {
        return Some(Finding::Unknown(format!(
            "its root filesystem is read-only and whether it has a writable mount for {} is not known statically (a mount, a task volume or `volumesFrom` is not known)",
            missing.join(", ")
        )));
    }
    Some(Finding::Fail(missing))
}

pub fn check(ctx: &RuleContext) {
    let s = &ctx.config.writable_scratch;
    ctx.each("aws_ecs_task_definition", |hit| {
        let b = hit.block;
        let span = b.span_of("container_definitions");
        let task = format!("aws_ecs_task_definition.{}", b.name);
        let list = match container_definitions(b) {
            Containers::List(l) => l,
            Containers::Absent => return,
            Containers::Invalid | Containers::Unknown => {
                ctx.report(
                    hit.inst,
                    b,
                    span,
                    Outcome::Unknown,
                    format!("whether the read-only containers of {task} have writable scratch space: their definitions are not known statically"),
                    None,
                );
                return;
            }
        };
        // One finding per task definition (one source location), naming every container.
        let (mut failing, mut unknown) = (Vec::new(), Vec::new());
        for (i, c) in list.iter().enumerate() {
            let name = c
                .get_attr("name")
                .and_then(|n| n.as_str().map(|s| format!("container `{s}`")))
                .unwrap_or_else(|| format!("container #{}", i + 1));
            match judge(s, b, c) {
                None => {}
                Some(Finding::Fail(paths)) => failing.push(format!("{name} has no writable mount for {}", paths.join(" or "))),
                Some(Finding::Unknown(why)) => unknown.push(format!("{name}: {why}")),
            }
        }
        if !failing.is_empty() {
            ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Fail,
                format!("read-only root filesystem without writable scratch space in {task}: {}", failing.join("; ")),
                Some("mount a tmpfs (`linuxParameters.tmpfs`) or a task volume (`mountPoints`, `readOnly = false`) at each path; writes elsewhere fail with EROFS"),
            );
        } else if !unknown.is_empty() {
            ctx.report(
                hit.inst,
                b,
                span,
                Outcome::Unknown,
                format!("writable scratch space in {task}: {}", unknown.join("; ")),
                None,
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Map>())
    }

    fn tmpfs(paths: &[&str]) -> Value {
        let list = paths
            .iter()
            .map(|p| obj(&[("containerPath", Value::str(*p))]))
            .collect();
        obj(&[("tmpfs", Value::list(list))])
    }

    fn container(name: &str, image: Value, extra: &[(&str, Value)]) -> Value {
        let mut pairs = vec![
            ("name", Value::str(name)),
            ("image", image),
            ("readonlyRootFilesystem", Value::Bool(true)),
        ];
        pairs.extend_from_slice(extra);
        obj(&pairs)
    }

    fn task(volumes: &[(&str, bool)]) -> EvalBlock {
        let span = crate::source::Span::new(0, 0..0);
        let block = |ident: &str, attrs: Vec<(&str, Value)>, maybe: bool| EvalBlock {
            ident: ident.into(),
            name: "app".into(),
            span: span.clone(),
            head_span: span.clone(),
            attrs: attrs
                .into_iter()
                .map(|(k, v)| {
                    let a = crate::eval::EvalAttr {
                        value: v,
                        span: span.clone(),
                    };
                    (k.to_string(), a)
                })
                .collect(),
            blocks: vec![],
            maybe,
        };
        let mut t = block("aws_ecs_task_definition", vec![], false);
        t.blocks = volumes
            .iter()
            .map(|(n, maybe)| block("volume", vec![("name", Value::str(*n))], *maybe))
            .collect();
        t
    }

    #[test]
    fn the_defaults_build() {
        let s = ScratchSettings::default();
        assert_eq!(s.paths, DEFAULT_PATHS);
        assert_eq!(s.nextjs_paths, DEFAULT_NEXTJS_PATHS);
        assert!(s.nextjs_images.matches("shop/NextJS-site") && !s.nextjs_images.matches("shop/next"));
        assert!(s.nextjs_env.matches("NEXT_PUBLIC_API") && !s.nextjs_env.matches("NODE_ENV"));
        assert!(s.nextjs_labels.matches("framework=nextjs"));
    }

    #[test]
    fn an_image_name_drops_tag_and_digest_but_not_a_registry_port() {
        assert_eq!(image_name("shop/nextjs:1.2"), "shop/nextjs");
        assert_eq!(image_name("nextjs@sha256:abc"), "nextjs");
        assert_eq!(image_name("reg:5000/web:3@sha256:abc"), "reg:5000/web");
        assert_eq!(image_name("reg:5000/web"), "reg:5000/web");
        // The tag is not part of the name: `web:nextjs` is no Next.js image.
        assert!(!ScratchSettings::default()
            .nextjs_images
            .matches(image_name("shop/web:nextjs")));
    }

    #[test]
    fn a_path_is_covered_by_its_mount_or_a_parent_mount() {
        assert!(covers("/tmp", "/tmp"));
        assert!(covers("/tmp/", "/tmp"));
        assert!(covers("/app/.next", "/app/.next/cache"));
        assert!(covers("/", "/tmp"));
        assert!(!covers("/app/.next/cache", "/app/.next"));
        assert!(!covers("/tm", "/tmp"));
    }

    #[test]
    fn a_nextjs_container_is_recognised_by_image_name_environment_or_label() {
        let s = ScratchSettings::default();
        let plain = |extra: &[(&str, Value)]| container("web", Value::str("shop/web:1"), extra);
        assert_eq!(nextjs(&s, &plain(&[])), NextJs::No);
        assert_eq!(
            nextjs(&s, &container("web", Value::str("shop/nextjs:1"), &[])),
            NextJs::Yes("its image `shop/nextjs:1`".into())
        );
        assert_eq!(
            nextjs(&s, &container("nextjs", Value::Unknown, &[])),
            NextJs::Yes("its name `nextjs`".into())
        );
        let env = Value::list(vec![obj(&[("name", Value::str("NEXT_PUBLIC_SITE"))])]);
        assert!(matches!(nextjs(&s, &plain(&[("environment", env)])), NextJs::Yes(_)));
        let labels = obj(&[("framework", Value::str("nextjs"))]);
        assert!(matches!(
            nextjs(&s, &plain(&[("dockerLabels", labels)])),
            NextJs::Yes(_)
        ));
        // An unknown image is no hint; one of two images is a maybe.
        assert_eq!(nextjs(&s, &container("web", Value::Unknown, &[])), NextJs::No);
        let either = Value::one_of([Value::str("shop/nextjs:1"), Value::str("shop/api:1")]);
        assert_eq!(
            nextjs(&s, &container("web", either, &[])),
            NextJs::Maybe("its image may be `shop/nextjs:1`".into())
        );
    }

    #[test]
    fn mounts_count_when_writable_and_backed_by_a_task_volume() {
        let s = ScratchSettings::default();
        let mp = |source: &str, path: &str, ro: Value| {
            obj(&[
                ("sourceVolume", Value::str(source)),
                ("containerPath", Value::str(path)),
                ("readOnly", ro),
            ])
        };
        let c = |mps: Vec<Value>| container("api", Value::str("api:1"), &[("mountPoints", Value::list(mps))]);
        let vols = task(&[("tmp", false)]);
        assert_eq!(judge(&s, &vols, &c(vec![mp("tmp", "/tmp", Value::Null)])), None);
        assert_eq!(judge(&s, &vols, &c(vec![mp("tmp", "/tmp", Value::Bool(false))])), None);
        let fail = Some(Finding::Fail(vec!["`/tmp`".into()]));
        assert_eq!(judge(&s, &vols, &c(vec![mp("tmp", "/tmp", Value::Bool(true))])), fail);
        // No such volume.
        assert_eq!(judge(&s, &vols, &c(vec![mp("other", "/tmp", Value::Null)])), fail);
        // A volume of a dynamic block with an unknown for_each may be the one.
        let maybe = task(&[("x", true)]);
        assert!(matches!(
            judge(&s, &maybe, &c(vec![mp("tmp", "/tmp", Value::Null)])),
            Some(Finding::Unknown(_))
        ));
        assert!(matches!(
            judge(&s, &vols, &c(vec![mp("tmp", "/tmp", Value::Unknown)])),
            Some(Finding::Unknown(_))
        ));
    }

    #[test]
    fn a_read_only_nextjs_container_needs_both_paths_and_a_writable_root_none() {
        let s = ScratchSettings::default();
        let t = task(&[]);
        let web = |paths: &[&str]| container("web", Value::str("shop/nextjs:1"), &[("linuxParameters", tmpfs(paths))]);
        assert_eq!(judge(&s, &t, &web(&["/tmp", "/app/.next/cache"])), None);
        assert_eq!(
            judge(&s, &t, &web(&["/tmp"])),
            Some(Finding::Fail(vec![
                "`/app/.next/cache` (a Next.js container, recognised by its image `shop/nextjs:1`)".into()
            ]))
        );
        let writable = obj(&[("name", Value::str("web")), ("image", Value::str("shop/nextjs:1"))]);
        assert_eq!(judge(&s, &t, &writable), None);
        let unknown_root = obj(&[
            ("name", Value::str("web")),
            ("image", Value::str("api:1")),
            ("readonlyRootFilesystem", Value::Unknown),
        ]);
        assert!(matches!(judge(&s, &t, &unknown_root), Some(Finding::Unknown(_))));
        assert!(matches!(judge(&s, &t, &Value::Unknown), Some(Finding::Unknown(_))));
        // A ro tmpfs is not scratch space.
        let ro = obj(&[(
            "tmpfs",
            Value::list(vec![obj(&[
                ("containerPath", Value::str("/tmp")),
                ("mountOptions", Value::list(vec![Value::str("ro")])),
            ])]),
        )]);
        let api = container("api", Value::str("api:1"), &[("linuxParameters", ro)]);
        assert_eq!(judge(&s, &t, &api), Some(Finding::Fail(vec!["`/tmp`".into()])));
    }
}
