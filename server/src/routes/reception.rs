//! 受付: check in for today, the day's queue, moves through the day (a stale move is refused).

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::reception::{self, EntryRow, EventRow};
use crate::db::{insurance, patients, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiQuery};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::export::utc;
use crate::logs::AccessNote;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use serde::Deserialize;
use shared::api::reception::{
    CheckIn, Coverage, MoveReception, ReceptionEntry, ReceptionStatus, SetCoverage,
};
use shared::api::{ErrorCode, FieldError};
use shared::domain::coverage::default_coverage;
use shared::domain::japanese::parse_date;
use shared::domain::Permission;
use shared::ids::{PatientId, ReceptionId};

pub fn router() -> Routes {
    Routes::new()
        .route("/receptions", get(queue).post(check_in))
        .route("/receptions/{reception_id}/status", post(move_reception))
        .route("/receptions/{reception_id}/coverage", put(set_coverage))
}

fn entries(rows: &[EntryRow], events: &[EventRow]) -> Vec<ReceptionEntry> {
    rows.iter()
        .map(|r| {
            let mine: Vec<&EventRow> = events
                .iter()
                .filter(|e| e.reception_id == r.reception_id)
                .collect();
            ReceptionEntry {
                reception_id: r.reception_id,
                patient_id: r.patient_id,
                patient_number: r.patient_number.clone(),
                name: r.name.clone(),
                kana: r.kana.clone(),
                department: r.department.clone(),
                purpose: r.purpose.clone(),
                memo: r.memo.clone(),
                status: ReceptionStatus::from_code(&r.status).unwrap_or(ReceptionStatus::Waiting),
                version: r.version,
                checked_in_at: utc(r.checked_in_at),
                status_times: mine
                    .iter()
                    .filter_map(|e| ReceptionStatus::from_code(&e.status).map(|s| (s, utc(e.at))))
                    .collect(),
                cancel_reason: mine
                    .iter()
                    .find(|e| e.status == "cancelled")
                    .map(|e| e.reason.clone()),
                coverage: r.coverage.as_ref().map(|c| c.0.clone()),
                coverage_label: r.coverage_label.clone(),
            }
        })
        .collect()
}

async fn check_in(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    ApiJson(body): ApiJson<CheckIn>,
) -> ApiResult<(StatusCode, Json<ReceptionEntry>)> {
    user.require(Permission::FrontDesk)?;
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let patient = crate::http::id_or_not_found::<PatientId>(&body.patient_id)?;
    let today = crate::clock::today_jst();
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let p = patients::find(&mut tx, patient)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    note.set_patient(patient);
    // A second reception the same day is refused until the clerk confirms it: a duplicate
    // would count as an earlier visit and turn the real 初診 into a 再診.
    let live = reception::live_on(&mut tx, patient, today).await?;
    if let (Some((department, at)), false) = (live.last(), body.again) {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "patient_id",
            "already_checked_in",
            format!(
                "本日すでに受付済みです（{} {} 受付{}）",
                department,
                crate::clock::jst_time(*at),
                if live.len() > 1 {
                    format!("ほか{}件", live.len() - 1)
                } else {
                    String::new()
                }
            ),
        )]));
    }
    let (coverage, label) = chosen_coverage(
        &mut tx,
        patient,
        p.birth_date,
        today,
        &valid.department,
        body.coverage.as_ref(),
    )
    .await?;
    let id = reception::check_in(
        &mut tx,
        &reception::NewReception {
            patient,
            day: today,
            department: &valid.department,
            purpose: &valid.purpose,
            memo: &valid.memo,
            coverage: Some((&coverage, label.as_str())),
        },
        user.ctx().user_id(),
    )
    .await?;
    let (rows, events) = reception::day(&mut tx, today).await?;
    tx.commit().await?;
    let entry = entries(&rows, &events)
        .into_iter()
        .find(|e| e.reception_id == id);
    Ok((
        StatusCode::CREATED,
        Json(entry.ok_or(ApiError::code(ErrorCode::NotFound))?),
    ))
}

/// The visit's 保険組合せ and its label: the one asked for, checked against the cards valid on
/// `day`, else the default ([`default_coverage`]: the last one of the 診療科, else the 主保険
/// alone). Empty when nothing is valid that day: 会計 says so and the clerk chooses there once
/// a card is registered (nothing is applied by itself later).
async fn chosen_coverage(
    tx: &mut TenantTx,
    patient: PatientId,
    birth: time::Date,
    day: time::Date,
    department: &str,
    asked: Option<&Coverage>,
) -> ApiResult<(Coverage, String)> {
    let (insurances, publics) = insurance::valid_on(tx, patient, birth, day).await?;
    let coverage = match asked {
        // Nothing chosen because nothing is valid that day (the card comes later; 会計 says so).
        Some(c) if c.is_empty() && insurances.is_empty() && publics.is_empty() => c.clone(),
        Some(c) => {
            let problems = c.check(&insurances, &publics);
            if !problems.is_empty() {
                return Err(ApiError::Invalid(problems));
            }
            c.clone()
        }
        None => {
            let last = reception::last_coverages(tx, patient).await?;
            let last = last
                .iter()
                .find(|l| l.department == department)
                .map(|l| &l.coverage);
            default_coverage(&insurances, &publics, last)
        }
    };
    let label = coverage.label(&insurances, &publics);
    Ok((coverage, label))
}

/// Changes a visit's 保険組合せ (a 受給者証 shown late, a wrong choice), audited. A cancelled
/// visit cannot be changed; a finalised bill keeps what it was priced with until corrected.
async fn set_coverage(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    ip: ClientIp,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SetCoverage>,
) -> ApiResult<Json<ReceptionEntry>> {
    user.require(Permission::FrontDesk)?;
    let id = crate::http::id_or_not_found::<ReceptionId>(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (patient, day, department, status, _) = reception::find(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    note.set_patient(patient);
    if status == "cancelled" {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "reception",
            "cancelled",
            "取り消された受付は変更できません",
        )]));
    }
    let p = patients::find(&mut tx, patient)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let (coverage, label) = chosen_coverage(
        &mut tx,
        patient,
        p.birth_date,
        day,
        &department,
        Some(&body.coverage),
    )
    .await?;
    if !reception::set_coverage(&mut tx, id, body.base_version, &coverage, &label).await? {
        return Err(ApiError::stale(
            "base_version",
            "受付が他の操作で更新されました。画面を更新してください",
        ));
    }
    let event = AuditEvent::success(action::RECEPTION_COVERAGE)
        .target("reception", id)
        .detail("patient_id", patient.to_string())
        .detail(
            "insurance_id",
            coverage
                .insurance_id
                .map(|i| i.to_string())
                .unwrap_or_default(),
        )
        .detail("public_payments", coverage.public_payment_ids.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let (rows, events) = reception::day(&mut tx, day).await?;
    tx.commit().await?;
    entries(&rows, &events)
        .into_iter()
        .find(|e| e.reception_id == id)
        .map(Json)
        .ok_or(ApiError::code(ErrorCode::NotFound))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    /// `YYYY-MM-DD`; today (JST) when absent.
    date: Option<String>,
}

/// The day's queue in check-in order. Screens poll it every few seconds.
async fn queue(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Vec<ReceptionEntry>>> {
    require_queue_access(&user)?;
    let day = match q.date.as_deref() {
        None | Some("") => crate::clock::today_jst(),
        Some(s) => parse_date(s).ok_or_else(|| {
            ApiError::Invalid(vec![FieldError::new(
                "date",
                "invalid",
                "日付は YYYY-MM-DD で指定してください",
            )])
        })?,
    };
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (rows, events) = reception::day(&mut tx, day).await?;
    tx.commit().await?;
    Ok(Json(entries(&rows, &events)))
}

/// The queue is for the front desk and the clinical staff (who call patients in).
fn require_queue_access(user: &ActiveUser) -> ApiResult<()> {
    if user.ctx().role().can(Permission::FrontDesk) {
        Ok(())
    } else {
        user.require(Permission::ReadPatients)
    }
}

fn stale() -> ApiError {
    ApiError::stale(
        "base_version",
        "他の画面で先に更新されました。最新の状態を確認してください",
    )
}

async fn move_reception(
    State(state): State<AppState>,
    user: ActiveUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<MoveReception>,
) -> ApiResult<Json<Vec<ReceptionEntry>>> {
    require_queue_access(&user)?;
    let id = crate::http::id_or_not_found::<ReceptionId>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if body.to == ReceptionStatus::Cancelled && reason.is_empty() {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "reason",
            "required",
            "取消の理由を入力してください",
        )]));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (status, version) = reception::current(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    if version != body.base_version {
        return Err(stale());
    }
    let from = ReceptionStatus::from_code(&status).unwrap_or(ReceptionStatus::Waiting);
    if !from.can_move_to(body.to) {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "to",
            "not_allowed",
            format!(
                "「{}」から「{}」には進めません",
                from.label_ja(),
                body.to.label_ja()
            ),
        )]));
    }
    if !reception::move_to(
        &mut tx,
        id,
        body.base_version,
        body.to.code(),
        &reason,
        user.ctx().user_id(),
    )
    .await?
    {
        return Err(stale());
    }
    let today = crate::clock::today_jst();
    let (rows, events) = reception::day(&mut tx, today).await?;
    tx.commit().await?;
    Ok(Json(entries(&rows, &events)))
}
