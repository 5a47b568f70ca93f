//! Orders (オーダ): append-only versions chained by SHA-256, one working draft guarded by its
//! revision, 代行入力 approvals; the day's orders, a visit's orders for 会計 and the Do処方 list.
//! The contents are stored as the JSON of [`OrderContents`] and read only through that type.
//! All queries go through [`TenantTx`]; row-level security confines them to the institution.

use super::versioned::ORDER;
use super::TenantTx;
use crate::chain::hex;
use serde_json::Value;
use shared::api::orders::{
    OrderContents, OrderDetail, OrderDraft, OrderKind, OrderStatus, OrderVersion, PastPrescription,
    PendingOrder, WarningOverride,
};
use shared::domain::japanese::format_date;
use shared::ids::{OrderId, PatientId, ReceptionId, UserId};
use sqlx::types::Json;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
struct RawHead {
    order_id: Uuid,
    patient_id: Uuid,
    reception_id: Option<Uuid>,
    visit_date: Date,
    kind: String,
}

/// An order's fixed facts: whose, which visit, what kind.
#[derive(Debug, Clone)]
pub struct OrderHead {
    pub order_id: OrderId,
    pub patient_id: PatientId,
    pub reception_id: Option<ReceptionId>,
    pub visit_date: Date,
    pub kind: OrderKind,
}

impl TryFrom<RawHead> for OrderHead {
    type Error = sqlx::Error;
    fn try_from(r: RawHead) -> Result<Self, sqlx::Error> {
        Ok(Self {
            order_id: OrderId(r.order_id),
            patient_id: PatientId(r.patient_id),
            reception_id: r.reception_id.map(ReceptionId),
            visit_date: r.visit_date,
            kind: OrderKind::from_code(&r.kind).ok_or_else(|| {
                sqlx::Error::Decode(format!("order {}: unknown kind", r.order_id).into())
            })?,
        })
    }
}

const HEAD_COLUMNS: &str = "order_id, patient_id, reception_id, visit_date, kind";

fn heads(rows: Vec<RawHead>) -> Result<Vec<OrderHead>, sqlx::Error> {
    rows.into_iter().map(OrderHead::try_from).collect()
}

/// Contents read back through their type; a failure names the order, never the content.
fn contents_of(order: Uuid, value: Value) -> Result<OrderContents, sqlx::Error> {
    serde_json::from_value(value)
        .map_err(|_| sqlx::Error::Decode(format!("order {order}: unreadable contents").into()))
}

pub async fn create_order(
    tx: &mut TenantTx,
    patient: PatientId,
    reception: Option<ReceptionId>,
    visit_date: Date,
    kind: OrderKind,
    by: UserId,
) -> Result<OrderHead, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let raw: RawHead = sqlx::query_as(&format!(
        "insert into clinical_order (tenant_id, order_id, patient_id, reception_id, visit_date, kind, created_by) \
         values ($1, $2, $3, $4, $5, $6, $7) returning {HEAD_COLUMNS}"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(patient.as_uuid())
    .bind(reception.map(|r| r.as_uuid()))
    .bind(visit_date)
    .bind(kind.code())
    .bind(by.as_uuid())
    .fetch_one(tx.conn())
    .await?;
    raw.try_into()
}

pub async fn find_order(
    tx: &mut TenantTx,
    order: OrderId,
) -> Result<Option<OrderHead>, sqlx::Error> {
    let raw: Option<RawHead> = sqlx::query_as(&format!(
        "select {HEAD_COLUMNS} from clinical_order where order_id = $1"
    ))
    .bind(order.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    raw.map(OrderHead::try_from).transpose()
}

/// The patient's orders of a visit day, oldest first.
pub async fn day_orders(
    tx: &mut TenantTx,
    patient: PatientId,
    day: Date,
) -> Result<Vec<OrderHead>, sqlx::Error> {
    let rows: Vec<RawHead> = sqlx::query_as(&format!(
        "select {HEAD_COLUMNS} from clinical_order where patient_id = $1 and visit_date = $2 \
         order by created_at, order_id limit 200"
    ))
    .bind(patient.as_uuid())
    .bind(day)
    .fetch_all(tx.conn())
    .await?;
    heads(rows)
}

/// The patient's orders with a visit date in `from..=to`, oldest first, at most `limit`.
pub async fn orders_between(
    tx: &mut TenantTx,
    patient: PatientId,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<OrderHead>, sqlx::Error> {
    let rows: Vec<RawHead> = sqlx::query_as(&format!(
        "select {HEAD_COLUMNS} from clinical_order where patient_id = $1 \
         and visit_date between $2 and $3 order by visit_date, created_at, order_id limit $4"
    ))
    .bind(patient.as_uuid())
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    heads(rows)
}

/// The orders of one visit (受付), oldest first.
pub async fn reception_orders(
    tx: &mut TenantTx,
    reception: ReceptionId,
) -> Result<Vec<OrderHead>, sqlx::Error> {
    // The visit's own orders, and those of the patient's day that were made before anyone
    // checked the patient in (no reception): they belong to the day's first reception that
    // was not cancelled, so an order is never left out of 会計 for want of a 受付.
    let rows: Vec<RawHead> = sqlx::query_as(&format!(
        "select {HEAD_COLUMNS} from clinical_order o where o.reception_id = $1 \
           or (o.reception_id is null \
               and (o.patient_id, o.visit_date) = \
                   (select patient_id, visit_date from reception where reception_id = $1) \
               and $1 = (select r.reception_id from reception r \
                         where r.patient_id = o.patient_id and r.visit_date = o.visit_date \
                           and r.status <> 'cancelled' \
                         order by r.checked_in_at, r.reception_id limit 1)) \
         order by created_at, order_id limit 200"
    ))
    .bind(reception.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    heads(rows)
}

#[derive(Debug, Clone, FromRow)]
struct VersionRow {
    version: i32,
    contents: Json<Value>,
    cancelled: bool,
    overrides: Json<Value>,
    #[sqlx(try_from = "Uuid")]
    author_user_id: UserId,
    author: Option<String>,
    on_behalf_of: Option<Uuid>,
    on_behalf_of_name: Option<String>,
    reason: String,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
    created_at: OffsetDateTime,
    approved_at: Option<OffsetDateTime>,
    approved_by: Option<String>,
}

/// What a version's hash covers: the previous hash, the order and everything the version says,
/// in a fixed order (a JSON array). The contents and overrides enter as the JSON text their types
/// write (fields in declaration order), not as a JSON object whose key order would depend on
/// serde_json's map features.
pub struct VersionContent<'a> {
    pub order_id: OrderId,
    pub version: i32,
    pub contents: &'a OrderContents,
    pub cancelled: bool,
    pub overrides: &'a [WarningOverride],
    pub author: UserId,
    pub on_behalf_of: Option<UserId>,
    pub reason: &'a str,
    pub created_at: OffsetDateTime,
}

pub fn version_hash(prev: Option<&[u8]>, content: &VersionContent<'_>) -> Vec<u8> {
    let body = serde_json::json!([
        content.order_id.to_string(),
        content.version,
        serde_json::to_string(content.contents).unwrap_or_default(),
        content.cancelled,
        serde_json::to_string(content.overrides).unwrap_or_default(),
        content.author.to_string(),
        content.on_behalf_of.map(|u| u.to_string()),
        content.reason,
        crate::clock::rfc3339(content.created_at),
    ]);
    crate::chain::version_link(prev, &body)
}

const VERSION_COLUMNS: &str = "v.version, v.contents, v.cancelled, v.overrides, \
     v.author_user_id, au.display_name as author, v.on_behalf_of, ob.display_name as on_behalf_of_name, \
     v.reason, v.prev_hash, v.hash, v.created_at, a.approved_at, ap.display_name as approved_by";

const VERSION_FROM: &str = "from order_version v \
     left join app_user au on au.user_id = v.author_user_id \
     left join app_user ob on ob.user_id = v.on_behalf_of \
     left join order_approval a on a.order_id = v.order_id and a.version = v.version \
     left join app_user ap on ap.user_id = a.approved_by";

/// A version as read: its parts decoded through their types.
struct ReadVersion {
    row: VersionRow,
    contents: OrderContents,
    overrides: Vec<WarningOverride>,
}

impl ReadVersion {
    fn read(order: OrderId, row: VersionRow) -> Result<Self, sqlx::Error> {
        let contents = contents_of(order.as_uuid(), row.contents.0.clone())?;
        let overrides = serde_json::from_value(row.overrides.0.clone()).map_err(|_| {
            sqlx::Error::Decode(format!("order {order}: unreadable overrides").into())
        })?;
        Ok(Self {
            row,
            contents,
            overrides,
        })
    }

    fn content(&self, order: OrderId) -> VersionContent<'_> {
        VersionContent {
            order_id: order,
            version: self.row.version,
            contents: &self.contents,
            cancelled: self.row.cancelled,
            overrides: &self.overrides,
            author: self.row.author_user_id,
            on_behalf_of: self.row.on_behalf_of.map(UserId),
            reason: &self.row.reason,
            created_at: self.row.created_at,
        }
    }

    fn detail(self) -> OrderVersion {
        let r = self.row;
        OrderVersion {
            version: r.version,
            contents: self.contents,
            cancelled: r.cancelled,
            overrides: self.overrides,
            author_id: r.author_user_id,
            author: r.author.unwrap_or_default(),
            on_behalf_of_id: r.on_behalf_of.map(UserId),
            on_behalf_of: r.on_behalf_of_name,
            approved_at: r.approved_at.map(crate::clock::rfc3339),
            approved_by: r.approved_by,
            reason: r.reason,
            created_at: crate::clock::rfc3339(r.created_at),
            hash: hex(&r.hash),
        }
    }
}

async fn versions(tx: &mut TenantTx, order: OrderId) -> Result<Vec<ReadVersion>, sqlx::Error> {
    let rows: Vec<VersionRow> = sqlx::query_as(&format!(
        "select {VERSION_COLUMNS} {VERSION_FROM} where v.order_id = $1 order by v.version desc"
    ))
    .bind(order.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(|r| ReadVersion::read(order, r))
        .collect()
}

#[derive(Debug, Clone, FromRow)]
struct RawDraft {
    base_version: i32,
    revision: i64,
    contents: Json<Value>,
    #[sqlx(try_from = "Uuid")]
    author_user_id: UserId,
    author: Option<String>,
    on_behalf_of: Option<Uuid>,
    updated_at: OffsetDateTime,
}

/// The working copy of an order.
#[derive(Debug, Clone)]
pub struct DraftRow {
    pub base_version: i32,
    pub revision: i64,
    pub contents: OrderContents,
    pub author_user_id: UserId,
    pub author: Option<String>,
    pub on_behalf_of: Option<UserId>,
    pub updated_at: OffsetDateTime,
}

impl DraftRow {
    pub fn detail(&self) -> OrderDraft {
        OrderDraft {
            base_version: self.base_version,
            revision: self.revision,
            contents: self.contents.clone(),
            author_id: self.author_user_id,
            author: self.author.clone().unwrap_or_default(),
            on_behalf_of_id: self.on_behalf_of,
            updated_at: crate::clock::rfc3339(self.updated_at),
        }
    }
}

pub async fn draft(tx: &mut TenantTx, order: OrderId) -> Result<Option<DraftRow>, sqlx::Error> {
    let raw: Option<RawDraft> = sqlx::query_as(
        "select d.base_version, d.revision, d.contents, d.author_user_id, u.display_name as author, \
         d.on_behalf_of, d.updated_at \
         from order_draft d left join app_user u on u.user_id = d.author_user_id where d.order_id = $1",
    )
    .bind(order.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    raw.map(|r| {
        Ok(DraftRow {
            base_version: r.base_version,
            revision: r.revision,
            contents: contents_of(order.as_uuid(), r.contents.0)?,
            author_user_id: r.author_user_id,
            author: r.author,
            on_behalf_of: r.on_behalf_of.map(UserId),
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

fn status_of(versions: &[OrderVersion]) -> OrderStatus {
    match versions.first() {
        None => OrderStatus::Draft,
        // A 取消 entered by a clerk for the doctor (代行入力) waits for the doctor like any
        // other: until approved, the order stands (and 会計 prices it).
        Some(v) if v.is_pending() => OrderStatus::Pending,
        Some(v) if v.cancelled => OrderStatus::Cancelled,
        Some(v) if v.version > 1 => OrderStatus::Amended,
        Some(_) => OrderStatus::Final,
    }
}

/// The order with every version (newest first), its draft, and whether its hash chain holds.
pub async fn detail(tx: &mut TenantTx, head: &OrderHead) -> Result<OrderDetail, sqlx::Error> {
    let read = versions(tx, head.order_id).await?;
    let draft = draft(tx, head.order_id).await?;
    let chain_intact = crate::chain::versions_intact(
        read.iter().rev(),
        |v| (&v.row.prev_hash, &v.row.hash),
        |prev, v| version_hash(prev, &v.content(head.order_id)),
    );
    let versions: Vec<OrderVersion> = read.into_iter().map(ReadVersion::detail).collect();
    let issued_versions: Vec<i32> = sqlx::query_scalar(
        "select distinct version from prescription_issue where order_id = $1 order by version",
    )
    .bind(head.order_id.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    // The bill of the visit it belongs to (its own reception, or the day's first one for an
    // order made before check-in, as `reception_orders` reads it): the order version that
    // bill's newest version priced.
    let billed_version = sqlx::query_scalar::<_, Option<i32>>(
        "select (select (e->>'version')::int from jsonb_array_elements(b.orders) e \
                 where e->>'order_id' = $2 limit 1) \
         from bill_version b where b.patient_id = $1 and b.service_date = $3 \
           and b.orders @> jsonb_build_array(jsonb_build_object('order_id', $2::text)) \
         order by b.version desc limit 1",
    )
    .bind(head.patient_id.as_uuid())
    .bind(head.order_id.to_string())
    .bind(head.visit_date)
    .fetch_optional(tx.conn())
    .await?
    .flatten();
    Ok(OrderDetail {
        order_id: head.order_id,
        patient_id: head.patient_id,
        kind: head.kind,
        visit_date: format_date(head.visit_date),
        reception_id: head.reception_id,
        status: status_of(&versions),
        versions,
        draft: draft.map(|d| d.detail()),
        chain_intact,
        issued_versions,
        billed_version,
    })
}

/// The details of several orders, in the order given.
pub async fn details(
    tx: &mut TenantTx,
    heads: &[OrderHead],
) -> Result<Vec<OrderDetail>, sqlx::Error> {
    let mut out = Vec::with_capacity(heads.len());
    for head in heads {
        out.push(detail(tx, head).await?);
    }
    Ok(out)
}

/// The newest version's number and hash (0 and none before the first).
pub async fn head_version(
    tx: &mut TenantTx,
    order: OrderId,
) -> Result<(i32, Option<Vec<u8>>), sqlx::Error> {
    ORDER.head_version(tx, order.as_uuid()).await
}

/// Serialises the writes of one order until the transaction ends ([`super::versioned::Record::lock`]).
pub async fn lock_order(tx: &mut TenantTx, order: OrderId) -> Result<(), sqlx::Error> {
    ORDER.lock(tx, order.as_uuid()).await
}

/// Serialises the prescription 確定 of one visit (院内 and 院外 are one per visit).
pub async fn lock_reception(tx: &mut TenantTx, reception: ReceptionId) -> Result<(), sqlx::Error> {
    tx.lock_key(&format!("reception-orders:{reception}")).await
}

/// The draft as saved: who, for whom, on what.
pub struct NewDraft<'a> {
    pub base_revision: i64,
    pub base_version: i32,
    pub contents: &'a OrderContents,
    pub author: UserId,
    pub on_behalf_of: Option<UserId>,
}

/// Saves the draft if nobody saved since `base_revision` (0: there must be no draft yet).
/// Returns the new revision, or `None` when the draft moved on (a conflict).
pub async fn save_draft(
    tx: &mut TenantTx,
    order: OrderId,
    d: &NewDraft<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let revision = next_draft_revision(tx, order).await?;
    let contents = Json(d.contents);
    if d.base_revision == 0 {
        sqlx::query_scalar(
            "insert into order_draft (tenant_id, order_id, base_version, revision, contents, \
             author_user_id, on_behalf_of) values ($1, $2, $3, $4, $5, $6, $7) \
             on conflict (tenant_id, order_id) do nothing returning revision",
        )
        .bind(tenant)
        .bind(order.as_uuid())
        .bind(d.base_version)
        .bind(revision)
        .bind(contents)
        .bind(d.author.as_uuid())
        .bind(d.on_behalf_of.map(|u| u.as_uuid()))
        .fetch_optional(tx.conn())
        .await
    } else {
        sqlx::query_scalar(
            "update order_draft set revision = $3, contents = $4, author_user_id = $5, \
             on_behalf_of = $6, updated_at = now() \
             where order_id = $1 and revision = $2 and base_version = $7 returning revision",
        )
        .bind(order.as_uuid())
        .bind(d.base_revision)
        .bind(revision)
        .bind(contents)
        .bind(d.author.as_uuid())
        .bind(d.on_behalf_of.map(|u| u.as_uuid()))
        .bind(d.base_version)
        .fetch_optional(tx.conn())
        .await
    }
}

/// The order's next draft revision: its own counter, never reused after a discard.
async fn next_draft_revision(tx: &mut TenantTx, order: OrderId) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_scalar(
        "insert into order_draft_counter (tenant_id, order_id, last_revision) values ($1, $2, 1) \
         on conflict (tenant_id, order_id) do update set last_revision = order_draft_counter.last_revision + 1 \
         returning last_revision",
    )
    .bind(tenant)
    .bind(order.as_uuid())
    .fetch_one(tx.conn())
    .await
}

/// Removes the draft at `revision` (after it became a version, or when discarded).
pub async fn delete_draft(
    tx: &mut TenantTx,
    order: OrderId,
    revision: i64,
) -> Result<bool, sqlx::Error> {
    ORDER.delete_draft(tx, order.as_uuid(), revision).await
}

/// Appends a version. A unique violation means another version with that number was written
/// first (the caller's base is stale).
pub async fn insert_version(
    tx: &mut TenantTx,
    content: &VersionContent<'_>,
    prev_hash: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let hash = version_hash(prev_hash, content);
    sqlx::query(
        "insert into order_version (tenant_id, order_id, version, contents, cancelled, overrides, \
         author_user_id, on_behalf_of, reason, prev_hash, hash, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(content.order_id.as_uuid())
    .bind(content.version)
    .bind(Json(content.contents))
    .bind(content.cancelled)
    .bind(Json(content.overrides))
    .bind(content.author.as_uuid())
    .bind(content.on_behalf_of.map(|u| u.as_uuid()))
    .bind(content.reason)
    .bind(prev_hash)
    .bind(hash)
    .bind(content.created_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The doctor a version was entered for and whether it is approved: `None` if no such version.
pub async fn proxy_of(
    tx: &mut TenantTx,
    order: OrderId,
    version: i32,
) -> Result<Option<(Option<UserId>, bool)>, sqlx::Error> {
    ORDER.proxy_of(tx, order.as_uuid(), version).await
}

pub async fn approve(
    tx: &mut TenantTx,
    order: OrderId,
    version: i32,
    by: UserId,
) -> Result<(), sqlx::Error> {
    ORDER.approve(tx, order.as_uuid(), version, by).await
}

/// SQL over an order's newest version `v`: the order stands (not cancelled, or its 取消 is a
/// 代行入力 still waiting for the doctor's approval).
const STANDS: &str = "not (v.cancelled and (v.on_behalf_of is null or exists \
    (select 1 from order_approval a where a.order_id = v.order_id and a.version = v.version)))";

/// 代行入力 order versions entered for `doctor` and not yet approved, oldest first.
pub async fn pending_for(
    tx: &mut TenantTx,
    doctor: UserId,
) -> Result<Vec<PendingOrder>, sqlx::Error> {
    ORDER
        .pending_for(tx, doctor)
        .await?
        .into_iter()
        .map(|r| {
            Ok(PendingOrder {
                order_id: OrderId(r.id),
                version: r.version,
                kind: OrderKind::from_code(&r.kind).ok_or_else(|| {
                    sqlx::Error::Decode(format!("order {}: unknown kind", r.id).into())
                })?,
                patient_id: PatientId(r.patient_id),
                patient_name: r.patient_name,
                visit_date: format_date(r.visit_date),
                author: r.author.unwrap_or_default(),
                created_at: crate::clock::rfc3339(r.created_at),
            })
        })
        .collect()
}

/// The patient's 確定 prescriptions (the newest version of each, cancelled ones left out),
/// newest first, after the cursor `(visit_date, order_id)` if given; at most `limit`.
pub async fn prescriptions(
    tx: &mut TenantTx,
    patient: PatientId,
    after: Option<(Date, OrderId)>,
    limit: i64,
) -> Result<Vec<(PastPrescription, Date)>, sqlx::Error> {
    type Row = (Uuid, Date, i32, Json<Value>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select o.order_id, o.visit_date, v.version, v.contents, u.display_name \
         from clinical_order o \
         join lateral (select * from order_version w where w.order_id = o.order_id \
             order by w.version desc limit 1) v on true \
         left join app_user u on u.user_id = v.author_user_id \
         where o.patient_id = $1 and o.kind = 'prescription' and {STANDS} \
           and ($2::date is null or (o.visit_date, o.order_id) < ($2::date, $3::uuid)) \
         order by o.visit_date desc, o.order_id desc limit $4"
    ))
    .bind(patient.as_uuid())
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1.as_uuid()))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (order, date, version, contents, author) in rows {
        let OrderContents::Prescription(prescription) = contents_of(order, contents.0)? else {
            return Err(sqlx::Error::Decode(
                format!("order {order}: not a prescription").into(),
            ));
        };
        out.push((
            PastPrescription {
                order_id: OrderId(order),
                version,
                visit_date: format_date(date),
                author: author.unwrap_or_default(),
                prescription,
            },
            date,
        ));
    }
    Ok(out)
}

/// The contents of the institution's orders from `since` on (the newest version of each, 確定
/// and not cancelled), newest visits first, at most `limit`: what the frequent items count.
pub async fn recent_contents(
    tx: &mut TenantTx,
    since: Date,
    limit: i64,
) -> Result<Vec<OrderContents>, sqlx::Error> {
    let rows: Vec<(Uuid, Json<Value>)> = sqlx::query_as(&format!(
        "select o.order_id, v.contents \
         from clinical_order o \
         join lateral (select w.order_id, w.version, w.contents, w.cancelled, w.on_behalf_of \
             from order_version w \
             where w.tenant_id = o.tenant_id and w.order_id = o.order_id \
             order by w.version desc limit 1) v on true \
         where o.visit_date >= $1 and {STANDS} \
         order by o.visit_date desc, o.order_id desc limit $2"
    ))
    .bind(since)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(|(order, contents)| contents_of(order, contents.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::orders::{Leftover, OrderedRp, PrescriptionOrder, Usage};
    use shared::billing::{Dispensing, Quantity, Rp, RpDrug};

    /// Every stored order version is chained by this hash: its input must never change.
    #[test]
    fn a_version_hash_keeps_its_value() {
        let contents = OrderContents::Prescription(PrescriptionOrder {
            dispensing: Dispensing::Outside,
            rps: vec![OrderedRp {
                rp: Rp::Internal {
                    days: 7,
                    temporary: false,
                    drugs: vec![RpDrug::new("620098801", Quantity::units(3))],
                },
                usage: Usage {
                    code: Some("1013044400000000".into()),
                    text: "１日３回朝昼夕食後".into(),
                    times_per_day: Some(3),
                },
            }],
            specific_disease: false,
            refill_uses: None,
            split_count: None,
            leftover: Some(Leftover::Inform),
            remarks: String::new(),
        });
        let overrides = [WarningOverride {
            key: "duplicate:1149019".into(),
            reason: "頓用と定時の併用".into(),
        }];
        let content = VersionContent {
            order_id: OrderId(Uuid::from_u128(1)),
            version: 2,
            contents: &contents,
            cancelled: false,
            overrides: &overrides,
            author: UserId(Uuid::from_u128(2)),
            on_behalf_of: None,
            reason: "日数変更",
            created_at: time::macros::datetime!(2026-12-04 01:02:03.456789 UTC),
        };
        let hash = hex(&version_hash(Some(&[7u8; 32]), &content));
        // SHA-256 of the previous hash and the JSON array of the content, computed independently.
        assert_eq!(
            hash,
            "bcb75d392aa494ee16fb7f7993ffb1c521b6e8ef0721e75f05f67f9f67177519"
        );
    }
}
