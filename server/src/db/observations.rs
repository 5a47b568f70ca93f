//! Observations: vital signs (a correction is a new entry that replaces the old one in lists,
//! which stays in the record) and lab results. All queries go through [`TenantTx`].

use super::TenantTx;
use shared::api::chart::{LabRecord, VitalRecord};
use shared::domain::chart::{LabChecked, Vitals};
use shared::domain::japanese::format_date;
use shared::ids::{LabId, PatientId, UserId, VitalId};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

// ---- vital signs ----

#[derive(Debug, FromRow)]
struct VitalRow {
    #[sqlx(try_from = "Uuid")]
    vital_id: VitalId,
    replaces: Option<Uuid>,
    reason: String,
    measured_at: OffsetDateTime,
    temperature_x10: Option<i32>,
    pulse: Option<i32>,
    systolic: Option<i32>,
    diastolic: Option<i32>,
    respiration: Option<i32>,
    spo2: Option<i32>,
    height_x10: Option<i32>,
    weight_x10: Option<i32>,
    author: Option<String>,
    created_at: OffsetDateTime,
}

/// `t` as JST `YYYY-MM-DDTHH:MM`.
pub fn jst_minute(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::clock::jst());
    format!(
        "{}T{:02}:{:02}",
        format_date(t.date()),
        t.hour(),
        t.minute()
    )
}

impl VitalRow {
    fn detail(self) -> VitalRecord {
        VitalRecord {
            vital_id: self.vital_id,
            replaces: self.replaces.map(VitalId),
            reason: self.reason,
            measured_at: jst_minute(self.measured_at),
            values: Vitals {
                temperature_x10: self.temperature_x10,
                pulse: self.pulse,
                systolic: self.systolic,
                diastolic: self.diastolic,
                respiration: self.respiration,
                spo2: self.spo2,
                height_x10: self.height_x10,
                weight_x10: self.weight_x10,
            },
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
            warnings: Vec::new(),
        }
    }
}

const VITAL_COLUMNS: &str = "s.vital_id, s.replaces, s.reason, s.measured_at, s.temperature_x10, s.pulse, s.systolic, \
     s.diastolic, s.respiration, s.spo2, s.height_x10, s.weight_x10, u.display_name as author, s.created_at";

/// A correction: the entry it replaces and why.
pub struct Correction<'a> {
    pub replaces: VitalId,
    pub reason: &'a str,
}

/// Stores vital signs (a correction names the entry it replaces; a second correction of the
/// same entry is a unique violation).
pub async fn insert_vitals(
    tx: &mut TenantTx,
    patient: PatientId,
    measured_at: OffsetDateTime,
    v: &Vitals,
    author: UserId,
    correction: Option<Correction<'_>>,
) -> Result<VitalRecord, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let row: VitalRow = sqlx::query_as(&format!(
        "with s as (insert into vital_sign (tenant_id, vital_id, patient_id, measured_at, temperature_x10, \
           pulse, systolic, diastolic, respiration, spo2, height_x10, weight_x10, author_user_id, replaces, reason) \
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning *) \
         select {VITAL_COLUMNS} from s left join app_user u on u.user_id = s.author_user_id"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(patient.as_uuid())
    .bind(measured_at)
    .bind(v.temperature_x10)
    .bind(v.pulse)
    .bind(v.systolic)
    .bind(v.diastolic)
    .bind(v.respiration)
    .bind(v.spo2)
    .bind(v.height_x10)
    .bind(v.weight_x10)
    .bind(author.as_uuid())
    .bind(correction.as_ref().map(|c| c.replaces.as_uuid()))
    .bind(correction.as_ref().map_or("", |c| c.reason))
    .fetch_one(tx.conn())
    .await?;
    Ok(row.detail())
}

/// The patient of a vital-signs entry and whether it has been corrected already.
pub async fn vital_owner(
    tx: &mut TenantTx,
    vital: VitalId,
) -> Result<Option<(PatientId, bool)>, sqlx::Error> {
    let row: Option<(Uuid, bool)> = sqlx::query_as(
        "select s.patient_id, exists (select 1 from vital_sign r where r.replaces = s.vital_id) \
         from vital_sign s where s.vital_id = $1",
    )
    .bind(vital.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(patient, corrected)| (PatientId(patient), corrected)))
}

/// The patient's vital signs measured in `from..to` (UTC instants), oldest first, corrected
/// entries left out.
pub async fn vitals_between(
    tx: &mut TenantTx,
    patient: PatientId,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<VitalRecord>, sqlx::Error> {
    let rows: Vec<VitalRow> = sqlx::query_as(&format!(
        "select {VITAL_COLUMNS} from vital_sign s left join app_user u on u.user_id = s.author_user_id \
         where s.patient_id = $1 and s.measured_at >= $2 and s.measured_at < $3 \
           and not exists (select 1 from vital_sign r where r.replaces = s.vital_id and r.patient_id = s.patient_id) \
         order by s.measured_at limit 20000"
    ))
    .bind(patient.as_uuid())
    .bind(from)
    .bind(to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(VitalRow::detail).collect())
}

// ---- lab results ----

#[derive(Debug, FromRow)]
struct LabRow {
    #[sqlx(try_from = "Uuid")]
    lab_id: LabId,
    collected_on: Date,
    item_code: String,
    item_name: String,
    value: String,
    numeric_value: Option<f64>,
    unit: String,
    reference_low: Option<f64>,
    reference_high: Option<f64>,
    flag: Option<String>,
    source: String,
    author: Option<String>,
}

impl LabRow {
    fn detail(self) -> LabRecord {
        LabRecord {
            lab_id: self.lab_id,
            collected_on: format_date(self.collected_on),
            item_code: self.item_code,
            item_name: self.item_name,
            value: self.value,
            numeric_value: self.numeric_value,
            unit: self.unit,
            reference_low: self.reference_low,
            reference_high: self.reference_high,
            flag: self.flag,
            source: self.source,
            author: self.author.unwrap_or_default(),
        }
    }
}

const LAB_COLUMNS: &str = "r.lab_id, r.collected_on, r.item_code, r.item_name, r.value, \
     r.numeric_value, r.unit, r.reference_low, r.reference_high, r.flag, r.source, u.display_name as author";

/// Stores lab results in one statement; `import` marks them as read from a file.
pub async fn insert_labs(
    tx: &mut TenantTx,
    patient: PatientId,
    rows: &[LabChecked],
    import: bool,
    author: UserId,
) -> Result<Vec<LabRecord>, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::new_v4()).collect();
    let dates: Vec<Date> = rows.iter().map(|r| r.collected_on).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.item_code.as_str()).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.item_name.as_str()).collect();
    let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
    let numbers: Vec<Option<f64>> = rows.iter().map(|r| r.numeric_value).collect();
    let units: Vec<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    let lows: Vec<Option<f64>> = rows.iter().map(|r| r.reference_low).collect();
    let highs: Vec<Option<f64>> = rows.iter().map(|r| r.reference_high).collect();
    let flags: Vec<Option<String>> = rows.iter().map(|r| r.flag.map(String::from)).collect();
    let stored: Vec<LabRow> = sqlx::query_as(&format!(
        "with r as (insert into lab_result (tenant_id, lab_id, patient_id, collected_on, item_code, item_name, \
           value, numeric_value, unit, reference_low, reference_high, flag, source, author_user_id) \
           select $1, u.lab_id, $2, u.collected_on, u.item_code, u.item_name, u.value, u.numeric_value, \
             u.unit, u.reference_low, u.reference_high, u.flag, $12, $13 \
           from unnest($3::uuid[], $4::date[], $5::text[], $6::text[], $7::text[], $8::float8[], \
             $9::text[], $10::float8[], $11::float8[], $14::text[]) \
             as u(lab_id, collected_on, item_code, item_name, value, numeric_value, unit, \
                  reference_low, reference_high, flag) \
           returning *) \
         select {LAB_COLUMNS} from r left join app_user u on u.user_id = r.author_user_id \
         order by r.collected_on, r.item_name"
    ))
    .bind(tenant)
    .bind(patient.as_uuid())
    .bind(&ids)
    .bind(&dates)
    .bind(&codes)
    .bind(&names)
    .bind(&values)
    .bind(&numbers)
    .bind(&units)
    .bind(&lows)
    .bind(&highs)
    .bind(if import { "import" } else { "manual" })
    .bind(author.as_uuid())
    .bind(&flags)
    .fetch_all(tx.conn())
    .await?;
    Ok(stored.into_iter().map(LabRow::detail).collect())
}

/// The patient's lab results collected in `from..=to`, by date then item.
pub async fn labs_between(
    tx: &mut TenantTx,
    patient: PatientId,
    from: Date,
    to: Date,
) -> Result<Vec<LabRecord>, sqlx::Error> {
    let rows: Vec<LabRow> = sqlx::query_as(&format!(
        "select {LAB_COLUMNS} from lab_result r left join app_user u on u.user_id = r.author_user_id \
         where r.patient_id = $1 and r.collected_on between $2 and $3 \
         order by r.collected_on, r.item_name, r.created_at limit 50000"
    ))
    .bind(patient.as_uuid())
    .bind(from)
    .bind(to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(LabRow::detail).collect())
}
