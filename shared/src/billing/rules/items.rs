//! 診療行為 ordered directly (医学管理, 検査, 採血 …): priced from the master as ordered, after
//! the checks in `Pricing::resolve_ordered`.

use super::src;
use crate::billing::catalog::Catalog;
use crate::billing::codes::{OUTPATIENT_MANAGEMENT, URINE_GENERAL};
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
        price_ordered(p, &item.code, item.count)?;
    }
    Ok(())
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
