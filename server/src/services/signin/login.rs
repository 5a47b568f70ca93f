//! The first step of sign-in: institution code, login id and password, then the device and
//! the stage the new session starts at (second factor owed, enrolment owed, or full).

use super::gates::{count_failure, gates, Refused};
use super::session::{open_session, policy_of, session_info};
use super::NewSession;
use crate::auth;
use crate::db::system;
use crate::db::{devices, security, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::state::AppState;
use anyhow::Context;
use shared::api::auth::{Login, SessionStage};
use shared::api::devices::ClientCertMode;
use shared::api::ErrorCode;
use shared::domain::{InstitutionCode, LoginId, Role};
use shared::ids::SessionId;

/// The same answer for an unknown institution, an unknown user, a wrong password and a
/// disabled account, after the same amount of work.
pub async fn sign_in(
    state: &AppState,
    note: &AccessNote,
    ip: &ClientIp,
    presented: Option<String>,
    body: Login,
) -> ApiResult<NewSession> {
    let code = InstitutionCode::parse(&body.institution_code).ok();
    let login_id = LoginId::parse(&body.login_id).ok();
    // The account as the lookup will read it (a code typed with hyphens or full-width digits
    // is the same account, and the same throttle).
    let canonical_code = code
        .as_ref()
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| body.institution_code.trim().to_string());
    let key = match &login_id {
        Some(l) => system::throttle_key(&canonical_code, l.as_str()),
        None => system::throttle_key(&canonical_code, &body.login_id),
    };
    // The institution aimed at, looked up whatever happens next (same work for every answer).
    let tenant_of_code = match &code {
        Some(code) => system::institution_by_code(&state.db, code).await?,
        None => None,
    };
    let lockout = match gates(state, ip, &key, &canonical_code).await? {
        Ok(lockout) => lockout,
        Err(refused) => {
            if let Refused::Account(_) = refused {
                // Audited where the institution is known; the typed login id is not recorded.
                if let Some(tenant) = tenant_of_code {
                    note.set_actor(tenant, None, None);
                }
                let actor = Actor {
                    client_ip: ip.0.clone(),
                    ..Actor::default()
                };
                let event = AuditEvent::failure(action::LOGIN).detail("reason", "throttled");
                audit::record_standalone(&state.db, tenant_of_code, &actor, event).await?;
            }
            return Err(refused.error());
        }
    };
    let candidate = match (&code, &login_id) {
        (Some(code), Some(login_id)) => system::login_candidate(&state.db, code, login_id).await?,
        _ => None,
    };
    let password = body.password;
    // At most PasswordPolicy::MAX_LENGTH characters: `entered_password` refused longer ones.
    let verified = auth::verify_password(
        candidate.as_ref().map(|c| c.password_hash().to_string()),
        password,
    )
    .await;
    let candidate = match candidate {
        Some(c) if verified && !c.disabled() => c,
        other => {
            let locked = count_failure(state, lockout, &key).await?;
            // Audited in the institution aimed at, when its code exists. The attempted login
            // id is not recorded unless it names a user: people type passwords into it.
            let reason = match &other {
                Some(c) if c.disabled() => "disabled",
                Some(_) => "wrong_password",
                None => "unknown_user",
            };
            let tenant = other.as_ref().map(|c| c.tenant_id()).or(tenant_of_code);
            let mut event = AuditEvent::failure(action::LOGIN).detail("reason", reason);
            if let Some(c) = &other {
                event = event.target("user", c.user_id());
            }
            if let Some(seconds) = locked {
                event = event.detail("locked_seconds", seconds);
            }
            if let Some(tenant) = tenant {
                note.set_actor(tenant, None, None);
            }
            let actor = Actor {
                client_ip: ip.0.clone(),
                ..Actor::default()
            };
            audit::record_standalone(&state.db, tenant, &actor, event).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
    };
    let role = Role::from_code(candidate.role()).context("unknown role code")?;
    let session_id = SessionId(uuid::Uuid::new_v4());
    let ctx = candidate.context(role, session_id);
    note.set_actor(ctx.tenant_id(), Some(ctx.user_id()), Some(session_id));
    let mut tx = TenantTx::begin(&state.db, &ctx).await?;
    let policy = policy_of(&mut tx, state).await?;
    let stage = if security::has_confirmed_factor(&mut tx, ctx.user_id()).await? {
        SessionStage::SecondFactor
    } else if policy.requires_second_factor(role) {
        SessionStage::Enrolment
    } else {
        SessionStage::Full
    };
    // Device authentication: the registered device (client certificate) the sign-in comes
    // from, required for every role when the server requires certificates and for the roles
    // the policy names when it asks optionally.
    let device = match &presented {
        Some(fp) => devices::active_by_fingerprint(&mut tx, fp).await?,
        None => None,
    };
    let device_needed = match state.config.client_cert_mode {
        ClientCertMode::Off => false,
        ClientCertMode::Optional => policy.requires_device(role),
        ClientCertMode::Required => true,
    };
    if device_needed && device.is_none() {
        drop(tx);
        let mut event = AuditEvent::failure(action::LOGIN)
            .target("user", ctx.user_id())
            .detail("reason", "device_not_registered");
        if let Some(fp) = &presented {
            event = event.detail("certificate_sha256", fp.clone());
        }
        audit::record_standalone(
            &state.db,
            Some(ctx.tenant_id()),
            &Actor::of(&ctx, ip),
            event,
        )
        .await?;
        return Err(ApiError::code(ErrorCode::DeviceNotRegistered));
    }
    let device_id = device.as_ref().map(|d| d.device_id);
    let (token, csrf_token) = open_session(&mut tx, &ctx, stage, &policy, device_id).await?;
    let mut event = AuditEvent::success(action::LOGIN)
        .target("user", ctx.user_id())
        .detail("stage", stage.code());
    if let Some(d) = &device {
        event = event.detail("device_id", d.device_id.to_string());
    }
    audit::record(&mut tx, &Actor::of(&ctx, ip), event).await?;
    let info = session_info(&mut tx, state, &ctx, csrf_token, stage).await?;
    tx.commit().await?;
    // A second factor still owed keeps the failures counting until it is given.
    if stage != SessionStage::SecondFactor {
        system::login_succeeded(&state.db, &key).await?;
    }
    Ok(NewSession { token, info })
}
