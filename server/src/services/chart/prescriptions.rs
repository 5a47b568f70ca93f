//! Issuing the 院外処方箋 of a 確定 prescription: the sheet is filled from the server's own
//! records (the order version, the patient, the insurance and 公費 valid on the visit day, the
//! institution, the doctor, the 医薬品 master of the day for the printed names), stored as
//! printed, and returned for the browser to print with its 2次元シンボル. A second issue of the
//! same order is a 再発行. Audited (ids and numbers only).

use crate::db::orders::{self, OrderHead};
use crate::db::{institutions, masters, patients, prescriptions, reception};
use crate::db::{TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use shared::api::orders::{
    OrderContents, OrderKind, PrescriptionIssue, PrescriptionSheet, SheetDrug, SheetPublic,
};
use shared::api::FieldError;
use shared::billing::Dispensing;
use shared::domain::order::jahis::{burden_category, SheetNarcotic};
use shared::domain::order::PrescriptionOrder;
use shared::ids::OrderId;
use shared::masters::{DrugRecord, MasterKind, MasterRecord};

fn refuse(code: &str, message: &str) -> ApiError {
    ApiError::Conflict(vec![FieldError::new("version", code, message)])
}

/// Issues (prints) the 処方箋 of `version` of the order, which must be its newest, 確定 and
/// not cancelled, an 院外 prescription. Returns the stored issue.
pub async fn issue(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    ip: &ClientIp,
    head: &OrderHead,
    version: i32,
) -> ApiResult<PrescriptionIssue> {
    if head.kind != OrderKind::Prescription {
        return Err(ApiError::invalid("order", "処方オーダではありません"));
    }
    // Prints of one visit take the visit's lock first (the sheet reads every order of the
    // visit): two prints at once wait for each other instead of locking orders crosswise.
    prescriptions::lock_visit(tx, head.patient_id, head.visit_date).await?;
    orders::lock_order(tx, head.order_id).await?;
    let detail = orders::detail(tx, head).await?;
    let Some(current) = detail.current() else {
        return Err(refuse("draft", "確定していない処方は印刷できません"));
    };
    if current.version != version {
        return Err(ApiError::stale(
            "version",
            "処方が修正されています。最新の版を確認してから印刷してください",
        ));
    }
    if current.cancelled && !current.is_pending() {
        return Err(refuse("cancelled", "取消された処方です"));
    }
    if current.is_pending() {
        // The 処方箋 carries the doctor's name: a 代行入力 is printed once the doctor approved it.
        return Err(refuse(
            "pending",
            "代行入力の処方は、医師の承認後に印刷してください",
        ));
    }
    let OrderContents::Prescription(own) = &current.contents else {
        return Err(ApiError::invalid("order", "処方オーダではありません"));
    };
    if own.dispensing != Dispensing::Outside {
        return Err(refuse("in_house", "院内処方には処方箋を発行しません"));
    }
    // One 処方箋 per visit: the visit's 院外 prescriptions of the same doctor and the same
    // リフィル・分割 on one sheet, in the order made (others print on a sheet of their own).
    let doctor = current.on_behalf_of_id.unwrap_or(current.author_id);
    let key = (doctor, own.refill_uses, own.split_count);
    let sources = visit_prescriptions(tx, head, key).await?;
    let rx = &merge(&sources)?;
    let patient = patients::find(tx, head.patient_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order's patient is missing"))?;
    let date = head.visit_date;
    // The visit's 保険組合せ as 会計 applies it, 公費 in the same order (records 27, 28, 29).
    let visit = crate::services::coverage::of_visit(
        tx,
        head.patient_id,
        patient.birth_date,
        date,
        head.reception_id,
    )
    .await?;
    if let Some(problem) = visit.problem {
        return Err(ApiError::invalid("coverage", problem));
    }
    // 公費単独 (生活保護 …): no insurance, the 公費 alone; the insurance fields stay blank.
    let cover = match visit.insurance {
        Some(insurance) => Some(insurance),
        None if !visit.applied.is_empty() => None,
        None => return Err(ApiError::invalid(
            "insurance",
            "この受診の保険組合せに有効な保険も公費もありません。保険・公費を登録し、受付の保険組合せを選んでから印刷してください",
        )),
    };
    let institution = institutions::current(tx).await?;
    let contact = institutions::profile(tx).await?;
    let department = match head.reception_id {
        Some(r) => reception::find(tx, r)
            .await?
            .map(|(.., department, _, _)| department)
            .unwrap_or_default(),
        None => String::new(),
    };
    // The 保険医: the doctor a 代行入力 was for, or the author.
    let doctor_name = current
        .on_behalf_of
        .clone()
        .unwrap_or_else(|| current.author.clone());
    let codes: Vec<String> = rx
        .rps
        .iter()
        .flat_map(|o| o.rp.drugs())
        .map(|d| d.code.clone())
        .collect();
    let rows = masters::rows_on_tx(tx, MasterKind::Drug, date, &codes).await?;
    let records: Vec<DrugRecord> = rows
        .iter()
        .filter_map(|r| DrugRecord::from_fields(r).ok())
        .collect();
    // A 麻薬 on the sheet: the doctor's 麻薬施用者免許証番号 and the patient's address must be on
    // it (麻薬及び向精神薬取締法第27条第6項; prescriptions.md a.5, record 61).
    let narcotic = if records
        .iter()
        .any(|r| r.controlled == shared::masters::ControlledClass::Narcotic)
    {
        let doctor = current.on_behalf_of_id.unwrap_or(current.author_id);
        let license = crate::db::users::find(tx, doctor)
            .await?
            .and_then(|u| u.narcotic_license)
            .filter(|l| !l.is_empty());
        let Some(license) = license else {
            return Err(refuse(
                "narcotic_license",
                "麻薬を含む処方箋には医師の麻薬施用者免許証番号が必要です（管理者が職員の画面で登録します）",
            ));
        };
        if patient.address.trim().is_empty() {
            return Err(refuse(
                "patient_address",
                "麻薬を含む処方箋には患者の住所が必要です（患者情報に住所を登録してください）",
            ));
        }
        Some(SheetNarcotic {
            license,
            patient_address: patient.address.clone(),
            patient_phone: patient.phone.clone(),
        })
    } else {
        None
    };
    let drugs = rx
        .rps
        .iter()
        .map(|o| {
            o.rp.drugs()
                .iter()
                .map(|d| {
                    let record = records.iter().find(|r| r.code == d.code);
                    let generic = record.filter(|_| d.generic_name).and_then(|r| {
                        Some((r.generic_name.clone()?, r.generic_name_code.clone()?))
                    });
                    SheetDrug {
                        code: d.code.clone(),
                        name: match (&generic, record) {
                            (Some((text, _)), _) => text.clone(),
                            (None, Some(r)) => r.name.clone(),
                            (None, None) => d.code.clone(),
                        },
                        unit: record.map(|r| r.unit_name.clone()).unwrap_or_default(),
                        generic_code: generic.map(|(_, code)| code),
                    }
                })
                .collect()
        })
        .collect();
    let insurer = cover
        .as_ref()
        .and_then(|c| shared::domain::insurance::InsurerNumber::parse(&c.insurer_number).ok());
    let late_elderly = insurer.as_ref().is_some_and(|i| i.is_kouki());
    let sheet = PrescriptionSheet {
        institution_code: institution.code,
        institution_name: institution.name,
        institution_postal_code: contact.postal_code,
        institution_address: contact.address,
        institution_phone: contact.phone,
        department,
        doctor_name,
        patient_number: patient.patient_number,
        patient_name: patient.name,
        patient_kana: patient.kana,
        patient_sex: if patient.sex == "female" { 2 } else { 1 },
        birth_date: patient.birth_date,
        insurance_kind: if late_elderly {
            7
        } else if insurer.as_ref().is_some_and(|i| i.is_kokuho()) {
            2
        } else {
            1
        },
        insurer_number: cover
            .as_ref()
            .map(|c| c.insurer_number.clone())
            .unwrap_or_default(),
        symbol: cover.as_ref().map(|c| c.symbol.clone()).unwrap_or_default(),
        number: cover.as_ref().map(|c| c.number.clone()).unwrap_or_default(),
        branch: cover.as_ref().map(|c| c.branch.clone()).unwrap_or_default(),
        insured: cover
            .as_ref()
            .is_none_or(|c| c.relationship == shared::domain::insurance::Relationship::Insured),
        burden_tenths: cover.as_ref().map_or(0, |c| c.burden_tenths),
        burden_category: cover
            .as_ref()
            .and_then(|c| burden_category(patient.birth_date, date, late_elderly, c.burden_tenths)),
        public: visit
            .applied
            .iter()
            .take(3)
            .map(|p| SheetPublic {
                payer_number: p.payer_number.clone(),
                recipient_number: p.recipient_number.clone().unwrap_or_default(),
            })
            .collect(),
        issued_on: crate::clock::today_jst(),
        prescription: rx.clone(),
        drugs,
        narcotic,
        orders: sources
            .iter()
            .map(|(r, _)| shared::api::orders::OrderRef {
                order_id: r.order_id,
                version: r.version,
            })
            .collect(),
    };
    // Each order on the sheet records the issue (its 再発行 count, its amendment notices).
    let mut issue_no = 0;
    for (r, _) in &sources {
        let no = prescriptions::insert(tx, r.order_id, r.version, &sheet, ctx.user_id()).await?;
        if r.order_id == head.order_id {
            issue_no = no;
        }
        let event = AuditEvent::success(action::PRESCRIPTION_ISSUE)
            .target("order", r.order_id)
            .detail("version", r.version)
            .detail("issue_no", no)
            .detail("printed_from", head.order_id.to_string())
            .detail("patient_id", head.patient_id.to_string());
        audit::record(tx, &Actor::of(ctx, ip), event).await?;
    }

    prescriptions::issues(tx, head.order_id)
        .await?
        .into_iter()
        .find(|i| i.issue_no == issue_no)
        .ok_or_else(|| anyhow::anyhow!("prescription just issued is missing").into())
}

/// An order version on the sheet.
struct Source {
    order_id: OrderId,
    version: i32,
}

/// The 確定 院外 prescriptions of `head`'s visit (its reception's, and those made before
/// check-in), oldest first, each at its current version, `head` among them. A 代行入力 still
/// waiting for the doctor stops the print (the sheet would leave its drugs out).
async fn visit_prescriptions(
    tx: &mut TenantTx,
    head: &OrderHead,
    key: (shared::ids::UserId, Option<u8>, Option<u8>),
) -> ApiResult<Vec<(Source, PrescriptionOrder)>> {
    let mut out = Vec::new();
    for other in orders::day_orders(tx, head.patient_id, head.visit_date).await? {
        let same_visit = other.order_id == head.order_id
            || other.reception_id == head.reception_id
            || other.reception_id.is_none()
            || head.reception_id.is_none();
        if other.kind != OrderKind::Prescription || !same_visit {
            continue;
        }
        if other.order_id != head.order_id {
            orders::lock_order(tx, other.order_id).await?;
        }
        let detail = orders::detail(tx, &other).await?;
        let Some(current) = detail.current() else {
            continue;
        };
        let OrderContents::Prescription(p) = &current.contents else {
            continue;
        };
        if current.cancelled && !current.is_pending() || p.dispensing != Dispensing::Outside {
            continue;
        }
        let doctor = current.on_behalf_of_id.unwrap_or(current.author_id);
        if other.order_id != head.order_id && (doctor, p.refill_uses, p.split_count) != key {
            continue;
        }
        if current.is_pending() {
            return Err(refuse(
                "pending",
                "この受診の院外処方に医師の承認を待つ代行入力があります。承認後に印刷してください",
            ));
        }
        out.push((
            Source {
                order_id: other.order_id,
                version: current.version,
            },
            p.clone(),
        ));
    }
    Ok(out)
}

/// The visit's prescriptions (same doctor, リフィル and 分割) as one: their Rp in order, their
/// 備考 joined, the first 残薬 mark. The result must be a valid prescription itself (a 分割 needs
/// every 内服 Rp of the sheet to have the same days).
fn merge(sources: &[(Source, PrescriptionOrder)]) -> ApiResult<PrescriptionOrder> {
    let Some((_, first)) = sources.first() else {
        return Err(refuse("draft", "印刷できる院外処方がありません"));
    };
    let mut merged = first.clone();
    for (_, p) in &sources[1..] {
        merged.rps.extend(p.rps.iter().cloned());
        merged.specific_disease |= p.specific_disease;
        merged.leftover = merged.leftover.or(p.leftover);
        if !p.remarks.trim().is_empty() {
            if !merged.remarks.trim().is_empty() {
                merged.remarks.push('\n');
            }
            merged.remarks.push_str(&p.remarks);
        }
    }
    if sources.len() > 1
        && OrderContents::Prescription(merged.clone())
            .validate()
            .is_err()
    {
        return Err(refuse(
            "mixed",
            "この受診の院外処方は1枚の処方箋にまとめられません（分割の日数が異なる、行数が多すぎるなど）。1つの処方に直してください",
        ));
    }
    Ok(merged)
}
