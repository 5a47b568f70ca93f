//! オーダ and アレルギー: the day's orders, drafts, 確定, 取消, approval, the Do処方 list and the
//! allergy list.

use super::{delete, get, post, put, ApiFailure};
use shared::api::orders::{
    Allergy, AllergyInput, CancelOrder, CreateOrder, DayOrders, FinalizeOrder, FrequentItems,
    OrderDetail, OrderDraft, PendingOrder, PrescriptionPage, SaveOrderDraft,
};
use shared::ids::{AllergyId, OrderId, PatientId};

pub async fn day(patient: PatientId, date: &str) -> Result<DayOrders, ApiFailure> {
    get(&format!("/patients/{patient}/orders?date={date}")).await
}

pub async fn create(
    csrf: &str,
    patient: PatientId,
    body: &CreateOrder,
) -> Result<OrderDetail, ApiFailure> {
    post(&format!("/patients/{patient}/orders"), csrf, body).await
}

/// The codes the institution orders most (the pickers' よく使う項目).
pub async fn frequent() -> Result<FrequentItems, ApiFailure> {
    get("/orders/frequent").await
}

pub async fn order(id: OrderId) -> Result<OrderDetail, ApiFailure> {
    get(&format!("/orders/{id}")).await
}

pub async fn save_draft(
    csrf: &str,
    id: OrderId,
    body: &SaveOrderDraft,
) -> Result<OrderDraft, ApiFailure> {
    put(&format!("/orders/{id}/draft"), csrf, body).await
}

pub async fn discard_draft(csrf: &str, id: OrderId, revision: i64) -> Result<(), ApiFailure> {
    delete(&format!("/orders/{id}/draft?revision={revision}"), csrf).await
}

pub async fn finalize(
    csrf: &str,
    id: OrderId,
    body: &FinalizeOrder,
) -> Result<OrderDetail, ApiFailure> {
    post(&format!("/orders/{id}/finalize"), csrf, body).await
}

pub async fn cancel(
    csrf: &str,
    id: OrderId,
    body: &CancelOrder,
) -> Result<OrderDetail, ApiFailure> {
    post(&format!("/orders/{id}/cancel"), csrf, body).await
}

pub async fn approve(csrf: &str, id: OrderId, version: i32) -> Result<OrderDetail, ApiFailure> {
    post(
        &format!("/orders/{id}/versions/{version}/approve"),
        csrf,
        &serde_json::json!({}),
    )
    .await
}

pub async fn pending() -> Result<Vec<PendingOrder>, ApiFailure> {
    get("/orders/pending").await
}

/// One page of the patient's earlier prescriptions (Do処方), newest first.
pub async fn prescriptions(
    patient: PatientId,
    cursor: Option<&str>,
) -> Result<PrescriptionPage, ApiFailure> {
    match cursor {
        Some(c) => {
            get(&format!(
                "/patients/{patient}/prescriptions?limit=20&cursor={c}"
            ))
            .await
        }
        None => get(&format!("/patients/{patient}/prescriptions?limit=20")).await,
    }
}

pub async fn allergies(patient: PatientId) -> Result<Vec<Allergy>, ApiFailure> {
    get(&format!("/patients/{patient}/allergies")).await
}

pub async fn record_allergy(
    csrf: &str,
    patient: PatientId,
    body: &AllergyInput,
) -> Result<Allergy, ApiFailure> {
    post(&format!("/patients/{patient}/allergies"), csrf, body).await
}

pub async fn change_allergy(
    csrf: &str,
    id: AllergyId,
    body: &AllergyInput,
) -> Result<Allergy, ApiFailure> {
    put(&format!("/allergies/{id}"), csrf, body).await
}

/// Issues (prints) the 院外処方箋 of a 確定 version; a second issue is a 再発行.
pub async fn issue_prescription(
    csrf: &str,
    id: OrderId,
    body: &shared::api::orders::IssuePrescription,
) -> Result<shared::api::orders::PrescriptionIssue, ApiFailure> {
    post(&format!("/orders/{id}/prescription"), csrf, body).await
}
