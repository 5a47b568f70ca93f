//! Access log (every API request) and audit log (security-relevant events): append-only,
//! hash-chained per institution, verifiable, searchable and exportable by administrators.
//! Entries carry ids and codes only: never names, passwords, tokens or clinical text.

pub mod access;
pub mod audit;
pub mod chain;
pub mod export;
pub mod verify;

pub use access::{AccessLog, AccessNote};
pub use audit::{action, Actor, AuditEvent, ClientIp};

use chain::Field;
use shared::ids::{SessionId, TenantId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// The chain that requests with no known institution (a failed login with an unknown
/// institution code, an unauthenticated call) are logged in.
pub const NO_TENANT: TenantId = TenantId(Uuid::nil());

/// Which log a chain belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Access,
    Audit,
}

impl LogKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Audit => "audit",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "access" => Some(Self::Access),
            "audit" => Some(Self::Audit),
            _ => None,
        }
    }

    /// The hash domain: the log and the version of its encoding.
    pub fn domain(self) -> &'static str {
        match self {
            Self::Access => "karte/access_log/v1",
            Self::Audit => "karte/audit_log/v1",
        }
    }
}

/// One API request, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessEntry {
    pub tenant_id: TenantId,
    /// Server clock, truncated to microseconds.
    pub logged_at: OffsetDateTime,
    pub user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    pub client_ip: Option<String>,
    pub client_cert_sha256: Option<String>,
    pub method: String,
    /// The route template (`/api/v1/users/{user_id}/disable`), never the raw URL or query.
    pub route: String,
    pub patient_id: Option<Uuid>,
    pub status: i16,
    pub duration_ms: i32,
}

impl AccessEntry {
    pub fn fields(&self) -> Vec<Field<'_>> {
        vec![
            Field::Uuid(Some(self.tenant_id.as_uuid())),
            Field::Micros(chain::micros(self.logged_at)),
            Field::Uuid(self.user_id.map(|u| u.as_uuid())),
            Field::Uuid(self.session_id.map(|s| s.as_uuid())),
            Field::Text(self.client_ip.as_deref()),
            Field::Text(self.client_cert_sha256.as_deref()),
            Field::Text(Some(&self.method)),
            Field::Text(Some(&self.route)),
            Field::Uuid(self.patient_id),
            Field::Int(Some(i64::from(self.status))),
            Field::Int(Some(i64::from(self.duration_ms))),
        ]
    }
}

/// One audit event, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub tenant_id: TenantId,
    pub logged_at: OffsetDateTime,
    pub actor_user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    pub client_ip: Option<String>,
    pub action: String,
    pub result: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Canonical JSON text (sorted keys): what is stored as jsonb and hashed.
    pub details: String,
}

impl AuditEntry {
    pub fn fields(&self) -> Vec<Field<'_>> {
        vec![
            Field::Uuid(Some(self.tenant_id.as_uuid())),
            Field::Micros(chain::micros(self.logged_at)),
            Field::Uuid(self.actor_user_id.map(|u| u.as_uuid())),
            Field::Uuid(self.session_id.map(|s| s.as_uuid())),
            Field::Text(self.client_ip.as_deref()),
            Field::Text(Some(&self.action)),
            Field::Text(Some(&self.result)),
            Field::Text(self.target_type.as_deref()),
            Field::Text(self.target_id.as_deref()),
            Field::Text(Some(&self.details)),
        ]
    }
}

/// JSON with keys in sorted order (serde_json's map is ordered), as PostgreSQL's jsonb gives
/// it back through serde_json: the form that is hashed.
pub fn canonical_json(value: &serde_json::Value) -> String {
    value.to_string()
}
