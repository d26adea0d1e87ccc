//! The fuzz target's entry point (`lint/fuzz`) run over deterministic mutations of every
//! fixture, so `cargo test` exercises what `cargo fuzz run load_eval` does, without nightly.

use std::path::Path;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "${",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "%{ if true }",
    "%{ endif }",
    "%{ for x in [1] }",
    "<<EOT\n",
    "\nEOT\n",
    "jsonencode(",
    "jsondecode(",
    "merge(",
    "lookup(",
    "try(",
    "var.",
    "local.",
    "module.",
    "each.value",
    "count.index",
    " = ",
    "\n",
    "null",
    "-1",
    "1e309",
    "[*]",
    ".*",
    "for k, v in ",
    " : ",
    "=>",
    "...",
    "?",
    "!",
    "&&",
    "||",
    "/",
    "%",
    "dynamic \"x\" {",
    "content {",
    "for_each = ",
    "count = ",
    "module \"m\" { source = \"./\" }",
    "\u{00e9}",
    "\u{1F600}",
];

fn mutate(rng: &mut XorShift, s: &str) -> String {
    let mut b: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 if !b.is_empty() => {
                let end = (at + rng.below(16)).min(b.len());
                b.drain(at.min(end)..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                for (i, c) in t.chars().enumerate() {
                    b.insert((at + i).min(b.len()), c);
                }
            }
            2 if !b.is_empty() => {
                let from = rng.below(b.len());
                let end = (from + rng.below(40)).min(b.len());
                let chunk: Vec<char> = b[from..end].to_vec();
                for (i, c) in chunk.into_iter().enumerate() {
                    b.insert((at + i).min(b.len()), c);
                }
            }
            _ => {
                if let Some(c) = b.get_mut(at) {
                    *c = char::from(b"{}[]()\"=$%.,\n#x0"[rng.below(16)]);
                }
            }
        }
    }
    b.into_iter().collect()
}

fn seeds() -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for e in walk(&root) {
        let name = e.to_string_lossy().to_string();
        if name.ends_with(".tf") || name.ends_with(".tf.json") {
            if let Ok(t) = std::fs::read_to_string(&e) {
                out.push((t, name.ends_with(".json")));
            }
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                v.extend(walk(&p));
            } else {
                v.push(p);
            }
        }
    }
    v
}

#[test]
fn mutated_fixtures_never_panic() {
    // Same stack size as the CLI's worker thread.
    let h = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let seeds = seeds();
            assert!(seeds.len() > 40, "fixtures not found");
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
            let mut runs = 0;
            for (text, json) in &seeds {
                nextstack_lint::fuzz_entry(text, *json);
                runs += 1;
                for _ in 0..40 {
                    let m = mutate(&mut rng, text);
                    nextstack_lint::fuzz_entry(&m, *json);
                    runs += 1;
                }
            }
            // Pathological inputs.
            for text in [
                "x = ".to_string() + &"[".repeat(5000),
                "locals {\n".to_string() + &(0..300).map(|i| format!("  l{i} = local.l{}\n", i + 1)).collect::<String>() + "}\n",
                "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_lambda_function\" \"f\" { function_name = local.a }\n".to_string(),
                "module \"self\" {\n  source = \"./\"\n}\n".to_string(),
                "resource \"aws_ecs_service\" \"s\" {\n  count = 1e9\n}\n".to_string(),
                "locals {\n  x = [for i in range(100000) : i]\n}\n".to_string(),
            ] {
                nextstack_lint::fuzz_entry(&text, false);
                runs += 1;
            }
            runs
        })
        .expect("spawn");
    let runs = h.join().expect("no panic while linting mutated inputs");
    assert!(runs > 1000, "ran {runs} inputs");
}
