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
mod orders;
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
        .route(
            "/patients/{patient_id}/chart/prints/pdf",
            post(print::print_chart_pdf),
        )
        .route(
            "/patients/{patient_id}/orders",
            get(orders::day_orders).post(orders::create_order),
        )
        .route(
            "/patients/{patient_id}/prescriptions",
            get(orders::prescriptions),
        )
        .route("/orders/pending", get(orders::pending_orders))
        .route("/orders/frequent", get(orders::frequent_items))
        .route("/orders/{order_id}", get(orders::get_order))
        .route(
            "/orders/{order_id}/draft",
            put(orders::save_draft).delete(orders::discard_draft),
        )
        .route("/orders/{order_id}/finalize", post(orders::finalize_order))
        .route("/orders/{order_id}/cancel", post(orders::cancel_order))
        .route(
            "/orders/{order_id}/prescription",
            get(orders::prescription_issues).post(orders::issue_prescription),
        )
        .route(
            "/orders/{order_id}/prescription/{issue_no}/pdf",
            get(orders::prescription_pdf),
        )
        .route(
            "/orders/{order_id}/versions/{version}/approve",
            post(orders::approve_order),
        )
        .route(
            "/patients/{patient_id}/allergies",
            get(orders::list_allergies).post(orders::record_allergy),
        )
        .route("/allergies/{allergy_id}", put(orders::change_allergy))
        .route(
            "/allergies/{allergy_id}/history",
            get(orders::allergy_history),
        )
}

/// Notes: doctors and nurses, and clerks for 代行入力.
fn require_notes(user: &ActiveUser) -> ApiResult<()> {
    user.require_any(&[Permission::ReadChart, Permission::ProxyEntry])
}

/// Vital signs, labs and the print: doctors and nurses.
fn require_chart(user: &ActiveUser) -> ApiResult<()> {
    user.require(Permission::ReadChart)
}

/// A keyset cursor `YYYY-MM-DD_<id>` as the pages of the chart give it (timeline, Do処方).
fn parse_cursor<T: std::str::FromStr>(raw: &str) -> ApiResult<(Date, T)> {
    let bad = || ApiError::code(shared::api::ErrorCode::InvalidQuery);
    let (date, id) = raw.split_once('_').ok_or_else(bad)?;
    Ok((
        parse_date(date).ok_or_else(bad)?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// One page of `rows` (fetched with one more than `limit`, newest first, each with its date)
/// and the cursor of the next page, if there is one.
fn keyset_page<T, I: std::fmt::Display>(
    mut rows: Vec<(T, Date)>,
    limit: u32,
    id: impl Fn(&T) -> I,
) -> (Vec<T>, Option<String>) {
    let limit = limit as usize;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(entry, date)| {
            format!(
                "{}_{}",
                shared::domain::japanese::format_date(*date),
                id(entry)
            )
        })
    } else {
        None
    };
    (rows.into_iter().map(|(entry, _)| entry).collect(), next)
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::NoteId;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let id = NoteId(uuid::Uuid::new_v4());
        let (d, i) = parse_cursor::<NoteId>(&format!("2026-11-25_{id}")).unwrap();
        assert_eq!(
            (shared::domain::japanese::format_date(d), i),
            ("2026-11-25".to_string(), id)
        );
        assert!(parse_cursor::<NoteId>("nope").is_err());
        assert!(parse_cursor::<NoteId>("2026-11-25_notauuid").is_err());
    }

    #[test]
    fn a_page_names_the_next_cursor_only_when_there_is_more() {
        let day = time::macros::date!(2026 - 11 - 25);
        let rows = vec![(1, day), (2, day), (3, day)];
        assert_eq!(
            keyset_page(rows.clone(), 2, |n| *n),
            (vec![1, 2], Some("2026-11-25_2".to_string()))
        );
        assert_eq!(keyset_page(rows, 3, |n| *n), (vec![1, 2, 3], None));
    }
}
