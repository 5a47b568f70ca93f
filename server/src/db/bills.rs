//! Bills (会計) of visits: append-only versions, each storing the visit and the priced result as
//! computed. All queries go through [`TenantTx`].

use super::TenantTx;
use serde_json::Value;
use shared::api::orders::OrderRef;
use shared::billing::{HistoryEntry, PricedVisit, StoredBill, Visit, BILL_FORMAT};
use shared::ids::{BillId, PatientId, ReceptionId, UserId};
use sqlx::types::Json;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A stored bill's JSON is read only through [`StoredBill`] (never by field names in SQL: a
/// renamed Rust field would then silently read nothing); a failure names the bill.
/// A stored bill that cannot be read, named by id only (the reader's message may quote the
/// stored visit, which is patient data).
fn unreadable(bill: BillId, version: i32, _: shared::billing::StoredBillError) -> sqlx::Error {
    sqlx::Error::Decode(format!("bill {bill} version {version}: unreadable").into())
}

/// Logs an unreadable bill left out of a sum over the patient's other bills (by id only): its
/// own 会計 says so and the month cannot be filed until it is finalised again.
fn skipped(bill: Uuid, version: i32) {
    tracing::error!(bill = %bill, version, "a stored bill cannot be read; left out");
}

#[derive(Debug, Clone, FromRow)]
struct RawBillRow {
    #[sqlx(try_from = "Uuid")]
    bill_id: BillId,
    version: i32,
    format: i16,
    visit: Json<Value>,
    priced: Json<Value>,
    paid: i32,
    master_revision: String,
    reason: String,
    author: Option<String>,
    created_at: OffsetDateTime,
    orders: Json<Value>,
    entries: Option<Json<Value>>,
}

#[derive(Debug, Clone)]
pub struct BillRow {
    pub bill_id: BillId,
    pub version: i32,
    pub bill: StoredBill,
    pub paid: i32,
    pub master_revision: String,
    pub reason: String,
    pub author: Option<String>,
    pub created_at: OffsetDateTime,
    /// The order versions it was priced from.
    pub orders: Vec<OrderRef>,
    /// The clerk's own entries (the visit without the orders).
    pub entries: Visit,
}

impl BillRow {
    fn read(raw: RawBillRow) -> Result<Self, sqlx::Error> {
        let bill = StoredBill::read(raw.format, raw.visit.0, raw.priced.0)
            .map_err(|e| unreadable(raw.bill_id, raw.version, e))?;
        let entries = match raw.entries {
            Some(entries) => StoredBill::read_visit(raw.format, entries.0)
                .map_err(|e| unreadable(raw.bill_id, raw.version, e))?,
            None => bill.visit.clone(),
        };
        Ok(Self {
            bill_id: raw.bill_id,
            version: raw.version,
            bill,
            entries,
            paid: raw.paid,
            master_revision: raw.master_revision,
            reason: raw.reason,
            author: raw.author,
            created_at: raw.created_at,
            orders: serde_json::from_value(raw.orders.0).map_err(|_| {
                sqlx::Error::Decode(
                    format!(
                        "bill {} version {}: unreadable orders",
                        raw.bill_id, raw.version
                    )
                    .into(),
                )
            })?,
        })
    }

    pub fn detail(&self) -> shared::api::billing::BillVersion {
        shared::api::billing::BillVersion {
            bill_id: self.bill_id,
            version: self.version,
            visit: self.bill.visit.clone(),
            priced: self.bill.priced.clone(),
            paid: i64::from(self.paid),
            master_revision: self.master_revision.clone(),
            reason: self.reason.clone(),
            author: self.author.clone(),
            created_at: crate::clock::rfc3339(self.created_at),
            orders: self.orders.clone(),
            entries: self.entries.clone(),
        }
    }
}

/// Every version of the bill of `reception`, newest first.
pub async fn for_reception(
    tx: &mut TenantTx,
    reception: ReceptionId,
) -> Result<ReceptionBills, sqlx::Error> {
    let rows: Vec<RawBillRow> = sqlx::query_as(
        "select b.bill_id, b.version, b.format, b.visit, b.priced, b.paid, b.master_revision, \
         b.reason, u.display_name as author, b.created_at, b.orders, b.entries from bill_version b \
         left join app_user u on u.user_id = b.author_user_id \
         where b.reception_id = $1 order by b.version desc",
    )
    .bind(reception.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let mut bills = ReceptionBills::default();
    for raw in rows {
        let (bill, version) = (raw.bill_id, raw.version);
        match BillRow::read(raw) {
            Ok(row) => bills.rows.push(row),
            // Logged by id only: the reader's message may quote the stored visit.
            Err(_) => {
                tracing::error!(bill = %bill, version, "a stored bill version cannot be read");
                bills.unreadable.push(version);
            }
        }
    }
    Ok(bills)
}

/// A visit's bill versions, newest first, and those whose stored form could not be read (so
/// the 会計 screen still opens, says so, and a new version can be finalised over them).
#[derive(Debug, Default)]
pub struct ReceptionBills {
    pub rows: Vec<BillRow>,
    pub unreadable: Vec<i32>,
}

/// The priced items of the patient's other visits in the calendar month of `date` and the five
/// months before it (current version of each bill), as the engine's history: 月1回 rules read
/// the month, "3月に1回" rules (医療情報取得加算 at 再診) three, "6月以内" (生活習慣病管理料(Ⅱ)
/// 注5) all six.
pub async fn month_history(
    tx: &mut TenantTx,
    patient: PatientId,
    date: Date,
    except_reception: ReceptionId,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let first = date.replace_day(1).unwrap_or(date);
    let rows: Vec<(Uuid, i32, Date, i16, Json<Value>)> = sqlx::query_as(
        "select bill_id, version, service_date, format, priced from ( \
           select distinct on (bill_id) bill_id, version, service_date, format, priced, reception_id \
           from bill_version where patient_id = $1 \
             and service_date >= ($2::date - interval '5 months') \
             and service_date < ($2::date + interval '1 month') \
           order by bill_id, version desc) current \
         where reception_id <> $3",
    )
    .bind(patient.as_uuid())
    .bind(first)
    .bind(except_reception.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let mut history = Vec::new();
    for (bill, version, day, format, priced) in rows {
        let Ok(priced) = StoredBill::read_priced(format, priced.0) else {
            skipped(bill, version);
            continue;
        };
        history.extend(priced.lines.into_iter().map(|line| HistoryEntry {
            code: line.code,
            date: day,
            count: line.count,
        }));
    }
    Ok(history)
}

/// What the patient paid (一部負担金 as billed) in the month of `date` under the 公費 with
/// `payer_number` (as 第一公費 or a later one), over the current versions of the other visits'
/// bills. Every 公費 the server applies covers all 部, so a visit's whole share counts.
pub async fn paid_under_public(
    tx: &mut TenantTx,
    patient: PatientId,
    date: Date,
    except_reception: ReceptionId,
    payer_number: &str,
) -> Result<i64, sqlx::Error> {
    let first = date.replace_day(1).unwrap_or(date);
    let rows: Vec<(Uuid, i32, i32, i16, Json<Value>)> = sqlx::query_as(
        "select bill_id, version, patient_share, format, visit from ( \
           select distinct on (bill_id) bill_id, version, patient_share, format, visit, reception_id \
           from bill_version where patient_id = $1 and service_date >= $2 \
             and service_date < ($2::date + interval '1 month') \
           order by bill_id, version desc) current \
         where reception_id <> $3",
    )
    .bind(patient.as_uuid())
    .bind(first)
    .bind(except_reception.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let mut paid = 0;
    for (bill, version, share, format, visit) in rows {
        let Ok(visit) = StoredBill::read_visit(format, visit.0) else {
            skipped(bill, version);
            continue;
        };
        if shared::billing::public_payers(&visit).any(|p| p == payer_number) {
            paid += i64::from(share);
        }
    }
    Ok(paid)
}

/// What one version stores.
pub struct NewBill<'a> {
    pub reception: ReceptionId,
    pub patient: PatientId,
    pub visit: &'a Visit,
    pub priced: &'a PricedVisit,
    pub paid: i32,
    pub master_revision: &'a str,
    pub reason: &'a str,
    /// The order versions the visit's orders came from (sorted).
    pub orders: &'a [OrderRef],
    /// The clerk's own entries, when the visit has orders too.
    pub entries: Option<&'a Visit>,
    /// The insurance of the visit's 保険組合せ it was priced under (none: 公費単独).
    pub insurance: Option<shared::ids::InsuranceId>,
}

/// Writes version `base + 1` of the bill of the reception (a new bill for base 0); `None` when
/// `base` is no longer the newest version (someone saved first).
pub async fn write(
    tx: &mut TenantTx,
    base: i32,
    bill: &NewBill<'_>,
    author: UserId,
) -> Result<Option<(BillId, i32)>, sqlx::Error> {
    let current: Option<(Uuid, i32)> = sqlx::query_as(
        "select bill_id, version from bill_version where reception_id = $1 \
         order by version desc limit 1",
    )
    .bind(bill.reception.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    let (bill_id, version) = match current {
        None if base == 0 => (BillId(Uuid::new_v4()), 1),
        Some((id, v)) if v == base => (BillId(id), v + 1),
        _ => return Ok(None),
    };
    let inserted = sqlx::query(
        "insert into bill_version (tenant_id, bill_id, version, reception_id, patient_id, service_date, \
         format, visit, priced, total_points, patient_share, paid, master_revision, reason, author_user_id, orders, entries, \
         insurance_id) \
         values ($1, $2, $3, $4, $5, $6, $15, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, $18) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(bill_id.as_uuid())
    .bind(version)
    .bind(bill.reception.as_uuid())
    .bind(bill.patient.as_uuid())
    .bind(bill.visit.service_date)
    .bind(Json(bill.visit))
    .bind(Json(bill.priced))
    .bind(i32::try_from(bill.priced.total_points.0).unwrap_or(i32::MAX))
    .bind(i32::try_from(bill.priced.share.patient.0).unwrap_or(i32::MAX))
    .bind(bill.paid)
    .bind(bill.master_revision)
    .bind(bill.reason)
    .bind(author.as_uuid())
    .bind(BILL_FORMAT)
    .bind(Json(bill.orders))
    .bind(bill.entries.map(Json))
    .bind(bill.insurance.map(|i| i.as_uuid()))
    .execute(tx.conn())
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => Ok(Some((bill_id, version))),
        Ok(_) => Ok(None),
        // A second first version for the same visit (two clerks finalising at once).
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("bill_first_version_idx") => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The patient's latest visit before `reception` (to suggest 再診 rather than 初診, and say
/// why): an earlier day, or earlier the same day (checked in before it); cancelled ones do not
/// count. (visit date, 診療科).
pub async fn earlier_visit(
    tx: &mut TenantTx,
    patient: PatientId,
    reception: ReceptionId,
    date: Date,
) -> Result<Option<(Date, String)>, sqlx::Error> {
    sqlx::query_as(
        "select r.visit_date, r.department from reception r, \
           (select checked_in_at, reception_id from reception where reception_id = $2) this \
         where r.patient_id = $1 and r.reception_id <> $2 and r.status <> 'cancelled' \
           and (r.visit_date < $3 or (r.visit_date = $3 \
                and (r.checked_in_at, r.reception_id) < (this.checked_in_at, this.reception_id))) \
         order by r.visit_date desc, r.checked_in_at desc, r.reception_id desc limit 1",
    )
    .bind(patient.as_uuid())
    .bind(reception.as_uuid())
    .bind(date)
    .fetch_optional(tx.conn())
    .await
}

/// The 保険者番号 of the insurance bill version (`bill`, `version`) was priced under, as it
/// was recorded when the bill was finalised; `None` for 公費単独 (or no such version).
pub async fn insurer_of(
    tx: &mut TenantTx,
    bill: BillId,
    version: i32,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select i.insurer_number from bill_version b \
         join lateral (select v.insurer_number from insurance_version v \
           where v.insurance_id = b.insurance_id \
           order by (v.created_at <= b.created_at) desc, v.version desc limit 1) i on true \
         where b.bill_id = $1 and b.version = $2",
    )
    .bind(bill.as_uuid())
    .bind(version)
    .fetch_optional(tx.conn())
    .await
}
