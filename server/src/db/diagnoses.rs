//! 傷病名: every change a new version of the diagnosis (never updated in place), the newest
//! version the one in force. All queries go through [`TenantTx`].

use super::TenantTx;
use shared::api::chart::{Diagnosis, Outcome};
use shared::domain::japanese::format_date;
use shared::ids::{DiagnosisId, PatientId, UserId};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A diagnosis version to store.
pub struct NewDiagnosis<'a> {
    pub diagnosis_id: DiagnosisId,
    pub version: i32,
    pub patient: PatientId,
    pub disease_code: Option<&'a str>,
    pub modifier_codes: &'a [String],
    pub name: &'a str,
    pub is_main: bool,
    pub suspected: bool,
    pub start_date: Date,
    pub outcome: Option<Outcome>,
    pub end_date: Option<Date>,
    pub reason: &'a str,
    pub author: UserId,
}

pub async fn insert_diagnosis(tx: &mut TenantTx, d: &NewDiagnosis<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into diagnosis_version (tenant_id, diagnosis_id, version, patient_id, disease_code, \
         modifier_codes, name, is_main, suspected, start_date, outcome, end_date, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(d.diagnosis_id.as_uuid())
    .bind(d.version)
    .bind(d.patient.as_uuid())
    .bind(d.disease_code)
    .bind(d.modifier_codes)
    .bind(d.name)
    .bind(d.is_main)
    .bind(d.suspected)
    .bind(d.start_date)
    .bind(d.outcome.map(Outcome::code))
    .bind(d.end_date)
    .bind(d.reason)
    .bind(d.author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
struct DiagnosisRow {
    diagnosis_id: Uuid,
    version: i32,
    patient_id: Uuid,
    disease_code: Option<String>,
    modifier_codes: Vec<String>,
    name: String,
    is_main: bool,
    suspected: bool,
    start_date: Date,
    outcome: Option<String>,
    end_date: Option<Date>,
    reason: String,
    author: Option<String>,
    created_at: OffsetDateTime,
}

impl DiagnosisRow {
    fn detail(self) -> Diagnosis {
        Diagnosis {
            diagnosis_id: DiagnosisId(self.diagnosis_id),
            version: self.version,
            disease_code: self.disease_code,
            modifier_codes: self.modifier_codes,
            name: self.name,
            is_main: self.is_main,
            suspected: self.suspected,
            start_date: format_date(self.start_date),
            outcome: self.outcome.as_deref().and_then(Outcome::from_code),
            end_date: self.end_date.map(format_date),
            reason: self.reason,
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
        }
    }
}

const DIAGNOSIS_COLUMNS: &str = "d.diagnosis_id, d.version, d.patient_id, d.disease_code, \
     d.modifier_codes, d.name, d.is_main, d.suspected, d.start_date, d.outcome, d.end_date, d.reason, \
     u.display_name as author, d.created_at";

/// The patient's diagnoses (newest version of each); with `active`, only those active at some
/// day of `active.0..=active.1` (started by its end, not ended before its start). Main first,
/// then by start date.
pub async fn diagnoses(
    tx: &mut TenantTx,
    patient: PatientId,
    active: Option<(Date, Date)>,
) -> Result<Vec<Diagnosis>, sqlx::Error> {
    Ok(diagnoses_of(tx, &[patient], active)
        .await?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

/// [`diagnoses`] of several patients in one query, by patient.
pub async fn diagnoses_of(
    tx: &mut TenantTx,
    patients: &[PatientId],
    active: Option<(Date, Date)>,
) -> Result<Vec<(PatientId, Diagnosis)>, sqlx::Error> {
    let ids: Vec<Uuid> = patients.iter().map(|p| p.as_uuid()).collect();
    let rows: Vec<DiagnosisRow> = sqlx::query_as(&format!(
        "select * from (select distinct on (d.diagnosis_id) {DIAGNOSIS_COLUMNS} \
           from diagnosis_version d left join app_user u on u.user_id = d.author_user_id \
           where d.patient_id = any($1) order by d.diagnosis_id, d.version desc) current \
         where ($2::date is null or (start_date <= $3 and (end_date is null or end_date >= $2))) \
         order by patient_id, is_main desc, start_date, name"
    ))
    .bind(&ids)
    .bind(active.map(|a| a.0))
    .bind(active.map(|a| a.1))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (PatientId(r.patient_id), r.detail()))
        .collect())
}

/// Every version of one diagnosis, newest first, with its patient.
pub async fn diagnosis_history(
    tx: &mut TenantTx,
    diagnosis: DiagnosisId,
) -> Result<(Option<PatientId>, Vec<Diagnosis>), sqlx::Error> {
    let rows: Vec<DiagnosisRow> = sqlx::query_as(&format!(
        "select {DIAGNOSIS_COLUMNS} from diagnosis_version d \
         left join app_user u on u.user_id = d.author_user_id \
         where d.diagnosis_id = $1 order by d.version desc"
    ))
    .bind(diagnosis.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let patient = rows.first().map(|r| PatientId(r.patient_id));
    Ok((
        patient,
        rows.into_iter().map(DiagnosisRow::detail).collect(),
    ))
}
