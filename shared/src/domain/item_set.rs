//! セット: a named group of entries (診療行為, Rp, 注射, 処置) the clerk adds to a visit in one
//! click, and its validation (a name, known kinds of codes, at most so many entries).

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

/// What a セット adds to a visit when applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetContents {
    #[serde(default)]
    pub items: Vec<crate::billing::ItemOrder>,
    #[serde(default)]
    pub rps: Vec<crate::billing::Rp>,
    #[serde(default)]
    pub injections: Vec<crate::billing::ProcedureOrder>,
    #[serde(default)]
    pub treatments: Vec<crate::billing::ProcedureOrder>,
}

impl SetContents {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
            && self.rps.is_empty()
            && self.injections.is_empty()
            && self.treatments.is_empty()
    }
}

/// `POST /api/v1/billing/sets` (new: no id) and `PUT /api/v1/billing/sets/{id}` (a new version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveItemSet {
    /// 0 for a new set; otherwise the version the edit was based on.
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub name: String,
    pub contents: SetContents,
    /// Take the set out of the list (a version marked retired; nothing is deleted).
    #[serde(default)]
    pub retired: bool,
}

impl SaveItemSet {
    /// The trimmed name, or the problems with the set.
    pub fn validate(&self) -> Result<String, Vec<FieldError>> {
        let name = self.name.trim().to_string();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(FieldError::new(
                "name",
                "invalid",
                "セット名を60文字以内で入力してください",
            ));
        }
        if let Err(e) =
            crate::domain::text::check_text("name", &name, crate::domain::text::Lines::Single)
        {
            errors.push(e);
        }
        let c = &self.contents;
        errors.extend(crate::billing::order_code_problems(
            "contents",
            &c.items,
            &c.rps,
            &c.injections,
            &c.treatments,
        ));
        if self.contents.is_empty() && !self.retired {
            errors.push(FieldError::new(
                "contents",
                "empty",
                "セットに入れる項目がありません",
            ));
        }
        if errors.is_empty() {
            Ok(name)
        } else {
            Err(errors)
        }
    }
}
