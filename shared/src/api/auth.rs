//! Sign-in, the current session, sign-out and password change.

use crate::domain::{PasswordPolicy, Role};
use crate::ids::{ChallengeId, FactorId, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/auth/login`. Fields are plain strings: a malformed code gets the same
/// answer as a wrong password, so the form reveals nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    pub institution_code: String,
    pub login_id: String,
    #[serde(deserialize_with = "crate::domain::entered_password")]
    pub password: String,
}

/// `GET /api/v1/auth/state`: whether the browser's cookie is a session, always answered 200 so
/// that a page opened signed out (the sign-in page) asks nothing that fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    /// The session, when the cookie is one.
    pub session: Option<SessionInfo>,
    /// The cookie was a session that has ended (idle or lifetime): the sign-in page says so.
    pub expired: bool,
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
    /// How far sign-in has got; only `Full` opens the application.
    #[serde(default)]
    pub stage: SessionStage,
    /// The user has a confirmed second factor.
    #[serde(default)]
    pub has_second_factor: bool,
    /// The kinds of the user's second factors (`totp`, `webauthn`): what to offer at the
    /// second step of sign-in.
    #[serde(default)]
    pub second_factor_kinds: Vec<String>,
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
    #[serde(deserialize_with = "crate::domain::entered_password")]
    pub current_password: String,
    pub new_password: String,
}

/// How far a session has got. A password alone never gives `Full` to a user who owes a
/// second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Signed in.
    #[default]
    Full,
    /// Password accepted; a one-time code (or recovery code) is still owed.
    SecondFactor,
    /// Password accepted; the user's role requires a second factor and none is enrolled:
    /// only enrolment (and password change, sign-out) is open.
    Enrolment,
}

impl SessionStage {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::SecondFactor => "second_factor",
            Self::Enrolment => "enrolment",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Full, Self::SecondFactor, Self::Enrolment]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// `POST /api/v1/auth/second-factor`: a 6-digit code from the authenticator app, or one of the
/// user's recovery codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecondFactor {
    pub code: String,
}

/// A second factor of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorSummary {
    pub factor_id: FactorId,
    /// `totp`.
    pub kind: String,
    pub label: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// `GET /api/v1/auth/factors`: the user's confirmed factors and what is left of the recovery
/// codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorOverview {
    pub factors: Vec<FactorSummary>,
    pub recovery_codes_left: u32,
    /// The institution's policy requires a second factor for this user's role.
    pub required: bool,
}

/// `POST /api/v1/auth/factors/totp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartTotp {
    /// What the user calls this authenticator (e.g. "業務用スマートフォン").
    pub label: String,
    /// Needed when the user already has a factor: adding one is then a change to how the
    /// account is protected, and an open session alone must not be enough.
    #[serde(default, deserialize_with = "crate::domain::entered_password")]
    pub current_password: String,
}

/// The current password again, for `POST /auth/recovery-codes` and
/// `POST /auth/factors/{id}/revoke`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfirmPassword {
    #[serde(deserialize_with = "crate::domain::entered_password")]
    pub current_password: String,
}

/// The key of a TOTP factor being enrolled: shown once, as a QR code and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub factor_id: FactorId,
    /// Base32 (RFC 4648, no padding), in groups of four for typing.
    pub secret: String,
    /// `otpauth://totp/…` (Key Uri Format).
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

/// `POST /api/v1/auth/factors/totp/{id}/confirm`: the first code proves the app has the key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfirmTotp {
    pub code: String,
}

/// A confirmed factor. `recovery_codes` is filled when new codes were issued (the first
/// factor, or none left): shown once, stored only hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorConfirmed {
    pub recovery_codes: Vec<String>,
    pub session: SessionInfo,
}

/// `POST /api/v1/auth/recovery-codes`: a fresh set; the earlier ones stop working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// A WebAuthn ceremony started: its id and the options for `navigator.credentials.create()` or
/// `.get()`, with binary fields as base64url strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebauthnChallenge {
    pub challenge_id: ChallengeId,
    pub options: serde_json::Value,
}

/// `POST /api/v1/auth/factors/webauthn/finish`: the authenticator's answer to `create()`
/// (base64url).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebauthnRegistration {
    pub challenge_id: ChallengeId,
    pub client_data_json: String,
    pub attestation_object: String,
}

/// `POST /api/v1/auth/second-factor/webauthn`: the authenticator's answer to `get()`
/// (base64url).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebauthnAssertion {
    pub challenge_id: ChallengeId,
    pub credential_id: String,
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
}
