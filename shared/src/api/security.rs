//! The institution's security policy (administrators): `GET`/`PUT /api/v1/security-policy`.

use crate::domain::SecurityPolicy;
use serde::{Deserialize, Serialize};

/// The policy in force, and which version it is (`None`: never saved, the defaults apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicyView {
    pub policy: SecurityPolicy,
    pub version: Option<u32>,
    /// RFC 3339, UTC.
    pub changed_at: Option<String>,
    pub reason: String,
}

/// `PUT /api/v1/security-policy`: a new version; `base_version` is the one the form showed
/// (a stale base is 409).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaveSecurityPolicy {
    pub policy: SecurityPolicy,
    pub base_version: Option<u32>,
    pub reason: String,
}
