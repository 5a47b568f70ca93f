//! The dependency check is live: the same `deny.toml` that passes for Karte fails for a
//! throwaway crate that depends on a version with a known advisory in the snapshot.
//! Needs `cargo-deny` on PATH and `KARTE_ADVISORY_DBS` (scripts/test provides both).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A crate named `canary` depending on `smallvec` at `version`, with Karte's deny.toml.
fn canary(version: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "karte-deny-canary-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"canary\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nsmallvec = \"={version}\"\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::copy(workspace().join("deny.toml"), dir.join("deny.toml")).unwrap();
    let fetched = Command::new(env!("CARGO"))
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .stdin(Stdio::null())
        .status()
        .expect("cargo fetch");
    assert!(
        fetched.success(),
        "fetching smallvec {version} for the canary"
    );
    dir
}

/// Whether the advisory database is there; if not, the test is skipped or fails by the one
/// policy for reference data (`karte_tests::reference`): scripts/test sets
/// `KARTE_ADVISORY_SKIPPED` only on a new user's clone without `../shared` and offline.
fn advisory_database() -> bool {
    karte_tests::reference::present_or_skip(
        std::env::var_os("KARTE_ADVISORY_DBS").is_some()
            && std::env::var_os("KARTE_ADVISORY_SKIPPED").is_none(),
        "the advisory database (KARTE_ADVISORY_DBS, from ../shared/reference/advisory-db; run through scripts/test)",
    )
}

fn deny(manifest_dir: &Path, check: &str) -> Output {
    Command::new("cargo")
        .args(["deny", "--offline", "--manifest-path"])
        .arg(manifest_dir.join("Cargo.toml"))
        .args(["check", check])
        .stdin(Stdio::null())
        .output()
        .expect("cargo deny (cargo install cargo-deny)")
}

#[test]
fn karte_passes_the_dependency_check() {
    if !advisory_database() {
        return;
    }
    let out = deny(&workspace(), "advisories");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_crate_with_a_known_advisory_fails_the_check() {
    if !advisory_database() {
        return;
    }
    // RUSTSEC-2021-0003: buffer overflow in SmallVec::insert_many, patched in 1.6.1.
    let vulnerable = canary("1.6.0");
    let out = deny(&vulnerable, "advisories");
    let report = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "the check must fail for smallvec 1.6.0:\n{report}"
    );
    assert!(report.contains("RUSTSEC-2021-0003"), "{report}");

    let patched = canary("1.6.1");
    let out = deny(&patched, "advisories");
    assert!(
        out.status.success(),
        "the same configuration passes once patched:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(vulnerable);
    let _ = std::fs::remove_dir_all(patched);
}

/// `name vX.Y.Z` of every crate `package` links for `target`, from cargo itself.
fn linked_crates(package: &str, target: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args([
            "tree",
            "--quiet",
            "-p",
            package,
            "-e",
            "normal,no-proc-macro",
            "--prefix",
            "none",
            "-f",
            "{p}",
            "--target",
            target,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut crates: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split(" (").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with(package))
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

#[test]
fn the_sbom_lists_every_shipped_crate_with_version_and_licence() {
    let out_dir =
        std::env::temp_dir().join(format!("karte-sbom-{}", uuid::Uuid::new_v4().simple()));
    let status = Command::new("bash")
        .arg(workspace().join("scripts/sbom"))
        .arg(&out_dir)
        .stdin(Stdio::null())
        .status()
        .expect("scripts/sbom");
    assert!(status.success(), "scripts/sbom failed");
    for (package, target, file) in [
        (
            "karte-server",
            "x86_64-unknown-linux-gnu",
            "karte-server.cdx.json",
        ),
        ("karte-app", "wasm32-unknown-unknown", "karte-app.cdx.json"),
    ] {
        let bom: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out_dir.join(file)).expect(file))
                .expect("SBOM is JSON");
        assert_eq!(bom["bomFormat"], "CycloneDX", "{file}");
        assert_eq!(bom["metadata"]["component"]["name"], package, "{file}");
        let components = bom["components"].as_array().expect("components");
        let listed: std::collections::HashMap<String, &serde_json::Value> = components
            .iter()
            .map(|c| {
                (
                    format!(
                        "{} v{}",
                        c["name"].as_str().unwrap_or(""),
                        c["version"].as_str().unwrap_or("")
                    ),
                    c,
                )
            })
            .collect();
        let linked = linked_crates(package, target);
        assert!(
            linked.len() > 50,
            "{package}: cargo tree found {} crates",
            linked.len()
        );
        for krate in &linked {
            let component = listed
                .get(krate)
                .unwrap_or_else(|| panic!("{file}: {krate} missing"));
            let licences = component["licenses"].as_array().map(Vec::len).unwrap_or(0);
            assert!(licences > 0, "{file}: {krate} has no licence");
        }
    }
    let _ = std::fs::remove_dir_all(out_dir);
}
