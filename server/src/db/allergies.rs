//! アレルギー・禁忌: every change a new version of the entry (never updated in place), the
//! newest version the one in force. All queries go through [`TenantTx`].

use super::TenantTx;
use shared::api::orders::{Allergy, AllergyKind, AllergySource, Severity};
use shared::ids::{AllergyId, PatientId, UserId};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// An allergy version to store.
pub struct NewAllergy<'a> {
    pub allergy_id: AllergyId,
    pub version: i32,
    pub patient: PatientId,
    pub kind: AllergyKind,
    pub substance: &'a str,
    pub drug_code: Option<&'a str>,
    pub ingredient: Option<&'a str>,
    pub severity: Severity,
    pub source: AllergySource,
    pub reaction: &'a str,
    pub active: bool,
    pub reason: &'a str,
    pub author: UserId,
}

fn code<T: serde::Serialize>(value: T) -> String {
    super::enum_code(value)
}

fn parse<T: serde::de::DeserializeOwned>(
    id: Uuid,
    what: &str,
    text: &str,
) -> Result<T, sqlx::Error> {
    super::enum_from_code(&format!("allergy {id}"), what, text)
}

pub async fn insert(tx: &mut TenantTx, a: &NewAllergy<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into allergy_version (tenant_id, allergy_id, version, patient_id, kind, substance, \
         drug_code, ingredient, severity, source, reaction, active, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(a.allergy_id.as_uuid())
    .bind(a.version)
    .bind(a.patient.as_uuid())
    .bind(code(a.kind))
    .bind(a.substance)
    .bind(a.drug_code)
    .bind(a.ingredient)
    .bind(code(a.severity))
    .bind(code(a.source))
    .bind(a.reaction)
    .bind(a.active)
    .bind(a.reason)
    .bind(a.author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
struct AllergyRow {
    allergy_id: Uuid,
    version: i32,
    patient_id: Uuid,
    kind: String,
    substance: String,
    drug_code: Option<String>,
    ingredient: Option<String>,
    severity: String,
    source: String,
    reaction: String,
    active: bool,
    reason: String,
    author: Option<String>,
    created_at: OffsetDateTime,
}

impl AllergyRow {
    fn detail(self) -> Result<Allergy, sqlx::Error> {
        let id = self.allergy_id;
        Ok(Allergy {
            allergy_id: AllergyId(id),
            version: self.version,
            kind: parse(id, "kind", &self.kind)?,
            substance: self.substance,
            drug_code: self.drug_code,
            ingredient: self.ingredient,
            severity: parse(id, "severity", &self.severity)?,
            source: parse(id, "source", &self.source)?,
            reaction: self.reaction,
            active: self.active,
            reason: self.reason,
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
        })
    }
}

const COLUMNS: &str = "a.allergy_id, a.version, a.patient_id, a.kind, a.substance, a.drug_code, \
     a.ingredient, a.severity, a.source, a.reaction, a.active, a.reason, \
     u.display_name as author, a.created_at";

/// The patient's allergies (the newest version of each), active first, then by substance;
/// retired ones only with `with_retired`.
pub async fn list(
    tx: &mut TenantTx,
    patient: PatientId,
    with_retired: bool,
) -> Result<Vec<Allergy>, sqlx::Error> {
    let rows: Vec<AllergyRow> = sqlx::query_as(&format!(
        "select * from (select distinct on (a.allergy_id) {COLUMNS} \
           from allergy_version a left join app_user u on u.user_id = a.author_user_id \
           where a.patient_id = $1 order by a.allergy_id, a.version desc) current \
         where active or $2 order by active desc, substance, allergy_id"
    ))
    .bind(patient.as_uuid())
    .bind(with_retired)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter().map(AllergyRow::detail).collect()
}

/// Every version of one allergy, newest first, with its patient.
pub async fn history(
    tx: &mut TenantTx,
    allergy: AllergyId,
) -> Result<(Option<PatientId>, Vec<Allergy>), sqlx::Error> {
    let rows: Vec<AllergyRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from allergy_version a \
         left join app_user u on u.user_id = a.author_user_id \
         where a.allergy_id = $1 order by a.version desc"
    ))
    .bind(allergy.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    let patient = rows.first().map(|r| PatientId(r.patient_id));
    Ok((
        patient,
        rows.into_iter()
            .map(AllergyRow::detail)
            .collect::<Result<_, _>>()?,
    ))
}
