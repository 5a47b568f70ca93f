//! Who pays: 負担割合 (from the card or derived), 一部負担金 rounded per 健康保険法第75条, and
//! the simple 公費 model of `visit::PublicExpense`.

use crate::billing::money::{round_copay, Points, Yen, YEN_PER_POINT};
use crate::billing::priced::{BillingError, PricedLine, ShareBreakdown};
use crate::billing::visit::{Burden, PublicExpense, Visit};
use crate::domain::insurance::{burden_ratio, BurdenRule};

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
    }
}

pub(crate) fn validate_public(public: Option<&PublicExpense>) -> Result<(), BillingError> {
    if let Some(pe) = public {
        if pe.patient_tenths > 3 {
            return Err(BillingError::InvalidPublicShare {
                tenths: pe.patient_tenths,
            });
        }
        if pe.paid_this_month.0 < 0 || pe.monthly_cap.is_some_and(|c| c.0 < 0) {
            return Err(BillingError::NegativePublicAmount);
        }
    }
    Ok(())
}

/// Points of the lines in the 部 the 公費 covers (all when it names none).
pub(crate) fn covered_points(
    lines: &[PricedLine],
    public: Option<&PublicExpense>,
) -> Result<Points, BillingError> {
    let Some(pe) = public else {
        return Ok(Points::ZERO);
    };
    lines
        .iter()
        .filter(|l| pe.sections.is_empty() || pe.sections.contains(&l.section))
        .try_fold(Points::ZERO, |acc, l| acc.checked_add(l.points))
        .ok_or(BillingError::Overflow)
}

/// Splits the 医療費 (`total` × 10円).
///
/// - insurance copay = 医療費 × 負担割合, rounded per 第75条 ([`round_copay`]);
///   insurer = 医療費 − insurance copay.
/// - With a 公費: the covered points are charged at min(公費の割合, 負担割合), the rest at the
///   insurance rate; the covered part is limited to what is left of the 月額上限; the sum is
///   rounded per 第75条 and never exceeds the insurance copay. The 公費 pays the difference.
pub(crate) fn split(
    total: Points,
    covered: Points,
    tenths: u8,
    rule: Option<BurdenRule>,
    public: Option<&PublicExpense>,
) -> Result<ShareBreakdown, BillingError> {
    let overflow = || BillingError::Overflow;
    let fee = total.0.checked_mul(YEN_PER_POINT).ok_or_else(overflow)?;
    // 点 × 10円 × 割/10 = 点 × 割 (exact).
    let copay_exact = total
        .0
        .checked_mul(i64::from(tenths))
        .ok_or_else(overflow)?;
    let insurance_copay = round_copay(copay_exact);
    let patient = match public {
        None => insurance_copay,
        Some(pe) => {
            let uncovered = total.0 - covered.0;
            let rate = pe.patient_tenths.min(tenths);
            let mut covered_part = covered
                .0
                .checked_mul(i64::from(rate))
                .ok_or_else(overflow)?;
            if let Some(cap) = pe.monthly_cap {
                let left = (cap.0 - pe.paid_this_month.0).max(0);
                covered_part = covered_part.min(left);
            }
            let uncovered_part = uncovered
                .checked_mul(i64::from(tenths))
                .ok_or_else(overflow)?;
            let exact = uncovered_part
                .checked_add(covered_part)
                .ok_or_else(overflow)?;
            Yen(round_copay(exact).0.min(insurance_copay.0))
        }
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

    fn pe(tenths: u8, cap: Option<i64>, paid: i64) -> PublicExpense {
        PublicExpense {
            payer_number: None,
            patient_tenths: tenths,
            monthly_cap: cap.map(Yen),
            paid_this_month: Yen(paid),
            sections: vec![],
        }
    }

    #[test]
    fn shares_add_up_to_the_fee() {
        let s = split(Points(351), Points(0), 3, None, None).unwrap();
        assert_eq!(
            (s.patient, s.insurer, s.public),
            (Yen(1_050), Yen(2_460), Yen(0))
        );
        // 子ども医療費 (0割): nothing at the window, the 公費 pays the insurance share.
        let p = pe(0, None, 0);
        let s = split(Points(351), Points(351), 2, None, Some(&p)).unwrap();
        assert_eq!(
            (s.patient, s.public, s.insurer),
            (Yen(0), Yen(700), Yen(2_810))
        );
        // 1割 with 5,000円 cap, 4,800円 already paid: 200円 left.
        let p = pe(1, Some(5_000), 4_800);
        let s = split(Points(5_580), Points(5_580), 3, None, Some(&p)).unwrap();
        assert_eq!((s.patient, s.public), (Yen(200), Yen(16_540)));
        // Cap already reached.
        let p = pe(1, Some(5_000), 5_000);
        let s = split(Points(187), Points(187), 3, None, Some(&p)).unwrap();
        assert_eq!(s.patient, Yen(0));
        // A 公費 rate above the insurance's does not raise the share.
        let p = pe(3, None, 0);
        let s = split(Points(187), Points(187), 1, None, Some(&p)).unwrap();
        assert_eq!(s.patient, Yen(190));
    }
}
