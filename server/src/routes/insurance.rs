//! A patient's insurances and public payments, and what covers them on a date (with the
//! patient's share computed by the shared rules).

use super::Routes;
use crate::auth::PatientPath;
use crate::db::insurance::{self, CoverageId, PublicPaymentRow, Written};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use serde::Deserialize;
use shared::api::insurance::{
    CoverageOn, EditInsurance, EditPublicPayment, InsuranceDetail, InsuranceInput,
    PublicPaymentDetail, PublicPaymentInput,
};
use shared::api::{ErrorCode, FieldError};
use shared::domain::japanese::{format_date, parse_date};
use shared::domain::Permission;
use shared::ids::{InsuranceId, PatientId, PublicPaymentId};

pub fn router() -> Routes {
    Routes::new()
        .route("/patients/{patient_id}/insurances", post(add_insurance))
        .route(
            "/patients/{patient_id}/insurances/{insurance_id}",
            put(edit_insurance),
        )
        .route(
            "/patients/{patient_id}/public-payments",
            post(add_public_payment),
        )
        .route(
            "/patients/{patient_id}/public-payments/{public_payment_id}",
            put(edit_public_payment),
        )
        .route("/patients/{patient_id}/coverage", get(coverage))
}

async fn add_insurance(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<InsuranceInput>,
) -> ApiResult<(StatusCode, Json<InsuranceDetail>)> {
    let user = path.user();
    user.require(Permission::EditPatients)?;
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let (mut tx, p) = path.open(&state.db).await?;
    let (patient, birth) = (p.patient_id, p.birth_date);
    let Written::Saved { id, .. } =
        insurance::write_insurance(&mut tx, patient, None, &valid, "", user.ctx().user_id())
            .await?
    else {
        return Err(ApiError::code(ErrorCode::Conflict));
    };
    let rows = insurance::insurances(&mut tx, patient, None).await?;
    tx.commit().await?;
    let row = rows
        .iter()
        .find(|r| r.insurance_id == id)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    Ok((
        StatusCode::CREATED,
        Json(row.detail(birth, crate::clock::today_jst())?),
    ))
}

/// The id of an insurance or 公費 of `patient`, or 404 when it has none by that id.
async fn existing<I: CoverageId + std::str::FromStr>(
    tx: &mut TenantTx,
    patient: PatientId,
    raw: &str,
) -> ApiResult<I> {
    let id = crate::http::id_or_not_found::<I>(raw)?;
    match insurance::current_version(tx, patient, id).await? {
        Some(_) => Ok(id),
        None => Err(ApiError::code(ErrorCode::NotFound)),
    }
}

/// 409 for a version written on a base that is no longer current.
fn stale() -> ApiError {
    ApiError::stale(
        "base_version",
        "他の人が先に更新しました。最新の内容を確認してから保存してください",
    )
}

async fn edit_insurance(
    State(state): State<AppState>,
    path: PatientPath,
    Path((_, raw_insurance)): Path<(String, String)>,
    ApiJson(body): ApiJson<EditInsurance>,
) -> ApiResult<Json<InsuranceDetail>> {
    let user = path.user();
    user.require(Permission::EditPatients)?;
    let valid = body.insurance.validate().map_err(ApiError::Invalid)?;
    let (mut tx, p) = path.open(&state.db).await?;
    let (patient, birth) = (p.patient_id, p.birth_date);
    let insurance_id = existing::<InsuranceId>(&mut tx, patient, &raw_insurance).await?;
    let written = insurance::write_insurance(
        &mut tx,
        patient,
        Some((insurance_id, body.base_version)),
        &valid,
        &shared::domain::text::reason("reason", &body.reason)?,
        user.ctx().user_id(),
    )
    .await?;
    if let Written::Stale = written {
        return Err(stale());
    }
    let rows = insurance::insurances(&mut tx, patient, None).await?;
    tx.commit().await?;
    let row = rows
        .iter()
        .find(|r| r.insurance_id == insurance_id)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    Ok(Json(row.detail(birth, crate::clock::today_jst())?))
}

async fn add_public_payment(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<PublicPaymentInput>,
) -> ApiResult<(StatusCode, Json<PublicPaymentDetail>)> {
    let user = path.user();
    user.require(Permission::EditPatients)?;
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let (mut tx, p) = path.open(&state.db).await?;
    let patient = p.patient_id;
    let written =
        insurance::write_public_payment(&mut tx, patient, None, &valid, "", user.ctx().user_id())
            .await?;
    let detail = saved_public_payment(tx, patient, written).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// A new version of a 公費 (corrected number, new validity period); the earlier versions stay.
async fn edit_public_payment(
    State(state): State<AppState>,
    path: PatientPath,
    Path((_, raw_payment)): Path<(String, String)>,
    ApiJson(body): ApiJson<EditPublicPayment>,
) -> ApiResult<Json<PublicPaymentDetail>> {
    let user = path.user();
    user.require(Permission::EditPatients)?;
    let valid = body.public_payment.validate().map_err(ApiError::Invalid)?;
    let (mut tx, p) = path.open(&state.db).await?;
    let patient = p.patient_id;
    let id = existing::<PublicPaymentId>(&mut tx, patient, &raw_payment).await?;
    let written = insurance::write_public_payment(
        &mut tx,
        patient,
        Some((id, body.base_version)),
        &valid,
        &shared::domain::text::reason("reason", &body.reason)?,
        user.ctx().user_id(),
    )
    .await?;
    Ok(Json(saved_public_payment(tx, patient, written).await?))
}

/// Commits a written 公費 and answers its current version (409 when the write was stale).
async fn saved_public_payment(
    mut tx: TenantTx,
    patient: PatientId,
    written: Written<PublicPaymentId>,
) -> ApiResult<PublicPaymentDetail> {
    let Written::Saved { id, .. } = written else {
        return Err(stale());
    };
    let rows = insurance::public_payments(&mut tx, patient, None).await?;
    tx.commit().await?;
    rows.iter()
        .find(|r| r.public_payment_id == id)
        .map(PublicPaymentRow::detail)
        .ok_or(ApiError::code(ErrorCode::NotFound))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoverageQuery {
    /// `YYYY-MM-DD`; today (JST) when absent; `all` for every insurance regardless of date.
    on: Option<String>,
}

/// What covers the patient on a date: insurances and public payments valid that day, each
/// insurance with the patient's share on that day.
async fn coverage(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageOn>> {
    let user = path.user();
    user.require(Permission::ReadPatients)?;
    let (date, filter) = match q.on.as_deref() {
        None | Some("") => (crate::clock::today_jst(), Some(crate::clock::today_jst())),
        Some("all") => (crate::clock::today_jst(), None),
        Some(s) => {
            let d = parse_date(s).ok_or_else(|| {
                ApiError::Invalid(vec![FieldError::new(
                    "on",
                    "invalid",
                    "日付は YYYY-MM-DD で指定してください",
                )])
            })?;
            (d, Some(d))
        }
    };
    let (mut tx, p) = path.open(&state.db).await?;
    let (patient, birth) = (p.patient_id, p.birth_date);
    let insurances = insurance::insurances(&mut tx, patient, filter).await?;
    let publics = insurance::public_payments(&mut tx, patient, filter).await?;
    let last_used = crate::db::reception::last_coverages(&mut tx, patient).await?;
    tx.commit().await?;
    Ok(Json(CoverageOn {
        last_used,
        date: format_date(date),
        insurances: insurances
            .iter()
            .map(|r| r.detail(birth, date))
            .collect::<anyhow::Result<_>>()?,
        public_payments: publics.iter().map(PublicPaymentRow::detail).collect(),
    }))
}
