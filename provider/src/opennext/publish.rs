//! The files a deployment publishes: every file of the S3 origin's `copy` directories, with its place
//! (assets or cache), its digest, and the headers it is served with.
//!
//! Cache-Control follows OpenNext's split: files under the versioned sub-directory (`_next/`) carry a content
//! hash or the build id in their names and never change, so browsers and CloudFront keep them for a year
//! (`immutable`); every other asset (`favicon.ico`, `robots.txt`, `BUILD_ID`, public files) may change under
//! the same name, so browsers revalidate every time while CloudFront keeps it until it is invalidated. Cache
//! files (the ISR cache and the fetch cache) are read by the server function only and carry no Cache-Control.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::output::{BuildError, BuildOutput};

pub const IMMUTABLE: &str = "public,max-age=31536000,immutable";
pub const REVALIDATE: &str = "public,max-age=0,s-maxage=31536000,must-revalidate";

/// Where a file goes: the assets bucket and prefix, or the cache bucket and prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Assets,
    Cache,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishFile {
    pub area: Area,
    /// The path under the copy directory, with `/`: the key under the area's prefix, and for assets the
    /// path CloudFront serves it at.
    pub rel: String,
    pub source: PathBuf,
    /// Hex sha256 of the contents.
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub cache_control: Option<String>,
}

impl PublishFile {
    /// Hashed (immutable) assets are never invalidated and are uploaded before anything that refers to them.
    pub fn is_immutable(&self) -> bool {
        self.cache_control.as_deref() == Some(IMMUTABLE)
    }
}

/// Every file of the build's copy directories, sorted by area and path.
pub fn files(build: &BuildOutput) -> Result<Vec<PublishFile>, BuildError> {
    let mut out = Vec::new();
    for copy in &build.copies {
        let area = if copy.cached { Area::Assets } else { Area::Cache };
        let hashed = |rel: &str| {
            copy.versioned_sub_dir
                .as_deref()
                .map(|dir| rel.starts_with(&format!("{dir}/")))
                .unwrap_or(false)
        };
        walk(&copy.from, "", area, &hashed, &mut out)?;
    }
    sorted(out)
}

/// Sorts files by area and path, refusing two files at one key.
pub fn sorted(mut out: Vec<PublishFile>) -> Result<Vec<PublishFile>, BuildError> {
    out.sort_by(|a, b| (a.area, &a.rel).cmp(&(b.area, &b.rel)));
    if let Some(w) = out.windows(2).find(|w| w[0].area == w[1].area && w[0].rel == w[1].rel) {
        return Err(BuildError::new(
            &w[1].source,
            format!(
                "is published at {} twice (also from {}): two source directories overlap",
                w[1].rel,
                w[0].source.display()
            ),
        ));
    }
    Ok(out)
}

/// Every file under `from`, published at `<rel_prefix><path under from>` in `area`. Assets whose key `hashed`
/// accepts get [`IMMUTABLE`], other assets [`REVALIDATE`]; cache files no Cache-Control.
pub fn walk(
    from: &Path,
    rel_prefix: &str,
    area: Area,
    hashed: &dyn Fn(&str) -> bool,
    out: &mut Vec<PublishFile>,
) -> Result<(), BuildError> {
    for entry in walkdir::WalkDir::new(from).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| from.to_path_buf());
            BuildError::new(path, format!("cannot be read: {e}"))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel_path = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| BuildError::new(entry.path(), "has a name that is not UTF-8 (an S3 key must be)"))?
            .join("/");
        let rel = format!("{rel_prefix}{rel}");
        let (sha256, size) = digest(entry.path())?;
        let cache_control = match area {
            Area::Cache => None,
            Area::Assets => Some(if hashed(&rel) { IMMUTABLE } else { REVALIDATE }.to_string()),
        };
        out.push(PublishFile {
            area,
            content_type: content_type(&rel),
            rel,
            source: entry.path().to_path_buf(),
            sha256,
            size,
            cache_control,
        });
    }
    Ok(())
}

/// The Content-Type browsers need: from the extension, `application/octet-stream` when unknown. Text types
/// say UTF-8, which is what Next.js writes.
pub fn content_type(rel: &str) -> String {
    let mime = mime_guess::from_path(rel).first_or_octet_stream();
    let text = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.essence_str(),
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    if text {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    }
}

fn digest(path: &Path) -> Result<(String, u64), BuildError> {
    let mut file = std::fs::File::open(path).map_err(|e| BuildError::new(path, format!("cannot be read: {e}")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| BuildError::new(path, format!("cannot be read: {e}")))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_extension() {
        assert_eq!(
            content_type("_next/static/chunks/main-1.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("_next/static/css/a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.ico"), "image/x-icon");
        assert_eq!(content_type("images/logo.png"), "image/png");
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("BUILD_ID"), "application/octet-stream");
    }
}
