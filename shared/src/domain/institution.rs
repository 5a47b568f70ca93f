//! 医療機関 identity: the 10-digit 医療機関コード and the institution's name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// 医療機関コード as used on claims (レセプト): 10 digits =
/// 都道府県番号 (2, 01–47) + 点数表番号 (1; `1` = 医科, `3` = 歯科) + 医療機関コード (7).
/// Source: 「診療報酬請求書等の記載要領等について」(昭和51年8月7日保険発第82号) 別紙1 Ⅰ第1-1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstitutionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InstitutionCodeError {
    #[error("医療機関コードは10桁の数字です")]
    NotTenDigits,
    #[error("都道府県番号（先頭2桁）は01〜47です")]
    Prefecture,
    #[error("点数表番号（3桁目）は1（医科）または3（歯科）です")]
    FeeTable,
}

impl InstitutionCode {
    /// Accepts half-width or full-width digits, with or without spaces/hyphens between groups.
    pub fn parse(input: &str) -> Result<Self, InstitutionCodeError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{3000}' | '-' | 'ー' | '－'))
            .map(super::japanese::halfwidth_digit)
            .collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InstitutionCodeError::NotTenDigits);
        }
        let prefecture: u8 = digits[..2]
            .parse()
            .map_err(|_| InstitutionCodeError::Prefecture)?;
        if !(1..=47).contains(&prefecture) {
            return Err(InstitutionCodeError::Prefecture);
        }
        if !matches!(&digits[2..3], "1" | "3") {
            return Err(InstitutionCodeError::FeeTable);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstitutionCode {
    type Error = InstitutionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InstitutionCode> for String {
    fn from(value: InstitutionCode) -> Self {
        value.0
    }
}

impl fmt::Display for InstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The institution's display name (医療機関名称), 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstitutionName(String);

impl InstitutionName {
    pub fn parse(input: &str) -> Result<Self, crate::domain::TextError> {
        crate::domain::user::clean_text(input, 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstitutionName {
    type Error = crate::domain::TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InstitutionName> for String {
    fn from(value: InstitutionName) -> Self {
        value.0
    }
}

/// `PUT /api/v1/institution/profile`: the institution's 所在地 and 電話番号 (as the 処方箋 prints
/// them), a new version based on the one the administrator saw (0: none yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionProfileInput {
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// 郵便番号, `123-4567` (digits of either width, with or without the hyphen).
    #[serde(default)]
    pub postal_code: String,
    /// 所在地 (JAHIS record 2: at most 50 characters).
    #[serde(default)]
    pub address: String,
    /// 電話番号 (JAHIS record 3: at most 13 characters: digits, `-`, `(`, `)`).
    #[serde(default)]
    pub phone: String,
    /// Required for a change (version 2 on).
    #[serde(default)]
    pub reason: String,
}

/// What [`InstitutionProfileInput::validate`] keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProfile {
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub reason: String,
}

impl InstitutionProfileInput {
    pub fn validate(&self) -> Result<ValidProfile, Vec<crate::domain::FieldError>> {
        use crate::domain::text::{check_text, Lines};
        use crate::domain::FieldError;
        let mut errors = Vec::new();
        let digits: String = self
            .postal_code
            .chars()
            .map(super::japanese::halfwidth_digit)
            .filter(|c| !matches!(c, '-' | 'ー' | '－' | ' ' | '\u{3000}'))
            .collect();
        let postal_code = if digits.is_empty() {
            String::new()
        } else if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!("{}-{}", &digits[..3], &digits[3..])
        } else {
            errors.push(FieldError::new(
                "postal_code",
                "invalid",
                "郵便番号は7桁の数字です",
            ));
            String::new()
        };
        let address = self.address.trim().to_string();
        if address.chars().count() > 50 {
            errors.push(FieldError::new(
                "address",
                "too_long",
                "所在地は50文字以内です",
            ));
        }
        errors.extend(check_text("address", &address, Lines::Single).err());
        let phone: String = self
            .phone
            .trim()
            .chars()
            .map(super::japanese::halfwidth_digit)
            .map(|c| match c {
                '－' | 'ー' => '-',
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect();
        if phone.chars().count() > 13
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')'))
        {
            errors.push(FieldError::new(
                "phone",
                "invalid",
                "電話番号は数字とハイフン・括弧で13文字以内です",
            ));
        }
        let reason =
            crate::domain::text::change_reason(&self.reason, self.base_version, &mut errors);
        if errors.is_empty() {
            Ok(ValidProfile {
                postal_code,
                address,
                phone,
                reason,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_normalised_and_checked() {
        let input = InstitutionProfileInput {
            base_version: 0,
            postal_code: "１１３００２１".into(),
            address: " 東京都文京区本駒込２－２８－１６ ".into(),
            phone: "０３－００００－００００".into(),
            reason: String::new(),
        };
        let v = input.validate().unwrap();
        assert_eq!(
            (v.postal_code.as_str(), v.address.as_str(), v.phone.as_str()),
            (
                "113-0021",
                "東京都文京区本駒込２－２８－１６",
                "03-0000-0000"
            )
        );
        let fields = |i: InstitutionProfileInput| -> Vec<String> {
            i.validate()
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(InstitutionProfileInput {
                postal_code: "12345".into(),
                phone: "03-0000-0000 内線1".into(),
                address: "あ".repeat(51),
                base_version: 1,
                ..input.clone()
            }),
            ["postal_code", "address", "phone", "reason"]
        );
    }

    #[test]
    fn accepts_ten_digits_and_normalises_width_and_separators() {
        for (input, want) in [
            ("1319999999", "1319999999"),
            ("１３１９９９９９９９", "1319999999"),
            ("13-1-9999999", "1319999999"),
            ("01 3 0000001", "0130000001"),
        ] {
            assert_eq!(
                InstitutionCode::parse(input).map(|c| c.0),
                Ok(want.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_wrong_shapes_with_the_reason() {
        for (input, want) in [
            ("", InstitutionCodeError::NotTenDigits),
            ("131999999", InstitutionCodeError::NotTenDigits),
            ("13199999990", InstitutionCodeError::NotTenDigits),
            ("13a9999999", InstitutionCodeError::NotTenDigits),
            ("0019999999", InstitutionCodeError::Prefecture),
            ("4819999999", InstitutionCodeError::Prefecture),
            ("1329999999", InstitutionCodeError::FeeTable),
        ] {
            assert_eq!(InstitutionCode::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<InstitutionCode>("\"1319999999\"").is_ok());
        assert!(serde_json::from_str::<InstitutionCode>("\"12\"").is_err());
    }
}
