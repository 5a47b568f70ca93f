//! 端末管理: an institution's registered device certificates (administrators), and what this
//! connection presented (anyone: it is the caller's own certificate, nothing more).

use super::Routes;
use crate::auth::{ActiveUser, ClientCert};
use crate::db::{devices, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use shared::api::devices::{parse_fingerprint, DeviceSummary, RegisterDevice, ThisDevice};
use shared::api::{ErrorCode, FieldError};
use shared::domain::Permission;

pub fn router() -> Routes {
    Routes::new()
        .route("/devices", get(list_devices).post(register_device))
        .route("/devices/this", get(this_device))
        .route("/devices/{device_id}/revoke", post(revoke_device))
}

async fn this_device(State(state): State<AppState>, cert: ClientCert) -> Json<ThisDevice> {
    Json(ThisDevice {
        mode: state.config.client_cert_mode,
        fingerprint: cert.0,
    })
}

async fn list_devices(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<DeviceSummary>>> {
    user.require(Permission::ManageUsers)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = devices::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(rows.iter().map(|r| r.summary()).collect()))
}

async fn register_device(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<RegisterDevice>,
) -> ApiResult<(StatusCode, Json<DeviceSummary>)> {
    user.require(Permission::ManageUsers)?;
    let mut problems = Vec::new();
    let name = devices::valid_name(&body.name);
    if name.is_none() {
        problems.push(FieldError::new(
            "name",
            "invalid",
            "端末名は1〜64文字で入力してください（例: 外来1番端末）",
        ));
    }
    let fingerprint = if body.certificate.contains("-----BEGIN") {
        crate::tls::pem_fingerprint(&body.certificate)
    } else {
        parse_fingerprint(&body.certificate)
    };
    if fingerprint.is_none() {
        problems.push(FieldError::new(
            "certificate",
            "invalid",
            "証明書（PEM）か、SHA-256の指紋（16進64桁）を入力してください",
        ));
    }
    let (Some(name), Some(fingerprint)) = (name, fingerprint) else {
        return Err(ApiError::Invalid(problems));
    };
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let Some(device) =
        devices::register(&mut tx, &name, &fingerprint, Some(user.ctx().user_id())).await?
    else {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "certificate",
            "registered",
            "この証明書は既に登録されています",
        )]));
    };
    let event = AuditEvent::success(action::DEVICE_REGISTER)
        .target("device", device.device_id)
        .detail("fingerprint", fingerprint);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(device.summary())))
}

/// Revokes a device: sign-ins from it stop, and the sessions bound to it end at their next
/// request.
async fn revoke_device(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<DeviceSummary>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::http::id_or_not_found::<shared::ids::DeviceId>(&raw_id)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let device = devices::revoke(&mut tx, id, user.ctx().user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let event = AuditEvent::success(action::DEVICE_REVOKE)
        .target("device", device.device_id)
        .detail("fingerprint", device.fingerprint.clone());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(device.summary()))
}
