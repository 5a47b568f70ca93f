//! 画像・文書: uploading a file (`POST /patients/{id}/files`, the bytes as the body), attaching
//! it with its metadata, listing, changing and retracting attachments, and reading a file
//! (`GET /files/{id}`).

pub use crate::domain::attachment::{AttachmentInput, AttachmentKind, RetractAttachment};
use crate::ids::{AttachmentId, FileId};
pub use crate::media::MediaType;
use serde::{Deserialize, Serialize};

/// A stored file as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub file_id: FileId,
    pub media_type: MediaType,
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// One version of an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub attachment_id: AttachmentId,
    pub version: i32,
    pub file: StoredFile,
    pub kind: AttachmentKind,
    pub title: String,
    /// YYYY-MM-DD.
    pub taken_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_date: Option<String>,
    pub source: String,
    /// 取消: hidden from the lists, kept and readable by administrators and in exports.
    pub retracted: bool,
    pub reason: String,
    pub author: String,
    /// RFC 3339, the server's clock.
    pub created_at: String,
}

/// The path a file is read from (the app's viewers and downloads).
pub fn file_path(file: FileId) -> String {
    format!("{}/files/{file}", super::PREFIX)
}
