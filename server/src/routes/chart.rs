//! カルテ: the timeline, SOAP notes (draft → 確定 → amendments, 代行入力 with approval),
//! diagnoses, vital signs, lab results and the audited print. Every read and write is marked in
//! the access log with the patient; finalising, amending, approving, diagnoses and prints are
//! also audit events (ids and version numbers only, never clinical text).
//!
//! Who may do what: doctors and nurses read the chart and write notes, vitals and labs; only
//! doctors record diagnoses and approve 代行入力; clerks (医師事務作業補助者) read notes and enter
//! them on behalf of a named doctor, and what they finalise stays pending until that doctor
//! approves it.

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::chart::{self, NoteHead, VersionContent};
use crate::db::{masters, patients, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{id_or_not_found, ApiBytes, ApiJson, ApiQuery};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use serde::Deserialize;
use shared::api::chart::{
    diff_notes, ChartPrint, CreateNote, Diagnosis, DiagnosisInput, DoctorSummary, FinalizeNote,
    LabRecord, LabsRecorded, NoteDetail, NoteDiff, NoteDraft, PendingNote, PrintChart, RecordLabs,
    RecordVitals, SaveDraft, TimelinePage, VitalRecord, TIMELINE_PAGE_MAX,
};
use shared::api::{ErrorCode, FieldError};
use shared::domain::chart::{parse_lab_csv, LabChecked};
use shared::domain::diagnosis::compose_name;
use shared::domain::japanese::{format_date, parse_date};
use shared::domain::{Permission, Role};
use shared::masters::{DiseaseRecord, MasterKind, MasterRecord, ModifierRecord};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

pub fn router() -> Routes {
    Routes::new()
        .route("/patients/{patient_id}/chart", get(timeline))
        .route("/patients/{patient_id}/notes", post(create_note))
        .route("/notes/pending", get(pending_notes))
        .route("/notes/{note_id}", get(get_note))
        .route(
            "/notes/{note_id}/draft",
            put(save_draft).delete(discard_draft),
        )
        .route("/notes/{note_id}/finalize", post(finalize_note))
        .route(
            "/notes/{note_id}/versions/{version}/approve",
            post(approve_note),
        )
        .route("/notes/{note_id}/diff", get(note_diff))
        .route("/doctors", get(list_doctors))
        .route(
            "/patients/{patient_id}/diagnoses",
            get(list_diagnoses).post(record_diagnosis),
        )
        .route("/diagnoses/{diagnosis_id}", put(change_diagnosis))
        .route("/diagnoses/{diagnosis_id}/history", get(diagnosis_history))
        .route(
            "/patients/{patient_id}/vitals",
            get(list_vitals).post(record_vitals),
        )
        .route(
            "/patients/{patient_id}/labs",
            get(list_labs).post(record_labs),
        )
        .route("/patients/{patient_id}/labs/import", post(import_labs))
        .route("/vitals/{vital_id}/correct", post(correct_vitals))
        .route("/patients/{patient_id}/chart/prints", post(print_chart))
}

fn conflict(field: &str, message: &str) -> ApiError {
    ApiError::Conflict(vec![FieldError::new(field, "stale", message)])
}

/// Notes: doctors and nurses, and clerks for 代行入力.
fn require_notes(user: &ActiveUser) -> ApiResult<()> {
    if user.ctx().role().can(Permission::ReadChart) {
        Ok(())
    } else {
        user.require(Permission::ProxyEntry)
    }
}

fn is_proxy(user: &ActiveUser) -> bool {
    user.ctx().role() == Role::Clerk
}

fn me(user: &ActiveUser) -> Uuid {
    user.ctx().user_id().as_uuid()
}

/// The patient of `raw` (404 for a malformed id or another institution's patient).
async fn patient_of(tx: &mut TenantTx, raw: &str) -> ApiResult<patients::PatientRow> {
    let id = id_or_not_found::<Uuid>(raw)?;
    patients::find(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))
}

async fn note_of(tx: &mut TenantTx, raw: &str, access: &AccessNote) -> ApiResult<NoteHead> {
    let id = id_or_not_found::<Uuid>(raw)?;
    let head = chart::find_note(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(head.patient_id);
    Ok(head)
}

/// A date a chart can be about: `parse_date`'s 1868 to 2199 (also keeps date arithmetic far from
/// its limits).
fn date_param(field: &str, raw: &str) -> ApiResult<Date> {
    parse_date(raw).ok_or_else(|| ApiError::invalid(field, "日付は YYYY-MM-DD で指定してください"))
}

/// The instants of JST days `from..=to`, as a half-open UTC range.
fn jst_days(from: Date, to: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start =
        PrimitiveDateTime::new(from, time::Time::MIDNIGHT).assume_offset(crate::clock::jst());
    let end = PrimitiveDateTime::new(to, time::Time::MIDNIGHT).assume_offset(crate::clock::jst())
        + Duration::days(1);
    (start, end)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineQuery {
    /// The `next` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

fn parse_cursor(raw: &str) -> ApiResult<(Date, Uuid)> {
    let bad = || ApiError::code(ErrorCode::InvalidQuery);
    let (date, id) = raw.split_once('_').ok_or_else(bad)?;
    Ok((
        parse_date(date).ok_or_else(bad)?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// The timeline: one page of notes, newest first, summarised.
async fn timeline(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<TimelinePage>> {
    require_notes(&user)?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = q.limit.unwrap_or(20).clamp(1, TIMELINE_PAGE_MAX);
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    // One more than asked tells whether there is a next page.
    let mut rows =
        chart::timeline(&mut tx, patient.patient_id, after, i64::from(limit) + 1).await?;
    tx.commit().await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|(_, date, id)| format!("{}_{id}", format_date(*date)))
    } else {
        None
    };
    Ok(Json(TimelinePage {
        entries: rows.into_iter().map(|(entry, _, _)| entry).collect(),
        next,
    }))
}

async fn create_note(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CreateNote>,
) -> ApiResult<(StatusCode, Json<NoteDetail>)> {
    require_notes(&user)?;
    let visit_date = date_param("visit_date", &body.visit_date)?;
    if visit_date > crate::clock::today_jst() {
        return Err(ApiError::invalid(
            "visit_date",
            "未来の日付には記載できません",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let reception = match body.reception_id.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            let id = id_or_not_found::<Uuid>(r)?;
            match crate::db::reception::find(&mut tx, id).await? {
                Some((p, day, ..)) if p == patient.patient_id && day == visit_date => Some(id),
                _ => {
                    return Err(ApiError::invalid(
                        "reception_id",
                        "この患者・日付の受付ではありません",
                    ))
                }
            }
        }
    };
    let head = chart::create_note(
        &mut tx,
        patient.patient_id,
        reception,
        visit_date,
        me(&user),
    )
    .await?;
    let detail = chart::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

async fn get_note(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<NoteDetail>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = note_of(&mut tx, &raw, &note).await?;
    let detail = chart::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

const STALE_DRAFT: &str =
    "他の人がこの記載を先に保存しました。両方の内容を確認してから保存し直してください";
const STALE_VERSION: &str =
    "この記載は他の人が先に確定（修正）しました。最新の版を確認してから記載し直してください";

/// The doctor a clerk enters for (required), or none for everyone else.
async fn proxy_doctor(
    tx: &mut TenantTx,
    user: &ActiveUser,
    raw: Option<&str>,
) -> ApiResult<Option<Uuid>> {
    if !is_proxy(user) {
        return Ok(None);
    }
    let Some(id) = raw.filter(|r| !r.is_empty()) else {
        return Err(ApiError::invalid(
            "on_behalf_of",
            "代行入力では、どの医師の記載かを選んでください",
        ));
    };
    let id = id.parse::<Uuid>().ok();
    match id {
        Some(id) if chart::is_doctor(tx, id).await? => Ok(Some(id)),
        _ => Err(ApiError::invalid(
            "on_behalf_of",
            "選んだ医師が見つかりません",
        )),
    }
}

async fn save_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveDraft>,
) -> ApiResult<Json<NoteDraft>> {
    require_notes(&user)?;
    let soap = body.soap.validate().map_err(ApiError::Invalid)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = note_of(&mut tx, &raw, &note).await?;
    chart::lock_note(&mut tx, head.note_id).await?;
    let on_behalf_of = proxy_doctor(&mut tx, &user, body.on_behalf_of.as_deref()).await?;
    let (current, _) = chart::head_version(&mut tx, head.note_id).await?;
    if body.base_version != current {
        return Err(conflict("base_version", STALE_VERSION));
    }
    let saved = chart::save_draft(
        &mut tx,
        head.note_id,
        body.base_revision,
        body.base_version,
        &soap,
        me(&user),
        on_behalf_of,
    )
    .await?;
    if saved.is_none() {
        return Err(conflict("base_revision", STALE_DRAFT));
    }
    let draft = chart::draft(&mut tx, head.note_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("draft just saved is missing"))?;
    tx.commit().await?;
    Ok(Json(draft.detail()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscardQuery {
    #[serde(deserialize_with = "shared::domain::version::non_negative_i64")]
    revision: i64,
}

async fn discard_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiscardQuery>,
) -> ApiResult<StatusCode> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = note_of(&mut tx, &raw, &note).await?;
    chart::lock_note(&mut tx, head.note_id).await?;
    if !chart::delete_draft(&mut tx, head.note_id, q.revision).await? {
        return Err(conflict("revision", STALE_DRAFT));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn finalize_note(
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
    let head = note_of(&mut tx, &raw, &note).await?;
    chart::lock_note(&mut tx, head.note_id).await?;
    let Some(draft) = chart::draft(&mut tx, head.note_id).await? else {
        return Err(conflict("revision", STALE_DRAFT));
    };
    if draft.revision != body.revision {
        return Err(conflict("revision", STALE_DRAFT));
    }
    let (current, prev_hash) = chart::head_version(&mut tx, head.note_id).await?;
    if draft.base_version != current {
        return Err(conflict("base_version", STALE_VERSION));
    }
    if current > 0 && reason.is_empty() {
        return Err(ApiError::invalid("reason", "修正の理由を入力してください"));
    }
    let soap = draft.soap();
    if current == 0 && soap.is_blank() {
        return Err(ApiError::invalid("soap", "記載がありません"));
    }
    // A clerk's entry is for the doctor named on the draft; anyone else signs their own. A
    // clerk's draft for a doctor is finalised by the clerk (pending) or by that doctor, and
    // while an entry waits for approval only the clerk may amend it: nobody else's version
    // can take a 代行入力 out of the doctor's queue.
    let on_behalf_of = if is_proxy(&user) {
        match draft.on_behalf_of {
            Some(doctor) => Some(doctor),
            None => {
                return Err(ApiError::invalid(
                    "on_behalf_of",
                    "代行入力では、どの医師の記載かを選んでください",
                ))
            }
        }
    } else {
        if matches!(draft.on_behalf_of, Some(doctor) if doctor != me(&user)) {
            return Err(ApiError::Conflict(vec![FieldError::new(
                "on_behalf_of",
                "proxy",
                "この下書きは他の医師の代行入力です。その医師か入力者が確定してください",
            )]));
        }
        if current > 0 {
            if let Some((Some(_), false)) = chart::proxy_of(&mut tx, head.note_id, current).await? {
                return Err(ApiError::Conflict(vec![FieldError::new(
                    "version",
                    "pending",
                    "承認待ちの代行入力があります。医師が承認してから修正してください",
                )]));
            }
        }
        None
    };
    let version = current + 1;
    let content = VersionContent {
        note_id: head.note_id,
        version,
        soap: &soap,
        author: me(&user),
        on_behalf_of,
        reason: &reason,
        created_at: crate::logs::chain::truncate_to_micros(OffsetDateTime::now_utc()),
    };
    if let Err(err) = chart::insert_version(&mut tx, &content, prev_hash.as_deref()).await {
        return Err(if chart::is_unique_violation(&err) {
            conflict("base_version", STALE_VERSION)
        } else {
            err.into()
        });
    }
    if !chart::delete_draft(&mut tx, head.note_id, draft.revision).await? {
        return Err(conflict("revision", STALE_DRAFT));
    }
    let event = AuditEvent::success(if version == 1 {
        action::NOTE_FINALIZE
    } else {
        action::NOTE_AMEND
    })
    .target("note", head.note_id)
    .detail("version", version)
    .detail("patient_id", head.patient_id.to_string());
    let event = match on_behalf_of {
        Some(doctor) => event.detail("on_behalf_of", doctor.to_string()),
        None => event,
    };
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let detail = chart::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

async fn approve_note(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, version)): Path<(String, String)>,
) -> ApiResult<Json<NoteDetail>> {
    user.require(Permission::Diagnose)?;
    let version: i32 = id_or_not_found(&version)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = note_of(&mut tx, &raw, &note).await?;
    match chart::proxy_of(&mut tx, head.note_id, version).await? {
        None => return Err(ApiError::code(ErrorCode::NotFound)),
        Some((Some(doctor), false)) if doctor == me(&user) => {}
        Some((Some(_), false)) => {
            return Err(ApiError::Conflict(vec![FieldError::new(
                "version",
                "not_yours",
                "この代行入力は他の医師の承認待ちです",
            )]))
        }
        Some(_) => {
            return Err(ApiError::Conflict(vec![FieldError::new(
                "version",
                "not_pending",
                "この版は承認待ちではありません",
            )]))
        }
    }
    if let Err(err) = chart::approve(&mut tx, head.note_id, version, me(&user)).await {
        return Err(if chart::is_unique_violation(&err) {
            conflict("version", "この版は既に承認されています")
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(action::NOTE_APPROVE)
        .target("note", head.note_id)
        .detail("version", version)
        .detail("patient_id", head.patient_id.to_string());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let detail = chart::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

async fn pending_notes(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<PendingNote>>> {
    user.require(Permission::Diagnose)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let pending = chart::pending_for(&mut tx, me(&user)).await?;
    tx.commit().await?;
    Ok(Json(pending))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    #[serde(deserialize_with = "shared::domain::version::non_negative_i32")]
    from: i32,
    #[serde(deserialize_with = "shared::domain::version::non_negative_i32")]
    to: i32,
}

async fn note_diff(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<NoteDiff>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = note_of(&mut tx, &raw, &note).await?;
    let detail = chart::detail(&mut tx, &head).await?;
    tx.commit().await?;
    let find = |v: i32| detail.versions.iter().find(|x| x.version == v);
    match (find(q.from), find(q.to)) {
        (Some(a), Some(b)) => Ok(Json(diff_notes(a, b))),
        _ => Err(ApiError::code(ErrorCode::NotFound)),
    }
}

async fn list_doctors(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<DoctorSummary>>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let doctors = chart::doctors(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(
        doctors
            .into_iter()
            .map(|(id, name)| DoctorSummary {
                user_id: id.to_string(),
                display_name: name,
            })
            .collect(),
    ))
}

// ---- diagnoses ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosisQuery {
    /// Only those active on this day.
    #[serde(default)]
    on: Option<String>,
}

async fn list_diagnoses(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiagnosisQuery>,
) -> ApiResult<Json<Vec<Diagnosis>>> {
    require_notes(&user)?;
    let on =
        q.on.as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| date_param("on", d))
            .transpose()?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let list = chart::diagnoses(&mut tx, patient.patient_id, on.map(|d| (d, d))).await?;
    tx.commit().await?;
    Ok(Json(list))
}

/// The checked diagnosis: its code (none for 未コード化), modifiers and the full name from the
/// masters in force on its start date.
struct CheckedDiagnosis {
    code: Option<String>,
    modifiers: Vec<String>,
    name: String,
    start: Date,
    end: Option<Date>,
}

/// The shared checks ([`DiagnosisInput::validate`]), then the code and modifiers looked up in
/// the masters of the start date and the name composed from them.
async fn check_diagnosis(tx: &mut TenantTx, body: &DiagnosisInput) -> ApiResult<CheckedDiagnosis> {
    let checked = body.validate().map_err(ApiError::Invalid)?;
    let Some(code) = checked.code else {
        return Ok(CheckedDiagnosis {
            code: None,
            modifiers: Vec::new(),
            name: checked.free_name.unwrap_or_default(),
            start: checked.start,
            end: checked.end,
        });
    };
    let start = checked.start;
    let rows = masters::rows_on_tx(tx, MasterKind::Disease, start, &[code]).await?;
    let Some(disease) = rows
        .first()
        .and_then(|r| DiseaseRecord::from_fields(r).ok())
    else {
        return Err(ApiError::invalid(
            "disease_code",
            "この傷病名コードは開始日に有効な傷病名マスターにありません",
        ));
    };
    let modifier_rows = if checked.modifiers.is_empty() {
        Vec::new()
    } else {
        masters::rows_on_tx(tx, MasterKind::Modifier, start, &checked.modifiers).await?
    };
    let modifiers: Vec<ModifierRecord> = modifier_rows
        .iter()
        .filter_map(|r| ModifierRecord::from_fields(r).ok())
        .collect();
    let name = compose_name(&disease.name, &checked.modifiers, |code| {
        modifiers
            .iter()
            .find(|m| m.code == code)
            .map(|m| m.name.as_str())
    })?;
    Ok(CheckedDiagnosis {
        code: Some(disease.code),
        modifiers: checked.modifiers,
        name,
        start,
        end: checked.end,
    })
}

async fn record_diagnosis(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<DiagnosisInput>,
) -> ApiResult<(StatusCode, Json<Diagnosis>)> {
    user.require(Permission::Diagnose)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let checked = check_diagnosis(&mut tx, &body).await?;
    let id = Uuid::new_v4();
    let saved = write_diagnosis(
        &mut tx,
        &user,
        &ip,
        id,
        1,
        patient.patient_id,
        &checked,
        &body,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[allow(clippy::too_many_arguments)]
async fn write_diagnosis(
    tx: &mut TenantTx,
    user: &ActiveUser,
    ip: &ClientIp,
    id: Uuid,
    version: i32,
    patient: Uuid,
    checked: &CheckedDiagnosis,
    body: &DiagnosisInput,
    reason: &str,
) -> ApiResult<Diagnosis> {
    let new = chart::NewDiagnosis {
        diagnosis_id: id,
        version,
        patient,
        disease_code: checked.code.as_deref(),
        modifier_codes: &checked.modifiers,
        name: &checked.name,
        is_main: body.is_main,
        suspected: body.suspected,
        start_date: checked.start,
        outcome: body.outcome,
        end_date: checked.end,
        reason,
        author: me(user),
    };
    if let Err(err) = chart::insert_diagnosis(tx, &new).await {
        return Err(if chart::is_unique_violation(&err) {
            conflict(
                "base_version",
                "この傷病名は他の人が先に変更しました。最新の内容を確認してください",
            )
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(if version == 1 {
        action::DIAGNOSIS_RECORD
    } else {
        action::DIAGNOSIS_CHANGE
    })
    .target("diagnosis", id)
    .detail("version", version)
    .detail("patient_id", patient.to_string());
    audit::record(tx, &Actor::of(user.ctx(), ip), event).await?;
    let (_, history) = chart::diagnosis_history(tx, id).await?;
    history
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("diagnosis just written is missing").into())
}

async fn change_diagnosis(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<DiagnosisInput>,
) -> ApiResult<Json<Diagnosis>> {
    user.require(Permission::Diagnose)?;
    let id = id_or_not_found::<Uuid>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "変更の理由を入力してください"));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (patient, history) = chart::diagnosis_history(&mut tx, id).await?;
    let Some(patient) = patient else {
        return Err(ApiError::code(ErrorCode::NotFound));
    };
    note.set_patient(patient);
    let current = history.first().map_or(0, |d| d.version);
    if body.base_version != current {
        return Err(conflict(
            "base_version",
            "この傷病名は他の人が先に変更しました。最新の内容を確認してください",
        ));
    }
    let checked = check_diagnosis(&mut tx, &body).await?;
    let saved = write_diagnosis(
        &mut tx,
        &user,
        &ip,
        id,
        current + 1,
        patient,
        &checked,
        &body,
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(saved))
}

async fn diagnosis_history(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Diagnosis>>> {
    require_notes(&user)?;
    let id = id_or_not_found::<Uuid>(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (patient, history) = chart::diagnosis_history(&mut tx, id).await?;
    let Some(patient) = patient else {
        return Err(ApiError::code(ErrorCode::NotFound));
    };
    note.set_patient(patient);
    tx.commit().await?;
    Ok(Json(history))
}

// ---- vital signs and lab results ----

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

fn require_chart(user: &ActiveUser) -> ApiResult<()> {
    user.require(Permission::ReadChart)
}

async fn list_vitals(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Vec<VitalRecord>>> {
    require_chart(&user)?;
    let (from, to) = period(&q)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let (start, end) = jst_days(from, to);
    let rows = chart::vitals_between(&mut tx, patient.patient_id, start, end).await?;
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
fn checked_vitals(
    body: &RecordVitals,
) -> ApiResult<(
    OffsetDateTime,
    shared::domain::chart::Vitals,
    Vec<shared::domain::chart::VitalWarning>,
)> {
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
    Ok((measured_at, values, warnings))
}

async fn record_vitals(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<RecordVitals>,
) -> ApiResult<(StatusCode, Json<VitalRecord>)> {
    require_chart(&user)?;
    let (measured_at, values, warnings) = checked_vitals(&body)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let mut record = chart::insert_vitals(
        &mut tx,
        patient.patient_id,
        measured_at,
        &values,
        me(&user),
        None,
    )
    .await?;
    tx.commit().await?;
    record.warnings = warnings;
    Ok((StatusCode::CREATED, Json(record)))
}

/// A correction of recorded vital signs: a new entry with the reason, replacing the old one in
/// lists and charts (the old one stays in the record). The newest entry is the one to correct.
async fn correct_vitals(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<shared::api::chart::CorrectVitals>,
) -> ApiResult<(StatusCode, Json<VitalRecord>)> {
    require_chart(&user)?;
    let id = id_or_not_found::<Uuid>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "訂正の理由を入力してください"));
    }
    let (measured_at, values, warnings) = checked_vitals(&body.vitals)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let Some((patient, corrected)) = chart::vital_owner(&mut tx, id).await? else {
        return Err(ApiError::code(ErrorCode::NotFound));
    };
    note.set_patient(patient);
    let stale = || {
        conflict(
            "vital_id",
            "この記録は既に訂正されています。最新の記録を訂正してください",
        )
    };
    if corrected {
        return Err(stale());
    }
    let correction = chart::Correction {
        replaces: id,
        reason: &reason,
    };
    let result = chart::insert_vitals(
        &mut tx,
        patient,
        measured_at,
        &values,
        me(&user),
        Some(correction),
    )
    .await;
    let mut record = match result {
        Ok(r) => r,
        Err(e) if chart::is_unique_violation(&e) => return Err(stale()),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    record.warnings = warnings;
    Ok((StatusCode::CREATED, Json(record)))
}

async fn list_labs(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<Vec<LabRecord>>> {
    require_chart(&user)?;
    let (from, to) = period(&q)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let rows = chart::labs_between(&mut tx, patient.patient_id, from, to).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

async fn store_labs(
    state: &AppState,
    user: &ActiveUser,
    ip: &ClientIp,
    note: &AccessNote,
    raw: &str,
    rows: &[LabChecked],
    import: bool,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    if rows
        .iter()
        .any(|r| r.collected_on > crate::clock::today_jst())
    {
        return Err(ApiError::invalid(
            "collected_on",
            "未来の採取日は入力できません",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, raw).await?;
    note.set_patient(patient.patient_id);
    let results = chart::insert_labs(&mut tx, patient.patient_id, rows, import, me(user)).await?;
    if import {
        let event = AuditEvent::success(action::LAB_IMPORT)
            .target("patient", patient.patient_id)
            .detail("count", results.len());
        audit::record(&mut tx, &Actor::of(user.ctx(), ip), event).await?;
    }
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(LabsRecorded {
            count: results.len(),
            results,
        }),
    ))
}

async fn record_labs(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<RecordLabs>,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    require_chart(&user)?;
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
    store_labs(&state, &user, &ip, &note, &raw, &rows, false).await
}

/// A lab file (`text/csv`, the columns of [`shared::domain::chart::LAB_CSV_HEADER`]): all rows
/// or none; each problem named by line and column.
async fn import_labs(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<LabsRecorded>)> {
    require_chart(&user)?;
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
    store_labs(&state, &user, &ip, &note, &raw, &rows, true).await
}

// ---- print ----

/// Most notes one print holds.
const PRINT_NOTES_MAX: i64 = 500;

async fn print_chart(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<PrintChart>,
) -> ApiResult<Json<ChartPrint>> {
    require_chart(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let patient = patient_of(&mut tx, &raw).await?;
    note.set_patient(patient.patient_id);
    let (heads, from, to) = match body.note_id.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => {
            let head = note_of(&mut tx, n, &note).await?;
            if head.patient_id != patient.patient_id {
                return Err(ApiError::code(ErrorCode::NotFound));
            }
            let day = head.visit_date;
            (vec![head], day, day)
        }
        None => {
            let (from, to) = period(&PeriodQuery {
                from: Some(body.from.clone()),
                to: Some(body.to.clone()),
            })?;
            let heads =
                chart::notes_between(&mut tx, patient.patient_id, from, to, PRINT_NOTES_MAX + 1)
                    .await?;
            if heads.len() as i64 > PRINT_NOTES_MAX {
                return Err(ApiError::invalid(
                    "from",
                    "期間内の記載が多すぎます（500件まで）。期間を短くしてください",
                ));
            }
            (heads, from, to)
        }
    };
    let mut notes = Vec::with_capacity(heads.len());
    for head in &heads {
        notes.push(chart::detail(&mut tx, head).await?);
    }
    let diagnoses = chart::diagnoses(&mut tx, patient.patient_id, Some((from, to))).await?;
    let (start, end) = jst_days(from, to);
    let vitals = chart::vitals_between(&mut tx, patient.patient_id, start, end).await?;
    let labs = chart::labs_between(&mut tx, patient.patient_id, from, to).await?;
    let printed_by = crate::db::users::find(&mut tx, user.ctx().user_id())
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let event = AuditEvent::success(action::CHART_PRINT)
        .target("patient", patient.patient_id)
        .detail("from", format_date(from))
        .detail("to", format_date(to))
        .detail("notes", notes.len());
    let event = match body.note_id.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => event.detail("note_id", n.to_string()),
        None => event,
    };
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(ChartPrint {
        patient_number: patient.patient_number,
        patient_name: patient.name,
        patient_kana: patient.kana,
        birth_date: format_date(patient.birth_date),
        sex: patient.sex,
        from: format_date(from),
        to: format_date(to),
        notes,
        diagnoses,
        vitals,
        labs,
        printed_at: crate::clock::rfc3339(OffsetDateTime::now_utc()),
        printed_by,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_times_are_read_as_japan_time() {
        let t = jst_instant("2026-11-25T09:30").unwrap();
        assert_eq!(chart::jst_minute(t), "2026-11-25T09:30");
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

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let id = Uuid::new_v4();
        let (d, i) = parse_cursor(&format!("2026-11-25_{id}")).unwrap();
        assert_eq!((format_date(d), i), ("2026-11-25".to_string(), id));
        assert!(parse_cursor("nope").is_err());
        assert!(parse_cursor("2026-11-25_notauuid").is_err());
    }
}
