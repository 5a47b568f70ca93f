//! 傷病名 as entered: the input, what can be checked without the masters (dates, 転帰 and 終了日,
//! the number of 修飾語, a 未コード化 name) and the name composed from the master records
//! (修飾語 before and after the 傷病名). The same checks run in the app as the doctor types and in
//! the server before it stores; the server adds the lookups in the masters of the start date.
//! No IO.

use super::japanese::parse_date;
use super::FieldError;
use crate::masters::ModifierPosition;
use serde::{Deserialize, Serialize};
use time::Date;

/// Most 修飾語 one 傷病名 may carry.
pub const MAX_MODIFIERS: usize = 8;
/// Longest 傷病名 (composed or 未コード化), in characters.
pub const NAME_MAX: usize = 100;

/// A 傷病名 outcome (転帰).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 治癒.
    Cured,
    /// 死亡.
    Died,
    /// 中止.
    Stopped,
    /// 転医.
    Transferred,
}

impl Outcome {
    pub const ALL: [Self; 4] = [Self::Cured, Self::Died, Self::Stopped, Self::Transferred];

    pub fn code(self) -> &'static str {
        match self {
            Self::Cured => "cured",
            Self::Died => "died",
            Self::Stopped => "stopped",
            Self::Transferred => "transferred",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Cured => "治癒",
            Self::Died => "死亡",
            Self::Stopped => "中止",
            Self::Transferred => "転医",
        }
    }
}

/// A diagnosis as entered (`POST /patients/{id}/diagnoses`, `PUT /diagnoses/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisInput {
    /// 傷病名コード (7 digits) from the master; empty for 未コード化傷病名.
    #[serde(default)]
    pub disease_code: String,
    /// 修飾語コード (4 digits each), prefixes and suffixes in the order they are read.
    #[serde(default)]
    pub modifier_codes: Vec<String>,
    /// The name for 未コード化傷病名 (ignored when a code is given).
    #[serde(default)]
    pub free_name: String,
    #[serde(default)]
    pub is_main: bool,
    #[serde(default)]
    pub suspected: bool,
    pub start_date: String,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub end_date: String,
    /// For a change: the version it was based on, and why.
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    #[serde(default)]
    pub reason: String,
}

/// A diagnosis that passed [`DiagnosisInput::validate`]: `code` is `None` for a 未コード化傷病名,
/// whose name is then `free_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDiagnosis {
    pub code: Option<String>,
    pub modifiers: Vec<String>,
    pub free_name: Option<String>,
    pub start: Date,
    pub end: Option<Date>,
}

impl DiagnosisInput {
    /// Everything that can be checked without the masters, each problem named by its field.
    pub fn validate(&self) -> Result<CheckedDiagnosis, Vec<FieldError>> {
        let mut errors = Vec::new();
        let date = |field: &str, raw: &str, errors: &mut Vec<FieldError>| {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    field,
                    "invalid",
                    "日付は YYYY-MM-DD で指定してください",
                ));
            }
            parsed
        };
        let start = date("start_date", &self.start_date, &mut errors);
        let end = match self.end_date.trim() {
            "" => None,
            raw => date("end_date", raw, &mut errors),
        };
        let end_given = !self.end_date.trim().is_empty();
        // The pairing is checked only for an end date that reads (one error per field).
        let end_unreadable = end_given && end.is_none();
        if !end_unreadable && self.outcome.is_some() != end_given {
            errors.push(FieldError::new(
                "end_date",
                "invalid",
                "転帰と終了日は両方入力するか、両方空にしてください",
            ));
        } else if let (Some(s), Some(e)) = (start, end) {
            if e < s && !end_unreadable {
                errors.push(FieldError::new(
                    "end_date",
                    "invalid",
                    "終了日は開始日以降にしてください",
                ));
            }
        }
        let code = self.disease_code.trim();
        if self.modifier_codes.len() > MAX_MODIFIERS && !code.is_empty() {
            errors.push(FieldError::new(
                "modifier_codes",
                "invalid",
                format!("修飾語は{MAX_MODIFIERS}つまでです"),
            ));
        }
        let mut free_name = None;
        if code.is_empty() {
            // 未コード化傷病名: free text, no modifiers (they belong to coded names).
            match super::clean_text(&self.free_name, NAME_MAX) {
                Ok(name) => free_name = Some(name),
                Err(e) => errors.push(FieldError::new("free_name", "invalid", e.to_string())),
            }
            if !self.modifier_codes.is_empty() {
                errors.push(FieldError::new(
                    "modifier_codes",
                    "invalid",
                    "未コード化傷病名には修飾語を付けられません",
                ));
            }
        }
        match start {
            Some(start) if errors.is_empty() => Ok(CheckedDiagnosis {
                code: (!code.is_empty()).then(|| code.to_string()),
                modifiers: self.modifier_codes.clone(),
                free_name,
                start,
                end,
            }),
            _ => Err(errors),
        }
    }
}

/// The full name of a coded 傷病名 (`disease_name` from its master row): its 修飾語 in the order
/// given, prefixes before the name and suffixes after it ([`ModifierPosition::of_code`]), at most
/// [`NAME_MAX`] characters (refused, never cut). `name_of` gives a modifier code's name in the masters of the start
/// date; a code without one, or a 歯科部位 modifier, is refused (field `modifier_codes`).
pub fn compose_name<'a>(
    disease_name: &str,
    codes: &[String],
    name_of: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, FieldError> {
    let mut prefix = String::new();
    let mut suffix = String::new();
    for code in codes {
        let Some(name) = name_of(code) else {
            return Err(FieldError::new(
                "modifier_codes",
                "invalid",
                format!(
                    "修飾語コード {} は開始日に有効な修飾語マスターにありません",
                    code.chars().take(8).collect::<String>()
                ),
            ));
        };
        match ModifierPosition::of_code(code) {
            ModifierPosition::Prefix => prefix.push_str(name),
            ModifierPosition::Suffix => suffix.push_str(name),
            ModifierPosition::DentalSite => {
                return Err(FieldError::new(
                    "modifier_codes",
                    "invalid",
                    "歯科部位の修飾語は使えません",
                ))
            }
        }
    }
    let name = format!("{prefix}{disease_name}{suffix}");
    if name.chars().count() > NAME_MAX {
        return Err(FieldError::new(
            "modifier_codes",
            "too_long",
            format!("修飾語を含めた傷病名は{NAME_MAX}文字までです"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> DiagnosisInput {
        serde_json::from_value(json).expect("input")
    }

    fn fields(json: serde_json::Value) -> Vec<String> {
        match input(json).validate() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn each_problem_is_named_by_its_field() {
        use serde_json::json;
        for (body, expected) in [
            (
                json!({"free_name": "架空病", "start_date": "2026-01-01"}),
                vec![],
            ),
            (
                json!({"free_name": "", "start_date": "2026-01-01"}),
                vec!["free_name"],
            ),
            (
                json!({"free_name": "x", "start_date": "someday"}),
                vec!["start_date"],
            ),
            (
                json!({"free_name": "x", "start_date": "2026-01-01", "outcome": "cured"}),
                vec!["end_date"],
            ),
            (
                json!({"free_name": "x", "start_date": "2026-01-05", "outcome": "cured", "end_date": "2026-01-01"}),
                vec!["end_date"],
            ),
            (
                json!({"free_name": "x", "start_date": "2026-01-01", "modifier_codes": ["1001"]}),
                vec!["modifier_codes"],
            ),
            (
                json!({"disease_code": "4939008", "start_date": "2026-01-01",
                       "modifier_codes": ["1", "2", "3", "4", "5", "6", "7", "8", "9"]}),
                vec!["modifier_codes"],
            ),
            (
                json!({"free_name": "", "start_date": "x", "outcome": "died"}),
                vec!["start_date", "end_date", "free_name"],
            ),
            (
                json!({"free_name": "x", "start_date": "2026-01-01", "end_date": "x"}),
                vec!["end_date"],
            ),
            (
                json!({"free_name": "x", "start_date": "2026-01-01",
                       "modifier_codes": ["1", "2", "3", "4", "5", "6", "7", "8", "9"]}),
                vec!["modifier_codes"],
            ),
        ] {
            assert_eq!(fields(body.clone()), expected, "{body}");
        }
    }

    #[test]
    fn a_coded_name_takes_its_modifiers_before_and_after() {
        let names = [("1001", "本態性"), ("8002", "の疑い"), ("9001", "右上")];
        let name_of = |code: &str| names.iter().find(|(c, _)| *c == code).map(|(_, n)| *n);
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            compose_name("高血圧症", &codes(&["8002", "1001"]), name_of).unwrap(),
            "本態性高血圧症の疑い"
        );
        assert_eq!(
            compose_name("高血圧症", &codes(&["9999"]), name_of)
                .unwrap_err()
                .field,
            "modifier_codes"
        );
        assert_eq!(
            compose_name("高血圧症", &codes(&["9001"]), name_of)
                .unwrap_err()
                .message,
            "歯科部位の修飾語は使えません"
        );
        let long = "あ".repeat(NAME_MAX);
        assert_eq!(
            compose_name(&long, &codes(&["1001"]), name_of)
                .unwrap_err()
                .code,
            "too_long"
        );
        assert!(compose_name(&long, &[], name_of).is_ok());
    }
}
