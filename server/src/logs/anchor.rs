//! Log chain heads anchored outside the database. Someone who can rewrite a whole chain and its
//! head in PostgreSQL can recompute every hash, and the chain verifies. An anchor closes that:
//! every chain's head (institution, log, last position, last hash), sealed with an HMAC under a
//! key derived from the server's secret key (which is not in the database), written once to the
//! write-once record store (an Object Lock bucket) by `karte-server audit anchor` (hourly) and
//! by every backup run. The verifier (`audit verify --record-store …`) checks each chain against
//! the newest anchor: the row at an anchored position must still carry the anchored hash.

use crate::db::backup::ChainHead;
use crate::db::{self, Db};
use crate::files::RecordStore;
use crate::secrets::{open_line, seal_line, Seal, SecretKey};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The HMAC purpose of anchors.
const PURPOSE: &str = "karte/log-anchor/v1";
/// Where anchors go in the record store.
const PREFIX: &str = "log-anchors";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub format: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub heads: Vec<ChainHead>,
}

/// Every chain's head now, read as the verifier reads it (each institution's own setting).
pub async fn current_heads(db: &Db) -> anyhow::Result<Vec<ChainHead>> {
    let mut heads = Vec::new();
    for (tenant, kind) in db::system::chains(db).await? {
        let mut tx = db::system::verification_tx(db, tenant).await?;
        let head = db::logs::head(&mut tx, kind).await?;
        tx.commit().await?;
        heads.push(ChainHead {
            tenant_id: tenant.as_uuid(),
            log: kind.code().to_string(),
            last_seq: head.last_seq,
            last_hash: crate::chain::hex(&head.last_hash),
        });
    }
    Ok(heads)
}

/// Seals `heads` and writes them to the record store; returns the key written.
pub async fn write(
    store: &RecordStore,
    key: &SecretKey,
    heads: Vec<ChainHead>,
) -> anyhow::Result<String> {
    let at = OffsetDateTime::now_utc();
    let anchor = Anchor {
        format: 1,
        at,
        heads,
    };
    let name = format!(
        "{PREFIX}/{}-{}.json",
        crate::clock::compact_utc(at),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let bytes = seal_line(Some(key), PURPOSE, &serde_json::to_string(&anchor)?);
    store.put_new(&name, bytes).await?;
    Ok(name)
}

/// The anchor `name` in the store and whether its seal holds; `None` when there is none.
pub async fn read(
    store: &RecordStore,
    key: &SecretKey,
    name: &str,
) -> anyhow::Result<Option<(String, Anchor, Seal)>> {
    let name = if name.starts_with(PREFIX) {
        name.to_string()
    } else {
        format!("{PREFIX}/{name}")
    };
    if !store.keys(PREFIX).await?.contains(&name) {
        return Ok(None);
    }
    let bytes = store.get(&name).await?;
    let (json, seal) = open_line(Some(key), PURPOSE, &bytes)?;
    let anchor: Anchor = serde_json::from_str(json).context("reading a log anchor")?;
    Ok(Some((name, anchor, seal)))
}

/// The newest anchor in the store and whether its seal holds; `None` when there is none.
pub async fn latest(
    store: &RecordStore,
    key: &SecretKey,
) -> anyhow::Result<Option<(String, Anchor, Seal)>> {
    match store.keys(PREFIX).await?.last() {
        Some(name) => read(store, key, name).await,
        None => Ok(None),
    }
}
