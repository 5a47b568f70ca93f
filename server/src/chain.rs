//! The hash chain of the access and audit logs, and the entries it links: what is hashed and
//! how. `row_hash = SHA-256(prev_hash || canonical encoding of the row)`. Pure: no IO, no
//! clock; the log writer (`crate::logs`), its storage (`crate::db::logs`) and the verifier all
//! hash through this one module.
//!
//! The encoding is length-prefixed and typed, so no two different rows encode alike (no
//! ambiguity between, say, an empty text and a missing one). It starts with a domain tag naming
//! the log and its version; a change of fields is a new version, never a silent reinterpretation.

use sha2::{Digest, Sha256};
use shared::ids::{SessionId, TenantId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// The `prev_hash` of a chain's first row.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// One field of a row, as hashed.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Text(Option<&'a str>),
    Uuid(Option<uuid::Uuid>),
    Int(Option<i64>),
    /// A timestamp, in microseconds since the Unix epoch (what PostgreSQL stores).
    Micros(i64),
}

/// Builds the hash of one row.
pub fn row_hash(domain: &str, prev_hash: &[u8; 32], seq: i64, fields: &[Field<'_>]) -> [u8; 32] {
    let mut h = Sha256::new();
    put(&mut h, 1, domain.as_bytes());
    h.update(prev_hash);
    put(&mut h, 2, &seq.to_be_bytes());
    for field in fields {
        match *field {
            Field::Text(Some(s)) => put(&mut h, 3, s.as_bytes()),
            Field::Uuid(Some(u)) => put(&mut h, 4, u.as_bytes()),
            Field::Int(Some(i)) => put(&mut h, 5, &i.to_be_bytes()),
            Field::Micros(m) => put(&mut h, 6, &m.to_be_bytes()),
            Field::Text(None) | Field::Uuid(None) | Field::Int(None) => h.update([0u8]),
        }
    }
    h.finalize().into()
}

fn put(h: &mut Sha256, tag: u8, bytes: &[u8]) {
    h.update([tag]);
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The hash of one version of a versioned clinical record (notes, orders): SHA-256 of the
/// previous version's hash (none for the first) and the version's fields as JSON.
pub fn version_link(prev: Option<&[u8]>, body: &serde_json::Value) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev.unwrap_or(&[]));
    hasher.update(body.to_string().as_bytes());
    hasher.finalize().to_vec()
}

/// Whether stored versions, oldest first, form an intact chain: each names the hash of the
/// one before it (`prev_hash`) and its own `hash` is what `expected` computes from that.
pub fn versions_intact<'a, T: 'a>(
    versions: impl IntoIterator<Item = &'a T>,
    hashes: impl Fn(&T) -> (&Option<Vec<u8>>, &Vec<u8>),
    expected: impl Fn(Option<&[u8]>, &T) -> Vec<u8>,
) -> bool {
    let mut prev: Option<Vec<u8>> = None;
    for v in versions {
        let (prev_hash, hash) = hashes(v);
        if *prev_hash != prev || expected(prev.as_deref(), v) != *hash {
            return false;
        }
        prev = Some(hash.clone());
    }
    true
}

/// Lower-case hex of a hash or any bytes, as the logs, records and files show them.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 32-byte hash from its hex (either case), as [`hex`] writes it and records kept outside the
/// database carry it.
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Microseconds since the epoch, the precision PostgreSQL keeps.
pub fn micros(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

/// `t` truncated to microseconds, so what is hashed equals what is stored and read back.
pub fn truncate_to_micros(t: time::OffsetDateTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros(t)) * 1_000).unwrap_or(t)
}

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

    /// The table its rows are stored in.
    pub fn table(self) -> &'static str {
        match self {
            Self::Access => "access_log",
            Self::Audit => "audit_log",
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
            Field::Micros(micros(self.logged_at)),
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
            Field::Micros(micros(self.logged_at)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_tells_missing_from_empty_and_moves_between_fields() {
        let a = row_hash(
            "t",
            &GENESIS,
            1,
            &[Field::Text(Some("")), Field::Text(None)],
        );
        let b = row_hash(
            "t",
            &GENESIS,
            1,
            &[Field::Text(None), Field::Text(Some(""))],
        );
        let c = row_hash(
            "t",
            &GENESIS,
            1,
            &[Field::Text(Some("ab")), Field::Text(Some("c"))],
        );
        let d = row_hash(
            "t",
            &GENESIS,
            1,
            &[Field::Text(Some("a")), Field::Text(Some("bc"))],
        );
        assert_ne!(a, b);
        assert_ne!(c, d);
    }

    #[test]
    fn the_hash_depends_on_domain_previous_hash_and_position() {
        let base = row_hash("access/v1", &GENESIS, 1, &[Field::Int(Some(200))]);
        assert_ne!(
            base,
            row_hash("audit/v1", &GENESIS, 1, &[Field::Int(Some(200))])
        );
        assert_ne!(
            base,
            row_hash("access/v1", &[1u8; 32], 1, &[Field::Int(Some(200))])
        );
        assert_ne!(
            base,
            row_hash("access/v1", &GENESIS, 2, &[Field::Int(Some(200))])
        );
        assert_eq!(
            base,
            row_hash("access/v1", &GENESIS, 1, &[Field::Int(Some(200))])
        );
    }

    #[test]
    fn timestamps_round_trip_at_microsecond_precision() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_764_000_000_123_456_789).unwrap();
        let truncated = truncate_to_micros(t);
        assert_eq!(micros(truncated), 1_764_000_000_123_456);
        assert_eq!(truncate_to_micros(truncated), truncated);
    }
}
