//! The provider's layers stay apart (../shared/STYLE.md, "three layers that never blur"): `aws/` knows AWS
//! and `opennext/` knows the build, neither knows Terraform (the plugin framework) nor the resources that
//! join them. Read from the source tree, so that an import that crosses a layer fails `cargo test`.

use std::fs;
use std::path::{Path, PathBuf};

/// What each layer must never name, outside comments.
const RULES: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "tfplugin_framework",
            "crate::resources",
            "crate::provider",
            "crate::functions",
            "crate::opennext",
        ],
    ),
    (
        "opennext",
        &[
            "tfplugin_framework",
            "crate::resources",
            "crate::provider",
            "crate::functions",
            "crate::aws",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `path:line: text` for every non-comment line of the layer's files that names something forbidden.
fn crossings(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no Rust files under {}", root.display());
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if let Some(name) = forbidden.iter().find(|name| code.contains(**name)) {
                found.push(format!("{}:{}: {name}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn aws_and_opennext_know_neither_terraform_nor_the_resources() {
    let found: Vec<String> = RULES
        .iter()
        .flat_map(|(layer, forbidden)| crossings(layer, forbidden))
        .collect();
    assert!(
        found.is_empty(),
        "layers crossed (aws/ and opennext/ must not import the framework or other layers; \
         turn AWS errors into diagnostics in resources/):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_crossing() {
    // The rule is only worth something if it can fail: resources/ does import the framework.
    assert!(!crossings("resources", &["tfplugin_framework"]).is_empty());
}
