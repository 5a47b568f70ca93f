//! Vital signs (record, correct, list for a period) and lab results (record, import a CSV file,
//! list for a period).

use super::{period, require_chart, PeriodQuery};
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{observations, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{id_or_not_found, ApiBytes, ApiJson, ApiQuery};
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::chart::observations::{self as service, Measured};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use shared::api::chart::{
    CorrectVitals, LabRecord, LabsRecorded, RecordLabs, RecordVitals, VitalRecord,
};
use shared::api::FieldError;
use shared::domain::chart::{parse_lab_csv, LabChecked, VitalWarning};
use shared::domain::japanese::parse_date;
use shared::ids::VitalId;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

pub(super) async fn list_vitals(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Vec<VitalRecord>>> {
    let user = path.user();
    require_chart(user)?;
    let (from, to) = period(&q)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let (start, end) = crate::clock::jst_days(from, to);
    let rows = observations::vitals_between(&mut tx, patient.patient_id, start, end).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

/// `YYYY-MM-DDTHH:MM` (JST) as an instant.
fn jst_instant(raw: &str) -> Option<OffsetDateTime> {
    let (date, time) = raw.trim().split_once(['T', ' '])?;
    let date = parse_date(date)?;
    let (h, m) = time.split_once(':')?;
    // `HH:MM`, or with seconds as a browser may send them (`HH:MM:SS[.fff]`, seconds dropped);
    // nothing else after the minutes.
    let (m, rest) = m.split_at_checked(2)?;
    let seconds_ok = rest.is_empty()
        || rest
            .strip_prefix(':')
            .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !seconds_ok {
        return None;
    }
    let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(crate::clock::jst()))
}

/// The measuring time (JST, not in the future) and the values of a vitals entry, checked.
fn checked_vitals(body: &RecordVitals) -> ApiResult<(Measured, Vec<VitalWarning>)> {
    let Some(measured_at) = jst_instant(&body.measured_at) else {
        return Err(ApiError::invalid(
            "measured_at",
            "測定日時は YYYY-MM-DDTHH:MM で入力してください",
        ));
    };
    // A few minutes of clock difference between a tablet and the server are not the future.
    if measured_at > OffsetDateTime::now_utc() + Duration::minutes(10) {
        return Err(ApiError::invalid(
            "measured_at",
            "未来の日時は入力できません",
        ));
    }
    let (values, warnings) = body.values.validate().map_err(ApiError::Invalid)?;
    Ok((
        Measured {
            at: measured_at,
            values,
        },
        warnings,
    ))
}

pub(super) async fn record_vitals(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<RecordVitals>,
) -> ApiResult<(StatusCode, Json<VitalRecord>)> {
    let user = path.user();
    require_chart(user)?;
    let (measured, warnings) = checked_vitals(&body)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let mut record = observations::insert_vitals(
        &mut tx,
        patient.patient_id,
        measured.at,
        &measured.values,
        user.ctx().user_id(),
        None,
    )
    .await?;
    tx.commit().await?;
    record.warnings = warnings;
    Ok((StatusCode::CREATED, Json(record)))
}

/// A correction of recorded vital signs: a new entry with the reason, replacing the old one in
/// lists and charts (the old one stays in the record). The newest entry is the one to correct.
pub(super) async fn correct_vitals(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CorrectVitals>,
) -> ApiResult<(StatusCode, Json<VitalRecord>)> {
    require_chart(&user)?;
    let id = id_or_not_found::<VitalId>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "訂正の理由を入力してください"));
    }
    let (measured, warnings) = checked_vitals(&body.vitals)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let mut record =
        service::correct_vitals(&mut tx, user.ctx(), &note, id, &reason, &measured).await?;
    tx.commit().await?;
    record.warnings = warnings;
    Ok((StatusCode::CREATED, Json(record)))
}

pub(super) async fn list_labs(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Vec<LabRecord>>> {
    let user = path.user();
    require_chart(user)?;
    let (from, to) = period(&q)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let rows = observations::labs_between(&mut tx, patient.patient_id, from, to).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

/// Stores lab rows from a form or (`import`) from a file.
async fn store_labs(
    state: &AppState,
    path: &PatientPath,
    ip: &ClientIp,
    rows: &[LabChecked],
    import: bool,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    service::check_collection_dates(rows)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let ctx = path.user().ctx();
    let results = service::record_labs(&mut tx, ctx, ip, patient.patient_id, rows, import).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(LabsRecorded {
            count: results.len(),
            results,
        }),
    ))
}

pub(super) async fn record_labs(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiJson(body): ApiJson<RecordLabs>,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    let user = path.user();
    require_chart(user)?;
    if body.results.is_empty() || body.results.len() > 200 {
        return Err(ApiError::invalid(
            "results",
            "結果は1〜200件で送ってください",
        ));
    }
    let mut rows = Vec::with_capacity(body.results.len());
    let mut errors = Vec::new();
    for (i, input) in body.results.iter().enumerate() {
        match input.validate() {
            Ok(row) => rows.push(row),
            Err(problems) => errors.extend(problems.into_iter().map(|mut p| {
                p.field = format!("results[{i}].{}", p.field);
                p
            })),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    store_labs(&state, &path, &ip, &rows, false).await
}

/// A lab file (`text/csv`, the columns of [`shared::domain::chart::LAB_CSV_HEADER`]): all rows
/// or none; each problem named by line and column.
pub(super) async fn import_labs(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    let user = path.user();
    require_chart(user)?;
    let rows = parse_lab_csv(&body).map_err(|errors| {
        ApiError::Invalid(
            errors
                .into_iter()
                .take(100)
                .map(|e| {
                    let at = if e.line == 0 {
                        "file".to_string()
                    } else {
                        format!("line {}: {}", e.line, e.field)
                    };
                    let message = if e.line == 0 {
                        e.message
                    } else {
                        format!("{}行目: {}", e.line, e.message)
                    };
                    FieldError::new(&at, "invalid", message)
                })
                .collect(),
        )
    })?;
    store_labs(&state, &path, &ip, &rows, true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_times_are_read_as_japan_time() {
        let t = jst_instant("2026-11-25T09:30").unwrap();
        assert_eq!(crate::db::observations::jst_minute(t), "2026-11-25T09:30");
        assert_eq!(t.to_offset(time::UtcOffset::UTC).hour(), 0);
        assert!(jst_instant("2026-11-25").is_none());
        assert!(jst_instant("2026-11-25T25:00").is_none());
        assert!(jst_instant("2026-11-25T09:30:15").is_some());
        for junk in [
            "2026-11-25T09:30x",
            "2026-11-25T09:30\tx",
            "2026-11-25T09:3",
            "2026-11-25T09:30:",
        ] {
            assert!(jst_instant(junk).is_none(), "{junk:?}");
        }
    }
}
