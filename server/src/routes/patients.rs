//! Patients: register (with a duplicate guard), read, edit as new versions, history, search.
//! Reads and writes of a patient are marked in the access log with the patient's id.

use super::Routes;
use crate::auth::{ActiveUser, PatientPath};
use crate::db::patients::{self, PatientRow, SummaryRow, Update, VersionRow};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiQuery};
use crate::logs::export::utc;
use crate::logs::AccessNote;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use shared::api::patients::{
    PatientDetail, PatientInput, PatientQuery, PatientSummary, PatientVersion, RegisterPatient,
    Sex, UpdatePatient, ValidPatient,
};
use shared::api::ErrorCode;
use shared::domain::japanese::{format_date, wareki};
use shared::domain::Permission;
use shared::ids::UserId;

pub fn router() -> Routes {
    Routes::new()
        .route("/patients", get(search_patients).post(register_patient))
        .route("/patients/check-duplicates", post(check_duplicates))
        .route(
            "/patients/{patient_id}",
            get(get_patient).put(update_patient),
        )
        .route("/patients/{patient_id}/versions", get(patient_versions))
        .route("/postal-codes", get(postal_code))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostalQuery {
    code: String,
}

/// The addresses a 郵便番号 stands for (日本郵便's data, as imported by the operator), for the
/// registration form; an empty list when none is known or nothing has been imported.
async fn postal_code(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(query): ApiQuery<PostalQuery>,
) -> ApiResult<Json<Vec<shared::masters::postal::PostalAddress>>> {
    user.require(Permission::EditPatients)?;
    let Some(code) = shared::masters::postal::normalize_code(&query.code) else {
        return Err(ApiError::invalid(
            "code",
            "郵便番号は7桁の数字です（例: 100-0001）",
        ));
    };
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let found = crate::db::postal::lookup_tx(&mut tx, &code).await?;
    tx.commit().await?;
    Ok(Json(found))
}

fn sex(code: &str) -> anyhow::Result<Sex> {
    Sex::from_code(code).ok_or_else(|| anyhow::anyhow!("unknown sex code in database"))
}

fn detail(r: &PatientRow) -> anyhow::Result<PatientDetail> {
    Ok(PatientDetail {
        patient_id: r.patient_id,
        patient_number: r.patient_number.clone(),
        version: r.version,
        name: r.name.clone(),
        kana: r.kana.clone(),
        sex: sex(&r.sex)?,
        birth_date: format_date(r.birth_date),
        birth_date_wareki: wareki(r.birth_date),
        address: r.address.clone(),
        phone: r.phone.clone(),
        notes: r.notes.clone(),
        updated_at: utc(r.updated_at),
        updated_by: r.updated_by.map(UserId),
    })
}

fn summary(r: &SummaryRow) -> anyhow::Result<PatientSummary> {
    Ok(PatientSummary {
        patient_id: r.patient_id,
        patient_number: r.patient_number.clone(),
        name: r.name.clone(),
        kana: r.kana.clone(),
        sex: sex(&r.sex)?,
        birth_date: format_date(r.birth_date),
        phone: r.phone_digits.clone(),
    })
}

fn version(r: &VersionRow) -> anyhow::Result<PatientVersion> {
    Ok(PatientVersion {
        version: r.version,
        name: r.name.clone(),
        kana: r.kana.clone(),
        sex: sex(&r.sex)?,
        birth_date: format_date(r.birth_date),
        address: r.address.clone(),
        phone: r.phone.clone(),
        notes: r.notes.clone(),
        author_user_id: r.author_user_id.map(UserId),
        created_at: utc(r.created_at),
        reason: r.reason.clone(),
    })
}

fn validate(input: &PatientInput) -> ApiResult<ValidPatient> {
    input
        .validate(crate::clock::today_jst())
        .map_err(ApiError::Invalid)
}

async fn register_patient(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    ApiJson(body): ApiJson<RegisterPatient>,
) -> ApiResult<(StatusCode, Json<PatientDetail>)> {
    user.require(Permission::EditPatients)?;
    let valid = validate(&body.patient)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    if !body.confirm_duplicate
        && !patients::possible_duplicates(&mut tx, &valid, None)
            .await?
            .is_empty()
    {
        return Err(ApiError::code(ErrorCode::DuplicateSuspected));
    }
    // A patient number already taken is a 409 naming it (error.rs maps the constraint).
    let id = patients::insert(&mut tx, &valid, user.ctx().user_id()).await?;
    let row = patients::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    note.set_patient(id);
    Ok((StatusCode::CREATED, Json(detail(&row)?)))
}

/// The registered patients a new registration would duplicate (for the warning dialog).
async fn check_duplicates(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiJson(body): ApiJson<PatientInput>,
) -> ApiResult<Json<Vec<PatientSummary>>> {
    user.require(Permission::EditPatients)?;
    let valid = validate(&body)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = patients::possible_duplicates(&mut tx, &valid, None).await?;
    tx.commit().await?;
    Ok(Json(
        rows.iter().map(summary).collect::<anyhow::Result<_>>()?,
    ))
}

async fn get_patient(
    State(state): State<AppState>,
    path: PatientPath,
) -> ApiResult<Json<PatientDetail>> {
    path.user().require(Permission::ReadPatients)?;
    let (tx, row) = path.open(&state.db).await?;
    tx.commit().await?;
    Ok(Json(detail(&row)?))
}

async fn update_patient(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<UpdatePatient>,
) -> ApiResult<Json<PatientDetail>> {
    let user = path.user();
    user.require(Permission::EditPatients)?;
    // A malformed id is a 404 before the body is looked at.
    path.id()?;
    let valid = validate(&body.patient)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let id = patient.patient_id;
    // A patient number already taken is a 409 naming it (error.rs maps the constraint).
    let outcome = patients::update(
        &mut tx,
        id,
        body.base_version,
        &valid,
        &reason,
        user.ctx().user_id(),
    )
    .await?;
    match outcome {
        Update::Saved(_) => {}
        Update::NotFound => return Err(ApiError::code(ErrorCode::NotFound)),
        Update::Stale { current } => {
            return Err(ApiError::stale("base_version", format!("他の人が先に更新しました（現在の版は{current}）。最新の内容を確認してから保存してください")));
        }
    }
    let row = patients::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(Json(detail(&row)?))
}

async fn patient_versions(
    State(state): State<AppState>,
    path: PatientPath,
) -> ApiResult<Json<Vec<PatientVersion>>> {
    path.user().require(Permission::ReadPatients)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let rows = patients::versions(&mut tx, patient.patient_id).await?;
    tx.commit().await?;
    Ok(Json(
        rows.iter().map(version).collect::<anyhow::Result<_>>()?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    limit: Option<i64>,
}

/// Search by patient number, カナ (prefix; any width or size), 漢字 name (prefix), birth date
/// or phone number. The query text itself is never logged.
async fn search_patients(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<PatientSummary>>> {
    user.require(Permission::ReadPatients)?;
    let Some(classified) = PatientQuery::classify(&query.q) else {
        return Ok(Json(Vec::new()));
    };
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = patients::search(&mut tx, &classified, limit).await?;
    tx.commit().await?;
    Ok(Json(
        rows.iter().map(summary).collect::<anyhow::Result<_>>()?,
    ))
}
