//! The chart print (見読性): a patient's notes, diagnoses, vital signs and lab results for a
//! period or one note, as one document, with who printed it and when. Every print is an audit
//! event (ids, dates and counts only).

use crate::db::patients::PatientRow;
use crate::db::{diagnoses, masters, notes, observations, orders, users, TenantContext, TenantTx};
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
    // Orders of the period: those of the note's day for one note.
    let order_heads =
        orders::orders_between(tx, patient.patient_id, from, to, PRINT_NOTES_MAX + 1).await?;
    if order_heads.len() as i64 > PRINT_NOTES_MAX {
        return Err(ApiError::invalid(
            "from",
            "期間内のオーダが多すぎます（500件まで）。期間を短くしてください",
        ));
    }
    let printed_orders = orders::details(tx, &order_heads).await?;
    let names = order_names(tx, &order_heads, &printed_orders).await?;
    let printed_by = users::find(tx, ctx.user_id())
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let event = AuditEvent::success(action::CHART_PRINT)
        .target("patient", patient.patient_id)
        .detail("from", format_date(from))
        .detail("to", format_date(to))
        .detail("notes", printed.len())
        .detail("orders", printed_orders.len());
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
        orders: printed_orders,
        names,
        printed_at: crate::clock::rfc3339(OffsetDateTime::now_utc()),
        printed_by,
    })
}

/// The names and units of every code the orders name (all their versions), from the masters in
/// force on each order's day.
async fn order_names(
    tx: &mut TenantTx,
    heads: &[orders::OrderHead],
    details: &[shared::api::orders::OrderDetail],
) -> ApiResult<Vec<(String, String, String)>> {
    use shared::masters::MasterKind;
    use std::collections::{BTreeMap, BTreeSet};
    // Codes per day and master.
    let mut wanted: BTreeMap<(Date, u8), BTreeSet<String>> = BTreeMap::new();
    for (head, detail) in heads.iter().zip(details) {
        for v in &detail.versions {
            let c = &v.contents;
            for code in c.procedure_codes() {
                wanted
                    .entry((head.visit_date, 0))
                    .or_default()
                    .insert(code.to_string());
            }
            for (_, code) in c.drug_lines() {
                wanted
                    .entry((head.visit_date, 1))
                    .or_default()
                    .insert(code.to_string());
            }
            for code in c.material_codes() {
                wanted
                    .entry((head.visit_date, 2))
                    .or_default()
                    .insert(code.to_string());
            }
        }
    }
    let mut names: BTreeMap<String, (String, String)> = BTreeMap::new();
    for ((day, kind), codes) in wanted {
        let codes: Vec<String> = codes
            .into_iter()
            .filter(|c| !names.contains_key(c))
            .collect();
        if codes.is_empty() {
            continue;
        }
        let master = match kind {
            0 => MasterKind::Procedure,
            1 => MasterKind::Drug,
            _ => MasterKind::Material,
        };
        for row in masters::rows_on_tx(tx, master, day, &codes).await? {
            let get = |i: usize| row.get(i).cloned().unwrap_or_default();
            let unit = if kind == 0 { String::new() } else { get(9) };
            names.insert(get(2), (get(4), unit));
        }
    }
    Ok(names
        .into_iter()
        .map(|(code, (name, unit))| (code, name, unit))
        .collect())
}
