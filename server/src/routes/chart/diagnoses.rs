//! 傷病名: the list (all, or those active on a day), recording, changing with a reason, and
//! the versions of one diagnosis.

use super::{date_param, require_notes};
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{diagnoses, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{id_or_not_found, ApiJson, ApiQuery};
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::chart::diagnoses as service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::api::chart::{Diagnosis, DiagnosisInput};
use shared::domain::Permission;
use shared::ids::DiagnosisId;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiagnosisQuery {
    /// Only those active on this day.
    #[serde(default)]
    on: Option<String>,
}

pub(super) async fn list_diagnoses(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<DiagnosisQuery>,
) -> ApiResult<Json<Vec<Diagnosis>>> {
    let user = path.user();
    require_notes(user)?;
    let on =
        q.on.as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| date_param("on", d))
            .transpose()?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let list = diagnoses::diagnoses(&mut tx, patient.patient_id, on.map(|d| (d, d))).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub(super) async fn record_diagnosis(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiJson(body): ApiJson<DiagnosisInput>,
) -> ApiResult<(StatusCode, Json<Diagnosis>)> {
    let user = path.user();
    user.require(Permission::Diagnose)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let saved = service::record(&mut tx, user.ctx(), &ip, patient.patient_id, &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

pub(super) async fn change_diagnosis(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<DiagnosisInput>,
) -> ApiResult<Json<Diagnosis>> {
    user.require(Permission::Diagnose)?;
    let id = id_or_not_found::<DiagnosisId>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "変更の理由を入力してください"));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let saved = service::change(&mut tx, user.ctx(), &ip, &note, id, &body, &reason).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

pub(super) async fn diagnosis_history(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Diagnosis>>> {
    require_notes(&user)?;
    let id = id_or_not_found::<DiagnosisId>(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let history = service::history(&mut tx, &note, id).await?;
    tx.commit().await?;
    Ok(Json(history))
}
