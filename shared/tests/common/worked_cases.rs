//! billing.md §3's worked cases as visits, with the totals and window copays billing.md gives.
//! Priced against the fixture catalog in `billing.rs` and against the real masters in
//! `pricing_real_masters.rs`.

use shared::billing::*;
use time::macros::date;
use time::Date;

/// The date of service of the cases (a Monday in the first month of the 令和6年度改定).
pub const JUNE: Date = date!(2024 - 06 - 10);

/// An adult (born 1980) at a 診療所 with no 届出, 3割.
pub fn adult(kind: VisitKind) -> Visit {
    Visit {
        service_date: JUNE,
        birth_date: date!(1980 - 04 - 01),
        burden: Burden::Tenths { tenths: 3 },
        public_expense: None,
        additional_public_expenses: vec![],
        kind,
        time: TimeCategory::Regular,
        facility: Facility {
            kind: FacilityKind::Clinic,
            standards: FacilityStandards::default(),
        },
        electronic_qualification: false,
        telemedicine: false,
        outpatient_management: false,
        items: vec![],
        prescription: None,
        injections: vec![],
        treatments: vec![],
        month_history: vec![],
    }
}

pub fn rx_drug(code: &str, qty: &str) -> RpDrug {
    RpDrug::new(code, Quantity::parse(qty).unwrap())
}

pub fn internal(days: u32, drugs: Vec<RpDrug>) -> Rp {
    Rp::Internal {
        days,
        temporary: false,
        drugs,
    }
}

pub fn prescription(dispensing: Dispensing, rps: Vec<Rp>) -> Option<Prescription> {
    Some(Prescription {
        dispensing,
        rps,
        specific_disease: false,
    })
}

pub fn items(codes: &[&str]) -> Vec<ItemOrder> {
    codes.iter().map(|c| ItemOrder::new(c)).collect()
}

pub fn history(codes: &[&str], on: Date) -> Vec<HistoryEntry> {
    codes
        .iter()
        .map(|c| HistoryEntry {
            code: c.to_string(),
            date: on,
            count: 1,
        })
        .collect()
}

pub fn with_burden(mut v: Visit, tenths: u8) -> Visit {
    v.burden = Burden::Tenths { tenths };
    v
}

/// C1: 初診, 院外処方 (アムロジピン 1錠 28日, by brand name).
pub fn c1() -> Visit {
    Visit {
        prescription: prescription(
            Dispensing::Outside,
            vec![internal(28, vec![rx_drug("620007870", "1")])],
        ),
        ..adult(VisitKind::Initial)
    }
}

/// C2: 再診 + 外来管理加算 + 院外処方.
pub fn c2() -> Visit {
    Visit {
        outpatient_management: true,
        prescription: prescription(
            Dispensing::Outside,
            vec![internal(28, vec![rx_drug("620007870", "1")])],
        ),
        ..adult(VisitKind::Revisit)
    }
}

/// C3: 再診 + 外来管理加算, 院内処方: Rp1 アムロジピン 1錠 28日; Rp2 ロキソプロフェン 3錠 +
/// レバミピド 3錠 7日.
pub fn c3_without_pharmacist() -> Visit {
    Visit {
        outpatient_management: true,
        prescription: prescription(
            Dispensing::InHouse,
            vec![
                internal(28, vec![rx_drug("620007870", "1")]),
                internal(
                    7,
                    vec![rx_drug("620099301", "3"), rx_drug("620009465", "3")],
                ),
            ],
        ),
        ..adult(VisitKind::Revisit)
    }
}

pub fn c3_with_pharmacist() -> Visit {
    let mut v = c3_without_pharmacist();
    v.facility.standards.pharmacist_full_time = true;
    v
}

/// The 採血 and 検体検査 of C6: B-V, 末梢血液一般, HbA1c, AST, ALT, LDL-C.
pub const C6_ITEMS: &[&str] = &[
    "160095710",
    "160008010",
    "160010010",
    "160022510",
    "160022610",
    "160167250",
];

/// C6: 再診 + 外来管理加算 + 採血 + 検体検査, first time this month.
pub fn c6() -> Visit {
    Visit {
        outpatient_management: true,
        items: items(C6_ITEMS),
        ..adult(VisitKind::Revisit)
    }
}

/// C6, second visit of the month: both 判断料 already billed on 3 June.
pub fn c6_second_visit() -> Visit {
    Visit {
        month_history: history(
            &["160061810", "160061910", "160010010"],
            date!(2024 - 06 - 03),
        ),
        ..c6()
    }
}

/// One row of a pricing table.
pub struct Case {
    pub name: &'static str,
    pub visit: fn() -> Visit,
    pub points: i64,
    pub copay_yen: i64,
}

/// billing.md §3 (C6's second visit: 558 − 269 = 289点, 867円 → 870円).
#[rustfmt::skip]
pub const WORKED_CASES: &[Case] = &[
    Case { name: "C1 初診・院外処方 3割", visit: c1, points: 351, copay_yen: 1_050 },
    Case { name: "C1 2割", visit: || with_burden(c1(), 2), points: 351, copay_yen: 700 },
    Case { name: "C1 1割", visit: || with_burden(c1(), 1), points: 351, copay_yen: 350 },
    Case { name: "C2 再診・外来管理・院外 3割", visit: c2, points: 187, copay_yen: 560 },
    Case { name: "C2 2割", visit: || with_burden(c2(), 2), points: 187, copay_yen: 370 },
    Case { name: "C2 1割", visit: || with_burden(c2(), 1), points: 187, copay_yen: 190 },
    Case { name: "C3 院内処方・調基あり", visit: c3_with_pharmacist, points: 264, copay_yen: 790 },
    Case { name: "C3 院内処方・調基なし", visit: c3_without_pharmacist, points: 250, copay_yen: 750 },
    Case { name: "C6 採血・検体検査 月初回", visit: c6, points: 558, copay_yen: 1_670 },
    Case { name: "C6 同月2回目（判断料なし）", visit: c6_second_visit, points: 289, copay_yen: 870 },
];

/// Prices every case and returns one message per mismatch or error (empty = all as expected).
pub fn price_table<C: Catalog + ?Sized>(cases: &[Case], catalog: &C) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        match price_visit(&(case.visit)(), catalog) {
            Ok(priced) => {
                let got = (priced.total_points.0, priced.share.patient.0);
                if got != (case.points, case.copay_yen) {
                    failures.push(format!(
                        "{}: got {}点 / {}円, want {}点 / {}円\n{:#?}\n{:#?}",
                        case.name,
                        got.0,
                        got.1,
                        case.points,
                        case.copay_yen,
                        priced
                            .lines
                            .iter()
                            .map(|l| format!(
                                "{} {} {}×{}={}",
                                l.code, l.name, l.unit_points.0, l.count, l.points.0
                            ))
                            .collect::<Vec<_>>(),
                        priced.warnings
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: error {e}", case.name)),
        }
    }
    failures
}
