//! 画像・文書: upload a file (the bytes as the body, any `Content-Type`: the type is sniffed),
//! attach it with its metadata, list, change and retract attachments, and read a file. Every
//! request names its patient in the access log. The workflow is
//! [`crate::services::attachments`].
//!
//! Who: doctors and nurses (the chart), and clerks who enter on a doctor's behalf (scanning a
//! referral letter); retracting is for doctors and nurses. A retracted attachment leaves the
//! lists; administrators list it (`?retracted=true`) and open its file, for audits.
//!
//! Files are served so that nothing in them can run in the app's origin: as a download
//! (`Content-Disposition: attachment`), with `Content-Security-Policy: sandbox` and `nosniff`;
//! the viewers fetch the bytes and draw them.

use super::Routes;
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{files, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{file_response, id_or_not_found, ApiJson, ApiQuery};
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::attachments as workflow;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Json;
use serde::Deserialize;
use shared::api::attachments::{Attachment, AttachmentInput, RetractAttachment, StoredFile};
use shared::api::{ErrorCode, FieldError};
use shared::domain::Permission;
use shared::ids::AttachmentId;

pub fn router() -> Routes {
    Routes::new()
        .route("/patients/{patient_id}/files", post(upload))
        .route("/patients/{patient_id}/attachments", get(list).post(attach))
        .route("/attachments/{attachment_id}", put(change))
        .route("/attachments/{attachment_id}/retract", post(retract))
        .route("/attachments/{attachment_id}/history", get(history))
        .route("/files/{file_id}", get(read_file))
}

/// The chart's readers and writers, and clerks entering for a doctor.
fn require_attachments(user: &ActiveUser) -> ApiResult<()> {
    user.require_any(&[Permission::ReadChart, Permission::ProxyEntry])
}

fn too_large(limit: usize) -> ApiError {
    ApiError::code(ErrorCode::PayloadTooLarge).with_field(FieldError::new(
        "file",
        "too_large",
        format!("ファイルが大きすぎます（{} MBまで）", limit / (1024 * 1024)),
    ))
}

/// The body, up to the configured file limit: refused by its `Content-Length` before it is
/// read, or as soon as it grows past the limit.
async fn file_body(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<bytes::Bytes> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let over = std::error::Error::source(&err)
            .is_some_and(|e| e.is::<http_body_util::LengthLimitError>())
            || err.to_string().contains("length limit");
        if over {
            too_large(limit)
        } else {
            ApiError::code(ErrorCode::InvalidBody)
        }
    })
}

async fn upload(
    State(state): State<AppState>,
    ip: ClientIp,
    path: PatientPath,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<StoredFile>)> {
    let user = path.user();
    require_attachments(user)?;
    // Refuse a malformed patient before reading a large body.
    path.id()?;
    let bytes = file_body(&headers, body, state.config.file_limit_bytes).await?;
    // The patient is checked in a short transaction; none is open while the stores write.
    let (tx, patient) = path.open(&state.db).await?;
    tx.commit().await?;
    let stored = workflow::upload(
        &state.db,
        &state.files,
        user.ctx(),
        &ip,
        patient.patient_id,
        bytes,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// With the retracted ones (administrators only).
    #[serde(default)]
    retracted: bool,
}

async fn list(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Attachment>>> {
    let user = path.user();
    if q.retracted {
        user.require(Permission::ManageInstitution)?;
    } else {
        require_attachments(user)?;
    }
    let (mut tx, patient) = path.open(&state.db).await?;
    let list = files::list(&mut tx, patient.patient_id, q.retracted).await?;
    tx.commit().await?;
    Ok(Json(list))
}

async fn attach(
    State(state): State<AppState>,
    ip: ClientIp,
    path: PatientPath,
    ApiJson(body): ApiJson<AttachmentInput>,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let user = path.user();
    require_attachments(user)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let attachment = workflow::attach(&mut tx, user.ctx(), &ip, patient.patient_id, &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

async fn change(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<AttachmentInput>,
) -> ApiResult<Json<Attachment>> {
    require_attachments(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let attachment = workflow::change(&mut tx, user.ctx(), &ip, &note, &raw, &body).await?;
    tx.commit().await?;
    Ok(Json(attachment))
}

async fn retract(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<RetractAttachment>,
) -> ApiResult<Json<Attachment>> {
    user.require(Permission::ReadChart)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let attachment = workflow::retract(&mut tx, user.ctx(), &ip, &note, &raw, &body).await?;
    tx.commit().await?;
    Ok(Json(attachment))
}

async fn history(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Attachment>>> {
    let admin = user.ctx().role().can(Permission::ManageInstitution);
    if !admin {
        require_attachments(&user)?;
    }
    let id = id_or_not_found::<AttachmentId>(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (patient, history) = files::history(&mut tx, id).await?;
    let patient = patient.ok_or(ApiError::code(ErrorCode::NotFound))?;
    note.set_patient(patient);
    tx.commit().await?;
    // A retracted attachment is out of the clinicians' view, its history too.
    if !admin && history.first().is_some_and(|a| a.retracted) {
        return Err(ApiError::code(ErrorCode::Forbidden));
    }
    Ok(Json(history))
}

async fn read_file(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    if !user.ctx().role().can(Permission::ManageInstitution) {
        require_attachments(&user)?;
    }
    let file = workflow::read(&state.db, &state.files, user.ctx(), &ip, &note, &raw).await?;
    let media = file.row.media_type;
    let filename = format!("{}.{}", file.row.file_id, media.extension());
    Ok(file_response(
        file.bytes,
        media,
        &file.row.sha256,
        &filename,
        false,
    ))
}
