//! Who pays: 負担割合 (from the card or derived), 一部負担金 rounded per 健康保険法第75条, and
//! the simple 公費 model of `visit::PublicExpense`.

use crate::billing::money::{round_copay, Points, Yen, YEN_PER_POINT};
use crate::billing::priced::{BillingError, PricedLine, ShareBreakdown};
use crate::billing::visit::{Burden, PublicExpense, Visit};
use crate::domain::insurance::{burden_ratio, BurdenRule};
use std::collections::BTreeMap;

/// The insurance's 負担割合 in tenths, and the rule when derived (reuses
/// `domain::insurance::burden_ratio`: 健康保険法第74条, 高齢者医療確保法第67条).
pub(crate) fn burden(visit: &Visit) -> Result<(u8, Option<BurdenRule>), BillingError> {
    match &visit.burden {
        Burden::Tenths { tenths } => {
            if (1..=3).contains(tenths) {
                Ok((*tenths, None))
            } else {
                Err(BillingError::InvalidBurden { tenths: *tenths })
            }
        }
        Burden::Insurance {
            insurer_number,
            income_category,
        } => {
            let r = burden_ratio(
                visit.birth_date,
                visit.service_date,
                insurer_number,
                *income_category,
            );
            Ok((r.tenths, Some(r.rule)))
        }
        Burden::PublicOnly => {
            if visit.public_expense.is_none() {
                return Err(BillingError::NoCoverage);
            }
            Ok((PUBLIC_ONLY_TENTHS, None))
        }
    }
}

/// 公費単独: without health insurance the 医療費 is all the patient's (10割) but for what the
/// 公費 take over.
pub const PUBLIC_ONLY_TENTHS: u8 = 10;

pub(crate) fn validate_public(public: &[&PublicExpense]) -> Result<(), BillingError> {
    for pe in public {
        if pe.patient_tenths > 3 {
            return Err(BillingError::InvalidPublicShare {
                tenths: pe.patient_tenths,
            });
        }
        if pe.paid_this_month.0 < 0 || pe.monthly_cap.is_some_and(|c| c.0 < 0) {
            return Err(BillingError::NegativePublicAmount);
        }
    }
    if public.len() > MAX_PUBLIC {
        return Err(BillingError::TooManyPublic {
            count: public.len(),
        });
    }
    Ok(())
}

/// 公費 per visit: the レセプト has room for four (第一〜第四公費).
pub const MAX_PUBLIC: usize = 4;

/// Points of the lines by which 公費 cover them: bit `i` of the key is set when `public[i]`
/// covers the line's 部 (all 部 when it names none).
fn points_by_coverage(
    lines: &[PricedLine],
    public: &[&PublicExpense],
) -> Result<BTreeMap<u8, i64>, BillingError> {
    let mut by_mask: BTreeMap<u8, i64> = BTreeMap::new();
    for l in lines {
        let mask = public
            .iter()
            .enumerate()
            .filter(|(_, pe)| pe.sections.is_empty() || pe.sections.contains(&l.section))
            .fold(0u8, |m, (i, _)| m | (1 << i));
        let sum = by_mask.entry(mask).or_default();
        *sum = sum.checked_add(l.points.0).ok_or(BillingError::Overflow)?;
    }
    Ok(by_mask)
}

/// Splits the 医療費 (`total` × 10円) of `lines`.
///
/// - insurance copay = 医療費 × 負担割合, rounded per 第75条 ([`round_copay`]);
///   insurer = 医療費 − insurance copay.
/// - With 公費 (in the order given: 第一公費, 第二公費 …): the points a 公費 covers are charged at
///   the lowest of the insurance rate and the rates of every 公費 covering them (公費併用: each
///   later 公費 takes over what is left of the patient's share under the earlier ones); then, in
///   the same order, what the patient pays for the points a 公費 covers is limited to what is
///   left of its 月額上限. The sum is rounded per 第75条 and never exceeds the insurance copay;
///   the 公費 together pay the difference.
pub(crate) fn split(
    lines: &[PricedLine],
    total: Points,
    tenths: u8,
    rule: Option<BurdenRule>,
    public: &[&PublicExpense],
) -> Result<ShareBreakdown, BillingError> {
    let overflow = || BillingError::Overflow;
    let fee = total.0.checked_mul(YEN_PER_POINT).ok_or_else(overflow)?;
    // 点 × 10円 × 割/10 = 点 × 割 (exact).
    let copay_exact = total
        .0
        .checked_mul(i64::from(tenths))
        .ok_or_else(overflow)?;
    let insurance_copay = round_copay(copay_exact);
    let patient = if public.is_empty() {
        insurance_copay
    } else {
        // The coverage masks are u8 bit sets; `validate_public` keeps the list within them.
        if public.len() > MAX_PUBLIC {
            return Err(BillingError::TooManyPublic {
                count: public.len(),
            });
        }
        // Exact yen the patient owes per coverage class.
        let mut owed: BTreeMap<u8, i64> = BTreeMap::new();
        for (mask, points) in points_by_coverage(lines, public)? {
            let rate = public
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, pe)| pe.patient_tenths)
                .fold(tenths, u8::min);
            let amount = points.checked_mul(i64::from(rate)).ok_or_else(overflow)?;
            owed.insert(mask, amount);
        }
        for (i, pe) in public.iter().enumerate() {
            let Some(cap) = pe.monthly_cap else {
                continue;
            };
            let left = (cap.0 - pe.paid_this_month.0).max(0);
            let bit = 1u8 << i;
            let under = owed
                .iter()
                .filter(|(m, _)| **m & bit != 0)
                .try_fold(0i64, |acc, (_, a)| acc.checked_add(*a))
                .ok_or_else(overflow)?;
            let mut excess = under.checked_sub(left).ok_or_else(overflow)?;
            // Cut first where later 公費 also cover (higher masks), so that a later cap is not
            // met by a cut that an earlier one could have made on a shared class.
            for (_, amount) in owed.iter_mut().rev().filter(|(m, _)| **m & bit != 0) {
                if excess <= 0 {
                    break;
                }
                let cut = excess.min((*amount).max(0));
                *amount -= cut;
                excess -= cut;
            }
        }
        let exact = owed
            .values()
            .try_fold(0i64, |acc, a| acc.checked_add(*a))
            .ok_or_else(overflow)?;
        // A 減算 line in a class charged at a higher rate than the rest could take the sum
        // below zero: the patient never gets money back at the window.
        Yen(round_copay(exact.max(0)).0.min(insurance_copay.0))
    };
    Ok(ShareBreakdown {
        burden_tenths: tenths,
        burden_rule: rule,
        insurance_copay,
        insurer: Yen(fee - insurance_copay.0),
        public: Yen(insurance_copay.0 - patient.0),
        patient,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::priced::LineKind;
    use crate::billing::section::Section;

    fn pe(tenths: u8, cap: Option<i64>, paid: i64) -> PublicExpense {
        PublicExpense {
            payer_number: None,
            patient_tenths: tenths,
            monthly_cap: cap.map(Yen),
            paid_this_month: Yen(paid),
            sections: vec![],
        }
    }

    fn line(section: Section, points: i64) -> PricedLine {
        PricedLine {
            kind: LineKind::Procedure,
            code: String::new(),
            name: String::new(),
            section,
            aggregation: 0,
            unit_points: Points(points),
            count: 1,
            points: Points(points),
            reason: String::new(),
            source: String::new(),
            contents: Vec::new(),
        }
    }

    fn price(points: i64, tenths: u8, public: &[&PublicExpense]) -> ShareBreakdown {
        split(
            &[line(Section::InitialRevisit, points)],
            Points(points),
            tenths,
            None,
            public,
        )
        .unwrap()
    }

    #[test]
    fn public_only_charges_the_whole_fee_and_the_public_takes_it_over() {
        // 生活保護 alone (0割): the 公費 pays all, no insurer share.
        let s = price(75, PUBLIC_ONLY_TENTHS, &[&pe(0, None, 0)]);
        assert_eq!((s.insurer, s.public, s.patient), (Yen(0), Yen(750), Yen(0)));
        // A 公費 with a 1割 share: the patient pays 1割 of the whole fee.
        let s = price(75, PUBLIC_ONLY_TENTHS, &[&pe(1, None, 0)]);
        assert_eq!(
            (s.insurer, s.public, s.patient),
            (Yen(0), Yen(670), Yen(80))
        );
        // With a 上限額 reached, the patient pays nothing more.
        let s = price(75, PUBLIC_ONLY_TENTHS, &[&pe(1, Some(500), 500)]);
        assert_eq!(s.patient, Yen(0));
    }

    #[test]
    fn shares_add_up_to_the_fee() {
        let s = price(351, 3, &[]);
        assert_eq!(
            (s.patient, s.insurer, s.public),
            (Yen(1_050), Yen(2_460), Yen(0))
        );
        // 子ども医療費 (0割): nothing at the window, the 公費 pays the insurance share.
        let s = price(351, 2, &[&pe(0, None, 0)]);
        assert_eq!(
            (s.patient, s.public, s.insurer),
            (Yen(0), Yen(700), Yen(2_810))
        );
        // 1割 with 5,000円 cap, 4,800円 already paid: 200円 left.
        let s = price(5_580, 3, &[&pe(1, Some(5_000), 4_800)]);
        assert_eq!((s.patient, s.public), (Yen(200), Yen(16_540)));
        // Cap already reached.
        let s = price(187, 3, &[&pe(1, Some(5_000), 5_000)]);
        assert_eq!(s.patient, Yen(0));
        // A 公費 rate above the insurance's does not raise the share.
        let s = price(187, 1, &[&pe(3, None, 0)]);
        assert_eq!(s.patient, Yen(190));
    }

    #[test]
    fn a_second_public_expense_takes_over_what_the_first_leaves() {
        // 自立支援医療 (1割, 上限 5,000円) then a 地方単独 助成 (0割): nothing at the window.
        let s = price(2_000, 3, &[&pe(1, Some(5_000), 0), &pe(0, None, 0)]);
        assert_eq!((s.patient, s.public), (Yen(0), Yen(6_000)));
        // 難病 (2割, 上限 10,000円, 9,000円 paid) then 1割 助成 without cap: the first caps at
        // 1,000円 of 4,000円; the second's 1割 would be 2,000円 — the patient pays the lower.
        let s = price(2_000, 3, &[&pe(2, Some(10_000), 9_000), &pe(1, None, 0)]);
        assert_eq!(s.patient, Yen(1_000));
        // The second's own cap applies to what is left: 1割 = 2,000円 capped at 500円.
        let s = price(2_000, 3, &[&pe(2, None, 0), &pe(1, Some(500), 0)]);
        assert_eq!(s.patient, Yen(500));
        // Order does not matter when neither has a cap.
        let a = price(1_234, 3, &[&pe(2, None, 0), &pe(1, None, 0)]);
        let b = price(1_234, 3, &[&pe(1, None, 0), &pe(2, None, 0)]);
        assert_eq!((a.patient, b.patient), (Yen(1_230), Yen(1_230)));
    }

    #[test]
    fn a_public_expense_of_some_sections_leaves_the_rest_at_the_insurance_rate() {
        let mut medication_only = pe(0, None, 0);
        medication_only.sections = vec![Section::Medication];
        let lines = [
            line(Section::InitialRevisit, 75),
            line(Section::Medication, 100),
        ];
        let s = split(&lines, Points(175), 3, None, &[&medication_only]).unwrap();
        // 75点 at 3割 = 225 → 230円; the 100点 of 投薬 at 0割.
        assert_eq!(s.patient, Yen(230));
        // A second 公費 for everything at 1割: 75点 at 1割, 投薬 still 0.
        let s = split(
            &lines,
            Points(175),
            3,
            None,
            &[&medication_only, &pe(1, None, 0)],
        )
        .unwrap();
        assert_eq!(s.patient, Yen(80));
    }

    #[test]
    fn caps_cut_shared_classes_first_and_the_share_is_never_negative() {
        // A covers 初再診 and 投薬, B covers 検査 and 投薬; each class owes 100円 at 1割 and each
        // cap has 100円 left: A cuts 投薬 (shared), so 初再診 and 検査 stay payable: 200円.
        let with = |sections: Vec<Section>| PublicExpense {
            sections,
            ..pe(1, Some(100), 0)
        };
        let a = with(vec![Section::InitialRevisit, Section::Medication]);
        let b = with(vec![Section::Tests, Section::Medication]);
        let lines = [
            line(Section::InitialRevisit, 100),
            line(Section::Tests, 100),
            line(Section::Medication, 100),
        ];
        let s = split(&lines, Points(300), 3, None, &[&a, &b]).unwrap();
        assert_eq!(s.patient, Yen(200));
        // −10点 at 3割 and 100点 under a 0割 公費: 0円, not −30円.
        let mut medication_only = pe(0, None, 0);
        medication_only.sections = vec![Section::Medication];
        let lines = [
            line(Section::InitialRevisit, -10),
            line(Section::Medication, 100),
        ];
        let s = split(&lines, Points(90), 3, None, &[&medication_only]).unwrap();
        assert_eq!((s.patient, s.public), (Yen(0), Yen(270)));
    }
}
