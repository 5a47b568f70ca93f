//! カルテ: the timeline, SOAP notes (draft → 確定 → amendments, 代行入力 with approval),
//! diagnoses, vital signs, lab results and the audited print. Every read and write is marked in
//! the access log with the patient. The handlers translate HTTP; the workflow, its checks and
//! its audit events are in [`crate::services::chart`].
//!
//! Who may do what: doctors and nurses read the chart and write notes, vitals and labs; only
//! doctors record diagnoses and approve 代行入力; clerks (医師事務作業補助者) read notes and enter
//! them on behalf of a named doctor, and what they finalise stays pending until that doctor
//! approves it.

mod diagnoses;
mod notes;
mod observations;
mod print;

use super::Routes;
use crate::auth::ActiveUser;
use crate::error::{ApiError, ApiResult};
use axum::routing::{get, post, put};
use serde::Deserialize;
use shared::domain::japanese::parse_date;
use shared::domain::Permission;
use time::{Date, Duration};

pub fn router() -> Routes {
    Routes::new()
        .route("/patients/{patient_id}/chart", get(notes::timeline))
        .route("/patients/{patient_id}/notes", post(notes::create_note))
        .route("/notes/pending", get(notes::pending_notes))
        .route("/notes/{note_id}", get(notes::get_note))
        .route(
            "/notes/{note_id}/draft",
            put(notes::save_draft).delete(notes::discard_draft),
        )
        .route("/notes/{note_id}/finalize", post(notes::finalize_note))
        .route(
            "/notes/{note_id}/versions/{version}/approve",
            post(notes::approve_note),
        )
        .route("/notes/{note_id}/diff", get(notes::note_diff))
        .route("/doctors", get(notes::list_doctors))
        .route(
            "/patients/{patient_id}/diagnoses",
            get(diagnoses::list_diagnoses).post(diagnoses::record_diagnosis),
        )
        .route(
            "/diagnoses/{diagnosis_id}",
            put(diagnoses::change_diagnosis),
        )
        .route(
            "/diagnoses/{diagnosis_id}/history",
            get(diagnoses::diagnosis_history),
        )
        .route(
            "/patients/{patient_id}/vitals",
            get(observations::list_vitals).post(observations::record_vitals),
        )
        .route(
            "/patients/{patient_id}/labs",
            get(observations::list_labs).post(observations::record_labs),
        )
        .route(
            "/patients/{patient_id}/labs/import",
            post(observations::import_labs),
        )
        .route(
            "/vitals/{vital_id}/correct",
            post(observations::correct_vitals),
        )
        .route(
            "/patients/{patient_id}/chart/prints",
            post(print::print_chart),
        )
}

/// Notes: doctors and nurses, and clerks for 代行入力.
fn require_notes(user: &ActiveUser) -> ApiResult<()> {
    if user.ctx().role().can(Permission::ReadChart) {
        Ok(())
    } else {
        user.require(Permission::ProxyEntry)
    }
}

/// Vital signs, labs and the print: doctors and nurses.
fn require_chart(user: &ActiveUser) -> ApiResult<()> {
    user.require(Permission::ReadChart)
}

/// A date a chart can be about: `parse_date`'s 1868 to 2199 (also keeps date arithmetic far from
/// its limits).
fn date_param(field: &str, raw: &str) -> ApiResult<Date> {
    parse_date(raw).ok_or_else(|| ApiError::invalid(field, "日付は YYYY-MM-DD で指定してください"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The period asked, by default the last 366 days; at most ten years.
fn period(q: &PeriodQuery) -> ApiResult<(Date, Date)> {
    let today = crate::clock::today_jst();
    let to = match q.to.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => date_param("to", t)?,
        None => today,
    };
    let from = match q.from.as_deref().filter(|t| !t.is_empty()) {
        Some(f) => date_param("from", f)?,
        None => to - Duration::days(365),
    };
    if from > to {
        return Err(ApiError::invalid(
            "from",
            "開始日は終了日以前にしてください",
        ));
    }
    if to - from > Duration::days(3660) {
        return Err(ApiError::invalid("from", "期間は10年以内にしてください"));
    }
    Ok((from, to))
}
