//! A check-in (受付) as entered: the patient, 診療科, 来院目的 and a memo, and its validation.

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/receptions`: check a patient in for today (JST).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckIn {
    pub patient_id: String,
    /// 診療科
    pub department: String,
    /// 来院目的
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub memo: String,
    /// The clerk was told the patient is already checked in today and confirms another
    /// reception (another 診療科, or a return the same day: 同日再診).
    #[serde(default)]
    pub again: bool,
    /// The visit's 保険組合せ; absent: the one last used for the 診療科, else the 主保険 alone
    /// ([`crate::domain::coverage::default_coverage`]).
    #[serde(default)]
    pub coverage: Option<crate::domain::coverage::Coverage>,
}

/// A [`CheckIn`] whose fields passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCheckIn {
    pub department: String,
    pub purpose: String,
    pub memo: String,
}

impl CheckIn {
    /// 診療科 is required (≤ 40 characters); 来院目的 ≤ 100, memo ≤ 500.
    pub fn validate(&self) -> Result<ValidCheckIn, Vec<FieldError>> {
        let mut errors = Vec::new();
        let department = crate::domain::patient::text(
            "department",
            &self.department,
            true,
            40,
            crate::domain::text::Lines::Single,
            &mut errors,
        );
        let purpose = crate::domain::patient::text(
            "purpose",
            &self.purpose,
            false,
            100,
            crate::domain::text::Lines::Single,
            &mut errors,
        );
        let memo = crate::domain::patient::text(
            "memo",
            &self.memo,
            false,
            500,
            crate::domain::text::Lines::Multi,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(ValidCheckIn {
                department,
                purpose,
                memo,
            })
        } else {
            Err(errors)
        }
    }
}
