//! The log writer's and verifier's cross-tenant paths: the access-log batch (entries of any
//! institutions in one transaction, each institution's rows under its own setting), audit
//! events with no transaction of their own (a failed login, possibly for no known
//! institution), the list of every chain and a read transaction per chain.

use crate::chain::{self, AccessEntry, AuditEntry, LogKind};
use crate::db::logs::{insert_audit, lock_head, set_head};
use crate::db::tenant::set_tenant;
use crate::db::{Db, TenantTx};
use shared::ids::TenantId;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// Appends access entries (of any institutions) in one transaction: per institution, lock its
/// head, chain the entries in order, insert them, move the head.
pub async fn append_access(db: &Db, entries: &[AccessEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tenants: Vec<TenantId> = entries.iter().map(|e| e.tenant_id).collect();
    tenants.sort();
    tenants.dedup();
    let mut tx = db.pool().begin().await?;
    for tenant in tenants {
        set_tenant(&mut tx, tenant).await?;
        let (mut seq, mut prev) = lock_head(&mut tx, tenant, LogKind::Access).await?;
        let mut builder: QueryBuilder<Postgres> = QueryBuilder::new(
            "insert into access_log (tenant_id, seq, logged_at, user_id, session_id, client_ip, \
             client_cert_sha256, method, route, patient_id, status, duration_ms, prev_hash, row_hash) ",
        );
        let mut rows = Vec::new();
        for entry in entries.iter().filter(|e| e.tenant_id == tenant) {
            seq += 1;
            let hash = chain::row_hash(LogKind::Access.domain(), &prev, seq, &entry.fields());
            rows.push((entry, seq, prev, hash));
            prev = hash;
        }
        builder.push_values(&rows, |mut b, (e, seq, prev, hash)| {
            b.push_bind(e.tenant_id.as_uuid())
                .push_bind(*seq)
                .push_bind(e.logged_at)
                .push_bind(e.user_id.map(|u| u.as_uuid()))
                .push_bind(e.session_id.map(|s| s.as_uuid()))
                .push_bind(e.client_ip.clone())
                .push_bind(e.client_cert_sha256.clone())
                .push_bind(e.method.clone())
                .push_bind(e.route.clone())
                .push_bind(e.patient_id)
                .push_bind(e.status)
                .push_bind(e.duration_ms)
                .push_bind(prev.to_vec())
                .push_bind(hash.to_vec());
        });
        builder.build().execute(&mut *tx).await?;
        set_head(&mut tx, tenant, LogKind::Access, seq, &prev).await?;
    }
    tx.commit().await
}

/// Appends an audit event in its own transaction, for events with no transaction of their own
/// (a failed login), possibly for no known institution.
pub async fn append_audit_standalone(db: &Db, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    set_tenant(&mut tx, entry.tenant_id).await?;
    insert_audit(&mut tx, entry).await?;
    tx.commit().await
}

/// Every chain that exists, for the verifier (the one cross-tenant read it needs).
pub async fn chains(db: &Db) -> Result<Vec<(TenantId, LogKind)>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("select tenant_id, log from system.log_chains()")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, log)| LogKind::from_code(&log).map(|k| (TenantId(t), k)))
        .collect())
}

/// A read-only transaction for one institution's logs, for the verifier (PostgreSQL refuses any
/// write in it), on one snapshot: requests logged while it walks a chain are neither rows past
/// the head it read nor a head past its rows.
pub async fn verification_tx(db: &Db, tenant: TenantId) -> Result<TenantTx, sqlx::Error> {
    TenantTx::begin_snapshot_for(db, tenant).await
}
