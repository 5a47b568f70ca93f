//! What the backup command reads and writes in the database, over the cluster superuser's
//! connection that pgBackRest needs anyway (row-level security does not apply to it, so the
//! counts and the file manifest cover every institution). Never reached by a request: only
//! `crate::backup`, run by an operator.
//!
//! The snapshot is the point a restore drill returns to exactly: one transaction that holds every
//! table against writes (`SHARE` locks: reads go on, writers wait the few moments it takes),
//! counts each table's rows, writes a marker row, and commits; recovery to that transaction's id
//! (inclusive) gives back precisely those rows.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection, Row};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a marker row was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// A backup run's snapshot.
    Run,
    /// Written by a drill just before it restores the latest: found in the copy, it shows the
    /// restore reached the present.
    Drill,
}

impl MarkerKind {
    fn code(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Drill => "drill",
        }
    }
}

/// What the snapshot transaction saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub marker_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The transaction's id (32-bit, as `recovery_target_xid` takes it).
    pub xid: String,
    /// Rows per table (`schema.table`), the marker row included.
    pub counts: BTreeMap<String, i64>,
}

/// What the snapshot saw besides the counts: the files rows record and the chains' heads, read
/// in the same exported snapshot (so a restore to the snapshot has exactly these).
#[derive(Debug, Clone)]
pub struct SnapshotContents {
    pub snapshot: Snapshot,
    pub files: Vec<ManifestFile>,
    pub chains: Vec<ChainHead>,
}

/// One file a row records (`stored_file`), as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub tenant_id: Uuid,
    pub file_id: Uuid,
    pub key: String,
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
}

/// One log chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub tenant_id: Uuid,
    pub log: String,
    pub last_seq: i64,
    /// Lower-case hex.
    pub last_hash: String,
}

/// Every ordinary table outside PostgreSQL's own schemas (Karte's and the masters'), as
/// (`schema.table` as the counts name it, the quoted name for SQL).
async fn tables(conn: &mut PgConnection) -> anyhow::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "select n.nspname || '.' || c.relname, format('%I.%I', n.nspname, c.relname)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
           and n.nspname not like 'pg\\_%'
         order by 1",
    )
    .fetch_all(conn)
    .await?)
}

async fn count_all(
    conn: &mut PgConnection,
    tables: &[(String, String)],
) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for (name, quoted) in tables {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {quoted}"))
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("counting {name}"))?;
        counts.insert(name.clone(), n);
    }
    Ok(counts)
}

/// Rows per table now (a drill's restored copy).
pub async fn counts(conn: &mut PgConnection) -> anyhow::Result<BTreeMap<String, i64>> {
    let tables = tables(conn).await?;
    count_all(conn, &tables).await
}

/// The snapshot (see the module's comment), over two connections to the same database. On
/// `writer`: every table held with `SHARE` locks (waiting at most `lock_timeout` for writers to
/// finish), the snapshot exported, the marker row written, commit — the locks are held for
/// milliseconds. On `reader`, in the exported snapshot: every table counted, at leisure. The
/// exported snapshot sees exactly what was committed before the locks were granted, which is
/// what recovery to the writer's transaction (inclusive) restores, plus the marker row.
pub async fn snapshot(
    writer: &mut PgConnection,
    reader: &mut PgConnection,
    kind: MarkerKind,
    lock_timeout: std::time::Duration,
) -> anyhow::Result<SnapshotContents> {
    let tables = tables(writer).await?;
    let mut tx = writer.begin().await?;
    sqlx::query(&format!(
        "set local lock_timeout = '{}ms'",
        lock_timeout.as_millis()
    ))
    .execute(&mut *tx)
    .await?;
    if !tables.is_empty() {
        let list: Vec<&str> = tables.iter().map(|(_, q)| q.as_str()).collect();
        sqlx::query(&format!("lock table {} in share mode", list.join(", ")))
            .execute(&mut *tx)
            .await
            .context("holding the tables against writes for the snapshot")?;
    }
    let exported: String = sqlx::query_scalar("select pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    let mut read = reader.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *read)
        .await?;
    sqlx::query(&format!(
        "set transaction snapshot '{}'",
        exported.replace('\'', "''")
    ))
    .execute(&mut *read)
    .await
    .context("importing the snapshot")?;
    let (marker_id, at) = insert_marker(&mut tx, kind).await?;
    // txid_current() carries the epoch in its high 32 bits; recovery_target_xid takes the xid.
    let xid: String = sqlx::query_scalar("select (txid_current() % 4294967296)::text")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut counts = count_all(&mut read, &tables).await?;
    let files = stored_files(&mut read).await?;
    let chains = chain_heads(&mut read).await?;
    read.commit().await?;
    // The marker row is the writer's own, after the snapshot: in what recovery restores.
    *counts.entry("public.backup_marker".into()).or_insert(0) += 1;
    Ok(SnapshotContents {
        snapshot: Snapshot {
            marker_id,
            at,
            xid,
            counts,
        },
        files,
        chains,
    })
}

/// A marker written outside a snapshot (a drill's, just before it restores the latest).
pub async fn insert_marker(
    conn: &mut PgConnection,
    kind: MarkerKind,
) -> anyhow::Result<(Uuid, OffsetDateTime)> {
    let id = Uuid::new_v4();
    let at = sqlx::query_scalar(
        "insert into backup_marker (marker_id, kind) values ($1, $2) returning created_at",
    )
    .bind(id)
    .bind(kind.code())
    .fetch_one(conn)
    .await
    .context("writing the backup marker")?;
    Ok((id, at))
}

/// Whether the marker row is there, and when it was written.
pub async fn marker(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<OffsetDateTime>> {
    Ok(
        sqlx::query_scalar("select created_at from backup_marker where marker_id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// The newest migration applied successfully.
pub async fn migration_version(conn: &mut PgConnection) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("select max(version) from _sqlx_migrations where success")
            .fetch_one(conn)
            .await?,
    )
}

/// Every file every institution's rows record.
pub async fn stored_files(conn: &mut PgConnection) -> anyhow::Result<Vec<ManifestFile>> {
    let rows = sqlx::query(
        "select tenant_id, file_id, object_key, sha256, size_bytes from stored_file
         order by tenant_id, file_id",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let sha: Vec<u8> = row.try_get("sha256")?;
            let size: i64 = row.try_get("size_bytes")?;
            Ok(ManifestFile {
                tenant_id: row.try_get("tenant_id")?,
                file_id: row.try_get("file_id")?,
                key: row.try_get("object_key")?,
                sha256: crate::chain::hex(&sha),
                size: u64::try_from(size).context("a negative file size")?,
            })
        })
        .collect()
}

/// Every log chain's head.
pub async fn chain_heads(conn: &mut PgConnection) -> anyhow::Result<Vec<ChainHead>> {
    let rows = sqlx::query(
        "select tenant_id, log, last_seq, last_hash from log_chain order by tenant_id, log",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let hash: Vec<u8> = row.try_get("last_hash")?;
            Ok(ChainHead {
                tenant_id: row.try_get("tenant_id")?,
                log: row.try_get("log")?,
                last_seq: row.try_get("last_seq")?,
                last_hash: crate::chain::hex(&hash),
            })
        })
        .collect()
}

/// WAL: the segment being written now, and what the archiver last did.
#[derive(Debug, Clone, Serialize)]
pub struct WalState {
    pub current_segment: String,
    pub archived_count: i64,
    pub last_archived_wal: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_archived_time: Option<OffsetDateTime>,
    pub failed_count: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_failed_time: Option<OffsetDateTime>,
    pub archive_mode: String,
    pub archive_timeout_seconds: i64,
}

pub async fn wal_state(conn: &mut PgConnection) -> anyhow::Result<WalState> {
    let row = sqlx::query(
        "select pg_walfile_name(pg_current_wal_lsn()) as current_segment,
                a.archived_count, a.last_archived_wal, a.last_archived_time,
                a.failed_count, a.last_failed_time,
                current_setting('archive_mode') as archive_mode,
                extract(epoch from current_setting('archive_timeout')::interval)::bigint as archive_timeout
         from pg_stat_archiver a",
    )
    .fetch_one(conn)
    .await?;
    Ok(WalState {
        current_segment: row.try_get("current_segment")?,
        archived_count: row.try_get("archived_count")?,
        last_archived_wal: row.try_get("last_archived_wal")?,
        last_archived_time: row.try_get("last_archived_time")?,
        failed_count: row.try_get("failed_count")?,
        last_failed_time: row.try_get("last_failed_time")?,
        archive_mode: row.try_get("archive_mode")?,
        archive_timeout_seconds: row.try_get("archive_timeout")?,
    })
}

/// Whether the cluster is still replaying WAL (a drill waits until it is not).
pub async fn in_recovery(conn: &mut PgConnection) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(conn)
        .await?)
}
