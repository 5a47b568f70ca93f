//! 文書 (診療情報提供書): list, start one from the chart, read, save the draft, finalise.

use super::{get, post, put, ApiFailure};
use shared::api::documents::{
    CreateDocument, DocumentDetail, DocumentKind, DocumentSummary, FinalizeDocument,
    ReferralLetter, SaveDocumentDraft,
};
use shared::ids::{DocumentId, PatientId};

pub async fn list(patient: PatientId) -> Result<Vec<DocumentSummary>, ApiFailure> {
    get(&format!("/patients/{patient}/documents")).await
}

pub async fn create(
    csrf: &str,
    patient: PatientId,
    kind: DocumentKind,
) -> Result<DocumentDetail, ApiFailure> {
    post(
        &format!("/patients/{patient}/documents"),
        csrf,
        &CreateDocument { kind },
    )
    .await
}

pub async fn detail(id: DocumentId) -> Result<DocumentDetail, ApiFailure> {
    get(&format!("/documents/{id}")).await
}

pub async fn save_draft(
    csrf: &str,
    id: DocumentId,
    revision: i64,
    letter: &ReferralLetter,
) -> Result<DocumentDetail, ApiFailure> {
    put(
        &format!("/documents/{id}/draft"),
        csrf,
        &SaveDocumentDraft {
            revision,
            letter: letter.clone(),
        },
    )
    .await
}

pub async fn finalize(
    csrf: &str,
    id: DocumentId,
    revision: i64,
    reason: &str,
) -> Result<DocumentDetail, ApiFailure> {
    post(
        &format!("/documents/{id}/finalize"),
        csrf,
        &FinalizeDocument {
            revision,
            reason: reason.to_string(),
        },
    )
    .await
}
