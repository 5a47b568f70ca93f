//! Sessions: the institution's policy in force, a new session at a stage, its rotation at a
//! privilege change (a new token, the old session ended) and what the app is told about it.

use crate::auth::{self, Authenticated};
use crate::db::{institutions, security, sessions, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use anyhow::Context;
use shared::api::auth::{CurrentUser, InstitutionSummary, SessionInfo, SessionStage};
use shared::api::ErrorCode;
use shared::domain::SecurityPolicy;
use shared::ids::SessionId;
use std::time::Duration;

/// How long a session that still owes its second factor lives.
pub const SECOND_FACTOR_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The policy of an institution that has not saved one: the guideline, with the server's
/// configured timeouts.
pub fn default_policy(state: &AppState) -> SecurityPolicy {
    let secs = |d: Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
    SecurityPolicy {
        idle_timeout_seconds: secs(state.config.idle_timeout),
        session_lifetime_seconds: secs(state.config.session_lifetime),
        ..SecurityPolicy::default()
    }
}

/// The institution's policy in force.
pub async fn policy_of(tx: &mut TenantTx, state: &AppState) -> ApiResult<SecurityPolicy> {
    Ok(security::policy(tx, &default_policy(state)).await?.policy)
}

pub async fn session_info(
    tx: &mut TenantTx,
    state: &AppState,
    ctx: &TenantContext,
    csrf_token: String,
    stage: SessionStage,
) -> ApiResult<SessionInfo> {
    let user = users::find(tx, ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(tx).await?;
    let policy = policy_of(tx, state).await?;
    Ok(SessionInfo {
        user: CurrentUser {
            user_id: ctx.user_id(),
            login_id: user.login_id.clone(),
            display_name: user.display_name.clone(),
            role: user.role()?,
        },
        institution: InstitutionSummary {
            tenant_id: ctx.tenant_id(),
            code: institution.code,
            name: institution.name,
        },
        csrf_token,
        must_change_password: user.must_change_password,
        idle_timeout_seconds: if stage == SessionStage::SecondFactor {
            SECOND_FACTOR_WINDOW.as_secs()
        } else {
            u64::from(policy.idle_timeout_seconds)
        },
        password_policy: policy.password_policy(user.has_second_factor),
        stage,
        has_second_factor: user.has_second_factor,
        second_factor_kinds: security::factor_kinds(tx, ctx.user_id()).await?,
    })
}

/// A new session at `stage` for `ctx`'s user, in `tx`; returns its cookie token and CSRF token.
pub async fn open_session(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    stage: SessionStage,
    policy: &SecurityPolicy,
    device_id: Option<shared::ids::DeviceId>,
) -> ApiResult<(String, String)> {
    let token = auth::random_token();
    let csrf_token = auth::random_token();
    let (idle, lifetime) = if stage == SessionStage::SecondFactor {
        (SECOND_FACTOR_WINDOW, SECOND_FACTOR_WINDOW)
    } else {
        (
            Duration::from_secs(u64::from(policy.idle_timeout_seconds)),
            Duration::from_secs(u64::from(policy.session_lifetime_seconds)),
        )
    };
    sessions::insert(
        tx,
        &sessions::NewSession {
            session_id: ctx.session_id().context("context without session")?,
            user_id: ctx.user_id(),
            token_hash: &auth::token_hash(&token),
            csrf_token: &csrf_token,
            stage,
            idle,
            lifetime,
            device_id,
        },
    )
    .await?;
    Ok((token, csrf_token))
}

/// Ends the caller's session and opens its successor at `stage` (a privilege change), bound
/// to the same device: the new context, cookie token and CSRF token.
pub async fn rotate_session(
    tx: &mut TenantTx,
    state: &AppState,
    old: &crate::auth::Authenticated,
    stage: SessionStage,
) -> ApiResult<(TenantContext, String, String)> {
    let device_id = old.device_id;
    let old = &old.ctx;
    if let Some(id) = old.session_id() {
        sessions::end(tx, id, sessions::EndReason::Rotated).await?;
    }
    let ctx = old.successor(SessionId(uuid::Uuid::new_v4()));
    let policy = policy_of(tx, state).await?;
    let (token, csrf) = open_session(tx, &ctx, stage, &policy, device_id).await?;
    Ok((ctx, token, csrf))
}

/// Ends the caller's session (sign-out), audited.
pub async fn sign_out(state: &AppState, auth: &Authenticated, ip: &ClientIp) -> ApiResult<()> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    sessions::end(&mut tx, auth.session_id(), sessions::EndReason::Logout).await?;
    audit::record(
        &mut tx,
        &Actor::of(&auth.ctx, ip),
        AuditEvent::success(action::LOGOUT),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the caller, on every device, this one included; audited with the
/// number ended.
pub async fn sign_out_everywhere(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
) -> ApiResult<()> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let ended = sessions::end_all_for_user(
        &mut tx,
        auth.ctx.user_id(),
        sessions::EndReason::LogoutEverywhere,
        None,
    )
    .await?;
    let event = AuditEvent::success(action::LOGOUT_EVERYWHERE)
        .target("user", auth.ctx.user_id())
        .detail("sessions_ended", ended);
    audit::record(&mut tx, &Actor::of(&auth.ctx, ip), event).await?;
    tx.commit().await?;
    Ok(())
}
