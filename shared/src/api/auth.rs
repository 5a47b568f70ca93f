//! Sign-in, the current session, sign-out and password change.

use crate::domain::{PasswordPolicy, Role};
use crate::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/auth/login`. Fields are plain strings: a malformed code gets the same
/// answer as a wrong password, so the form reveals nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    pub institution_code: String,
    pub login_id: String,
    pub password: String,
}

/// The signed-in user and what the app needs to act for them. Returned by login and by
/// `GET /api/v1/auth/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: CurrentUser,
    pub institution: InstitutionSummary,
    /// Send back in the `x-csrf-token` header on every state-changing request.
    pub csrf_token: String,
    /// While true, only password change, session and logout are allowed.
    pub must_change_password: bool,
    /// The session ends after this many seconds without a request.
    pub idle_timeout_seconds: u64,
    /// What a new password must satisfy, so the app can check as the user types.
    pub password_policy: PasswordPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: UserId,
    pub login_id: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionSummary {
    pub tenant_id: TenantId,
    pub code: String,
    pub name: String,
}

/// `POST /api/v1/auth/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}
