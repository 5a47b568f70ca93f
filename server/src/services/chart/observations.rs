//! Vital signs and lab results: a correction of vital signs is a new entry naming the one it
//! replaces (only the newest may be corrected; the old one stays in the record), and lab
//! results are stored all or none, a file import audited.

use crate::db::observations::{self, Correction};
use crate::db::{is_unique_violation, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use shared::api::chart::{LabRecord, VitalRecord};
use shared::api::ErrorCode;
use shared::domain::chart::{LabChecked, Vitals};
use shared::ids::{PatientId, VitalId};
use time::OffsetDateTime;

/// A measurement, checked: when (JST, not in the future) and the values.
pub struct Measured {
    pub at: OffsetDateTime,
    pub values: Vitals,
}

/// Corrects vital-sign entry `id` with `reason` (checked, not empty). The patient is marked in
/// the access log once known.
pub async fn correct_vitals(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    access: &AccessNote,
    id: VitalId,
    reason: &str,
    measured: &Measured,
) -> ApiResult<VitalRecord> {
    let Some((patient, corrected)) = observations::vital_owner(tx, id).await? else {
        return Err(ApiError::code(ErrorCode::NotFound));
    };
    access.set_patient(patient);
    let stale = || {
        ApiError::stale(
            "vital_id",
            "この記録は既に訂正されています。最新の記録を訂正してください",
        )
    };
    if corrected {
        return Err(stale());
    }
    let correction = Correction {
        replaces: id,
        reason,
    };
    let result = observations::insert_vitals(
        tx,
        patient,
        measured.at,
        &measured.values,
        ctx.user_id(),
        Some(correction),
    )
    .await;
    match result {
        Ok(r) => Ok(r),
        Err(e) if is_unique_violation(&e) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

/// Lab results are never collected in the future (Japan's date).
pub fn check_collection_dates(rows: &[LabChecked]) -> ApiResult<()> {
    let today = crate::clock::today_jst();
    if rows.iter().any(|r| r.collected_on > today) {
        return Err(ApiError::invalid(
            "collected_on",
            "未来の採取日は入力できません",
        ));
    }
    Ok(())
}

/// Stores lab results of `patient`, all or none; an import (`import`: from a file) is audited.
pub async fn record_labs(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientId,
    rows: &[LabChecked],
    import: bool,
) -> ApiResult<Vec<LabRecord>> {
    let results = observations::insert_labs(tx, patient, rows, import, ctx.user_id()).await?;
    if import {
        let event = AuditEvent::success(action::LAB_IMPORT)
            .target("patient", patient)
            .detail("count", results.len());
        audit::record(tx, &Actor::of(ctx, ip), event).await?;
    }
    Ok(results)
}
