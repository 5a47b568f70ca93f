use super::{get, post, post_empty, ApiFailure};
use shared::api::users::{CreateUser, IssuedPassword, UserSummary};
use shared::ids::UserId;

pub async fn list() -> Result<Vec<UserSummary>, ApiFailure> {
    get("/users").await
}

pub async fn create(csrf: &str, body: &CreateUser) -> Result<IssuedPassword, ApiFailure> {
    post("/users", csrf, body).await
}

pub async fn set_disabled(
    csrf: &str,
    id: UserId,
    disabled: bool,
) -> Result<UserSummary, ApiFailure> {
    let action = if disabled { "disable" } else { "enable" };
    post_empty(&format!("/users/{id}/{action}"), csrf).await
}

pub async fn reset_password(csrf: &str, id: UserId) -> Result<IssuedPassword, ApiFailure> {
    post_empty(&format!("/users/{id}/reset-password"), csrf).await
}

pub async fn unlock(csrf: &str, id: UserId) -> Result<UserSummary, ApiFailure> {
    post_empty(&format!("/users/{id}/unlock"), csrf).await
}

pub async fn reset_factors(csrf: &str, id: UserId) -> Result<UserSummary, ApiFailure> {
    post_empty(&format!("/users/{id}/reset-factors"), csrf).await
}

pub async fn security_policy() -> Result<shared::api::security::SecurityPolicyView, ApiFailure> {
    get("/security-policy").await
}

pub async fn save_security_policy(
    csrf: &str,
    body: &shared::api::security::SaveSecurityPolicy,
) -> Result<shared::api::security::SecurityPolicyView, ApiFailure> {
    super::put("/security-policy", csrf, body).await
}

/// A doctor's 麻薬施用者免許証番号, as a new version.
pub async fn set_narcotic_license(
    csrf: &str,
    id: UserId,
    body: &shared::api::users::SetNarcoticLicense,
) -> Result<UserSummary, ApiFailure> {
    super::put(&format!("/users/{id}/narcotic-license"), csrf, body).await
}
