//! The order workflow: draft, 確定 (with the safety checks answered), amendment and 取消 with a
//! reason, 代行入力 by a clerk pending until the doctor approves. As for notes, every change is
//! checked against the version and draft revision it was based on: a stale base is a conflict,
//! never a silent overwrite. At 確定 the server computes the warnings from its own records (the
//! 医薬品 master of the visit day, the patient's allergies, the day's other orders) with the same
//! shared checks the app ran, and refuses an order whose warnings are not all answered by an
//! override with a reason; the overrides are stored with the version. Audit events carry ids,
//! kinds and version numbers only, never clinical content.

use super::{check_approval, pending_proxy, proxy_doctor, signer, visit_reception};
use crate::db::orders::{self, NewDraft, OrderHead, VersionContent};
use crate::db::{allergies, is_unique_violation, masters, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::id_or_not_found;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use shared::api::orders::{
    CancelOrder, FinalizeOrder, OrderContents, OrderDetail, OrderDraft, OrderKind, SaveOrderDraft,
    WarningOverride,
};
use shared::api::{ErrorCode, FieldError};
use shared::domain::order::safety::{self, DayContext, OrderWarning, WarningKind};
use shared::ids::{OrderId, PatientId, UserId};
use shared::masters::{DrugRecord, MasterKind, MasterRecord};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

pub const STALE_DRAFT: &str =
    "他の人がこのオーダを先に保存しました。両方の内容を確認してから保存し直してください";
pub const STALE_VERSION: &str =
    "このオーダは他の人が先に確定（修正・取消）しました。最新の版を確認してから入力し直してください";

/// The order of `raw` (404 for a malformed id or another institution's order), its patient
/// marked in the access log.
pub async fn head(tx: &mut TenantTx, raw: &str, access: &AccessNote) -> ApiResult<OrderHead> {
    let id = id_or_not_found::<OrderId>(raw)?;
    let head = orders::find_order(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    access.set_patient(head.patient_id);
    Ok(head)
}

/// A new, empty order of `kind` for `patient` on `visit_date`, optionally tied to that day's
/// reception of the patient (会計 prices the orders of its visit).
pub async fn create(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    patient: PatientId,
    reception_raw: Option<&str>,
    visit_date: Date,
    kind: OrderKind,
) -> ApiResult<OrderDetail> {
    let mut reception = visit_reception(tx, patient, reception_raw, visit_date).await?;
    // An order tied to a cancelled 受付 would never reach 会計.
    if let Some(id) = reception {
        if let Some((.., status, _)) = crate::db::reception::find(tx, id).await? {
            if status == "cancelled" {
                return Err(ApiError::invalid(
                    "reception_id",
                    "取り消された受付にはオーダできません",
                ));
            }
        }
    }
    if reception.is_none() {
        // None named: the patient's one reception of the day, so that 会計 prices the order (with
        // two, the screen must say which).
        if let [only] = crate::db::reception::of_patient_on(tx, patient, visit_date)
            .await?
            .as_slice()
        {
            reception = Some(*only);
        }
    }
    let head =
        orders::create_order(tx, patient, reception, visit_date, kind, ctx.user_id()).await?;
    Ok(orders::detail(tx, &head).await?)
}

fn refuse_clerk(message: &str) -> ApiError {
    ApiError::Conflict(vec![FieldError::new("version", "doctor_order", message)])
}

fn wrong_kind(head: &OrderHead) -> ApiError {
    ApiError::invalid(
        "contents.kind",
        format!(
            "この{}オーダには他の種類の内容を保存できません",
            head.kind.label_ja()
        ),
    )
}

/// Saves the working copy (checked) on the version and revision it was based on.
pub async fn save_draft(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    head: &OrderHead,
    body: &SaveOrderDraft,
) -> ApiResult<OrderDraft> {
    if body.contents.kind() != head.kind {
        return Err(wrong_kind(head));
    }
    body.contents.validate().map_err(ApiError::Invalid)?;
    orders::lock_order(tx, head.order_id).await?;
    let on_behalf_of = proxy_doctor(tx, ctx, body.on_behalf_of.as_deref()).await?;
    let (current, _) = orders::head_version(tx, head.order_id).await?;
    if body.base_version != current {
        return Err(ApiError::stale("base_version", STALE_VERSION));
    }
    let draft = NewDraft {
        base_revision: body.base_revision,
        base_version: body.base_version,
        contents: &body.contents,
        author: ctx.user_id(),
        on_behalf_of,
    };
    if orders::save_draft(tx, head.order_id, &draft)
        .await?
        .is_none()
    {
        return Err(ApiError::stale("base_revision", STALE_DRAFT));
    }
    let saved = orders::draft(tx, head.order_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("draft just saved is missing"))?;
    Ok(saved.detail())
}

/// Discards the working copy at `revision` (a newer revision is someone else's: a conflict).
pub async fn discard_draft(tx: &mut TenantTx, head: &OrderHead, revision: i64) -> ApiResult<()> {
    orders::lock_order(tx, head.order_id).await?;
    if !orders::delete_draft(tx, head.order_id, revision).await? {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    Ok(())
}

/// The 医薬品 master rows in force on `date` for every drug of `orders`, by code.
async fn drugs_in_force(
    tx: &mut TenantTx,
    date: Date,
    orders: &[&OrderContents],
) -> ApiResult<BTreeMap<String, DrugRecord>> {
    let mut codes: Vec<String> = orders
        .iter()
        .flat_map(|o| o.drug_lines().into_iter().map(|(_, c)| c.to_string()))
        .collect();
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = masters::rows_on_tx(tx, MasterKind::Drug, date, &codes).await?;
    Ok(rows
        .iter()
        .filter_map(|r| DrugRecord::from_fields(r).ok())
        .map(|d| (d.code.clone(), d))
        .collect())
}

/// The 診療行為 and 特定器材 the order names that are not in force on `date`: the engine could
/// not price them, so they are refused outright (drugs out of force are a warning instead).
async fn codes_not_in_force(
    tx: &mut TenantTx,
    date: Date,
    contents: &OrderContents,
) -> ApiResult<Vec<FieldError>> {
    let mut problems = Vec::new();
    for (kind, codes, label) in [
        (
            MasterKind::Procedure,
            contents.procedure_codes(),
            "診療行為",
        ),
        (MasterKind::Material, contents.material_codes(), "特定器材"),
    ] {
        if codes.is_empty() {
            continue;
        }
        let wanted: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let rows = masters::rows_on_tx(tx, kind, date, &wanted).await?;
        // 項番 is 1-based; the row holds every column from 項番1.
        let code_at = kind.code_column() - 1;
        for code in codes {
            if !rows
                .iter()
                .any(|r| r.get(code_at).map(String::as_str) == Some(code))
            {
                problems.push(FieldError::new(
                    "contents",
                    "out_of_force",
                    format!("{label}コード{code}は診療日に有効なマスターにありません"),
                ));
            }
        }
    }
    Ok(problems)
}

/// 院内 and 院外 are one per visit (会計 prices one 投薬 or one 処方箋): a prescription of the
/// other kind among the visit's current orders is refused.
async fn mixed_dispensing(
    tx: &mut TenantTx,
    head: &OrderHead,
    visit: shared::ids::ReceptionId,
    dispensing: shared::billing::Dispensing,
) -> ApiResult<()> {
    // Two prescriptions of one visit 確定 at once must see each other.
    orders::lock_reception(tx, visit).await?;
    let heads = orders::reception_orders(tx, visit).await?;
    let others: Vec<OrderHead> = heads
        .into_iter()
        .filter(|h| h.order_id != head.order_id && h.kind == OrderKind::Prescription)
        .collect();
    for other in orders::details(tx, &others).await? {
        if !other.status.is_billed() {
            continue;
        }
        if let Some(OrderContents::Prescription(p)) = other.current().map(|v| &v.contents) {
            if p.dispensing != dispensing {
                return Err(ApiError::invalid(
                    "contents.dispensing",
                    "この受診には院内・院外の異なる処方が既にあります。1回の受診ではどちらかに揃えてください",
                ));
            }
        }
    }
    Ok(())
}

/// The warnings of `contents` as the order of `head` on its visit day, from the server's records.
pub async fn warnings(
    tx: &mut TenantTx,
    head: &OrderHead,
    contents: &OrderContents,
) -> ApiResult<Vec<OrderWarning>> {
    let day = orders::day_orders(tx, head.patient_id, head.visit_date).await?;
    let others: Vec<OrderDetail> = orders::details(
        tx,
        &day.into_iter()
            .filter(|h| h.order_id != head.order_id)
            .collect::<Vec<_>>(),
    )
    .await?;
    let other_contents: Vec<&OrderContents> = others
        .iter()
        .filter(|o| o.status.is_billed())
        .filter_map(|o| o.current().map(|v| &v.contents))
        .collect();
    let mut all = other_contents.clone();
    all.push(contents);
    let drugs = drugs_in_force(tx, head.visit_date, &all).await?;
    let known: Vec<_> = allergies::list(tx, head.patient_id, false)
        .await?
        .iter()
        .filter_map(|a| a.known())
        .collect();
    Ok(safety::check(
        contents,
        &DayContext {
            date: head.visit_date,
            allergies: &known,
            others: &other_contents,
            drugs: &drugs,
        },
    ))
}

/// The overrides that answer `warnings`, their reasons checked; a warning left unanswered is a
/// conflict naming each (the message says what kind, never the drug or the allergy).
fn answered(
    warnings: &[OrderWarning],
    overrides: &[WarningOverride],
) -> ApiResult<Vec<WarningOverride>> {
    let mut kept = Vec::new();
    for (i, o) in overrides.iter().enumerate() {
        if !warnings.iter().any(|w| w.key == o.key) {
            continue;
        }
        let reason = shared::domain::text::reason(&format!("overrides[{i}].reason"), &o.reason)?;
        if !reason.is_empty() && !kept.iter().any(|k: &WarningOverride| k.key == o.key) {
            kept.push(WarningOverride {
                key: o.key.clone(),
                reason,
            });
        }
    }
    let open = safety::unanswered(warnings, &kept);
    if open.is_empty() {
        return Ok(kept);
    }
    Err(ApiError::Conflict(
        open.into_iter()
            .map(|w| {
                FieldError::new(
                    &w.field,
                    &w.key,
                    match w.kind {
                        WarningKind::Allergy => "登録されたアレルギーに該当する薬剤です。理由を入力して確定してください",
                        WarningKind::Duplicate => "同じ成分の薬剤が本日の処方に重複しています。理由を入力して確定してください",
                        WarningKind::DaysLimit => "投与日数が上限を超えています。理由を入力して確定してください",
                        WarningKind::OutOfForce => "診療日に有効でない医薬品です。理由を入力して確定してください",
                        WarningKind::NoGenericName => "一般名のない医薬品のため商品名で印刷されます。一般名処方を外すか、理由を入力して確定してください",
                        WarningKind::RefillNotAllowed => "リフィル処方箋で処方できない医薬品です。リフィルを外すか、理由を入力して確定してください",
                    },
                )
            })
            .collect(),
    ))
}

/// A version of the order, written and audited.
struct Write<'a> {
    head: &'a OrderHead,
    version: i32,
    prev_hash: Option<Vec<u8>>,
    contents: &'a OrderContents,
    cancelled: bool,
    overrides: &'a [WarningOverride],
    on_behalf_of: Option<UserId>,
    reason: &'a str,
}

async fn write(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    w: Write<'_>,
) -> ApiResult<()> {
    let content = VersionContent {
        order_id: w.head.order_id,
        version: w.version,
        contents: w.contents,
        cancelled: w.cancelled,
        overrides: w.overrides,
        author: ctx.user_id(),
        on_behalf_of: w.on_behalf_of,
        reason: w.reason,
        created_at: crate::chain::truncate_to_micros(OffsetDateTime::now_utc()),
    };
    if let Err(err) = orders::insert_version(tx, &content, w.prev_hash.as_deref()).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("base_version", STALE_VERSION)
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(if w.cancelled {
        action::ORDER_CANCEL
    } else if w.version == 1 {
        action::ORDER_FINALIZE
    } else {
        action::ORDER_AMEND
    })
    .target("order", w.head.order_id)
    .detail("version", w.version)
    .detail("kind", w.head.kind.code())
    .detail("patient_id", w.head.patient_id.to_string())
    .detail("overrides", w.overrides.len());
    let event = match w.on_behalf_of {
        Some(doctor) => event.detail("on_behalf_of", doctor.to_string()),
        None => event,
    };
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(())
}

/// 確定 of the draft at `body.revision` as the order's next version: the first or an amendment
/// (which needs `reason`, already checked). Audited.
pub async fn finalize(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &OrderHead,
    body: &FinalizeOrder,
    reason: &str,
) -> ApiResult<OrderDetail> {
    orders::lock_order(tx, head.order_id).await?;
    let Some(draft) = orders::draft(tx, head.order_id).await? else {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    };
    if draft.revision != body.revision {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    let (current, prev_hash) = orders::head_version(tx, head.order_id).await?;
    if draft.base_version != current {
        return Err(ApiError::stale("base_version", STALE_VERSION));
    }
    if current > 0 && reason.is_empty() {
        return Err(ApiError::invalid("reason", "修正の理由を入力してください"));
    }
    if draft.contents.is_empty() {
        return Err(ApiError::invalid("contents", "オーダの内容がありません"));
    }
    draft.contents.validate().map_err(ApiError::Invalid)?;
    let on_behalf_of = signer(ctx, draft.on_behalf_of)?;
    if current > 0 {
        let proxy = orders::proxy_of(tx, head.order_id, current).await?;
        match (on_behalf_of, proxy) {
            // A clerk amends only a 代行入力 (a doctor's own order is the doctor's to change),
            // and only for the doctor it was entered for.
            (Some(_), Some((None, _))) => {
                return Err(refuse_clerk("医師が確定したオーダの修正は医師が行います"))
            }
            (Some(doctor), Some((Some(was), _))) if doctor != was => {
                return Err(refuse_clerk("この代行入力は他の医師のものです"))
            }
            (None, Some((Some(_), false))) => return Err(pending_proxy()),
            _ => {}
        }
    }
    if let (OrderContents::Prescription(p), Some(visit)) = (&draft.contents, head.reception_id) {
        mixed_dispensing(tx, head, visit, p.dispensing).await?;
    }
    let refused = codes_not_in_force(tx, head.visit_date, &draft.contents).await?;
    if !refused.is_empty() {
        return Err(ApiError::Invalid(refused));
    }
    let warnings = warnings(tx, head, &draft.contents).await?;
    // A drug not in force on the day cannot be dispensed or billed (the engine refuses it): no
    // reason makes it orderable. (The screen flags it, e.g. in a Do処方 copy, before 確定.)
    let out_of_force: Vec<FieldError> = warnings
        .iter()
        .filter(|w| w.kind == WarningKind::OutOfForce)
        .map(|w| {
            FieldError::new(
                &w.field,
                &w.key,
                "診療日に有効でない医薬品です。削除するか、有効な医薬品に変更してください",
            )
        })
        .collect();
    if !out_of_force.is_empty() {
        return Err(ApiError::Invalid(out_of_force));
    }
    let overrides = answered(&warnings, &body.overrides)?;
    write(
        tx,
        ctx,
        ip,
        Write {
            head,
            version: current + 1,
            prev_hash,
            contents: &draft.contents,
            cancelled: false,
            overrides: &overrides,
            on_behalf_of,
            reason,
        },
    )
    .await?;
    if !orders::delete_draft(tx, head.order_id, draft.revision).await? {
        return Err(ApiError::stale("revision", STALE_DRAFT));
    }
    Ok(orders::detail(tx, head).await?)
}

/// 取消 of a 確定 order: a new version that keeps its contents, marked cancelled, with the
/// reason (already checked, required). A clerk cancels on behalf of the doctor of the version
/// it cancels. Audited.
pub async fn cancel(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &OrderHead,
    body: &CancelOrder,
    reason: &str,
) -> ApiResult<OrderDetail> {
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "取消の理由を入力してください"));
    }
    orders::lock_order(tx, head.order_id).await?;
    let detail = orders::detail(tx, head).await?;
    let Some(latest) = detail.current() else {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "version",
            "draft",
            "確定していないオーダは下書きを破棄してください",
        )]));
    };
    if body.base_version != latest.version {
        return Err(ApiError::stale("base_version", STALE_VERSION));
    }
    if latest.cancelled {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "version",
            "cancelled",
            "このオーダは既に取消されています",
        )]));
    }
    let on_behalf_of = if super::is_proxy(ctx) {
        // A clerk cancels only a 代行入力, for the doctor it was entered for.
        match latest.on_behalf_of_id {
            Some(doctor) => Some(doctor),
            None => return Err(refuse_clerk("医師が確定したオーダの取消は医師が行います")),
        }
    } else {
        // A pending 代行入力 may be turned down by the doctor it names (取消 with the reason),
        // by nobody else.
        if latest.is_pending() && latest.on_behalf_of_id != Some(ctx.user_id()) {
            return Err(pending_proxy());
        }
        None
    };
    let (_, prev_hash) = orders::head_version(tx, head.order_id).await?;
    write(
        tx,
        ctx,
        ip,
        Write {
            head,
            version: latest.version + 1,
            prev_hash,
            contents: &latest.contents,
            cancelled: true,
            overrides: &[],
            on_behalf_of,
            reason,
        },
    )
    .await?;
    Ok(orders::detail(tx, head).await?)
}

/// The doctor approves a 代行入力 version entered on their behalf. Audited.
pub async fn approve(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &OrderHead,
    version: i32,
) -> ApiResult<OrderDetail> {
    orders::lock_order(tx, head.order_id).await?;
    check_approval(ctx, orders::proxy_of(tx, head.order_id, version).await?)?;
    if orders::head_version(tx, head.order_id).await?.0 != version {
        return Err(ApiError::stale(
            "version",
            "このオーダには新しい版があります。最新の版を確認してから承認してください",
        ));
    }
    if let Err(err) = orders::approve(tx, head.order_id, version, ctx.user_id()).await {
        return Err(if is_unique_violation(&err) {
            ApiError::stale("version", "この版は既に承認されています")
        } else {
            err.into()
        });
    }
    let event = AuditEvent::success(action::ORDER_APPROVE)
        .target("order", head.order_id)
        .detail("version", version)
        .detail("kind", head.kind.code())
        .detail("patient_id", head.patient_id.to_string());
    audit::record(tx, &Actor::of(ctx, ip), event).await?;
    Ok(orders::detail(tx, head).await?)
}
