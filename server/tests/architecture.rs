//! The server's layers, checked by reading its source: every `crate::` path a module names must
//! point to a lower layer (no import circles), route handlers never reach a cross-tenant path,
//! and route modules never reach into their siblings. A new module must be given a layer here.
//!
//! Only code outside `#[cfg(test)]` counts: a unit test may reach anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom to top. A module may name modules of lower layers only (and itself).
const LAYERS: &[&[&str]] = &[
    // Pure helpers: no `crate::` paths at all.
    &[
        "chain",
        "clock",
        "demo_masters",
        "error",
        "files",
        "pdf",
        "secrets",
        "telemetry",
        "throttle",
        "totp",
        "webauthn",
    ],
    // Configuration, TLS and the HTTP edge's extractors and layers.
    &["config", "http"],
    &["tls"],
    // Storage: every query, through `TenantTx`; the cross-tenant paths in `db::system`.
    &["db"],
    // The access and audit logs (writer, verifier, export), on top of storage.
    &["logs"],
    &["state"],
    // The authenticator: a session cookie to a `TenantContext`.
    &["auth"],
    // What a request or command does, with HTTP taken off.
    &["services"],
    // Backups: pgBackRest, the run records, the restore drill (operator commands only).
    &["backup"],
    // Handlers: HTTP in, a service or a query, HTTP out.
    &["routes"],
    &["startup"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src`, as (path relative to `src`, text outside `#[cfg(test)]`).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read src")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = src_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            let relative = path
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (relative, without_tests(&text))
        })
        .collect()
}

/// The text before the test module (`#[cfg(test)]` then `mod`; test modules are at the end of a
/// file here), with comment lines dropped so that prose naming a module does not count as a path.
fn without_tests(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module a file belongs to (`routes/chart/notes.rs` → `routes`).
fn module_of(file: &str) -> String {
    let first = file.split('/').next().unwrap_or(file);
    first.trim_end_matches(".rs").to_string()
}

/// The paths a text names under `crate::`, including those in `use crate::{a::b, c}` groups, as
/// their segments (`["db", "system", "operator_tx"]`).
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        // `karte_crate::` or `some_crate::` are not this crate.
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let prefix = segments(&path);
        match rest[path.len()..].strip_prefix('{') {
            // `crate::{a, b::c}` or `crate::db::{self, system::Gate}`.
            Some(group) if path.is_empty() || path.ends_with("::") => {
                let end = matching(group, '{', '}');
                for item in split_top_level(&group[..end]) {
                    for tail in expand(&item) {
                        let mut full = prefix.clone();
                        full.extend(tail);
                        out.push(full);
                    }
                }
            }
            _ => out.push(prefix),
        }
    }
    out
}

/// Where the bracket closing an already opened `open` is in `s` (its length when unclosed).
fn matching(s: &str, open: char, close: char) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return i;
            }
            depth -= 1;
        }
    }
    s.len()
}

fn split_top_level(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// `db::{self, system::operator_tx}` → `[db], [db, system, operator_tx]`.
fn expand(item: &str) -> Vec<Vec<String>> {
    match item.find("::{") {
        Some(at) => {
            let prefix = segments(&item[..at]);
            let inner = &item[at + 3..item.len().saturating_sub(1)];
            split_top_level(inner)
                .iter()
                .flat_map(|i| expand(i))
                .map(|tail| {
                    let mut path = prefix.clone();
                    path.extend(tail.into_iter().filter(|s| s != "self"));
                    path
                })
                .collect()
        }
        None => vec![segments(item.split(" as ").next().unwrap_or(item).trim())],
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
        .filter(|s| !s.is_empty() && s != "self")
        .collect()
}

#[test]
fn every_module_has_a_layer_and_names_only_lower_ones() {
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (file, text) in sources() {
        let module = module_of(&file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            problems.push(format!("{file}: module `{module}` has no layer in LAYERS"));
            continue;
        };
        for path in crate_paths(&text) {
            let Some(target) = path.first() else { continue };
            if target == &module || target.chars().next().is_some_and(|c| c.is_uppercase()) {
                // Itself, or an item of the crate root (`crate::COMMIT`).
                continue;
            }
            edges
                .entry(module.clone())
                .or_default()
                .insert(target.clone());
            match layer_of(target) {
                Some(layer) if layer < own => {}
                Some(_) => problems.push(format!(
                    "{file}: `{module}` names `crate::{}`, which is not below it",
                    path.join("::")
                )),
                None => problems.push(format!("{file}: `crate::{target}` has no layer")),
            }
        }
    }
    assert!(problems.is_empty(), "layering:\n{}", problems.join("\n"));
    // The layers are real: the bottom is used from above and the top uses what is below.
    assert!(edges.get("routes").is_some_and(|e| e.contains("services")));
    assert!(edges.get("logs").is_some_and(|e| e.contains("db")));
}

#[test]
fn route_handlers_never_reach_a_cross_tenant_path_or_a_sibling() {
    let mut problems = Vec::new();
    for (file, text) in sources() {
        if !file.starts_with("routes/") {
            continue;
        }
        for path in crate_paths(&text) {
            let joined = path.join("::");
            if joined.starts_with("routes::") && joined != "routes::Routes" {
                problems.push(format!(
                    "{file}: names crate::{joined}, a sibling route module"
                ));
            }
        }
        // By any path or alias (`use crate::db; db::system::…`).
        for forbidden in [
            "system::",
            "TenantContext::authenticated",
            "operator_tx",
            "verification_tx",
            "scrub_tx",
            "begin_for",
            ".successor(",
        ] {
            if text.contains(forbidden) {
                problems.push(format!("{file}: names {forbidden}"));
            }
        }
        // The module a file's `super` is: `routes/x.rs` and `routes/x/mod.rs` have `routes`,
        // which they reach for `Routes` only; `routes/x/y.rs` has `routes::x`, its own parent.
        let parent_is_routes = file.matches('/').count() == 1
            || file.ends_with("/mod.rs") && file.matches('/').count() == 2;
        for (at, _) in text.match_indices("super::") {
            let after = &text[at + "super::".len()..];
            let ok = if parent_is_routes {
                after.starts_with("Routes")
            } else {
                !after.starts_with("super::")
            };
            if !ok {
                let line: String = after.chars().take_while(|c| *c != '\n').collect();
                problems.push(format!("{file}: super::{line}"));
            }
        }
    }
    assert!(problems.is_empty(), "routes:\n{}", problems.join("\n"));
}

#[test]
fn paths_to_the_crate_root_are_written_as_crate_paths() {
    // `super::super::x` would escape the layering check, which reads `crate::` paths.
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.contains("super::super"))
        .map(|(file, _)| file)
        .collect();
    assert!(offenders.is_empty(), "super::super in {offenders:?}");
}

/// The handlers of routes whose path names `{patient_id}`, from the `.route(…)` calls of the
/// route modules: (the file the handler is in, its function name).
fn patient_path_handlers() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (file, text) in sources() {
        if !file.starts_with("routes/") {
            continue;
        }
        for (at, _) in text.match_indices(".route(") {
            let call = &text[at + ".route(".len()..];
            let end = matching(call, '(', ')');
            let call = &call[..end];
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            if !path.contains("{patient_id}") {
                continue;
            }
            let methods = call.split_once(',').map(|(_, m)| m).unwrap_or("");
            for method in ["get(", "post(", "put(", "delete("] {
                for (m, _) in methods.match_indices(method) {
                    let inner = &methods[m + method.len()..];
                    let name: String = inner
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    // `notes::timeline` lives in `notes.rs` beside the router's file.
                    let (home, name) = match name.rsplit_once("::") {
                        Some((module, name)) => {
                            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
                            (format!("{dir}/{module}.rs"), name.to_string())
                        }
                        None => (file.clone(), name),
                    };
                    out.push((home, name));
                }
            }
        }
    }
    out
}

#[test]
fn a_patient_in_the_path_is_reached_through_patient_path() {
    // `auth::PatientPath::open` parses `{patient_id}`, loads the patient and marks the access log;
    // every handler of a route naming `{patient_id}` takes one, so none can forget either.
    let handlers = patient_path_handlers();
    assert!(handlers.len() >= 15, "the router reader found {handlers:?}");
    let all = sources();
    let mut problems = Vec::new();
    for (file, name) in &handlers {
        let signature = all.iter().filter(|(f, _)| f == file).find_map(|(_, text)| {
            let at = text.find(&format!("async fn {name}("))?;
            let rest = &text[at..];
            Some(rest[..rest.find(") ->").unwrap_or(rest.len())].to_string())
        });
        match signature {
            Some(sig) if sig.contains("PatientPath") => {}
            Some(_) => problems.push(format!("{file}: {name} does not take a PatientPath")),
            None => problems.push(format!("{file}: handler {name} not found")),
        }
    }
    assert!(problems.is_empty(), "patients:\n{}", problems.join("\n"));
}

#[test]
fn cross_tenant_paths_are_few_and_named() {
    // Who may name `db::system` at all, and who each of its paths.
    let system_callers = ["auth.rs", "cli.rs", "db/", "logs/", "services/"];
    let named: &[(&str, &[&str])] = &[
        (
            "operator_tx",
            &["cli.rs", "services/operator.rs", "db/system/"],
        ),
        (
            "provision_institution",
            &["cli.rs", "services/operator.rs", "db/system/"],
        ),
        // The chains read whole, read-only, under each institution's own setting: the
        // verifier, the anchors of their heads, the archive of their old rows.
        (
            "verification_tx",
            &[
                "logs/verify.rs",
                "logs/anchor.rs",
                "logs/archive.rs",
                "db/system/",
            ],
        ),
        ("scrub_tx", &["services/attachments.rs", "db/system/"]),
        ("file_tenants", &["services/attachments.rs", "db/system/"]),
        ("append_audit_standalone", &["logs/audit.rs", "db/system/"]),
        ("append_access", &["logs/access.rs", "db/system/"]),
        (
            "login_candidate",
            &["services/signin/login.rs", "db/system/"],
        ),
        (
            "LoginCandidate",
            &["services/signin/login.rs", "db/system/"],
        ),
        ("authenticate_session", &["auth.rs", "db/system/"]),
        (
            "TenantContext::authenticated",
            &["db/system/", "db/tenant.rs"],
        ),
        (
            ".successor(",
            &["services/signin/session.rs", "db/tenant.rs"],
        ),
        ("begin_for(", &["db/system/", "db/tenant.rs"]),
        ("set_tenant(", &["db/system/", "db/tenant.rs"]),
    ];
    let mut problems = Vec::new();
    for (file, text) in sources() {
        let names_system = crate_paths(&text)
            .iter()
            .any(|p| p.starts_with(&["db".to_string(), "system".to_string()]))
            || text.contains("system::");
        if names_system && !system_callers.iter().any(|c| file.starts_with(c)) {
            problems.push(format!("{file}: names db::system"));
        }
        for (name, callers) in named {
            if text.contains(name) && !callers.iter().any(|c| file.starts_with(c)) {
                problems.push(format!("{file}: names {name}"));
            }
        }
        // Storage does not write the logs' events: services do.
        if file.starts_with("db/") && text.contains("audit::record") {
            problems.push(format!("{file}: records an audit event"));
        }
    }
    assert!(
        problems.is_empty(),
        "cross-tenant:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_path_reader_reads_groups_and_skips_other_crates() {
    let paths = crate_paths(
        "use crate::db::{self, system::{operator_tx, Gate}, TenantTx as Tx};\nuse karte_crate::x;\nlet a = crate::clock::jst();",
    );
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "db",
            "db::system::operator_tx",
            "db::system::Gate",
            "db::TenantTx",
            "clock::jst"
        ]
    );
    assert_eq!(
        without_tests("a\n// crate::x\n#[cfg(test)]\nuse b;\nc\n#[cfg(test)]\nmod tests {}"),
        "a\n#[cfg(test)]\nuse b;\nc"
    );
}
