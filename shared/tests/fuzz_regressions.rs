//! Every input kept from fuzzing (`shared/fuzz/regressions/<target>/`: inputs that once crashed
//! a parser) and every seed (`shared/fuzz/seeds/<target>/`) replayed through the same entry
//! points the fuzz targets drive (`shared/fuzz/entries.rs`): each must return, not panic.
//! `scripts/fuzz` runs the coverage-guided fuzzers themselves, for a bounded time.

include!("../fuzz/entries.rs");

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let dir = root.join(dir).join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                let bytes = std::fs::read(&path).expect("input");
                out.push((path, bytes));
            }
        }
    }
    out
}

fn replay(target: &str, run: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "{target}: no seeds");
    for (path, bytes) in inputs {
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target}: {} panics", path.display());
    }
}

#[test]
fn request_bodies_kept_from_fuzzing_are_refused_or_read_without_a_panic() {
    replay("json_body", json_body);
}

#[test]
fn lab_files_kept_from_fuzzing_are_refused_or_read_without_a_panic() {
    replay("lab_csv", lab_csv);
}

#[test]
fn master_files_kept_from_fuzzing_are_refused_or_read_without_a_panic() {
    replay("master_csv", master_csv);
}
