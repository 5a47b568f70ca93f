//! The file scrub's cross-tenant path (`karte-server files verify`): which institutions have
//! files, and a transaction per institution in which it reads their rows (under row-level
//! security) and records what it repaired.

use crate::db::{Db, TenantTx};
use shared::ids::TenantId;
use uuid::Uuid;

/// Every institution with stored files, and how many.
pub async fn file_tenants(db: &Db) -> Result<Vec<(TenantId, i64)>, sqlx::Error> {
    let rows: Vec<(Uuid, i64)> =
        sqlx::query_as("select tenant_id, files from system.file_tenants()")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().map(|(t, n)| (TenantId(t), n)).collect())
}

/// A transaction for one institution's files, for the scrub only.
pub async fn scrub_tx(db: &Db, tenant: TenantId) -> Result<TenantTx, sqlx::Error> {
    TenantTx::begin_for(db, tenant).await
}
