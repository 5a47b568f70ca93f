//! 文書 (診療情報提供書): a letter started from a template filled from the chart, saved as a
//! draft (by doctors, nurses and clerks entering for a doctor), and finalised (確定) by a
//! doctor: the header facts are frozen, the letter is rendered to PDF/A (`crate::pdf`), the PDF
//! is written to both file stores and recorded with its SHA-256 in the same transaction as the
//! version, which the hash chain ties to the PDF's hash. An amendment is a new version with a
//! reason; every version stays readable. Every output of a PDF is numbered and audited
//! (printed, reprinted).

use crate::db::documents::{self, DocumentHead, VersionBody, VersionContent};
use crate::db::files::Origin;
use crate::db::patients::PatientRow;
use crate::db::{
    allergies, diagnoses, institutions, is_unique_violation, masters, notes, observations, orders,
    users, Db, TenantContext, TenantTx,
};
use crate::error::{ApiError, ApiResult};
use crate::files::FileStores;
use crate::http::id_or_not_found;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::pdf::Fonts;
use crate::services::attachments;
use bytes::Bytes;
use shared::api::documents::{
    CreateDocument, DocumentDetail, DocumentDraft, DocumentKind, DocumentVersion, FinalizeDocument,
    LetterHeader, LetterInstitution, LetterPatient, ReferralLetter, SaveDocumentDraft,
    REFERRAL_FIELDS,
};
use shared::api::{ErrorCode, FieldError};
use shared::domain::document::{
    fill_referral, referral_print, ChartFacts, DiagnosisFact, LabFact, PrintedVersion,
};
use shared::domain::japanese::format_date;
use shared::domain::patient::Sex;
use shared::domain::text::change_reason;
use shared::domain::Permission;
use shared::ids::DocumentId;
use shared::media::MediaType;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const STALE: &str =
    "この文書は他の画面で先に保存されました。最新の内容を読み込んでやり直してください";

/// How far back the template reads notes and lab results.
const TEMPLATE_DAYS: i64 = 180;
/// Notes and lab results the template takes at most.
const TEMPLATE_NOTES: usize = 3;
const TEMPLATE_LABS: usize = 20;

/// Starts a document of `patient`, its draft filled from the chart.
pub async fn create(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: &PatientRow,
    body: &CreateDocument,
) -> ApiResult<DocumentDetail> {
    let facts = chart_facts(tx, patient).await?;
    let letter = match body.kind {
        DocumentKind::Referral => fill_referral(&facts),
    };
    let head = DocumentHead {
        document_id: DocumentId(Uuid::new_v4()),
        patient_id: patient.patient_id,
        kind: body.kind,
    };
    documents::create(tx, &head, &letter, ctx.user_id()).await?;
    let event = AuditEvent::success(action::DOCUMENT_CREATE)
        .target("document", head.document_id)
        .detail("kind", body.kind.code())
        .detail("patient_id", patient.patient_id.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    detail(tx, &head).await
}

/// What the template is filled from: the active diagnoses, allergies, the latest
/// prescription, and the recent notes and lab results.
async fn chart_facts(tx: &mut TenantTx, patient: &PatientRow) -> ApiResult<ChartFacts> {
    let today = crate::clock::today_jst();
    let since = today - Duration::days(TEMPLATE_DAYS);
    let mut active: Vec<DiagnosisFact> =
        diagnoses::diagnoses(tx, patient.patient_id, Some((today, today)))
            .await?
            .into_iter()
            .filter(|d| d.outcome.is_none())
            .map(|d| DiagnosisFact {
                name: d.display_name(),
                main: d.is_main,
                start_date: d.start_date,
            })
            .collect();
    active.sort_by_key(|d| !d.main);
    let allergies = allergies::list(tx, patient.patient_id, false)
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| {
            let reaction = if a.reaction.is_empty() {
                String::new()
            } else {
                format!(": {}", a.reaction)
            };
            format!(
                "{}（{}・{}）{reaction}",
                a.substance,
                a.kind.label_ja(),
                a.severity.label_ja()
            )
        })
        .collect();
    let prescription = match orders::prescriptions(tx, patient.patient_id, None, 1)
        .await?
        .into_iter()
        .next()
    {
        Some((past, day)) => Some(prescription_lines(tx, &past.prescription, day).await?),
        None => None,
    };
    let mut labs: Vec<LabFact> = observations::labs_between(tx, patient.patient_id, since, today)
        .await?
        .into_iter()
        .map(|l| LabFact {
            date: l.collected_on,
            name: l.item_name,
            value: l.value,
            unit: l.unit,
            flag: l.flag,
        })
        .collect();
    labs.sort_by(|a, b| a.date.cmp(&b.date));
    let labs = labs.split_off(labs.len().saturating_sub(TEMPLATE_LABS));
    // The latest notes with a version a doctor stands behind (a 代行入力 not yet approved is
    // left out); a few more are read in case some are drafts or pending.
    let heads = notes::latest_notes(tx, patient.patient_id, 3 * TEMPLATE_NOTES as i64).await?;
    let mut recent = Vec::new();
    for head in &heads {
        if recent.len() == TEMPLATE_NOTES {
            break;
        }
        let detail = notes::detail(tx, head).await?;
        let standing = detail
            .versions
            .iter()
            .find(|v| v.on_behalf_of_id.is_none() || v.approved_at.is_some());
        if let Some(version) = standing {
            recent.push((detail.visit_date.clone(), version.soap.clone()));
        }
    }
    recent.reverse();
    Ok(ChartFacts {
        diagnoses: active,
        allergies,
        prescription,
        labs,
        notes: recent,
    })
}

/// A prescription as the letter lists it: day, 院内/院外, and per Rp its drugs (names from the
/// drug master in force that day) and 用法.
async fn prescription_lines(
    tx: &mut TenantTx,
    prescription: &shared::domain::order::PrescriptionOrder,
    day: time::Date,
) -> ApiResult<(String, String, Vec<String>)> {
    use shared::billing::{Dispensing, Rp};
    let codes: Vec<String> = prescription
        .rps
        .iter()
        .flat_map(|rp| rp.rp.drugs().iter().map(|d| d.code.clone()))
        .collect();
    let rows = masters::rows_on_tx(tx, shared::masters::MasterKind::Drug, day, &codes).await?;
    let name_of = |code: &str| -> (String, String) {
        rows.iter()
            .find(|r| r.get(2).map(String::as_str) == Some(code))
            .map(|r| {
                (
                    r.get(4).cloned().unwrap_or_default(),
                    r.get(9).cloned().unwrap_or_default(),
                )
            })
            .unwrap_or_else(|| (code.to_string(), String::new()))
    };
    let mut lines = Vec::new();
    for (i, ordered) in prescription.rps.iter().enumerate() {
        for (j, drug) in ordered.rp.drugs().iter().enumerate() {
            let (name, unit) = name_of(&drug.code);
            let rp = if j == 0 {
                format!("Rp{}", i + 1)
            } else {
                "　　".to_string()
            };
            lines.push(format!("{rp} {name} {}{unit}", drug.quantity));
        }
        let amount = match &ordered.rp {
            Rp::Internal { days, .. } => format!(" {days}日分"),
            Rp::AsNeeded { times, .. } => format!(" {times}回分"),
            Rp::External { .. } => String::new(),
        };
        lines.push(format!("　　{}{amount}", ordered.usage.text));
    }
    let dispensing = match prescription.dispensing {
        Dispensing::InHouse => "院内",
        Dispensing::Outside => "院外",
    };
    Ok((format_date(day), dispensing.to_string(), lines))
}

/// Document `raw` with its patient marked in the access log; 404 when there is none.
pub async fn head(tx: &mut TenantTx, access: &AccessNote, raw: &str) -> ApiResult<DocumentHead> {
    let id = id_or_not_found::<DocumentId>(raw)?;
    let head = documents::find(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(head.patient_id);
    Ok(head)
}

/// The document with every version (newest first), its draft, and whether its chain holds.
pub async fn detail(tx: &mut TenantTx, head: &DocumentHead) -> ApiResult<DocumentDetail> {
    let rows = documents::versions(tx, head.document_id).await?;
    let mut versions = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        let file = crate::db::files::file(tx, row.file_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a document version names a missing file"))?;
        hashes.push(file.sha256);
        versions.push(DocumentVersion {
            version: row.version,
            header: row.body.header.clone(),
            letter: row.body.letter.clone(),
            pdf: file.summary(),
            signed_by: row.signer.clone(),
            reason: row.reason.clone(),
            created_at: crate::clock::rfc3339(row.created_at),
            outputs: row.outputs,
        });
    }
    let oldest_first: Vec<(&documents::VersionRow, &[u8; 32])> =
        rows.iter().zip(hashes.iter()).rev().collect();
    let chain_intact = crate::chain::versions_intact(
        oldest_first.iter(),
        |(row, _)| (&row.prev_hash, &row.hash),
        |prev, (row, sha)| {
            documents::version_hash(
                prev,
                &VersionContent {
                    document_id: head.document_id,
                    version: row.version,
                    body: &row.raw,
                    pdf_sha256: sha,
                    signed_by: row.signed_by,
                    reason: &row.reason,
                    created_at: row.created_at,
                },
            )
        },
    );
    let draft = documents::draft(tx, head.document_id, false).await?;
    Ok(DocumentDetail {
        document_id: head.document_id,
        patient_id: head.patient_id,
        kind: head.kind,
        revision: draft.revision,
        draft: draft.letter.map(|letter| DocumentDraft {
            base_version: draft.base_version,
            letter,
            author: draft.author,
            updated_at: crate::clock::rfc3339(draft.updated_at),
        }),
        versions,
        chain_intact,
    })
}

/// Saves the draft typed on `body.revision` (an amendment of the newest version when no draft
/// was open).
pub async fn save_draft(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    head: &DocumentHead,
    body: &SaveDocumentDraft,
) -> ApiResult<DocumentDetail> {
    let letter = body.letter.validate_draft().map_err(ApiError::Invalid)?;
    let draft = documents::draft(tx, head.document_id, true).await?;
    if draft.revision != body.revision {
        return Err(ApiError::stale("revision", STALE));
    }
    let (newest, _) = documents::head_version(tx, head.document_id).await?;
    documents::save_draft(
        tx,
        head.document_id,
        body.revision,
        newest,
        Some(&letter),
        ctx.user_id(),
    )
    .await?
    .ok_or_else(|| ApiError::stale("revision", STALE))?;
    detail(tx, head).await
}

/// A character the PDF's font cannot print, named with where it is: a field of the letter (the
/// writer replaces it), or the patient's or institution's registered details (fixed there).
fn unprintable(fonts: &Fonts, header: &LetterHeader, letter: &ReferralLetter) -> ApiResult<()> {
    for (name, label, ..) in REFERRAL_FIELDS {
        if let Some(c) = fonts.missing(letter.field(name)) {
            return Err(ApiError::invalid(
                name,
                format!("{label}の「{c}」は印刷できない文字です。別の字に置き換えてください"),
            ));
        }
    }
    let p = &header.patient;
    let i = &header.institution;
    let registered = [
        (
            "患者の氏名・カナ・住所・電話番号",
            [&p.name, &p.kana, &p.address, &p.phone]
                .map(String::as_str)
                .join(""),
        ),
        (
            "医療機関の名称・所在地・電話番号",
            [&i.name, &i.postal_code, &i.address, &i.phone]
                .map(String::as_str)
                .join(""),
        ),
        ("医師の氏名", header.doctor.clone()),
    ];
    for (what, text) in registered {
        if let Some(c) = fonts.missing(&text) {
            return Err(ApiError::invalid(
                "header",
                format!("{what}に印刷できない文字「{c}」があります。登録情報を直してから確定してください"),
            ));
        }
    }
    Ok(())
}

/// 確定: the draft at `body.revision` becomes the next version, rendered to PDF and stored in
/// both file stores. Doctors only (the letter is signed by the one who finalises it). No
/// transaction is open while the PDF renders and the stores write; the draft is checked again
/// when the version is written.
#[allow(clippy::too_many_arguments)]
pub async fn finalize(
    db: &Db,
    stores: &FileStores,
    fonts: Option<&Fonts>,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
    body: &FinalizeDocument,
) -> ApiResult<DocumentDetail> {
    if !ctx.role().can(Permission::Diagnose) {
        return Err(
            ApiError::code(ErrorCode::Forbidden).with_field(FieldError::new(
                "document",
                "doctor_only",
                "文書を確定できるのは医師だけです（下書きは保存できます）",
            )),
        );
    }
    let mut tx = TenantTx::begin(db, ctx).await?;
    let head = head(&mut tx, access, raw).await?;
    let draft = documents::draft(&mut tx, head.document_id, false).await?;
    if draft.revision != body.revision {
        return Err(ApiError::stale("revision", STALE));
    }
    let letter = draft.letter.ok_or_else(|| {
        ApiError::invalid(
            "revision",
            "確定する下書きがありません（最新版は確定済みです）",
        )
    })?;
    let letter = letter.validate_final().map_err(ApiError::Invalid)?;
    let (newest, prev_hash) = documents::head_version(&mut tx, head.document_id).await?;
    let mut errors = Vec::new();
    let reason = change_reason(&body.reason, newest, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let header = letter_header(&mut tx, ctx, head.patient_id).await?;
    tx.commit().await?;

    let version = newest + 1;
    let fonts = fonts.ok_or_else(super::prints::fonts_missing)?;
    unprintable(fonts, &header, &letter)?;
    let version_body = VersionBody { header, letter };
    let body_value = serde_json::to_value(&version_body)
        .map_err(|e| anyhow::anyhow!("a document body as JSON: {e}"))?;
    let doc = referral_print(
        &version_body.header,
        &version_body.letter,
        &PrintedVersion {
            version,
            reason: reason.clone(),
        },
    );
    let pdf = super::prints::render(Some(fonts), doc, "letter").await?;
    // Another tab may have saved or finalised while the PDF rendered: do not store a PDF no
    // version will name (checked again, under the lock, when the version is written).
    let mut tx = TenantTx::begin(db, ctx).await?;
    let now = documents::draft(&mut tx, head.document_id, false).await?;
    tx.commit().await?;
    if now.revision != body.revision {
        return Err(ApiError::stale("revision", STALE));
    }
    let row = attachments::put_file(
        stores,
        ctx,
        head.patient_id,
        Bytes::from(pdf),
        MediaType::Pdf,
        Origin::Generated,
    )
    .await?;

    let mut tx = TenantTx::begin(db, ctx).await?;
    let draft = documents::draft(&mut tx, head.document_id, true).await?;
    if draft.revision != body.revision {
        return Err(ApiError::stale("revision", STALE));
    }
    attachments::record_file(&mut tx, ctx, ip, &row).await?;
    let content = VersionContent {
        document_id: head.document_id,
        version,
        body: &body_value,
        pdf_sha256: &row.sha256,
        signed_by: ctx.user_id(),
        reason: &reason,
        created_at: crate::chain::truncate_to_micros(OffsetDateTime::now_utc()),
    };
    if let Err(err) = documents::insert_version(
        &mut tx,
        head.patient_id,
        row.file_id,
        &content,
        prev_hash.as_deref(),
    )
    .await
    {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("revision", STALE)
        } else {
            err.into()
        });
    }
    documents::save_draft(
        &mut tx,
        head.document_id,
        body.revision,
        version,
        None,
        ctx.user_id(),
    )
    .await?
    .ok_or_else(|| ApiError::stale("revision", STALE))?;
    let event = AuditEvent::success(if version == 1 {
        action::DOCUMENT_FINALIZE
    } else {
        action::DOCUMENT_AMEND
    })
    .target("document", head.document_id)
    .detail("version", version)
    .detail("file_id", row.file_id.to_string())
    .detail("sha256", shared::media::hex(&row.sha256))
    .detail("patient_id", head.patient_id.to_string());
    audit::record(&mut tx, &Actor::of(ctx, ip), event).await?;
    let detail = detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(detail)
}

/// The header a letter prints, as the records say now: the institution (name, address,
/// telephone), the signing doctor, the patient.
async fn letter_header(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    patient: shared::ids::PatientId,
) -> ApiResult<LetterHeader> {
    let institution = institutions::current(tx).await?;
    let profile = institutions::profile(tx).await?;
    let doctor = users::find(tx, ctx.user_id())
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let p = crate::db::patients::find(tx, patient)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let sex = Sex::from_code(&p.sex)
        .ok_or_else(|| anyhow::anyhow!("a patient's sex is not a known code"))?;
    Ok(LetterHeader {
        date: format_date(crate::clock::today_jst()),
        institution: LetterInstitution {
            name: institution.name,
            postal_code: profile.postal_code,
            address: profile.address,
            phone: profile.phone,
        },
        doctor,
        patient: LetterPatient {
            number: p.patient_number,
            name: p.name,
            kana: p.kana,
            sex,
            birth_date: format_date(p.birth_date),
            address: p.address,
            phone: p.phone,
        },
    })
}

/// A version's PDF for the signed-in user: read and verified from the stores (a bad copy
/// repaired), then, when `output` (a GET, not a HEAD), the output numbered and audited (the
/// first output, then reprints).
#[allow(clippy::too_many_arguments)]
pub async fn pdf(
    db: &Db,
    stores: &FileStores,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
    version: i32,
    output: bool,
) -> ApiResult<(attachments::FileRead, String)> {
    let mut tx = TenantTx::begin(db, ctx).await?;
    let head = head(&mut tx, access, raw).await?;
    let file = documents::version_file(&mut tx, head.document_id, version)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let row = crate::db::files::file(&mut tx, file)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a document version names a missing file"))?;
    let number = crate::db::patients::find(&mut tx, head.patient_id)
        .await?
        .map(|p| p.patient_number)
        .unwrap_or_default();
    tx.commit().await?;
    let (document, patient) = (head.document_id, head.patient_id);
    let read = super::prints::fetch_output(
        db,
        stores,
        ctx,
        ip,
        row,
        output,
        async |tx: &mut TenantTx| {
            documents::record_output(tx, document, version, ctx.user_id()).await
        },
        |n| {
            AuditEvent::success(action::DOCUMENT_OUTPUT)
                .target("document", document)
                .detail("version", version)
                .detail("output", n)
                .detail("reprint", n > 1)
                .detail("patient_id", patient.to_string())
        },
    )
    .await?;
    let filename = format!("referral-{number}-v{version}.pdf");
    Ok((read, filename))
}
