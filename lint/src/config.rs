//! `.nextstack-lint.toml`: rules on or off, severities, which stacks are prod.
//!
//! ```toml
//! prod_stacks = ["envs/prod/**", "**/production/*"]
//! [rules]
//! ecs-exec-disabled-in-prod = "error"   # "error", "warning" or "off"
//! lambda-dead-letter-queue = "off"
//!
//! # Settings of one rule, in a table named after it.
//! [cloudfront-origin-over-http]
//! secret_headers = ["x-origin-verify", "x-cloudfront-origin", "*secret*"]   # replaces the defaults
//!
//! [ecs-writable-scratch]        # each key given replaces its default
//! paths = ["/tmp"]
//! nextjs_paths = ["/app/.next/cache"]
//! nextjs_images = ["*nextjs*"]
//! ```

use crate::finding::Severity;
use crate::rules::cloudfront_origin_over_http::SecretHeaders;
use crate::rules::ecs_writable_scratch::{RawScratchSettings, ScratchSettings};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const FILE_NAME: &str = ".nextstack-lint.toml";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    #[error("invalid {0}: {1}")]
    Parse(String, String),
    #[error("{0}: unknown rule `{1}`")]
    UnknownRule(String, String),
    #[error("{0}: rule `{1}`: level must be \"error\", \"warning\" or \"off\", not `{2}`")]
    BadLevel(String, String, String),
    #[error("{0}: bad glob `{1}`: {2}")]
    BadGlob(String, String, String),
    #[error("{0}: [{1}] {2}: `{3}`: {4}")]
    BadSetting(String, &'static str, String, String, String),
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    prod_stacks: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default, rename = "cloudfront-origin-over-http")]
    origin_over_http: Option<RawOriginOverHttp>,
    #[serde(default, rename = "ecs-writable-scratch")]
    writable_scratch: Option<RawScratchSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOriginOverHttp {
    /// Glob patterns of header names that carry a shared secret.
    secret_headers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    Off,
    On(Severity),
}

#[derive(Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub levels: BTreeMap<String, Level>,
    prod: Option<GlobSet>,
    /// The header names `cloudfront-origin-over-http` takes for a shared secret.
    pub secret_headers: SecretHeaders,
    /// The paths and Next.js hints of `ecs-writable-scratch`.
    pub writable_scratch: ScratchSettings,
}

impl Config {
    /// Loads the given file, or `.nextstack-lint.toml` in the current directory or an ancestor.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let mut dir = std::env::current_dir().ok();
                let mut found = None;
                while let Some(d) = dir {
                    let c = d.join(FILE_NAME);
                    if c.is_file() {
                        found = Some(c);
                        break;
                    }
                    dir = d.parent().map(Path::to_path_buf);
                }
                found
            }
        };
        match path {
            None => Ok(Config::default()),
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| ConfigError::Io(p.display().to_string(), e))?;
                let mut c = Config::parse(&text, &p.display().to_string())?;
                c.path = Some(p);
                Ok(c)
            }
        }
    }

    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse(name.to_string(), e.to_string()))?;
        let mut levels = BTreeMap::new();
        for (rule, level) in raw.rules {
            if crate::rules::find(&rule).is_none() {
                return Err(ConfigError::UnknownRule(name.to_string(), rule));
            }
            let l = match level.as_str() {
                "off" => Level::Off,
                "warning" | "warn" => Level::On(Severity::Warning),
                "error" => Level::On(Severity::Error),
                other => return Err(ConfigError::BadLevel(name.to_string(), rule, other.to_string())),
            };
            levels.insert(rule, l);
        }
        let prod = if raw.prod_stacks.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for g in &raw.prod_stacks {
                b.add(Glob::new(g).map_err(|e| ConfigError::BadGlob(name.to_string(), g.clone(), e.to_string()))?);
            }
            Some(
                b.build()
                    .map_err(|e| ConfigError::BadGlob(name.to_string(), String::new(), e.to_string()))?,
            )
        };
        let secret_headers = match raw.origin_over_http {
            None => SecretHeaders::default(),
            Some(o) => SecretHeaders::new(&o.secret_headers).map_err(|(g, e)| {
                ConfigError::BadGlob(format!("{name}: [cloudfront-origin-over-http] secret_headers"), g, e)
            })?,
        };
        let writable_scratch =
            ScratchSettings::new(raw.writable_scratch.unwrap_or_default()).map_err(|(key, what, e)| {
                ConfigError::BadSetting(name.to_string(), "ecs-writable-scratch", key, what, e)
            })?;
        Ok(Config {
            path: None,
            levels,
            prod,
            secret_headers,
            writable_scratch,
        })
    }

    pub fn level(&self, rule: &str) -> Level {
        self.levels.get(rule).copied().unwrap_or(Level::On(Severity::Error))
    }

    /// True when the stack directory (as shown: relative to the current directory) matches
    /// `prod_stacks`, either as shown or relative to the directory of the config file, so the
    /// globs hold wherever in the repository the linter runs.
    pub fn is_prod_dir(&self, dir: &str) -> bool {
        let Some(g) = &self.prod else { return false };
        if g.is_match(dir) {
            return true;
        }
        let Some(base) = self.path.as_deref().and_then(Path::parent) else {
            return false;
        };
        let (abs, base) = (crate::load::absolute(Path::new(dir)), crate::load::absolute(base));
        abs.strip_prefix(&base).is_ok_and(|rel| g.is_match(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_globs() {
        let c = Config::parse(
            "prod_stacks = [\"envs/prod/**\"]\n[rules]\nlambda-dead-letter-queue = \"off\"\n",
            "t",
        )
        .expect("valid");
        assert_eq!(c.level("lambda-dead-letter-queue"), Level::Off);
        assert_eq!(c.level("dual-waf"), Level::On(Severity::Error));
        assert!(c.is_prod_dir("envs/prod/app"));
        assert!(!c.is_prod_dir("envs/dev/app"));
    }

    #[test]
    fn secret_header_patterns_replace_the_defaults_and_match_any_case() {
        let c = Config::parse("[cloudfront-origin-over-http]\nsecret_headers = [\"x-edge-*\"]\n", "t").expect("valid");
        assert!(c.secret_headers.matches("X-Edge-Key"));
        assert!(!c.secret_headers.matches("X-Origin-Verify"));
        assert!(Config::default().secret_headers.matches("X-Origin-Verify"));
        let bad = Config::parse("[cloudfront-origin-over-http]\nsecret_headers = [\"[\"]\n", "t");
        assert!(matches!(bad, Err(ConfigError::BadGlob(..))), "{bad:?}");
        assert!(Config::parse("[cloudfront-origin-over-http]\nheaders = []\n", "t").is_err());
    }

    #[test]
    fn writable_scratch_settings_replace_the_defaults_and_bad_ones_are_named() {
        let c = Config::parse(
            "[ecs-writable-scratch]\npaths = [\"/scratch\"]\nnextjs_images = [\"*/web\"]\n",
            "t",
        )
        .expect("valid");
        let s = &c.writable_scratch;
        assert_eq!(s.paths, ["/scratch"]);
        assert_eq!(s.nextjs_paths, ["/app/.next/cache"]);
        assert!(s.nextjs_images.matches("shop/web") && !s.nextjs_images.matches("shop/nextjs"));
        assert!(s.nextjs_names.matches("nextjs"));
        let e = Config::parse("[ecs-writable-scratch]\nnextjs_paths = [\"tmp\"]\n", "t").expect_err("relative");
        assert_eq!(
            e.to_string(),
            "t: [ecs-writable-scratch] nextjs_paths: `tmp`: not an absolute path"
        );
        let e = Config::parse("[ecs-writable-scratch]\nnextjs_env = [\"[\"]\n", "t").expect_err("bad glob");
        assert!(
            e.to_string().starts_with("t: [ecs-writable-scratch] nextjs_env: `[`: "),
            "{e}"
        );
        assert!(Config::parse("[ecs-writable-scratch]\ntmp = []\n", "t").is_err());
    }

    #[test]
    fn rejects_unknown_rules() {
        assert!(Config::parse("[rules]\nnope = \"off\"\n", "t").is_err());
    }
}
