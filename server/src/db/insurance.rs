//! Insurances and public payments of a patient: append-only versions; the current one of each
//! is its highest version.

use super::TenantTx;
use shared::api::insurance::{
    InsuranceDetail, PublicPaymentDetail, Relationship, ValidInsurance, ValidPublicPayment,
};
use shared::domain::insurance::{burden_ratio, IncomeCategory, InsurerNumber};
use shared::domain::japanese::format_date;
use shared::ids::{InsuranceId, PatientId, PublicPaymentId, UserId};
use sqlx::FromRow;
use time::Date;
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct InsuranceRow {
    pub patient_id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub insurance_id: InsuranceId,
    pub version: i32,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub relationship: String,
    pub acquired_on: Option<Date>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub income_category: String,
    pub burden_override: Option<i16>,
}

#[derive(Debug, Clone, FromRow)]
pub struct PublicPaymentRow {
    pub patient_id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub public_payment_id: PublicPaymentId,
    pub version: i32,
    pub payer_number: String,
    pub recipient_number: Option<String>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub patient_tenths: Option<i16>,
    pub monthly_cap: Option<i32>,
}

/// The id of one of the two kinds of coverage a patient holds, each kept as versions.
pub trait CoverageId: Copy + Eq + From<Uuid> + Into<Uuid> {
    /// The current version of this coverage of patient `$1` with id `$2`.
    const CURRENT_VERSION: &'static str;
}

impl CoverageId for InsuranceId {
    const CURRENT_VERSION: &'static str =
        "select max(version) from insurance_version where patient_id = $1 and insurance_id = $2";
}

impl CoverageId for PublicPaymentId {
    const CURRENT_VERSION: &'static str =
        "select max(version) from public_payment_version where patient_id = $1 and public_payment_id = $2";
}

/// Outcome of writing a version.
pub enum Written<I> {
    Saved {
        id: I,
        version: i32,
    },
    /// `base + 1` already exists: someone saved in between.
    Stale,
}

impl<I: CoverageId> Written<I> {
    /// The id and version to write: version 1 of a new id, or `base + 1` of an existing one.
    fn next(id: Option<(I, i32)>) -> (I, i32) {
        match id {
            Some((id, base)) => (id, base + 1),
            None => (I::from(Uuid::new_v4()), 1),
        }
    }

    /// The outcome of an `insert … on conflict do nothing` of that version.
    fn of(rows_affected: u64, id: I, version: i32) -> Written<I> {
        if rows_affected == 1 {
            Written::Saved { id, version }
        } else {
            Written::Stale
        }
    }
}

/// Writes version `base + 1` of insurance `id` (a new one when `id` is `None`, as version 1).
pub async fn write_insurance(
    tx: &mut TenantTx,
    patient: PatientId,
    id: Option<(InsuranceId, i32)>,
    v: &ValidInsurance,
    reason: &str,
    author: UserId,
) -> Result<Written<InsuranceId>, sqlx::Error> {
    let (id, version) = Written::next(id);
    let tenant = tx.tenant_id().as_uuid();
    let inserted = sqlx::query(
        "insert into insurance_version (tenant_id, insurance_id, version, patient_id, insurer_number, symbol, number, \
         branch, relationship, acquired_on, valid_from, valid_until, income_category, burden_override, reason, \
         author_user_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(version)
    .bind(patient.as_uuid())
    .bind(v.insurer_number.as_str())
    .bind(&v.symbol)
    .bind(&v.number)
    .bind(&v.branch)
    .bind(v.relationship.code())
    .bind(v.acquired_on)
    .bind(v.valid_from)
    .bind(v.valid_until)
    .bind(v.income_category.code())
    .bind(v.burden_override.map(i16::from))
    .bind(reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(Written::of(inserted.rows_affected(), id, version))
}

/// The current version of one insurance or 公費, if it belongs to `patient`.
pub async fn current_version<I: CoverageId>(
    tx: &mut TenantTx,
    patient: PatientId,
    id: I,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(I::CURRENT_VERSION)
        .bind(patient.as_uuid())
        .bind(Into::<Uuid>::into(id))
        .fetch_one(tx.conn())
        .await
}

/// Current versions of the patient's insurances; with `on`, only those valid that day.
pub async fn insurances(
    tx: &mut TenantTx,
    patient: PatientId,
    on: Option<Date>,
) -> Result<Vec<InsuranceRow>, sqlx::Error> {
    insurances_of(tx, &[patient], on).await
}

/// [`insurances`] of several patients in one query, by patient.
pub async fn insurances_of(
    tx: &mut TenantTx,
    patients: &[PatientId],
    on: Option<Date>,
) -> Result<Vec<InsuranceRow>, sqlx::Error> {
    let ids: Vec<Uuid> = patients.iter().map(|p| p.as_uuid()).collect();
    sqlx::query_as(
        "select * from (select distinct on (insurance_id) patient_id, insurance_id, version, \
         insurer_number, symbol, number, branch, relationship, acquired_on, valid_from, \
         valid_until, income_category, burden_override \
         from insurance_version where patient_id = any($1) order by insurance_id, version desc) current \
         where $2::date is null or (valid_from <= $2 and (valid_until is null or valid_until >= $2)) \
         order by patient_id, valid_from desc, insurance_id",
    )
    .bind(&ids)
    .bind(on)
    .fetch_all(tx.conn())
    .await
}

/// Adds a 公費 (`id` = None) or a new version of one (`Some((id, base_version))`); a base that is
/// no longer the current version writes nothing and answers [`Written::Stale`].
pub async fn write_public_payment(
    tx: &mut TenantTx,
    patient: PatientId,
    id: Option<(PublicPaymentId, i32)>,
    v: &ValidPublicPayment,
    reason: &str,
    author: UserId,
) -> Result<Written<PublicPaymentId>, sqlx::Error> {
    let (id, version) = Written::next(id);
    let tenant = tx.tenant_id().as_uuid();
    let inserted = sqlx::query(
        "insert into public_payment_version (tenant_id, public_payment_id, version, patient_id, payer_number, \
         recipient_number, valid_from, valid_until, reason, author_user_id, patient_tenths, monthly_cap) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(version)
    .bind(patient.as_uuid())
    .bind(v.payer_number.as_str())
    .bind(v.recipient_number.as_ref().map(|r| r.as_str().to_string()))
    .bind(v.valid_from)
    .bind(v.valid_until)
    .bind(reason)
    .bind(author.as_uuid())
    .bind(v.patient_tenths.map(i16::from))
    .bind(v.monthly_cap)
    .execute(tx.conn())
    .await?;
    Ok(Written::of(inserted.rows_affected(), id, version))
}

pub async fn public_payments(
    tx: &mut TenantTx,
    patient: PatientId,
    on: Option<Date>,
) -> Result<Vec<PublicPaymentRow>, sqlx::Error> {
    public_payments_of(tx, &[patient], on).await
}

/// [`public_payments`] of several patients in one query, by patient.
pub async fn public_payments_of(
    tx: &mut TenantTx,
    patients: &[PatientId],
    on: Option<Date>,
) -> Result<Vec<PublicPaymentRow>, sqlx::Error> {
    let ids: Vec<Uuid> = patients.iter().map(|p| p.as_uuid()).collect();
    sqlx::query_as(
        "select * from (select distinct on (public_payment_id) patient_id, public_payment_id, \
         version, payer_number, recipient_number, valid_from, valid_until, patient_tenths, \
         monthly_cap from public_payment_version where patient_id = any($1) \
         order by public_payment_id, version desc) current \
         where $2::date is null or (valid_from <= $2 and (valid_until is null or valid_until >= $2)) \
         order by patient_id, valid_from desc, public_payment_id",
    )
    .bind(&ids)
    .bind(on)
    .fetch_all(tx.conn())
    .await
}

impl InsuranceRow {
    /// What the API shows of this insurance on day `on`, with the 負担割合 the shared rules derive
    /// from the patient's `birth` date (or the card's, when one was entered).
    pub fn detail(&self, birth: Date, on: Date) -> anyhow::Result<InsuranceDetail> {
        let insurer = InsurerNumber::parse(&self.insurer_number)
            .map_err(|e| anyhow::anyhow!("stored insurer number: {e}"))?;
        let income_category = IncomeCategory::from_code(&self.income_category);
        let derived = burden_ratio(birth, on, &insurer, income_category);
        let (burden_tenths, burden_rule) = match self.burden_override {
            Some(o) => (o as u8, "card".to_string()),
            None => (
                derived.tenths,
                serde_json::to_value(derived.rule)?
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
        };
        Ok(InsuranceDetail {
            insurance_id: self.insurance_id,
            version: self.version,
            insurer_number: self.insurer_number.clone(),
            symbol: self.symbol.clone(),
            number: self.number.clone(),
            branch: self.branch.clone(),
            relationship: Relationship::from_code(&self.relationship)
                .unwrap_or(Relationship::Insured),
            acquired_on: self.acquired_on.map(format_date),
            valid_from: format_date(self.valid_from),
            valid_until: self.valid_until.map(format_date),
            income_category,
            burden_override: self.burden_override.map(|o| o as u8),
            burden_tenths,
            burden_rule,
        })
    }
}

impl PublicPaymentRow {
    pub fn detail(&self) -> PublicPaymentDetail {
        PublicPaymentDetail {
            public_payment_id: self.public_payment_id,
            version: self.version,
            houbetsu: self.payer_number.get(..2).unwrap_or("").to_string(),
            payer_number: self.payer_number.clone(),
            recipient_number: self.recipient_number.clone(),
            valid_from: format_date(self.valid_from),
            valid_until: self.valid_until.map(format_date),
            patient_tenths: self.patient_tenths.and_then(|t| u8::try_from(t).ok()),
            monthly_cap: self.monthly_cap,
        }
    }
}

impl PublicPaymentRow {
    /// The patient's share under this 公費 (割), if recorded.
    pub fn tenths(&self) -> Option<u8> {
        self.patient_tenths.and_then(|t| u8::try_from(t).ok())
    }
}

/// The patient's insurances and 公費 valid on `date`, as the API shows them (the insurances'
/// 負担割合 derived for that day from the patient's `birth` date).
pub async fn valid_on(
    tx: &mut TenantTx,
    patient: PatientId,
    birth: Date,
    date: Date,
) -> anyhow::Result<(Vec<InsuranceDetail>, Vec<PublicPaymentDetail>)> {
    let insurances = insurances(tx, patient, Some(date))
        .await?
        .iter()
        .map(|r| r.detail(birth, date))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let publics = public_payments(tx, patient, Some(date))
        .await?
        .iter()
        .map(PublicPaymentRow::detail)
        .collect();
    Ok((insurances, publics))
}
