//! A standalone Next.js build: an app directory after `next build` with `output: "standalone"` in its
//! `next.config` ("output", Next.js docs: <https://nextjs.org/docs/app/api-reference/config/next-config-js/output>).
//!
//! The server (`.next/standalone/server.js`) runs elsewhere (a container); what a CDN serves from a bucket is
//! what the docs say the standalone server does not carry: `.next/static/` (served at `/_next/static/`) and
//! `public/` (served at `/`). So a standalone build publishes
//!
//! - `.next/static/**` at `_next/static/**`: file names carry a content hash or the build id, so they are
//!   [`IMMUTABLE`](super::publish::IMMUTABLE), like OpenNext's `_next/`;
//! - `public/**` at the same path under the prefix: names that may keep their name across builds, so they
//!   [`REVALIDATE`](super::publish::REVALIDATE);
//!
//! and nothing else: no ISR or fetch cache (the standalone server keeps its own under `.next/cache`) and no
//! tag rows. The build id is `.next/BUILD_ID`.

use std::path::{Path, PathBuf};

use super::output::BuildError;
use super::publish::{self, Area, PublishFile};

pub const BUILD_ID_FILE: &str = ".next/BUILD_ID";
pub const STANDALONE_DIR: &str = ".next/standalone";
pub const STATIC_DIR: &str = ".next/static";
pub const PUBLIC_DIR: &str = "public";
/// The path `.next/static` is served at (Next.js' `assetPrefix` aside).
pub const STATIC_KEY_PREFIX: &str = "_next/static/";

#[derive(Clone, Debug)]
pub struct StandaloneBuild {
    pub dir: PathBuf,
    pub build_id: String,
}

impl StandaloneBuild {
    /// Reads and checks the app directory `dir` (the directory that holds `.next/` and `public/`).
    pub fn read(dir: &Path) -> Result<StandaloneBuild, BuildError> {
        if !dir.is_dir() {
            let problem = if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(BuildError::new(
                dir,
                format!("{problem} (build_dir of a standalone build is the Next.js app directory that holds .next/ and public/)"),
            ));
        }
        let id_file = dir.join(BUILD_ID_FILE);
        let build_id = match std::fs::read_to_string(&id_file) {
            Ok(t) => t.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let hint = if dir.join(STANDALONE_DIR.trim_start_matches(".next/")).is_dir() {
                    format!(
                        "build_dir is the .next directory itself: point it at the app directory above it ({}), whose public/ is published too",
                        dir.parent().unwrap_or(dir).display()
                    )
                } else {
                    "build_dir is not a Next.js app directory after `next build`".to_string()
                };
                return Err(BuildError::new(&id_file, format!("not found: {hint}")));
            }
            Err(e) => return Err(BuildError::new(&id_file, format!("cannot be read: {e}"))),
        };
        if build_id.is_empty() || !build_id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(BuildError::new(
                &id_file,
                format!("holds {build_id:?}, which is not a Next.js build id (letters, digits, '.', '_' and '-')"),
            ));
        }
        let standalone = dir.join(STANDALONE_DIR);
        if !standalone.is_dir() {
            return Err(BuildError::new(
                &standalone,
                "missing: this Next.js build was not made with output: \"standalone\" in next.config (build_kind \"standalone\" publishes the static files of such a build)",
            ));
        }
        let static_dir = dir.join(STATIC_DIR);
        if !static_dir.is_dir() {
            return Err(BuildError::new(
                &static_dir,
                "missing: the build has no static files (next build writes them)",
            ));
        }
        Ok(StandaloneBuild {
            dir: dir.to_path_buf(),
            build_id,
        })
    }

    /// `.next/static/**` at `_next/static/**` (immutable) and `public/**` at its path (revalidated), sorted.
    pub fn files(&self) -> Result<Vec<PublishFile>, BuildError> {
        let mut out = Vec::new();
        publish::walk(
            &self.dir.join(STATIC_DIR),
            STATIC_KEY_PREFIX,
            Area::Assets,
            &|_| true,
            &mut out,
        )?;
        let public = self.dir.join(PUBLIC_DIR);
        if public.is_dir() {
            publish::walk(&public, "", Area::Assets, &|_| false, &mut out)?;
        }
        publish::sorted(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opennext::publish::{IMMUTABLE, REVALIDATE};

    const NEXT_DIR: &str = ".next";

    struct Dir(PathBuf);
    impl Dir {
        fn new(name: &str) -> Self {
            let p = std::env::temp_dir().join(format!("nextstack-standalone-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        fn put(&self, rel: &str, body: &str) {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn app(name: &str) -> Dir {
        let d = Dir::new(name);
        d.put(".next/BUILD_ID", "b1\n");
        d.put(".next/standalone/server.js", "// server");
        d.put(".next/static/chunks/main-0a1b.js", "js");
        d.put(".next/static/b1/_buildManifest.js", "m");
        d.put("public/images/logo.png", "png");
        d.put("public/robots.txt", "robots");
        d
    }

    #[test]
    fn static_files_go_under_next_static_and_public_files_at_their_path() {
        let d = app("layout");
        let b = StandaloneBuild::read(&d.0).unwrap();
        assert_eq!(b.build_id, "b1");
        let files = b.files().unwrap();
        let got: Vec<(&str, &str)> = files
            .iter()
            .map(|f| (f.rel.as_str(), f.cache_control.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("_next/static/b1/_buildManifest.js", IMMUTABLE),
                ("_next/static/chunks/main-0a1b.js", IMMUTABLE),
                ("images/logo.png", REVALIDATE),
                ("robots.txt", REVALIDATE),
            ]
        );
        assert!(files.iter().all(|f| f.area == Area::Assets));
        assert_eq!(files[2].content_type, "image/png");
    }

    #[test]
    fn a_build_without_standalone_output_is_refused_naming_the_directory() {
        let d = app("nostandalone");
        std::fs::remove_dir_all(d.0.join(STANDALONE_DIR)).unwrap();
        let e = StandaloneBuild::read(&d.0).unwrap_err();
        assert_eq!(e.path, d.0.join(STANDALONE_DIR));
        assert!(e.problem.contains("output: \"standalone\""), "{e}");
    }

    #[test]
    fn the_next_directory_itself_is_refused_with_the_app_directory_to_use() {
        let d = app("dotnext");
        let e = StandaloneBuild::read(&d.0.join(NEXT_DIR)).unwrap_err();
        assert!(e.problem.contains("the .next directory itself"), "{e}");
        assert!(e.problem.contains(&d.0.display().to_string()), "{e}");
    }

    #[test]
    fn a_bad_build_id_is_refused() {
        let d = app("badid");
        d.put(".next/BUILD_ID", "a b");
        let e = StandaloneBuild::read(&d.0).unwrap_err();
        assert_eq!(e.path, d.0.join(BUILD_ID_FILE));
    }
}
