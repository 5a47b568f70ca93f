use super::{get, post, ApiFailure};
use gloo_net::http::Request;
use shared::api::patients::{
    PatientDetail, PatientInput, PatientSummary, PatientVersion, RegisterPatient, UpdatePatient,
};
use shared::api::{CSRF_HEADER, PREFIX};

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

pub async fn get_one(id: &str) -> Result<PatientDetail, ApiFailure> {
    get(&format!("/patients/{id}")).await
}

pub async fn versions(id: &str) -> Result<Vec<PatientVersion>, ApiFailure> {
    get(&format!("/patients/{id}/versions")).await
}

pub async fn update(
    csrf: &str,
    id: &str,
    body: &UpdatePatient,
) -> Result<PatientDetail, ApiFailure> {
    let request = Request::put(&format!("{PREFIX}/patients/{id}"))
        .header(CSRF_HEADER, csrf)
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    super::read(request.send().await).await
}

pub async fn coverage(
    id: &str,
    on: &str,
) -> Result<shared::api::insurance::CoverageOn, ApiFailure> {
    get(&format!("/patients/{id}/coverage?on={on}")).await
}

pub async fn add_insurance(
    csrf: &str,
    id: &str,
    body: &shared::api::insurance::InsuranceInput,
) -> Result<shared::api::insurance::InsuranceDetail, ApiFailure> {
    post(&format!("/patients/{id}/insurances"), csrf, body).await
}
