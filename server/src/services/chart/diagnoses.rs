//! 傷病名: recording and changing a diagnosis. The shared checks run first (the same the app runs
//! as the doctor types), then the code and modifiers are looked up in the masters in force on the
//! start date and the full name composed from them. Every change is a new version, based on the
//! version the doctor saw; recording and changing are audit events.

use crate::db::{diagnoses, is_unique_violation, masters, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use shared::api::chart::Diagnosis;
use shared::api::ErrorCode;
use shared::domain::diagnosis::{compose_name, DiagnosisInput};
use shared::ids::{DiagnosisId, PatientId};
use shared::masters::{DiseaseRecord, MasterKind, MasterRecord, ModifierRecord};
use time::Date;
use uuid::Uuid;

const STALE: &str = "この傷病名は他の人が先に変更しました。最新の内容を確認してください";

/// The checked diagnosis: its code (none for 未コード化), modifiers and the full name from the
/// masters in force on its start date.
struct CheckedDiagnosis {
    code: Option<String>,
    modifiers: Vec<String>,
    name: String,
    start: Date,
    end: Option<Date>,
}

/// The shared checks ([`DiagnosisInput::validate`]), then the code and modifiers looked up in
/// the masters of the start date and the name composed from them.
async fn check(tx: &mut TenantTx, body: &DiagnosisInput) -> ApiResult<CheckedDiagnosis> {
    let checked = body.validate().map_err(ApiError::Invalid)?;
    let Some(code) = checked.code else {
        return Ok(CheckedDiagnosis {
            code: None,
            modifiers: Vec::new(),
            name: checked.free_name.unwrap_or_default(),
            start: checked.start,
            end: checked.end,
        });
    };
    let start = checked.start;
    let rows = masters::rows_on_tx(tx, MasterKind::Disease, start, &[code]).await?;
    let Some(disease) = rows
        .first()
        .and_then(|r| DiseaseRecord::from_fields(r).ok())
    else {
        return Err(ApiError::invalid(
            "disease_code",
            "この傷病名コードは開始日に有効な傷病名マスターにありません",
        ));
    };
    let modifier_rows = if checked.modifiers.is_empty() {
        Vec::new()
    } else {
        masters::rows_on_tx(tx, MasterKind::Modifier, start, &checked.modifiers).await?
    };
    let modifiers: Vec<ModifierRecord> = modifier_rows
        .iter()
        .filter_map(|r| ModifierRecord::from_fields(r).ok())
        .collect();
    let name = compose_name(&disease.name, &checked.modifiers, |code| {
        modifiers
            .iter()
            .find(|m| m.code == code)
            .map(|m| m.name.as_str())
    })?;
    Ok(CheckedDiagnosis {
        code: Some(disease.code),
        modifiers: checked.modifiers,
        name,
        start,
        end: checked.end,
    })
}

/// One version of diagnosis `id`, written and audited.
struct Write<'a> {
    id: DiagnosisId,
    version: i32,
    patient: PatientId,
    body: &'a DiagnosisInput,
    reason: &'a str,
}

async fn write(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    w: Write<'_>,
) -> ApiResult<Diagnosis> {
    let checked = check(tx, w.body).await?;
    let new = diagnoses::NewDiagnosis {
        diagnosis_id: w.id,
        version: w.version,
        patient: w.patient,
        disease_code: checked.code.as_deref(),
        modifier_codes: &checked.modifiers,
        name: &checked.name,
        is_main: w.body.is_main,
        suspected: w.body.suspected,
        start_date: checked.start,
        outcome: w.body.outcome,
        end_date: checked.end,
        reason: w.reason,
        author: ctx.user_id(),
    };
    if let Err(err) = diagnoses::insert_diagnosis(tx, &new).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("base_version", STALE)
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(if w.version == 1 {
        action::DIAGNOSIS_RECORD
    } else {
        action::DIAGNOSIS_CHANGE
    })
    .target("diagnosis", w.id)
    .detail("version", w.version)
    .detail("patient_id", w.patient.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    let (_, history) = diagnoses::diagnosis_history(tx, w.id).await?;
    history
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("diagnosis just written is missing").into())
}

/// A new diagnosis of `patient`.
pub async fn record(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientId,
    body: &DiagnosisInput,
) -> ApiResult<Diagnosis> {
    let w = Write {
        id: DiagnosisId(Uuid::new_v4()),
        version: 1,
        patient,
        body,
        reason: "",
    };
    write(tx, ctx, ip, w).await
}

/// A change of diagnosis `id` with `reason` (already checked, not empty), on the version the
/// doctor saw (`body.base_version`). The patient is marked in the access log once known.
pub async fn change(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    access: &AccessNote,
    id: DiagnosisId,
    body: &DiagnosisInput,
    reason: &str,
) -> ApiResult<Diagnosis> {
    let (patient, versions) = owner_and_history(tx, access, id).await?;
    let current = versions.first().map_or(0, |d| d.version);
    if body.base_version != current {
        return Err(ApiError::stale("base_version", STALE));
    }
    let w = Write {
        id,
        version: current + 1,
        patient,
        body,
        reason,
    };
    write(tx, ctx, ip, w).await
}

/// The versions of diagnosis `id`, newest first (404 when there is none), its patient marked in
/// the access log.
pub async fn history(
    tx: &mut TenantTx,
    access: &AccessNote,
    id: DiagnosisId,
) -> ApiResult<Vec<Diagnosis>> {
    Ok(owner_and_history(tx, access, id).await?.1)
}

/// The patient and the versions of diagnosis `id` (404 when there is none), the patient marked.
async fn owner_and_history(
    tx: &mut TenantTx,
    access: &AccessNote,
    id: DiagnosisId,
) -> ApiResult<(PatientId, Vec<Diagnosis>)> {
    let (patient, history) = diagnoses::diagnosis_history(tx, id).await?;
    let patient = patient.ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(patient);
    Ok((patient, history))
}
