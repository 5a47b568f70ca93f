//! 画像・文書: upload a file, attach it, list, change, retract.

use super::{get, post, post_bytes_with_progress, put, ApiFailure};
use shared::api::attachments::{Attachment, AttachmentInput, RetractAttachment, StoredFile};
use shared::ids::{AttachmentId, PatientId};

/// Sends the file's bytes (the server tells the type from them; the content type here is only
/// what the browser said), telling `on_progress` the share sent as it goes.
pub async fn upload(
    csrf: &str,
    patient: PatientId,
    content_type: &str,
    bytes: &[u8],
    on_progress: impl Fn(f64) + 'static,
) -> Result<StoredFile, ApiFailure> {
    let content_type = if content_type.is_empty() {
        "application/octet-stream"
    } else {
        content_type
    };
    post_bytes_with_progress(
        &format!("/patients/{patient}/files"),
        csrf,
        content_type,
        bytes,
        on_progress,
    )
    .await
}

pub async fn attach(
    csrf: &str,
    patient: PatientId,
    body: &AttachmentInput,
) -> Result<Attachment, ApiFailure> {
    post(&format!("/patients/{patient}/attachments"), csrf, body).await
}

pub async fn list(patient: PatientId) -> Result<Vec<Attachment>, ApiFailure> {
    get(&format!("/patients/{patient}/attachments")).await
}

pub async fn change(
    csrf: &str,
    id: AttachmentId,
    body: &AttachmentInput,
) -> Result<Attachment, ApiFailure> {
    put(&format!("/attachments/{id}"), csrf, body).await
}

pub async fn retract(
    csrf: &str,
    id: AttachmentId,
    body: &RetractAttachment,
) -> Result<Attachment, ApiFailure> {
    post(&format!("/attachments/{id}/retract"), csrf, body).await
}
