//! 画像・文書: what is said about an attached file (title, kind, date taken, source, visit),
//! kept as versions like every chart record; a wrong attachment is retracted (取消) with a
//! reason, never deleted. No IO.

use crate::domain::japanese::parse_date;
use crate::domain::text::{bounded, Lines};
use crate::domain::FieldError;
use crate::ids::FileId;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 写真 (皮膚所見、創部 …; a tablet's camera).
    Photo,
    /// 画像検査 (X線、CT、エコー …; DICOM or an exported image).
    Imaging,
    /// 他院からの紹介状・診療情報.
    Referral,
    /// 検査報告書 (外注検査、心電図 …).
    Report,
    /// 同意書・問診票 (scanned).
    Consent,
    /// 当院の文書 (診療情報提供書 … generated as PDF).
    Document,
    Other,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 7] = [
        AttachmentKind::Photo,
        AttachmentKind::Imaging,
        AttachmentKind::Referral,
        AttachmentKind::Report,
        AttachmentKind::Consent,
        AttachmentKind::Document,
        AttachmentKind::Other,
    ];

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Photo => "写真",
            Self::Imaging => "画像検査",
            Self::Referral => "紹介状・他院文書",
            Self::Report => "検査報告書",
            Self::Consent => "同意書・問診票",
            Self::Document => "当院文書",
            Self::Other => "その他",
        }
    }
}

/// `POST /patients/{id}/attachments` (base_version 0, naming an uploaded file) and
/// `PUT /attachments/{id}` (a new version of the metadata; the file stays the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// The file from `POST /patients/{id}/files` (first version only; a change keeps it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<FileId>,
    pub kind: AttachmentKind,
    pub title: String,
    /// 撮影日・作成日 (YYYY-MM-DD or 和暦).
    pub taken_on: String,
    /// The visit (診療日) it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_date: Option<String>,
    /// 出所 (当院撮影, ○○病院 …).
    #[serde(default)]
    pub source: String,
    /// Required for a change (version 2 on).
    #[serde(default)]
    pub reason: String,
}

/// `POST /attachments/{id}/retract`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetractAttachment {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub reason: String,
}

pub const TITLE_MAX: usize = 100;
pub const SOURCE_MAX: usize = 100;

/// What [`AttachmentInput::validate`] keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAttachment {
    pub title: String,
    pub taken_on: Date,
    pub visit_date: Option<Date>,
    pub source: String,
    pub reason: String,
}

fn date(field: &str, raw: &str, label: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    let parsed = parse_date(raw);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "invalid",
            format!("{label}を日付（例 2026-12-04、R8.12.4）で入力してください"),
        ));
    }
    parsed
}

impl AttachmentInput {
    pub fn validate(&self) -> Result<ValidAttachment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = bounded(
            "title",
            &self.title,
            TITLE_MAX,
            "表題",
            Lines::Single,
            &mut errors,
        );
        if title.is_empty() {
            errors.push(FieldError::new(
                "title",
                "required",
                "表題を入力してください",
            ));
        }
        let source = bounded(
            "source",
            &self.source,
            SOURCE_MAX,
            "出所",
            Lines::Single,
            &mut errors,
        );
        let taken_on = date("taken_on", &self.taken_on, "撮影日・作成日", &mut errors);
        let visit_date = match self.visit_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => date("visit_date", raw, "診療日", &mut errors),
        };
        let reason =
            crate::domain::text::change_reason(&self.reason, self.base_version, &mut errors);
        if self.base_version == 0 && self.file_id.is_none() {
            errors.push(FieldError::new(
                "file_id",
                "required",
                "添付するファイルを選んでください",
            ));
        }
        match (taken_on, errors.is_empty()) {
            (Some(taken_on), true) => Ok(ValidAttachment {
                title,
                taken_on,
                visit_date,
                source,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

impl RetractAttachment {
    /// The reason, required.
    pub fn validate(&self) -> Result<String, Vec<FieldError>> {
        let reason = crate::domain::text::reason("reason", &self.reason).map_err(|e| vec![e])?;
        if reason.is_empty() {
            return Err(vec![FieldError::new(
                "reason",
                "required",
                "取消の理由を入力してください",
            )]);
        }
        Ok(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AttachmentInput {
        AttachmentInput {
            base_version: 0,
            file_id: Some(FileId(uuid::Uuid::nil())),
            kind: AttachmentKind::Photo,
            title: "  右前腕 皮疹  ".into(),
            taken_on: "R8.12.4".into(),
            visit_date: Some("2026-12-04".into()),
            source: "当院撮影".into(),
            reason: String::new(),
        }
    }

    fn fields(r: Result<ValidAttachment, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_new_attachment_is_trimmed_and_its_dates_read() {
        let v = input().validate().unwrap();
        assert_eq!(v.title, "右前腕 皮疹");
        assert_eq!(v.taken_on, time::macros::date!(2026 - 12 - 04));
        assert_eq!(v.visit_date, Some(time::macros::date!(2026 - 12 - 04)));
    }

    #[test]
    fn each_problem_is_named() {
        let mut a = input();
        a.title = " ".into();
        a.taken_on = "someday".into();
        a.file_id = None;
        a.source = "x".repeat(SOURCE_MAX + 1);
        let mut got = fields(a.validate());
        got.sort();
        assert_eq!(got, ["file_id", "source", "taken_on", "title"]);
        let mut changed = input();
        changed.base_version = 1;
        assert_eq!(fields(changed.validate()), ["reason"]);
        changed.reason = "表題の誤り".into();
        assert!(changed.validate().is_ok());
        let mut tab = input();
        tab.title = "a\tb".into();
        assert_eq!(fields(tab.validate()), ["title"]);
    }

    #[test]
    fn a_retraction_needs_a_reason() {
        let r = RetractAttachment {
            base_version: 1,
            reason: "  ".into(),
        };
        assert!(r.validate().is_err());
        let r = RetractAttachment {
            base_version: 1,
            reason: "別の患者の写真".into(),
        };
        assert_eq!(r.validate().unwrap(), "別の患者の写真");
        assert!(serde_json::from_str::<RetractAttachment>(
            r#"{"base_version": -1, "reason": "x"}"#
        )
        .is_err());
    }
}
