//! The institution's security policy (administrators with ManageInstitution): passwords,
//! lockout, session timeouts, which roles must use a second factor. Versions, never overwritten;
//! every change audited with what changed.

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::{security, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::services::signin::session::default_policy;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Json;
use shared::api::security::{SaveSecurityPolicy, SecurityPolicyView};
use shared::domain::Permission;

pub fn router() -> Routes {
    Routes::new().route("/security-policy", get(show_policy).put(save_policy))
}

async fn show_policy(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<SecurityPolicyView>> {
    user.require(Permission::ManageInstitution)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let view = security::policy(&mut tx, &default_policy(&state)).await?;
    tx.commit().await?;
    Ok(Json(view))
}

async fn save_policy(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<SaveSecurityPolicy>,
) -> ApiResult<Json<SecurityPolicyView>> {
    user.require(Permission::ManageInstitution)?;
    let mut policy = body.policy;
    policy.validate().map_err(ApiError::Invalid)?;
    policy.two_factor_roles.sort_by_key(|r| r.code());
    policy.two_factor_roles.dedup();
    policy.device_roles.sort_by_key(|r| r.code());
    policy.device_roles.dedup();
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let before = security::policy(&mut tx, &default_policy(&state)).await?;
    let Some(version) = security::write_policy(
        &mut tx,
        body.base_version,
        &policy,
        &reason,
        user.ctx().user_id(),
    )
    .await?
    else {
        return Err(ApiError::stale(
            "base_version",
            "他の管理者が先に変更しました。画面を読み込み直してください",
        ));
    };
    let changed: Vec<String> = changed_fields(&before.policy, &policy);
    let event = AuditEvent::success(action::SECURITY_POLICY_CHANGE)
        .target("security_policy", version)
        .detail("changed", changed.join(","))
        .detail(
            "two_factor_roles",
            policy
                .two_factor_roles
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(","),
        );
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let view = security::policy(&mut tx, &default_policy(&state)).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// The names of the settings that differ, for the audit record.
fn changed_fields(
    before: &shared::domain::SecurityPolicy,
    after: &shared::domain::SecurityPolicy,
) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}
