//! The images file: what stands for each container image here, where no image can be pulled. An image is a
//! directory of files and the program its `ENTRYPOINT` runs, the way a developer runs a container's program without
//! the container. Format (JSON), documented in docs/edge.md:
//!
//! ```json
//! {"images": {"123456789012.dkr.ecr.us-east-1.amazonaws.com/site:v3": {
//!     "directory": "build/standalone", "workdir": "/app", "command": ["node"], "args": ["server.js"]}}}
//! ```
//!
//! Keys: an image URI as the task definition names it, its repository without the tag, or its digest
//! (`sha256:...`); the exact URI wins, then the digest, then the repository.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What stands for one image.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// The image's files (relative paths are relative to the images file).
    pub directory: PathBuf,
    /// Where the image keeps those files (its `WORKDIR`, e.g. `/app`): the directory is mounted there in the task's
    /// sandbox, so that the task definition's container paths (tmpfs mounts, mount points, `workingDirectory`) mean
    /// what they mean in the container. Without it the directory is used where it is.
    #[serde(default)]
    pub workdir: Option<String>,
    /// The image's `ENTRYPOINT`: the program run when the task definition gives no `entryPoint`.
    pub command: Vec<String>,
    /// The image's `CMD`: the arguments given when the task definition gives no `command`.
    #[serde(default)]
    pub args: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    images: HashMap<String, Image>,
}

/// Every image the file maps.
#[derive(Debug, Clone, Default)]
pub struct Images {
    by_key: HashMap<String, Image>,
}

impl Images {
    /// Reads and checks an images file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("--images {}: {e}", path.display()))?;
        Self::parse(&text, path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| format!("--images {}: {e}", path.display()))
    }

    /// Parses an images file's text; relative directories are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|e| format!("not an images file: {e}"))?;
        let mut by_key = HashMap::new();
        for (key, mut image) in file.images {
            if image.command.is_empty() {
                return Err(format!(
                    "image {key}: `command` is empty (it stands for the image's ENTRYPOINT)"
                ));
            }
            if let Some(w) = &image.workdir {
                if !w.starts_with('/') || w == "/" {
                    return Err(format!(
                        "image {key}: `workdir` {w:?} must be an absolute path other than /"
                    ));
                }
            }
            if image.directory.is_relative() {
                image.directory = base.join(&image.directory);
            }
            if !image.directory.is_dir() {
                return Err(format!(
                    "image {key}: directory {} does not exist",
                    image.directory.display()
                ));
            }
            by_key.insert(key, image);
        }
        Ok(Self { by_key })
    }

    /// What stands for `uri`: the exact URI, else its digest, else its repository.
    pub fn find(&self, uri: &str) -> Option<&Image> {
        let (rest, digest) = match uri.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (uri, None),
        };
        // A tag follows the last ':' after the last '/' (a registry's port is before the first '/').
        let repository = match rest.rfind(':') {
            Some(i) if i > rest.rfind('/').unwrap_or(0) => &rest[..i],
            _ => rest,
        };
        self.by_key
            .get(uri)
            .or_else(|| digest.and_then(|d| self.by_key.get(d)))
            .or_else(|| self.by_key.get(repository))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> Images {
        let dir = std::env::temp_dir();
        let text = format!(
            r#"{{"images": {{
                "reg:5000/site:v1": {{"directory": "{d}", "command": ["node"], "args": ["v1.js"]}},
                "reg:5000/site": {{"directory": "{d}", "command": ["node"], "args": ["any.js"]}},
                "sha256:abc": {{"directory": "{d}", "command": ["node"], "args": ["digest.js"]}}
            }}}}"#,
            d = dir.display()
        );
        Images::parse(&text, &dir).unwrap()
    }

    #[test]
    fn exact_uri_then_digest_then_repository() {
        let images = images();
        assert_eq!(images.find("reg:5000/site:v1").unwrap().args, ["v1.js"]);
        assert_eq!(images.find("reg:5000/site:v2@sha256:abc").unwrap().args, ["digest.js"]);
        assert_eq!(images.find("reg:5000/site:v2").unwrap().args, ["any.js"]);
        assert_eq!(images.find("reg:5000/site").unwrap().args, ["any.js"]);
        assert!(images.find("reg:5000/other:v1").is_none());
    }

    #[test]
    fn refuses_an_empty_command_and_a_missing_directory() {
        let e = Images::parse(
            r#"{"images": {"x": {"directory": "/", "command": []}}}"#,
            Path::new("/"),
        )
        .unwrap_err();
        assert!(e.contains("image x") && e.contains("command"), "{e}");
        let e = Images::parse(
            r#"{"images": {"x": {"directory": "/no/such/dir", "command": ["a"]}}}"#,
            Path::new("/"),
        )
        .unwrap_err();
        assert!(e.contains("/no/such/dir"), "{e}");
    }
}
