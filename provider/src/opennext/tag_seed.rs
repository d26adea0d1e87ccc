//! `dynamodb-cache.json`: the rows OpenNext's tag cache starts with, one per (tag, path) of every
//! prerendered page, written by the initialization function's bundle. Values stay in DynamoDB's JSON form
//! (`{"S": ...}`, `{"N": ...}`) so that rows reach the table exactly as OpenNext wrote them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::output::{BuildError, BuildOutput, FunctionRole};

pub const SEED_FILE: &str = "dynamodb-cache.json";

/// One row: the table's key (`tag`, `path`) and every attribute as OpenNext wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRow {
    pub tag: String,
    pub path: String,
    /// Attribute name -> DynamoDB JSON (`{"S": "..."}`), including `tag` and `path`.
    pub item: BTreeMap<String, Json>,
}

/// Where the seed is: in the initialization function's bundle.
pub fn seed_path(build: &BuildOutput) -> Option<PathBuf> {
    build
        .function(FunctionRole::Initialization)
        .map(|f| f.bundle.join(SEED_FILE))
        .filter(|p| p.is_file())
}

/// The rows, sorted by key; none when the build has no tag cache seed.
pub fn rows(build: &BuildOutput) -> Result<Vec<TagRow>, BuildError> {
    match seed_path(build) {
        None => Ok(Vec::new()),
        Some(path) => read(&path),
    }
}

pub fn read(path: &Path) -> Result<Vec<TagRow>, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|e| BuildError::new(path, format!("cannot be read: {e}")))?;
    let json: Json = serde_json::from_str(&text)
        .map_err(|e| BuildError::new(path, format!("is not valid JSON (line {}): {e}", e.line())))?;
    let list = json
        .as_array()
        .ok_or_else(|| BuildError::new(path, "expected a list of DynamoDB items"))?;
    let mut rows = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let obj = item
            .as_object()
            .ok_or_else(|| BuildError::new(path, format!("item {i}: expected an object")))?;
        let key = |name: &str| {
            obj.get(name)
                .and_then(|v| v.get("S"))
                .and_then(Json::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    BuildError::new(
                        path,
                        format!("item {i}: {name} must be a string attribute ({{\"S\": ...}})"),
                    )
                })
        };
        rows.push(TagRow {
            tag: key("tag")?,
            path: key("path")?,
            item: obj.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        });
    }
    rows.sort_by(|a, b| (&a.tag, &a.path).cmp(&(&b.tag, &b.path)));
    rows.dedup_by(|a, b| a.tag == b.tag && a.path == b.path);
    Ok(rows)
}
