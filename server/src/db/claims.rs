//! Month-end claims: what a month's claims are built from (the latest version of every bill of
//! the month, with each patient's insurances, 公費 and diagnoses), and the filings, kept
//! append-only with their UKE files. All queries go through [`TenantTx`].

use super::{diagnoses, institutions, insurance, masters, TenantTx};
use crate::chain::hex;
use serde_json::Value;
use shared::api::claims::{ClaimNote, FiledFile, FilingSummary, MonthTotals};
use shared::api::patients::PatientSummary;
use shared::billing::StoredBill;
use shared::claims::month::{
    Claim, ClaimBill, ClaimInput, ClaimInstitution, ClaimMasters, ClaimNoteBody, ClaimOrigin,
    LateMonth, Payer, ReturnedClaim, UnreadableBill,
};
use shared::claims::uke::UkeMonth;
use shared::domain::japanese::format_date;
use shared::domain::patient::Sex;
use shared::ids::{BillId, ClaimNoteId, FilingId, PatientId, ReceptionId, ReturnId, UserId};
use shared::masters::{DiseaseRecord, MasterKind, MasterRecord, ProcedureRecord};
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

/// Everything the claims of `month` are built from, and its filings: what the 月次請求 screen,
/// the filing and `karte-server claims build` all build from.
pub async fn context(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<shared::api::claims::MonthClaimsContext, sqlx::Error> {
    let inputs = month_inputs(tx, month).await?;
    let masters = claim_masters(tx, month, &inputs.iter().collect::<Vec<_>>()).await?;
    Ok(shared::api::claims::MonthClaimsContext {
        month,
        institution: institution(tx).await?,
        inputs,
        late: late_inputs(tx, month).await?,
        returned: returned_inputs(tx, month).await?,
        masters,
        filings: filings(tx, month).await?,
    })
}

/// The master facts the checks read ([`ClaimMasters`]) for every procedure code billed and
/// every 傷病名コード recorded in `inputs` (of `month`): from the masters in force on the last
/// day of the month, else on its first day (a code abolished within the month).
pub async fn claim_masters(
    tx: &mut TenantTx,
    month: UkeMonth,
    inputs: &[&ClaimInput],
) -> Result<ClaimMasters, sqlx::Error> {
    let mut procedures: Vec<String> = inputs
        .iter()
        .flat_map(|i| &i.bills)
        .flat_map(|b| &b.priced.lines)
        .filter(|l| l.kind == shared::billing::LineKind::Procedure)
        .map(|l| l.code.clone())
        .collect();
    procedures.sort();
    procedures.dedup();
    let mut diseases: Vec<String> = inputs
        .iter()
        .flat_map(|i| &i.diagnoses)
        .filter_map(|d| d.disease_code.clone())
        .collect();
    diseases.sort();
    diseases.dedup();
    let dates: Vec<Date> = bounds(month)
        .map(|(start, end)| vec![end, start])
        .unwrap_or_default();
    let mut masters = ClaimMasters::default();
    for fields in rows_in_force(tx, MasterKind::Procedure, &dates, &procedures).await? {
        if let Ok(row) = ProcedureRecord::from_fields(&fields) {
            if row.max_count > 0 {
                masters.limits.insert(row.code, row.max_count);
            }
        }
    }
    for fields in rows_in_force(tx, MasterKind::Disease, &dates, &diseases).await? {
        if let Ok(row) = DiseaseRecord::from_fields(&fields) {
            if row.specific_disease > 0 {
                masters
                    .disease_classes
                    .insert(row.code, row.specific_disease);
            }
        }
    }
    Ok(masters)
}

/// The master rows of `codes`, each from the first of `dates` on which it is in force.
pub async fn rows_in_force(
    tx: &mut TenantTx,
    kind: MasterKind,
    dates: &[Date],
    codes: &[String],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    let mut found: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for date in dates {
        let wanted: Vec<String> = codes
            .iter()
            .filter(|c| !found.contains(c.as_str()))
            .cloned()
            .collect();
        if wanted.is_empty() {
            break;
        }
        for fields in masters::rows_on_tx(tx, kind, *date, &wanted).await? {
            // `fields[0]` is 項番1 (the 変更区分): the code of 項番N is at N - 1.
            if let Some(code) = fields.get(kind.code_column() - 1) {
                found.insert(code.clone());
            }
            rows.push(fields);
        }
    }
    Ok(rows)
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

type BillRowRaw = (
    Uuid,
    i32,
    Uuid,
    Uuid,
    String,
    i16,
    Json<Value>,
    Json<Value>,
    Date,
    Option<Uuid>,
);

/// The latest version of each bill the `filter` (SQL over `bill_version`, binding `$1`…)
/// selects, of receptions not cancelled, with the 診療科, by patient and date of service.
const BILLS: &str = "select b.bill_id, b.version, b.reception_id, b.patient_id, r.department, \
      b.format, b.visit, b.priced, b.service_date, b.insurance_id from ( \
      select distinct on (bill_id) bill_id, version, reception_id, patient_id, format, visit, \
        priced, service_date, insurance_id from bill_version where {filter} \
      order by bill_id, version desc) b \
    join reception r on r.reception_id = b.reception_id \
    where r.status <> 'cancelled' \
    order by b.patient_id, b.service_date, b.bill_id";

/// A bill no filing of a 診療年月 other than `$1`'s carried (a re-filing of `$1` carries its
/// own again).
const NOT_CARRIED_ELSEWHERE: &str = "not exists (select 1 from claim_filing_bill fb \
    join claim_filing f on f.filing_id = fb.filing_id \
    where fb.bill_id = bill_version.bill_id and f.service_month <> $1)";

/// A patient's bills of a month: those read, and those that could not be.
#[derive(Default)]
struct PatientBills {
    bills: Vec<ClaimBill>,
    unreadable: Vec<UnreadableBill>,
}

/// The bills of `rows` by patient, in the rows' order.
fn by_patient(rows: Vec<BillRowRaw>) -> BTreeMap<PatientId, PatientBills> {
    let mut by_patient: BTreeMap<PatientId, PatientBills> = BTreeMap::new();
    for row in rows {
        let (patient, _, bill) = read_bill(row);
        by_patient.entry(patient).or_default().add(bill);
    }
    by_patient
}

impl PatientBills {
    fn add(&mut self, bill: Result<ClaimBill, UnreadableBill>) {
        match bill {
            Ok(b) => self.bills.push(b),
            Err(u) => self.unreadable.push(u),
        }
    }
}

/// A bill row as the claims need it, or, when its stored form cannot be read, which bill it
/// is: one damaged bill must not hide the month's other claims. Logged by id only (the
/// reader's message may quote the stored visit).
fn read_bill(row: BillRowRaw) -> (PatientId, Date, Result<ClaimBill, UnreadableBill>) {
    let (bill, version, reception, patient, department, format, visit, priced, day, insurance) =
        row;
    let read = match StoredBill::read(format, visit.0, priced.0) {
        Ok(stored) => Ok(ClaimBill {
            bill_id: BillId(bill),
            version,
            reception_id: ReceptionId(reception),
            department,
            insurance_id: insurance.map(shared::ids::InsuranceId),
            visit: stored.visit,
            priced: stored.priced,
        }),
        Err(_) => {
            tracing::error!(bill = %bill, version, format, "a stored bill cannot be read; left out of the claims");
            Err(UnreadableBill {
                bill_id: BillId(bill),
                version,
                reception_id: ReceptionId(reception),
                service_date: day,
            })
        }
    };
    (PatientId(patient), day, read)
}

/// The claims' input for `month`: every patient with a finalised bill of a visit in the month
/// (the latest version of each bill; cancelled receptions left out), in patient-number order.
pub async fn month_inputs(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<Vec<ClaimInput>, sqlx::Error> {
    let Some((start, end)) = bounds(month) else {
        return Ok(Vec::new());
    };
    // Not a bill that a filing of another month carried (as 月遅れ or filed again).
    let rows: Vec<BillRowRaw> = sqlx::query_as(&BILLS.replace(
        "{filter}",
        &format!("service_date between $1 and $2 and {NOT_CARRIED_ELSEWHERE}"),
    ))
    .bind(start)
    .bind(end)
    .fetch_all(tx.conn())
    .await?;
    assemble(tx, month, by_patient(rows)).await
}

/// How far back a bill no filing carried is still offered as 月遅れ.
pub const LATE_MONTHS: i32 = 12;

/// 月遅れ for a filing of `month`: bills of the twelve months before it whose own month was
/// filed but which no filing of another 診療年月 carried (a re-filing of `month` itself carries
/// them again), by month. A month never filed in Karte (before it was used, say) is not swept
/// in: it is filed as its own month.
pub async fn late_inputs(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<Vec<LateMonth>, sqlx::Error> {
    let Some((start, _)) = bounds(month) else {
        return Ok(Vec::new());
    };
    let rows: Vec<BillRowRaw> = sqlx::query_as(&BILLS.replace(
        "{filter}",
        &format!(
            "service_date >= ($1::date - make_interval(months => $2)) and service_date < $1 \
             and exists (select 1 from claim_filing own \
                 where own.service_month = date_trunc('month', bill_version.service_date)::date) \
             and {NOT_CARRIED_ELSEWHERE}"
        ),
    ))
    .bind(start)
    .bind(LATE_MONTHS)
    .fetch_all(tx.conn())
    .await?;
    let mut by_month: BTreeMap<UkeMonth, BTreeMap<PatientId, PatientBills>> = BTreeMap::new();
    for row in rows {
        let (patient, day, bill) = read_bill(row);
        let Some(m) = month_of(day) else { continue };
        by_month
            .entry(m)
            .or_default()
            .entry(patient)
            .or_default()
            .add(bill);
    }
    let mut late = Vec::with_capacity(by_month.len());
    for (m, by_patient) in by_month {
        let inputs = assemble(tx, m, by_patient).await?;
        let masters = claim_masters(tx, m, &inputs.iter().collect::<Vec<_>>()).await?;
        late.push(LateMonth {
            month: m,
            inputs,
            masters,
        });
    }
    Ok(late)
}

/// Returned claims to file again with a filing of `month`: those of earlier months not yet
/// carried by a filing of another 診療年月, each with its bills as they are now.
pub async fn returned_inputs(
    tx: &mut TenantTx,
    month: UkeMonth,
) -> Result<Vec<ReturnedClaim>, sqlx::Error> {
    let Some((start, _)) = bounds(month) else {
        return Ok(Vec::new());
    };
    let returns: Vec<(Uuid, Date, String, String, Json<Value>)> = sqlx::query_as(
        "select r.return_id, r.service_month, r.search_number, r.reason, r.bills \
         from claim_return r where r.service_month < $1 \
           and not exists (select 1 from claim_refiling x \
               join claim_filing f on f.filing_id = x.filing_id \
               where x.return_id = r.return_id and f.service_month <> $1) \
         order by r.created_at, r.return_id",
    )
    .bind(start)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(returns.len());
    for (id, service, search_number, reason, bills) in returns {
        let ids: Vec<BillId> = serde_json::from_value(bills.0)
            .map_err(|_| sqlx::Error::Decode(format!("return {id}: unreadable bills").into()))?;
        let uuids: Vec<Uuid> = ids.iter().map(|b| b.as_uuid()).collect();
        let rows: Vec<BillRowRaw> = sqlx::query_as(&BILLS.replace("{filter}", "bill_id = any($1)"))
            .bind(&uuids)
            .fetch_all(tx.conn())
            .await?;
        let Some(m) = month_of(service) else { continue };
        for input in assemble(tx, m, by_patient(rows)).await? {
            let masters = claim_masters(tx, m, &[&input]).await?;
            out.push(ReturnedClaim {
                return_id: ReturnId(id),
                month: m,
                search_number: search_number.clone(),
                reason: reason.clone(),
                input,
                masters,
            });
        }
    }
    Ok(out)
}

/// Each patient's bills with what their claim needs: the patient, the insurances and 公費
/// valid at some day of `month`, the diagnoses active in it, the 症状詳記 and コメント written
/// for it. A handful of queries for the whole month, not a few per patient.
async fn assemble(
    tx: &mut TenantTx,
    month: UkeMonth,
    by_patient: BTreeMap<PatientId, PatientBills>,
) -> Result<Vec<ClaimInput>, sqlx::Error> {
    let Some((start, end)) = bounds(month) else {
        return Ok(Vec::new());
    };
    let ids: Vec<PatientId> = by_patient.keys().copied().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut summaries = summaries(tx, &ids).await?;
    let mut insurances: BTreeMap<PatientId, Vec<insurance::InsuranceRow>> = BTreeMap::new();
    for row in insurance::insurances_of(tx, &ids, None).await? {
        if row.valid_from <= end && row.valid_until.is_none_or(|u| u >= start) {
            insurances
                .entry(PatientId(row.patient_id))
                .or_default()
                .push(row);
        }
    }
    let mut publics: BTreeMap<PatientId, Vec<shared::api::insurance::PublicPaymentDetail>> =
        BTreeMap::new();
    for row in insurance::public_payments_of(tx, &ids, None).await? {
        if row.valid_from <= end && row.valid_until.is_none_or(|u| u >= start) {
            publics
                .entry(PatientId(row.patient_id))
                .or_default()
                .push(row.detail());
        }
    }
    let mut diagnoses: BTreeMap<PatientId, Vec<shared::api::chart::Diagnosis>> = BTreeMap::new();
    for (patient, d) in diagnoses::diagnoses_of(tx, &ids, Some((start, end))).await? {
        diagnoses.entry(patient).or_default().push(d);
    }
    let mut notes: BTreeMap<PatientId, Vec<ClaimNote>> = BTreeMap::new();
    for note in notes_of_patients(tx, &ids, start, false).await? {
        notes.entry(note.patient_id).or_default().push(note);
    }
    let mut inputs = Vec::with_capacity(by_patient.len());
    for (patient, PatientBills { bills, unreadable }) in by_patient {
        let summary = summaries
            .remove(&patient)
            .ok_or_else(|| sqlx::Error::Decode(format!("patient {patient}: missing").into()))?;
        let birth = shared::domain::japanese::parse_date(&summary.birth_date).unwrap_or(start);
        let insurances = insurances
            .remove(&patient)
            .unwrap_or_default()
            .iter()
            .map(|i| i.detail(birth, start))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        inputs.push(ClaimInput {
            patient: summary,
            insurances,
            public_payments: publics.remove(&patient).unwrap_or_default(),
            diagnoses: diagnoses.remove(&patient).unwrap_or_default(),
            bills,
            notes: notes.remove(&patient).unwrap_or_default(),
            unreadable,
        });
    }
    inputs.sort_by(|a, b| {
        let key = |p: &PatientSummary| (p.patient_number.len(), p.patient_number.clone());
        key(&a.patient).cmp(&key(&b.patient))
    });
    Ok(inputs)
}

/// What a claim shows of each patient, by id.
async fn summaries(
    tx: &mut TenantTx,
    patients: &[PatientId],
) -> Result<BTreeMap<PatientId, PatientSummary>, sqlx::Error> {
    let ids: Vec<Uuid> = patients.iter().map(|p| p.as_uuid()).collect();
    let rows: Vec<(Uuid, String, String, String, String, Date, String)> = sqlx::query_as(
        "select patient_id, patient_number, name, kana, sex, birth_date, phone_digits \
         from patient where patient_id = any($1)",
    )
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(|(id, number, name, kana, sex, birth, phone)| {
            let patient = PatientId(id);
            Ok((
                patient,
                PatientSummary {
                    patient_id: patient,
                    patient_number: number,
                    name,
                    kana,
                    sex: Sex::from_code(&sex).ok_or_else(|| {
                        sqlx::Error::Decode(format!("patient {patient}: sex").into())
                    })?,
                    birth_date: format_date(birth),
                    phone,
                },
            ))
        })
        .collect()
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
    // Which bills this filing carried (月遅れ looks here), in one statement for the month,
    // and which returns it filed again.
    let (mut bill_ids, mut versions, mut months) = (Vec::new(), Vec::new(), Vec::new());
    for claim in f.claims {
        let service = bounds(claim.records.re.service_month).map(|b| b.0);
        for bill in &claim.bills {
            bill_ids.push(bill.bill_id.as_uuid());
            versions.push(bill.version);
            months.push(service);
        }
    }
    sqlx::query(
        "insert into claim_filing_bill (tenant_id, filing_id, bill_id, version, service_month) \
         select $1, $2, b, v, m from unnest($3::uuid[], $4::int[], $5::date[]) as t (b, v, m) \
         on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(&bill_ids)
    .bind(&versions)
    .bind(&months)
    .execute(tx.conn())
    .await?;
    for claim in f.claims {
        if let ClaimOrigin::Refiling { return_id } = claim.origin {
            sqlx::query(
                "insert into claim_refiling (tenant_id, return_id, filing_id) values ($1, $2, $3) \
                 on conflict do nothing",
            )
            .bind(tx.tenant_id().as_uuid())
            .bind(return_id.as_uuid())
            .bind(id.as_uuid())
            .execute(tx.conn())
            .await?;
        }
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

/// A claim of a filing marked returned (返戻): which one, why, and the 検索番号 to file it
/// again with.
pub struct NewReturn<'a> {
    pub filing: FilingId,
    pub claim: &'a Claim,
    pub search_number: &'a str,
    pub reason: &'a str,
    pub author: UserId,
}

/// Records a return; `None` when that claim was already marked returned.
pub async fn insert_return(
    tx: &mut TenantTx,
    r: &NewReturn<'_>,
) -> Result<Option<ReturnId>, sqlx::Error> {
    let id = ReturnId(Uuid::new_v4());
    let bills: Vec<BillId> = r.claim.bills.iter().map(|b| b.bill_id).collect();
    let service = bounds(r.claim.records.re.service_month).map(|b| b.0);
    let inserted = sqlx::query(
        "insert into claim_return (tenant_id, return_id, filing_id, payer, claim_number, patient_id, \
         service_month, bills, search_number, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(r.filing.as_uuid())
    .bind(r.claim.payer.code())
    .bind(i32::try_from(r.claim.records.re.claim_number).unwrap_or(i32::MAX))
    .bind(r.claim.patient_id.as_uuid())
    .bind(service)
    .bind(Json(serde_json::to_value(&bills).map_err(|e| sqlx::Error::Encode(Box::new(e)))?))
    .bind(r.search_number)
    .bind(r.reason)
    .bind(r.author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(id))
}

/// The returns recorded against the claims of `filing`: (payer, レセプト番号) → (when, reason,
/// 検索番号, refiled).
pub async fn returns_of(
    tx: &mut TenantTx,
    filing: FilingId,
) -> Result<BTreeMap<(String, i32), shared::api::claims::ReturnSummary>, sqlx::Error> {
    let rows: Vec<(Uuid, String, i32, String, String, OffsetDateTime, bool)> = sqlx::query_as(
        "select r.return_id, r.payer, r.claim_number, r.reason, r.search_number, r.created_at, \
           exists (select 1 from claim_refiling x where x.return_id = r.return_id) \
         from claim_return r where r.filing_id = $1",
    )
    .bind(filing.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, payer, number, reason, search_number, at, refiled)| {
            (
                (payer, number),
                shared::api::claims::ReturnSummary {
                    return_id: ReturnId(id),
                    reason,
                    search_number,
                    created_at: crate::clock::rfc3339(at),
                    refiled,
                },
            )
        })
        .collect())
}

/// Serialises the institution's filings and returns (one at a time per institution, until the
/// transaction ends): two filings of different months could otherwise carry the same 月遅れ
/// bill or returned claim.
pub async fn lock_filings(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    let key = format!("karte.claims.{}", tx.tenant_id().as_uuid());
    tx.lock_key(&key).await
}

type NoteRow = (
    Uuid,
    i32,
    Uuid,
    Date,
    Json<Value>,
    bool,
    String,
    Option<String>,
    OffsetDateTime,
);

const NOTE_COLUMNS: &str = "n.note_id, n.version, n.patient_id, n.service_month, n.body, \
    n.retracted, n.reason, u.display_name, n.created_at";

fn note_of(row: NoteRow) -> Result<ClaimNote, sqlx::Error> {
    let (id, version, patient, month, body, retracted, reason, author, at) = row;
    Ok(ClaimNote {
        note_id: ClaimNoteId(id),
        version,
        patient_id: PatientId(patient),
        month: month_of(month)
            .ok_or_else(|| sqlx::Error::Decode(format!("note {id}: month").into()))?,
        body: serde_json::from_value(body.0)
            .map_err(|_| sqlx::Error::Decode(format!("note {id}: unreadable body").into()))?,
        retracted,
        reason,
        author,
        created_at: crate::clock::rfc3339(at),
    })
}

/// The latest version of each 症状詳記・コメント of `patient`'s claim of the month beginning
/// `month_start`, oldest note first; retracted ones only with `with_retracted`.
pub async fn notes_of(
    tx: &mut TenantTx,
    patient: PatientId,
    month_start: Date,
    with_retracted: bool,
) -> Result<Vec<ClaimNote>, sqlx::Error> {
    notes_of_patients(tx, &[patient], month_start, with_retracted).await
}

/// [`notes_of`] of several patients in one query, by patient.
pub async fn notes_of_patients(
    tx: &mut TenantTx,
    patients: &[PatientId],
    month_start: Date,
    with_retracted: bool,
) -> Result<Vec<ClaimNote>, sqlx::Error> {
    let ids: Vec<Uuid> = patients.iter().map(|p| p.as_uuid()).collect();
    let sql = format!(
        "select {NOTE_COLUMNS} from (select distinct on (note_id) * from claim_note_version \
           where patient_id = any($1) and service_month = $2 order by note_id, version desc) n \
         left join app_user u on u.user_id = n.author_user_id \
         where $3 or not n.retracted \
         order by n.patient_id, (select min(created_at) from claim_note_version f \
                   where f.note_id = n.note_id), n.note_id"
    );
    let rows: Vec<NoteRow> = sqlx::query_as(&sql)
        .bind(&ids)
        .bind(month_start)
        .bind(with_retracted)
        .fetch_all(tx.conn())
        .await?;
    rows.into_iter().map(note_of).collect()
}

/// The latest version of one note, if it exists (RLS: of this institution).
pub async fn note(tx: &mut TenantTx, id: ClaimNoteId) -> Result<Option<ClaimNote>, sqlx::Error> {
    let sql = format!(
        "select {NOTE_COLUMNS} from claim_note_version n \
         left join app_user u on u.user_id = n.author_user_id \
         where n.note_id = $1 order by n.version desc limit 1"
    );
    let row: Option<NoteRow> = sqlx::query_as(&sql)
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await?;
    row.map(note_of).transpose()
}

/// A new version of a note: `None` when `version` exists already (someone saved first).
#[allow(clippy::too_many_arguments)]
pub async fn insert_note(
    tx: &mut TenantTx,
    id: ClaimNoteId,
    version: i32,
    patient: PatientId,
    month_start: Date,
    body: &ClaimNoteBody,
    retracted: bool,
    reason: &str,
    author: UserId,
) -> Result<Option<ClaimNote>, sqlx::Error> {
    let inserted = sqlx::query(
        "insert into claim_note_version (tenant_id, note_id, version, patient_id, service_month, \
           body, retracted, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(version)
    .bind(patient.as_uuid())
    .bind(month_start)
    .bind(Json(
        serde_json::to_value(body).map_err(|e| sqlx::Error::Encode(Box::new(e)))?,
    ))
    .bind(retracted)
    .bind(reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    note(tx, id).await
}
