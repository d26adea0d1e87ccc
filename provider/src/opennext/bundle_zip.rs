//! Function bundles as deterministic zips: the same files give the same bytes, so `source_code_hash` changes
//! only when what Lambda runs changes, and an unchanged bundle is never compressed twice.
//!
//! A zip is a function of the bundle's relative paths, contents and owner-executable bits only: entries sorted
//! by their `/`-separated path, every timestamp 1980-01-01 00:00, permissions 0o755 or 0o644, Deflate at level
//! [`DEFLATE_LEVEL`], no directory entries and no extra fields. Symbolic links are followed (Lambda runs the
//! target's bytes); a loop or a dangling link is an error naming it. Modification times, the umask and the
//! order a directory lists its entries in change nothing.
//!
//! The zip's archive comment holds a digest of those inputs. A zip already at the target path whose comment is
//! the current digest is reused as it is: reading and hashing the bundle is much cheaper than deflating it.
//! A new zip is written to a temporary file in the same directory and renamed into place, so a reader never
//! sees half a zip and concurrent writers of the same bundle do not corrupt each other.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};
use walkdir::WalkDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use super::output::{BuildError, FunctionBundle};

/// Where a zip made with the build's static assets holds them (see [`BundleAssets`]). Namespaced: OpenNext's
/// bundles have an `assets/` directory of their own, and an app's traced files could use any plain name.
pub const ASSETS_IN_ZIP: &str = "nextstack-assets";

/// Deflate level of every entry (zlib's default: the usual size/speed trade-off for Lambda bundles).
pub const DEFLATE_LEVEL: i64 = 6;
/// Names how the bytes are made; part of the inputs digest, so changing how zips are written (bump it then)
/// never reuses a zip made the old way.
const FORMAT: &str = "nextstack-bundle-zip/1 deflate-6 sorted 1980-01-01 0755|0644";
/// The archive comment: [`FORMAT`]'s tag and the inputs digest.
const COMMENT_PREFIX: &str = "nextstack-bundle-zip/1 inputs-sha256:";

/// Why a bundle could not be zipped, and whose fault it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZipError {
    /// A file of the bundle cannot be read or is not something a zip can hold (the build is at fault).
    Bundle(BuildError),
    /// The zip cannot be written where it should go (the zip directory is at fault).
    Output(BuildError),
}

impl ZipError {
    pub fn error(&self) -> &BuildError {
        match self {
            ZipError::Bundle(e) | ZipError::Output(e) => e,
        }
    }
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error().fmt(f)
    }
}

impl std::error::Error for ZipError {}

fn bundle_err(path: &Path, problem: impl Into<String>) -> ZipError {
    ZipError::Bundle(BuildError::new(path, problem))
}

fn output_err(path: &Path, problem: impl Into<String>) -> ZipError {
    ZipError::Output(BuildError::new(path, problem))
}

/// A written (or reused) zip of one bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleZip {
    pub path: PathBuf,
    /// base64 of the sha256 of the zip's bytes: `filebase64sha256(path)`, what `aws_lambda_function` expects.
    pub source_code_hash: String,
    pub size: u64,
    /// Files in the zip.
    pub files: usize,
    /// `true` when the zip already there was up to date and was not written again.
    pub reused: bool,
    pub elapsed: Duration,
}

/// One file of a bundle: its path in the zip, where it is read from, and its zip permissions.
#[derive(Debug)]
struct Input {
    name: String,
    source: PathBuf,
    mode: u32,
}

/// The build's static assets (`.open-next/assets`), to be added under [`ASSETS_IN_ZIP`] to the zips of the
/// named functions: for layouts with no CDN and no bucket in front, where the function serves them itself.
#[derive(Clone, Debug, Default)]
pub struct BundleAssets {
    pub dir: PathBuf,
    pub functions: Vec<String>,
}

impl BundleAssets {
    fn for_function(&self, name: &str) -> Option<PathBuf> {
        self.functions.iter().any(|f| f == name).then(|| self.dir.clone())
    }
}

/// `edge:geo` -> `edge_geo`: the file name (without `.zip`) a function's zip is written under.
pub fn zip_file_stem(function: &str) -> String {
    let stem: String = function
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match stem.trim_start_matches('.') {
        "" => "_".to_string(),
        s => s.to_string(),
    }
}

/// Zips every function's bundle into `<zip_dir>/<name>.zip`, concurrently (each on the blocking pool).
/// The result is in the order of `functions`.
pub async fn zip_functions(
    functions: &[FunctionBundle],
    assets: &BundleAssets,
    zip_dir: &Path,
) -> Result<Vec<(String, BundleZip)>, ZipError> {
    let targets = plan_targets(functions, zip_dir)?;
    let dir = zip_dir.to_path_buf();
    let bundles: Vec<PathBuf> = functions.iter().map(|f| f.bundle.clone()).collect();
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    tokio::task::spawn_blocking(move || prepare_zip_dir(&dir, &names, &bundles))
        .await
        .map_err(|e| output_err(zip_dir, format!("preparing the zip directory failed: {e}")))??;

    let jobs = functions.iter().zip(targets).map(|(f, target)| {
        let bundle = f.bundle.clone();
        let name = f.name.clone();
        let with_assets = assets.for_function(&f.name);
        async move {
            let result = tokio::task::spawn_blocking({
                let target = target.clone();
                move || zip_bundle(&bundle, with_assets.as_deref(), &target)
            })
            .await
            .map_err(|e| output_err(&target, format!("zipping function \"{name}\" failed: {e}")))??;
            tracing::info!(
                function = name,
                files = result.files,
                size = result.size,
                reused = result.reused,
                ms = result.elapsed.as_millis() as u64,
                "function bundle zip"
            );
            Ok::<_, ZipError>((name, result))
        }
    });
    futures::future::join_all(jobs).await.into_iter().collect()
}

/// The zip path of each function; two functions whose names sanitise to the same file are an error.
fn plan_targets(functions: &[FunctionBundle], zip_dir: &Path) -> Result<Vec<PathBuf>, ZipError> {
    let mut seen: Vec<(&str, String)> = Vec::new();
    let mut out = Vec::new();
    for f in functions {
        let stem = zip_file_stem(&f.name);
        if let Some((other, _)) = seen.iter().find(|(_, s)| *s == stem) {
            return Err(output_err(
                &zip_dir.join(format!("{stem}.zip")),
                format!("functions \"{other}\" and \"{}\" would share this zip file", f.name),
            ));
        }
        out.push(zip_dir.join(format!("{stem}.zip")));
        seen.push((&f.name, stem));
    }
    Ok(out)
}

/// Creates the zip directory and refuses one inside a bundle (a zip would end up zipping itself).
fn prepare_zip_dir(zip_dir: &Path, names: &[String], bundles: &[PathBuf]) -> Result<(), ZipError> {
    std::fs::create_dir_all(zip_dir).map_err(|e| output_err(zip_dir, format!("cannot be created: {e}")))?;
    let real_zip_dir = zip_dir
        .canonicalize()
        .map_err(|e| output_err(zip_dir, format!("cannot be resolved: {e}")))?;
    for (name, bundle) in names.iter().zip(bundles) {
        if let Ok(real_bundle) = bundle.canonicalize() {
            if real_zip_dir.starts_with(&real_bundle) {
                return Err(output_err(
                    zip_dir,
                    format!(
                        "is inside the bundle of function \"{name}\" ({}): choose a zip_dir outside the function bundles",
                        bundle.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Zips one bundle directory (and `assets`, under [`ASSETS_IN_ZIP`], when given) into `target`, or reuses the
/// zip there when it was made from the same inputs. Blocking: call it off the async runtime.
pub fn zip_bundle(bundle: &Path, assets: Option<&Path>, target: &Path) -> Result<BundleZip, ZipError> {
    let started = Instant::now();
    let mut inputs = list_inputs(bundle, "")?;
    if let Some(assets) = assets {
        let prefix = format!("{ASSETS_IN_ZIP}/");
        if let Some(clash) = inputs.iter().find(|i| i.name.starts_with(&prefix)) {
            return Err(bundle_err(
                &clash.source,
                format!("is where the build's static assets go in this function's zip ({ASSETS_IN_ZIP}/): rename it"),
            ));
        }
        inputs.extend(list_inputs(assets, &prefix)?);
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let comment = format!("{COMMENT_PREFIX}{}", inputs_digest(&inputs)?);

    if let Some(bytes) = existing_zip_with_comment(target, &comment) {
        return Ok(BundleZip {
            path: target.to_path_buf(),
            source_code_hash: base64_sha256(&bytes),
            size: bytes.len() as u64,
            files: inputs.len(),
            reused: true,
            elapsed: started.elapsed(),
        });
    }

    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let file_name = target.file_name().and_then(|n| n.to_str()).unwrap_or("bundle.zip");
    let tmp = dir.join(format!(
        ".{file_name}.{}-{:016x}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let written = write_zip(&inputs, &comment, &tmp).and_then(|()| {
        std::fs::rename(&tmp, target).map_err(|e| output_err(target, format!("cannot be replaced: {e}")))
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let bytes = std::fs::read(target).map_err(|e| output_err(target, format!("cannot be read back: {e}")))?;
    Ok(BundleZip {
        path: target.to_path_buf(),
        source_code_hash: base64_sha256(&bytes),
        size: bytes.len() as u64,
        files: inputs.len(),
        reused: false,
        elapsed: started.elapsed(),
    })
}

/// Every file under `bundle` (links followed), named `<prefix><relative path>`, sorted by that name.
fn list_inputs(bundle: &Path, prefix: &str) -> Result<Vec<Input>, ZipError> {
    use std::os::unix::fs::PermissionsExt;

    let mut inputs = Vec::new();
    for entry in WalkDir::new(bundle).follow_links(true) {
        let entry = entry.map_err(|e| walk_error(bundle, e))?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(bundle_err(
                entry.path(),
                "is neither a file nor a directory (a socket, pipe or device cannot go into a function zip)",
            ));
        }
        let relative = entry.path().strip_prefix(bundle).map_err(|_| {
            bundle_err(
                entry.path(),
                format!("is not under the bundle directory {}", bundle.display()),
            )
        })?;
        let mut name = prefix.to_string();
        for part in relative.components() {
            let part = part
                .as_os_str()
                .to_str()
                .ok_or_else(|| bundle_err(entry.path(), "has a name that is not valid UTF-8"))?;
            if name.len() > prefix.len() {
                name.push('/');
            }
            name.push_str(part);
        }
        let meta = entry
            .metadata()
            .map_err(|e| bundle_err(entry.path(), format!("cannot be read: {e}")))?;
        let mode = if meta.permissions().mode() & 0o100 != 0 {
            0o755
        } else {
            0o644
        };
        inputs.push(Input {
            name,
            source: entry.into_path(),
            mode,
        });
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(inputs)
}

fn walk_error(bundle: &Path, e: walkdir::Error) -> ZipError {
    let path = e.path().unwrap_or(bundle).to_path_buf();
    if let Some(ancestor) = e.loop_ancestor() {
        return bundle_err(
            &path,
            format!(
                "is a symbolic link loop (it leads back to {}): a function zip follows links",
                ancestor.display()
            ),
        );
    }
    let dangling = e.io_error().map(io::Error::kind) == Some(io::ErrorKind::NotFound)
        && path
            .symlink_metadata()
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
    if dangling {
        return bundle_err(&path, "is a symbolic link whose target does not exist");
    }
    match e.io_error() {
        Some(io) => bundle_err(&path, format!("cannot be read: {io}")),
        None => bundle_err(&path, format!("cannot be read: {e}")),
    }
}

/// sha256 over [`FORMAT`] and, per file in order, its name, zip mode and content digest.
fn inputs_digest(inputs: &[Input]) -> Result<String, ZipError> {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    let mut buf = vec![0u8; 1 << 16];
    for input in inputs {
        h.update((input.name.len() as u64).to_le_bytes());
        h.update(input.name.as_bytes());
        h.update(input.mode.to_le_bytes());
        let mut file =
            File::open(&input.source).map_err(|e| bundle_err(&input.source, format!("cannot be opened: {e}")))?;
        let mut content = Sha256::new();
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| bundle_err(&input.source, format!("cannot be read: {e}")))?;
            if n == 0 {
                break;
            }
            content.update(&buf[..n]);
        }
        h.update(content.finalize());
    }
    Ok(hex::encode(h.finalize()))
}

/// The bytes of the zip at `target` if it is a readable zip whose comment is `comment`.
fn existing_zip_with_comment(target: &Path, comment: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(target).ok()?;
    let archive = ZipArchive::new(io::Cursor::new(&bytes)).ok()?;
    (archive.comment() == comment.as_bytes()).then_some(bytes)
}

fn write_zip(inputs: &[Input], comment: &str, tmp: &Path) -> Result<(), ZipError> {
    let out = |e: &dyn fmt::Display| output_err(tmp, format!("cannot be written: {e}"));
    let file = File::create(tmp).map_err(|e| out(&e))?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .large_file(false);
    for input in inputs {
        zip.start_file(input.name.as_str(), options.unix_permissions(input.mode))
            .map_err(|e| out(&e))?;
        let mut source =
            File::open(&input.source).map_err(|e| bundle_err(&input.source, format!("cannot be opened: {e}")))?;
        copy_into(&mut source, &mut zip).map_err(|e| match e {
            CopyError::Read(e) => bundle_err(&input.source, format!("cannot be read: {e}")),
            CopyError::Write(e) => out(&e),
        })?;
    }
    zip.set_comment(comment).map_err(|e| out(&e))?;
    let buffered = zip.finish().map_err(|e| out(&e))?;
    let file = buffered.into_inner().map_err(|e| out(&e.into_error()))?;
    file.sync_all().map_err(|e| out(&e))?;
    Ok(())
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// `io::copy` that tells a failed read of the source from a failed write of the zip.
fn copy_into(source: &mut File, zip: &mut impl Write) -> Result<(), CopyError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        zip.write_all(&buf[..n]).map_err(CopyError::Write)?;
    }
}

fn base64_sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::SystemTime;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new() -> Self {
            let p = std::env::temp_dir().join(format!("nextstack-zip-{}", fastrand::u64(..)));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const FILES: &[(&str, &str, u32)] = &[
        ("index.mjs", "export const handler = () => 1;\n", 0o644),
        ("node_modules/.bin/tool", "#!/bin/sh\necho hi\n", 0o755),
        ("node_modules/a/package.json", "{\"name\":\"a\"}", 0o644),
        ("node_modules/a-b/index.js", "module.exports = 2;", 0o644),
        ("node_modules/a/lib/x.js", "exports.x = 1;", 0o644),
        (".next/BUILD_ID", "b1", 0o644),
    ];

    fn write(dir: &Path, rel: &str, text: &str, mode: u32) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn bundle(root: &Path, name: &str, files: &[(&str, &str, u32)]) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (rel, text, mode) in files {
            write(&dir, rel, text, *mode);
        }
        dir
    }

    fn touch_all(dir: &Path, when: SystemTime) {
        for e in WalkDir::new(dir).into_iter().map(Result::unwrap) {
            if e.file_type().is_file() {
                File::options()
                    .append(true)
                    .open(e.path())
                    .unwrap()
                    .set_modified(when)
                    .unwrap();
            }
        }
    }

    fn entries(zip_path: &Path) -> Vec<(String, Option<u32>, Vec<u8>, DateTime)> {
        let mut archive = ZipArchive::new(File::open(zip_path).unwrap()).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).unwrap();
                (
                    f.name().unwrap().to_string(),
                    f.unix_mode(),
                    bytes,
                    f.last_modified().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn same_files_same_bytes_whatever_the_mtimes_modes_and_creation_order() {
        let tmp = TempDir::new();
        let a = bundle(&tmp.0, "a", FILES);
        // The copy: created in reverse order, group/other bits differ (another umask), other mtimes.
        let reversed: Vec<_> = FILES
            .iter()
            .rev()
            .map(|(r, t, m)| (*r, *t, if *m == 0o644 { 0o600 } else { 0o700 }))
            .collect();
        let b = bundle(&tmp.0, "b", &reversed);
        touch_all(&b, SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000));

        let za = zip_bundle(&a, None, &tmp.0.join("a.zip")).unwrap();
        touch_all(&a, SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000));
        let za2 = zip_bundle(&a, None, &tmp.0.join("a2.zip")).unwrap();
        let zb = zip_bundle(&b, None, &tmp.0.join("b.zip")).unwrap();
        let bytes = std::fs::read(&za.path).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(&za2.path).unwrap(),
            "touching mtimes changes nothing"
        );
        assert_eq!(
            bytes,
            std::fs::read(&zb.path).unwrap(),
            "a copy made in another order gives the same bytes"
        );
        assert_eq!(za.source_code_hash, zb.source_code_hash);
        assert_eq!(za.source_code_hash, base64_sha256(&bytes));
        assert_eq!(za.size, bytes.len() as u64);
        assert!(!za.reused && !za2.reused);

        let listed = entries(&za.path);
        let names: Vec<&str> = listed.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                ".next/BUILD_ID",
                "index.mjs",
                "node_modules/.bin/tool",
                "node_modules/a-b/index.js",
                "node_modules/a/lib/x.js",
                "node_modules/a/package.json"
            ],
            "sorted by path, no directory entries"
        );
        for (name, mode, bytes, modified) in &listed {
            let (_, text, src_mode) = FILES.iter().find(|f| f.0 == name).unwrap();
            assert_eq!(bytes, text.as_bytes());
            let expected = if src_mode & 0o100 != 0 { 0o755 } else { 0o644 };
            assert_eq!(mode.map(|m| m & 0o777), Some(expected), "{name}");
            assert_eq!(*modified, DateTime::default(), "{name}");
        }
    }

    #[test]
    fn a_change_of_content_name_or_executable_bit_changes_the_hash() {
        let tmp = TempDir::new();
        let base = zip_bundle(&bundle(&tmp.0, "base", FILES), None, &tmp.0.join("base.zip")).unwrap();
        let mut changed = FILES.to_vec();
        changed[0].1 = "export const handler = () => 2;\n";
        let content = zip_bundle(&bundle(&tmp.0, "content", &changed), None, &tmp.0.join("content.zip")).unwrap();
        let mut renamed = FILES.to_vec();
        renamed[0].0 = "main.mjs";
        let name = zip_bundle(&bundle(&tmp.0, "name", &renamed), None, &tmp.0.join("name.zip")).unwrap();
        let mut exec = FILES.to_vec();
        exec[0].2 = 0o755;
        let mode = zip_bundle(&bundle(&tmp.0, "mode", &exec), None, &tmp.0.join("mode.zip")).unwrap();
        let hashes = [&base, &content, &name, &mode].map(|z| z.source_code_hash.clone());
        for i in 0..hashes.len() {
            for j in i + 1..hashes.len() {
                assert_ne!(hashes[i], hashes[j], "{i} vs {j}");
            }
        }
    }

    #[test]
    fn an_up_to_date_zip_is_reused_and_a_stale_one_rewritten() {
        let tmp = TempDir::new();
        let dir = bundle(&tmp.0, "fn", FILES);
        let target = tmp.0.join("zips/fn.zip");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let first = zip_bundle(&dir, None, &target).unwrap();
        assert!(!first.reused);
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = inode(&target);
        touch_all(&dir, SystemTime::now());
        let second = zip_bundle(&dir, None, &target).unwrap();
        assert!(second.reused, "same inputs: the zip is reused");
        assert_eq!(inode(&target), before, "not rewritten");
        assert_eq!(second.source_code_hash, first.source_code_hash);

        write(&dir, "index.mjs", "changed", 0o644);
        let third = zip_bundle(&dir, None, &target).unwrap();
        assert!(!third.reused);
        assert_ne!(third.source_code_hash, first.source_code_hash);
        assert_ne!(inode(&target), before, "replaced by rename");

        // A zip that is not one (or was tampered with) is rewritten, not trusted.
        std::fs::write(&target, b"not a zip").unwrap();
        let fourth = zip_bundle(&dir, None, &target).unwrap();
        assert!(!fourth.reused);
        assert_eq!(fourth.source_code_hash, third.source_code_hash);
        let leftovers: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers,
            vec![std::ffi::OsString::from("fn.zip")],
            "no temporary files left"
        );
    }

    #[test]
    fn links_are_followed_and_a_loop_is_an_error_naming_it() {
        let tmp = TempDir::new();
        let plain = bundle(&tmp.0, "plain", FILES);
        let linked = bundle(&tmp.0, "linked", &FILES[..1]);
        let shared = bundle(&tmp.0, "shared", &FILES[1..]);
        // node_modules, .next as links to directories elsewhere: the zip holds the files they lead to.
        std::os::unix::fs::symlink(shared.join("node_modules"), linked.join("node_modules")).unwrap();
        std::os::unix::fs::symlink(shared.join(".next"), linked.join(".next")).unwrap();
        let a = zip_bundle(&plain, None, &tmp.0.join("plain.zip")).unwrap();
        let b = zip_bundle(&linked, None, &tmp.0.join("linked.zip")).unwrap();
        assert_eq!(a.source_code_hash, b.source_code_hash);

        std::os::unix::fs::symlink("..", linked.join("node_modules/a/lib/up")).unwrap();
        let e = zip_bundle(&linked, None, &tmp.0.join("loop.zip")).unwrap_err();
        assert!(matches!(e, ZipError::Bundle(_)));
        assert_eq!(e.error().path, linked.join("node_modules/a/lib/up"));
        assert!(e.error().problem.contains("symbolic link loop"), "{e}");
        std::fs::remove_file(linked.join("node_modules/a/lib/up")).unwrap();

        std::os::unix::fs::symlink(tmp.0.join("nowhere"), linked.join("dangling")).unwrap();
        let e = zip_bundle(&linked, None, &tmp.0.join("dangling.zip")).unwrap_err();
        assert_eq!(e.error().path, linked.join("dangling"));
        assert!(e.error().problem.contains("target does not exist"), "{e}");
    }

    fn function(name: &str, bundle: PathBuf) -> FunctionBundle {
        FunctionBundle {
            name: name.to_string(),
            role: super::super::output::FunctionRole::Server,
            bundle,
            handler: "index.handler".to_string(),
            streaming: false,
            wrapper: None,
            converter: None,
        }
    }

    #[tokio::test]
    async fn zips_every_function_under_its_sanitised_name() {
        let tmp = TempDir::new();
        let server = bundle(&tmp.0, "server", FILES);
        let edge = bundle(&tmp.0, "edge", &FILES[..2]);
        let zip_dir = tmp.0.join("out/zips");
        let zips = zip_functions(
            &[function("default", server.clone()), function("edge:geo", edge)],
            &BundleAssets::default(),
            &zip_dir,
        )
        .await
        .unwrap();
        assert_eq!(zips[0].0, "default");
        assert_eq!(zips[0].1.path, zip_dir.join("default.zip"));
        assert_eq!(zips[1].1.path, zip_dir.join("edge_geo.zip"));
        assert_eq!(zips[1].1.files, 2);

        let clash = zip_functions(
            &[function("edge:a", server.clone()), function("edge_a", server.clone())],
            &BundleAssets::default(),
            &zip_dir,
        )
        .await
        .unwrap_err();
        assert!(clash.error().problem.contains("would share this zip file"), "{clash}");

        let inside = zip_functions(
            &[function("default", server.clone())],
            &BundleAssets::default(),
            &server.join("zips"),
        )
        .await
        .unwrap_err();
        assert!(matches!(inside, ZipError::Output(_)));
        assert!(
            inside
                .error()
                .problem
                .contains("inside the bundle of function \"default\""),
            "{inside}"
        );
    }

    #[tokio::test]
    async fn the_static_assets_go_only_into_the_zips_of_the_functions_named() {
        let tmp = TempDir::new();
        let server = bundle(&tmp.0, "server", FILES);
        let warmer = bundle(&tmp.0, "warmer", &FILES[..1]);
        let assets = bundle(
            &tmp.0,
            "assets",
            &[("_next/static/chunks/a-1.js", "a", 0o644), ("robots.txt", "r", 0o644)],
        );
        let with = BundleAssets {
            dir: assets.clone(),
            functions: vec!["default".into()],
        };
        let zip_dir = tmp.0.join("zips");
        let functions = [function("default", server.clone()), function("warmer", warmer)];
        let zips = zip_functions(&functions, &with, &zip_dir).await.unwrap();
        let names = |p: &Path| entries(p).into_iter().map(|e| e.0).collect::<Vec<_>>();
        let server_names = names(&zips[0].1.path);
        assert!(server_names.contains(&"nextstack-assets/_next/static/chunks/a-1.js".to_string()));
        assert!(server_names.contains(&"nextstack-assets/robots.txt".to_string()));
        assert_eq!(server_names.len(), FILES.len() + 2);
        let mut sorted = server_names.clone();
        sorted.sort();
        assert_eq!(server_names, sorted, "entries stay sorted with the assets in");
        assert!(names(&zips[1].1.path)
            .iter()
            .all(|n| !n.starts_with("nextstack-assets/")));

        // A changed asset changes the server zip (its hash) and not the other.
        let before = (zips[0].1.source_code_hash.clone(), zips[1].1.source_code_hash.clone());
        write(&assets, "robots.txt", "r2", 0o644);
        let again = zip_functions(&functions, &with, &zip_dir).await.unwrap();
        assert_ne!(again[0].1.source_code_hash, before.0);
        assert_eq!(again[1].1.source_code_hash, before.1);

        // A bundle file already under nextstack-assets/ is refused, naming it.
        write(&server, "nextstack-assets/x", "x", 0o644);
        let clash = zip_functions(&functions, &with, &zip_dir).await.unwrap_err();
        assert_eq!(clash.error().path, server.join("nextstack-assets/x"));
        assert!(clash.error().problem.contains("static assets go"), "{clash}");
    }

    #[test]
    fn file_stems() {
        assert_eq!(zip_file_stem("default"), "default");
        assert_eq!(zip_file_stem("imageOptimizer"), "imageOptimizer");
        assert_eq!(zip_file_stem("edge:middleware"), "edge_middleware");
        assert_eq!(zip_file_stem("../x"), "_x");
        assert_eq!(zip_file_stem(""), "_");
    }
}
