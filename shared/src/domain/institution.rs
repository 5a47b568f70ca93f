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

#[cfg(test)]
mod tests {
    use super::*;

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
