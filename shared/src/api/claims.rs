//! Month-end claims (レセプト): what the browser needs to build the month's claims, filing them,
//! and what a filing keeps. The claims themselves are [`crate::claims::month`]'s.

use crate::api::patients::PatientSummary;
use crate::api::FieldError;
use crate::claims::month::ClaimNoteBody;
use crate::claims::month::{
    Claim, ClaimInput, ClaimInstitution, ClaimMasters, LateMonth, Payer, ReturnedClaim,
    UnreadableBill,
};
use crate::claims::uke::UkeMonth;
use crate::ids::{BillId, ClaimNoteId, FilingId, PatientId, ReturnId};
use serde::{Deserialize, Serialize};

/// `GET /claims/{month}`: everything the month's claims are built from, and the filings of the
/// month so far. `month` is the 診療年月 (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthClaimsContext {
    pub month: UkeMonth,
    pub institution: ClaimInstitution,
    pub inputs: Vec<ClaimInput>,
    /// 月遅れ: bills of earlier months no filing carried, by month.
    #[serde(default)]
    pub late: Vec<LateMonth>,
    /// Returned claims (返戻) to file again with this month.
    #[serde(default)]
    pub returned: Vec<ReturnedClaim>,
    /// The master facts the checks read for the month's own claims (月遅れ and returned claims
    /// carry those of their 診療年月).
    #[serde(default)]
    pub masters: ClaimMasters,
    /// Newest first.
    pub filings: Vec<FilingSummary>,
}

impl MonthClaimsContext {
    /// Every patient's input of the filing: the month's, 月遅れ and returned claims'.
    pub fn all_inputs(&self) -> impl Iterator<Item = &ClaimInput> {
        self.inputs
            .iter()
            .chain(self.late.iter().flat_map(|l| &l.inputs))
            .chain(self.returned.iter().map(|r| &r.input))
    }

    /// The bills of the filing the server could not read: the month cannot be filed while
    /// there is one.
    pub fn unreadable(&self) -> impl Iterator<Item = (&PatientSummary, &UnreadableBill)> {
        self.all_inputs()
            .flat_map(|i| i.unreadable.iter().map(move |u| (&i.patient, u)))
    }

    /// Every claim the month's filing carries ([`crate::claims::month::build_filing`]).
    pub fn build(&self) -> Vec<Claim> {
        crate::claims::month::build_filing(
            self.month,
            &self.inputs,
            &self.late,
            &self.returned,
            &self.masters,
        )
    }
}

/// `POST /patients/{patient_id}/claim-notes/{month}`: write (or amend, or retract) a 症状詳記
/// or a コメント for the patient's claim of the month. Nothing is overwritten: an amendment is a
/// new version based on `base_version` (0 for a new note); a stale base is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveClaimNote {
    #[serde(default)]
    pub note_id: Option<ClaimNoteId>,
    #[serde(default)]
    pub base_version: i32,
    pub body: ClaimNoteBody,
    /// Withdraw the note (with a reason): it leaves the claim, stays in the record.
    #[serde(default)]
    pub retracted: bool,
    /// Why it was amended or retracted (required from version 2).
    #[serde(default)]
    pub reason: String,
}

impl SaveClaimNote {
    /// The problems of the request, each naming its field.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = self.body.validate();
        if self.base_version < 0 || (self.base_version == 0) != self.note_id.is_none() {
            errors.push(FieldError::new(
                "base_version",
                "invalid",
                "新しい記載は版0、修正は元の版を指定してください",
            ));
        }
        if self.base_version > 0 && self.reason.trim().is_empty() {
            errors.push(FieldError::new(
                "reason",
                "required",
                "修正・取消の理由を入力してください",
            ));
        }
        if let Err(e) = crate::domain::text::reason("reason", &self.reason) {
            errors.push(e);
        }
        errors
    }
}

/// A 症状詳記 or コメント as stored: its latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimNote {
    pub note_id: ClaimNoteId,
    pub version: i32,
    pub patient_id: PatientId,
    pub month: UkeMonth,
    pub body: ClaimNoteBody,
    pub retracted: bool,
    pub reason: String,
    pub author: Option<String>,
    pub created_at: String,
}

/// `POST /claims/filings/{id}/returns`: a claim of the filing came back (返戻).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnClaim {
    pub payer: Payer,
    /// RE レセプト番号 of the claim in that payer's file.
    pub claim_number: u32,
    /// 検索番号 (17–30 digits), as the 返戻 states it.
    pub search_number: String,
    pub reason: String,
}

/// A return recorded against a filed claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnSummary {
    pub return_id: ReturnId,
    pub reason: String,
    pub search_number: String,
    pub created_at: String,
    /// A later filing carried it again.
    pub refiled: bool,
}

/// `POST /claims/{month}/file`: file the month. The server builds the claims again from its own
/// records; what the clerk's screen showed must agree, else 409 (rebuild and look again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMonth {
    pub expected: MonthTotals,
    /// [`claims_digest`] of the claims the screen showed: a filing differing in anything (a
    /// 保険者, a 公費, a 傷病名) from what the clerk saw is refused, not only other totals.
    #[serde(default)]
    pub digest: String,
    /// Why the month is filed again (empty for the first filing).
    #[serde(default)]
    pub reason: String,
}

/// The count and points a filing is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonthTotals {
    /// レセプト (one per claim, not GO's 件数).
    pub claims: u32,
    /// Σ 主保険 合計点数.
    pub points: u64,
}

impl MonthTotals {
    pub fn of(claims: &[Claim]) -> Self {
        Self {
            claims: claims.len() as u32,
            points: claims.iter().map(Claim::points).sum(),
        }
    }
}

/// A filing as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingSummary {
    pub filing_id: FilingId,
    pub service_month: UkeMonth,
    pub billing_month: UkeMonth,
    pub version: i32,
    pub totals: MonthTotals,
    /// The UKE files, one per 審査支払機関.
    pub files: Vec<FiledFile>,
    pub reason: String,
    pub author: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledFile {
    pub payer: Payer,
    pub bytes: u64,
    /// Hex SHA-256 of the file as filed.
    pub sha256: String,
}

/// `GET /claims/filings/{id}`: a filing with exactly the claims it filed, and for each claim
/// whether a bill changed since (要再請求).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingDetail {
    pub summary: FilingSummary,
    pub claims: Vec<FiledClaim>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledClaim {
    pub claim: Claim,
    /// Bills of the claim corrected (a newer version) since it was filed.
    pub changed_bills: Vec<BillId>,
    /// Marked returned (返戻), if it was.
    #[serde(default)]
    pub returned: Option<ReturnSummary>,
}

impl FiledClaim {
    /// 要再請求: a bill it was built from has changed.
    pub fn needs_refiling(&self) -> bool {
        !self.changed_bills.is_empty()
    }
}

/// A digest of the claims as built (their JSON, FNV-1a 64-bit, hex): equal on the browser and
/// the server exactly when they built the same claims. For change detection, not security.
pub fn claims_digest(claims: &[Claim]) -> String {
    let bytes = serde_json::to_vec(claims).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
