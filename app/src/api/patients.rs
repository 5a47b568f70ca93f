use super::{get, post, put, ApiFailure};
use shared::api::insurance::{
    CoverageOn, EditInsurance, EditPublicPayment, InsuranceDetail, InsuranceInput,
    PublicPaymentDetail, PublicPaymentInput,
};
use shared::api::patients::{
    PatientDetail, PatientInput, PatientSummary, PatientVersion, RegisterPatient, UpdatePatient,
};
use shared::ids::{InsuranceId, PatientId, PublicPaymentId};

pub async fn search(q: &str) -> Result<Vec<PatientSummary>, ApiFailure> {
    get(&format!("/patients?q={}", super::logs::encode(q))).await
}

pub async fn register(csrf: &str, body: &RegisterPatient) -> Result<PatientDetail, ApiFailure> {
    post("/patients", csrf, body).await
}

pub async fn duplicates(
    csrf: &str,
    body: &PatientInput,
) -> Result<Vec<PatientSummary>, ApiFailure> {
    post("/patients/check-duplicates", csrf, body).await
}

pub async fn get_one(id: PatientId) -> Result<PatientDetail, ApiFailure> {
    get(&format!("/patients/{id}")).await
}

pub async fn versions(id: PatientId) -> Result<Vec<PatientVersion>, ApiFailure> {
    get(&format!("/patients/{id}/versions")).await
}

pub async fn update(
    csrf: &str,
    id: PatientId,
    body: &UpdatePatient,
) -> Result<PatientDetail, ApiFailure> {
    put(&format!("/patients/{id}"), csrf, body).await
}

pub async fn coverage(id: PatientId, on: &str) -> Result<CoverageOn, ApiFailure> {
    get(&format!("/patients/{id}/coverage?on={on}")).await
}

pub async fn add_insurance(
    csrf: &str,
    id: PatientId,
    body: &InsuranceInput,
) -> Result<InsuranceDetail, ApiFailure> {
    post(&format!("/patients/{id}/insurances"), csrf, body).await
}

pub async fn edit_insurance(
    csrf: &str,
    id: PatientId,
    insurance: InsuranceId,
    body: &EditInsurance,
) -> Result<InsuranceDetail, ApiFailure> {
    put(
        &format!("/patients/{id}/insurances/{insurance}"),
        csrf,
        body,
    )
    .await
}

pub async fn add_public_payment(
    csrf: &str,
    id: PatientId,
    body: &PublicPaymentInput,
) -> Result<PublicPaymentDetail, ApiFailure> {
    post(&format!("/patients/{id}/public-payments"), csrf, body).await
}

pub async fn edit_public_payment(
    csrf: &str,
    id: PatientId,
    payment: PublicPaymentId,
    body: &EditPublicPayment,
) -> Result<PublicPaymentDetail, ApiFailure> {
    put(
        &format!("/patients/{id}/public-payments/{payment}"),
        csrf,
        body,
    )
    .await
}

/// The addresses a 郵便番号 (7 digits) stands for.
pub async fn postal(code: &str) -> Result<Vec<shared::masters::postal::PostalAddress>, ApiFailure> {
    get(&format!("/postal-codes?code={code}")).await
}
