//! Walks hash chains and reports the first position where one is broken: a changed row, a
//! missing row, rows out of order, a forged row, or a tail cut off behind the head.

use crate::chain::{self, LogKind, GENESIS};
use crate::db::backup::ChainHead;
use crate::db::logs::{AccessRow, AuditRow};
use crate::db::{self, Db};
use serde::Serialize;
use shared::ids::TenantId;

/// How many rows one read fetches.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub tenant_id: TenantId,
    pub log: &'static str,
    /// Rows found in order before the first break (all live rows when intact).
    pub rows: i64,
    /// Rows 1..=this were archived; verification started after them.
    pub archived_through_seq: i64,
    /// `None` when the chain is intact.
    pub broken: Option<Break>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The chain position (1-based sequence number) where the chain stops being trustworthy.
    pub seq: i64,
    pub problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The row at this position is absent (deleted, or the tail cut off).
    MissingRow,
    /// The row at this position does not follow its predecessor (reordered, inserted).
    PrevHashMismatch,
    /// The row's content does not match its hash (changed).
    RowHashMismatch,
    /// Rows continue past the head the writers recorded (appended outside the writer).
    BeyondHead,
    /// The last row is not the one the head recorded.
    HeadMismatch,
    /// The row at an anchored position is not the one anchored outside the database: the chain
    /// was rewritten (and its hashes recomputed) behind the anchor.
    RewrittenBehindAnchor,
    /// The chain ends before a position anchored outside the database: rows were cut and the
    /// head moved back.
    CutBehindAnchor,
    /// The archived rows do not match the sealed archives in the record store (missing, not
    /// contiguous, or not ending where the chain's archive anchor says).
    ArchiveMismatch,
}

impl Problem {
    pub fn message_ja(self) -> &'static str {
        match self {
            Self::MissingRow => "行が欠落しています（削除の疑い）",
            Self::PrevHashMismatch => "前の行とつながっていません（順序の変更または挿入の疑い）",
            Self::RowHashMismatch => "内容がハッシュと一致しません（改ざんの疑い）",
            Self::BeyondHead => "記録された末尾より後に行があります（不正な追加の疑い）",
            Self::HeadMismatch => "末尾の行が記録と一致しません",
            Self::RewrittenBehindAnchor => {
                "外部に保管した末尾（アンカー）と一致しません（チェーン全体の書き換えの疑い）"
            }
            Self::CutBehindAnchor => {
                "外部に保管した末尾（アンカー）より前で終わっています（末尾の削除の疑い）"
            }
            Self::ArchiveMismatch => {
                "アーカイブ済みの行が外部に保管したアーカイブと一致しません（アーカイブ位置の改ざんの疑い）"
            }
        }
    }
}

pub(crate) struct Walker {
    expected: i64,
    prev: [u8; 32],
    broken: Option<Break>,
    /// A position and hash anchored outside the database.
    anchor: Option<(i64, [u8; 32])>,
}

impl Walker {
    fn step(
        &mut self,
        seq: i64,
        stored_prev: &[u8],
        stored_hash: &[u8],
        computed: impl FnOnce(&[u8; 32]) -> [u8; 32],
    ) {
        if self.broken.is_some() {
            return;
        }
        let problem = if seq != self.expected {
            Some(if seq > self.expected {
                Problem::MissingRow
            } else {
                Problem::PrevHashMismatch
            })
        } else if stored_prev != self.prev {
            Some(Problem::PrevHashMismatch)
        } else if computed(&self.prev)[..] != *stored_hash {
            Some(Problem::RowHashMismatch)
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.broken = Some(Break {
                    seq: self.expected,
                    problem,
                })
            }
            None if self
                .anchor
                .is_some_and(|(at, hash)| at == seq && hash[..] != *stored_hash) =>
            {
                self.broken = Some(Break {
                    seq,
                    problem: Problem::RewrittenBehindAnchor,
                })
            }
            None => {
                self.prev.copy_from_slice(stored_hash);
                self.expected += 1;
            }
        }
    }
}

impl Walker {
    /// A walk that continues a chain after position `after` (0, or the last archived row)
    /// whose hash is `prev`.
    pub(crate) fn after(after: i64, prev: [u8; 32], anchor: Option<(i64, [u8; 32])>) -> Self {
        Self {
            expected: after + 1,
            prev: if after == 0 { GENESIS } else { prev },
            broken: None,
            anchor,
        }
    }

    pub(crate) fn access(&mut self, rows: &[AccessRow]) {
        for row in rows {
            let entry = row.entry();
            self.step(row.seq, &row.prev_hash, &row.row_hash, |prev| {
                chain::row_hash(LogKind::Access.domain(), prev, row.seq, &entry.fields())
            });
        }
    }

    pub(crate) fn audit(&mut self, rows: &[AuditRow]) {
        for row in rows {
            let entry = row.entry();
            self.step(row.seq, &row.prev_hash, &row.row_hash, |prev| {
                chain::row_hash(LogKind::Audit.domain(), prev, row.seq, &entry.fields())
            });
        }
    }

    /// The first problem met, if any.
    pub(crate) fn broken(&self) -> Option<&Break> {
        self.broken.as_ref()
    }

    /// The hash of the last row that checked out.
    pub(crate) fn last_hash(&self) -> [u8; 32] {
        self.prev
    }
}

/// Verifies one chain, reading it under the institution's own row-level-security setting.
pub async fn verify_chain(db: &Db, tenant: TenantId, kind: LogKind) -> anyhow::Result<ChainReport> {
    verify_chain_anchored(db, tenant, kind, None).await
}

/// As [`verify_chain`], and the row at an anchored position (`seq`, `hash`, kept outside the
/// database) must be the anchored one.
pub async fn verify_chain_anchored(
    db: &Db,
    tenant: TenantId,
    kind: LogKind,
    anchor: Option<(i64, [u8; 32])>,
) -> anyhow::Result<ChainReport> {
    let mut tx = db::system::verification_tx(db, tenant).await?;
    let head = db::logs::head(&mut tx, kind).await?;
    let (head_seq, head_hash) = (head.last_seq, head.last_hash);
    // Archived rows are gone from the table; the live chain continues from the last of them.
    let mut w = Walker::after(
        head.archived_through_seq,
        head.archived_through_hash,
        anchor,
    );
    let mut after = head.archived_through_seq;
    loop {
        let count = match kind {
            LogKind::Access => {
                let page = db::logs::access_page(&mut tx, after, PAGE).await?;
                w.access(&page);
                after = page.last().map(|r| r.seq).unwrap_or(after);
                page.len()
            }
            LogKind::Audit => {
                let page = db::logs::audit_page(&mut tx, after, PAGE).await?;
                w.audit(&page);
                after = page.last().map(|r| r.seq).unwrap_or(after);
                page.len()
            }
        };
        if count < PAGE as usize || w.broken.is_some() {
            break;
        }
    }
    tx.commit().await?;
    let last = w.expected - 1;
    if w.broken.is_none() {
        w.broken = if last < head_seq {
            Some(Break {
                seq: last + 1,
                problem: Problem::MissingRow,
            })
        } else if last > head_seq {
            Some(Break {
                seq: head_seq + 1,
                problem: Problem::BeyondHead,
            })
        } else if w.prev != head_hash {
            Some(Break {
                seq: last,
                problem: Problem::HeadMismatch,
            })
        } else {
            match anchor {
                Some((at, _)) if at > last => Some(Break {
                    seq: last + 1,
                    problem: Problem::CutBehindAnchor,
                }),
                // Anchored at the last archived row: the archive anchor must carry its hash.
                Some((at, hash))
                    if at == head.archived_through_seq
                        && at > 0
                        && hash != head.archived_through_hash =>
                {
                    Some(Break {
                        seq: at,
                        problem: Problem::RewrittenBehindAnchor,
                    })
                }
                _ => None,
            }
        };
    }
    Ok(ChainReport {
        tenant_id: tenant,
        log: kind.code(),
        rows: last - head.archived_through_seq,
        archived_through_seq: head.archived_through_seq,
        broken: w.broken,
    })
}

/// Both chains of one institution.
pub async fn verify_tenant(db: &Db, tenant: TenantId) -> anyhow::Result<Vec<ChainReport>> {
    let mut reports = Vec::new();
    for kind in [LogKind::Access, LogKind::Audit] {
        reports.push(verify_chain(db, tenant, kind).await?);
    }
    Ok(reports)
}

/// Every chain of every institution (and of requests with no institution).
pub async fn verify_all(db: &Db) -> anyhow::Result<Vec<ChainReport>> {
    verify_all_anchored(db, &[]).await
}

/// As [`verify_all`], each chain also checked against its head in `anchored` (read from an
/// anchor kept outside the database, `logs::anchor`); an anchored chain the database no longer
/// has is reported cut.
pub async fn verify_all_anchored(
    db: &Db,
    anchored: &[ChainHead],
) -> anyhow::Result<Vec<ChainReport>> {
    let mut wanted: std::collections::BTreeMap<(uuid::Uuid, &str), (i64, [u8; 32])> =
        std::collections::BTreeMap::new();
    for h in anchored {
        let hash = chain::unhex32(&h.last_hash)
            .ok_or_else(|| anyhow::anyhow!("an anchored hash is not 32 bytes of hex"))?;
        wanted.insert((h.tenant_id, h.log.as_str()), (h.last_seq, hash));
    }
    let mut reports = Vec::new();
    for (tenant, kind) in db::system::chains(db).await? {
        let anchor = wanted.remove(&(tenant.as_uuid(), kind.code()));
        reports.push(verify_chain_anchored(db, tenant, kind, anchor).await?);
    }
    for ((tenant, log), (seq, _)) in wanted {
        let Some(kind) = LogKind::from_code(log) else {
            anyhow::bail!("an anchor names an unknown log {log:?}");
        };
        if seq > 0 {
            reports.push(ChainReport {
                tenant_id: TenantId(tenant),
                log: kind.code(),
                rows: 0,
                archived_through_seq: 0,
                broken: Some(Break {
                    seq: 1,
                    problem: Problem::CutBehindAnchor,
                }),
            });
        }
    }
    Ok(reports)
}
