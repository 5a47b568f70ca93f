//! Month-end claims: what a month's claims are built from (the latest version of every bill of
//! the month, with each patient's insurances, 公費 and diagnoses), and the filings, kept
//! append-only with their UKE files. All queries go through [`TenantTx`].

use super::{diagnoses, institutions, insurance, TenantTx};
use crate::chain::hex;
use serde_json::Value;
use shared::api::claims::{FiledFile, FilingSummary, MonthTotals};
use shared::api::patients::PatientSummary;
use shared::billing::StoredBill;
use shared::claims::month::{Claim, ClaimBill, ClaimInput, ClaimInstitution, Payer};
use shared::claims::uke::UkeMonth;
use shared::domain::japanese::format_date;
use shared::domain::patient::Sex;
use shared::ids::{BillId, FilingId, PatientId, ReceptionId, UserId};
use sqlx::types::Json;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The first and last day of `month`.
pub fn bounds(month: UkeMonth) -> Option<(Date, Date)> {
    match shared::claims::month::month_bounds(month) {
        (Some(start), Some(end)) => Some((start, end)),
        _ => None,
    }
}

/// IR's institution facts: the 10-digit 医療機関コード is 都道府県 (2) + 点数表 (1) + the
/// 7-digit code the file records; the 電話番号 is the institution profile's.
pub async fn institution(tx: &mut TenantTx) -> Result<ClaimInstitution, sqlx::Error> {
    let row = institutions::current(tx).await?;
    let profile = institutions::profile(tx).await?;
    let (Some(prefecture), Some(code)) = (row.code.get(..2), row.code.get(3..)) else {
        return Err(sqlx::Error::Decode("institution code shape".into()));
    };
    Ok(ClaimInstitution {
        code: code.to_string(),
        prefecture: prefecture.to_string(),
        name: row.name,
        phone: profile.phone,
    })
}

fn month_of(date: Date) -> Option<UkeMonth> {
    UkeMonth::new(u16::try_from(date.year()).ok()?, u8::from(date.month()))
}

type BillRowRaw = (Uuid, i32, Uuid, Uuid, String, i16, Json<Value>, Json<Value>);

/// The claims' input for `month`: every patient with a finalised bill of a visit in the month
/// (the latest version of each bill; cancelled receptions left out), in patient-number order.
pub async fn month_inputs(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<Vec<ClaimInput>, sqlx::Error> {
    let Some((start, end)) = bounds(month) else {
        return Ok(Vec::new());
    };
    let rows: Vec<BillRowRaw> = sqlx::query_as(
        "select b.bill_id, b.version, b.reception_id, b.patient_id, r.department, b.format, \
           b.visit, b.priced from ( \
           select distinct on (bill_id) bill_id, version, reception_id, patient_id, format, visit, \
             priced from bill_version where service_date between $1 and $2 \
           order by bill_id, version desc) b \
         join reception r on r.reception_id = b.reception_id \
         where r.status <> 'cancelled' \
         order by b.patient_id, b.bill_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(tx.conn())
    .await?;
    let mut by_patient: BTreeMap<Uuid, Vec<ClaimBill>> = BTreeMap::new();
    for (bill, version, reception, patient, department, format, visit, priced) in rows {
        let stored = StoredBill::read(format, visit.0, priced.0).map_err(|e| {
            sqlx::Error::Decode(format!("bill {bill} version {version}: {e}").into())
        })?;
        by_patient.entry(patient).or_default().push(ClaimBill {
            bill_id: BillId(bill),
            version,
            reception_id: ReceptionId(reception),
            department,
            visit: stored.visit,
            priced: stored.priced,
        });
    }
    let mut inputs = Vec::with_capacity(by_patient.len());
    for (patient, bills) in by_patient {
        let patient = PatientId(patient);
        let summary = summary(tx, patient).await?;
        let birth = shared::domain::japanese::parse_date(&summary.birth_date).unwrap_or(start);
        let insurances = insurance::insurances(tx, patient, None)
            .await?
            .iter()
            .filter(|i| i.valid_from <= end && i.valid_until.is_none_or(|u| u >= start))
            .map(|i| i.detail(birth, start))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        let public_payments = insurance::public_payments(tx, patient, None)
            .await?
            .iter()
            .filter(|p| p.valid_from <= end && p.valid_until.is_none_or(|u| u >= start))
            .map(insurance::PublicPaymentRow::detail)
            .collect();
        let diagnoses = diagnoses::diagnoses(tx, patient, Some((start, end))).await?;
        inputs.push(ClaimInput {
            patient: summary,
            insurances,
            public_payments,
            diagnoses,
            bills,
        });
    }
    inputs.sort_by(|a, b| {
        let key = |p: &PatientSummary| (p.patient_number.len(), p.patient_number.clone());
        key(&a.patient).cmp(&key(&b.patient))
    });
    Ok(inputs)
}

async fn summary(tx: &mut TenantTx, patient: PatientId) -> Result<PatientSummary, sqlx::Error> {
    let (number, name, kana, sex, birth, phone): (String, String, String, String, Date, String) =
        sqlx::query_as(
            "select patient_number, name, kana, sex, birth_date, phone_digits from patient \
             where patient_id = $1",
        )
        .bind(patient.as_uuid())
        .fetch_one(tx.conn())
        .await?;
    Ok(PatientSummary {
        patient_id: patient,
        patient_number: number,
        name,
        kana,
        sex: Sex::from_code(&sex)
            .ok_or_else(|| sqlx::Error::Decode(format!("patient {patient}: sex").into()))?,
        birth_date: format_date(birth),
        phone,
    })
}

type FilingRaw = (
    Uuid,
    Date,
    i32,
    Date,
    i32,
    i64,
    String,
    Option<String>,
    OffsetDateTime,
);

const FILING_COLUMNS: &str = "f.filing_id, f.service_month, f.version, f.billing_month, \
    f.claim_count, f.total_points, f.reason, u.display_name, f.created_at";

async fn files_of(tx: &mut TenantTx, filing: Uuid) -> Result<Vec<FiledFile>, sqlx::Error> {
    let rows: Vec<(String, i32, Vec<u8>)> = sqlx::query_as(
        "select payer, octet_length(bytes), sha256 from claim_file where filing_id = $1 \
         order by payer",
    )
    .bind(filing)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(payer, bytes, sha)| FiledFile {
            payer: if payer == "2" {
                Payer::Kokuho
            } else {
                Payer::Fund
            },
            bytes: u64::try_from(bytes).unwrap_or(0),
            sha256: hex(&sha),
        })
        .collect())
}

async fn summary_of(tx: &mut TenantTx, raw: FilingRaw) -> Result<FilingSummary, sqlx::Error> {
    let (id, service, version, billing, count, points, reason, author, at) = raw;
    let decode = |what: &str| sqlx::Error::Decode(format!("filing {id}: {what}").into());
    Ok(FilingSummary {
        filing_id: FilingId(id),
        service_month: month_of(service).ok_or_else(|| decode("service month"))?,
        billing_month: month_of(billing).ok_or_else(|| decode("billing month"))?,
        version,
        totals: MonthTotals {
            claims: u32::try_from(count).map_err(|_| decode("count"))?,
            points: u64::try_from(points).map_err(|_| decode("points"))?,
        },
        files: files_of(tx, id).await?,
        reason,
        author,
        created_at: crate::clock::rfc3339(at),
    })
}

/// The filings of 診療年月 `month`, newest first.
pub async fn filings(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<Vec<FilingSummary>, sqlx::Error> {
    let Some((start, _)) = bounds(month) else {
        return Ok(Vec::new());
    };
    let rows: Vec<FilingRaw> = sqlx::query_as(&format!(
        "select {FILING_COLUMNS} from claim_filing f \
         left join app_user u on u.user_id = f.author_user_id \
         where f.service_month = $1 order by f.version desc"
    ))
    .bind(start)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(summary_of(tx, row).await?);
    }
    Ok(out)
}

/// One filing with the claims exactly as filed.
pub async fn filing(
    tx: &mut TenantTx,
    id: FilingId,
) -> Result<Option<(FilingSummary, Vec<Claim>)>, sqlx::Error> {
    let raw: Option<FilingRaw> = sqlx::query_as(&format!(
        "select {FILING_COLUMNS} from claim_filing f \
         left join app_user u on u.user_id = f.author_user_id where f.filing_id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    let Some(raw) = raw else {
        return Ok(None);
    };
    let claims: Json<Value> =
        sqlx::query_scalar("select claims from claim_filing where filing_id = $1")
            .bind(id.as_uuid())
            .fetch_one(tx.conn())
            .await?;
    let claims: Vec<Claim> = serde_json::from_value(claims.0)
        .map_err(|_| sqlx::Error::Decode(format!("filing {id}: unreadable claims").into()))?;
    Ok(Some((summary_of(tx, raw).await?, claims)))
}

/// The bytes of one UKE file of a filing.
pub async fn file_bytes(
    tx: &mut TenantTx,
    id: FilingId,
    payer: Payer,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("select bytes from claim_file where filing_id = $1 and payer = $2")
        .bind(id.as_uuid())
        .bind(payer.code())
        .fetch_optional(tx.conn())
        .await
}

/// The newest version of each of `bills`.
pub async fn current_bill_versions(
    tx: &mut TenantTx,
    bills: &[BillId],
) -> Result<BTreeMap<BillId, i32>, sqlx::Error> {
    let ids: Vec<Uuid> = bills.iter().map(|b| b.as_uuid()).collect();
    let rows: Vec<(Uuid, i32)> = sqlx::query_as(
        "select bill_id, max(version) from bill_version where bill_id = any($1) group by bill_id",
    )
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|(b, v)| (BillId(b), v)).collect())
}

/// A filing to store: the claims as filed (レセプト番号 set) and each 審査支払機関's file.
pub struct NewFiling<'a> {
    pub service_month: UkeMonth,
    pub billing_month: UkeMonth,
    pub claims: &'a [Claim],
    pub files: &'a [(Payer, Vec<u8>)],
    pub reason: &'a str,
    pub author: UserId,
}

/// Stores a filing as the next version of its 診療年月; `None` when `expected_version` is no
/// longer the next one (someone filed first).
pub async fn insert_filing(
    tx: &mut TenantTx,
    f: &NewFiling<'_>,
    expected_version: i32,
) -> Result<Option<FilingId>, sqlx::Error> {
    let (Some((service, _)), Some((billing, _))) =
        (bounds(f.service_month), bounds(f.billing_month))
    else {
        return Ok(None);
    };
    let id = FilingId(Uuid::new_v4());
    let totals = MonthTotals::of(f.claims);
    let claims = serde_json::to_value(f.claims).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let inserted = sqlx::query(
        "insert into claim_filing (tenant_id, filing_id, service_month, version, billing_month, \
         claims, claim_count, total_points, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(service)
    .bind(expected_version)
    .bind(billing)
    .bind(Json(claims))
    .bind(i32::try_from(totals.claims).unwrap_or(i32::MAX))
    .bind(i64::try_from(totals.points).unwrap_or(i64::MAX))
    .bind(f.reason)
    .bind(f.author.as_uuid())
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    for (payer, bytes) in f.files {
        use sha2::Digest;
        let sha = sha2::Sha256::digest(bytes).to_vec();
        sqlx::query(
            "insert into claim_file (tenant_id, filing_id, payer, bytes, sha256) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(id.as_uuid())
        .bind(payer.code())
        .bind(bytes)
        .bind(sha)
        .execute(tx.conn())
        .await?;
    }
    Ok(Some(id))
}

/// The next filing version of 診療年月 `month` (1 for the first).
pub async fn next_version(tx: &mut TenantTx, month: UkeMonth) -> Result<i32, sqlx::Error> {
    let Some((start, _)) = bounds(month) else {
        return Ok(1);
    };
    let max: Option<i32> =
        sqlx::query_scalar("select max(version) from claim_filing where service_month = $1")
            .bind(start)
            .fetch_one(tx.conn())
            .await?;
    Ok(max.unwrap_or(0) + 1)
}
