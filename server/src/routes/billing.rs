//! Billing settings of one's own institution (施設基準 registrations, clinic or hospital, beds,
//! dispensing): everyone signed in reads them (the 会計 screen prices with them); administrators
//! write a new version valid from a date, audited. Nothing is overwritten.

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::{billing, institutions, item_sets, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Json;
use shared::api::billing::{
    BillingSettings, BillingSettingsInput, InstitutionProfile, InstitutionProfileInput, ItemSet,
    SaveItemSet,
};
use shared::domain::japanese::format_date;
use shared::domain::Permission;

pub fn router() -> Routes {
    Routes::new()
        .route("/billing/settings", get(list_settings).post(write_settings))
        .route("/billing/sets", get(list_sets).post(create_set))
        .route("/billing/sets/{item_set_id}", put(update_set))
        .route("/institution/profile", get(get_profile).put(write_profile))
}

/// The institution's 所在地 and 電話番号: everyone signed in reads them.
async fn get_profile(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<InstitutionProfile>> {
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let profile = institutions::profile(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(profile))
}

/// A new version of the 所在地 and 電話番号 (administrators), based on the one they saw. Audited.
async fn write_profile(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<InstitutionProfileInput>,
) -> ApiResult<Json<InstitutionProfile>> {
    user.require(Permission::ManageInstitution)?;
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let current = institutions::profile(&mut tx).await?.version;
    if body.base_version != current
        || !institutions::insert_profile(&mut tx, current + 1, &valid, user.ctx().user_id()).await?
    {
        return Err(ApiError::stale(
            "base_version",
            "他の人が先に変更しました。最新の内容を確認してください",
        ));
    }
    let event = AuditEvent::success(action::INSTITUTION_PROFILE_CHANGE)
        .target("institution_profile", current + 1)
        .detail("version", current + 1);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let profile = institutions::profile(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(profile))
}

/// Sets are for the front desk (and administrators who prepare them).
fn require_sets(user: &ActiveUser) -> ApiResult<()> {
    let role = user.ctx().role();
    if role.can(Permission::FrontDesk) || role.can(Permission::ManageInstitution) {
        Ok(())
    } else {
        Err(ApiError::code(shared::api::ErrorCode::Forbidden))
    }
}

/// The current セット of the institution, by name (retired ones are left out).
async fn list_sets(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<ItemSet>>> {
    require_sets(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = item_sets::current(&mut tx, false).await?;
    tx.commit().await?;
    Ok(Json(rows.iter().map(item_sets::SetRow::detail).collect()))
}

async fn create_set(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiJson(body): ApiJson<SaveItemSet>,
) -> ApiResult<(StatusCode, Json<ItemSet>)> {
    save_set(state, user, None, body)
        .await
        .map(|set| (StatusCode::CREATED, Json(set)))
}

async fn update_set(
    State(state): State<AppState>,
    user: ActiveUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveItemSet>,
) -> ApiResult<Json<ItemSet>> {
    let id = crate::http::id_or_not_found::<shared::ids::ItemSetId>(&raw)?;
    save_set(state, user, Some(id), body).await.map(Json)
}

async fn save_set(
    state: AppState,
    user: ActiveUser,
    id: Option<shared::ids::ItemSetId>,
    body: SaveItemSet,
) -> ApiResult<ItemSet> {
    require_sets(&user)?;
    let name = body.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let written = item_sets::write(
        &mut tx,
        id.map(|id| (id, body.base_version)),
        &name,
        &body.contents,
        body.retired,
        user.ctx().user_id(),
    )
    .await?;
    let (id, version) = match written {
        item_sets::Saved::Version(id, version) => (id, version),
        item_sets::Saved::NotFound => return Err(ApiError::code(shared::api::ErrorCode::NotFound)),
        item_sets::Saved::Stale => {
            return Err(ApiError::stale(
                "base_version",
                "他の人が先にセットを変更しました。最新の内容を確認してください",
            ))
        }
    };
    let rows = item_sets::current(&mut tx, true).await?;
    tx.commit().await?;
    rows.iter()
        .find(|r| r.item_set_id == id && r.version == version)
        .map(item_sets::SetRow::detail)
        .ok_or(ApiError::code(shared::api::ErrorCode::NotFound))
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
        return Err(ApiError::stale(
            "base_version",
            "他の人が先に設定を変更しました。最新の設定を確認してから保存してください",
        ));
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
