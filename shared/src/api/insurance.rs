//! A patient's insurances (保険) and public payments (公費), each with a validity period; the
//! ones valid on a date are found by date. Changes are versions, like patients.

use crate::api::FieldError;
use crate::domain::insurance::{IncomeCategory, InsurerNumber, PublicPayerNumber, RecipientNumber};
use crate::domain::japanese::parse_date;
use serde::{Deserialize, Serialize};
use time::Date;

/// 本人 or 家族 (被保険者との続柄).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// 本人 (被保険者)
    Insured,
    /// 家族 (被扶養者)
    Dependent,
}

impl Relationship {
    pub fn code(self) -> &'static str {
        match self {
            Self::Insured => "insured",
            Self::Dependent => "dependent",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "insured" => Some(Self::Insured),
            "dependent" => Some(Self::Dependent),
            _ => None,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Insured => "本人",
            Self::Dependent => "家族",
        }
    }
}

/// `POST /api/v1/patients/{id}/insurances` (and the body of an edit).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InsuranceInput {
    pub insurer_number: String,
    /// 記号 (may be empty, e.g. 国保 without one).
    #[serde(default)]
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 (2 digits, since 2021 on new cards; may be empty).
    #[serde(default)]
    pub branch: String,
    pub relationship: Option<Relationship>,
    /// 資格取得日, `YYYY-MM-DD` (may be empty).
    #[serde(default)]
    pub acquired_on: String,
    /// First day valid, `YYYY-MM-DD`.
    pub valid_from: String,
    /// 有効期限 (last valid day), `YYYY-MM-DD`; empty for none.
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub income_category: IncomeCategory,
    /// 負担割合 written on the card when it differs from the rule (1, 2 or 3 割); empty to derive.
    #[serde(default)]
    pub burden_override: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInsurance {
    pub insurer_number: InsurerNumber,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub relationship: Relationship,
    pub acquired_on: Option<Date>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub income_category: IncomeCategory,
    pub burden_override: Option<u8>,
}

/// `POST /api/v1/patients/{id}/public-payments`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublicPaymentInput {
    pub payer_number: String,
    /// 受給者番号 (some programmes, e.g. 生活保護, have none on the card).
    #[serde(default)]
    pub recipient_number: String,
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    /// 自己負担の割合 on the 受給者証, in 割 (`0`–`3`); blank = not recorded (not applied).
    #[serde(default)]
    pub patient_tenths: String,
    /// 自己負担上限額 (月額, yen); blank = no cap.
    #[serde(default)]
    pub monthly_cap: String,
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPublicPayment {
    pub payer_number: PublicPayerNumber,
    pub recipient_number: Option<RecipientNumber>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub patient_tenths: Option<u8>,
    pub monthly_cap: Option<i32>,
}

fn period(from: &str, until: &str, errors: &mut Vec<FieldError>) -> (Option<Date>, Option<Date>) {
    let valid_from = parse_date(from);
    if valid_from.is_none() {
        errors.push(FieldError::new(
            "valid_from",
            "invalid",
            "有効開始日を YYYY-MM-DD で入力してください",
        ));
    }
    let valid_until = if until.trim().is_empty() {
        None
    } else {
        match parse_date(until) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    "valid_until",
                    "invalid",
                    "有効期限を YYYY-MM-DD で入力してください",
                ));
                None
            }
        }
    };
    if let (Some(f), Some(u)) = (valid_from, valid_until) {
        if u < f {
            errors.push(FieldError::new(
                "valid_until",
                "before_start",
                "有効期限が開始日より前です",
            ));
        }
    }
    (valid_from, valid_until)
}

fn card_text(
    field: &str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if required && v.is_empty() {
        errors.push(FieldError::new(
            field,
            "required",
            format!("{label}を入力してください"),
        ));
    } else if v.chars().count() > max
        || v.chars()
            .any(|c| crate::domain::text::is_forbidden(c, crate::domain::text::Lines::Single))
    {
        errors.push(FieldError::new(
            field,
            "invalid",
            format!("{label}が正しくありません"),
        ));
    }
    v
}

impl InsuranceInput {
    pub fn validate(&self) -> Result<ValidInsurance, Vec<FieldError>> {
        let mut errors = Vec::new();
        let insurer = InsurerNumber::parse(&self.insurer_number)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "insurer_number",
                    "invalid",
                    format!("保険者番号: {e}"),
                ))
            })
            .ok();
        let symbol = card_text("symbol", "記号", &self.symbol, false, 20, &mut errors);
        let number = card_text("number", "番号", &self.number, true, 20, &mut errors);
        let branch = card_text("branch", "枝番", &self.branch, false, 2, &mut errors);
        if !branch.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new("branch", "invalid", "枝番は2桁の数字です"));
        }
        if self.relationship.is_none() {
            errors.push(FieldError::new(
                "relationship",
                "required",
                "本人・家族を選んでください",
            ));
        }
        let acquired_on = if self.acquired_on.trim().is_empty() {
            None
        } else {
            let d = parse_date(&self.acquired_on);
            if d.is_none() {
                errors.push(FieldError::new(
                    "acquired_on",
                    "invalid",
                    "資格取得日を YYYY-MM-DD で入力してください",
                ));
            }
            d
        };
        let (valid_from, valid_until) = period(&self.valid_from, &self.valid_until, &mut errors);
        if let Some(o) = self.burden_override {
            if !(1..=3).contains(&o) {
                errors.push(FieldError::new(
                    "burden_override",
                    "invalid",
                    "負担割合は1〜3割です",
                ));
            }
        }
        match (errors.is_empty(), insurer, self.relationship, valid_from) {
            (true, Some(insurer_number), Some(relationship), Some(valid_from)) => {
                Ok(ValidInsurance {
                    insurer_number,
                    symbol,
                    number,
                    branch,
                    relationship,
                    acquired_on,
                    valid_from,
                    valid_until,
                    income_category: self.income_category,
                    burden_override: self.burden_override,
                })
            }
            _ => Err(errors),
        }
    }
}

impl PublicPaymentInput {
    pub fn validate(&self) -> Result<ValidPublicPayment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let payer = PublicPayerNumber::parse(&self.payer_number)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "payer_number",
                    "invalid",
                    format!("公費負担者番号: {e}"),
                ))
            })
            .ok();
        let recipient = if self.recipient_number.trim().is_empty() {
            None
        } else {
            RecipientNumber::parse(&self.recipient_number)
                .map_err(|e| {
                    errors.push(FieldError::new(
                        "recipient_number",
                        "invalid",
                        format!("受給者番号: {e}"),
                    ))
                })
                .ok()
        };
        let (valid_from, valid_until) = period(&self.valid_from, &self.valid_until, &mut errors);
        let digits = |s: &str| crate::domain::japanese::to_halfwidth_digits(s.trim());
        let patient_tenths = match digits(&self.patient_tenths).as_str() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if n <= 3 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "patient_tenths",
                        "invalid",
                        "自己負担の割合は0〜3割で入力してください（受給者証の記載どおり）",
                    ));
                    None
                }
            },
        };
        let monthly_cap = match digits(&self.monthly_cap).replace([',', '，'], "").as_str() {
            "" => None,
            c => match c.parse::<i32>() {
                Ok(n) if (0..=1_000_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "monthly_cap",
                        "invalid",
                        "自己負担上限額（月額）は0〜1,000,000円で入力してください",
                    ));
                    None
                }
            },
        };
        match (errors.is_empty(), payer, valid_from) {
            (true, Some(payer_number), Some(valid_from)) => Ok(ValidPublicPayment {
                payer_number,
                recipient_number: recipient,
                valid_from,
                valid_until,
                patient_tenths,
                monthly_cap,
            }),
            _ => Err(errors),
        }
    }
}

/// An insurance as stored, with the share that applies on the date it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceDetail {
    pub insurance_id: String,
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
    pub public_payment_id: String,
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
