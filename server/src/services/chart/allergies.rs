//! アレルギー・禁忌: recording and changing an entry. Every change is a new version, based on the
//! version the user saw (a stale base is a conflict), with a reason from version 2 on; retiring
//! an entry (解除) is a version marked inactive. Recording and changing are audit events (ids and
//! version numbers only).

use crate::db::{allergies, is_unique_violation, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::id_or_not_found;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use shared::api::orders::{Allergy, AllergyInput};
use shared::api::ErrorCode;
use shared::ids::{AllergyId, PatientId};
use uuid::Uuid;

const STALE: &str = "このアレルギーは他の人が先に変更しました。最新の内容を確認してください";

async fn write(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    id: AllergyId,
    version: i32,
    patient: PatientId,
    body: &AllergyInput,
) -> ApiResult<Allergy> {
    let valid = body.validate().map_err(ApiError::Invalid)?;
    let new = allergies::NewAllergy {
        allergy_id: id,
        version,
        patient,
        kind: body.kind,
        substance: &valid.substance,
        drug_code: valid.drug_code.as_deref(),
        ingredient: valid.ingredient.as_deref(),
        severity: body.severity,
        source: body.source,
        reaction: &valid.reaction,
        active: body.active,
        reason: &valid.reason,
        author: ctx.user_id(),
    };
    if let Err(err) = allergies::insert(tx, &new).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("base_version", STALE)
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(if version == 1 {
        action::ALLERGY_RECORD
    } else {
        action::ALLERGY_CHANGE
    })
    .target("allergy", id)
    .detail("version", version)
    .detail("active", body.active)
    .detail("patient_id", patient.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    let (_, history) = allergies::history(tx, id).await?;
    history
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("allergy just written is missing").into())
}

/// A new allergy of `patient` (its body must say base_version 0).
pub async fn record(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientId,
    body: &AllergyInput,
) -> ApiResult<Allergy> {
    if body.base_version != 0 {
        return Err(ApiError::invalid(
            "base_version",
            "新しい登録の base_version は0です",
        ));
    }
    write(tx, ctx, ip, AllergyId(Uuid::new_v4()), 1, patient, body).await
}

/// A new version of the allergy `raw`, based on the version the user saw.
pub async fn change(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    raw: &str,
    body: &AllergyInput,
) -> ApiResult<Allergy> {
    let id = id_or_not_found::<AllergyId>(raw)?;
    let (patient, history) = allergies::history(tx, id).await?;
    let patient = patient.ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(patient);
    let current = history.first().map(|a| a.version).unwrap_or(0);
    if body.base_version == 0 {
        return Err(ApiError::invalid(
            "base_version",
            "変更する版を指定してください",
        ));
    }
    if body.base_version != current {
        return Err(ApiError::stale("base_version", STALE));
    }
    // A drug allergy stays one (as 感染症 or food it would leave the order checks): a wrong
    // kind is 解除d and recorded anew.
    if history.first().is_some_and(|a| a.kind != body.kind) {
        return Err(ApiError::invalid(
            "kind",
            "種類は変更できません（解除して登録し直してください）",
        ));
    }
    write(tx, ctx, ip, id, current + 1, patient, body).await
}
