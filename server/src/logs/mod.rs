//! Access log (every API request) and audit log (security-relevant events): append-only,
//! hash-chained per institution, verifiable, searchable and exportable by administrators.
//! Entries carry ids and codes only: never names, passwords, tokens or clinical text.

pub mod access;
pub mod anchor;
pub mod archive;
pub mod audit;
pub mod export;
pub mod verify;

pub use crate::chain::{self, canonical_json, AccessEntry, AuditEntry, LogKind, NO_TENANT};
pub use access::{AccessLog, AccessNote};
pub use audit::{action, Actor, AuditEvent, ClientIp};
