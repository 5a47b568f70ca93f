//! 文書 (診療情報提供書): list a patient's documents, start one filled from the chart, read one
//! with every version, save its draft, finalise it (doctors) and output a version's PDF (every
//! output audited). Every request names its patient in the access log. The workflow is
//! [`crate::services::documents`].
//!
//! Who: doctors and nurses (the chart), and clerks entering for a doctor (医師事務作業補助者 draft
//! letters); only doctors finalise. The PDF is served inline for the browser's viewer and
//! print, under the same sandbox as every file.

use super::Routes;
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{documents, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::documents as workflow;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Json;
use shared::api::documents::{
    CreateDocument, DocumentDetail, DocumentSummary, FinalizeDocument, SaveDocumentDraft,
};
use shared::api::ErrorCode;
use shared::domain::Permission;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/patients/{patient_id}/documents",
            get(list_documents).post(create_document),
        )
        .route("/documents/{document_id}", get(get_document))
        .route("/documents/{document_id}/draft", put(save_draft))
        .route("/documents/{document_id}/finalize", post(finalize_document))
        .route(
            "/documents/{document_id}/versions/{version}/pdf",
            get(document_pdf),
        )
}

/// The chart's readers and writers, and clerks entering for a doctor.
fn require_documents(user: &ActiveUser) -> ApiResult<()> {
    user.require_any(&[Permission::ReadChart, Permission::ProxyEntry])
}

async fn list_documents(
    State(state): State<AppState>,
    path: PatientPath,
) -> ApiResult<Json<Vec<DocumentSummary>>> {
    require_documents(path.user())?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let list = documents::list(&mut tx, patient.patient_id).await?;
    tx.commit().await?;
    Ok(Json(list))
}

async fn create_document(
    State(state): State<AppState>,
    ip: ClientIp,
    path: PatientPath,
    ApiJson(body): ApiJson<CreateDocument>,
) -> ApiResult<(StatusCode, Json<DocumentDetail>)> {
    let user = path.user();
    require_documents(user)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let detail = workflow::create(&mut tx, user.ctx(), &ip, &patient, &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

async fn get_document(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<DocumentDetail>> {
    require_documents(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &note, &raw).await?;
    let detail = workflow::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

async fn save_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveDocumentDraft>,
) -> ApiResult<Json<DocumentDetail>> {
    require_documents(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &note, &raw).await?;
    let detail = workflow::save_draft(&mut tx, user.ctx(), &head, &body).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

async fn finalize_document(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<FinalizeDocument>,
) -> ApiResult<Json<DocumentDetail>> {
    require_documents(&user)?;
    let detail = workflow::finalize(
        &state.db,
        &state.files,
        state.fonts.as_deref(),
        user.ctx(),
        &ip,
        &note,
        &raw,
        &body,
    )
    .await?;
    Ok(Json(detail))
}

async fn document_pdf(
    State(state): State<AppState>,
    method: Method,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_documents(&user)?;
    let version: i32 = version
        .parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    // A HEAD asks about the file; only a GET takes it out (an output).
    let output = method == Method::GET;
    let (file, filename) = workflow::pdf(
        &state.db,
        &state.files,
        user.ctx(),
        &ip,
        &note,
        &raw,
        version,
        output,
    )
    .await?;
    Ok(file.inline(&filename))
}
