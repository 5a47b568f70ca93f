//! 文書 (診療情報提供書): the document, its one working draft (guarded by a revision that only
//! moves up), its append-only finalised versions hash-chained per document, and the outputs of
//! their PDFs. All queries go through [`TenantTx`].

use super::versioned::DOCUMENT;
use super::TenantTx;
use shared::api::documents::{DocumentKind, DocumentSummary, LetterHeader, ReferralLetter};
use shared::ids::{DocumentId, FileId, PatientId, UserId};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

/// A document as its routes need it.
#[derive(Debug, Clone)]
pub struct DocumentHead {
    pub document_id: DocumentId,
    pub patient_id: PatientId,
    pub kind: DocumentKind,
}

/// Creates a document with its first draft (revision 1).
pub async fn create(
    tx: &mut TenantTx,
    head: &DocumentHead,
    letter: &ReferralLetter,
    by: UserId,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into clinical_document (tenant_id, document_id, patient_id, kind, created_by) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(head.document_id.as_uuid())
    .bind(head.patient_id.as_uuid())
    .bind(head.kind.code())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "insert into document_draft (tenant_id, document_id, base_version, revision, body, \
         author_user_id) values ($1, $2, 0, 1, $3, $4)",
    )
    .bind(tenant)
    .bind(head.document_id.as_uuid())
    .bind(Json(letter))
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn find(
    tx: &mut TenantTx,
    document: DocumentId,
) -> Result<Option<DocumentHead>, sqlx::Error> {
    let row: Option<(Uuid, String)> =
        sqlx::query_as("select patient_id, kind from clinical_document where document_id = $1")
            .bind(document.as_uuid())
            .fetch_optional(tx.conn())
            .await?;
    row.map(|(patient, kind)| {
        Ok(DocumentHead {
            document_id: document,
            patient_id: PatientId(patient),
            kind: DocumentKind::from_code(&kind)
                .ok_or_else(|| sqlx::Error::Decode(format!("document {document}: kind").into()))?,
        })
    })
    .transpose()
}

/// The draft row: the revision, the version an open draft amends, and the draft (none open:
/// `letter` is `None`).
#[derive(Debug, Clone)]
pub struct DraftRow {
    pub revision: i64,
    pub base_version: i32,
    pub letter: Option<ReferralLetter>,
    pub author: String,
    pub updated_at: OffsetDateTime,
}

/// The draft row; with `lock`, held until the transaction ends (so saves and 確定 of one
/// document cannot interleave).
pub async fn draft(
    tx: &mut TenantTx,
    document: DocumentId,
    lock: bool,
) -> Result<DraftRow, sqlx::Error> {
    type Row = (
        i64,
        i32,
        Option<Json<ReferralLetter>>,
        Option<String>,
        OffsetDateTime,
    );
    let lock = if lock { " for update of d" } else { "" };
    let (revision, base_version, letter, author, updated_at): Row = sqlx::query_as(&format!(
        "select d.revision, d.base_version, d.body, u.display_name, d.updated_at \
         from document_draft d left join app_user u on u.user_id = d.author_user_id \
         where d.document_id = $1{lock}"
    ))
    .bind(document.as_uuid())
    .fetch_one(tx.conn())
    .await?;
    Ok(DraftRow {
        revision,
        base_version,
        letter: letter.map(|Json(l)| l),
        author: author.unwrap_or_default(),
        updated_at,
    })
}

/// Replaces the draft at `revision` (`None` closes it, after 確定) and moves the revision on;
/// the new revision, or `None` when the revision was stale.
pub async fn save_draft(
    tx: &mut TenantTx,
    document: DocumentId,
    revision: i64,
    base_version: i32,
    letter: Option<&ReferralLetter>,
    by: UserId,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "update document_draft set revision = revision + 1, base_version = $3, body = $4, \
         author_user_id = $5, updated_at = now() \
         where document_id = $1 and revision = $2 returning revision",
    )
    .bind(document.as_uuid())
    .bind(revision)
    .bind(base_version)
    .bind(letter.map(Json))
    .bind(by.as_uuid())
    .fetch_optional(tx.conn())
    .await
}

/// What a finalised version holds: the header it printed and the letter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VersionBody {
    pub header: LetterHeader,
    pub letter: ReferralLetter,
}

/// What a version's hash covers, in a fixed order. The body is hashed as the JSON value stored
/// (objects with their keys sorted, as `serde_json` keeps them), so a field added to the letter
/// later never changes the hash of a version stored before it.
pub struct VersionContent<'a> {
    pub document_id: DocumentId,
    pub version: i32,
    /// A [`VersionBody`] as JSON.
    pub body: &'a serde_json::Value,
    /// The PDF's SHA-256: the hash vouches for the file too.
    pub pdf_sha256: &'a [u8; 32],
    pub signed_by: UserId,
    pub reason: &'a str,
    pub created_at: OffsetDateTime,
}

pub fn version_hash(prev: Option<&[u8]>, content: &VersionContent<'_>) -> Vec<u8> {
    let body = serde_json::json!([
        content.document_id.to_string(),
        content.version,
        content.body,
        shared::media::hex(content.pdf_sha256),
        content.signed_by.to_string(),
        content.reason,
        crate::clock::rfc3339(content.created_at),
    ]);
    crate::chain::version_link(prev, &body)
}

/// Appends a version naming its PDF. A unique violation means another version with that number
/// was written first.
pub async fn insert_version(
    tx: &mut TenantTx,
    patient: PatientId,
    file: FileId,
    content: &VersionContent<'_>,
    prev_hash: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let hash = version_hash(prev_hash, content);
    sqlx::query(
        "insert into document_version (tenant_id, document_id, version, patient_id, body, \
         file_id, signed_by, reason, prev_hash, hash, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(tenant)
    .bind(content.document_id.as_uuid())
    .bind(content.version)
    .bind(patient.as_uuid())
    .bind(Json(content.body))
    .bind(file.as_uuid())
    .bind(content.signed_by.as_uuid())
    .bind(content.reason)
    .bind(prev_hash)
    .bind(hash)
    .bind(content.created_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A stored version.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i32,
    pub body: VersionBody,
    /// The body as stored (what the hash covers).
    pub raw: serde_json::Value,
    pub file_id: FileId,
    pub signed_by: UserId,
    pub signer: String,
    pub reason: String,
    pub prev_hash: Option<Vec<u8>>,
    pub hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub outputs: i64,
}

/// Every version of the document, newest first.
pub async fn versions(
    tx: &mut TenantTx,
    document: DocumentId,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    type Row = (
        i32,
        Json<serde_json::Value>,
        Uuid,
        Uuid,
        Option<String>,
        String,
        Option<Vec<u8>>,
        Vec<u8>,
        OffsetDateTime,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select v.version, v.body, v.file_id, v.signed_by, u.display_name, v.reason, \
           v.prev_hash, v.hash, v.created_at, \
           (select count(*) from document_output o \
             where o.document_id = v.document_id and o.version = v.version) \
         from document_version v left join app_user u on u.user_id = v.signed_by \
         where v.document_id = $1 order by v.version desc",
    )
    .bind(document.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(
            |(version, Json(raw), file, signer_id, signer, reason, prev_hash, hash, at, n)| {
                let body = serde_json::from_value(raw.clone()).map_err(|_| {
                    sqlx::Error::Decode(format!("document {document} version {version}").into())
                })?;
                Ok(VersionRow {
                    version,
                    body,
                    raw,
                    file_id: FileId(file),
                    signed_by: UserId(signer_id),
                    signer: signer.unwrap_or_default(),
                    reason,
                    prev_hash,
                    hash,
                    created_at: at,
                    outputs: n,
                })
            },
        )
        .collect()
}

/// The newest version's number and hash (0 and none before the first).
pub async fn head_version(
    tx: &mut TenantTx,
    document: DocumentId,
) -> Result<(i32, Option<Vec<u8>>), sqlx::Error> {
    DOCUMENT.head_version(tx, document.as_uuid()).await
}

/// The file of one version, if there is such a version.
pub async fn version_file(
    tx: &mut TenantTx,
    document: DocumentId,
    version: i32,
) -> Result<Option<FileId>, sqlx::Error> {
    let file: Option<Uuid> = sqlx::query_scalar(
        "select file_id from document_version where document_id = $1 and version = $2",
    )
    .bind(document.as_uuid())
    .bind(version)
    .fetch_optional(tx.conn())
    .await?;
    Ok(file.map(FileId))
}

/// Records an output of a version's PDF; its number (1 for the first, then reprints).
pub async fn record_output(
    tx: &mut TenantTx,
    document: DocumentId,
    version: i32,
    by: UserId,
) -> Result<i32, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    // Outputs of one version are numbered one after another: serialise them.
    tx.lock_key(&format!("document_output:{document}")).await?;
    sqlx::query_scalar(
        "insert into document_output (tenant_id, document_id, version, output_no, output_by) \
         select $1, $2, $3, coalesce(max(output_no), 0) + 1, $4 from document_output \
         where document_id = $2 and version = $3 returning output_no",
    )
    .bind(tenant)
    .bind(document.as_uuid())
    .bind(version)
    .bind(by.as_uuid())
    .fetch_one(tx.conn())
    .await
}

/// The patient's documents, newest first (at most 500).
pub async fn list(
    tx: &mut TenantTx,
    patient: PatientId,
) -> Result<Vec<DocumentSummary>, sqlx::Error> {
    type Row = (
        Uuid,
        String,
        Option<Json<ReferralLetter>>,
        Option<Json<VersionBody>>,
        Option<i32>,
        OffsetDateTime,
        OffsetDateTime,
        Option<OffsetDateTime>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select c.document_id, c.kind, d.body, v.body, v.version, c.created_at, d.updated_at, \
           v.created_at \
         from clinical_document c \
         join document_draft d on d.document_id = c.document_id \
         left join lateral (select version, body, created_at from document_version w \
           where w.document_id = c.document_id order by version desc limit 1) v on true \
         where c.patient_id = $1 order by c.created_at desc, c.document_id limit 500",
    )
    .bind(patient.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(
            |(id, kind, draft, newest, version, created, saved, finalised)| {
                let kind = DocumentKind::from_code(&kind)
                    .ok_or_else(|| sqlx::Error::Decode(format!("document {id}: kind").into()))?;
                let drafting = draft.is_some();
                let to_institution = match (&draft, &newest) {
                    (Some(Json(d)), _) => d.to_institution.clone(),
                    (None, Some(Json(v))) => v.letter.to_institution.clone(),
                    (None, None) => String::new(),
                };
                let updated = if drafting {
                    saved
                } else {
                    finalised.unwrap_or(saved)
                };
                Ok(DocumentSummary {
                    document_id: DocumentId(id),
                    kind,
                    to_institution,
                    version: version.unwrap_or(0),
                    drafting,
                    updated_at: crate::clock::rfc3339(updated),
                    created_at: crate::clock::rfc3339(created),
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored document version is chained by this hash: its input must never change.
    #[test]
    fn a_version_hash_keeps_its_value() {
        let body = serde_json::json!({"letter": {"to_institution": "見本病院", "purpose": "精査"},
                                      "header": {"date": "2026-12-04"}});
        let content = VersionContent {
            document_id: DocumentId(Uuid::from_u128(1)),
            version: 2,
            body: &body,
            pdf_sha256: &[9u8; 32],
            signed_by: UserId(Uuid::from_u128(2)),
            reason: "追記",
            created_at: time::macros::datetime!(2026-12-04 01:02:03.456789 UTC),
        };
        let hash = shared::media::hex(&version_hash(Some(&[7u8; 32]), &content));
        assert_eq!(hash, PINNED);
    }

    /// SHA-256 of the previous hash and the JSON array of the content (keys sorted).
    const PINNED: &str = "7fa79104010d4e5edea570ca40e38bb6cd49101e605f25e5e094aa4206b7231a";
}
