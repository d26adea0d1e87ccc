//! Which kind of Next.js build a `build_dir` holds: an OpenNext build (its `.open-next/` directory) or a
//! standalone Next.js build (the app directory after `next build` with `output: "standalone"`).

use std::fmt;
use std::path::Path;

use super::output::{BuildError, OUTPUT_FILE};
use super::standalone::{BUILD_ID_FILE, STANDALONE_DIR};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuildKind {
    OpenNext,
    Standalone,
}

impl BuildKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildKind::OpenNext => "opennext",
            BuildKind::Standalone => "standalone",
        }
    }

    pub fn parse(name: &str) -> Option<BuildKind> {
        match name {
            "opennext" => Some(BuildKind::OpenNext),
            "standalone" => Some(BuildKind::Standalone),
            _ => None,
        }
    }

    /// The kind of the build in `dir`, from the file each kind is known by: `open-next.output.json` in it
    /// (OpenNext), or `.next/BUILD_ID` with `.next/standalone/` (standalone). An app directory that holds
    /// both an OpenNext build and a standalone build is ambiguous: the caller must say which.
    pub fn detect(dir: &Path) -> Result<BuildKind, BuildError> {
        const EXPECTED: &str = "build_dir must be the .open-next directory of an OpenNext build or the app directory of a Next.js build made with output: \"standalone\" (holding .next/ and public/)";
        if !dir.is_dir() {
            let problem = if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(BuildError::new(dir, format!("{problem}: {EXPECTED}")));
        }
        if dir.join(OUTPUT_FILE).is_file() {
            return Ok(BuildKind::OpenNext);
        }
        if dir.join(BUILD_ID_FILE).is_file() && dir.join(STANDALONE_DIR).is_dir() {
            if dir.join(".open-next").join(OUTPUT_FILE).is_file() {
                return Err(BuildError::new(
                    dir,
                    "holds both a standalone Next.js build (.next/standalone) and an OpenNext build (.open-next): set build_kind = \"standalone\" to publish the first, or point build_dir at its .open-next directory for the second",
                ));
            }
            return Ok(BuildKind::Standalone);
        }
        let problem = if dir.join(BUILD_ID_FILE).is_file() {
            format!("has a Next.js build ({BUILD_ID_FILE}) without {STANDALONE_DIR}: build it with output: \"standalone\" in next.config")
        } else if dir.join(".open-next").join(OUTPUT_FILE).is_file() {
            format!(
                "is the app directory of an OpenNext build: point build_dir at {}",
                dir.join(".open-next").display()
            )
        } else if dir.join("BUILD_ID").is_file() && dir.join("standalone").is_dir() {
            format!(
                "is a .next directory: point build_dir at the app directory above it ({}), whose public/ is published too",
                dir.parent().unwrap_or(dir).display()
            )
        } else {
            format!("is neither an OpenNext build (no {OUTPUT_FILE}) nor a standalone Next.js build (no {BUILD_ID_FILE}): {EXPECTED}")
        };
        Err(BuildError::new(dir, problem))
    }
}

impl fmt::Display for BuildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str, files: &[&str]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("nextstack-kind-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        for f in files {
            let path = p.join(f);
            if let Some(stripped) = f.strip_suffix('/') {
                std::fs::create_dir_all(p.join(stripped)).unwrap();
            } else {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, "x").unwrap();
            }
        }
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn each_kind_is_known_by_its_file() {
        let o = dir("o", &["open-next.output.json"]);
        let s = dir("s", &[".next/BUILD_ID", ".next/standalone/"]);
        assert_eq!(BuildKind::detect(&o), Ok(BuildKind::OpenNext));
        assert_eq!(BuildKind::detect(&s), Ok(BuildKind::Standalone));
        for p in [o, s] {
            std::fs::remove_dir_all(p).unwrap();
        }
    }

    #[test]
    fn what_is_neither_is_refused_naming_build_dir_and_what_is_missing() {
        let cases = [
            ("empty", &[][..], "neither an OpenNext build"),
            ("plain", &[".next/BUILD_ID"][..], "without .next/standalone"),
            ("app", &[".open-next/open-next.output.json"][..], "point build_dir at"),
            ("dotnext", &["BUILD_ID", "standalone/"][..], "is a .next directory"),
            (
                "both",
                &[
                    ".next/BUILD_ID",
                    ".next/standalone/",
                    ".open-next/open-next.output.json",
                ][..],
                "set build_kind",
            ),
        ];
        for (name, files, expected) in cases {
            let d = dir(name, files);
            let e = BuildKind::detect(&d).unwrap_err();
            assert_eq!(e.path, d, "{name}");
            assert!(e.problem.contains(expected), "{name}: {e}");
            std::fs::remove_dir_all(d).unwrap();
        }
        let gone = std::env::temp_dir().join("nextstack-kind-missing-dir");
        assert!(BuildKind::detect(&gone)
            .unwrap_err()
            .problem
            .contains("does not exist: build_dir must be"));
    }
}
