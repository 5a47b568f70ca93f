//! 文書 (診療情報提供書): `GET/POST /patients/{id}/documents` (list, start one filled from the
//! chart), `GET /documents/{id}` (every version and the open draft), `PUT /documents/{id}/draft`
//! (save the draft), `POST /documents/{id}/finalize` (確定: a new version rendered to PDF and
//! stored twice) and `GET /documents/{id}/versions/{v}/pdf` (the PDF, every output audited).

use super::attachments::StoredFile;
pub use crate::domain::document::{
    DocumentKind, LetterHeader, LetterInstitution, LetterPatient, ReferralLetter, REFERRAL_FIELDS,
};
use crate::ids::{DocumentId, PatientId};
use serde::{Deserialize, Serialize};

/// `POST /patients/{id}/documents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    pub kind: DocumentKind,
}

/// `PUT /documents/{id}/draft`: the letter as typed, on the revision the form was loaded with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveDocumentDraft {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    pub letter: ReferralLetter,
}

/// `POST /documents/{id}/finalize`: 確定 of the draft at `revision`; `reason` is required for
/// an amendment (version 2 on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalizeDocument {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    #[serde(default)]
    pub reason: String,
}

/// The open draft of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDraft {
    /// The version it amends (0: none yet).
    pub base_version: i32,
    pub letter: ReferralLetter,
    pub author: String,
    /// RFC 3339, the server's clock.
    pub updated_at: String,
}

/// One finalised version: the letter and the header it printed, its PDF, who signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub version: i32,
    pub header: LetterHeader,
    pub letter: ReferralLetter,
    pub pdf: StoredFile,
    /// The doctor who finalised it.
    pub signed_by: String,
    /// Why it was amended (empty for version 1).
    pub reason: String,
    /// RFC 3339, the server's clock.
    pub created_at: String,
    /// How many times its PDF has been output (opened, printed, downloaded).
    pub outputs: i64,
}

/// A document with every version, newest first, and its open draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDetail {
    pub document_id: DocumentId,
    pub patient_id: PatientId,
    pub kind: DocumentKind,
    /// Every save and 確定 moves it on; a save or 確定 names the revision it was made on.
    pub revision: i64,
    pub draft: Option<DocumentDraft>,
    pub versions: Vec<DocumentVersion>,
    /// Whether every version's hash matches its content and its predecessor.
    pub chain_intact: bool,
}

/// A line of the patient's document list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub document_id: DocumentId,
    pub kind: DocumentKind,
    /// The addressee (紹介先), from the draft if one is open, else the newest version.
    pub to_institution: String,
    /// The newest finalised version (0: never finalised).
    pub version: i32,
    /// Whether a draft is open (a new letter, or an amendment in progress).
    pub drafting: bool,
    /// RFC 3339: the last save or 確定.
    pub updated_at: String,
    pub created_at: String,
}

/// The path a version's PDF is read from (each read is audited as an output).
/// The 領収証 (`receipt`) or 明細書 (`statement`) PDF of a bill version.
pub fn bill_pdf_path(reception: crate::ids::ReceptionId, version: i32, document: &str) -> String {
    format!(
        "{}/receptions/{reception}/bill/versions/{version}/{document}.pdf",
        super::PREFIX
    )
}

/// The PDF of issue `issue_no` of an order's 処方箋.
pub fn prescription_pdf_path(order: crate::ids::OrderId, issue_no: i32) -> String {
    format!(
        "{}/orders/{order}/prescription/{issue_no}/pdf",
        super::PREFIX
    )
}

/// A generated print's PDF by its id.
pub fn print_pdf_path(print: crate::ids::PrintId) -> String {
    format!("{}/prints/{print}/pdf", super::PREFIX)
}

pub fn pdf_path(document: DocumentId, version: i32) -> String {
    format!(
        "{}/documents/{document}/versions/{version}/pdf",
        super::PREFIX
    )
}
