//! User administration of one's own institution: administrators only. Another institution's
//! users are invisible (row-level security), so their ids answer 404.

use super::Routes;
use crate::auth::{self, ActiveUser};
use crate::db::{security, sessions, users, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use shared::api::users::{CreateUser, IssuedPassword, SetNarcoticLicense, UserSummary};
use shared::api::{ErrorCode, FieldError};
use shared::domain::Permission;
use shared::ids::UserId;

pub fn router() -> Routes {
    Routes::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{user_id}/disable", post(disable_user))
        .route("/users/{user_id}/enable", post(enable_user))
        .route("/users/{user_id}/reset-password", post(reset_password))
        .route("/users/{user_id}/reset-factors", post(reset_factors))
        .route("/users/{user_id}/unlock", post(unlock_user))
        .route(
            "/users/{user_id}/narcotic-license",
            put(set_narcotic_license),
        )
}

async fn list_users(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<UserSummary>>> {
    user.require(Permission::ManageUsers)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = users::list(&mut tx).await?;
    let locks = users::login_locks(&mut tx).await?;
    tx.commit().await?;
    let mut summaries = rows
        .iter()
        .map(|r| r.summary())
        .collect::<anyhow::Result<Vec<_>>>()?;
    for s in &mut summaries {
        s.locked_until = locks
            .iter()
            .find(|(id, _)| *id == s.user_id)
            .map(|(_, until)| crate::clock::rfc3339(*until));
    }
    Ok(Json(summaries))
}

async fn create_user(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<IssuedPassword>)> {
    user.require(Permission::ManageUsers)?;
    let new = body.validate().map_err(ApiError::Invalid)?;
    let one_time_password = auth::one_time_password();
    let hash = auth::hash_password(one_time_password.clone()).await?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    // A login id already taken is a 409 naming `login_id` (error.rs maps the constraint).
    let row = users::insert(&mut tx, &new, &hash).await?;
    let event = AuditEvent::success(action::USER_CREATE)
        .target("user", row.user_id)
        .detail("login_id", row.login_id.clone())
        .detail("role", row.role.clone());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedPassword {
            user: row.summary()?,
            one_time_password,
        }),
    ))
}

async fn set_disabled(
    state: AppState,
    user: ActiveUser,
    ip: ClientIp,
    raw_id: String,
    disabled: bool,
) -> ApiResult<Json<UserSummary>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<UserId>(&raw_id)?;
    if disabled && id == user.ctx().user_id() {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "user_id",
            "self",
            "自分自身のアカウントは無効にできません",
        )]));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let row = users::set_disabled(&mut tx, id, disabled)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    if disabled {
        sessions::end_all_for_user(&mut tx, id, sessions::EndReason::UserDisabled, None).await?;
    }
    let event = AuditEvent::success(if disabled {
        action::USER_DISABLE
    } else {
        action::USER_ENABLE
    })
    .target("user", id);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(row.summary()?))
}

async fn disable_user(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    set_disabled(state, user, ip, raw_id, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    set_disabled(state, user, ip, raw_id, false).await
}

/// Issues a new one-time password; the user must change it at next login. Their open
/// sessions end.
async fn reset_password(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<IssuedPassword>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<UserId>(&raw_id)?;
    let one_time_password = auth::one_time_password();
    let hash = auth::hash_password(one_time_password.clone()).await?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let row = users::set_password(&mut tx, id, &hash, true)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    sessions::end_all_for_user(&mut tx, id, sessions::EndReason::PasswordReset, None).await?;
    let event = AuditEvent::success(action::PASSWORD_RESET).target("user", id);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(IssuedPassword {
        user: row.summary()?,
        one_time_password,
    }))
}

/// Revokes every second factor and recovery code of a user (a lost phone) and ends their
/// sessions; at next sign-in they enrol again if their role requires it.
async fn reset_factors(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<UserId>(&raw_id)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    users::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let revoked = security::reset_factors(&mut tx, id, user.ctx().user_id()).await?;
    sessions::end_all_for_user(&mut tx, id, sessions::EndReason::FactorsReset, None).await?;
    let event = AuditEvent::success(action::FACTORS_RESET)
        .target("user", id)
        .detail("factors_revoked", revoked);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let row = users::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(Json(row.summary()?))
}

/// Lifts a sign-in lock (too many failed attempts) before it runs out.
async fn unlock_user(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<UserId>(&raw_id)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let row = users::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let was_locked = users::unlock_login(&mut tx, id).await?;
    let event = AuditEvent::success(action::LOGIN_UNLOCK)
        .target("user", id)
        .detail("was_locked", was_locked);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(row.summary()?))
}

/// A doctor's 麻薬施用者免許証番号 (printed on 麻薬 処方箋), as a new version. Audited.
async fn set_narcotic_license(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<SetNarcoticLicense>,
) -> ApiResult<Json<UserSummary>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<UserId>(&raw_id)?;
    let license = body.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let row = users::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    if row.role()? != shared::domain::Role::Doctor {
        return Err(ApiError::invalid(
            "license",
            "麻薬施用者免許証番号は医師にだけ登録できます",
        ));
    }
    if row.narcotic_license_version != body.base_version
        || !users::insert_narcotic_license(
            &mut tx,
            id,
            body.base_version + 1,
            &license,
            body.reason.trim(),
            user.ctx().user_id(),
        )
        .await?
    {
        return Err(ApiError::stale(
            "base_version",
            "免許証番号は他の人が更新しました。最新の内容を確かめてください",
        ));
    }
    let event = AuditEvent::success(action::USER_LICENSE_CHANGE)
        .target("user", id)
        .detail("version", body.base_version + 1)
        .detail("removed", license.is_empty());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let row = users::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(Json(row.summary()?))
}
