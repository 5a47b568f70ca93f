//! 上限回数 and exclusions: reported as warnings, never dropped (the clerk decides).

use crate::billing::catalog::Catalog;
use crate::billing::codes::{LIFESTYLE_MANAGEMENT, SPECIFIC_DISEASE_MANAGEMENT};
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

/// Pairs that may not be billed together. Table rows: (codes a, codes b, same month?, message,
/// source).
struct Exclusion {
    a: &'static [&'static str],
    b: &'static [&'static str],
    month: bool,
    message: &'static str,
}

const EXCLUSIONS: &[Exclusion] = &[
    // B001-3 生活習慣病管理料: 特定疾患療養管理料 is included in it (令和6年度改定; B001-3 注).
    // VERIFY the exact 注 wording against the 2024 告示.
    Exclusion {
        a: LIFESTYLE_MANAGEMENT,
        b: SPECIFIC_DISEASE_MANAGEMENT,
        month: true,
        message: "生活習慣病管理料と特定疾患療養管理料は同一月に併せて算定できません",
    },
];

pub(crate) fn exclusions<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    let today: Vec<String> = p.ordered.iter().map(|f| f.code.clone()).collect();
    // The smallest matching code, so that the warning does not depend on the order of items.
    let has_today = |set: &[&str]| {
        today
            .iter()
            .filter(|c| set.contains(&c.as_str()))
            .min()
            .cloned()
    };
    let mut found = Vec::new();
    for ex in EXCLUSIONS {
        let a = has_today(ex.a);
        let b = has_today(ex.b);
        let (a_month, b_month) = if ex.month {
            (p.billed_this_month(ex.a), p.billed_this_month(ex.b))
        } else {
            (false, false)
        };
        let conflict = (a.is_some() && (b.is_some() || b_month)) || (b.is_some() && a_month);
        if conflict {
            found.push((a.or(b), ex.message));
        }
    }
    // B000 特定疾患療養管理料: "初診料を算定する初診の日に行った管理は算定しない" (B000 留意事項).
    // The "within one month after the 初診" part needs the 初診 date and is not checked.
    if p.visit.kind == VisitKind::Initial {
        if let Some(code) = has_today(SPECIFIC_DISEASE_MANAGEMENT) {
            found.push((Some(code), "特定疾患療養管理料は初診の日には算定できません"));
        }
    }
    for (code, message) in found {
        p.warn(
            WarningCode::Excluded,
            code.as_deref(),
            message.to_string(),
            false,
        );
    }
}
