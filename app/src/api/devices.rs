use super::{get, post, post_empty, ApiFailure};
use shared::api::devices::{DeviceSummary, RegisterDevice, ThisDevice};

pub async fn list() -> Result<Vec<DeviceSummary>, ApiFailure> {
    get("/devices").await
}

pub async fn this_device() -> Result<ThisDevice, ApiFailure> {
    get("/devices/this").await
}

pub async fn register(csrf: &str, body: &RegisterDevice) -> Result<DeviceSummary, ApiFailure> {
    post("/devices", csrf, body).await
}

pub async fn revoke(csrf: &str, id: shared::ids::DeviceId) -> Result<DeviceSummary, ApiFailure> {
    post_empty(&format!("/devices/{id}/revoke"), csrf).await
}
