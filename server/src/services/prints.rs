//! 印刷物: the one PDF path for everything Karte prints from a record (領収証 and 明細書, 処方箋,
//! the chart print; the 診療情報提供書 renders through [`render`] too). A print is built by
//! `shared` from the server's own records ([`shared::print`]), rendered by [`crate::pdf`],
//! written to both file stores and recorded with its SHA-256 under what it was printed from,
//! in one transaction; printing the same source again hands out the stored copy. Every output
//! is numbered and audited (the first, then reprints).

use crate::db::files::{FileRow, Origin};
use crate::db::prints::{self, PrintKind, PrintRow};
use crate::db::{files, patients, Db, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::files::FileStores;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::pdf::{Fonts, RenderError};
use crate::services::attachments;
use bytes::Bytes;
use shared::api::{ErrorCode, FieldError};
use shared::ids::{PatientId, PrintId};
use shared::media::MediaType;
use shared::print::PrintDoc;
use uuid::Uuid;

/// The PDF fonts are not installed on the server: nothing is stored.
pub fn fonts_missing() -> ApiError {
    ApiError::code(ErrorCode::Unavailable).with_field(FieldError::new(
        "pdf",
        "fonts_missing",
        "PDFを作るフォントがサーバーにありません。何も保存されていません。管理者に連絡してください",
    ))
}

/// PDFs rendered at once: rendering is CPU work on the blocking pool; more than the machine's
/// cores at once only makes every one slower (a long chart print takes a while).
static RENDERS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// `doc` rendered to PDF (off the async threads). A character the font lacks is a 422 naming
/// it (check the fields a user can fix first, to name the field); `field` names the request
/// part it is reported on.
pub async fn render(fonts: Option<&Fonts>, doc: PrintDoc, field: &str) -> ApiResult<Vec<u8>> {
    let fonts = fonts.ok_or_else(fonts_missing)?.clone();
    let _turn = RENDERS
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("the render queue closed: {e}"))?;
    let rendered = tokio::task::spawn_blocking(move || crate::pdf::render(&doc, &fonts))
        .await
        .map_err(|e| anyhow::anyhow!("PDF rendering stopped: {e}"))?;
    match rendered {
        Ok(bytes) => Ok(bytes),
        Err(RenderError::MissingGlyph(c)) => Err(ApiError::invalid(
            field,
            format!("「{c}」は印刷できない文字です。登録内容の字を置き換えてください"),
        )),
        Err(err) => Err(anyhow::anyhow!(err).context("rendering a PDF").into()),
    }
}

/// What a print is made from: its kind, the source it is named by (unique per kind: the same
/// source is printed once) and the patient it is about.
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: PrintKind,
    pub key: String,
    pub patient: PatientId,
}

/// The print of `source` if it has been made.
pub async fn existing(tx: &mut TenantTx, source: &Source) -> ApiResult<Option<PrintId>> {
    Ok(prints::by_source(tx, source.kind, &source.key)
        .await?
        .map(|p| p.print_id))
}

/// Renders `doc`, stores it in both file stores and records it as the print of `source` with
/// id `print_id` (with the stored file, in one transaction, audited): one print per source. A
/// character the font lacks prints as 〓, counted in the audit event: the records a print is
/// made of cannot be changed to make it printable.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &Db,
    stores: &FileStores,
    fonts: Option<&Fonts>,
    ctx: &TenantContext,
    ip: &ClientIp,
    source: &Source,
    print_id: PrintId,
    doc: PrintDoc,
) -> ApiResult<PrintId> {
    let fonts = fonts.ok_or_else(fonts_missing)?;
    let (doc, substituted) = fonts.substitute_missing(doc);
    // Rendered and stored with no transaction open (store I/O is slow); then recorded under
    // the source's lock. Two requests printing the same source at once both render; the
    // second finds the first's print and hands that out (its own copy is never recorded, and
    // the scrub reports it).
    let pdf = render(Some(fonts), doc, "print").await?;
    let row = attachments::put_file(
        stores,
        ctx,
        source.patient,
        Bytes::from(pdf),
        MediaType::Pdf,
        Origin::Generated,
    )
    .await?;
    let mut tx = TenantTx::begin(db, ctx).await?;
    prints::lock_source(&mut tx, source.kind, &source.key).await?;
    if let Some(found) = existing(&mut tx, source).await? {
        tx.commit().await?;
        return Ok(found);
    }
    let print = PrintRow {
        print_id,
        patient_id: source.patient,
        kind: source.kind,
        source: source.key.clone(),
        file_id: row.file_id,
    };
    attachments::record_file(&mut tx, ctx, ip, &row).await?;
    prints::insert(&mut tx, &print, ctx.user_id()).await?;
    let event = AuditEvent::success(action::PRINT_CREATE)
        .target("print", print.print_id)
        .detail("kind", source.kind.code())
        .detail("source", source.key.clone())
        .detail("file_id", row.file_id.to_string())
        .detail("sha256", shared::media::hex(&row.sha256))
        .detail("substituted", substituted)
        .detail("patient_id", source.patient.to_string());
    audit::record(&mut tx, &Actor::of(ctx, ip), event).await?;
    tx.commit().await?;
    Ok(print.print_id)
}

/// The print of `source` handed out as [`hand_out`] does, made from `build` first when it has
/// not been printed yet and this is a GET (`is_get`: an output; a HEAD only asks about a print
/// that exists, 404 otherwise).
#[allow(clippy::too_many_arguments)]
pub async fn hand_out_source<F, Fut>(
    db: &Db,
    stores: &FileStores,
    fonts: Option<&Fonts>,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    source: &Source,
    is_get: bool,
    build: F,
) -> ApiResult<axum::response::Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<PrintDoc>>,
{
    let mut tx = TenantTx::begin(db, ctx).await?;
    let found = existing(&mut tx, source).await?;
    tx.commit().await?;
    let print = match found {
        Some(id) => id,
        None if !is_get => return Err(ApiError::code(ErrorCode::NotFound)),
        None => {
            let doc = build().await?;
            let id = PrintId(Uuid::new_v4());
            create(db, stores, fonts, ctx, ip, source, id, doc).await?
        }
    };
    hand_out(db, stores, ctx, ip, access, print, is_get).await
}

/// Reads `row` from the stores (verified; a bad copy served from the other and repaired) and,
/// when `output` (a GET, not a HEAD), numbers the output with `number` and records `event(n)`
/// in the audit log: the one way a kept PDF (a print, a document version) is handed out.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_output(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    row: FileRow,
    output: bool,
    number: impl AsyncFnOnce(&mut TenantTx) -> Result<i32, sqlx::Error>,
    event: impl FnOnce(i32) -> AuditEvent,
) -> ApiResult<attachments::FileRead> {
    let file = attachments::fetch(db, stores, ctx, ip, row).await?;
    if output {
        let mut tx = TenantTx::begin(db, ctx).await?;
        let n = number(&mut tx).await?;
        audit::record(&mut tx, &Actor::of(ctx, ip), event(n)).await?;
        tx.commit().await?;
    }
    Ok(file)
}

/// Whether a user of `role` may read prints of `kind`: 領収証 and 明細書 the front desk, 処方箋
/// the chart's readers and writers (clerks entering for a doctor), the chart print doctors and
/// nurses.
pub fn can_read(role: shared::domain::Role, kind: PrintKind) -> bool {
    use shared::domain::Permission;
    match kind {
        PrintKind::Receipt | PrintKind::Statement => role.can(Permission::FrontDesk),
        PrintKind::Prescription => {
            role.can(Permission::ReadChart) || role.can(Permission::ProxyEntry)
        }
        PrintKind::Chart => role.can(Permission::ReadChart),
    }
}

/// Print `print_id` handed out to the signed-in user as the browser's viewer takes it, when
/// their role may read its kind (404 otherwise, as for another institution's), the patient
/// marked in the access log: see [`output`].
pub async fn hand_out(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    print_id: PrintId,
    is_output: bool,
) -> ApiResult<axum::response::Response> {
    let role = ctx.role();
    let out = output(
        db,
        stores,
        ctx,
        ip,
        print_id,
        |kind| can_read(role, kind),
        is_output,
    )
    .await?;
    access.set_patient(out.print.patient_id);
    Ok(out.file.inline(&out.filename))
}

/// A print's PDF as handed out.
pub struct PrintOut {
    pub print: PrintRow,
    pub file: attachments::FileRead,
    pub filename: String,
}

/// The PDF of `print_id` for the signed-in user, when `allowed` lets them read prints of its
/// kind (404 otherwise, as for another institution's): read and verified from the stores (a bad
/// copy repaired), then, when `output` (a GET, not a HEAD), the output numbered and audited.
pub async fn output(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    print_id: PrintId,
    allowed: impl Fn(PrintKind) -> bool,
    output: bool,
) -> ApiResult<PrintOut> {
    let mut tx = TenantTx::begin(db, ctx).await?;
    let print = prints::find(&mut tx, print_id)
        .await?
        .filter(|p| allowed(p.kind))
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let row: FileRow = files::file(&mut tx, print.file_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a print names a missing file"))?;
    let number = patients::find(&mut tx, print.patient_id)
        .await?
        .map(|p| p.patient_number)
        .unwrap_or_default();
    tx.commit().await?;
    let kind = print.kind;
    let (id, patient) = (print.print_id, print.patient_id);
    let file = fetch_output(
        db,
        stores,
        ctx,
        ip,
        row,
        output,
        async |tx: &mut TenantTx| prints::record_output(tx, id, ctx.user_id()).await,
        |n| {
            AuditEvent::success(action::PRINT_OUTPUT)
                .target("print", id)
                .detail("kind", kind.code())
                .detail("output", n)
                .detail("reprint", n > 1)
                .detail("patient_id", patient.to_string())
        },
    )
    .await?;
    let filename = format!("{}-{number}.pdf", print.kind.code());
    Ok(PrintOut {
        print,
        file,
        filename,
    })
}
