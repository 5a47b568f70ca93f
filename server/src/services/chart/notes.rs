//! The note workflow: who may write, finalise (確定), amend (with a reason) and approve a 2号用紙
//! note, and in what order. A clerk (医師事務作業補助者) enters on behalf of a named doctor
//! (代行入力); what the clerk finalises stays pending until that doctor approves it. Every change
//! is checked against the version and draft revision it was based on: a stale base is a
//! conflict shown to the user, never a silent overwrite. Finalising, amending and approving are
//! audit events (ids and version numbers only, never clinical text).

use super::{check_approval, pending_proxy, proxy_doctor, signer, visit_reception};
use crate::db::notes::{self, NoteHead, VersionContent};
use crate::db::{is_unique_violation, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::id_or_not_found;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use shared::api::chart::{NoteDetail, NoteDraft, SaveDraft};
use shared::api::ErrorCode;
use shared::domain::chart::Soap;
use shared::ids::{NoteId, PatientId, UserId};
use time::{Date, OffsetDateTime};

pub const STALE_DRAFT: &str =
    "他の人がこの記載を先に保存しました。両方の内容を確認してから保存し直してください";
pub const STALE_VERSION: &str =
    "この記載は他の人が先に確定（修正）しました。最新の版を確認してから記載し直してください";

/// The note of `raw` (404 for a malformed id or another institution's note), its patient marked
/// in the access log.
pub async fn head(tx: &mut TenantTx, raw: &str, access: &AccessNote) -> ApiResult<NoteHead> {
    let id = id_or_not_found::<NoteId>(raw)?;
    let head = notes::find_note(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(head.patient_id);
    Ok(head)
}

/// A new note of `patient` for `visit_date`, optionally tied to that day's reception of the
/// patient (`reception_raw`, an id as sent).
pub async fn create(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    patient: PatientId,
    reception_raw: Option<&str>,
    visit_date: Date,
) -> ApiResult<NoteDetail> {
    let reception = visit_reception(tx, patient, reception_raw, visit_date).await?;
    let head = notes::create_note(tx, patient, reception, visit_date, ctx.user_id()).await?;
    Ok(notes::detail(tx, &head).await?)
}

/// Saves the working draft (`soap`, already checked) on the version and revision it was based on.
pub async fn save_draft(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    head: &NoteHead,
    body: &SaveDraft,
    soap: &Soap,
) -> ApiResult<NoteDraft> {
    notes::lock_note(tx, head.note_id).await?;
    let on_behalf_of = proxy_doctor(tx, ctx, body.on_behalf_of.as_deref()).await?;
    let (current, _) = notes::head_version(tx, head.note_id).await?;
    if body.base_version != current {
        return Err(ApiError::stale("base_version", STALE_VERSION));
    }
    let saved = notes::save_draft(
        tx,
        head.note_id,
        body.base_revision,
        body.base_version,
        soap,
        ctx.user_id(),
        on_behalf_of,
    )
    .await?;
    if saved.is_none() {
        return Err(ApiError::stale("base_revision", STALE_DRAFT));
    }
    let draft = notes::draft(tx, head.note_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("draft just saved is missing"))?;
    Ok(draft.detail())
}

/// Discards the working draft at `revision` (a newer revision is someone else's: a conflict).
pub async fn discard_draft(tx: &mut TenantTx, head: &NoteHead, revision: i64) -> ApiResult<()> {
    notes::lock_note(tx, head.note_id).await?;
    if !notes::delete_draft(tx, head.note_id, revision).await? {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    Ok(())
}

/// Finalises the draft at `revision` as the note's next version: the first (確定) or an
/// amendment, which needs `reason` (already checked). Audited.
pub async fn finalize(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &NoteHead,
    revision: i64,
    reason: &str,
) -> ApiResult<NoteDetail> {
    notes::lock_note(tx, head.note_id).await?;
    let Some(draft) = notes::draft(tx, head.note_id).await? else {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    };
    if draft.revision != revision {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    let (current, prev_hash) = notes::head_version(tx, head.note_id).await?;
    if draft.base_version != current {
        return Err(ApiError::stale("base_version", STALE_VERSION));
    }
    if current > 0 && reason.is_empty() {
        return Err(ApiError::invalid("reason", "修正の理由を入力してください"));
    }
    let soap = draft.soap();
    if current == 0 && soap.is_blank() {
        return Err(ApiError::invalid("soap", "記載がありません"));
    }
    // A clerk's entry is for the doctor named on the draft; anyone else signs their own. A
    // clerk's draft for a doctor is finalised by the clerk (pending) or by that doctor, and
    // while an entry waits for approval only the clerk may amend it: nobody else's version
    // can take a 代行入力 out of the doctor's queue.
    let on_behalf_of = signer(ctx, draft.on_behalf_of.map(UserId))?;
    if on_behalf_of.is_none() && current > 0 {
        if let Some((Some(_), false)) = notes::proxy_of(tx, head.note_id, current).await? {
            return Err(pending_proxy());
        }
    }
    let version = current + 1;
    let content = VersionContent {
        note_id: head.note_id,
        version,
        soap: &soap,
        author: ctx.user_id(),
        on_behalf_of,
        reason,
        created_at: crate::chain::truncate_to_micros(OffsetDateTime::now_utc()),
    };
    if let Err(err) = notes::insert_version(tx, &content, prev_hash.as_deref()).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("base_version", STALE_VERSION)
        } else {
            err.into()
        });
    }
    if !notes::delete_draft(tx, head.note_id, draft.revision).await? {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    let event = AuditEvent::success(if version == 1 {
        action::NOTE_FINALIZE
    } else {
        action::NOTE_AMEND
    })
    .target("note", head.note_id)
    .detail("version", version)
    .detail("patient_id", head.patient_id.to_string());
    let event = match on_behalf_of {
        Some(doctor) => event.detail("on_behalf_of", doctor.to_string()),
        None => event,
    };
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(notes::detail(tx, head).await?)
}

/// The doctor approves a 代行入力 version entered on their behalf. Audited.
pub async fn approve(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &NoteHead,
    version: i32,
) -> ApiResult<NoteDetail> {
    notes::lock_note(tx, head.note_id).await?;
    check_approval(ctx, notes::proxy_of(tx, head.note_id, version).await?)?;
    if notes::head_version(tx, head.note_id).await?.0 != version {
        return Err(ApiError::stale(
            "version",
            "この記載には新しい版があります。最新の版を確認してから承認してください",
        ));
    }
    if let Err(err) = notes::approve(tx, head.note_id, version, ctx.user_id()).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("version", "この版は既に承認されています")
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(action::NOTE_APPROVE)
        .target("note", head.note_id)
        .detail("version", version)
        .detail("patient_id", head.patient_id.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(notes::detail(tx, head).await?)
}
