use super::{get, ApiFailure};
use shared::api::health::Health;

pub async fn health() -> Result<Health, ApiFailure> {
    get("/health").await
}
