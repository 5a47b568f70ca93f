//! `karte-server audit archive --before DATE`: old log rows moved out of the database into a
//! verified export in the write-once record store, and the chain's archive anchor set, in one
//! step per chunk. What the README once described as a manual owner procedure.
//!
//! Per chain and chunk (at most [`CHUNK`] rows, oldest first): the rows before the date are read
//! under the institution's own setting and checked link by link (a broken chain is never
//! archived); written as JSON lines (every stored field, the hashes in hex) to
//! `log-archives/<institution>/<log>/<from>-<through>.jsonl`; read back and checked again, hash for
//! hash, from the bytes in the store; described by a sealed manifest beside it (positions, the
//! hash it continues from and ends with, the export's SHA-256); and only then removed from the
//! table by the owner role, which moves the anchor in the same transaction
//! (`db::logs::cut_archived`). The verifier continues from the anchor.

use super::verify::Walker;
use crate::chain::LogKind;
use crate::db::logs::{AccessRow, AuditRow};
use crate::db::{self, Db};
use crate::files::RecordStore;
use crate::secrets::{seal_line, SecretKey};
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::ids::TenantId;
use sqlx::PgConnection;
use time::OffsetDateTime;

/// Rows per archive object (about 20 MB of JSON for the access log).
pub const CHUNK: i64 = 50_000;
/// The HMAC purpose of archive manifests.
const PURPOSE: &str = "karte/log-archive/v1";
/// Rows read per query.
const PAGE: i64 = 5_000;

/// What one archive object holds, sealed beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveManifest {
    pub format: u32,
    pub tenant_id: uuid::Uuid,
    pub log: String,
    /// Rows `from_seq ..= through_seq`.
    pub from_seq: i64,
    pub through_seq: i64,
    /// The hash the first row continues from (the previous anchor's), and the last row's.
    pub continues_from: String,
    pub last_hash: String,
    pub object: String,
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub archived_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainArchived {
    pub tenant_id: TenantId,
    pub log: &'static str,
    pub rows: i64,
    pub objects: Vec<String>,
    /// The chain's archive anchor after the run.
    pub archived_through_seq: i64,
}

/// Rows of one chunk, either log.
enum Rows {
    Access(Vec<AccessRow>),
    Audit(Vec<AuditRow>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Self::Access(r) => r.len(),
            Self::Audit(r) => r.len(),
        }
    }

    fn walk(&self, walker: &mut Walker) {
        match self {
            Self::Access(r) => walker.access(r),
            Self::Audit(r) => walker.audit(r),
        }
    }

    fn jsonl(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut line = |v: serde_json::Value| -> anyhow::Result<()> {
            serde_json::to_writer(&mut out, &v)?;
            out.push(b'\n');
            Ok(())
        };
        match self {
            Self::Access(rows) => rows
                .iter()
                .try_for_each(|r| line(serde_json::to_value(r)?))?,
            Self::Audit(rows) => rows
                .iter()
                .try_for_each(|r| line(serde_json::to_value(r)?))?,
        }
        Ok(out)
    }

    fn parse(kind: LogKind, bytes: &[u8]) -> anyhow::Result<Self> {
        let text = std::str::from_utf8(bytes).context("an archive is not UTF-8")?;
        let lines = text.lines().filter(|l| !l.is_empty());
        Ok(match kind {
            LogKind::Access => Self::Access(
                lines
                    .map(serde_json::from_str)
                    .collect::<Result<_, _>>()
                    .context("reading an access-log archive")?,
            ),
            LogKind::Audit => Self::Audit(
                lines
                    .map(serde_json::from_str)
                    .collect::<Result<_, _>>()
                    .context("reading an audit-log archive")?,
            ),
        })
    }
}

/// Checks `rows` as the continuation of a chain after `after` (hash `prev`): returns the last
/// row's hash, or what is wrong.
fn check(rows: &Rows, after: i64, prev: [u8; 32]) -> anyhow::Result<[u8; 32]> {
    let mut walker = Walker::after(after, prev, None);
    rows.walk(&mut walker);
    if let Some(b) = walker.broken() {
        bail!(
            "the chain is broken at position {} ({:?}): run `audit verify`; nothing was archived",
            b.seq,
            b.problem
        );
    }
    Ok(walker.last_hash())
}

/// Archives every chain's rows logged before `before`. `owner` is a connection as the owner
/// role; `progress` hears of each chunk archived.
pub async fn archive_before(
    db: &Db,
    owner: &mut PgConnection,
    store: &RecordStore,
    key: &SecretKey,
    before: OffsetDateTime,
    mut progress: impl FnMut(&ChainArchived),
) -> anyhow::Result<Vec<ChainArchived>> {
    let mut done = Vec::new();
    for (tenant, kind) in db::system::chains(db).await? {
        let mut report = ChainArchived {
            tenant_id: tenant,
            log: kind.code(),
            rows: 0,
            objects: Vec::new(),
            archived_through_seq: 0,
        };
        loop {
            let mut tx = db::system::verification_tx(db, tenant).await?;
            let head = db::logs::head(&mut tx, kind).await?;
            let after = head.archived_through_seq;
            report.archived_through_seq = after;
            let end = db::logs::first_seq_since(&mut tx, kind, before)
                .await?
                .map(|first| first - 1)
                .unwrap_or(head.last_seq)
                .min(head.last_seq)
                .min(after + CHUNK);
            if end <= after {
                tx.commit().await?;
                break;
            }
            let mut rows = match kind {
                LogKind::Access => Rows::Access(Vec::new()),
                LogKind::Audit => Rows::Audit(Vec::new()),
            };
            let mut cursor = after;
            while cursor < end {
                let limit = PAGE.min(end - cursor);
                match &mut rows {
                    Rows::Access(all) => {
                        let page = db::logs::access_page(&mut tx, cursor, limit).await?;
                        cursor = page.last().map(|r| r.seq).unwrap_or(end);
                        all.extend(page);
                    }
                    Rows::Audit(all) => {
                        let page = db::logs::audit_page(&mut tx, cursor, limit).await?;
                        cursor = page.last().map(|r| r.seq).unwrap_or(end);
                        all.extend(page);
                    }
                }
            }
            tx.commit().await?;
            let prev = if after == 0 {
                crate::chain::GENESIS
            } else {
                head.archived_through_hash
            };
            let last_hash = check(&rows, after, prev)?;
            if rows.len() as i64 != end - after {
                bail!("positions {}..={end} are not all there", after + 1);
            }

            let bytes = rows.jsonl()?;
            let sha256 = crate::chain::hex(&Sha256::digest(&bytes));
            let base = format!(
                "log-archives/{tenant}/{}/{:012}-{end:012}",
                kind.code(),
                after + 1
            );
            let object = format!("{base}.jsonl");
            store.put_new(&object, bytes).await?;
            // Read back from the store and checked again, before anything is removed.
            let stored = store.get(&object).await?;
            if crate::chain::hex(&Sha256::digest(&stored)) != sha256
                || check(&Rows::parse(kind, &stored)?, after, prev)? != last_hash
            {
                bail!("the archive {object} did not read back as written; nothing was removed");
            }
            let manifest = ArchiveManifest {
                format: 1,
                tenant_id: tenant.as_uuid(),
                log: kind.code().to_string(),
                from_seq: after + 1,
                through_seq: end,
                continues_from: crate::chain::hex(&prev),
                last_hash: crate::chain::hex(&last_hash),
                object: object.clone(),
                sha256,
                before,
                archived_at: OffsetDateTime::now_utc(),
            };
            store
                .put_new(
                    &format!("{base}.json"),
                    seal_line(Some(key), PURPOSE, &serde_json::to_string(&manifest)?),
                )
                .await?;
            db::logs::cut_archived(owner, tenant, kind, after, end, &last_hash).await?;
            report.rows += end - after;
            report.objects.push(object);
            report.archived_through_seq = end;
            progress(&report);
        }
        if report.rows > 0 {
            done.push(report);
        }
    }
    Ok(done)
}
