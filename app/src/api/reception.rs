use super::{get, post, ApiFailure};
use shared::api::reception::{CheckIn, MoveReception, ReceptionEntry};

pub async fn queue() -> Result<Vec<ReceptionEntry>, ApiFailure> {
    get("/receptions").await
}

pub async fn check_in(csrf: &str, body: &CheckIn) -> Result<ReceptionEntry, ApiFailure> {
    post("/receptions", csrf, body).await
}

pub async fn move_to(
    csrf: &str,
    id: &str,
    body: &MoveReception,
) -> Result<Vec<ReceptionEntry>, ApiFailure> {
    post(&format!("/receptions/{id}/status"), csrf, body).await
}
