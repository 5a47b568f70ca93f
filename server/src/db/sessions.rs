//! Server-side sessions. The cookie holds a random token; only its SHA-256 is stored.
//! Sessions are ended (with a reason), never deleted.

use super::TenantTx;
use shared::api::auth::SessionStage;
use shared::ids::{SessionId, UserId};
use std::time::Duration;

/// Why a session ended (the `session.end_reason` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    PasswordChanged,
    PasswordReset,
    UserDisabled,
    /// The user signed out of every session.
    LogoutEverywhere,
    /// An administrator reset the user's second factors.
    FactorsReset,
    /// Replaced by a new session at a privilege change (second factor, enrolment, password).
    Rotated,
}

impl EndReason {
    fn code(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::UserDisabled => "user_disabled",
            Self::LogoutEverywhere => "logout_everywhere",
            Self::FactorsReset => "factors_reset",
            Self::Rotated => "rotated",
        }
    }
}

/// What a new session is: its stage and its timeouts (from the institution's policy).
pub struct NewSession<'a> {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub token_hash: &'a [u8; 32],
    pub csrf_token: &'a str,
    pub stage: SessionStage,
    pub idle: Duration,
    pub lifetime: Duration,
    /// The registered device it is bound to (client certificate), if any.
    pub device_id: Option<shared::ids::DeviceId>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewSession<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into session (tenant_id, session_id, user_id, token_hash, csrf_token, expires_at, \
         stage, idle_seconds, device_id) \
         values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7, $8, $9)",
    )
    .bind(tenant)
    .bind(new.session_id.as_uuid())
    .bind(new.user_id.as_uuid())
    .bind(&new.token_hash[..])
    .bind(new.csrf_token)
    .bind(new.lifetime.as_secs_f64())
    .bind(new.stage.code())
    .bind(i32::try_from(new.idle.as_secs().max(1)).unwrap_or(i32::MAX))
    .bind(new.device_id.map(|d| d.as_uuid()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn end(tx: &mut TenantTx, id: SessionId, reason: EndReason) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update session set ended_at = now(), end_reason = $2 where session_id = $1 and ended_at is null",
    )
    .bind(id.as_uuid())
    .bind(reason.code())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Ends every open session of a user except `keep` (the caller's own, on a password change).
pub async fn end_all_for_user(
    tx: &mut TenantTx,
    user_id: UserId,
    reason: EndReason,
    keep: Option<SessionId>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update session set ended_at = now(), end_reason = $2 \
         where user_id = $1 and ended_at is null and session_id is distinct from $3",
    )
    .bind(user_id.as_uuid())
    .bind(reason.code())
    .bind(keep.map(|s| s.as_uuid()))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}
