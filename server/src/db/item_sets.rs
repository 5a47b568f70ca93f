//! セット (sets of frequent items for 会計): append-only versions; the current version of each
//! set is its highest. All queries go through [`TenantTx`].

use super::TenantTx;
use shared::api::billing::{ItemSet, SetContents};
use shared::ids::{ItemSetId, UserId};
use sqlx::types::Json;
use sqlx::FromRow;
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct SetRow {
    #[sqlx(try_from = "Uuid")]
    pub item_set_id: ItemSetId,
    pub version: i32,
    pub name: String,
    pub contents: Json<SetContents>,
    pub retired: bool,
}

impl SetRow {
    pub fn detail(&self) -> ItemSet {
        ItemSet {
            item_set_id: self.item_set_id,
            version: self.version,
            name: self.name.clone(),
            contents: self.contents.0.clone(),
            retired: self.retired,
        }
    }
}

/// The current version of every set, by name; retired ones only when asked.
pub async fn current(tx: &mut TenantTx, with_retired: bool) -> Result<Vec<SetRow>, sqlx::Error> {
    sqlx::query_as(
        "select * from (select distinct on (item_set_id) item_set_id, version, name, contents, retired \
         from item_set_version order by item_set_id, version desc) current \
         where $1 or not retired order by name, item_set_id",
    )
    .bind(with_retired)
    .fetch_all(tx.conn())
    .await
}

/// The outcome of [`write`].
pub enum Saved {
    Version(ItemSetId, i32),
    /// `base` is no longer the current version.
    Stale,
    /// No set of this institution has that id.
    NotFound,
}

/// Writes a new set (`id` None) or version `base + 1` of one.
pub async fn write(
    tx: &mut TenantTx,
    id: Option<(ItemSetId, i32)>,
    name: &str,
    contents: &SetContents,
    retired: bool,
    author: UserId,
) -> Result<Saved, sqlx::Error> {
    let (id, version) = match id {
        None => (ItemSetId(Uuid::new_v4()), 1),
        Some((id, base)) => {
            let current: Option<i32> = sqlx::query_scalar(
                "select max(version) from item_set_version where item_set_id = $1",
            )
            .bind(id.as_uuid())
            .fetch_one(tx.conn())
            .await?;
            match current {
                None => return Ok(Saved::NotFound),
                Some(v) if v != base => return Ok(Saved::Stale),
                Some(_) => {}
            }
            (id, base + 1)
        }
    };
    let inserted = sqlx::query(
        "insert into item_set_version (tenant_id, item_set_id, version, name, contents, retired, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(version)
    .bind(name)
    .bind(Json(contents))
    .bind(retired)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(if inserted.rows_affected() == 1 {
        Saved::Version(id, version)
    } else {
        Saved::Stale
    })
}
