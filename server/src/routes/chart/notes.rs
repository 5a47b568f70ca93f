//! The timeline and the notes: create, read, draft, finalise or amend, approve a 代行入力,
//! compare versions; the doctors a clerk may enter for.

use super::{date_param, keyset_page, parse_cursor, require_notes};
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{notes, users, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{id_or_not_found, ApiJson, ApiQuery};
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::chart::notes as workflow;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::api::chart::{
    diff_notes, CreateNote, DoctorSummary, FinalizeNote, NoteDetail, NoteDiff, NoteDraft,
    PendingNote, SaveDraft, TimelinePage, TIMELINE_PAGE_MAX,
};
use shared::api::ErrorCode;

use shared::domain::Permission;
use shared::ids::NoteId;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TimelineQuery {
    /// The `next` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// The timeline: one page of notes, newest first, summarised.
pub(super) async fn timeline(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<TimelinePage>> {
    let user = path.user();
    require_notes(user)?;
    let after = q
        .cursor
        .as_deref()
        .map(parse_cursor::<NoteId>)
        .transpose()?;
    let limit = q.limit.unwrap_or(20).clamp(1, TIMELINE_PAGE_MAX);
    let (mut tx, patient) = path.open(&state.db).await?;
    // One more than asked tells whether there is a next page.
    let rows = notes::timeline(&mut tx, patient.patient_id, after, i64::from(limit) + 1).await?;
    tx.commit().await?;
    let (entries, next) = keyset_page(rows, limit, |e| e.note_id);
    Ok(Json(TimelinePage { entries, next }))
}

pub(super) async fn create_note(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<CreateNote>,
) -> ApiResult<(StatusCode, Json<NoteDetail>)> {
    let user = path.user();
    require_notes(user)?;
    let visit_date = date_param("visit_date", &body.visit_date)?;
    if visit_date > crate::clock::today_jst() {
        return Err(ApiError::invalid(
            "visit_date",
            "未来の日付には記載できません",
        ));
    }
    let (mut tx, patient) = path.open(&state.db).await?;
    let detail = workflow::create(
        &mut tx,
        user.ctx(),
        patient.patient_id,
        body.reception_id.as_deref(),
        visit_date,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

pub(super) async fn get_note(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<NoteDetail>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = notes::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn save_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveDraft>,
) -> ApiResult<Json<NoteDraft>> {
    require_notes(&user)?;
    let soap = body.soap.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let draft = workflow::save_draft(&mut tx, user.ctx(), &head, &body, &soap).await?;
    tx.commit().await?;
    Ok(Json(draft))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiscardQuery {
    #[serde(deserialize_with = "shared::domain::version::non_negative_i64")]
    revision: i64,
}

pub(super) async fn discard_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiscardQuery>,
) -> ApiResult<StatusCode> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    workflow::discard_draft(&mut tx, &head, q.revision).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn finalize_note(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<FinalizeNote>,
) -> ApiResult<Json<NoteDetail>> {
    require_notes(&user)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail =
        workflow::finalize(&mut tx, user.ctx(), &ip, &head, body.revision, &reason).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn approve_note(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, version)): Path<(String, String)>,
) -> ApiResult<Json<NoteDetail>> {
    user.require(Permission::Diagnose)?;
    let version: i32 = id_or_not_found(&version)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = workflow::approve(&mut tx, user.ctx(), &ip, &head, version).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn pending_notes(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<PendingNote>>> {
    user.require(Permission::Diagnose)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let pending = notes::pending_for(&mut tx, user.ctx().user_id()).await?;
    tx.commit().await?;
    Ok(Json(pending))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiffQuery {
    #[serde(deserialize_with = "shared::domain::version::non_negative_i32")]
    from: i32,
    #[serde(deserialize_with = "shared::domain::version::non_negative_i32")]
    to: i32,
}

pub(super) async fn note_diff(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<NoteDiff>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = notes::detail(&mut tx, &head).await?;
    tx.commit().await?;
    let find = |v: i32| detail.versions.iter().find(|x| x.version == v);
    match (find(q.from), find(q.to)) {
        (Some(a), Some(b)) => Ok(Json(diff_notes(a, b))),
        _ => Err(ApiError::code(ErrorCode::NotFound)),
    }
}

pub(super) async fn list_doctors(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<DoctorSummary>>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let doctors = users::doctors(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(
        doctors
            .into_iter()
            .map(|(id, name)| DoctorSummary {
                user_id: id,
                display_name: name,
            })
            .collect(),
    ))
}
