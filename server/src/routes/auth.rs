//! Sign-in, the current session, sign-out and password change.

use crate::auth::{self, Authenticated};
use crate::db::{institutions, sessions, system, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::startup::AppState;
use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use shared::api::auth::{ChangePassword, CurrentUser, InstitutionSummary, Login, SessionInfo};
use shared::api::{ErrorCode, FieldError};
use shared::domain::{InstitutionCode, LoginId, PasswordPolicy, PasswordProblem, Role};
use shared::ids::SessionId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/session", get(current_session))
        .route("/auth/password", post(change_password))
}

/// The policy new passwords must meet. Per-institution policies come with two-factor sign-in.
pub fn password_policy() -> PasswordPolicy {
    PasswordPolicy::GUIDELINE_SINGLE_FACTOR
}

async fn session_info(
    tx: &mut TenantTx,
    state: &AppState,
    ctx: &TenantContext,
    csrf_token: String,
) -> ApiResult<SessionInfo> {
    let user = users::find(tx, ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(tx).await?;
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
        idle_timeout_seconds: state.config.idle_timeout.as_secs(),
        password_policy: password_policy(),
    })
}

/// The same answer for an unknown institution, an unknown user, a wrong password and a
/// disabled account, after the same amount of work.
async fn login(
    State(state): State<AppState>,
    note: AccessNote,
    ip: ClientIp,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let code = InstitutionCode::parse(&body.institution_code).ok();
    let login_id = LoginId::parse(&body.login_id).ok();
    let candidate = match (&code, &login_id) {
        (Some(code), Some(login_id)) => system::login_candidate(&state.db, code, login_id).await?,
        _ => None,
    };
    let password = body.password;
    let verified = password.chars().count() <= PasswordPolicy::MAX_LENGTH
        && auth::verify_password(
            candidate.as_ref().map(|c| c.password_hash.clone()),
            password,
        )
        .await;
    let candidate = match candidate {
        Some(c) if verified && !c.disabled => c,
        other => {
            // Audited in the institution aimed at, when its code exists. The attempted login
            // id is not recorded unless it names a user: people type passwords into it.
            let reason = match &other {
                Some(c) if c.disabled => "disabled",
                Some(_) => "wrong_password",
                None => "unknown_user",
            };
            let tenant = match (&other, &code) {
                (Some(c), _) => Some(c.tenant_id),
                (None, Some(code)) => system::institution_by_code(&state.db, code).await?,
                (None, None) => None,
            };
            let mut event = AuditEvent::failure(action::LOGIN).detail("reason", reason);
            if let Some(c) = &other {
                event = event.target("user", c.user_id);
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
    let role = Role::from_code(&candidate.role).context("unknown role code")?;
    let session_id = SessionId(uuid::Uuid::new_v4());
    let ctx = auth::context_after_password_check(&candidate, role, session_id);
    note.set_actor(ctx.tenant_id(), Some(ctx.user_id()), Some(session_id));
    let token = auth::random_token();
    let csrf_token = auth::random_token();
    let mut tx = TenantTx::begin(&state.db, &ctx).await?;
    sessions::insert(
        &mut tx,
        session_id,
        ctx.user_id(),
        &auth::token_hash(&token),
        &csrf_token,
        state.config.session_lifetime,
    )
    .await?;
    let event = AuditEvent::success(action::LOGIN).target("user", ctx.user_id());
    audit::record(&mut tx, &Actor::of(&ctx, &ip), event).await?;
    let info = session_info(&mut tx, &state, &ctx, csrf_token).await?;
    tx.commit().await?;
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&token))],
        Json(info),
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
) -> ApiResult<Response> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    sessions::end(&mut tx, auth.session_id(), sessions::EndReason::Logout).await?;
    audit::record(
        &mut tx,
        &Actor::of(&auth.ctx, &ip),
        AuditEvent::success(action::LOGOUT),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::cleared_session_cookie())],
    )
        .into_response())
}

async fn current_session(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<SessionInfo>> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let info = session_info(&mut tx, &state, &auth.ctx, auth.csrf_token.clone()).await?;
    tx.commit().await?;
    Ok(Json(info))
}

/// Changes the caller's own password (also the forced change after a one-time password).
/// Other sessions of the user end; this one continues.
async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<Json<SessionInfo>> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user_id = auth.ctx.user_id();
    let user = users::find(&mut tx, user_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let stored = users::password_hash(&mut tx, user_id).await?;
    let current_ok = body.current_password.chars().count() <= PasswordPolicy::MAX_LENGTH
        && auth::verify_password(stored, body.current_password.clone()).await;
    let actor = Actor::of(&auth.ctx, &ip);
    if !current_ok {
        drop(tx);
        let event = AuditEvent::failure(action::PASSWORD_CHANGE)
            .target("user", user_id)
            .detail("reason", "wrong_current_password");
        audit::record_standalone(&state.db, Some(auth.ctx.tenant_id()), &actor, event).await?;
        return Err(ApiError::Invalid(vec![FieldError::new(
            "current_password",
            "incorrect",
            "現在のパスワードが正しくありません",
        )]));
    }
    let mut problems =
        password_policy().check(&body.new_password, &user.login_id, &user.display_name);
    if body.new_password == body.current_password {
        problems.push(PasswordProblem::SameAsCurrent);
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(
            problems
                .iter()
                .map(|p| FieldError::new("new_password", p.code(), p.message_ja()))
                .collect(),
        ));
    }
    let hash = auth::hash_password(body.new_password).await?;
    users::set_password(&mut tx, user_id, &hash, false).await?;
    sessions::end_all_for_user(
        &mut tx,
        user_id,
        sessions::EndReason::PasswordChanged,
        Some(auth.session_id()),
    )
    .await?;
    let event = AuditEvent::success(action::PASSWORD_CHANGE)
        .target("user", user_id)
        .detail("forced", user.must_change_password);
    audit::record(&mut tx, &actor, event).await?;
    let info = session_info(&mut tx, &state, &auth.ctx, auth.csrf_token.clone()).await?;
    tx.commit().await?;
    Ok(Json(info))
}
