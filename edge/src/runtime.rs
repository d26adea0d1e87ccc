//! The JavaScript the edge runs under Node.js (the Lambda runtime client, the AWS endpoint redirect, the
//! CloudFront Functions worker), built into the binary and written out once per content into a cache
//! directory, so the binary works from anywhere.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const FILES: [(&str, &str); 3] = [
    ("node/bootstrap.mjs", include_str!("../runtime/node/bootstrap.mjs")),
    (
        "node/aws-endpoint.mjs",
        include_str!("../runtime/node/aws-endpoint.mjs"),
    ),
    (
        "cloudfront-functions/worker.mjs",
        include_str!("../runtime/cloudfront-functions/worker.mjs"),
    ),
];

pub struct Runtime {
    pub bootstrap: PathBuf,
    pub function_worker: PathBuf,
}

pub fn install(cache: &Path) -> std::io::Result<Runtime> {
    let mut digest = Sha256::new();
    for (name, text) in FILES {
        digest.update(name.as_bytes());
        digest.update(text.as_bytes());
    }
    let dir = cache.join("runtime").join(&hex::encode(digest.finalize())[..16]);
    for (name, text) in FILES {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &path)?;
        }
    }
    Ok(Runtime {
        bootstrap: dir.join("node/bootstrap.mjs"),
        function_worker: dir.join("cloudfront-functions/worker.mjs"),
    })
}

/// `$NEXTSTACK_EDGE_CACHE`, else `$XDG_CACHE_HOME/nextstack/edge`, else `~/.cache/nextstack/edge`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NEXTSTACK_EDGE_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("nextstack").join("edge")
}
