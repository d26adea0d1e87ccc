//! Loading: finds every `.tf` / `.tf.json` file under the given paths, parses them in parallel
//! and groups them into modules (one per directory). Modules called through a local `source`
//! are loaded too; a module that no loaded module calls is a root, i.e. a stack.

use crate::ir::{self, Attr, Block, Body};
use crate::source::{FileId, SourceFile, Span};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use thiserror::Error;
use walkdir::WalkDir;

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

pub type ModId = usize;

#[derive(Debug)]
pub struct ResourceDecl {
    /// `resource`, `data` or `ephemeral`.
    pub mode: &'static str,
    pub ty: String,
    pub name: String,
    pub file: FileId,
    pub block: Block,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub file: FileId,
    pub block: Block,
    pub source: Option<String>,
    /// The called module when `source` is a local path.
    pub target: Option<ModId>,
}

#[derive(Debug)]
pub struct Item {
    pub file: FileId,
    pub attr: Attr,
}

#[derive(Debug)]
pub struct Variable {
    pub file: FileId,
    pub default: Option<Attr>,
    pub block: Block,
}

#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    /// Directory relative to the current directory, `.` for it.
    pub display: String,
    pub files: Vec<FileId>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Item>,
    pub outputs: BTreeMap<String, Item>,
    pub resources: Vec<ResourceDecl>,
    pub calls: Vec<ModuleCall>,
    /// `terraform.tfvars` and `*.auto.tfvars` (used when the module is a root).
    pub tfvars: Vec<(FileId, Body)>,
    pub called: bool,
}

#[derive(Debug, Default)]
pub struct Project {
    pub files: Vec<SourceFile>,
    pub modules: Vec<Module>,
    pub syntax_errors: Vec<(Span, String)>,
    /// Extra `--var-file`s, applied to every root.
    pub var_files: Vec<(FileId, Body)>,
}

impl Project {
    pub fn roots(&self) -> impl Iterator<Item = ModId> + '_ {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.called && !m.files.is_empty())
            .map(|(i, _)| i)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn line_count(&self) -> usize {
        self.files.iter().map(|f| f.text.lines().count()).sum()
    }
}

fn is_tf(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".tf") || n.ends_with(".tf.json")
}

fn is_tfvars(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n == "terraform.tfvars"
        || n == "terraform.tfvars.json"
        || n.ends_with(".auto.tfvars")
        || n.ends_with(".auto.tfvars.json")
}

/// Lexically normalises `a/./b/../c` to `a/c`.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `p` made absolute against the current directory, normalised.
pub fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    normalize(&abs)
}

pub fn display_path(abs: &Path) -> String {
    let cwd = absolute(Path::new("."));
    let rel = match abs.strip_prefix(&cwd) {
        Ok(r) => r.to_path_buf(),
        Err(_) => abs.to_path_buf(),
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// Files of one directory (not recursive).
fn dir_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && (is_tf(p) || is_tfvars(p)))
        .collect();
    v.sort();
    v
}

/// Directories never linted: Terraform's and Terragrunt's caches of downloaded or copied modules,
/// VCS metadata, and package caches. A `target/` is skipped only when it is a Cargo target
/// directory (it holds `CACHEDIR.TAG`), so a stack named `target` is still linted.
fn skipped_dir(e: &walkdir::DirEntry) -> bool {
    if e.depth() == 0 || !e.file_type().is_dir() {
        return false;
    }
    match e.file_name().to_str().unwrap_or("") {
        ".terraform" | ".terragrunt-cache" | ".git" | "node_modules" => true,
        "target" => e.path().join("CACHEDIR.TAG").is_file(),
        _ => false,
    }
}

/// Every Terraform file under the paths (see [`skipped_dir`]).
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(LoadError::NotFound(p.display().to_string()));
        }
        if p.is_file() {
            out.push(absolute(p));
            continue;
        }
        let walker = WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !skipped_dir(e));
        for e in walker.filter_map(|e| e.ok()) {
            if e.file_type().is_file() && (is_tf(e.path()) || is_tfvars(e.path())) {
                out.push(absolute(e.path()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

enum Parsed {
    Body(Body),
    Error(Range<usize>, String),
}

/// Deepest bracket nesting, roughly (brackets in strings count too).
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Nesting beyond this is refused (a syntax error) to keep the recursive parser on the stack.
const MAX_NESTING: usize = 200;

fn parse_text(path: &Path, text: &str) -> Parsed {
    if nesting(text) > MAX_NESTING {
        return Parsed::Error(0..0, format!("brackets nested deeper than {MAX_NESTING} levels"));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let res = if name.ends_with(".tfvars.json") {
        crate::json::tfvars_from_json(text)
    } else if name.ends_with(".json") {
        crate::json::from_json(text)
    } else {
        parse_hcl(text)
    };
    match res {
        Ok(b) => Parsed::Body(b),
        Err((r, m)) => Parsed::Error(r, m),
    }
}

/// More brackets than this left open at the end of a file (or template) are reported without
/// running the parser, which backtracks exponentially in the number of brackets it has to
/// give up on (found by `cargo fuzz run load_eval`: 20 unclosed `z[4/z==` took seconds).
const MAX_UNCLOSED: usize = 12;

/// When more than [`MAX_UNCLOSED`] brackets are still open at the end of `text`: the offset of
/// the outermost of them and their number. Brackets in comments, strings and heredocs do not
/// count; `${` / `%{` in strings do. `template` reads `text` as a template (string content).
pub fn unclosed_brackets(text: &str, template: bool) -> Option<(usize, usize)> {
    #[derive(PartialEq)]
    enum Frame {
        Bracket(usize),
        Interp(usize),
        Str,
    }
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let in_string = |stack: &Vec<Frame>| stack.last().map_or(template, |f| *f == Frame::Str);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if in_string(&stack) {
            match (c, next) {
                (b'\\', _) => i += 1,
                (b'$' | b'%', Some(b'$' | b'%')) if b.get(i + 2) == Some(&b'{') => i += 2,
                (b'$' | b'%', Some(b'{')) => {
                    stack.push(Frame::Interp(i));
                    i += 1;
                }
                (b'"', _) if !stack.is_empty() => {
                    stack.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match (c, next) {
            (b'#', _) | (b'/', Some(b'/')) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 1);
            }
            (b'"', _) => stack.push(Frame::Str),
            (b'<', Some(b'<')) => {
                // A heredoc: skip to the line that holds only its delimiter.
                let rest = &text[i + 2..];
                let rest_trim = rest.strip_prefix('-').unwrap_or(rest);
                let ident: String = rest_trim
                    .chars()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                    .collect();
                if !ident.is_empty() && rest_trim[ident.len()..].starts_with(['\n', '\r']) {
                    let body = i + 2 + (rest.len() - rest_trim.len()) + ident.len();
                    let mut pos = text[body..].find('\n').map_or(b.len(), |p| body + p + 1);
                    let mut end = b.len();
                    while pos < b.len() {
                        let line_end = text[pos..].find('\n').map_or(b.len(), |p| pos + p + 1);
                        if text[pos..line_end].trim() == ident {
                            end = line_end;
                            break;
                        }
                        pos = line_end;
                    }
                    i = end;
                    continue;
                }
                i += 1;
            }
            (b'(' | b'[' | b'{', _) => stack.push(Frame::Bracket(i)),
            (b')' | b']' | b'}', _) => match stack.pop() {
                // The end of an interpolation: back in its string.
                Some(Frame::Interp(_)) | Some(Frame::Bracket(_)) | None => {}
                Some(Frame::Str) => stack.push(Frame::Str),
            },
            _ => {}
        }
        i += 1;
    }
    let open: Vec<usize> = stack
        .iter()
        .filter_map(|f| match f {
            Frame::Bracket(p) | Frame::Interp(p) => Some(*p),
            Frame::Str => None,
        })
        .collect();
    (open.len() > MAX_UNCLOSED).then(|| (open[0], open.len()))
}

/// Parses native HCL; errors carry the byte offset of the failure.
pub fn parse_hcl(text: &str) -> Result<Body, (Range<usize>, String)> {
    if let Some((at, n)) = unclosed_brackets(text, false) {
        return Err((
            at..at + 1,
            format!("{n} brackets are never closed; the first opens here"),
        ));
    }
    let mut patched: Option<String> = None;
    for attempt in 0..64 {
        let cur = patched.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(cur) {
            Ok(b) => return Ok(ir::from_hcl(&b)),
            Err(e) => {
                let mut off = e.location().offset().min(cur.len());
                // The parser's offset may fall inside a multi-byte character.
                while !cur.is_char_boundary(off) {
                    off -= 1;
                }
                // Terraform accepts a repeated key in an object constructor (the last wins);
                // hcl-edit does not. Rename the repeat in place (same length, so spans hold).
                if attempt < 63 && e.message().contains("redefined object key") {
                    if let Some(p) = rename_key(cur, off, attempt) {
                        patched = Some(p);
                        continue;
                    }
                }
                let end = cur[off..].chars().next().map(|c| off + c.len_utf8()).unwrap_or(off);
                return Err((off..end, e.message().to_string()));
            }
        }
    }
    Err((0..0, "too many repeated object keys".into()))
}

/// Replaces the first character of the object key at `off` with a marker letter.
fn rename_key(text: &str, off: usize, attempt: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let pos = if bytes.get(off) == Some(&b'"') { off + 1 } else { off };
    let c = *bytes.get(pos)?;
    if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
        return None;
    }
    let marker = b"QXZJVWKYqxzjvwky"[attempt % 16];
    let mut v = bytes.to_vec();
    v[pos] = if c == marker { b'_' } else { marker };
    String::from_utf8(v).ok()
}

/// Loads the project under `paths`.
pub fn load(paths: &[PathBuf], var_files: &[PathBuf]) -> Result<Project, LoadError> {
    let files = discover(paths)?;
    let mut project = Project::default();
    let mut by_dir: HashMap<PathBuf, ModId> = HashMap::new();
    add_files(&mut project, &mut by_dir, files)?;
    // Local module sources, loaded until nothing new appears.
    let mut seen = 0;
    loop {
        let mut wanted = Vec::new();
        for m in seen..project.modules.len() {
            for c in &project.modules[m].calls {
                if let Some(dir) = local_source(&project.modules[m].dir, c.source.as_deref()) {
                    if !by_dir.contains_key(&dir) && dir.is_dir() {
                        wanted.extend(dir_files(&dir));
                    }
                }
            }
        }
        seen = project.modules.len();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let before = project.modules.len();
        add_files(&mut project, &mut by_dir, wanted)?;
        if project.modules.len() == before {
            break;
        }
    }
    for m in 0..project.modules.len() {
        let dir = project.modules[m].dir.clone();
        let mut targets = Vec::new();
        for c in &project.modules[m].calls {
            targets.push(local_source(&dir, c.source.as_deref()).and_then(|d| by_dir.get(&d).copied()));
        }
        for (i, t) in targets.into_iter().enumerate() {
            project.modules[m].calls[i].target = t;
            if let Some(t) = t {
                if t != m {
                    project.modules[t].called = true;
                }
            }
        }
    }
    // Modules that call each other in a cycle with no root above them would never be evaluated:
    // each of them counts as a root, so what they declare is still checked.
    let mut reached = vec![false; project.modules.len()];
    let mut todo: Vec<ModId> = project.roots().collect();
    while let Some(m) = todo.pop() {
        if std::mem::replace(&mut reached[m], true) {
            continue;
        }
        todo.extend(project.modules[m].calls.iter().filter_map(|c| c.target));
    }
    for (m, r) in reached.iter().enumerate() {
        if !r && !project.modules[m].files.is_empty() {
            project.modules[m].called = false;
        }
    }
    for vf in var_files {
        let abs = absolute(vf);
        let text = std::fs::read_to_string(&abs).map_err(|source| LoadError::Io {
            path: vf.display().to_string(),
            source,
        })?;
        let id = project.files.len();
        let parsed = if abs.to_string_lossy().ends_with(".json") {
            crate::json::tfvars_from_json(&text)
        } else {
            parse_hcl(&text)
        };
        project
            .files
            .push(SourceFile::new(abs.clone(), display_path(&abs), text));
        match parsed {
            Ok(b) => project.var_files.push((id, b)),
            Err((r, msg)) => project.syntax_errors.push((Span::new(id, r), msg)),
        }
    }
    Ok(project)
}

fn local_source(dir: &Path, source: Option<&str>) -> Option<PathBuf> {
    let s = source?;
    if s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
        Some(normalize(&dir.join(s)))
    } else {
        None
    }
}

/// Builds a project from in-memory files (no local module loading, no I/O): for fuzzing and tests.
pub fn load_sources(sources: Vec<(PathBuf, String)>) -> Project {
    let mut project = Project::default();
    let mut by_dir = HashMap::new();
    let loaded = sources
        .into_par_iter()
        .map(|(p, text)| {
            let parsed = parse_text(&p, &text);
            (p, text, parsed)
        })
        .collect();
    add_loaded(&mut project, &mut by_dir, loaded);
    project
}

fn add_files(
    project: &mut Project,
    by_dir: &mut HashMap<PathBuf, ModId>,
    files: Vec<PathBuf>,
) -> Result<(), LoadError> {
    let loaded: Vec<(PathBuf, String, Parsed)> = files
        .into_par_iter()
        .map(|p| {
            let text = std::fs::read(&p).map(|b| String::from_utf8_lossy(&b).into_owned());
            match text {
                Ok(text) => {
                    let parsed = parse_text(&p, &text);
                    Ok((p, text, parsed))
                }
                Err(source) => Err(LoadError::Io {
                    path: p.display().to_string(),
                    source,
                }),
            }
        })
        .collect::<Result<_, _>>()?;
    add_loaded(project, by_dir, loaded);
    Ok(())
}

fn add_loaded(project: &mut Project, by_dir: &mut HashMap<PathBuf, ModId>, loaded: Vec<(PathBuf, String, Parsed)>) {
    for (path, text, parsed) in loaded {
        let id = project.files.len();
        project
            .files
            .push(SourceFile::new(path.clone(), display_path(&path), text));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let m = *by_dir.entry(dir.clone()).or_insert_with(|| {
            project.modules.push(Module {
                display: display_path(&dir),
                dir,
                ..Default::default()
            });
            project.modules.len() - 1
        });
        let body = match parsed {
            Parsed::Body(b) => b,
            Parsed::Error(r, msg) => {
                project.syntax_errors.push((Span::new(id, r), msg));
                continue;
            }
        };
        let module = &mut project.modules[m];
        if is_tfvars(&path) {
            module.tfvars.push((id, body));
            continue;
        }
        module.files.push(id);
        add_body(module, id, body);
    }
}

fn add_body(module: &mut Module, file: FileId, body: Body) {
    for b in body.blocks {
        match (b.ident.as_str(), b.labels.as_slice()) {
            ("resource", [ty, name]) | ("data", [ty, name]) | ("ephemeral", [ty, name]) => {
                let mode = match b.ident.as_str() {
                    "resource" => "resource",
                    "data" => "data",
                    _ => "ephemeral",
                };
                module.resources.push(ResourceDecl {
                    mode,
                    ty: ty.clone(),
                    name: name.clone(),
                    file,
                    block: b,
                });
            }
            ("variable", [name]) => {
                let default = b.body.attr("default").cloned();
                module.variables.insert(
                    name.clone(),
                    Variable {
                        file,
                        default,
                        block: b,
                    },
                );
            }
            ("locals", []) => {
                for a in b.body.attrs {
                    module.locals.insert(a.key.clone(), Item { file, attr: a });
                }
            }
            ("output", [name]) => {
                if let Some(v) = b.body.attr("value") {
                    module.outputs.insert(name.clone(), Item { file, attr: v.clone() });
                }
            }
            ("module", [name]) => {
                let source = b.body.attr("source").and_then(|a| a.expr.as_str().map(str::to_string));
                module.calls.push(ModuleCall {
                    name: name.clone(),
                    file,
                    block: b,
                    source,
                    target: None,
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_parent_dirs() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }

    #[test]
    fn repeated_object_keys_are_accepted() {
        let b = parse_hcl("x = {\n  port = 1\n  port = 2\n}\n").expect("parses");
        assert_eq!(b.attrs.len(), 1);
    }

    #[test]
    fn error_offsets_inside_characters_do_not_panic() {
        // Found by `cargo fuzz run load_eval`.
        let e = parse_hcl("Y Y \u{01f3}").err();
        assert!(e.is_some_and(|(r, _)| r.start <= r.end));
    }

    #[test]
    fn many_unclosed_brackets_are_an_error_without_the_parser() {
        // Found by `cargo fuzz run load_eval`: the parser takes exponential time on this.
        let text = format!("N={}\n", "z[4/z==".repeat(40));
        let t = std::time::Instant::now();
        let e = parse_hcl(&text).err();
        assert!(e.is_some_and(|(r, m)| r.start == 3 && m.contains("40 brackets")));
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        let text = format!("N = \"${{{}\"\n", "z[4/z==".repeat(20));
        assert!(unclosed_brackets(&text, false).is_some());
    }

    #[test]
    fn brackets_in_strings_comments_and_heredocs_do_not_count() {
        let opens = "[[[[[[[[[[[[[[[[[[[[";
        for text in [
            format!("a = \"{opens}\"\n"),
            format!("# {opens}\na = 1\n"),
            format!("// {opens}\na = 1\n"),
            format!("/* {opens} */\na = 1\n"),
            format!("a = <<-EOT\n  {opens}\n  EOT\nb = [1]\n"),
            format!("a = \"${{x[\"{opens}\"]}}\"\n"),
            format!("a = \"$${{ {opens}\"\n"),
            format!("a = [{}]\n", "[".repeat(20) + &"]".repeat(20)),
        ] {
            assert_eq!(unclosed_brackets(&text, false), None, "{text}");
            assert!(parse_hcl(&text).is_ok(), "{text}");
        }
        assert!(unclosed_brackets(&format!("x ${{{}", "a[".repeat(20)), true).is_some());
    }

    #[test]
    fn syntax_error_has_offset() {
        let e = parse_hcl("resource \"a\" \"b\" {\n  x = \n}\n").err();
        assert!(e.is_some());
    }
}
