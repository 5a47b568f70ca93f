//! 上限回数 and exclusions: reported as warnings, never dropped (the clerk decides).

use crate::billing::catalog::Catalog;
use crate::billing::codes::SPECIFIC_DISEASE_MANAGEMENT;
use crate::billing::engine::Pricing;
use crate::billing::priced::WarningCode;
use crate::billing::visit::VisitKind;

/// 上限回数 (master 項番36). The master gives no period (billing.md §2 rule 8); this engine reads
/// it per calendar month (= per レセプト), which is what the limited outpatient items of the
/// extract mean (判断料 月1回, 特定疾患療養管理料 月2回, 特定疾患処方管理加算 月1回). VERIFY per
/// item where the 点数表 says 1日につき or per 週.
pub(crate) fn count_limits<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    let over: Vec<(String, String, u16, u32)> = p
        .counted
        .iter()
        .filter(|(_, (max, _, _))| *max > 0)
        .filter_map(|(code, (max, count, name))| {
            let total = p.history_count(&[code.as_str()]).saturating_add(*count);
            (total > u32::from(*max)).then(|| (code.clone(), name.clone(), *max, total))
        })
        .collect();
    for (code, name, max, total) in over {
        p.warn(
            WarningCode::LimitExceeded,
            Some(&code),
            format!("{name}（{code}）は上限回数{max}回のところ今月{total}回目になります"),
            false,
        );
    }
}

/// Items that may not be billed on this visit. (生活習慣病管理料 and 特定疾患療養管理料 are no pair
/// here: B001-3 注2 and B001-3-3 注2 include 医学管理等, B000 among them — applied in
/// `lifestyle::lifestyle_inclusions`.)
pub(crate) fn exclusions<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    // B000 特定疾患療養管理料: "初診料を算定する初診の日に行った管理は算定しない" (B000 留意事項).
    // The "within one month after the 初診" part needs the 初診 date and is not checked.
    if p.visit.kind != VisitKind::Initial {
        return;
    }
    // The smallest matching code, so that the warning does not depend on the order of items.
    let code = p
        .ordered
        .iter()
        .map(|f| f.code.clone())
        .filter(|c| SPECIFIC_DISEASE_MANAGEMENT.contains(&c.as_str()))
        .min();
    if let Some(code) = code {
        p.warn(
            WarningCode::Excluded,
            Some(&code),
            "特定疾患療養管理料は初診の日には算定できません".into(),
            false,
        );
    }
}
