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

use super::verify::{Break, ChainReport, Problem, Walker};
use crate::chain::LogKind;
use crate::db::backup::ChainHead;
use crate::db::logs::{AccessRow, AuditRow};
use crate::db::{self, Db};
use crate::files::RecordStore;
use crate::secrets::{open_line, seal_line, Seal, SecretKey};
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

/// What one archive object holds, sealed beside it. Only what the rows determine: a run retried
/// after a failure writes the same bytes again, which the store takes as done.
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

/// What `audit archive` did: the chains archived, and those refused (a broken chain, or an
/// archive anchor the store's archives do not bear out) with the reason; the others go on.
#[derive(Debug, Default)]
pub struct ArchiveOutcome {
    pub archived: Vec<ChainArchived>,
    pub refused: Vec<(TenantId, &'static str, String)>,
}

/// Archives every chain's rows logged before `before`, at most `chunk` rows an object
/// ([`CHUNK`]). `owner` is a connection as the owner role; `progress` hears of each chunk.
pub async fn archive_before(
    db: &Db,
    owner: &mut PgConnection,
    store: &RecordStore,
    key: &SecretKey,
    before: OffsetDateTime,
    chunk: i64,
    mut progress: impl FnMut(&ChainArchived),
) -> anyhow::Result<ArchiveOutcome> {
    let mut outcome = ArchiveOutcome::default();
    for (tenant, kind) in db::system::chains(db).await? {
        let mut report = ChainArchived {
            tenant_id: tenant,
            log: kind.code(),
            rows: 0,
            objects: Vec::new(),
            archived_through_seq: 0,
        };
        let result = archive_chain(
            db,
            owner,
            store,
            key,
            before,
            chunk.max(1),
            (tenant, kind),
            &mut report,
            &mut progress,
        )
        .await;
        match result {
            Ok(()) if report.rows > 0 => outcome.archived.push(report),
            Ok(()) => {}
            Err(e) => {
                if report.rows > 0 {
                    outcome.archived.push(report);
                }
                outcome
                    .refused
                    .push((tenant, kind.code(), format!("{e:#}")));
            }
        }
    }
    Ok(outcome)
}

/// One chain, chunk after chunk, until nothing is left before `before`.
#[allow(clippy::too_many_arguments)]
async fn archive_chain(
    db: &Db,
    owner: &mut PgConnection,
    store: &RecordStore,
    key: &SecretKey,
    before: OffsetDateTime,
    chunk: i64,
    (tenant, kind): (TenantId, LogKind),
    report: &mut ChainArchived,
    progress: &mut impl FnMut(&ChainArchived),
) -> anyhow::Result<()> {
    loop {
        let mut tx = db::system::verification_tx(db, tenant).await?;
        let head = db::logs::head(&mut tx, kind).await?;
        let after = head.archived_through_seq;
        report.archived_through_seq = after;
        if report.objects.is_empty() {
            // What is archived already must be what the sealed archives say, before the
            // chain is extended from it.
            if let Some(b) = check_archived(
                store,
                key,
                tenant,
                kind,
                after,
                head.archived_through_hash,
                None,
            )
            .await?
            {
                bail!(
                        "{tenant} {}: the archive anchor does not match the archives in the store (at {}): nothing more was archived",
                        kind.code(),
                        b.seq
                    );
            }
        }
        let end = db::logs::first_seq_since(&mut tx, kind, before)
            .await?
            .map(|first| first - 1)
            .unwrap_or(head.last_seq)
            .min(head.last_seq)
            .min(after + chunk);
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
        progress(report);
    }
    Ok(())
}

/// The sealed manifests of one chain's archives, oldest first.
async fn manifests(
    store: &RecordStore,
    key: &SecretKey,
    tenant: TenantId,
    kind: LogKind,
) -> anyhow::Result<Vec<(ArchiveManifest, Seal)>> {
    let mut out = Vec::new();
    for name in store
        .keys(&format!("log-archives/{tenant}/{}", kind.code()))
        .await?
        .into_iter()
        .filter(|k| k.ends_with(".json"))
    {
        let bytes = store.get(&name).await?;
        let (json, seal) = open_line(Some(key), PURPOSE, &bytes)?;
        out.push((
            serde_json::from_str(json).context("reading an archive manifest")?,
            seal,
        ));
    }
    Ok(out)
}

/// Whether a chain's archive anchor (`through`, `hash`) is what the sealed archives in the
/// store say: manifests sealed with the key, contiguous from position 1, each continuing from
/// the one before, the last ending at the anchor with its hash. And an anchored position
/// (`anchor`, kept outside the database) at or below the archive anchor must be in its archive
/// with the anchored hash. `None` when it all holds; else the first position that does not.
pub async fn check_archived(
    store: &RecordStore,
    key: &SecretKey,
    tenant: TenantId,
    kind: LogKind,
    through: i64,
    hash: [u8; 32],
    anchor: Option<(i64, [u8; 32])>,
) -> anyhow::Result<Option<Break>> {
    let mismatch = |seq: i64| {
        Some(Break {
            seq,
            problem: Problem::ArchiveMismatch,
        })
    };
    // Manifests beyond the anchor are left by a run cut short after writing them (a retry
    // writes the same again); at each position the intact manifest reaching furthest within
    // the anchor continues the chain (chunks of an earlier size may lie beside it).
    let all: Vec<ArchiveManifest> = manifests(store, key, tenant, kind)
        .await?
        .into_iter()
        .filter(|(m, seal)| {
            *seal == Seal::Intact
                && m.tenant_id == tenant.as_uuid()
                && m.log == kind.code()
                && m.through_seq <= through
                && m.from_seq <= m.through_seq
        })
        .map(|(m, _)| m)
        .collect();
    let mut next = 1;
    let mut prev = crate::chain::hex(&crate::chain::GENESIS);
    while next <= through {
        let Some(m) = all
            .iter()
            .filter(|m| m.from_seq == next && m.continues_from == prev)
            .max_by_key(|m| m.through_seq)
        else {
            return Ok(mismatch(next));
        };
        let expected_object = format!(
            "log-archives/{tenant}/{}/{:012}-{:012}.jsonl",
            kind.code(),
            m.from_seq,
            m.through_seq
        );
        if m.object != expected_object {
            return Ok(mismatch(next));
        }
        if let Some((at, anchored)) = anchor {
            if (m.from_seq..=m.through_seq).contains(&at) {
                let bytes = store.get(&m.object).await?;
                if crate::chain::hex(&Sha256::digest(&bytes)) != m.sha256 {
                    return Ok(mismatch(m.from_seq));
                }
                let rows = Rows::parse(kind, &bytes)?;
                let found = match &rows {
                    Rows::Access(r) => r.iter().find(|x| x.seq == at).map(|x| x.row_hash.clone()),
                    Rows::Audit(r) => r.iter().find(|x| x.seq == at).map(|x| x.row_hash.clone()),
                };
                if found.as_deref() != Some(&anchored[..]) {
                    return Ok(Some(Break {
                        seq: at,
                        problem: Problem::RewrittenBehindAnchor,
                    }));
                }
            }
        }
        next = m.through_seq + 1;
        prev = m.last_hash.clone();
    }
    if through > 0 && prev != crate::chain::hex(&hash) {
        return Ok(mismatch(through));
    }
    Ok(None)
}

/// [`super::verify::verify_all_anchored`], and every chain's archived rows checked against the
/// sealed archives in the record store ([`check_archived`]).
pub async fn verify_all_with_archives(
    db: &Db,
    store: &RecordStore,
    key: &SecretKey,
    anchored: &[ChainHead],
) -> anyhow::Result<Vec<ChainReport>> {
    let mut reports = super::verify::verify_all_anchored(db, anchored).await?;
    for report in reports.iter_mut().filter(|r| r.broken.is_none()) {
        let Some(kind) = LogKind::from_code(report.log) else {
            continue;
        };
        let mut tx = db::system::verification_tx(db, report.tenant_id).await?;
        let head = db::logs::head(&mut tx, kind).await?;
        tx.commit().await?;
        let anchor = anchored
            .iter()
            .find(|h| h.tenant_id == report.tenant_id.as_uuid() && h.log == kind.code())
            .and_then(|h| crate::chain::unhex32(&h.last_hash).map(|x| (h.last_seq, x)));
        report.broken = check_archived(
            store,
            key,
            report.tenant_id,
            kind,
            head.archived_through_seq,
            head.archived_through_hash,
            anchor,
        )
        .await?;
    }
    Ok(reports)
}
