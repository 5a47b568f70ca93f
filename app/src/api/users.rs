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
