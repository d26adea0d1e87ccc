//! The JavaScript the edge runs under Node.js (the Lambda runtime client, the AWS endpoint redirect, the
//! CloudFront Functions worker), built into the binary and written out once per content into a cache
//! directory, so the binary works from anywhere; and where the AWS SDK for JavaScript v3 that Lambda's Node.js
//! runtimes include is installed for functions (`edge/runtime/node/aws-sdk/README.md`).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const FILES: [(&str, &str); 5] = [
    ("node/bootstrap.mjs", include_str!("../runtime/node/bootstrap.mjs")),
    (
        "node/aws-endpoint.mjs",
        include_str!("../runtime/node/aws-endpoint.mjs"),
    ),
    (
        "node/runtime-modules.mjs",
        include_str!("../runtime/node/runtime-modules.mjs"),
    ),
    (
        "node/runtime-modules-hooks.mjs",
        include_str!("../runtime/node/runtime-modules-hooks.mjs"),
    ),
    (
        "cloudfront-functions/worker.mjs",
        include_str!("../runtime/cloudfront-functions/worker.mjs"),
    ),
];

/// The SDK packages (pinned versions and their lock), installed by `npm ci` into a directory named by the lock's
/// digest, so a changed list or version gets a directory of its own.
const AWS_SDK_FILES: [(&str, &str); 2] = [
    ("package.json", include_str!("../runtime/node/aws-sdk/package.json")),
    (
        "package-lock.json",
        include_str!("../runtime/node/aws-sdk/package-lock.json"),
    ),
];

pub struct Runtime {
    pub bootstrap: PathBuf,
    pub function_worker: PathBuf,
    /// Where the AWS SDK is installed (`node_modules` inside), whether or not it is yet.
    pub aws_sdk: PathBuf,
}

pub fn install(cache: &Path) -> std::io::Result<Runtime> {
    let mut digest = Sha256::new();
    for (name, text) in FILES {
        digest.update(name.as_bytes());
        digest.update(text.as_bytes());
    }
    let dir = cache.join("runtime").join(&hex::encode(digest.finalize())[..16]);
    write_files(&dir, &FILES)?;
    let aws_sdk = aws_sdk_dir(cache);
    write_files(&aws_sdk, &AWS_SDK_FILES)?;
    Ok(Runtime {
        bootstrap: dir.join("node/bootstrap.mjs"),
        function_worker: dir.join("cloudfront-functions/worker.mjs"),
        aws_sdk,
    })
}

/// `CACHE/aws-sdk/<the first 16 hex digits of the SHA-256 of package-lock.json>`; tests/toolchain.sh computes the
/// same path to install into.
pub fn aws_sdk_dir(cache: &Path) -> PathBuf {
    let lock = AWS_SDK_FILES[1].1;
    cache
        .join("aws-sdk")
        .join(&hex::encode(Sha256::digest(lock.as_bytes()))[..16])
}

fn write_files(dir: &Path, files: &[(&str, &str)]) -> std::io::Result<()> {
    for (name, text) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &path)?;
        }
    }
    Ok(())
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
