//! Billing settings of one's own institution (施設基準 registrations, clinic or hospital, beds,
//! dispensing): everyone signed in reads them (the 会計 screen prices with them); administrators
//! write a new version valid from a date, audited. Nothing is overwritten.

use crate::auth::ActiveUser;
use crate::db::{billing, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::startup::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use shared::api::billing::{BillingSettings, BillingSettingsInput};
use shared::api::FieldError;
use shared::domain::japanese::format_date;
use shared::domain::Permission;

pub fn router() -> Router<AppState> {
    Router::new().route("/billing/settings", get(list_settings).post(write_settings))
}

/// Every version of the settings, newest first.
async fn list_settings(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<BillingSettings>>> {
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = billing::versions(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(rows.iter().map(|r| r.detail()).collect()))
}

async fn write_settings(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<BillingSettingsInput>,
) -> ApiResult<(StatusCode, Json<BillingSettings>)> {
    user.require(Permission::ManageInstitution)?;
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let Some(version) =
        billing::write(&mut tx, body.base_version, &valid, user.ctx().user_id()).await?
    else {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "base_version",
            "stale",
            "他の人が先に設定を変更しました。最新の設定を確認してから保存してください",
        )]));
    };
    let event = AuditEvent::success(action::BILLING_SETTINGS_CHANGE)
        .target("billing_settings", version)
        .detail("valid_from", format_date(valid.valid_from))
        .detail("institution_type", valid.institution_type.code())
        .detail("general_beds", valid.general_beds)
        .detail("in_house_dispensing", valid.in_house_dispensing)
        .detail(
            "standards",
            serde_json::to_value(valid.standards).map_err(anyhow::Error::from)?,
        );
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let rows = billing::versions(&mut tx).await?;
    tx.commit().await?;
    let row = rows
        .iter()
        .find(|r| r.version == version)
        .ok_or_else(|| anyhow::anyhow!("settings version just written is missing"))?;
    Ok((StatusCode::CREATED, Json(row.detail())))
}
