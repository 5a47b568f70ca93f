use super::{get, post, post_no_content, ApiFailure};
use shared::api::auth::{ChangePassword, Login, SessionInfo};

pub async fn login(body: &Login) -> Result<SessionInfo, ApiFailure> {
    post("/auth/login", "", body).await
}

pub async fn session() -> Result<SessionInfo, ApiFailure> {
    get("/auth/session").await
}

pub async fn logout(csrf: &str) -> Result<(), ApiFailure> {
    post_no_content("/auth/logout", csrf).await
}

pub async fn change_password(csrf: &str, body: &ChangePassword) -> Result<SessionInfo, ApiFailure> {
    post("/auth/password", csrf, body).await
}
