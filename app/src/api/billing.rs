use super::{get, post, put, ApiFailure};
use shared::api::billing::{
    BillContext, BillVersion, BillingSettings, BillingSettingsInput, FinalizeBill, ItemSet,
    MasterHit, MasterRows, MasterRowsRequest, SaveItemSet,
};
use shared::ids::ReceptionId;

pub async fn sets() -> Result<Vec<ItemSet>, ApiFailure> {
    get("/billing/sets").await
}

pub async fn save_set(csrf: &str, body: &SaveItemSet) -> Result<ItemSet, ApiFailure> {
    post("/billing/sets", csrf, body).await
}

pub async fn settings() -> Result<Vec<BillingSettings>, ApiFailure> {
    get("/billing/settings").await
}

pub async fn write_settings(
    csrf: &str,
    body: &BillingSettingsInput,
) -> Result<BillingSettings, ApiFailure> {
    post("/billing/settings", csrf, body).await
}

pub async fn context(reception: ReceptionId) -> Result<BillContext, ApiFailure> {
    get(&format!("/receptions/{reception}/bill")).await
}

pub async fn finalize(
    csrf: &str,
    reception: ReceptionId,
    body: &FinalizeBill,
) -> Result<BillVersion, ApiFailure> {
    post(&format!("/receptions/{reception}/bill"), csrf, body).await
}

pub async fn master_rows(csrf: &str, body: &MasterRowsRequest) -> Result<MasterRows, ApiFailure> {
    post("/masters/rows", csrf, body).await
}

pub async fn search(q: &str, on: &str) -> Result<Vec<MasterHit>, ApiFailure> {
    get(&format!(
        "/masters/search?q={}&on={on}",
        super::logs::encode(q)
    ))
    .await
}

/// The bill context as a timer re-reads it (the visit's orders may have changed).
pub async fn context_background(reception: ReceptionId) -> Result<BillContext, ApiFailure> {
    super::get_background(&format!("/receptions/{reception}/bill")).await
}

pub async fn profile() -> Result<shared::api::billing::InstitutionProfile, ApiFailure> {
    get("/institution/profile").await
}

pub async fn write_profile(
    csrf: &str,
    body: &shared::api::billing::InstitutionProfileInput,
) -> Result<shared::api::billing::InstitutionProfile, ApiFailure> {
    put("/institution/profile", csrf, body).await
}
