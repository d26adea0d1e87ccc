#![no_main]
//! Fuzzes the loader (HCL and JSON), the evaluator, the project model and every rule.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&first, rest)) = data.split_first() {
        let text = String::from_utf8_lossy(rest);
        nextstack_lint::fuzz_entry(&text, first & 1 == 1);
    }
});
