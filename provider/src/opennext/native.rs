//! The architecture a function bundle's native code was built for, read from the bundle itself: Lambda runs a
//! function on `x86_64` or `arm64`, and a native module built for the other one fails to load (sharp in the
//! image optimization function: `/_next/image` answers 500). OpenNext asks npm for the target's binaries with
//! `--cpu`, which some npm versions ignore, so what the build's `package.json` or its configuration asked for
//! proves nothing; the bytes do.
//!
//! Evidence, per file under the bundle (links followed, as the zip follows them):
//! - every `*.node` file that is an ELF object: its `e_machine` (62 x86-64, 183 AArch64);
//! - every platform package directory (`node_modules/[@scope/]name` whose name says `linux-<arch>` or
//!   `linuxmusl-<arch>`, such as sharp's `@img/sharp-linux-x64` and `@img/sharp-libvips-linux-arm64`, whose
//!   libvips has no `.node` file): the architecture its name says.
//!
//! A native module is either built in place (`build/Release/x.node`): the function must run on its
//! architecture; or one of a set of alternatives its loader picks from at run time by `process.arch`: the
//! platform packages of one family (`@img/sharp-linux-x64` and `@img/sharp-linux-arm64`) and the
//! `prebuilds/<platform>-<arch>/` directories of one package (node-gyp-build). A family that holds both
//! architectures binds nothing; one that holds one binds the function to it. Files for another operating system
//! (`darwin-arm64` prebuilds, a macOS `fsevents.node`, anything that is not ELF) are never loaded on Lambda and
//! say nothing. Two bindings to different architectures are an error that names both files.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path};

use walkdir::WalkDir;

use super::output::BuildError;

/// The architectures Lambda runs, by the names Lambda's API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// What a file or directory says it was built for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Lambda(Architecture),
    /// Linux on an architecture Lambda does not run (`arm`, `s390x`, ELF machine 3, ...).
    Other(String),
}

/// The architecture `bundle`'s native code binds function `name` to: `None` when nothing binds it (no native
/// code, or every native module ships for both). Blocking: call it off the async runtime.
pub fn native_architecture(name: &str, bundle: &Path) -> Result<Option<Architecture>, BuildError> {
    // (target, path, is a directory) of code built in place; family -> target -> (first path, is a directory) of
    // run-time alternatives.
    let mut bound: Vec<(Target, String, bool)> = Vec::new();
    let mut families: BTreeMap<String, BTreeMap<Target, (String, bool)>> = BTreeMap::new();
    for entry in WalkDir::new(bundle).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(bundle).to_path_buf();
            BuildError::new(path, format!("cannot be read: {e}"))
        })?;
        let rel = entry.path().strip_prefix(bundle).unwrap_or(entry.path());
        let parts: Vec<&str> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        let shown = parts.join("/");
        let is_dir = entry.file_type().is_dir();
        let target = if is_dir {
            match platform_package(&parts) {
                Some(Ok(target)) => target,
                _ => continue,
            }
        } else if shown.ends_with(".node") {
            match elf_target(entry.path())? {
                Some(target) => target,
                None => continue,
            }
        } else {
            continue;
        };
        match family(&parts, is_dir) {
            Family::Foreign => {}
            Family::Alternatives(key) => prefer_files(families.entry(key).or_default(), target, shown, is_dir),
            Family::None => bound.push((target, shown, is_dir)),
        }
    }
    for alternatives in families.into_values() {
        let runnable = alternatives.keys().filter(|t| matches!(t, Target::Lambda(_))).count();
        match runnable {
            // Only architectures Lambda does not run: the first one is the error below.
            0 => bound.extend(alternatives.into_iter().take(1).map(|(t, (p, d))| (t, p, d))),
            1 => bound.extend(
                alternatives
                    .into_iter()
                    .filter(|(t, _)| matches!(t, Target::Lambda(_)))
                    .map(|(t, (p, d))| (t, p, d)),
            ),
            _ => {}
        }
    }
    // One piece of evidence per target, a `.node` file rather than a package directory where there is one.
    let mut evidence: BTreeMap<Target, (String, bool)> = BTreeMap::new();
    for (target, path, is_dir) in bound {
        prefer_files(&mut evidence, target, path, is_dir);
    }
    if let Some((Target::Other(o), (path, _))) = evidence.iter().find(|(t, _)| matches!(t, Target::Other(_))) {
        return Err(BuildError::new(
            bundle.join(path),
            format!("is native code for {o}, which Lambda does not run (function \"{name}\"): Lambda runs x86_64 and arm64; install the function's dependencies for one of them"),
        ));
    }
    let mut archs = evidence.into_iter().filter_map(|(t, (path, _))| match t {
        Target::Lambda(a) => Some((a, path)),
        Target::Other(_) => None,
    });
    match (archs.next(), archs.next()) {
        (Some((a, first)), Some((b, second))) => Err(BuildError::new(
            bundle,
            format!(
                "function \"{name}\" mixes native code for two architectures: {first} is {} and {second} is {}; Lambda runs a function on one architecture, so one of them cannot load. Install the function's dependencies for one architecture (npm install --os=linux --cpu=x64 or --cpu=arm64, on a machine or in a container of that architecture).",
                a.as_str(),
                b.as_str()
            ),
        )),
        (found, _) => Ok(found.map(|(a, _)| a)),
    }
}

/// Records `path` as the evidence for `target` unless there is some: a package directory only until a `.node`
/// file says the same.
fn prefer_files(evidence: &mut BTreeMap<Target, (String, bool)>, target: Target, path: String, is_dir: bool) {
    let slot = evidence.entry(target).or_insert((path.clone(), is_dir));
    if slot.1 && !is_dir {
        *slot = (path, false);
    }
}

enum Family {
    /// Code built in place: it binds the function.
    None,
    /// One of a set of run-time alternatives, by the set's key.
    Alternatives(String),
    /// For another operating system: never loaded on Lambda.
    Foreign,
}

/// Where `parts` (a path under the bundle) sits: inside a platform package, a `prebuilds/<platform>-<arch>`
/// directory, or neither. The outermost match decides.
fn family(parts: &[&str], is_dir: bool) -> Family {
    let dirs = if is_dir {
        parts.len()
    } else {
        parts.len().saturating_sub(1)
    };
    for i in 0..dirs {
        if parts[i] == "prebuilds" && i + 1 < dirs {
            return match platform_arch(parts[i + 1]) {
                Some((true, _, _)) => Family::Alternatives(format!("{}/*", parts[..=i].join("/"))),
                Some((false, _, _)) => Family::Foreign,
                None => Family::None,
            };
        }
        if platform_package(&parts[..=i]).is_some() {
            return match platform_arch(parts[i]) {
                Some((true, start, end)) => {
                    let mut key = parts[..i].join("/");
                    key.push('/');
                    key.push_str(&parts[i][..start]);
                    key.push('*');
                    key.push_str(&parts[i][end..]);
                    Family::Alternatives(key)
                }
                _ => Family::Foreign,
            };
        }
    }
    Family::None
}

/// For the last of `parts`, a package directory (`node_modules/name` or `node_modules/@scope/name`) whose name
/// says its platform: `Ok(target)` for Linux, `Err(())` for another operating system; `None` for other paths.
fn platform_package(parts: &[&str]) -> Option<Result<Target, ()>> {
    let n = parts.len();
    let in_node_modules = (n >= 2 && parts[n - 2] == "node_modules")
        || (n >= 3 && parts[n - 3] == "node_modules" && parts[n - 2].starts_with('@'));
    if !in_node_modules {
        return None;
    }
    let (linux, start, end) = platform_arch(parts[n - 1])?;
    if !linux {
        return Some(Err(()));
    }
    Some(Ok(arch_target(&parts[n - 1][start..end])))
}

const OTHER_SYSTEMS: &[&str] = &[
    "darwin", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix", "android", "wasm32", "wasi",
];
const ARCHES: &[&str] = &[
    "x64",
    "arm64",
    "aarch64",
    "x86_64",
    "ia32",
    "arm",
    "armv7",
    "s390x",
    "ppc64",
    "ppc64le",
    "riscv64",
    "loong64",
    "mips64el",
    "universal",
];

/// `sharp-linux-x64` -> (Linux?, start and end of the architecture in the name), for a name with a
/// `<platform>-<arch>` pair of `-`-separated tokens (`linux-x64`, `linuxmusl-arm64`, `darwin-x64+arm64`).
fn platform_arch(name: &str) -> Option<(bool, usize, usize)> {
    let mut offset = 0;
    let tokens: Vec<(usize, &str)> = name
        .split('-')
        .map(|t| {
            let at = offset;
            offset += t.len() + 1;
            (at, t)
        })
        .collect();
    for pair in tokens.windows(2) {
        let ((_, platform), (at, arch)) = (pair[0], pair[1]);
        let known_arch = arch.split('+').all(|a| ARCHES.contains(&a));
        if !known_arch {
            continue;
        }
        if platform.starts_with("linux") {
            return Some((true, at, at + arch.len()));
        }
        if OTHER_SYSTEMS.contains(&platform) {
            return Some((false, at, at + arch.len()));
        }
    }
    None
}

fn arch_target(arch: &str) -> Target {
    match arch {
        "x64" | "x86_64" => Target::Lambda(Architecture::X86_64),
        "arm64" | "aarch64" => Target::Lambda(Architecture::Arm64),
        other => Target::Other(format!("linux-{other}")),
    }
}

/// The machine an ELF object was built for; `None` for a file that is not ELF (not Linux code).
fn elf_target(path: &Path) -> Result<Option<Target>, BuildError> {
    let mut header = [0u8; 20];
    let mut file = File::open(path).map_err(|e| BuildError::new(path, format!("cannot be read: {e}")))?;
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BuildError::new(path, format!("cannot be read: {e}"))),
        }
    }
    if read < header.len() || header[..4] != *b"\x7fELF" {
        return Ok(None);
    }
    let bytes = [header[18], header[19]];
    // e_ident[EI_DATA]: 1 little-endian, 2 big-endian.
    let machine = if header[5] == 2 {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    };
    Ok(Some(match machine {
        62 => Target::Lambda(Architecture::X86_64),
        183 => Target::Lambda(Architecture::Arm64),
        3 => Target::Other("i386 (ELF machine 3)".into()),
        40 => Target::Other("32-bit ARM (ELF machine 40)".into()),
        m => Target::Other(format!("ELF machine {m}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new() -> Self {
            let p = std::env::temp_dir().join(format!("nextstack-native-{}", fastrand::u64(..)));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
        fn file(&self, rel: &str, bytes: &[u8]) -> &Self {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
            self
        }
        fn dir(&self, rel: &str) -> &Self {
            std::fs::create_dir_all(self.0.join(rel)).unwrap();
            self
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The first 64 bytes of a little-endian ELF64 shared object for `machine`.
    fn elf(machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2; // ELFCLASS64
        h[5] = 1; // little-endian
        h[6] = 1;
        h[16] = 3; // ET_DYN
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h
    }
    const X64: u16 = 62;
    const ARM64: u16 = 183;

    fn arch(d: &TempDir) -> Result<Option<&'static str>, String> {
        native_architecture("fn", &d.0)
            .map(|a| a.map(Architecture::as_str))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn no_native_code_binds_nothing() {
        let d = TempDir::new();
        d.file("index.mjs", b"export const handler = 1;")
            .file("node_modules/a/index.js", b"")
            .file("node_modules/a/x.node", b"not an ELF file");
        assert_eq!(arch(&d), Ok(None));
    }

    #[test]
    fn sharp_for_one_architecture_binds_the_function_to_it() {
        let d = TempDir::new();
        d.file(
            "node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64-0.35.5.node",
            &elf(ARM64),
        )
        .file(
            "node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so.8",
            b"\x7fELF",
        );
        assert_eq!(arch(&d), Ok(Some("arm64")));
        // libvips alone (no .node file) still says x64.
        let d = TempDir::new();
        d.dir("node_modules/@img/sharp-libvips-linux-x64/lib");
        assert_eq!(arch(&d), Ok(Some("x86_64")));
    }

    #[test]
    fn code_built_in_place_is_read_from_its_elf_header() {
        let d = TempDir::new();
        d.file("node_modules/bcrypt/build/Release/bcrypt_lib.node", &elf(X64));
        assert_eq!(arch(&d), Ok(Some("x86_64")));
        let mut big_endian = elf(0);
        big_endian[5] = 2;
        big_endian[18..20].copy_from_slice(&ARM64.to_be_bytes());
        d.file("node_modules/other/build/Release/other.node", &big_endian);
        let err = arch(&d).unwrap_err();
        assert!(
            err.contains("function \"fn\" mixes native code for two architectures"),
            "{err}"
        );
        assert!(
            err.contains("node_modules/bcrypt/build/Release/bcrypt_lib.node is x86_64")
                && err.contains("node_modules/other/build/Release/other.node is arm64"),
            "{err}"
        );
    }

    #[test]
    fn a_sharp_for_the_other_architecture_beside_code_built_in_place_is_an_error() {
        let d = TempDir::new();
        d.file("node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node", &elf(X64))
            .dir("node_modules/@img/sharp-libvips-linux-x64/lib")
            .file("node_modules/canvas/build/Release/canvas.node", &elf(ARM64));
        let err = arch(&d).unwrap_err();
        assert!(
            err.contains("node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node is x86_64")
                && err.contains("node_modules/canvas/build/Release/canvas.node is arm64"),
            "a .node file, not a package directory, is named: {err}"
        );
    }

    #[test]
    fn alternatives_for_both_architectures_bind_nothing() {
        let d = TempDir::new();
        d.file("node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node", &elf(X64))
            .file(
                "node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64.node",
                &elf(ARM64),
            )
            .dir("node_modules/@img/sharp-libvips-linux-x64")
            .dir("node_modules/@img/sharp-libvips-linux-arm64")
            .file("node_modules/bufferutil/prebuilds/linux-x64/bufferutil.node", &elf(X64))
            .file(
                "node_modules/bufferutil/prebuilds/linux-arm64/bufferutil.node",
                &elf(ARM64),
            )
            .file(
                "node_modules/bufferutil/prebuilds/darwin-x64+arm64/bufferutil.node",
                b"\xcf\xfa\xed\xfe",
            );
        assert_eq!(arch(&d), Ok(None));
        // One prebuild only: the package loads on that architecture alone.
        d.file(
            "node_modules/utf-8-validate/prebuilds/linux-arm64/node.napi.node",
            &elf(ARM64),
        );
        assert_eq!(arch(&d), Ok(Some("arm64")));
    }

    #[test]
    fn other_operating_systems_say_nothing() {
        let d = TempDir::new();
        d.file(
            "node_modules/@img/sharp-darwin-arm64/lib/sharp-darwin-arm64.node",
            b"\xcf\xfa\xed\xfe",
        )
        .file("node_modules/fsevents/fsevents.node", b"\xcf\xfa\xed\xfe")
        .file("node_modules/@esbuild/win32-x64/esbuild.exe", b"MZ");
        assert_eq!(arch(&d), Ok(None));
    }

    #[test]
    fn an_architecture_lambda_does_not_run_is_an_error() {
        let d = TempDir::new();
        d.file("node_modules/x/build/Release/x.node", &elf(40));
        let err = arch(&d).unwrap_err();
        assert!(err.contains("x.node: is native code for 32-bit ARM"), "{err}");
        let d = TempDir::new();
        d.dir("node_modules/@img/sharp-libvips-linux-s390x");
        let err = arch(&d).unwrap_err();
        assert!(err.contains("linux-s390x"), "{err}");
    }

    #[test]
    fn platform_names_are_read_token_by_token() {
        assert_eq!(platform_arch("sharp-linux-x64"), Some((true, 12, 15)));
        assert_eq!(platform_arch("sharp-libvips-linuxmusl-arm64"), Some((true, 24, 29)));
        assert_eq!(platform_arch("swc-linux-x64-gnu"), Some((true, 10, 13)));
        assert_eq!(platform_arch("darwin-x64+arm64"), Some((false, 7, 16)));
        assert_eq!(platform_arch("linux-notes"), None);
        assert_eq!(platform_arch("sharp"), None);
    }
}
