//! 保険組合せ: what pays for one visit — the health insurance (主保険; none for 公費単独) and the
//! 公費 on top of it, chosen by the clerk at 受付 from what is valid that day. Only the 公費 of
//! the visit's 保険組合せ apply to it: a 難病 公費 does not reduce an unrelated acute visit.

use crate::api::insurance::{InsuranceDetail, PublicPaymentDetail};
use crate::billing::MAX_PUBLIC;
use crate::domain::FieldError;
use crate::ids::{InsuranceId, PublicPaymentId};
use serde::{Deserialize, Serialize};

/// A visit's 保険組合せ.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// The 主保険; `None`: 公費単独.
    #[serde(default)]
    pub insurance_id: Option<InsuranceId>,
    /// The 公費 applied on top, as chosen (at most four).
    #[serde(default)]
    pub public_payment_ids: Vec<PublicPaymentId>,
}

/// The 保険組合せ last chosen for a 診療科 (the default for the next visit to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastCoverage {
    pub department: String,
    pub coverage: Coverage,
}

impl Coverage {
    /// Nothing pays: not a 保険組合せ.
    pub fn is_empty(&self) -> bool {
        self.insurance_id.is_none() && self.public_payment_ids.is_empty()
    }

    /// What is wrong with it against the insurances and 公費 valid on the visit's day.
    pub fn check(
        &self,
        insurances: &[InsuranceDetail],
        publics: &[PublicPaymentDetail],
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.is_empty() {
            errors.push(FieldError::new(
                "coverage",
                "required",
                "保険または公費を選んでください（保険も公費もない受診は自費です）",
            ));
        }
        if let Some(id) = self.insurance_id {
            if !insurances.iter().any(|i| i.insurance_id == id) {
                errors.push(FieldError::new(
                    "coverage.insurance_id",
                    "not_valid",
                    "選んだ保険は受診日に有効ではありません",
                ));
            }
        }
        if self.public_payment_ids.len() > MAX_PUBLIC {
            errors.push(FieldError::new(
                "coverage.public_payment_ids",
                "too_many",
                format!("公費は{MAX_PUBLIC}つまでです"),
            ));
            return errors;
        }
        let mut seen = Vec::new();
        for id in &self.public_payment_ids {
            if seen.contains(id) {
                errors.push(FieldError::new(
                    "coverage.public_payment_ids",
                    "duplicate",
                    "同じ公費が二度選ばれています",
                ));
            } else if !publics.iter().any(|p| p.public_payment_id == *id) {
                errors.push(FieldError::new(
                    "coverage.public_payment_ids",
                    "not_valid",
                    "選んだ公費は受診日に有効ではありません",
                ));
            }
            seen.push(*id);
        }
        errors
    }

    /// In words, for 受付一覧 and 会計: `保険 06130011 ＋ 公費 54136015`, `公費単独 12136015`.
    pub fn label(&self, insurances: &[InsuranceDetail], publics: &[PublicPaymentDetail]) -> String {
        let numbers: Vec<&str> = self
            .public_payment_ids
            .iter()
            .filter_map(|id| {
                publics
                    .iter()
                    .find(|p| p.public_payment_id == *id)
                    .map(|p| p.payer_number.as_str())
            })
            .collect();
        let insurance = self.insurance_id.and_then(|id| {
            insurances
                .iter()
                .find(|i| i.insurance_id == id)
                .map(|i| i.insurer_number.as_str())
        });
        match (insurance, numbers.is_empty()) {
            (Some(i), true) => format!("保険 {i} のみ"),
            (Some(i), false) => format!("保険 {i} ＋ 公費 {}", numbers.join("・")),
            (None, false) => format!("公費単独 {}", numbers.join("・")),
            (None, true) => "保険・公費なし".into(),
        }
    }
}

/// The 保険組合せ offered when the clerk has not chosen one: the one last used for the 診療科,
/// as far as it is still valid (its insurance replaced by the one valid now if it has ended);
/// else the 主保険 alone — a 公費 is applied to a visit only when chosen for it — or, without
/// health insurance, the 公費 that carry a patient share (公費単独, as [`crate::billing::select_public`]
/// orders them).
pub fn default_coverage(
    insurances: &[InsuranceDetail],
    publics: &[PublicPaymentDetail],
    last: Option<&Coverage>,
) -> Coverage {
    let current = insurances.first().map(|i| i.insurance_id);
    if let Some(last) = last {
        let insurance = match last.insurance_id {
            Some(id) if insurances.iter().any(|i| i.insurance_id == id) => Some(id),
            Some(_) => current,
            None => None,
        };
        let public_payment_ids: Vec<PublicPaymentId> = last
            .public_payment_ids
            .iter()
            .copied()
            .filter(|id| publics.iter().any(|p| p.public_payment_id == *id))
            .collect();
        let kept = Coverage {
            insurance_id: insurance,
            public_payment_ids,
        };
        if !kept.is_empty() {
            return kept;
        }
    }
    if current.is_some() {
        return Coverage {
            insurance_id: current,
            public_payment_ids: Vec::new(),
        };
    }
    // No insurance: 公費単独 with the 公費 that carry a share.
    legacy_coverage(&[], publics)
}

/// The 保険組合せ of a visit checked in before they were chosen (and of an order without a
/// visit): as 会計 applied then, the insurance valid on the day and every 公費 with a recorded
/// share ([`crate::billing::select_public`]), so that correcting an old bill prices it as before.
pub fn legacy_coverage(
    insurances: &[InsuranceDetail],
    publics: &[PublicPaymentDetail],
) -> Coverage {
    let selection = crate::billing::select_public(
        publics.to_vec(),
        |p| p.payer_number.as_str(),
        |p| p.patient_tenths.is_some(),
    );
    Coverage {
        insurance_id: insurances.first().map(|i| i.insurance_id),
        public_payment_ids: selection
            .applied
            .iter()
            .map(|p| p.public_payment_id)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::insurance::{IncomeCategory, Relationship};
    use uuid::Uuid;

    fn insurance(n: u128, number: &str) -> InsuranceDetail {
        InsuranceDetail {
            insurance_id: InsuranceId(Uuid::from_u128(n)),
            version: 1,
            insurer_number: number.into(),
            symbol: String::new(),
            number: "1".into(),
            branch: String::new(),
            relationship: Relationship::Insured,
            acquired_on: None,
            valid_from: "2020-01-01".into(),
            valid_until: None,
            income_category: IncomeCategory::General,
            burden_override: None,
            burden_tenths: 3,
            burden_rule: String::new(),
        }
    }

    fn public(n: u128, number: &str, tenths: Option<u8>) -> PublicPaymentDetail {
        PublicPaymentDetail {
            public_payment_id: PublicPaymentId(Uuid::from_u128(n)),
            version: 1,
            payer_number: number.into(),
            houbetsu: number[..2].into(),
            recipient_number: None,
            valid_from: "2020-01-01".into(),
            valid_until: None,
            patient_tenths: tenths,
            monthly_cap: None,
        }
    }

    #[test]
    fn the_default_is_the_last_one_of_the_department_else_the_insurance_alone() {
        let ins = [insurance(1, "06130011")];
        let pubs = [
            public(10, "54136015", Some(2)),
            public(11, "88136017", Some(0)),
        ];
        let alone = default_coverage(&ins, &pubs, None);
        assert_eq!(alone.insurance_id, Some(ins[0].insurance_id));
        assert!(alone.public_payment_ids.is_empty(), "no 公費 unless chosen");
        assert_eq!(alone.label(&ins, &pubs), "保険 06130011 のみ");

        let last = Coverage {
            insurance_id: Some(InsuranceId(Uuid::from_u128(99))),
            public_payment_ids: vec![
                pubs[0].public_payment_id,
                PublicPaymentId(Uuid::from_u128(98)),
            ],
        };
        let again = default_coverage(&ins, &pubs, Some(&last));
        assert_eq!(
            again.insurance_id,
            Some(ins[0].insurance_id),
            "the card valid now"
        );
        assert_eq!(
            again.public_payment_ids,
            [pubs[0].public_payment_id],
            "ended 公費 dropped"
        );
        assert_eq!(again.label(&ins, &pubs), "保険 06130011 ＋ 公費 54136015");
        assert!(again.check(&ins, &pubs).is_empty());

        // Without insurance: the 公費 with a share, 公費単独.
        let welfare = [
            public(12, "12136014", Some(0)),
            public(13, "54136015", None),
        ];
        let only = default_coverage(&[], &welfare, None);
        assert_eq!(only.insurance_id, None);
        assert_eq!(only.public_payment_ids, [welfare[0].public_payment_id]);
        assert_eq!(only.label(&[], &welfare), "公費単独 12136014");

        // A visit from before 保険組合せ: the insurance and every 公費 with a share, as then.
        let old = legacy_coverage(&ins, &pubs);
        assert_eq!(old.insurance_id, Some(ins[0].insurance_id));
        assert_eq!(old.public_payment_ids.len(), 2);
    }

    #[test]
    fn a_choice_outside_the_days_cards_is_named() {
        let ins = [insurance(1, "06130011")];
        let pubs = [public(10, "54136015", Some(2))];
        let fields = |c: Coverage| -> Vec<String> {
            c.check(&ins, &pubs).into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(Coverage::default()), ["coverage"]);
        assert_eq!(
            fields(Coverage {
                insurance_id: Some(InsuranceId(Uuid::from_u128(7))),
                public_payment_ids: vec![pubs[0].public_payment_id, pubs[0].public_payment_id],
            }),
            ["coverage.insurance_id", "coverage.public_payment_ids"]
        );
        // Too many is said before anything else is looked at.
        let many = Coverage {
            insurance_id: None,
            public_payment_ids: (0..5)
                .map(|n| PublicPaymentId(Uuid::from_u128(n)))
                .collect(),
        };
        assert_eq!(
            many.check(&ins, &pubs)
                .into_iter()
                .map(|e| e.code)
                .collect::<Vec<_>>(),
            ["too_many"]
        );
        assert_eq!(
            fields(Coverage {
                insurance_id: None,
                public_payment_ids: vec![PublicPaymentId(Uuid::from_u128(8))],
            }),
            ["coverage.public_payment_ids"]
        );
    }
}
