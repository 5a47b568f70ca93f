//! The month-end claims benchmark (feature `bench`): the month of [`crate::billing::bench`]
//! (5,000 fictitious patients, about 8,300 visits of June 2024) priced as 会計 prices it, made
//! into the claims' input as the server reads it, then the month's claims built
//! ([`super::month::build_claims`]) and written as UKE files ([`super::month::uke_files`],
//! [`super::uke::UkeFile::to_bytes`]) several times. The same code runs natively
//! (`benches/pricing.rs`) and as WASM in headless Chromium (`tests/wasm_pricing.rs`).

use super::month::{
    build_claims, uke_files, ClaimBill, ClaimInput, ClaimInstitution, ClaimMasters,
};
use super::uke::UkeMonth;
use crate::api::chart::Diagnosis;
use crate::api::insurance::{InsuranceDetail, PublicPaymentDetail};
use crate::api::patients::PatientSummary;
use crate::billing::bench::{month_of_visits, Config, Rounds, SEED};
use crate::billing::{price_visit, Burden, Catalog, HistoryEntry, Yen};
use crate::domain::insurance::{IncomeCategory, Relationship};
use crate::domain::patient::Sex;
use crate::ids::{BillId, DiagnosisId, InsuranceId, PatientId, PublicPaymentId, ReceptionId};
use std::hint::black_box;
use uuid::Uuid;

fn id(n: usize, kind: u128) -> Uuid {
    Uuid::from_u128((kind << 64) | n as u128)
}

/// The month's input as `server::db::claims::month_inputs` reads it: each patient with the
/// insurance their visits name, the 公費 they applied, one 主病名, and every visit priced in
/// date order with the month so far as its history.
pub fn month_inputs<C: Catalog + ?Sized>(patients: usize, catalog: &C) -> Vec<ClaimInput> {
    let month = month_of_visits(patients, SEED);
    let mut inputs = Vec::with_capacity(month.len());
    let mut bill = 0usize;
    for (n, visits) in month.into_iter().enumerate() {
        let Some(first) = visits.first() else {
            continue;
        };
        let insurer = match &first.burden {
            Burden::Insurance { insurer_number, .. } => insurer_number.as_str().to_string(),
            Burden::Tenths { .. } | Burden::PublicOnly => "06139992".to_string(),
        };
        let mut publics: Vec<String> = Vec::new();
        let mut history: Vec<HistoryEntry> = Vec::new();
        let mut paid = 0i64;
        let mut bills = Vec::with_capacity(visits.len());
        for mut visit in visits {
            visit.month_history = std::mem::take(&mut history);
            if let Some(pe) = visit.public_expense.as_mut() {
                pe.paid_this_month = Yen(paid);
            }
            for p in visit.public_expenses() {
                if let Some(number) = &p.payer_number {
                    if !publics.iter().any(|n| n == number.as_str()) {
                        publics.push(number.as_str().to_string());
                    }
                }
            }
            let Ok(priced) = price_visit(&visit, catalog) else {
                continue;
            };
            history = std::mem::take(&mut visit.month_history);
            paid += priced.share.patient.0;
            history.extend(priced.lines.iter().map(|l| HistoryEntry {
                code: l.code.clone(),
                date: visit.service_date,
                count: l.count,
            }));
            bill += 1;
            bills.push(ClaimBill {
                bill_id: BillId(id(bill, 1)),
                version: 1,
                reception_id: ReceptionId(id(bill, 2)),
                department: "内科".into(),
                insurance_id: None,
                visit,
                priced,
            });
        }
        let birth = crate::domain::japanese::format_date(first_birth(&bills));
        inputs.push(ClaimInput {
            patient: PatientSummary {
                patient_id: PatientId(id(n, 3)),
                patient_number: (n + 1).to_string(),
                name: format!("架空 患者{}", n + 1),
                kana: "カクウ カンジャ".into(),
                sex: if n % 2 == 0 { Sex::Female } else { Sex::Male },
                birth_date: birth,
                phone: String::new(),
            },
            insurances: vec![InsuranceDetail {
                insurance_id: InsuranceId(id(n, 4)),
                version: 1,
                insurer_number: insurer,
                symbol: "架空".into(),
                number: (n + 1).to_string(),
                branch: "01".into(),
                relationship: Relationship::Insured,
                acquired_on: None,
                valid_from: "2020-04-01".into(),
                valid_until: None,
                income_category: IncomeCategory::General,
                burden_override: None,
                burden_tenths: 3,
                burden_rule: String::new(),
            }],
            public_payments: publics
                .into_iter()
                .map(|payer_number| PublicPaymentDetail {
                    public_payment_id: PublicPaymentId(id(n, 5)),
                    version: 1,
                    houbetsu: payer_number.get(..2).unwrap_or("").to_string(),
                    payer_number,
                    recipient_number: Some("1234566".into()),
                    valid_from: "2020-04-01".into(),
                    valid_until: None,
                    patient_tenths: Some(0),
                    monthly_cap: None,
                })
                .collect(),
            diagnoses: vec![Diagnosis {
                diagnosis_id: DiagnosisId(id(n, 6)),
                version: 1,
                // 胃潰瘍: a 特定疾患 (傷病名マスター 特定疾患等対象区分 05), as the bench's
                // 特定疾患療養管理料 and 特定疾患処方管理加算 need.
                disease_code: Some(STOMACH_ULCER.into()),
                modifier_codes: vec![],
                name: "胃潰瘍".into(),
                is_main: true,
                suspected: false,
                start_date: "2024-04-01".into(),
                outcome: None,
                end_date: None,
                reason: String::new(),
                author: "架空 医師".into(),
                created_at: "2024-04-01T09:00:00+09:00".into(),
            }],
            bills,
            notes: vec![],
            unreadable: vec![],
        });
    }
    inputs
}

/// 傷病名コード of 胃潰瘍 (傷病名マスター b_20240601, 特定疾患等対象区分 05).
const STOMACH_ULCER: &str = "5319009";

/// The master facts the checks read, as the server looks them up: 上限回数 of every procedure
/// code billed (from `catalog`), and the 特定疾患 class of the bench's diagnosis.
fn month_masters<C: Catalog + ?Sized>(inputs: &[ClaimInput], catalog: &C) -> ClaimMasters {
    let mut masters = ClaimMasters::default();
    for line in inputs
        .iter()
        .flat_map(|i| &i.bills)
        .flat_map(|b| &b.priced.lines)
    {
        if let Some(facts) = catalog.procedure(&line.code) {
            if facts.max_count > 0 {
                masters.limits.insert(line.code.clone(), facts.max_count);
            }
        }
    }
    masters.disease_classes.insert(STOMACH_ULCER.into(), 5);
    masters
}

fn first_birth(bills: &[ClaimBill]) -> time::Date {
    bills
        .first()
        .map(|b| b.visit.birth_date)
        .unwrap_or(time::Date::MIN)
}

/// What a run produced: equal on every platform for the same workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimsTotals {
    pub claims: usize,
    pub errors: usize,
    pub records: usize,
    pub points: u64,
    pub bytes: usize,
}

impl ClaimsTotals {
    pub fn checksum(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.claims, self.errors, self.records, self.points, self.bytes
        )
    }
}

/// Builds the month's claims and writes their UKE files `config.month_rounds` times after one
/// warm-up, timing each half; prints one `bench:` line through `out`. `memory` reports the
/// memory in use (bytes; the allocator's peak natively, the linear memory in WASM) when the
/// platform can tell.
pub fn run_claims<C: Catalog + ?Sized>(
    target: &str,
    catalog: &C,
    config: &Config,
    now: &mut dyn FnMut() -> f64,
    memory: &mut dyn FnMut() -> Option<usize>,
    out: &mut dyn FnMut(&str),
) -> ClaimsTotals {
    let start = now();
    let inputs = month_inputs(config.patients, catalog);
    let masters = month_masters(&inputs, catalog);
    let prepare_ms = now() - start;
    let month = UkeMonth::new(2024, 6).expect("June 2024");
    let billing = UkeMonth::new(2024, 7).expect("July 2024");
    let institution = ClaimInstitution {
        code: "9999999".into(),
        prefecture: "13".into(),
        name: "架空 ベンチ医院".into(),
        phone: String::new(),
    };
    let once = |inputs: &[ClaimInput]| {
        let mut claims = build_claims(month, black_box(inputs), &masters);
        let files = uke_files(&institution, billing, &mut claims);
        (claims, files)
    };
    let (claims, files) = once(&inputs);
    let bytes: usize = files.iter().map(|(_, f)| f.to_bytes().len()).sum();
    let totals = ClaimsTotals {
        claims: claims.len(),
        errors: claims.iter().filter(|c| c.has_errors()).count(),
        records: claims
            .iter()
            .map(|c| c.records.lines.len() + c.records.sy.len() + 1)
            .sum(),
        points: claims.iter().map(|c| c.points()).sum(),
        bytes,
    };
    drop((claims, files));
    let mut build = Vec::with_capacity(config.month_rounds);
    let mut write = Vec::with_capacity(config.month_rounds);
    for _ in 0..config.month_rounds {
        let start = now();
        let mut claims = black_box(build_claims(month, black_box(&inputs), &masters));
        let built = now();
        let files = uke_files(&institution, billing, &mut claims);
        let written: usize = files
            .iter()
            .map(|(_, f)| black_box(f.to_bytes()).len())
            .sum();
        write.push(now() - built);
        build.push(built - start);
        assert_eq!(
            written, totals.bytes,
            "the same month writes the same bytes"
        );
    }
    let (build, write) = (Rounds(build), Rounds(write));
    let memory = memory()
        .map(|m| format!(" memory_mb={:.1}", m as f64 / 1_048_576.0))
        .unwrap_or_default();
    out(&format!(
        "bench: target={target} claims patients={} build_median_ms={:.1} build_min_ms={:.1} write_median_ms={:.1} write_min_ms={:.1} prepare_ms={:.1}{memory} rounds={} checksum={}",
        inputs.len(),
        build.median(),
        build.min(),
        write.median(),
        write.min(),
        prepare_ms,
        config.month_rounds,
        totals.checksum()
    ));
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::MemoryCatalog;

    #[test]
    fn a_small_month_builds_clean_claims_that_add_up() {
        let catalog = MemoryCatalog::outpatient_2024_06();
        let inputs = month_inputs(40, &catalog);
        let masters = month_masters(&inputs, &catalog);
        assert!(!masters.limits.is_empty(), "the month has limited items");
        let claims = build_claims(UkeMonth::new(2024, 6).unwrap(), &inputs, &masters);
        assert!(claims.len() >= inputs.len());
        // The generated months bill what the engine only warns about (a 3rd 特定疾患療養管理料
        // in a month, one within a month of the 初診); the checks say so, and nothing else.
        use super::super::month::{ProblemCode, Severity};
        for c in &claims {
            assert!(
                c.problems.iter().all(|p| p.severity == Severity::Warning
                    && matches!(p.code, ProblemCode::LimitExceeded | ProblemCode::Excluded)),
                "{:?}",
                c.problems
            );
        }
        let bills: i64 = inputs
            .iter()
            .flat_map(|i| &i.bills)
            .map(|b| b.priced.total_points.0)
            .sum();
        let points: u64 = claims.iter().map(|c| c.points()).sum();
        assert_eq!(points as i64, bills, "the claims add up to the bills");
        let mut lines = Vec::new();
        let config = Config {
            patients: 40,
            month_rounds: 1,
            ..Config::default()
        };
        let mut t = 0.0;
        let totals = run_claims(
            "test",
            &catalog,
            &config,
            &mut || {
                t += 1.0;
                t
            },
            &mut || None,
            &mut |l| lines.push(l.to_string()),
        );
        assert_eq!(totals.errors, 0);
        assert!(lines[0].starts_with("bench: target=test claims patients=40"));
    }
}
