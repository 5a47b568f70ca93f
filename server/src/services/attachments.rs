//! 画像・文書: storing an upload (type sniffed from its bytes, written to both file stores, its
//! SHA-256 recorded in the same transaction that makes it visible), attaching it with metadata,
//! changing and retracting attachments (new versions, never a delete), reading a file back
//! (checked against its SHA-256, a bad copy repaired from the good one and audited), and the
//! scrub of every file of every institution (`karte-server files verify`).

use crate::db::files::{self, FileRow, NewAttachment, Origin};
use crate::db::{is_unique_violation, Db, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::files::{Checksum, FileError, FileStores, Problem};
use crate::http::id_or_not_found;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use bytes::Bytes;
use shared::api::attachments::{Attachment, AttachmentInput, RetractAttachment, StoredFile};
use shared::api::{ErrorCode, FieldError};
use shared::domain::Permission;
use shared::ids::{AttachmentId, FileId, PatientId, TenantId};
use uuid::Uuid;

const STALE: &str = "この添付は他の人が先に変更しました。最新の内容を確認してください";

fn store_unavailable() -> ApiError {
    ApiError::code(ErrorCode::Unavailable).with_field(FieldError::new(
        "file",
        "store_unavailable",
        "ファイルの保存先に書き込めませんでした。保存されていません。しばらくしてからやり直してください",
    ))
}

/// Sniffs, stores twice and records an uploaded file of `patient` (not yet attached: the
/// attachment that names it makes it appear in the chart). The caller has checked the patient;
/// no transaction is open while the stores write.
pub async fn upload(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientId,
    bytes: Bytes,
) -> ApiResult<StoredFile> {
    let media_type = shared::media::sniff(&bytes).map_err(|refusal| {
        ApiError::code(ErrorCode::UnsupportedMediaType).with_field(FieldError::new(
            "file",
            "refused",
            refusal.message_ja(),
        ))
    })?;
    // A DICOM file is read now: one whose header does not read is refused (the viewer could
    // not show it), and its series is recorded with it.
    let dicom = if media_type == shared::media::MediaType::Dicom {
        Some(dicom_header(bytes.clone()).await?)
    } else {
        None
    };
    let row = put_file(stores, ctx, patient, bytes, media_type, Origin::Upload).await?;
    let mut tx = TenantTx::begin(db, ctx).await?;
    record_file(&mut tx, ctx, ip, &row).await?;
    if let Some((study, series)) = &dicom {
        files::insert_dicom(&mut tx, row.file_id, study, series).await?;
    }
    tx.commit().await?;
    Ok(row.summary())
}

/// The study UID and series of a DICOM file, read from its header off the async threads; a
/// file that is not DICOM Part 10 is a clear error.
async fn dicom_header(bytes: Bytes) -> ApiResult<(String, shared::api::attachments::DicomSeries)> {
    let parsed = tokio::task::spawn_blocking(move || {
        shared::dicom::Dicom::parse(&bytes).map(|d| {
            let i = d.info();
            (
                i.study_uid.clone(),
                shared::api::attachments::DicomSeries {
                    series_uid: i.series_uid.clone(),
                    series_number: i.series_number,
                    instance_number: i.instance_number,
                    // A code string (PS3.5: upper case, digits, space, _), at most 16.
                    modality: i
                        .modality
                        .chars()
                        .filter(|c| c.is_ascii_graphic() || *c == ' ')
                        .take(16)
                        .collect(),
                },
            )
        })
    })
    .await
    .map_err(|e| anyhow::anyhow!("reading a DICOM header stopped: {e}"))?;
    parsed.map_err(|err| {
        ApiError::code(ErrorCode::UnsupportedMediaType).with_field(FieldError::new(
            "file",
            "dicom_unreadable",
            err.message_ja(),
        ))
    })
}

/// Writes bytes to both stores under a new file id (no transaction may be open: store I/O is
/// slow): the row to record, with [`record_file`], once both have them.
pub async fn put_file(
    stores: &FileStores,
    ctx: &TenantContext,
    patient: PatientId,
    bytes: Bytes,
    media_type: shared::media::MediaType,
    origin: Origin,
) -> ApiResult<FileRow> {
    let sum = Checksum::of(&bytes);
    let file_id = FileId(Uuid::new_v4());
    let row = FileRow {
        file_id,
        patient,
        media_type,
        size: sum.size,
        sha256: sum.sha256,
        object_key: FileStores::object_key(ctx.tenant_id(), file_id),
        origin,
    };
    if stores.put(&row.object_key, bytes).await.is_err() {
        return Err(store_unavailable());
    }
    Ok(row)
}

/// Records a file both stores have (from [`put_file`]) and its audit event, in `tx`: the file
/// exists for anyone when `tx` commits.
pub async fn record_file(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    row: &FileRow,
) -> ApiResult<()> {
    files::insert_file(tx, row, ctx.user_id()).await?;
    let event = AuditEvent::success(action::FILE_STORE)
        .target("file", row.file_id)
        .detail("patient_id", row.patient.to_string())
        .detail("media_type", row.media_type.mime())
        .detail("size", row.size)
        .detail("sha256", shared::media::hex(&row.sha256));
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(())
}

async fn write(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    new: NewAttachment<'_>,
    action: &'static str,
) -> ApiResult<Attachment> {
    if let Err(err) = files::insert_attachment(tx, &new).await {
        return Err(if is_unique_violation(&err) {
            if new.version == 1 {
                ApiError::invalid("file_id", "このファイルはすでに添付されています")
            } else {
                ApiError::stale("base_version", STALE)
            }
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(action)
        .target("attachment", new.attachment_id)
        .detail("version", new.version)
        .detail("file_id", new.file.to_string())
        .detail("patient_id", new.patient.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    let (_, history) = files::history(tx, new.attachment_id).await?;
    history
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("attachment just written is missing").into())
}

/// Attaches an uploaded file of `patient` (its body must say base_version 0 and name the file).
pub async fn attach(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientId,
    body: &AttachmentInput,
) -> ApiResult<Attachment> {
    if body.base_version != 0 {
        return Err(ApiError::invalid(
            "base_version",
            "新しい添付の base_version は0です",
        ));
    }
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let file_id = body
        .file_id
        .ok_or_else(|| ApiError::invalid("file_id", "添付するファイルを選んでください"))?;
    // Another patient's file (or none) is not found, whoever it belongs to.
    let file = files::file(tx, file_id).await?;
    // A document's PDF is the document's: it is not attached again.
    if file.is_none_or(|f| f.patient != patient || f.origin == Origin::Generated) {
        return Err(ApiError::invalid("file_id", "ファイルが見つかりません"));
    }
    let new = NewAttachment {
        attachment_id: AttachmentId(Uuid::new_v4()),
        version: 1,
        patient,
        file: file_id,
        kind: body.kind,
        title: &valid.title,
        taken_on: valid.taken_on,
        visit_date: valid.visit_date,
        source: &valid.source,
        retracted: false,
        reason: "",
        author: ctx.user_id(),
    };
    write(tx, ctx, ip, new, action::ATTACHMENT_RECORD).await
}

/// The newest version of attachment `raw`, with its patient marked in the access log; 404 when
/// there is none.
async fn current(
    tx: &mut TenantTx,
    access: &AccessNote,
    raw: &str,
) -> ApiResult<(AttachmentId, PatientId, Attachment)> {
    let id = id_or_not_found::<AttachmentId>(raw)?;
    let (patient, history) = files::history(tx, id).await?;
    let (Some(patient), Some(newest)) = (patient, history.into_iter().next()) else {
        return Err(ApiError::code(ErrorCode::NotFound));
    };
    access.set_patient(patient);
    Ok((id, patient, newest))
}

/// A new version of the metadata of attachment `raw` (the file stays), based on the version the
/// user saw.
pub async fn change(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
    body: &AttachmentInput,
) -> ApiResult<Attachment> {
    let (id, patient, newest) = current(tx, access, raw).await?;
    if body.base_version == 0 {
        return Err(ApiError::invalid(
            "base_version",
            "変更する版を指定してください",
        ));
    }
    if body.base_version != newest.version {
        return Err(ApiError::stale("base_version", STALE));
    }
    if newest.retracted {
        return Err(ApiError::invalid(
            "base_version",
            "取り消された添付は変更できません",
        ));
    }
    if body.file_id.is_some_and(|f| f != newest.file.file_id) {
        return Err(ApiError::invalid(
            "file_id",
            "ファイルは差し替えられません（取り消して添付し直してください）",
        ));
    }
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let new = NewAttachment {
        attachment_id: id,
        version: newest.version + 1,
        patient,
        file: newest.file.file_id,
        kind: body.kind,
        title: &valid.title,
        taken_on: valid.taken_on,
        visit_date: valid.visit_date,
        source: &valid.source,
        retracted: false,
        reason: &valid.reason,
        author: ctx.user_id(),
    };
    write(tx, ctx, ip, new, action::ATTACHMENT_CHANGE).await
}

/// Retracts attachment `raw` (取消): a new version marked retracted, with the reason; the file
/// and every earlier version stay.
pub async fn retract(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
    body: &RetractAttachment,
) -> ApiResult<Attachment> {
    let (id, patient, newest) = current(tx, access, raw).await?;
    let reason = body.validate().map_err(ApiError::Invalid)?;
    if body.base_version != newest.version {
        return Err(ApiError::stale("base_version", STALE));
    }
    if newest.retracted {
        return Err(ApiError::invalid(
            "base_version",
            "すでに取り消されています",
        ));
    }
    let stored_date = |text: &str| {
        shared::domain::japanese::parse_date(text)
            .ok_or_else(|| ApiError::from(anyhow::anyhow!("stored attachment date unreadable")))
    };
    let taken_on = stored_date(&newest.taken_on)?;
    let visit_date = newest.visit_date.as_deref().map(stored_date).transpose()?;
    let new = NewAttachment {
        attachment_id: id,
        version: newest.version + 1,
        patient,
        file: newest.file.file_id,
        kind: newest.kind,
        title: &newest.title,
        taken_on,
        visit_date,
        source: &newest.source,
        retracted: true,
        reason: &reason,
        author: ctx.user_id(),
    };
    write(tx, ctx, ip, new, action::ATTACHMENT_RETRACT).await
}

/// Records a bad copy met while reading, in the institution's audit log (ids and states only).
async fn audit_problems(
    tx: &mut TenantTx,
    actor: &Actor,
    file: FileId,
    problems: &[Problem],
) -> Result<(), sqlx::Error> {
    for p in problems {
        let event = if p.repaired {
            AuditEvent::success(action::FILE_REPAIR)
        } else {
            AuditEvent::failure(action::FILE_REPAIR)
        }
        .target("file", file)
        .detail("store", p.store)
        .detail("state", p.state.code());
        audit::record(tx, actor, event).await?;
    }
    Ok(())
}

/// A file as read for the user: its row (media type, size) and verified bytes.
pub struct FileRead {
    pub row: FileRow,
    pub bytes: Bytes,
}

impl FileRead {
    /// A kept PDF (a print, a document version) as the browser's viewer takes it: inline, under
    /// the files' sandbox.
    pub fn inline(self, filename: &str) -> axum::response::Response {
        crate::http::file_response(
            self.bytes,
            self.row.media_type,
            &self.row.sha256,
            filename,
            true,
        )
    }
}

/// Reads file `raw` for the signed-in user: 404 unless it is the institution's and an upload
/// (a document's PDF is read as the document's output, [`fetch`]); a retracted attachment's file
/// only for administrators; the patient marked in the access log; bad copies repaired and
/// audited. No transaction is open while the stores read.
pub async fn read(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
) -> ApiResult<FileRead> {
    let id = id_or_not_found::<FileId>(raw)?;
    let mut tx = TenantTx::begin(db, ctx).await?;
    let row = files::file(&mut tx, id)
        .await?
        .filter(|row| row.origin == Origin::Upload)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(row.patient);
    let retracted = files::file_retracted(&mut tx, id).await?;
    tx.commit().await?;
    if retracted && !ctx.role().can(Permission::ManageInstitution) {
        return Err(
            ApiError::code(ErrorCode::Forbidden).with_field(FieldError::new(
                "file",
                "retracted",
                "取り消された添付です（管理者だけが開けます）",
            )),
        );
    }
    fetch(db, stores, ctx, ip, row).await
}

/// The bytes of a recorded file, checked against its SHA-256 (a bad copy served from the other
/// store, repaired and audited; no good copy: 503, audited). The caller has checked who may read
/// it. No transaction is open while the stores read.
pub async fn fetch(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    row: FileRow,
) -> ApiResult<FileRead> {
    let id = row.file_id;
    let expected = Checksum {
        sha256: row.sha256,
        size: row.size,
    };
    let fetched = stores.get(&row.object_key, &expected).await;
    let actor = Actor::of(ctx, ip);
    let mut tx = TenantTx::begin(db, ctx).await?;
    let result = match fetched {
        Ok(fetched) => {
            audit_problems(&mut tx, &actor, id, &fetched.problems).await?;
            Ok(FileRead {
                row,
                bytes: fetched.bytes,
            })
        }
        Err(err) => {
            let (state, message) = match err {
                FileError::Unavailable => (
                    "unavailable",
                    "ファイルの保存先が応答しません。しばらくしてからやり直してください",
                ),
                _ => ("lost", "ファイルを読み出せません。管理者に連絡してください"),
            };
            let event = AuditEvent::failure(action::FILE_REPAIR)
                .target("file", id)
                .detail("state", state);
            audit::record(&mut tx, &actor, event).await?;
            Err(ApiError::code(ErrorCode::Unavailable)
                .with_field(FieldError::new("file", state, message)))
        }
    };
    tx.commit().await?;
    result
}

/// What the scrub found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScrubReport {
    pub institutions: usize,
    pub files: u64,
    pub checked: u64,
    pub repaired: u64,
    /// Bad copies that could not be rewritten (the store is down or refuses writes).
    pub unrepaired: u64,
    /// Files with no good copy anywhere.
    pub lost: Vec<(TenantId, FileId)>,
    /// Files with no good copy read because a store did not answer (whole there, perhaps).
    pub unavailable: Vec<(TenantId, FileId)>,
    /// Objects in a store that no row names (an upload whose transaction failed), per store.
    pub unnamed: Vec<(&'static str, String)>,
}

impl ScrubReport {
    pub fn is_clean(&self) -> bool {
        self.repaired == 0
            && self.unrepaired == 0
            && self.lost.is_empty()
            && self.unavailable.is_empty()
    }
}

/// Walks every file of every institution: both copies checked against the recorded SHA-256,
/// a bad copy rewritten from the good one, everything audited in the file's institution;
/// `progress(checked, total)` after each file. Then lists each store's objects no row names.
pub async fn scrub(
    db: &Db,
    stores: &FileStores,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ScrubReport> {
    const PAGE: i64 = 500;
    let tenants = crate::db::system::file_tenants(db).await?;
    let mut report = ScrubReport {
        institutions: tenants.len(),
        files: tenants.iter().map(|(_, n)| *n as u64).sum(),
        ..ScrubReport::default()
    };
    let mut known = std::collections::HashSet::new();
    for (tenant, _) in &tenants {
        let mut after = None;
        loop {
            let mut tx = crate::db::system::scrub_tx(db, *tenant).await?;
            let page = files::files_after(&mut tx, after, PAGE).await?;
            let Some(last) = page.last() else {
                tx.commit().await?;
                break;
            };
            after = Some(last.file_id);
            for row in &page {
                known.insert(row.object_key.clone());
                let expected = Checksum {
                    sha256: row.sha256,
                    size: row.size,
                };
                match stores.scrub(&row.object_key, &expected).await {
                    Ok(problems) => {
                        for p in &problems {
                            if p.repaired {
                                report.repaired += 1;
                            } else {
                                report.unrepaired += 1;
                            }
                        }
                        audit_problems(&mut tx, &Actor::operator(), row.file_id, &problems).await?;
                    }
                    Err(err) => {
                        let state = if matches!(err, FileError::Unavailable) {
                            report.unavailable.push((*tenant, row.file_id));
                            "unavailable"
                        } else {
                            report.lost.push((*tenant, row.file_id));
                            "lost"
                        };
                        let event = AuditEvent::failure(action::FILE_REPAIR)
                            .target("file", row.file_id)
                            .detail("state", state);
                        audit::record(&mut tx, &Actor::operator(), event).await?;
                    }
                }
                report.checked += 1;
                progress(report.checked, report.files);
            }
            tx.commit().await?;
        }
    }
    for (index, (name, _)) in stores.describe().into_iter().enumerate() {
        for key in stores.keys(index, "tenants").await? {
            if !known.contains(&key) && !recorded_since(db, &key).await? {
                report.unnamed.push((name, key));
            }
        }
    }
    Ok(report)
}

/// Whether `key` names a file recorded after the walk passed its institution (an upload during
/// the scrub), so it is not reported as unnamed.
async fn recorded_since(db: &Db, key: &str) -> anyhow::Result<bool> {
    let mut parts = key.split('/');
    let (Some("tenants"), Some(tenant), Some("files"), Some(file), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Ok(false);
    };
    let (Ok(tenant), Ok(file)) = (tenant.parse::<TenantId>(), file.parse::<FileId>()) else {
        return Ok(false);
    };
    let mut tx = crate::db::system::scrub_tx(db, tenant).await?;
    let found = files::file(&mut tx, file).await?;
    tx.commit().await?;
    Ok(found.is_some_and(|f| f.object_key == key))
}
