//! A function's deployment package: downloaded from `GetFunction`'s `Code.Location` (a presigned URL on AWS;
//! the emulator's own URL in the tests), checked against `CodeSha256`, unzipped once per digest into a cache
//! outside any checkout, and scanned for native modules.

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::Architecture;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("function {function}: downloading its code from {url}: {message}")]
    Download {
        function: String,
        url: String,
        message: String,
    },
    #[error("function {function}: the package's SHA-256 is {got}, GetFunction says {want}")]
    Digest {
        function: String,
        got: String,
        want: String,
    },
    #[error("function {function}: unzipping its package: {message}")]
    Unzip { function: String, message: String },
    #[error("function {function}: its package mixes native modules for {a} ({a_file}) and {b} ({b_file})")]
    MixedNative {
        function: String,
        a: &'static str,
        a_file: String,
        b: &'static str,
        b_file: String,
    },
}

/// The directory holding the unzipped package with this digest, unzipping `zip` there if it is not yet.
pub fn unpack(cache: &Path, function: &str, code_sha256: &str, zip: &[u8]) -> Result<PathBuf, CodeError> {
    let got = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip));
    if !code_sha256.is_empty() && got != code_sha256 {
        return Err(CodeError::Digest {
            function: function.into(),
            got,
            want: code_sha256.into(),
        });
    }
    let name = hex::encode(Sha256::digest(zip));
    let dir = cache.join(&name);
    if dir.join(".complete").is_file() {
        return Ok(dir);
    }
    let unzip_err = |message: String| CodeError::Unzip {
        function: function.into(),
        message,
    };
    std::fs::create_dir_all(cache).map_err(|e| unzip_err(format!("{}: {e}", cache.display())))?;
    let partial = cache.join(format!(".{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| unzip_err(e.to_string()))?;
    archive.extract(&partial).map_err(|e| unzip_err(e.to_string()))?;
    std::fs::write(partial.join(".complete"), b"").map_err(|e| unzip_err(e.to_string()))?;
    if std::fs::rename(&partial, &dir).is_err() {
        // Another edge unpacked the same package first.
        let _ = std::fs::remove_dir_all(&partial);
        if !dir.join(".complete").is_file() {
            return Err(unzip_err(format!("could not move the package into {}", dir.display())));
        }
    }
    Ok(dir)
}

/// The CPU the package's `*.node` files were built for (ELF `e_machine`), None when it has none.
///
/// AWS: Lambda Developer Guide, "Selecting and configuring an instruction set architecture for your Lambda function"
/// (a function runs on `x86_64` or `arm64`, and "your function code and any dependencies that it uses must be
/// compatible with the instruction set architecture": a package whose native binaries were built for the other CPU
/// does not load), and "Building Lambda functions with Node.js" / "Deploy Node.js Lambda functions with .zip file
/// archives" (native addons are `.node` shared objects in the package, built for Amazon Linux on the function's
/// architecture). JavaScript alone runs on either, so only `*.node` files decide; a package with both CPUs' addons
/// cannot load all of them on one architecture and is refused.
pub fn native_architecture(function: &str, dir: &Path) -> Result<Option<Architecture>, CodeError> {
    let mut found: Option<(Architecture, String)> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "node") {
                let Some(arch) = elf_machine(&path) else { continue };
                let rel = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
                match &found {
                    Some((a, a_file)) if *a != arch => {
                        return Err(CodeError::MixedNative {
                            function: function.into(),
                            a: a.as_str(),
                            a_file: a_file.clone(),
                            b: arch.as_str(),
                            b_file: rel,
                        })
                    }
                    Some(_) => {}
                    None => found = Some((arch, rel)),
                }
            }
        }
    }
    Ok(found.map(|(a, _)| a))
}

/// The ELF header's `e_machine` (little-endian at offset 18: the System V ABI's ELF header layout): `EM_X86_64`
/// (0x3e) or `EM_AARCH64` (0xb7), the two CPUs Lambda offers.
fn elf_machine(path: &Path) -> Option<Architecture> {
    let mut header = [0u8; 20];
    std::fs::File::open(path).ok()?.read_exact(&mut header).ok()?;
    if &header[..4] != b"\x7fELF" {
        return None;
    }
    match u16::from_le_bytes([header[18], header[19]]) {
        0x3e => Some(Architecture::X86_64),
        0xb7 => Some(Architecture::Arm64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, data) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
        out.into_inner()
    }

    fn elf(machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h
    }

    #[test]
    fn unpacks_once_per_digest_and_checks_it() {
        let cache = std::env::temp_dir().join(format!("edge-code-{}", fastrand::u64(..)));
        let zip = zip_of(&[("index.mjs", b"export const handler = () => 1;")]);
        let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&zip));
        let dir = unpack(&cache, "f", &sha, &zip).unwrap();
        assert!(dir.join("index.mjs").is_file());
        assert_eq!(unpack(&cache, "f", &sha, &zip).unwrap(), dir);
        let err = unpack(&cache, "f", "AAAA", &zip).unwrap_err().to_string();
        assert!(err.contains("function f") && err.contains("AAAA"), "{err}");
        std::fs::remove_dir_all(cache).unwrap();
    }

    #[test]
    fn native_modules_name_their_cpu() {
        let cache = std::env::temp_dir().join(format!("edge-code-{}", fastrand::u64(..)));
        let arm = elf(0xb7);
        let x86 = elf(0x3e);
        let only_js = unpack(&cache, "js", "", &zip_of(&[("index.js", b"1")])).unwrap();
        assert_eq!(native_architecture("js", &only_js).unwrap(), None);
        let arm_dir = unpack(
            &cache,
            "img",
            "",
            &zip_of(&[("node_modules/@img/sharp/lib/sharp.node", &arm)]),
        )
        .unwrap();
        assert_eq!(native_architecture("img", &arm_dir).unwrap(), Some(Architecture::Arm64));
        let mixed = unpack(&cache, "mix", "", &zip_of(&[("a.node", &arm), ("b/c.node", &x86)])).unwrap();
        let err = native_architecture("mix", &mixed).unwrap_err().to_string();
        assert!(
            err.contains("function mix") && err.contains("a.node") && err.contains("c.node"),
            "{err}"
        );
        std::fs::remove_dir_all(cache).unwrap();
    }
}
