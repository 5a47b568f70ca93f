//! アレルギー・禁忌: what the patient reacts to, kept as versions like every chart record, and
//! its validation. A drug allergy names the substance as text and, where the doctor picked it
//! from the 医薬品 master, its 成分 (the first seven characters of the 薬価基準収載医薬品コード
//! or 一般名コード) or a wider 薬効分類 (the first four), which the order checks match against
//! what is ordered ([`super::order::safety`]). No IO.

use crate::domain::text::{check_text, Lines};
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergyKind {
    /// 薬剤 (アレルギー・禁忌).
    Drug,
    /// 食物.
    Food,
    /// その他 (ラテックス、造影剤 …).
    Other,
    /// 感染症 (HBV・HCV・梅毒・HIV・MRSA …): not an allergy, but on the same list of what every
    /// screen about the patient must show (the banner), for the staff's and other patients'
    /// safety.
    Infection,
}

impl AllergyKind {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Drug => "薬剤",
            Self::Food => "食物",
            Self::Other => "その他",
            Self::Infection => "感染症",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
    Unknown,
}

impl Severity {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Mild => "軽度",
            Self::Moderate => "中等度",
            Self::Severe => "重度",
            Self::Unknown => "不明",
        }
    }
}

/// Where the information came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySource {
    /// 本人申告.
    Patient,
    /// 家族申告.
    Family,
    /// 紹介状・他院情報.
    Referral,
    /// 当院で確認.
    Observed,
    Other,
}

impl AllergySource {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Patient => "本人申告",
            Self::Family => "家族申告",
            Self::Referral => "紹介状・他院情報",
            Self::Observed => "当院で確認",
            Self::Other => "その他",
        }
    }
}

/// `POST /patients/{id}/allergies` (base_version 0) and `PUT /allergies/{id}` (a new version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllergyInput {
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub kind: AllergyKind,
    /// The substance as written (薬剤名・成分名・食品名).
    pub substance: String,
    /// The 医薬品コード picked, if any (shown; the match uses `ingredient`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug_code: Option<String>,
    /// 成分 (7 digits) or 薬効分類 (4 digits) to match ordered drugs against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingredient: Option<String>,
    pub severity: Severity,
    pub source: AllergySource,
    /// 症状 (発疹, アナフィラキシー …).
    #[serde(default)]
    pub reaction: String,
    /// `false` retires the entry (解除, e.g. recorded in error or outgrown); kept as a version.
    #[serde(default = "yes")]
    pub active: bool,
    /// Required for a change (version 2 on).
    #[serde(default)]
    pub reason: String,
}

fn yes() -> bool {
    true
}

pub const SUBSTANCE_MAX: usize = 60;
pub const REACTION_MAX: usize = 200;

/// What [`AllergyInput::validate`] keeps: trimmed texts and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAllergy {
    pub substance: String,
    pub drug_code: Option<String>,
    pub ingredient: Option<String>,
    pub reaction: String,
    pub reason: String,
}

impl AllergyInput {
    pub fn validate(&self) -> Result<ValidAllergy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let substance = self.substance.trim().to_string();
        if substance.is_empty() || substance.chars().count() > SUBSTANCE_MAX {
            errors.push(FieldError::new(
                "substance",
                "invalid",
                format!("物質名を{SUBSTANCE_MAX}文字以内で入力してください"),
            ));
        }
        errors.extend(check_text("substance", &substance, Lines::Single).err());
        let reaction = self.reaction.trim().to_string();
        if reaction.chars().count() > REACTION_MAX {
            errors.push(FieldError::new(
                "reaction",
                "too_long",
                format!("症状は{REACTION_MAX}文字以内です"),
            ));
        }
        errors.extend(check_text("reaction", &reaction, Lines::Single).err());
        let drug_code = self.drug_code.clone().filter(|c| !c.is_empty());
        if let Some(code) = &drug_code {
            if !crate::billing::is_master_code(code) {
                errors.push(FieldError::new(
                    "drug_code",
                    "invalid",
                    "医薬品コードは9桁です",
                ));
            }
        }
        let ingredient = self.ingredient.clone().filter(|c| !c.is_empty());
        if let Some(key) = &ingredient {
            if !(key.len() == 4 || key.len() == 7) || !key.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(FieldError::new(
                    "ingredient",
                    "invalid",
                    "成分は7桁、薬効分類は4桁の数字です",
                ));
            }
        }
        if self.kind != AllergyKind::Drug && (drug_code.is_some() || ingredient.is_some()) {
            errors.push(FieldError::new(
                "kind",
                "invalid",
                "医薬品コード・成分は薬剤アレルギーにだけ指定できます",
            ));
        }
        let reason =
            crate::domain::text::change_reason(&self.reason, self.base_version, &mut errors);
        if self.base_version == 0 && !self.active {
            errors.push(FieldError::new(
                "active",
                "invalid",
                "新しい登録は有効な状態で行います",
            ));
        }
        if errors.is_empty() {
            Ok(ValidAllergy {
                substance,
                drug_code,
                ingredient,
                reaction,
                reason,
            })
        } else {
            Err(errors)
        }
    }
}

/// The 成分 key of a drug: the first seven characters of its 薬価基準収載医薬品コード (YJ-type code:
/// 4 薬効分類 + 3 成分), or of its 一般名コード when it has no such code.
pub fn ingredient_key<'a>(
    nhi_code: Option<&'a str>,
    generic_code: Option<&'a str>,
) -> Option<&'a str> {
    [nhi_code, generic_code]
        .into_iter()
        .flatten()
        .find(|c| c.len() >= 7 && c.as_bytes()[..7].iter().all(u8::is_ascii_digit))
        .map(|c| &c[..7])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AllergyInput {
        AllergyInput {
            base_version: 0,
            kind: AllergyKind::Drug,
            substance: " ロキソプロフェン ".into(),
            drug_code: Some("620098801".into()),
            ingredient: Some("1149019".into()),
            severity: Severity::Moderate,
            source: AllergySource::Patient,
            reaction: "発疹".into(),
            active: true,
            reason: String::new(),
        }
    }

    fn fields(i: AllergyInput) -> Vec<String> {
        i.validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_drug_allergy_keeps_its_trimmed_substance_and_ingredient() {
        let v = input().validate().unwrap();
        assert_eq!(v.substance, "ロキソプロフェン");
        assert_eq!(v.ingredient.as_deref(), Some("1149019"));
    }

    #[test]
    fn bad_allergies_name_their_field() {
        assert_eq!(
            fields(AllergyInput {
                substance: " ".into(),
                ..input()
            }),
            ["substance"]
        );
        assert_eq!(
            fields(AllergyInput {
                ingredient: Some("11490".into()),
                ..input()
            }),
            ["ingredient"]
        );
        assert_eq!(
            fields(AllergyInput {
                kind: AllergyKind::Food,
                ..input()
            }),
            ["kind"]
        );
        assert_eq!(
            fields(AllergyInput {
                base_version: 2,
                ..input()
            }),
            ["reason"]
        );
        assert_eq!(
            fields(AllergyInput {
                active: false,
                ..input()
            }),
            ["active"]
        );
        assert_eq!(
            fields(AllergyInput {
                reaction: "a\nb".into(),
                ..input()
            }),
            ["reaction"]
        );
    }

    #[test]
    fn the_ingredient_key_is_the_first_seven_digits() {
        assert_eq!(ingredient_key(Some("2171022F1010"), None), Some("2171022"));
        assert_eq!(ingredient_key(None, Some("1149019F1ZZZ")), Some("1149019"));
        assert_eq!(
            ingredient_key(Some(""), Some("1149019F1ZZZ")),
            Some("1149019")
        );
        assert_eq!(ingredient_key(None, None), None);
    }
}
