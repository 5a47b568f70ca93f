//! Benchmark workload and harness for the pricing engine (feature `bench`: neither the app nor
//! the server enables it). `benches/pricing.rs` (native) and `tests/wasm_pricing.rs` (wasm32 in
//! headless Chromium) both call [`run`], so the two measure exactly the same work:
//!
//! - single visits (billing.md's worked cases, given by the caller) priced over and over;
//! - [`month_of_visits`]: a month of outpatient visits for 5,000 fictitious patients, generated
//!   deterministically (a small LCG, no randomness crate), priced by [`price_month`] in date
//!   order per patient, each visit with the lines of the patient's earlier visits that month
//!   as its `month_history` (as the server builds it), so the 月1回 rules (判断料, 調剤技術基本料,
//!   上限回数 …) see real histories.
//!
//! The clock is passed in (`now`, milliseconds): `shared` never reads it. Results are printed
//! as `bench: …` lines of `key=value` tokens that `scripts/bench-billing` reads; the month's
//! totals (`checksum=`) must be equal on both targets.

use super::codes::URINE_GENERAL;
use super::{
    price_visit, Burden, Catalog, Dispensing, Facility, FacilityKind, FacilityStandards,
    HistoryEntry, ItemOrder, Prescription, ProcedureOrder, PublicExpense, Quantity, Rp, RpDrug,
    TimeCategory, Visit, VisitKind, Yen,
};
use crate::domain::insurance::{check_digit, IncomeCategory, InsurerNumber};
use std::hint::black_box;
use time::{Date, Month, Weekday};

/// How many patients "a month of claims" has (DESIGN.md §8).
pub const PATIENTS: usize = 5_000;
/// The seed of the standard workload.
pub const SEED: u64 = 20_240_601;

// The catalog's drugs (y_ALL20240531; `MemoryCatalog::outpatient_2024_06`).
const AMLODIPINE: &str = "620007870";
const LOXOPROFEN: &str = "620099301";
const REBAMIPIDE: &str = "620009465";
// 診療行為 the clerk or the doctor orders (s_ALL20240531).
const BLOOD_DRAW: &str = "160095710"; // Ｂ－Ｖ
const CBC: &str = "160008010"; // 末梢血液一般検査 (判断グループ 2)
const HBA1C: &str = "160010010"; // ＨｂＡ１ｃ (2)
const AST: &str = "160022510"; // ＡＳＴ (3)
const ALT: &str = "160022610"; // ＡＬＴ (3)
const LDL: &str = "160167250"; // ＬＤＬ－コレステロール (3)
const SPECIFIC_DISEASE_MANAGEMENT: &str = "113001810"; // 特定疾患療養管理料（診療所）月2回
const LIFESTYLE_MANAGEMENT_2: &str = "113707110"; // 生活習慣病管理料２ 月1回
const DRUG_INFORMATION: &str = "120002370"; // 薬剤情報提供料
const IM_INJECTION: &str = "130000510"; // 皮内、皮下及び筋肉内注射
const IV_INJECTION: &str = "130003510"; // 静脈内注射
const WOUND_CARE: &str = "140000610"; // 創傷処置（１００ｃｍ２未満）

/// A 64-bit linear congruential generator (Knuth's MMIX constants): deterministic on every
/// platform, no dependency. Good enough to mix a workload, not for anything else.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// In `0..n` (`n > 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }

    /// True `p` times in 100.
    pub fn percent(&mut self, p: u32) -> bool {
        self.below(100) < p
    }

    /// One of `items`, uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}

/// One 診療所 with the usual 届出 (明細書発行体制等, 外来感染対策向上, 医療DX, 検体検査管理(Ⅰ),
/// ベースアップ評価料) and a full-time pharmacist.
pub fn clinic() -> Facility {
    Facility {
        kind: FacilityKind::Clinic,
        standards: FacilityStandards {
            detailed_statement: true,
            function_enhancement: false,
            infection_control: true,
            medical_dx: 6,
            online_qualification: true,
            night_emergency: false,
            pediatrics: false,
            lab_management_1: true,
            base_up: true,
            pharmacist_full_time: true,
        },
    }
}

/// What stays the same for a patient through the month.
struct Patient {
    birth: Date,
    burden: Burden,
    public_expense: Option<PublicExpense>,
    /// Hypertension etc., managed every visit; otherwise an acute illness.
    chronic: bool,
    /// 生活習慣病管理料２ rather than 特定疾患療養管理料.
    lifestyle_plan: bool,
    /// New to the clinic this month: the first visit is 初診.
    new_patient: bool,
    dispensing: Dispensing,
}

fn insurer(body: [u8; 7]) -> InsurerNumber {
    let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
    InsurerNumber::parse(&format!("{digits}{}", check_digit(&body)))
        .expect("a valid insurer number")
}

fn patient(rng: &mut Lcg) -> Patient {
    // Roughly a town clinic's outpatients: many elderly, some children.
    let age = match rng.below(100) {
        0..=4 => rng.below(6),       // 未就学
        5..=14 => 6 + rng.below(14), // 6–19
        15..=54 => 20 + rng.below(45),
        55..=69 => 65 + rng.below(10),
        _ => 75 + rng.below(20),
    } as i32;
    // `age` on 1 June 2024: born in the year before that day, `age` years earlier.
    let birth = Date::from_calendar_date(2024 - age, Month::June, 1).expect("a date")
        - time::Duration::days(1 + i64::from(rng.below(365)));
    let kouki = age >= 75;
    let insurer_number = if kouki {
        insurer([3, 9, 1, 3, 0, 0, 1 + rng.below(5) as u8]) // 後期高齢者医療
    } else {
        match rng.below(3) {
            0 => insurer([0, 1, 1, 3, 0, 0, 1]), // 協会けんぽ
            1 => insurer([0, 6, 1, 3, 0, 1, 2]), // 健保組合
            _ => insurer([0, 0, 1, 3, 8, 0, 1]), // 国保
        }
    };
    let income_category = match rng.below(100) {
        0..=89 => IncomeCategory::General,
        90..=95 if kouki => IncomeCategory::Certain,
        _ => IncomeCategory::Active,
    };
    let public_expense = if age < 15 && rng.percent(80) {
        // 子ども医療費 (地方公費): nothing at the window.
        Some(PublicExpense {
            payer_number: None,
            patient_tenths: 0,
            monthly_cap: None,
            paid_this_month: Yen(0),
            sections: vec![],
        })
    } else if rng.percent(2) {
        // 自立支援医療-like: 1割 up to 5,000円 a month.
        Some(PublicExpense {
            payer_number: None,
            patient_tenths: 1,
            monthly_cap: Some(Yen(5_000)),
            paid_this_month: Yen(0),
            sections: vec![],
        })
    } else {
        None
    };
    let chronic = rng.percent(if age >= 40 { 55 } else { 10 });
    Patient {
        birth,
        burden: Burden::Insurance {
            insurer_number,
            income_category,
        },
        public_expense,
        chronic,
        lifestyle_plan: chronic && rng.percent(20),
        new_patient: rng.percent(if chronic { 5 } else { 30 }),
        dispensing: if rng.percent(30) {
            Dispensing::InHouse
        } else {
            Dispensing::Outside
        },
    }
}

/// 1–4 distinct days of June 2024 (a Sunday moves to the Saturday before), in order.
fn visit_days(rng: &mut Lcg, chronic: bool) -> Vec<Date> {
    let n = match (chronic, rng.below(100)) {
        (true, 0..=59) | (false, 0..=49) => 1,
        (true, 60..=94) | (false, 50..=74) => 2,
        (true, _) | (false, 75..=89) => 3,
        (false, _) => 4,
    };
    let mut days: Vec<Date> = (0..n)
        .map(|_| {
            let d = Date::from_calendar_date(2024, Month::June, 1 + rng.below(30) as u8)
                .expect("a June date");
            if d.weekday() == Weekday::Sunday {
                d.previous_day().expect("Saturday")
            } else {
                d
            }
        })
        .collect();
    days.sort();
    days.dedup();
    days
}

fn rx_drug(rng: &mut Lcg, code: &str, units: i64, generic_ok: bool) -> RpDrug {
    RpDrug {
        generic_name: generic_ok && rng.percent(50),
        ..RpDrug::new(code, Quantity::units(units))
    }
}

fn prescription(rng: &mut Lcg, p: &Patient) -> Option<Prescription> {
    let outside = p.dispensing == Dispensing::Outside;
    let mut rps = Vec::new();
    if p.chronic {
        if !rng.percent(90) {
            return None;
        }
        rps.push(Rp::Internal {
            days: rng.pick(&[28, 30, 14]),
            temporary: false,
            drugs: vec![rx_drug(rng, AMLODIPINE, 1, outside)],
        });
        if rng.percent(30) {
            rps.push(Rp::Internal {
                days: 28,
                temporary: false,
                drugs: vec![rx_drug(rng, REBAMIPIDE, 3, outside)],
            });
        }
    } else {
        if !rng.percent(60) {
            return None;
        }
        rps.push(Rp::Internal {
            days: rng.pick(&[5, 7, 14]),
            temporary: rng.percent(50),
            drugs: vec![
                rx_drug(rng, LOXOPROFEN, 3, outside),
                rx_drug(rng, REBAMIPIDE, 3, outside),
            ],
        });
    }
    if rng.percent(25) {
        rps.push(Rp::AsNeeded {
            times: 5 + rng.below(6),
            drugs: vec![rx_drug(rng, LOXOPROFEN, 1, outside)],
        });
    }
    Some(Prescription {
        dispensing: p.dispensing,
        rps,
        specific_disease: p.chronic && !p.lifestyle_plan,
    })
}

fn visit(rng: &mut Lcg, p: &Patient, date: Date, first: bool) -> Visit {
    let kind = if first && p.new_patient {
        VisitKind::Initial
    } else {
        VisitKind::Revisit
    };
    let time = match rng.below(100) {
        0..=84 => TimeCategory::Regular,
        85..=89 => TimeCategory::OutOfHours,
        90..=94 => TimeCategory::NightEarlyMorning,
        95..=97 => TimeCategory::Holiday,
        _ => TimeCategory::LateNight,
    };
    let mut items = Vec::new();
    if kind == VisitKind::Revisit && p.chronic {
        if !p.lifestyle_plan {
            items.push(ItemOrder::new(SPECIFIC_DISEASE_MANAGEMENT));
        } else if first {
            items.push(ItemOrder::new(LIFESTYLE_MANAGEMENT_2));
        }
    }
    let labs: &[&str] = if p.chronic && rng.percent(35) {
        &[BLOOD_DRAW, CBC, HBA1C, AST, ALT, LDL]
    } else if !p.chronic && rng.percent(12) {
        &[BLOOD_DRAW, CBC, AST, ALT]
    } else {
        &[]
    };
    items.extend(labs.iter().map(|c| ItemOrder::new(c)));
    if rng.percent(6) {
        items.push(ItemOrder::new(URINE_GENERAL));
    }
    let prescription = prescription(rng, p);
    if prescription
        .as_ref()
        .is_some_and(|rx| rx.dispensing == Dispensing::InHouse)
        && rng.percent(50)
    {
        items.push(ItemOrder::new(DRUG_INFORMATION));
    }
    let mut injections = Vec::new();
    if !p.chronic && rng.percent(8) {
        injections.push(ProcedureOrder {
            code: Some(
                rng.pick(&[IM_INJECTION, IM_INJECTION, IV_INJECTION])
                    .to_string(),
            ),
            count: 1,
            drugs: vec![],
            materials: vec![],
        });
    }
    let mut treatments = Vec::new();
    if rng.percent(3) {
        treatments.push(ProcedureOrder {
            code: Some(WOUND_CARE.to_string()),
            count: 1,
            drugs: vec![],
            materials: vec![],
        });
    }
    Visit {
        service_date: date,
        birth_date: p.birth,
        burden: p.burden.clone(),
        public_expense: p.public_expense.clone(),
        additional_public_expenses: vec![],
        kind,
        time,
        facility: clinic(),
        electronic_qualification: rng.percent(30),
        telemedicine: false,
        outpatient_management: kind == VisitKind::Revisit && rng.percent(70),
        items,
        prescription,
        injections,
        treatments,
        month_history: vec![],
    }
}

/// The visits of June 2024 for `patients` patients, one list per patient in date order
/// (1–4 visits each, about 1.6 on average), without `month_history` ([`price_month`] fills it).
/// The same seed gives the same visits on every platform.
pub fn month_of_visits(patients: usize, seed: u64) -> Vec<Vec<Visit>> {
    let mut rng = Lcg::new(seed);
    (0..patients)
        .map(|_| {
            let p = patient(&mut rng);
            visit_days(&mut rng, p.chronic)
                .into_iter()
                .enumerate()
                .map(|(i, date)| visit(&mut rng, &p, date, i == 0))
                .collect()
        })
        .collect()
}

/// What pricing a month produced: equal on every platform for the same workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthTotals {
    pub patients: usize,
    pub visits: usize,
    /// Visits the engine refused ([`super::BillingError`]); 0 for the standard workload.
    pub errors: usize,
    pub lines: usize,
    pub warnings: usize,
    pub points: i64,
    /// 窓口負担, yen.
    pub patient_yen: i64,
}

impl MonthTotals {
    /// One token for the `bench:` lines.
    pub fn checksum(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}/{}/{}",
            self.patients,
            self.visits,
            self.errors,
            self.lines,
            self.warnings,
            self.points,
            self.patient_yen
        )
    }
}

/// Prices every visit of the month, patient by patient in date order. Each visit gets the
/// lines of the patient's earlier visits as its `month_history` (as `server::db::bills::
/// month_history` builds it) and, under a capped 公費, what the patient has paid so far. The
/// visits are left as they were (the history is moved in and out, not copied).
pub fn price_month<C: Catalog + ?Sized>(month: &mut [Vec<Visit>], catalog: &C) -> MonthTotals {
    let mut t = MonthTotals::default();
    for visits in month.iter_mut() {
        t.patients += 1;
        let mut history: Vec<HistoryEntry> = Vec::new();
        let mut paid = Yen(0);
        for visit in visits.iter_mut() {
            t.visits += 1;
            visit.month_history = std::mem::take(&mut history);
            if let Some(pe) = visit.public_expense.as_mut() {
                pe.paid_this_month = paid;
            }
            let result = price_visit(visit, catalog);
            history = std::mem::take(&mut visit.month_history);
            match result {
                Ok(priced) => {
                    t.lines += priced.lines.len();
                    t.warnings += priced.warnings.len();
                    t.points += priced.total_points.0;
                    t.patient_yen += priced.share.patient.0;
                    paid = Yen(paid.0 + priced.share.patient.0);
                    let date = visit.service_date;
                    history.extend(priced.lines.into_iter().map(|l| HistoryEntry {
                        code: l.code,
                        date,
                        count: l.count,
                    }));
                }
                Err(_) => t.errors += 1,
            }
        }
    }
    t
}

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Rounds per worked case; the median round is reported.
    pub rounds: usize,
    /// Visits priced per round.
    pub iterations: usize,
    /// Timed runs of the whole month (after one untimed warm-up run).
    pub month_rounds: usize,
    pub patients: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            rounds: 10,
            iterations: 10_000,
            month_rounds: 5,
            patients: PATIENTS,
        }
    }
}

/// Rounds of one measurement, in the unit of the line that prints them.
#[derive(Debug, Clone)]
pub struct Rounds(pub Vec<f64>);

impl Rounds {
    pub fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    pub fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// One worked case: its total (to show it priced as billing.md says) and ns per visit.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub points: i64,
    pub ns_per_visit: Rounds,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub cases: Vec<CaseResult>,
    pub month: MonthTotals,
    /// Generating the workload (not part of the budget).
    pub generate_ms: f64,
    /// The first (warm-up) run of the month.
    pub month_first_ms: f64,
    pub month_ms: Rounds,
}

/// Runs every measurement and prints progress and the `bench:` lines through `out`.
/// `now` is a clock in milliseconds (any origin); `target` names the platform in the output.
pub fn run<C: Catalog + ?Sized>(
    target: &str,
    cases: &[(&str, Visit)],
    catalog: &C,
    config: &Config,
    now: &mut dyn FnMut() -> f64,
    out: &mut dyn FnMut(&str),
) -> Report {
    let mut results = Vec::new();
    for (name, visit) in cases {
        let points = price_visit(visit, catalog)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .total_points
            .0;
        // Warm-up: a tenth of a round.
        for _ in 0..config.iterations / 10 {
            black_box(price_visit(black_box(visit), catalog)).ok();
        }
        let mut rounds = Vec::with_capacity(config.rounds);
        for _ in 0..config.rounds {
            let start = now();
            for _ in 0..config.iterations {
                black_box(price_visit(black_box(visit), catalog)).ok();
            }
            rounds.push((now() - start) * 1e6 / config.iterations as f64);
        }
        let r = Rounds(rounds);
        out(&format!(
            "bench: target={target} visit={name} points={points} median_ns={:.0} min_ns={:.0} max_ns={:.0} rounds={} iterations={}",
            r.median(),
            r.min(),
            r.max(),
            config.rounds,
            config.iterations
        ));
        results.push(CaseResult {
            name: name.to_string(),
            points,
            ns_per_visit: r,
        });
    }

    let start = now();
    let mut month = month_of_visits(config.patients, SEED);
    let generate_ms = now() - start;
    let start = now();
    let totals = black_box(price_month(black_box(&mut month), catalog));
    let month_first_ms = now() - start;
    let mut rounds = Vec::with_capacity(config.month_rounds);
    for _ in 0..config.month_rounds {
        let start = now();
        let again = black_box(price_month(black_box(&mut month), catalog));
        rounds.push(now() - start);
        assert_eq!(again, totals, "the same month prices the same every time");
    }
    let month_ms = Rounds(rounds);
    out(&format!(
        "bench: target={target} month patients={} visits={} median_ms={:.1} min_ms={:.1} max_ms={:.1} first_ms={:.1} generate_ms={:.1} rounds={} checksum={}",
        totals.patients,
        totals.visits,
        month_ms.median(),
        month_ms.min(),
        month_ms.max(),
        month_first_ms,
        generate_ms,
        config.month_rounds,
        totals.checksum()
    ));
    Report {
        cases: results,
        month: totals,
        generate_ms,
        month_first_ms,
        month_ms,
    }
}

/// `visit` as the doctor would have ordered it: its prescription, items, 注射 and 処置 as orders
/// (one per kind), and what is left (初診/再診 and the rest) as the clerk's entries. Adding the
/// orders back ([`crate::domain::order::add_orders`]) gives the same visit.
pub fn as_orders(visit: &Visit) -> (Visit, Vec<crate::domain::order::OrderContents>) {
    use crate::domain::order::{OrderContents, OrderedRp, PrescriptionOrder, Usage};
    let mut entries = visit.clone();
    let mut orders = Vec::new();
    if let Some(p) = entries.prescription.take() {
        orders.push(OrderContents::Prescription(PrescriptionOrder {
            dispensing: p.dispensing,
            rps: p
                .rps
                .into_iter()
                .map(|rp| OrderedRp {
                    rp,
                    usage: Usage {
                        code: Some("1013044400000000".into()),
                        text: "１日３回朝昼夕食後".into(),
                        times_per_day: Some(3),
                    },
                })
                .collect(),
            specific_disease: p.specific_disease,
            refill_uses: None,
            split_count: None,
            leftover: None,
            remarks: String::new(),
        }));
    }
    if !entries.items.is_empty() {
        orders.push(OrderContents::Lab {
            items: std::mem::take(&mut entries.items),
        });
    }
    if !entries.injections.is_empty() {
        orders.push(OrderContents::Injection {
            procedures: std::mem::take(&mut entries.injections),
        });
    }
    if !entries.treatments.is_empty() {
        orders.push(OrderContents::Treatment {
            procedures: std::mem::take(&mut entries.treatments),
        });
    }
    (entries, orders)
}

/// Pricing from orders, as 会計 does it: the clerk's entries with the visit's orders added
/// ([`crate::domain::order::add_orders`]), then priced; `rounds` × `iterations` like the cases
/// of [`run`], and the same `bench:` line with `visit=<name>`.
#[allow(clippy::too_many_arguments)]
pub fn run_orders<C: Catalog + ?Sized>(
    target: &str,
    name: &str,
    visit: &Visit,
    catalog: &C,
    config: &Config,
    now: &mut dyn FnMut() -> f64,
    out: &mut dyn FnMut(&str),
) -> CaseResult {
    let (entries, orders) = as_orders(visit);
    let refs: Vec<&crate::domain::order::OrderContents> = orders.iter().collect();
    let price = |entries: &Visit| {
        crate::domain::order::add_orders(entries, &refs)
            .ok()
            .and_then(|v| price_visit(&v, catalog).ok())
    };
    let points = price(&entries)
        .unwrap_or_else(|| panic!("{name}: the orders do not price"))
        .total_points
        .0;
    let direct = price_visit(visit, catalog)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .total_points
        .0;
    assert_eq!(
        points, direct,
        "{name}: the orders price as the visit they came from"
    );
    for _ in 0..config.iterations / 10 {
        black_box(price(black_box(&entries)));
    }
    let mut rounds = Vec::with_capacity(config.rounds);
    for _ in 0..config.rounds {
        let start = now();
        for _ in 0..config.iterations {
            black_box(price(black_box(&entries)));
        }
        rounds.push((now() - start) * 1e6 / config.iterations as f64);
    }
    let r = Rounds(rounds);
    out(&format!(
        "bench: target={target} visit={name} points={points} median_ns={:.0} min_ns={:.0} max_ns={:.0} rounds={} iterations={}",
        r.median(),
        r.min(),
        r.max(),
        config.rounds,
        config.iterations
    ));
    CaseResult {
        name: name.to_string(),
        points,
        ns_per_visit: r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::MemoryCatalog;

    #[test]
    fn a_visit_as_orders_prices_the_same() {
        let catalog = MemoryCatalog::outpatient_2024_06();
        let month = month_of_visits(300, SEED);
        let mut checked = 0;
        for visit in month.iter().flatten() {
            let (entries, orders) = as_orders(visit);
            let refs: Vec<_> = orders.iter().collect();
            let again = crate::domain::order::add_orders(&entries, &refs).unwrap();
            assert_eq!(&again, visit);
            checked += usize::from(!orders.is_empty());
        }
        assert!(checked > 100, "{checked} visits with orders");
        let mut clock = 0.0;
        let mut now = || {
            clock += 1.0;
            clock
        };
        let config = Config {
            rounds: 1,
            iterations: 10,
            ..Config::default()
        };
        let r = run_orders(
            "test",
            "C",
            &month[0][0],
            &catalog,
            &config,
            &mut now,
            &mut |_| {},
        );
        assert_eq!(r.ns_per_visit.0.len(), 1);
    }

    #[test]
    fn the_month_is_deterministic_and_prices_without_errors() {
        let catalog = MemoryCatalog::outpatient_2024_06();
        let mut a = month_of_visits(500, SEED);
        assert_eq!(a, month_of_visits(500, SEED));
        let visits: usize = a.iter().map(Vec::len).sum();
        assert!((600..=1_000).contains(&visits), "{visits} visits");
        assert!(a.iter().all(|v| (1..=4).contains(&v.len())));
        let t = price_month(&mut a, &catalog);
        assert_eq!(t.errors, 0, "{t:?}");
        assert_eq!(t.visits, visits);
        assert_eq!(price_month(&mut a, &catalog), t);
        assert!(a.iter().flatten().all(|v| v.month_history.is_empty()));
    }

    #[test]
    fn later_visits_see_the_month_so_far() {
        // A second visit with labs, given the first visit's lines as its history (as
        // `price_month` does), does not get the 血液学的検査判断料 again.
        let catalog = MemoryCatalog::outpatient_2024_06();
        let month = month_of_visits(2_000, SEED);
        let labs = |v: &Visit| v.items.iter().any(|i| i.code == CBC);
        let visits = month
            .iter()
            .find(|v| v.len() >= 2 && labs(&v[0]) && labs(&v[1]))
            .expect("the workload has patients with labs on two visits");
        let judgment = "160061810";
        let first = price_visit(&visits[0], &catalog).expect("first");
        assert!(first.lines.iter().any(|l| l.code == judgment));
        let mut second = visits[1].clone();
        second.month_history = first
            .lines
            .iter()
            .map(|l| HistoryEntry {
                code: l.code.clone(),
                date: visits[0].service_date,
                count: l.count,
            })
            .collect();
        let second = price_visit(&second, &catalog).expect("second");
        assert!(!second.lines.iter().any(|l| l.code == judgment));
        // And `price_month` prices the patient's month for less than the visits alone.
        let alone: i64 = visits
            .iter()
            .map(|v| price_visit(v, &catalog).expect("visit").total_points.0)
            .sum();
        let together = price_month(&mut [visits.clone()], &catalog);
        assert!(together.points < alone, "{} vs {alone}", together.points);
    }
}
