//! 診療行為 ordered directly (医学管理, 検査, 採血 …): priced from the master as ordered, after
//! the checks in `Pricing::resolve_ordered`.

use super::src;
use crate::billing::catalog::Catalog;
use crate::billing::codes::{OUTPATIENT_MANAGEMENT, TELEMEDICINE_VARIANTS, URINE_GENERAL};
use crate::billing::engine::{Pricing, MAX_REPEAT};
use crate::billing::priced::{BillingError, WarningCode};

pub(crate) fn check_count(code: &str, count: u32) -> Result<(), BillingError> {
    if count == 0 {
        return Err(BillingError::ZeroCount {
            code: code.to_string(),
        });
    }
    if count > MAX_REPEAT {
        return Err(BillingError::CountTooLarge {
            code: code.to_string(),
            count,
        });
    }
    Ok(())
}

pub(crate) fn ordered_items<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    let visit = p.visit;
    for item in &visit.items {
        check_count(&item.code, item.count)?;
        let code = as_held(p, &item.code);
        price_ordered(p, code, item.count)?;
    }
    Ok(())
}

/// The code of an ordered item for how the visit was held: an item with a 情報通信機器 version
/// ([`TELEMEDICINE_VARIANTS`]) ordered for an オンライン診療 is billed as that version, and the
/// version ordered for a visit in person as the item itself, with a note saying so.
fn as_held<'c, C: Catalog + ?Sized>(p: &mut Pricing<'_, C>, code: &'c str) -> &'c str {
    let online = p.visit.telemedicine;
    let swap = TELEMEDICINE_VARIANTS.iter().find_map(|(face, remote)| {
        if online && *face == code {
            Some(*remote)
        } else if !online && *remote == code {
            Some(*face)
        } else {
            None
        }
    });
    let Some(other) = swap else {
        return code;
    };
    let how = if online {
        "情報通信機器を用いた診療"
    } else {
        "対面の診療"
    };
    p.note(
        "telemedicine_variant",
        Some(code),
        format!("{how}のため {code} を {other} で算定します"),
    );
    other
}

/// Prices one ordered 診療行為 (an item, or the 手技 of a 注射・処置). Returns whether a line was
/// added.
pub(crate) fn price_ordered<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    code: &str,
    count: u32,
) -> Result<bool, BillingError> {
    if code == OUTPATIENT_MANAGEMENT {
        // Listing 外来管理加算 is a request; `basic::outpatient_management` decides.
        p.management_requested_by_item = true;
        return Ok(false);
    }
    // Not in force on the day: said and left out, before the 施設基準 and engine-managed
    // branches below would quietly stand the code of the day in for it.
    if p.ordered_in_force(code).is_none() {
        return Ok(false);
    }
    if let Some((name, registered)) = super::basic::standard_for(code) {
        if registered(&p.visit.facility.standards) {
            p.note(
                "added_by_standard",
                Some(code),
                format!("{name}は届出に基づき自動で算定します（重複して算定しません）"),
            );
        } else {
            p.warn(
                WarningCode::StandardNotRegistered,
                Some(code),
                format!("{name}の施設基準（届出）が登録されていないため算定しません"),
                true,
            );
        }
        return Ok(false);
    }
    if Pricing::<C>::is_managed(code) {
        p.warn(
            WarningCode::ManagedByEngine,
            Some(code),
            format!(
                "{code} は受診区分・時間帯・処方内容・検査から自動で算定するため、項目としては算定しません"
            ),
            true,
        );
        return Ok(false);
    }
    let Some((facts, unit)) = p.resolve_ordered(code) else {
        return Ok(false);
    };
    let reason = if code == URINE_GENERAL {
        // D026 留意事項: 尿中一般物質定性半定量検査 has no 判断料 (billing.md §2 rule 5).
        "オーダーによる（尿中一般物質定性半定量検査は判断料を算定しない）".to_string()
    } else {
        "オーダーによる".to_string()
    };
    p.push_procedure(&facts, unit, count, reason, src::ORDERED)?;
    p.ordered.push(facts);
    Ok(true)
}

/// 年齢加算 of the ordered 診療行為 (注射, 処置, 検査 such as 採血 …) and of 処方料・処方箋料
/// (F100 注4 / F400 注: 3歳未満 乳幼児加算 3点): where the master's 項番100-111 name a 注加算 code
/// for the patient's age on the day (下限 ≦ age < 上限), that code is added with the same count
/// (e.g. 静脈内注射 → 乳幼児加算（静脈内注射） for under 6). The 初診・再診 add-ons are the basic
/// rules' own; a code the clerk ordered explicitly is not added twice.
pub(crate) fn age_additions<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    use crate::billing::codes::{PRESCRIBING, PRESCRIBING_SEVEN, RX_SLIP, RX_SLIP_SEVEN};
    let (birth, on) = (p.visit.birth_date, p.visit.service_date);
    let mut adds: Vec<(String, u32, String)> = Vec::new();
    let prescribing: Vec<_> = [PRESCRIBING, PRESCRIBING_SEVEN, RX_SLIP, RX_SLIP_SEVEN]
        .into_iter()
        .filter(|code| p.lines.iter().any(|l| l.code == *code))
        .filter_map(|code| p.catalog.procedure(code))
        .collect();
    for f in p.ordered.iter().chain(&prescribing) {
        let Some(addition) = f.age_additions.iter().find(|a| {
            use crate::billing::age::AgeLimitExt;
            a.lower.reached(birth, on) != Some(false) && a.upper.reached(birth, on) != Some(true)
        }) else {
            continue;
        };
        let count: u32 = p
            .lines
            .iter()
            .filter(|l| l.kind == crate::billing::priced::LineKind::Procedure && l.code == f.code)
            .map(|l| l.count)
            .sum();
        if count > 0 && !adds.iter().any(|(c, _, _)| *c == addition.code) {
            adds.push((addition.code.clone(), count, f.name.clone()));
        }
    }
    for (code, count, base) in adds {
        if p.ordered.iter().any(|f| f.code == code) {
            p.note(
                "age_addition_ordered",
                Some(&code),
                format!("{base}の年齢加算は項目として入力済みのため自動では加えません"),
            );
            continue;
        }
        let Some((facts, unit)) = p.resolve_ordered(&code) else {
            continue;
        };
        let reason = format!("{base}の年齢加算（{}）", facts.name);
        p.push_procedure(&facts, unit, count, reason, src::AGE_ADDITION)?;
    }
    Ok(())
}
