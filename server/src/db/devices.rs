//! An institution's registered device certificates (端末認証), by SHA-256 fingerprint. Rows are
//! never deleted: a device is revoked, with who and when. Queries go through [`TenantTx`]
//! (the operator's registration opens one through `super::system`).

use super::TenantTx;
use shared::api::devices::DeviceSummary;
use shared::ids::{DeviceId, UserId};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, FromRow)]
pub struct DeviceRow {
    #[sqlx(try_from = "Uuid")]
    pub device_id: DeviceId,
    pub name: String,
    pub fingerprint: String,
    pub registered_at: OffsetDateTime,
    pub registered_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl DeviceRow {
    pub fn summary(&self) -> DeviceSummary {
        DeviceSummary {
            device_id: self.device_id,
            name: self.name.clone(),
            fingerprint: self.fingerprint.clone(),
            registered_at: crate::clock::rfc3339(self.registered_at),
            registered_by: self.registered_by.clone(),
            revoked_at: self.revoked_at.map(crate::clock::rfc3339),
        }
    }
}

const SELECT: &str = "select d.device_id, d.name, d.fingerprint, d.registered_at, \
     u.display_name as registered_by, d.revoked_at \
     from device_certificate d left join app_user u on u.user_id = d.registered_by";

/// Every registration, active first, newest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} order by d.revoked_at is not null, d.registered_at desc"
    ))
    .fetch_all(tx.conn())
    .await
}

/// The active registration of a certificate in the transaction's institution.
pub async fn active_by_fingerprint(
    tx: &mut TenantTx,
    fingerprint: &str,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} where d.fingerprint = $1 and d.revoked_at is null"
    ))
    .bind(fingerprint)
    .fetch_optional(tx.conn())
    .await
}

/// Registers a certificate; `None` when it is already registered (and not revoked).
pub async fn register(
    tx: &mut TenantTx,
    name: &str,
    fingerprint: &str,
    by: Option<UserId>,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "insert into device_certificate (tenant_id, device_id, fingerprint, name, registered_by) \
         values ($1, $2, $3, $4, $5) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(fingerprint)
    .bind(name)
    .bind(by.map(|u| u.as_uuid()))
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    active_by_fingerprint(tx, fingerprint).await
}

/// Revokes a registration; `None` when there is no such active device.
pub async fn revoke(
    tx: &mut TenantTx,
    id: DeviceId,
    by: UserId,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    let done = sqlx::query(
        "update device_certificate set revoked_at = now(), revoked_by = $2 \
         where device_id = $1 and revoked_at is null",
    )
    .bind(id.as_uuid())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    sqlx::query_as(&format!("{SELECT} where d.device_id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await
}

/// A device name: trimmed, 1–64 characters, no control characters.
pub fn valid_name(name: &str) -> Option<String> {
    shared::domain::clean_text(name, 64).ok()
}
