//! A patient's insurances (保険) and public payments (公費), each with a validity period; the
//! ones valid on a date are found by date. Changes are versions, like patients.

use crate::domain::insurance::IncomeCategory;
pub use crate::domain::insurance::{
    InsuranceInput, PublicPaymentInput, Relationship, ValidInsurance, ValidPublicPayment,
};
use crate::ids::{InsuranceId, PublicPaymentId};
use serde::{Deserialize, Serialize};

/// `PUT /api/v1/patients/{id}/insurances/{insurance_id}`: a new version of an insurance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditInsurance {
    /// The version the edit was based on; a newer one makes the edit a conflict (409).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    #[serde(flatten)]
    pub insurance: InsuranceInput,
    #[serde(default)]
    pub reason: String,
}

/// `PUT /api/v1/patients/{id}/public-payments/{public_payment_id}`: a new version of a 公費.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditPublicPayment {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    #[serde(flatten)]
    pub public_payment: PublicPaymentInput,
    #[serde(default)]
    pub reason: String,
}

/// An insurance as stored, with the share that applies on the date it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceDetail {
    pub insurance_id: InsuranceId,
    pub version: i32,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub relationship: Relationship,
    pub acquired_on: Option<String>,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub income_category: IncomeCategory,
    pub burden_override: Option<u8>,
    /// 負担割合 on the asked date (割), and the rule behind it (or `card` when overridden).
    pub burden_tenths: u8,
    pub burden_rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPaymentDetail {
    pub public_payment_id: PublicPaymentId,
    pub version: i32,
    pub payer_number: String,
    /// 法別番号.
    pub houbetsu: String,
    pub recipient_number: Option<String>,
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// 自己負担の割合 (割) as recorded; `None`: not recorded, so 会計 does not apply it.
    #[serde(default)]
    pub patient_tenths: Option<u8>,
    /// 自己負担上限額 (月額, yen).
    #[serde(default)]
    pub monthly_cap: Option<i32>,
}

/// What covers the patient on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageOn {
    pub date: String,
    pub insurances: Vec<InsuranceDetail>,
    pub public_payments: Vec<PublicPaymentDetail>,
    /// The 保険組合せ last chosen per 診療科 (the default of the next check-in to it).
    #[serde(default)]
    pub last_used: Vec<crate::domain::coverage::LastCoverage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> InsuranceInput {
        InsuranceInput {
            insurer_number: "33120015".into(),
            symbol: "架空".into(),
            number: "１２３".into(),
            branch: "01".into(),
            relationship: Some(Relationship::Insured),
            acquired_on: "2020-04-01".into(),
            valid_from: "2020-04-01".into(),
            valid_until: String::new(),
            income_category: IncomeCategory::General,
            burden_override: None,
        }
    }

    #[test]
    fn a_card_validates_with_full_width_digits() {
        let v = valid().validate().unwrap();
        assert_eq!(v.number, "123");
        assert_eq!(v.valid_until, None);
    }

    #[test]
    fn each_wrong_field_is_explained() {
        let bad = InsuranceInput {
            insurer_number: "33120016".into(),
            number: String::new(),
            branch: "1a".into(),
            relationship: None,
            valid_from: "2020-04-01".into(),
            valid_until: "2019-01-01".into(),
            burden_override: Some(4),
            ..valid()
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "insurer_number",
                "number",
                "branch",
                "relationship",
                "valid_until",
                "burden_override"
            ]
        );
        assert!(
            errors[0].message.contains("検証番号"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn public_payments_check_both_numbers() {
        let ok = PublicPaymentInput {
            payer_number: "54016027".into(),
            recipient_number: String::new(),
            valid_from: "2026-01-01".into(),
            valid_until: "2026-12-31".into(),
            patient_tenths: String::new(),
            monthly_cap: String::new(),
        };
        assert!(ok.validate().is_ok());
        let shared_ok = PublicPaymentInput {
            patient_tenths: "１".into(),
            monthly_cap: "10,000".into(),
            ..ok.clone()
        }
        .validate()
        .unwrap();
        assert_eq!(
            (shared_ok.patient_tenths, shared_ok.monthly_cap),
            (Some(1), Some(10_000))
        );
        for (tenths, cap, field) in [("4", "", "patient_tenths"), ("1", "-5", "monthly_cap")] {
            let bad = PublicPaymentInput {
                patient_tenths: tenths.into(),
                monthly_cap: cap.into(),
                ..ok.clone()
            };
            let errors = bad.validate().unwrap_err();
            assert_eq!(errors[0].field, field, "{tenths} {cap}");
        }
        let bad = PublicPaymentInput {
            payer_number: "5401602".into(),
            recipient_number: "1234567".into(),
            ..ok
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["payer_number", "recipient_number"]);
    }
}
