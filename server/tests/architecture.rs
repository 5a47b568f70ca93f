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

/// The text before the first `#[cfg(test)]` (test modules are at the end of a file here), with
/// comment lines dropped so that prose naming a module does not count as a path.
fn without_tests(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
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
                let end = matching_brace(group);
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

fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
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
        .map(|p| p.split_whitespace().collect::<String>())
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
        None => vec![segments(item.split(" as ").next().unwrap_or(item))],
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
            if joined.starts_with("db::system") {
                problems.push(format!("{file}: names crate::{joined}"));
            }
            if joined.starts_with("routes::") && joined != "routes::Routes" {
                problems.push(format!(
                    "{file}: names crate::{joined}, a sibling route module"
                ));
            }
        }
        for forbidden in ["TenantContext::authenticated", "operator_tx", "begin_for"] {
            if text.contains(forbidden) {
                problems.push(format!("{file}: calls {forbidden}"));
            }
        }
        // A file directly in routes/ reaches its parent (`routes/mod.rs`) for `Routes` only;
        // one deeper reaches its own parent module, never a grandparent.
        let depth = file.matches('/').count();
        for (at, _) in text.match_indices("super::") {
            let after = &text[at + "super::".len()..];
            let ok = if depth == 1 {
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
fn a_patient_in_the_path_is_reached_through_patient_path() {
    // `auth::PatientPath::open` parses `{patient_id}`, loads the patient and marks the access log.
    // A handler looking a patient up itself could forget the mark: only these look one up by an
    // id that is not their path's (a check-in's body, a bill's reception, a patient just saved).
    let own_lookups = [
        "routes/bills.rs",
        "routes/patients.rs",
        "routes/reception.rs",
    ];
    let mut problems = Vec::new();
    for (file, text) in sources() {
        if file.starts_with("routes/")
            && text.contains("patients::find(")
            && !own_lookups.contains(&file.as_str())
        {
            problems.push(format!("{file}: looks a patient up itself"));
        }
    }
    assert!(problems.is_empty(), "patients:\n{}", problems.join("\n"));
}

#[test]
fn cross_tenant_paths_are_few_and_named() {
    // Who may name `db::system` at all, and who may open a transaction for an institution
    // nobody of it signed in to.
    let system_callers = ["auth.rs", "cli.rs", "db/", "logs/", "services/"];
    let operator_callers = ["cli.rs", "services/operator.rs", "db/system/"];
    let mut problems = Vec::new();
    for (file, text) in sources() {
        let names_system = crate_paths(&text)
            .iter()
            .any(|p| p.starts_with(&["db".to_string(), "system".to_string()]))
            || (file.starts_with("db/") && text.contains("system::"));
        if names_system && !system_callers.iter().any(|c| file.starts_with(c)) {
            problems.push(format!("{file}: names db::system"));
        }
        for operator in ["operator_tx", "provision_institution"] {
            if text.contains(operator) && !operator_callers.iter().any(|c| file.starts_with(c)) {
                problems.push(format!("{file}: names {operator}"));
            }
        }
        if text.contains("TenantContext::authenticated")
            && !["db/system/", "db/tenant.rs"]
                .iter()
                .any(|c| file.starts_with(c))
        {
            problems.push(format!("{file}: builds a TenantContext"));
        }
        if text.contains("begin_for(")
            && !["db/system/", "db/tenant.rs"]
                .iter()
                .any(|c| file.starts_with(c))
        {
            problems.push(format!(
                "{file}: opens a transaction for an institution by id"
            ));
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
        "use crate::db::{self, system::{operator_tx, Gate}, TenantTx};\nuse karte_crate::x;\nlet a = crate::clock::jst();",
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
}
