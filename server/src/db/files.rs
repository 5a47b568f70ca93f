//! Stored files (their SHA-256, size and key; the bytes are in the two file stores) and
//! attachments (versioned metadata naming a file). Both append-only. All queries go through
//! [`TenantTx`].

use super::TenantTx;
use shared::api::attachments::{Attachment, AttachmentKind, DicomSeries, MediaType, StoredFile};
use shared::ids::{AttachmentId, FileId, PatientId, UserId};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A file's row: what a read checks the bytes against.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub file_id: FileId,
    pub patient: PatientId,
    pub media_type: MediaType,
    pub size: u64,
    pub sha256: [u8; 32],
    pub object_key: String,
    /// Sent by a person, or rendered by Karte (a document's PDF, served only as the document's
    /// output: never through the attachment routes).
    pub origin: Origin,
}

impl FileRow {
    pub fn summary(&self) -> StoredFile {
        StoredFile {
            file_id: self.file_id,
            media_type: self.media_type,
            size: self.size,
            sha256: shared::media::hex(&self.sha256),
        }
    }
}

/// Whether a person sent the file or Karte made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Upload,
    Generated,
}

impl Origin {
    fn code(self) -> &'static str {
        match self {
            Origin::Upload => "upload",
            Origin::Generated => "generated",
        }
    }
}

pub async fn insert_file(tx: &mut TenantTx, file: &FileRow, by: UserId) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into stored_file (tenant_id, file_id, patient_id, media_type, size_bytes, sha256, \
         object_key, origin, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(file.file_id.as_uuid())
    .bind(file.patient.as_uuid())
    .bind(file.media_type.mime())
    .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
    .bind(file.sha256.as_slice())
    .bind(&file.object_key)
    .bind(file.origin.code())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

type RawFile = (Uuid, Uuid, String, i64, Vec<u8>, String, String);

fn file_row(
    (file_id, patient, media, size, sha, key, origin): RawFile,
) -> Result<FileRow, sqlx::Error> {
    let bad = |what: &str| sqlx::Error::Decode(format!("stored file {file_id}: {what}").into());
    Ok(FileRow {
        file_id: FileId(file_id),
        patient: PatientId(patient),
        media_type: MediaType::from_mime(&media).ok_or_else(|| bad("media type"))?,
        size: u64::try_from(size).map_err(|_| bad("size"))?,
        sha256: sha.try_into().map_err(|_| bad("sha256"))?,
        object_key: key,
        origin: match origin.as_str() {
            "upload" => Origin::Upload,
            "generated" => Origin::Generated,
            _ => return Err(bad("origin")),
        },
    })
}

const FILE_COLUMNS: &str =
    "file_id, patient_id, media_type, size_bytes, sha256, object_key, origin";

/// What a DICOM file's header said (with its file, in the upload's transaction).
pub async fn insert_dicom(
    tx: &mut TenantTx,
    file: FileId,
    study_uid: &str,
    series: &DicomSeries,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into dicom_instance (tenant_id, file_id, study_uid, series_uid, series_number, \
         instance_number, modality) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant)
    .bind(file.as_uuid())
    .bind(study_uid)
    .bind(&series.series_uid)
    .bind(series.series_number)
    .bind(series.instance_number)
    .bind(&series.modality)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn file(tx: &mut TenantTx, file: FileId) -> Result<Option<FileRow>, sqlx::Error> {
    let row: Option<RawFile> = sqlx::query_as(&format!(
        "select {FILE_COLUMNS} from stored_file where file_id = $1"
    ))
    .bind(file.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    row.map(file_row).transpose()
}

/// One page of the institution's files in key order, after `after` (the scrub's walk).
pub async fn files_after(
    tx: &mut TenantTx,
    after: Option<FileId>,
    limit: i64,
) -> Result<Vec<FileRow>, sqlx::Error> {
    let rows: Vec<RawFile> = sqlx::query_as(&format!(
        "select {FILE_COLUMNS} from stored_file where $1::uuid is null or file_id > $1 \
         order by file_id limit $2"
    ))
    .bind(after.map(|f| f.as_uuid()))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter().map(file_row).collect()
}

/// Whether the newest version of the file's attachment (if any) is retracted.
pub async fn file_retracted(tx: &mut TenantTx, file: FileId) -> Result<bool, sqlx::Error> {
    let retracted: Option<bool> = sqlx::query_scalar(
        "select retracted from attachment_version where file_id = $1 \
         order by version desc limit 1",
    )
    .bind(file.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    Ok(retracted.unwrap_or(false))
}

/// An attachment version to store.
pub struct NewAttachment<'a> {
    pub attachment_id: AttachmentId,
    pub version: i32,
    pub patient: PatientId,
    pub file: FileId,
    pub kind: AttachmentKind,
    pub title: &'a str,
    pub taken_on: Date,
    pub visit_date: Option<Date>,
    pub source: &'a str,
    pub retracted: bool,
    pub reason: &'a str,
    pub author: UserId,
}

pub async fn insert_attachment(
    tx: &mut TenantTx,
    a: &NewAttachment<'_>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into attachment_version (tenant_id, attachment_id, version, patient_id, file_id, \
         kind, title, taken_on, visit_date, source, retracted, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tenant)
    .bind(a.attachment_id.as_uuid())
    .bind(a.version)
    .bind(a.patient.as_uuid())
    .bind(a.file.as_uuid())
    .bind(super::enum_code(a.kind))
    .bind(a.title)
    .bind(a.taken_on)
    .bind(a.visit_date)
    .bind(a.source)
    .bind(a.retracted)
    .bind(a.reason)
    .bind(a.author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
struct AttachmentRow {
    attachment_id: Uuid,
    version: i32,
    patient_id: Uuid,
    kind: String,
    title: String,
    taken_on: Date,
    visit_date: Option<Date>,
    source: String,
    retracted: bool,
    reason: String,
    author: Option<String>,
    created_at: OffsetDateTime,
    file_id: Uuid,
    media_type: String,
    size_bytes: i64,
    sha256: Vec<u8>,
    object_key: String,
    origin: String,
    series_uid: Option<String>,
    series_number: Option<i32>,
    instance_number: Option<i32>,
    modality: Option<String>,
}

impl AttachmentRow {
    fn detail(self) -> Result<Attachment, sqlx::Error> {
        let id = self.attachment_id;
        let kind = super::enum_from_code(&format!("attachment {id}"), "kind", &self.kind)?;
        let file = file_row((
            self.file_id,
            self.patient_id,
            self.media_type,
            self.size_bytes,
            self.sha256,
            self.object_key,
            self.origin,
        ))?;
        Ok(Attachment {
            attachment_id: AttachmentId(id),
            version: self.version,
            file: file.summary(),
            kind,
            title: self.title,
            taken_on: self.taken_on.to_string(),
            visit_date: self.visit_date.map(|d| d.to_string()),
            source: self.source,
            series: self.series_uid.map(|series_uid| DicomSeries {
                series_uid,
                series_number: self.series_number,
                instance_number: self.instance_number,
                modality: self.modality.unwrap_or_default(),
            }),
            retracted: self.retracted,
            reason: self.reason,
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
        })
    }
}

const COLUMNS: &str = "a.attachment_id, a.version, a.patient_id, a.kind, a.title, a.taken_on, \
     a.visit_date, a.source, a.retracted, a.reason, u.display_name as author, a.created_at, \
     f.file_id, f.media_type, f.size_bytes, f.sha256, f.object_key, f.origin, \
     d.series_uid, d.series_number, d.instance_number, d.modality";

const FROM: &str = "attachment_version a \
     join stored_file f on f.file_id = a.file_id \
     left join dicom_instance d on d.file_id = a.file_id \
     left join app_user u on u.user_id = a.author_user_id";

/// The patient's attachments (the newest version of each), newest 撮影日 first; retracted ones
/// only with `with_retracted`.
pub async fn list(
    tx: &mut TenantTx,
    patient: PatientId,
    with_retracted: bool,
) -> Result<Vec<Attachment>, sqlx::Error> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "select * from (select distinct on (a.attachment_id) {COLUMNS} from {FROM} \
           where a.patient_id = $1 order by a.attachment_id, a.version desc) current \
         where not retracted or $2 \
         order by taken_on desc, created_at desc, attachment_id limit 5000"
    ))
    .bind(patient.as_uuid())
    .bind(with_retracted)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter().map(AttachmentRow::detail).collect()
}

/// Every version of one attachment, newest first, with its patient.
pub async fn history(
    tx: &mut TenantTx,
    attachment: AttachmentId,
) -> Result<(Option<PatientId>, Vec<Attachment>), sqlx::Error> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from {FROM} where a.attachment_id = $1 order by a.version desc"
    ))
    .bind(attachment.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let patient = rows.first().map(|r| PatientId(r.patient_id));
    Ok((
        patient,
        rows.into_iter()
            .map(AttachmentRow::detail)
            .collect::<Result<_, _>>()?,
    ))
}
