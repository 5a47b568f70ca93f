//! The chart print (見読性): a patient's notes, diagnoses, vital signs and lab results for a
//! period or one note, as one document, with who printed it and when. Every print is an audit
//! event (ids, dates and counts only).

use crate::db::patients::PatientRow;
use crate::db::{diagnoses, notes, observations, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use shared::api::chart::ChartPrint;
use shared::domain::japanese::format_date;
use time::{Date, OffsetDateTime};

/// Most notes one print holds.
pub const PRINT_NOTES_MAX: i64 = 500;

/// What a print holds: one note, or the notes of a period (JST days, inclusive).
pub enum Scope {
    Note(notes::NoteHead),
    Period(Date, Date),
}

pub async fn print(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    patient: PatientRow,
    scope: Scope,
) -> ApiResult<ChartPrint> {
    let (heads, from, to, one_note) = match scope {
        Scope::Note(head) => {
            let day = head.visit_date;
            let id = head.note_id;
            (vec![head], day, day, Some(id))
        }
        Scope::Period(from, to) => {
            let heads =
                notes::notes_between(tx, patient.patient_id, from, to, PRINT_NOTES_MAX + 1).await?;
            if heads.len() as i64 > PRINT_NOTES_MAX {
                return Err(ApiError::invalid(
                    "from",
                    "期間内の記載が多すぎます（500件まで）。期間を短くしてください",
                ));
            }
            (heads, from, to, None)
        }
    };
    let mut printed = Vec::with_capacity(heads.len());
    for head in &heads {
        printed.push(notes::detail(tx, head).await?);
    }
    let diagnoses = diagnoses::diagnoses(tx, patient.patient_id, Some((from, to))).await?;
    let (start, end) = crate::clock::jst_days(from, to);
    let vitals = observations::vitals_between(tx, patient.patient_id, start, end).await?;
    let labs = observations::labs_between(tx, patient.patient_id, from, to).await?;
    let printed_by = users::find(tx, ctx.user_id())
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let event = AuditEvent::success(action::CHART_PRINT)
        .target("patient", patient.patient_id)
        .detail("from", format_date(from))
        .detail("to", format_date(to))
        .detail("notes", printed.len());
    let event = match one_note {
        Some(n) => event.detail("note_id", n.to_string()),
        None => event,
    };
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(ChartPrint {
        patient_number: patient.patient_number,
        patient_name: patient.name,
        patient_kana: patient.kana,
        birth_date: format_date(patient.birth_date),
        sex: patient.sex,
        from: format_date(from),
        to: format_date(to),
        notes: printed,
        diagnoses,
        vitals,
        labs,
        printed_at: crate::clock::rfc3339(OffsetDateTime::now_utc()),
        printed_by,
    })
}
