use super::{get, get_background, post, ApiFailure};
use shared::api::reception::{CheckIn, MoveReception, ReceptionEntry};
use shared::ids::ReceptionId;

/// Today's queue; `background` when a timer refreshes it (not the user's activity).
pub async fn queue(background: bool) -> Result<Vec<ReceptionEntry>, ApiFailure> {
    if background {
        get_background("/receptions").await
    } else {
        get("/receptions").await
    }
}

pub async fn check_in(csrf: &str, body: &CheckIn) -> Result<ReceptionEntry, ApiFailure> {
    post("/receptions", csrf, body).await
}

pub async fn move_to(
    csrf: &str,
    id: ReceptionId,
    body: &MoveReception,
) -> Result<Vec<ReceptionEntry>, ApiFailure> {
    post(&format!("/receptions/{id}/status"), csrf, body).await
}

/// Changes the visit's 保険組合せ.
pub async fn set_coverage(
    csrf: &str,
    id: ReceptionId,
    body: &shared::api::reception::SetCoverage,
) -> Result<ReceptionEntry, ApiFailure> {
    super::put(&format!("/receptions/{id}/coverage"), csrf, body).await
}
