//! 院外処方箋 as issued: append-only, one row per print of an order (the first an issue, later
//! ones 再発行), each with the sheet exactly as printed. All queries go through [`TenantTx`].

use super::TenantTx;
use serde_json::Value;
use shared::api::orders::{PrescriptionIssue, PrescriptionSheet};
use shared::ids::{OrderId, UserId};
use sqlx::types::Json;
use time::OffsetDateTime;

/// Stores the next issue of `order` (numbered after the last one) and returns its number.
/// Serialises the prints of one visit (patient and day) until the transaction ends.
pub async fn lock_visit(
    tx: &mut TenantTx,
    patient: shared::ids::PatientId,
    day: time::Date,
) -> Result<(), sqlx::Error> {
    tx.lock_key(&format!("rx-visit:{patient}{day}")).await
}

/// The caller holds the order's lock, so two prints cannot take the same number.
pub async fn insert(
    tx: &mut TenantTx,
    order: OrderId,
    version: i32,
    sheet: &PrescriptionSheet,
    by: UserId,
) -> Result<i32, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_scalar(
        "insert into prescription_issue (tenant_id, order_id, issue_no, version, sheet, issued_by) \
         select $1, $2, coalesce(max(issue_no), 0) + 1, $3, $4, $5 from prescription_issue where order_id = $2 \
         returning issue_no",
    )
    .bind(tenant)
    .bind(order.as_uuid())
    .bind(version)
    .bind(Json(sheet))
    .bind(by.as_uuid())
    .fetch_one(tx.conn())
    .await
}

/// Every issue of `order`, newest first.
pub async fn issues(
    tx: &mut TenantTx,
    order: OrderId,
) -> Result<Vec<PrescriptionIssue>, sqlx::Error> {
    type Row = (i32, i32, Json<Value>, Option<String>, OffsetDateTime);
    let rows: Vec<Row> = sqlx::query_as(
        "select i.issue_no, i.version, i.sheet, u.display_name, i.issued_at from prescription_issue i \
         left join app_user u on u.user_id = i.issued_by where i.order_id = $1 order by i.issue_no desc",
    )
    .bind(order.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(|(issue_no, version, sheet, by, at)| {
            Ok(PrescriptionIssue {
                order_id: order,
                version,
                issue_no,
                issued_by: by.unwrap_or_default(),
                issued_at: crate::clock::rfc3339(at),
                sheet: serde_json::from_value(sheet.0).map_err(|_| {
                    sqlx::Error::Decode(
                        format!("prescription {order} issue {issue_no}: unreadable sheet").into(),
                    )
                })?,
            })
        })
        .collect()
}
