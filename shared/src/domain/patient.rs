//! A patient's registration details as entered (氏名, カナ, 生年月日, 性別, 住所, 電話, メモ)
//! and their validation: the same checks in the browser as the clerk types and in the server.

use crate::domain::japanese::{is_kana, katakana, normalize_kana, parse_date};
use crate::domain::text::{self, Lines};
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "male" => Some(Self::Male),
            "female" => Some(Self::Female),
            _ => None,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Male => "男",
            Self::Female => "女",
        }
    }
}

/// The fields a receptionist enters. Strings as typed; [`PatientInput::validate`] checks them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PatientInput {
    /// 患者番号: digits, unique in the institution; empty to have the next one assigned.
    #[serde(default)]
    pub patient_number: String,
    pub name: String,
    pub kana: String,
    pub sex: Option<Sex>,
    /// `YYYY-MM-DD` (西暦).
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub notes: String,
}

/// A [`PatientInput`] that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPatient {
    pub patient_number: Option<String>,
    pub name: String,
    pub kana: String,
    pub kana_normalized: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub address: String,
    pub phone: String,
    pub phone_digits: String,
    pub notes: String,
}

/// A trimmed text field: required or not, at most `max` characters, no control characters
/// (tab and line breaks only where `lines` is multi-line: [`text::check_text`]). Problems go to
/// `errors`.
pub(crate) fn text(
    field: &str,
    value: &str,
    required: bool,
    max: usize,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, "required", "入力してください"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("{max}文字以内で入力してください"),
        ));
    } else if let Err(e) = text::check_text(field, v, lines) {
        errors.push(e);
    }
    v.to_string()
}

impl PatientInput {
    /// Checks every field against `today` (birth dates in the future are refused).
    pub fn validate(&self, today: Date) -> Result<ValidPatient, Vec<FieldError>> {
        let mut errors = Vec::new();
        let number = self.patient_number.trim();
        let patient_number = if number.is_empty() {
            None
        } else if number.len() > 10 || !number.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new(
                "patient_number",
                "invalid",
                "患者番号は10桁以内の数字です",
            ));
            None
        } else {
            Some(number.to_string())
        };
        let name = text("name", &self.name, true, 64, Lines::Single, &mut errors);
        let kana = text("kana", &self.kana, true, 64, Lines::Single, &mut errors);
        if !kana.is_empty() && !is_kana(&kana) {
            errors.push(FieldError::new(
                "kana",
                "not_kana",
                "カナはカタカナまたはひらがなで入力してください",
            ));
        }
        let sex = self.sex;
        if sex.is_none() {
            errors.push(FieldError::new("sex", "required", "性別を選んでください"));
        }
        let birth_date = parse_date(&self.birth_date);
        match birth_date {
            None => errors.push(FieldError::new(
                "birth_date",
                "invalid",
                "生年月日は YYYY-MM-DD で入力してください",
            )),
            Some(d) if d > today => errors.push(FieldError::new(
                "birth_date",
                "future",
                "生年月日が未来の日付です",
            )),
            Some(d) if today.year() - d.year() > 130 => errors.push(FieldError::new(
                "birth_date",
                "implausible",
                "生年月日を確認してください",
            )),
            Some(_) => {}
        }
        let address = text(
            "address",
            &self.address,
            false,
            200,
            Lines::Single,
            &mut errors,
        );
        let phone = text("phone", &self.phone, false, 20, Lines::Single, &mut errors);
        if !phone
            .chars()
            .all(|c| c.is_ascii_digit() || "-()+ ".contains(c))
        {
            errors.push(FieldError::new(
                "phone",
                "invalid",
                "電話番号は数字とハイフンで入力してください",
            ));
        }
        let notes = text("notes", &self.notes, false, 2000, Lines::Multi, &mut errors);
        match (errors.is_empty(), sex, birth_date) {
            (true, Some(sex), Some(birth_date)) => Ok(ValidPatient {
                patient_number,
                kana_normalized: normalize_kana(&kana),
                name,
                kana: katakana(&kana),
                sex,
                birth_date,
                phone_digits: phone.chars().filter(char::is_ascii_digit).collect(),
                address,
                phone,
                notes,
            }),
            _ => Err(errors),
        }
    }
}
