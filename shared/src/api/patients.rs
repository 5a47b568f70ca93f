//! Patients (患者): registration, versioned edits, search. Every change is a new version with
//! who and when; nothing is overwritten.

use crate::domain::japanese::{is_kana, normalize_kana, parse_date};
pub use crate::domain::patient::{PatientInput, Sex, ValidPatient};
use crate::ids::{PatientId, UserId};
use serde::{Deserialize, Serialize};
use time::Date;

/// `POST /api/v1/patients`. Without `confirm_duplicate`, a patient whose kana or name and
/// birth date match an existing one is refused with `duplicate_suspected`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterPatient {
    #[serde(flatten)]
    pub patient: PatientInput,
    #[serde(default)]
    pub confirm_duplicate: bool,
}

/// `PUT /api/v1/patients/{id}`: a new version based on `base_version`; a stale base is a
/// conflict, never a silent overwrite.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdatePatient {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    #[serde(flatten)]
    pub patient: PatientInput,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetail {
    pub patient_id: PatientId,
    pub patient_number: String,
    pub version: i32,
    pub name: String,
    pub kana: String,
    pub sex: Sex,
    pub birth_date: String,
    pub birth_date_wareki: String,
    pub address: String,
    pub phone: String,
    pub notes: String,
    /// RFC 3339, when this version was written, and by whom (user id).
    pub updated_at: String,
    pub updated_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub patient_id: PatientId,
    pub patient_number: String,
    pub name: String,
    pub kana: String,
    pub sex: Sex,
    pub birth_date: String,
    pub phone: String,
}

/// One version in a patient's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientVersion {
    pub version: i32,
    pub name: String,
    pub kana: String,
    pub sex: Sex,
    pub birth_date: String,
    pub address: String,
    pub phone: String,
    pub notes: String,
    pub author_user_id: Option<UserId>,
    pub created_at: String,
    pub reason: String,
}

/// What a search box entry means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientQuery {
    /// Digits only, up to 10: a patient number (or its beginning).
    Number(String),
    /// A phone number: starts with 0 and has 6 or more digits with hyphens, or 11 digits.
    Phone(String),
    /// Ten digits from 0 without hyphens: a landline (`0312345678`) or a ten-digit patient
    /// number with leading zeros; both are searched, numbers first.
    NumberOrPhone(String),
    /// A birth date (`YYYY-MM-DD`, or 和暦 as [`parse_date`] reads it).
    BirthDate(Date),
    /// カナ (any width, either kana), normalised: matches the beginning of the カナ.
    Kana(String),
    /// Anything else: the beginning of the name (漢字).
    Name(String),
}

impl PatientQuery {
    /// `None` for an empty query.
    pub fn classify(input: &str) -> Option<Self> {
        let q = input.trim();
        if q.is_empty() {
            return None;
        }
        // A date typed with separators, an era or its name (`1980-04-01`, `S55.4.1`,
        // `昭和55年4月1日`); digits alone stay a patient number or a phone number.
        let all_digits = q
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
        if let Some(date) = parse_date(q).filter(|_| !all_digits) {
            return Some(Self::BirthDate(date));
        }
        let digits: String = q
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
                _ => None,
            })
            .collect();
        let only_number_chars = q
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || "-－ ".contains(c));
        if only_number_chars && !digits.is_empty() {
            // Phone numbers: 0 and 6 or more digits with hyphens; without, 11 digits (携帯);
            // ten digits from 0 are a landline or a patient number with leading zeros.
            if digits.starts_with('0') && digits.len() >= 6 && q.contains(['-', '－'])
                || digits.len() > 10
            {
                return Some(Self::Phone(digits));
            }
            if digits.len() == 10 && digits.starts_with('0') {
                return Some(Self::NumberOrPhone(digits));
            }
            return Some(Self::Number(digits));
        }
        if is_kana(q) {
            return Some(Self::Kana(normalize_kana(q)));
        }
        Some(Self::Name(
            q.chars().filter(|c| !c.is_whitespace()).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> PatientInput {
        PatientInput {
            patient_number: String::new(),
            name: "架空 太郎".into(),
            kana: "カクウ タロウ".into(),
            sex: Some(Sex::Male),
            birth_date: "1980-06-15".into(),
            address: "東京都架空区1-2-3".into(),
            phone: "03-0000-0000".into(),
            notes: String::new(),
        }
    }

    #[test]
    fn a_complete_patient_validates_and_normalises() {
        let v = input().validate(date!(2026 - 11 - 24)).unwrap();
        assert_eq!(v.kana_normalized, "カクウタロウ");
        assert_eq!(v.phone_digits, "0300000000");
        assert_eq!(v.patient_number, None);
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let bad = PatientInput {
            patient_number: "12a".into(),
            name: " ".into(),
            kana: "山田".into(),
            sex: None,
            birth_date: "2030-01-01".into(),
            phone: "call me".into(),
            ..input()
        };
        let fields: Vec<String> = bad
            .validate(date!(2026 - 11 - 24))
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "patient_number",
                "name",
                "kana",
                "sex",
                "birth_date",
                "phone"
            ]
        );
    }

    #[test]
    fn search_queries_are_classified() {
        let cases = [
            ("00123", Some(PatientQuery::Number("00123".into()))),
            ("１２３", Some(PatientQuery::Number("123".into()))),
            (
                "03-1234-5678",
                Some(PatientQuery::Phone("0312345678".into())),
            ),
            (
                "09012345678",
                Some(PatientQuery::Phone("09012345678".into())),
            ),
            (
                "1980-06-15",
                Some(PatientQuery::BirthDate(date!(1980 - 06 - 15))),
            ),
            // 和暦 as typed at the front desk; digits alone stay a number.
            (
                "S55.6.15",
                Some(PatientQuery::BirthDate(date!(1980 - 06 - 15))),
            ),
            (
                "昭和55年6月15日",
                Some(PatientQuery::BirthDate(date!(1980 - 06 - 15))),
            ),
            ("3550615", Some(PatientQuery::Number("3550615".into()))),
            // Ten digits from 0 without hyphens: a landline or a long patient number; eleven
            // are a phone number; ten not from 0 a patient number.
            (
                "0312345678",
                Some(PatientQuery::NumberOrPhone("0312345678".into())),
            ),
            (
                "1234567890",
                Some(PatientQuery::Number("1234567890".into())),
            ),
            (
                "09012345678",
                Some(PatientQuery::Phone("09012345678".into())),
            ),
            ("ｶｸｳ", Some(PatientQuery::Kana("カクウ".into()))),
            (
                "かくう たろう",
                Some(PatientQuery::Kana("カクウタロウ".into())),
            ),
            ("架空 太", Some(PatientQuery::Name("架空太".into()))),
            ("  ", None),
        ];
        for (q, want) in cases {
            assert_eq!(PatientQuery::classify(q), want, "{q:?}");
        }
    }
}
