//! Storage of the access and audit logs. Appending locks the chain head (`log_chain`), so one
//! institution's chain is extended by one writer at a time, on any number of servers.
//! What acts for several institutions at once (the access-log writer's batch, audit events
//! outside any transaction, the verifier's walk over every chain) is in `super::system`; each
//! institution's rows are still read and written under its own row-level-security setting.

use super::TenantTx;
use crate::chain::{self, AccessEntry, AuditEntry, LogKind, GENESIS};
use shared::ids::{SessionId, TenantId, UserId};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

pub(in crate::db) async fn lock_head(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: LogKind,
) -> Result<(i64, [u8; 32]), sqlx::Error> {
    sqlx::query(
        "insert into log_chain (tenant_id, log, last_seq, last_hash) values ($1, $2, 0, $3) \
         on conflict (tenant_id, log) do nothing",
    )
    .bind(tenant.as_uuid())
    .bind(kind.code())
    .bind(&GENESIS[..])
    .execute(&mut *conn)
    .await?;
    let (seq, hash): (i64, Vec<u8>) = sqlx::query_as(
        "select last_seq, last_hash from log_chain where tenant_id = $1 and log = $2 for update",
    )
    .bind(tenant.as_uuid())
    .bind(kind.code())
    .fetch_one(&mut *conn)
    .await?;
    Ok((seq, to_hash(&hash)))
}

pub(in crate::db) async fn set_head(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: LogKind,
    seq: i64,
    hash: &[u8; 32],
) -> Result<(), sqlx::Error> {
    sqlx::query("update log_chain set last_seq = $3, last_hash = $4, updated_at = now() where tenant_id = $1 and log = $2")
        .bind(tenant.as_uuid())
        .bind(kind.code())
        .bind(seq)
        .bind(&hash[..])
        .execute(conn)
        .await?;
    Ok(())
}

fn to_hash(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if bytes.len() == 32 {
        out.copy_from_slice(bytes);
    }
    out
}

pub(in crate::db) async fn insert_audit(
    conn: &mut PgConnection,
    entry: &AuditEntry,
) -> Result<(), sqlx::Error> {
    let (last, prev) = lock_head(conn, entry.tenant_id, LogKind::Audit).await?;
    let seq = last + 1;
    let hash = chain::row_hash(LogKind::Audit.domain(), &prev, seq, &entry.fields());
    let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap_or_default();
    sqlx::query(
        "insert into audit_log (tenant_id, seq, logged_at, actor_user_id, session_id, client_ip, action, \
         result, target_type, target_id, details, prev_hash, row_hash) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(entry.tenant_id.as_uuid())
    .bind(seq)
    .bind(entry.logged_at)
    .bind(entry.actor_user_id.map(|u| u.as_uuid()))
    .bind(entry.session_id.map(|s| s.as_uuid()))
    .bind(&entry.client_ip)
    .bind(&entry.action)
    .bind(&entry.result)
    .bind(&entry.target_type)
    .bind(&entry.target_id)
    .bind(details)
    .bind(&prev[..])
    .bind(&hash[..])
    .execute(&mut *conn)
    .await?;
    set_head(conn, entry.tenant_id, LogKind::Audit, seq, &hash).await
}

/// Appends an audit event inside the caller's transaction: the event and the change it
/// describes commit together, or neither does.
pub async fn append_audit(tx: &mut TenantTx, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    insert_audit(tx.conn(), entry).await
}

/// An access-log row as stored.
#[derive(Debug, Clone, FromRow, serde::Serialize, serde::Deserialize)]
pub struct AccessRow {
    pub tenant_id: Uuid,
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub logged_at: OffsetDateTime,
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub client_cert_sha256: Option<String>,
    pub method: String,
    pub route: String,
    pub patient_id: Option<Uuid>,
    pub status: i16,
    pub duration_ms: i32,
    #[serde(with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub row_hash: Vec<u8>,
}

impl AccessRow {
    pub fn entry(&self) -> AccessEntry {
        AccessEntry {
            tenant_id: TenantId(self.tenant_id),
            logged_at: self.logged_at,
            user_id: self.user_id.map(UserId),
            session_id: self.session_id.map(SessionId),
            client_ip: self.client_ip.clone(),
            client_cert_sha256: self.client_cert_sha256.clone(),
            method: self.method.clone(),
            route: self.route.clone(),
            patient_id: self.patient_id,
            status: self.status,
            duration_ms: self.duration_ms,
        }
    }
}

/// An audit-log row as stored.
#[derive(Debug, Clone, FromRow, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub tenant_id: Uuid,
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub logged_at: OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub action: String,
    pub result: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: serde_json::Value,
    #[serde(with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub row_hash: Vec<u8>,
}

impl AuditRow {
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            tenant_id: TenantId(self.tenant_id),
            logged_at: self.logged_at,
            actor_user_id: self.actor_user_id.map(UserId),
            session_id: self.session_id.map(SessionId),
            client_ip: self.client_ip.clone(),
            action: self.action.clone(),
            result: self.result.clone(),
            target_type: self.target_type.clone(),
            target_id: self.target_id.clone(),
            details: chain::canonical_json(&self.details),
        }
    }
}

const ACCESS_COLUMNS: &str =
    "tenant_id, seq, logged_at, user_id, session_id, client_ip, client_cert_sha256, \
                              method, route, patient_id, status, duration_ms, prev_hash, row_hash";
const AUDIT_COLUMNS: &str =
    "tenant_id, seq, logged_at, actor_user_id, session_id, client_ip, action, result, \
                             target_type, target_id, details, prev_hash, row_hash";

/// Filters of the access-log viewer. Every field narrows; `before_seq` pages backwards.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub user_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    /// Patients by 患者番号, カナ, name … as the patient search reads them.
    pub patient: Option<shared::api::patients::PatientQuery>,
    /// `true`: status < 400; `false`: status >= 400.
    pub succeeded: Option<bool>,
    pub route: Option<String>,
    pub before_seq: Option<i64>,
}

/// Newest first, at most `limit` rows.
pub async fn search_access(
    tx: &mut TenantTx,
    f: &AccessFilter,
    limit: i64,
) -> Result<Vec<AccessRow>, sqlx::Error> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "select {ACCESS_COLUMNS} from access_log where true"
    ));
    if let Some(from) = f.from {
        q.push(" and logged_at >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        q.push(" and logged_at < ").push_bind(to);
    }
    if let Some(user) = f.user_id {
        q.push(" and user_id = ").push_bind(user);
    }
    if let Some(patient) = f.patient_id {
        q.push(" and patient_id = ").push_bind(patient);
    }
    if let Some(query) = &f.patient {
        q.push(" and patient_id in (select patient_id from patient where ");
        match query {
            // One patient: her number exactly (1 is not 10 or 100).
            shared::api::patients::PatientQuery::Number(n)
            | shared::api::patients::PatientQuery::NumberOrPhone(n) => {
                q.push("patient_number = ").push_bind(n.clone());
            }
            other => super::patients::push_match(&mut q, other),
        }
        q.push(")");
    }
    match f.succeeded {
        Some(true) => {
            q.push(" and status < 400");
        }
        Some(false) => {
            q.push(" and status >= 400");
        }
        None => {}
    }
    if let Some(route) = &f.route {
        q.push(" and route = ").push_bind(route.clone());
    }
    if let Some(before) = f.before_seq {
        q.push(" and seq < ").push_bind(before);
    }
    q.push(" order by seq desc limit ").push_bind(limit);
    q.build_query_as().fetch_all(tx.conn()).await
}

/// Filters of the audit-log viewer.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub actor_user_id: Option<Uuid>,
    pub action: Option<String>,
    /// `success` or `failure`.
    pub result: Option<String>,
    pub target_id: Option<String>,
    pub before_seq: Option<i64>,
}

pub async fn search_audit(
    tx: &mut TenantTx,
    f: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("select {AUDIT_COLUMNS} from audit_log where true"));
    if let Some(from) = f.from {
        q.push(" and logged_at >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        q.push(" and logged_at < ").push_bind(to);
    }
    if let Some(actor) = f.actor_user_id {
        q.push(" and actor_user_id = ").push_bind(actor);
    }
    if let Some(action) = &f.action {
        q.push(" and action = ").push_bind(action.clone());
    }
    if let Some(result) = &f.result {
        q.push(" and result = ").push_bind(result.clone());
    }
    if let Some(target) = &f.target_id {
        q.push(" and target_id = ").push_bind(target.clone());
    }
    if let Some(before) = f.before_seq {
        q.push(" and seq < ").push_bind(before);
    }
    q.push(" order by seq desc limit ").push_bind(limit);
    q.build_query_as().fetch_all(tx.conn()).await
}

/// What the verifier needs of a chain's head.
pub struct Head {
    /// The last sequence number and hash the writers recorded.
    pub last_seq: i64,
    pub last_hash: [u8; 32],
    /// Where the live rows start: after the archived ones, chained from their last hash.
    pub archived_through_seq: i64,
    pub archived_through_hash: [u8; 32],
}

pub async fn head(tx: &mut TenantTx, kind: LogKind) -> Result<Head, sqlx::Error> {
    let row: Option<(i64, Vec<u8>, i64, Vec<u8>)> = sqlx::query_as(
        "select last_seq, last_hash, archived_through_seq, archived_through_hash from log_chain where log = $1",
    )
    .bind(kind.code())
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some((last_seq, last_hash, archived_seq, archived_hash)) => Head {
            last_seq,
            last_hash: to_hash(&last_hash),
            archived_through_seq: archived_seq,
            archived_through_hash: to_hash(&archived_hash),
        },
        None => Head {
            last_seq: 0,
            last_hash: GENESIS,
            archived_through_seq: 0,
            archived_through_hash: GENESIS,
        },
    })
}

/// Hashes as lower-case hex in an archive's JSON lines.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::chain::hex(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// The first position of a chain logged at or after `at` (the end of what an archive before
/// `at` takes), if any.
pub async fn first_seq_since(
    tx: &mut TenantTx,
    kind: LogKind,
    at: OffsetDateTime,
) -> Result<Option<i64>, sqlx::Error> {
    let table = kind.table();
    sqlx::query_scalar(&format!(
        "select min(seq) from {table} where logged_at >= $1"
    ))
    .bind(at)
    .fetch_one(tx.conn())
    .await
}

/// As the owner role (the only one that may): removes an institution's rows `after+1 ..=
/// through` of a chain, now kept in a verified archive, and moves the chain's archive anchor to
/// `through` with its hash, in one transaction. The append-only trigger is off only inside it,
/// under the table's exclusive lock. Fails, changing nothing, if the connection may bypass
/// row-level security (a superuser), the chain's anchor moved since (another archive), the row
/// at `through` is not the one archived, or the rows removed are not exactly those. Every
/// statement names the institution as well as relying on row-level security.
pub async fn cut_archived(
    owner: &mut PgConnection,
    tenant: TenantId,
    kind: LogKind,
    after: i64,
    through: i64,
    through_hash: &[u8; 32],
) -> anyhow::Result<()> {
    use anyhow::{bail, Context};
    use sqlx::Connection;
    let table = kind.table();
    let mut tx = owner.begin().await?;
    if super::bypasses_rls(&mut *tx).await? {
        bail!(
            "archive as the owner role (karte_owner), not a role that bypasses row-level security"
        );
    }
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    let anchor: Option<(i64, i64)> = sqlx::query_as(
        "select archived_through_seq, last_seq from log_chain \
         where tenant_id = $1 and log = $2 for update",
    )
    .bind(tenant.as_uuid())
    .bind(kind.code())
    .fetch_optional(&mut *tx)
    .await?;
    match anchor {
        Some((archived, last)) if archived == after && through <= last => {}
        _ => bail!("the {} chain moved while it was archived", kind.code()),
    }
    let stored: Option<Vec<u8>> = sqlx::query_scalar(&format!(
        "select row_hash from {table} where tenant_id = $1 and seq = $2"
    ))
    .bind(tenant.as_uuid())
    .bind(through)
    .fetch_optional(&mut *tx)
    .await?;
    if stored.as_deref() != Some(&through_hash[..]) {
        bail!("the row at {through} is not the one archived");
    }
    sqlx::query(&format!(
        "alter table {table} disable trigger {table}_append_only"
    ))
    .execute(&mut *tx)
    .await
    .context("as the owner role: disabling the append-only trigger")?;
    let removed = sqlx::query(&format!(
        "delete from {table} where tenant_id = $1 and seq > $2 and seq <= $3"
    ))
    .bind(tenant.as_uuid())
    .bind(after)
    .bind(through)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "alter table {table} enable trigger {table}_append_only"
    ))
    .execute(&mut *tx)
    .await?;
    if removed != (through - after) as u64 {
        bail!(
            "{removed} rows found where {} were archived",
            through - after
        );
    }
    sqlx::query(
        "update log_chain set archived_through_seq = $1, archived_through_hash = $2 \
         where tenant_id = $3 and log = $4",
    )
    .bind(through)
    .bind(&through_hash[..])
    .bind(tenant.as_uuid())
    .bind(kind.code())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rows of a chain in stored order of `seq`, after `after_seq`, at most `limit`.
pub async fn access_page(
    tx: &mut TenantTx,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AccessRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ACCESS_COLUMNS} from access_log where seq > $1 order by seq limit $2"
    ))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

pub async fn audit_page(
    tx: &mut TenantTx,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {AUDIT_COLUMNS} from audit_log where seq > $1 order by seq limit $2"
    ))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

/// The patients `ids` name, by number and name (for the log viewers).
pub async fn patient_labels(
    tx: &mut TenantTx,
    ids: &[Uuid],
) -> Result<Vec<shared::api::logs::PatientLabel>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "select patient_id, patient_number, name, kana from patient \
         where patient_id = any($1) order by patient_number",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, patient_number, name, kana)| shared::api::logs::PatientLabel {
                patient_id: shared::ids::PatientId(id),
                patient_number,
                name,
                kana,
            },
        )
        .collect())
}
