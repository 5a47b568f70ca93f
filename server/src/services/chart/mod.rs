//! カルテ: the note and order workflows, allergies, diagnoses, observations and the print. Every
//! function runs in the caller's tenant transaction and records its audit events there, so the
//! change and its event commit together.

pub mod allergies;
pub mod diagnoses;
pub mod notes;
pub mod observations;
pub mod orders;
pub mod prescriptions;
pub mod print;

use crate::db::{reception, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::id_or_not_found;
use shared::api::FieldError;
use shared::domain::Role;
use shared::ids::{PatientId, ReceptionId, UserId};
use time::Date;

const DOCTOR_REQUIRED: &str = "代行入力では、どの医師の記載かを選んでください";

/// Whether the user enters on behalf of a doctor (a clerk, 医師事務作業補助者).
fn is_proxy(ctx: &TenantContext) -> bool {
    ctx.role() == Role::Clerk
}

/// The visit (受付) a chart record of `patient` on `visit_date` belongs to, from its id as sent
/// (none when absent or empty); a reception of another patient or day is refused.
async fn visit_reception(
    tx: &mut TenantTx,
    patient: PatientId,
    raw: Option<&str>,
    visit_date: Date,
) -> ApiResult<Option<ReceptionId>> {
    let Some(r) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let id = id_or_not_found::<ReceptionId>(r)?;
    match reception::find(tx, id).await? {
        Some((p, day, ..)) if p == patient && day == visit_date => Ok(Some(id)),
        _ => Err(ApiError::invalid(
            "reception_id",
            "この患者・日付の受付ではありません",
        )),
    }
}

/// The doctor a clerk enters for (required, and must be a doctor), or none for everyone else.
async fn proxy_doctor(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    raw: Option<&str>,
) -> ApiResult<Option<UserId>> {
    if !is_proxy(ctx) {
        return Ok(None);
    }
    let Some(id) = raw.filter(|r| !r.is_empty()) else {
        return Err(ApiError::invalid("on_behalf_of", DOCTOR_REQUIRED));
    };
    match id.parse::<UserId>().ok() {
        Some(id) if users::is_doctor(tx, id).await? => Ok(Some(id)),
        _ => Err(ApiError::invalid(
            "on_behalf_of",
            "選んだ医師が見つかりません",
        )),
    }
}

/// Who a version made from a draft is for: a clerk's entry is for the doctor named on the draft
/// (代行入力, pending until that doctor approves); anyone else signs their own, and may not
/// finalise a draft a clerk entered for another doctor. (While an entry waits for approval only
/// the clerk may amend it: the caller checks that with its own record's versions.)
fn signer(ctx: &TenantContext, draft_for: Option<UserId>) -> ApiResult<Option<UserId>> {
    if is_proxy(ctx) {
        return draft_for
            .map(Some)
            .ok_or_else(|| ApiError::invalid("on_behalf_of", DOCTOR_REQUIRED));
    }
    if matches!(draft_for, Some(doctor) if doctor != ctx.user_id()) {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "on_behalf_of",
            "proxy",
            "この下書きは他の医師の代行入力です。その医師か入力者が確定してください",
        )]));
    }
    Ok(None)
}

/// The conflict of amending a record whose newest version is a 代行入力 not yet approved.
fn pending_proxy() -> ApiError {
    ApiError::Conflict(vec![FieldError::new(
        "version",
        "pending",
        "承認待ちの代行入力があります。医師が承認してから修正してください",
    )])
}

/// Who may approve `version` of a record, given whom it was entered for and whether it is
/// approved (`None`: no such version): only the doctor it names, once.
fn check_approval(ctx: &TenantContext, proxy: Option<(Option<UserId>, bool)>) -> ApiResult<()> {
    match proxy {
        None => Err(ApiError::code(shared::api::ErrorCode::NotFound)),
        Some((Some(doctor), false)) if doctor == ctx.user_id() => Ok(()),
        Some((Some(_), false)) => Err(ApiError::Conflict(vec![FieldError::new(
            "version",
            "not_yours",
            "この代行入力は他の医師の承認待ちです",
        )])),
        Some(_) => Err(ApiError::Conflict(vec![FieldError::new(
            "version",
            "not_pending",
            "この版は承認待ちではありません",
        )])),
    }
}
