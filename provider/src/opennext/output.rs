//! `open-next.output.json`: origins, behaviours, function bundles and where the build's files go.
//!
//! The layout is the one OpenNext has written since 3.0 (and still writes in 4.x): `origins` with an `s3`
//! origin whose `copy` list maps build directories to bucket prefixes, function origins with a `bundle`
//! directory, `behaviors` in CloudFront order, and `additionalProps` for the warmer, revalidation and
//! initialization functions. Paths in it are relative to the project (`.open-next/...`); they are resolved
//! against the build directory itself so that a build moved or renamed after `open-next build` still reads.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde_json::Value as Json;

pub const OUTPUT_FILE: &str = "open-next.output.json";
/// The directory name OpenNext writes and uses as the first component of every path in the output file.
const BUILD_DIR_NAME: &str = ".open-next";
/// Output formats this reader understands, when the file names one (OpenNext 3 and 4 write none).
const KNOWN_FORMAT_VERSIONS: &[&str] = &["3", "4"];

/// A build that cannot be used: the path at fault and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    pub path: PathBuf,
    pub problem: String,
}

impl BuildError {
    pub fn new(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        BuildError {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for BuildError {}

/// One `copy` entry of the S3 origin: a build directory and the bucket prefix it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyEntry {
    pub from: PathBuf,
    pub to: String,
    /// `true` for static assets (served through CloudFront), `false` for the ISR cache (read by the server).
    pub cached: bool,
    /// The sub-directory of `from` whose files are content-hashed (`_next`), if any.
    pub versioned_sub_dir: Option<String>,
}

/// A function origin or additional function: its bundle directory and entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionBundle {
    /// The key it is known by: an origin name (`default`, `imageOptimizer`, split functions) or
    /// `warmer`, `revalidation`, `initialization`, or `edge:<name>` for an edge function.
    pub name: String,
    pub role: FunctionRole,
    pub bundle: PathBuf,
    pub handler: String,
    pub streaming: bool,
    /// The OpenNext wrapper and converter the bundle was built with (`aws-lambda`, `aws-apigw-v2`, or a custom
    /// override's `name`), when the output says: they decide which events the function understands.
    pub wrapper: Option<String>,
    pub converter: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionRole {
    Server,
    ImageOptimization,
    Revalidation,
    Warmer,
    Initialization,
    Edge,
}

impl FunctionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionRole::Server => "server",
            FunctionRole::ImageOptimization => "image_optimization",
            FunctionRole::Revalidation => "revalidation",
            FunctionRole::Warmer => "warmer",
            FunctionRole::Initialization => "initialization",
            FunctionRole::Edge => "edge",
        }
    }
}

/// An origin as CloudFront sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub name: String,
    /// `s3`, `function`, or whatever else a newer OpenNext writes (kept, not interpreted).
    pub kind: String,
    /// For the S3 origin: the origin path (`_assets`).
    pub origin_path: Option<String>,
    /// For a function origin: the function's name in [`BuildOutput::functions`].
    pub function: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behavior {
    pub pattern: String,
    pub origin: String,
}

/// A parsed build.
#[derive(Clone, Debug)]
pub struct BuildOutput {
    pub dir: PathBuf,
    pub build_id: String,
    pub copies: Vec<CopyEntry>,
    pub origins: Vec<Origin>,
    pub behaviors: Vec<Behavior>,
    pub functions: Vec<FunctionBundle>,
}

impl BuildOutput {
    /// Reads and checks `<dir>/open-next.output.json` and the directories it names.
    pub fn read(dir: &Path) -> Result<BuildOutput, BuildError> {
        if !dir.is_dir() {
            let problem = if dir.exists() {
                "is not a directory (build_dir must be the .open-next directory of an OpenNext build)"
            } else {
                "does not exist (build_dir must be the .open-next directory of an OpenNext build; run `npx open-next build` first)"
            };
            return Err(BuildError::new(dir, problem));
        }
        let file = dir.join(OUTPUT_FILE);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let problem = if dir.join(super::standalone::BUILD_ID_FILE).is_file() {
                    "not found: this is the app directory of a Next.js build, not an OpenNext build directory (nextstack_nextjs_site publishes a standalone Next.js build with build_kind \"standalone\"; nextstack_nextjs_build reads OpenNext builds only)"
                } else {
                    "not found: this is not an OpenNext build directory (OpenNext 3 or later writes it)"
                };
                return Err(BuildError::new(&file, problem));
            }
            Err(e) => return Err(BuildError::new(&file, format!("cannot be read: {e}"))),
        };
        let json: Json = serde_json::from_str(&text).map_err(|e| {
            BuildError::new(
                &file,
                format!("is not valid JSON (line {}, column {}): {e}", e.line(), e.column()),
            )
        })?;
        let output = Parser { dir, file: &file }.parse(&json)?;
        output.check_directories()?;
        Ok(output)
    }

    /// The copy entry for static assets (`cached: true`).
    pub fn assets_copy(&self) -> Option<&CopyEntry> {
        self.copies.iter().find(|c| c.cached)
    }

    /// The copy entry for the ISR cache (`cached: false`).
    pub fn cache_copy(&self) -> Option<&CopyEntry> {
        self.copies.iter().find(|c| !c.cached)
    }

    pub fn function(&self, role: FunctionRole) -> Option<&FunctionBundle> {
        self.functions.iter().find(|f| f.role == role)
    }

    fn check_directories(&self) -> Result<(), BuildError> {
        let Some(assets) = self.assets_copy() else {
            return Err(BuildError::new(
                self.dir.join(OUTPUT_FILE),
                "origins.s3.copy has no entry with \"cached\": true (the static assets)",
            ));
        };
        if !assets.from.is_dir() {
            return Err(BuildError::new(
                &assets.from,
                "missing: the build has no static assets directory",
            ));
        }
        for copy in &self.copies {
            if !copy.from.is_dir() {
                return Err(BuildError::new(
                    &copy.from,
                    format!("missing: origins.s3.copy names it (to \"{}\")", copy.to),
                ));
            }
        }
        for f in &self.functions {
            if !f.bundle.is_dir() {
                return Err(BuildError::new(
                    &f.bundle,
                    format!("missing: the bundle of function \"{}\"", f.name),
                ));
            }
        }
        Ok(())
    }
}

struct Parser<'a> {
    dir: &'a Path,
    file: &'a Path,
}

impl Parser<'_> {
    fn err(&self, at: &str, problem: impl fmt::Display) -> BuildError {
        BuildError::new(self.file, format!("{at}: {problem}"))
    }

    fn str<'j>(&self, obj: &'j Json, at: &str, key: &str) -> Result<&'j str, BuildError> {
        obj.get(key)
            .and_then(Json::as_str)
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "expected a string"))
    }

    fn opt_str(&self, obj: &Json, at: &str, key: &str) -> Result<Option<String>, BuildError> {
        match obj.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(&format!("{at}.{key}"), "expected a string")),
        }
    }

    fn opt_bool(&self, obj: &Json, at: &str, key: &str) -> Result<bool, BuildError> {
        match obj.get(key) {
            None | Some(Json::Null) => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(_) => Err(self.err(&format!("{at}.{key}"), "expected true or false")),
        }
    }

    /// `.open-next/server-functions/default` -> `<dir>/server-functions/default`.
    fn resolve(&self, at: &str, raw: &str) -> Result<PathBuf, BuildError> {
        let path = Path::new(raw);
        if path.is_absolute() {
            return Ok(path.to_path_buf());
        }
        let mut parts = path.components().filter(|c| !matches!(c, Component::CurDir)).peekable();
        if parts.peek().map(|c| c.as_os_str() == BUILD_DIR_NAME).unwrap_or(false) {
            parts.next();
        }
        let mut out = self.dir.to_path_buf();
        for part in parts {
            match part {
                Component::Normal(p) => out.push(p),
                _ => return Err(self.err(at, format!("path {raw:?} leaves the build directory"))),
            }
        }
        Ok(out)
    }

    fn parse(&self, json: &Json) -> Result<BuildOutput, BuildError> {
        if !json.is_object() {
            return Err(self.err("top level", "expected an object (an OpenNext 3 or later output file)"));
        }
        for key in ["version", "openNextVersion"] {
            if let Some(v) = json.get(key) {
                let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                let major = text.trim_start_matches('v').split('.').next().unwrap_or("");
                if !KNOWN_FORMAT_VERSIONS.contains(&major) {
                    return Err(self.err(
                        key,
                        format!("unknown OpenNext output version {text} (this provider reads the output of OpenNext 3.x and 4.x)"),
                    ));
                }
            }
        }
        let origins_json = json.get("origins").and_then(Json::as_object).ok_or_else(|| {
            self.err(
                "origins",
                "missing: unknown OpenNext output version (this provider reads the output of OpenNext 3.x and 4.x, which lists origins and behaviors)",
            )
        })?;
        let behaviors_json = json
            .get("behaviors")
            .and_then(Json::as_array)
            .ok_or_else(|| self.err("behaviors", "missing: expected the list of CloudFront behaviours"))?;

        let mut copies = Vec::new();
        let mut origins = Vec::new();
        let mut functions = Vec::new();
        for (name, origin) in origins_json {
            let at = format!("origins.{name}");
            let kind = self.str(origin, &at, "type")?;
            match kind {
                "s3" => {
                    let list = origin
                        .get("copy")
                        .and_then(Json::as_array)
                        .ok_or_else(|| self.err(&format!("{at}.copy"), "expected a list"))?;
                    for (i, c) in list.iter().enumerate() {
                        let at = format!("{at}.copy[{i}]");
                        let to = self.str(c, &at, "to")?.trim_matches('/').to_string();
                        if to.is_empty() {
                            return Err(self.err(&format!("{at}.to"), "must not be empty"));
                        }
                        copies.push(CopyEntry {
                            from: self.resolve(&format!("{at}.from"), self.str(c, &at, "from")?)?,
                            to,
                            cached: self.opt_bool(c, &at, "cached")?,
                            versioned_sub_dir: c
                                .get("versionedSubDir")
                                .and_then(Json::as_str)
                                .map(|s| s.trim_matches('/').to_string()),
                        });
                    }
                    origins.push(Origin {
                        name: name.clone(),
                        kind: kind.to_string(),
                        origin_path: origin.get("originPath").and_then(Json::as_str).map(str::to_string),
                        function: None,
                    });
                }
                "function" => {
                    let role = if name == "imageOptimizer" {
                        FunctionRole::ImageOptimization
                    } else {
                        FunctionRole::Server
                    };
                    functions.push(self.function(name, role, origin, &at)?);
                    origins.push(Origin {
                        name: name.clone(),
                        kind: kind.to_string(),
                        origin_path: None,
                        function: Some(name.clone()),
                    });
                }
                other => origins.push(Origin {
                    name: name.clone(),
                    kind: other.to_string(),
                    origin_path: None,
                    function: None,
                }),
            }
        }
        if copies.is_empty() {
            return Err(self.err(
                "origins",
                "no origin of type \"s3\" with a copy list: nothing to publish",
            ));
        }
        if let Some(extra) = json.get("additionalProps").filter(|v| !v.is_null()) {
            for (key, name, role) in [
                ("warmer", "warmer", FunctionRole::Warmer),
                ("revalidationFunction", "revalidation", FunctionRole::Revalidation),
                ("initializationFunction", "initialization", FunctionRole::Initialization),
            ] {
                if let Some(f) = extra.get(key).filter(|v| !v.is_null()) {
                    functions.push(self.function(name, role, f, &format!("additionalProps.{key}"))?);
                }
            }
        }
        if let Some(edge) = json.get("edgeFunctions").and_then(Json::as_object) {
            for (name, f) in edge {
                functions.push(self.function(
                    &format!("edge:{name}"),
                    FunctionRole::Edge,
                    f,
                    &format!("edgeFunctions.{name}"),
                )?);
            }
        }
        let mut behaviors = Vec::new();
        for (i, b) in behaviors_json.iter().enumerate() {
            let at = format!("behaviors[{i}]");
            let origin = self.str(b, &at, "origin")?.to_string();
            if !origins.iter().any(|o| o.name == origin) {
                return Err(self.err(
                    &format!("{at}.origin"),
                    format!("names origin {origin:?}, which origins does not define"),
                ));
            }
            behaviors.push(Behavior {
                pattern: self.str(b, &at, "pattern")?.to_string(),
                origin,
            });
        }
        let build_id = self.build_id(&copies, &functions)?;
        Ok(BuildOutput {
            dir: self.dir.to_path_buf(),
            build_id,
            copies,
            origins,
            behaviors,
            functions,
        })
    }

    fn function(&self, name: &str, role: FunctionRole, f: &Json, at: &str) -> Result<FunctionBundle, BuildError> {
        Ok(FunctionBundle {
            name: name.to_string(),
            role,
            bundle: self.resolve(&format!("{at}.bundle"), self.str(f, at, "bundle")?)?,
            handler: self.str(f, at, "handler")?.to_string(),
            streaming: self.opt_bool(f, at, "streaming")?,
            wrapper: self.opt_str(f, at, "wrapper")?,
            converter: self.opt_str(f, at, "converter")?,
        })
    }

    /// Next.js writes `BUILD_ID`; OpenNext copies it into the assets and into the server bundle.
    fn build_id(&self, copies: &[CopyEntry], functions: &[FunctionBundle]) -> Result<String, BuildError> {
        let mut candidates: Vec<PathBuf> = copies
            .iter()
            .filter(|c| c.cached)
            .map(|c| c.from.join("BUILD_ID"))
            .collect();
        candidates.extend(
            functions
                .iter()
                .filter(|f| f.role == FunctionRole::Server)
                .map(|f| f.bundle.join(".next").join("BUILD_ID")),
        );
        for path in &candidates {
            if let Ok(text) = std::fs::read_to_string(path) {
                let id = text.trim();
                let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                if !valid {
                    return Err(BuildError::new(
                        path,
                        format!("holds {id:?}, which is not a Next.js build id"),
                    ));
                }
                return Ok(id.to_string());
            }
        }
        let first = candidates
            .first()
            .cloned()
            .unwrap_or_else(|| self.dir.join("assets/BUILD_ID"));
        Err(BuildError::new(
            first,
            "not found: the build has no BUILD_ID (was `next build` interrupted?)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    const OUTPUT: &str = r#"{"origins":{"s3":{"type":"s3","originPath":"_assets","copy":[
        {"from":".open-next/assets","to":"_assets","cached":true,"versionedSubDir":"_next"},
        {"from":".open-next/cache","to":"_cache","cached":false}]},
      "default":{"type":"function","handler":"index.handler","bundle":".open-next/server-functions/default","streaming":true}},
      "behaviors":[{"pattern":"_next/*","origin":"s3"},{"pattern":"*","origin":"default"}],
      "additionalProps":{"warmer":{"handler":"index.handler","bundle":".open-next/warmer-function"}}}"#;

    fn build(output: &str) -> tempdir::Dir {
        let d = tempdir::Dir::new();
        write(&d.0, "open-next.output.json", output);
        write(&d.0, "assets/BUILD_ID", "abc-1\n");
        write(&d.0, "cache/abc-1/index.cache", "{}");
        write(&d.0, "server-functions/default/index.mjs", "");
        write(&d.0, "warmer-function/index.mjs", "");
        d
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let p = std::env::temp_dir().join(format!("nextstack-output-{}", fastrand::u64(..)));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn reads_origins_behaviors_and_functions_relative_to_the_build_dir() {
        let d = build(OUTPUT);
        let out = BuildOutput::read(&d.0).unwrap();
        assert_eq!(out.build_id, "abc-1");
        assert_eq!(out.assets_copy().unwrap().from, d.0.join("assets"));
        assert_eq!(out.cache_copy().unwrap().to, "_cache");
        assert_eq!(
            out.behaviors[1],
            Behavior {
                pattern: "*".into(),
                origin: "default".into()
            }
        );
        let server = out.function(FunctionRole::Server).unwrap();
        assert!(server.streaming);
        assert_eq!(server.bundle, d.0.join("server-functions/default"));
        assert_eq!(out.function(FunctionRole::Warmer).unwrap().name, "warmer");
    }

    #[test]
    fn names_the_path_and_the_problem() {
        let d = build(OUTPUT);
        std::fs::remove_dir_all(d.0.join("assets")).unwrap();
        let e = BuildOutput::read(&d.0).unwrap_err();
        assert_eq!(e.path, d.0.join("assets/BUILD_ID"));

        let d = build(&OUTPUT.replace("\"origins\"", "\"sources\""));
        let e = BuildOutput::read(&d.0).unwrap_err();
        assert!(e.problem.contains("unknown OpenNext output version"), "{e}");

        let d = build(&OUTPUT.replacen('{', "{\"version\":\"9.0\",", 1));
        let e = BuildOutput::read(&d.0).unwrap_err();
        assert!(e.problem.contains("unknown OpenNext output version 9.0"), "{e}");

        let d = build(&OUTPUT.replace(".open-next/assets", "../outside"));
        let e = BuildOutput::read(&d.0).unwrap_err();
        assert!(e.problem.contains("leaves the build directory"), "{e}");

        let missing = std::env::temp_dir().join("nextstack-no-such-build");
        let e = BuildOutput::read(&missing).unwrap_err();
        assert_eq!(e.path, missing);
        assert!(e.problem.contains("does not exist"));
    }

    #[test]
    fn refuses_a_behavior_with_an_unknown_origin() {
        let d = build(&OUTPUT.replace("\"origin\":\"default\"", "\"origin\":\"nope\""));
        let e = BuildOutput::read(&d.0).unwrap_err();
        assert!(e.problem.contains("behaviors[1].origin"), "{e}");
    }
}
