//! Records the git commit the binary is built from (構成管理), for `/api/v1/health` and the UI.
//! `KARTE_COMMIT` overrides it (for builds outside a git checkout).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=KARTE_COMMIT");
    // sqlx::migrate! embeds server/migrations at compile time; a new file must rebuild.
    println!("cargo:rerun-if-changed=migrations");
    // Rebuild when HEAD moves (a commit, a checkout).
    for path in ["../.git/HEAD", "../.git/refs/heads", "../.git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = std::env::var("KARTE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_string())
        });
    println!(
        "cargo:rustc-env=KARTE_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
