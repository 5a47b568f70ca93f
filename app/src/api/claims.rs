use super::{get, post, ApiFailure};
use shared::api::claims::{FileMonth, FilingDetail, MonthClaimsContext, ReturnClaim};
use shared::claims::month::Payer;
use shared::ids::FilingId;

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
