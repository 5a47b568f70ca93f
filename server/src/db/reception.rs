//! The reception queue of one institution. A move writes a `reception_event` and moves the
//! `reception` row only from the version it was read at.

use super::TenantTx;
use shared::domain::coverage::Coverage;
use shared::ids::{PatientId, ReceptionId, UserId};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct EntryRow {
    #[sqlx(try_from = "Uuid")]
    pub reception_id: ReceptionId,
    #[sqlx(try_from = "Uuid")]
    pub patient_id: PatientId,
    pub patient_number: String,
    pub name: String,
    pub kana: String,
    pub department: String,
    pub purpose: String,
    pub memo: String,
    pub status: String,
    pub version: i32,
    pub checked_in_at: OffsetDateTime,
    pub coverage: Option<sqlx::types::Json<Coverage>>,
    pub coverage_label: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    #[sqlx(try_from = "Uuid")]
    pub reception_id: ReceptionId,
    pub status: String,
    pub reason: String,
    pub at: OffsetDateTime,
}

/// The patient's live (not cancelled) receptions of `day`, first first: (診療科, checked in at).
/// Takes a lock on the patient and day first, so two clerks checking the same patient in at
/// once are told of each other.
pub async fn live_on(
    tx: &mut TenantTx,
    patient: PatientId,
    day: Date,
) -> Result<Vec<(String, OffsetDateTime)>, sqlx::Error> {
    tx.lock_key(&format!("reception-day:{patient}{day}"))
        .await?;
    Ok(live_rows(tx, patient, day)
        .await?
        .into_iter()
        .map(|(_, department, at)| (department, at))
        .collect())
}

/// The patient's receptions of `day` that are not cancelled, in check-in order.
async fn live_rows(
    tx: &mut TenantTx,
    patient: PatientId,
    day: Date,
) -> Result<Vec<(Uuid, String, OffsetDateTime)>, sqlx::Error> {
    sqlx::query_as(
        "select reception_id, department, checked_in_at from reception \
         where patient_id = $1 and visit_date = $2 and status <> 'cancelled' \
         order by checked_in_at, reception_id",
    )
    .bind(patient.as_uuid())
    .bind(day)
    .fetch_all(tx.conn())
    .await
}

/// Locks the visit's row until the transaction ends: 会計 finalising and a change of its
/// 保険組合せ never interleave.
pub async fn lock(tx: &mut TenantTx, id: ReceptionId) -> Result<(), sqlx::Error> {
    sqlx::query("select 1 from reception where reception_id = $1 for update")
        .bind(id.as_uuid())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A new reception, with its 保険組合せ and how it reads.
pub struct NewReception<'a> {
    pub patient: PatientId,
    pub day: Date,
    pub department: &'a str,
    pub purpose: &'a str,
    pub memo: &'a str,
    pub coverage: Option<(&'a Coverage, &'a str)>,
}

pub async fn check_in(
    tx: &mut TenantTx,
    new: &NewReception<'_>,
    actor: UserId,
) -> Result<ReceptionId, sqlx::Error> {
    let id = ReceptionId(Uuid::new_v4());
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into reception (tenant_id, reception_id, patient_id, visit_date, department, purpose, memo, status, \
           coverage, coverage_label) \
         values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $9)",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(new.patient.as_uuid())
    .bind(new.day)
    .bind(new.department)
    .bind(new.purpose)
    .bind(new.memo)
    .bind(new.coverage.map(|(c, _)| sqlx::types::Json(c)))
    .bind(new.coverage.map_or("", |(_, l)| l))
    .execute(tx.conn())
    .await?;
    event(tx, id, 1, "waiting", "", actor).await?;
    Ok(id)
}

async fn event(
    tx: &mut TenantTx,
    id: ReceptionId,
    version: i32,
    status: &str,
    reason: &str,
    actor: UserId,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into reception_event (tenant_id, reception_id, version, status, reason, actor_user_id) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(version)
    .bind(status)
    .bind(reason)
    .bind(actor.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The current status and version of one reception.
/// One visit: patient, date, 診療科, status and version.
pub async fn find(
    tx: &mut TenantTx,
    id: ReceptionId,
) -> Result<Option<(PatientId, Date, String, String, i32)>, sqlx::Error> {
    let row: Option<(Uuid, Date, String, String, i32)> = sqlx::query_as(
        "select patient_id, visit_date, department, status, version from reception where reception_id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(p, day, department, status, version)| {
        (PatientId(p), day, department, status, version)
    }))
}

pub async fn current(
    tx: &mut TenantTx,
    id: ReceptionId,
) -> Result<Option<(String, i32)>, sqlx::Error> {
    sqlx::query_as("select status, version from reception where reception_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await
}

/// Moves to `status` if `base` is still the version; `false` when someone moved it first.
pub async fn move_to(
    tx: &mut TenantTx,
    id: ReceptionId,
    base: i32,
    status: &str,
    reason: &str,
    actor: UserId,
) -> Result<bool, sqlx::Error> {
    let moved: Option<i32> = sqlx::query_scalar(
        "update reception set status = $3, version = version + 1, updated_at = now() \
         where reception_id = $1 and version = $2 returning version",
    )
    .bind(id.as_uuid())
    .bind(base)
    .bind(status)
    .fetch_optional(tx.conn())
    .await?;
    match moved {
        Some(version) => {
            event(tx, id, version, status, reason, actor).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The patient's receptions of `day` that are not cancelled, in check-in order.
pub async fn of_patient_on(
    tx: &mut TenantTx,
    patient: PatientId,
    day: Date,
) -> Result<Vec<ReceptionId>, sqlx::Error> {
    Ok(live_rows(tx, patient, day)
        .await?
        .into_iter()
        .map(|(id, ..)| ReceptionId(id))
        .collect())
}

/// The queue of one day, in check-in order.
pub async fn day(
    tx: &mut TenantTx,
    day: Date,
) -> Result<(Vec<EntryRow>, Vec<EventRow>), sqlx::Error> {
    let entries: Vec<EntryRow> = sqlx::query_as(
        "select r.reception_id, r.patient_id, p.patient_number, p.name, p.kana, r.department, r.purpose, r.memo, \
         r.status, r.version, r.checked_in_at, r.coverage, r.coverage_label from reception r \
         join patient p on p.tenant_id = r.tenant_id and p.patient_id = r.patient_id \
         where r.visit_date = $1 order by r.checked_in_at, r.reception_id",
    )
    .bind(day)
    .fetch_all(tx.conn())
    .await?;
    let events: Vec<EventRow> = sqlx::query_as(
        "select e.reception_id, e.status, e.reason, e.at from reception_event e \
         join reception r on r.tenant_id = e.tenant_id and r.reception_id = e.reception_id \
         where r.visit_date = $1 order by e.reception_id, e.version",
    )
    .bind(day)
    .fetch_all(tx.conn())
    .await?;
    Ok((entries, events))
}

/// The visit's 保険組合せ (`None`: checked in before they were chosen).
pub async fn coverage_of(
    tx: &mut TenantTx,
    id: ReceptionId,
) -> Result<Option<Coverage>, sqlx::Error> {
    let row: Option<Option<sqlx::types::Json<Coverage>>> =
        sqlx::query_scalar("select coverage from reception where reception_id = $1")
            .bind(id.as_uuid())
            .fetch_optional(tx.conn())
            .await?;
    Ok(row.flatten().map(|c| c.0))
}

/// The 保険組合せ last chosen for each 診療科 the patient visited (not cancelled visits).
pub async fn last_coverages(
    tx: &mut TenantTx,
    patient: PatientId,
) -> Result<Vec<shared::domain::coverage::LastCoverage>, sqlx::Error> {
    let rows: Vec<(String, sqlx::types::Json<Coverage>)> = sqlx::query_as(
        "select distinct on (department) department, coverage from reception \
         where patient_id = $1 and coverage is not null and status <> 'cancelled' \
         order by department, visit_date desc, checked_in_at desc",
    )
    .bind(patient.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(department, c)| shared::domain::coverage::LastCoverage {
            department,
            coverage: c.0,
        })
        .collect())
}

/// Changes the visit's 保険組合せ from version `base`; `false` when `base` is no longer current.
pub async fn set_coverage(
    tx: &mut TenantTx,
    id: ReceptionId,
    base: i32,
    coverage: &Coverage,
    label: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update reception set coverage = $3, coverage_label = $4, version = version + 1, \
           updated_at = now() where reception_id = $1 and version = $2",
    )
    .bind(id.as_uuid())
    .bind(base)
    .bind(sqlx::types::Json(coverage))
    .bind(label)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
