//! 受付 (reception): checking a patient in for today and moving them through the day.

pub use crate::domain::coverage::{Coverage, LastCoverage};
pub use crate::domain::reception::{CheckIn, ValidCheckIn};
use crate::ids::{PatientId, ReceptionId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceptionStatus {
    Waiting,
    InConsultation,
    WaitingPayment,
    Done,
    Cancelled,
}

impl ReceptionStatus {
    pub const ALL: [Self; 5] = [
        Self::Waiting,
        Self::InConsultation,
        Self::WaitingPayment,
        Self::Done,
        Self::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::InConsultation => "in_consultation",
            Self::WaitingPayment => "waiting_payment",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Waiting => "診察待ち",
            Self::InConsultation => "診察中",
            Self::WaitingPayment => "会計待ち",
            Self::Done => "終了",
            Self::Cancelled => "取消",
        }
    }

    /// The next step of the day, if there is one.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Waiting => Some(Self::InConsultation),
            Self::InConsultation => Some(Self::WaitingPayment),
            Self::WaitingPayment => Some(Self::Done),
            Self::Done | Self::Cancelled => None,
        }
    }

    /// Whether a move from `self` to `to` is allowed: one step forward, or a cancellation
    /// of a visit that has not ended.
    pub fn can_move_to(self, to: Self) -> bool {
        self.next() == Some(to)
            || (to == Self::Cancelled && !matches!(self, Self::Done | Self::Cancelled))
    }
}

/// `POST /api/v1/receptions/{id}/status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoveReception {
    pub to: ReceptionStatus,
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// Required when cancelling.
    #[serde(default)]
    pub reason: String,
}

/// One patient in the day's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionEntry {
    pub reception_id: ReceptionId,
    pub patient_id: PatientId,
    pub patient_number: String,
    pub name: String,
    pub kana: String,
    pub department: String,
    pub purpose: String,
    pub memo: String,
    pub status: ReceptionStatus,
    pub version: i32,
    /// RFC 3339 (UTC): checked in, and when each status was entered.
    pub checked_in_at: String,
    pub status_times: Vec<(ReceptionStatus, String)>,
    pub cancel_reason: Option<String>,
    /// The visit's 保険組合せ (`None` for a visit checked in before they were chosen) and how it
    /// read when chosen.
    #[serde(default)]
    pub coverage: Option<Coverage>,
    #[serde(default)]
    pub coverage_label: String,
}

/// `PUT /api/v1/receptions/{id}/coverage`: change the visit's 保険組合せ (a 受給者証 shown late,
/// a wrong choice). A finalised bill keeps what it was priced with until it is corrected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetCoverage {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub coverage: Coverage,
}

#[cfg(test)]
mod tests {
    use super::ReceptionStatus::*;

    #[test]
    fn the_day_moves_one_step_forward_or_is_cancelled() {
        assert!(Waiting.can_move_to(InConsultation));
        assert!(InConsultation.can_move_to(WaitingPayment));
        assert!(WaitingPayment.can_move_to(Done));
        assert!(Waiting.can_move_to(Cancelled));
        assert!(WaitingPayment.can_move_to(Cancelled));
        assert!(!Waiting.can_move_to(Done), "no skipping");
        assert!(!InConsultation.can_move_to(Waiting), "no going back");
        assert!(!Done.can_move_to(Cancelled));
        assert!(!Cancelled.can_move_to(Waiting));
    }
}
