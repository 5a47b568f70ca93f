//! Where the team's reference data is (`../shared/reference/…`, beside the repository) and the
//! one policy for every test that needs it (included by `shared/tests/common` and by the
//! `tests` crate, so both follow it):
//! - present: the test runs;
//! - missing under `CI=true`, or missing while `../shared` itself is there: the test fails — a
//!   broken checkout must never pass;
//! - missing with no `../shared` at all (a new user's clone): the test is skipped — it returns
//!   early and names itself on stderr and in the file `$KARTE_SKIPPED_LOG`, which `scripts/test`
//!   counts and reports in its closing lines.

use std::path::PathBuf;

/// The team's shared folder beside the repository (both test crates sit one level below the
/// workspace root).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// `../shared/reference/<sub>` if present; `None` when the test must be skipped (see the
/// module's policy); a panic when it must fail.
pub fn reference(sub: &str) -> Option<PathBuf> {
    let path = shared_dir().join("reference").join(sub);
    present_or_skip(path.exists(), &format!("../shared/reference/{sub}")).then_some(path)
}

/// The policy for any reference data a test needs (`what` names it): `true` when `present`;
/// else a panic under CI or with `../shared` there, or a recorded skip (`false`).
pub fn present_or_skip(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci && !shared_dir().is_dir(),
        "reference data missing: {what} (CI, or ../shared present without it: a missing file is a failure)"
    );
    skip(what);
    false
}

/// Records that the running test is skipped because `what` is missing.
pub fn skip(what: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("(unnamed)")
        .to_string();
    eprintln!("SKIPPED {test}: {what} not found (no ../shared beside the repository)");
    if let Some(log) = std::env::var_os("KARTE_SKIPPED_LOG") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(file, "{test}\t{what}");
        }
    }
}
