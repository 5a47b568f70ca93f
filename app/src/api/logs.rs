use super::{get, ApiFailure};
use shared::api::logs::{AccessLogEntry, AuditLogEntry, ChainStatus, LogPage};

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `key=value&…` of the non-empty pairs.
pub fn query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn access(query: &str) -> Result<LogPage<AccessLogEntry>, ApiFailure> {
    get(&format!("/logs/access?{query}")).await
}

pub async fn audit(query: &str) -> Result<LogPage<AuditLogEntry>, ApiFailure> {
    get(&format!("/logs/audit?{query}")).await
}

pub async fn verify() -> Result<Vec<ChainStatus>, ApiFailure> {
    get("/logs/verify").await
}

/// The URL of an export (a plain link: the browser downloads it with the session cookie).
pub fn export_url(log: &str, format: &str, query: &str) -> String {
    format!(
        "{}/logs/{log}/export?format={format}&{query}",
        shared::api::PREFIX
    )
}
