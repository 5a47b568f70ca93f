use super::{get, post, ApiFailure};
use shared::api::claims::{
    ClaimNote, FileMonth, FilingDetail, MonthClaimsContext, ReturnClaim, SaveClaimNote,
};
use shared::claims::month::Payer;
use shared::ids::{FilingId, PatientId};

/// What the month's claims are built from (診療年月 `YYYY-MM`), and its filings.
pub async fn month(month: &str) -> Result<MonthClaimsContext, ApiFailure> {
    get(&format!("/claims/{month}")).await
}

pub async fn file(month: &str, csrf: &str, body: &FileMonth) -> Result<FilingDetail, ApiFailure> {
    post(&format!("/claims/{month}/file"), csrf, body).await
}

pub async fn filing(id: FilingId) -> Result<FilingDetail, ApiFailure> {
    get(&format!("/claims/filings/{id}")).await
}

/// The URL of a filed UKE file (a plain link: the browser downloads it with the session cookie).
pub fn uke_url(id: FilingId, payer: Payer) -> String {
    format!(
        "{}/claims/filings/{id}/uke/{}",
        shared::api::PREFIX,
        payer.code()
    )
}

/// 返戻: records that a filed claim came back.
pub async fn return_claim(
    filing: FilingId,
    csrf: &str,
    body: &ReturnClaim,
) -> Result<FilingDetail, ApiFailure> {
    post(&format!("/claims/filings/{filing}/returns"), csrf, body).await
}

/// Every 症状詳記・コメント of a patient's claim of `month` (`YYYY-MM`), retracted ones too.
pub async fn notes(patient: PatientId, month: &str) -> Result<Vec<ClaimNote>, ApiFailure> {
    get(&format!("/patients/{patient}/claim-notes/{month}")).await
}

/// Writes, amends or retracts one.
pub async fn save_note(
    patient: PatientId,
    month: &str,
    csrf: &str,
    body: &SaveClaimNote,
) -> Result<ClaimNote, ApiFailure> {
    post(
        &format!("/patients/{patient}/claim-notes/{month}"),
        csrf,
        body,
    )
    .await
}
