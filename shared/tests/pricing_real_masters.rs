//! billing.md's worked cases priced with the REAL 支払基金 masters (`../shared/reference/masters/`):
//! the 医科 history s_ALL20240201 → s_ALL20240531 → every `diffs/s_*.csv`, y_ALL20240531 and
//! t_ALL20240315, turned into a catalog for the date of service with
//! `MemoryCatalog::from_histories`. The zips need the `import` feature:
//! `cargo test -p karte-shared --features import --test pricing_real_masters`.
#![cfg(feature = "import")]

mod common;

use common::worked_cases::*;
use common::{full_history, masters_dir, procedure_history};
use shared::billing::*;
use shared::masters::MasterHistory;
use std::sync::OnceLock;
use time::macros::date;
use time::Date;

/// The drug and material histories (the 医科 one is `common::procedure_history`).
fn drugs_and_materials() -> &'static (MasterHistory, MasterHistory) {
    static H: OnceLock<(MasterHistory, MasterHistory)> = OnceLock::new();
    H.get_or_init(|| {
        (
            full_history("y_ALL20240531.zip"),
            full_history("t_ALL20240315.zip"),
        )
    })
}

/// The catalog of the real masters for one date of service; `None` when the files are absent.
fn real_catalog(date: Date) -> Option<MemoryCatalog> {
    masters_dir()?;
    let (procedures, _) = procedure_history();
    let (drugs, materials) = drugs_and_materials();
    Some(
        MemoryCatalog::from_histories(procedures, drugs, materials, date)
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

fn on(mut v: Visit, date: Date) -> Visit {
    v.service_date = date;
    v
}

fn lines(p: &PricedVisit) -> Vec<(String, i64, u32)> {
    p.lines
        .iter()
        .map(|l| (l.code.clone(), l.unit_points.0, l.count))
        .collect()
}

#[test]
fn worked_cases_price_as_billing_md_says_with_the_real_masters() {
    let Some(real) = real_catalog(JUNE) else {
        return;
    };
    let failures = price_table(WORKED_CASES, &real);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // Line for line the same as with the fixture rows (codes, names, 部, 集計先, points, reasons).
    let fixture = MemoryCatalog::outpatient_2024_06();
    for case in WORKED_CASES {
        let v = (case.visit)();
        let a = price_visit(&v, &real).expect(case.name);
        let b = price_visit(&v, &fixture).expect(case.name);
        assert_eq!(a, b, "{}", case.name);
    }

    // C3 in detail: 75 + 52 + 42 + 11 + 14 + 28 (Rp1 10.1円 → 1点 × 28) + 42 (Rp2 59.7円 → 6点 × 7).
    let p = price_visit(&c3_with_pharmacist(), &real).unwrap();
    assert_eq!(
        lines(&p),
        [
            ("112007410".into(), 75, 1),
            ("112011010".into(), 52, 1),
            ("120001210".into(), 42, 1),
            ("120000710".into(), 11, 1),
            ("120001810".into(), 14, 1),
            ("620007870".into(), 1, 28),
            ("620099301".into(), 6, 7),
        ]
    );
    assert!(
        p.lines[6].reason.contains("59.7円"),
        "{}",
        p.lines[6].reason
    );
}

#[test]
fn the_fixture_rows_are_the_real_2024_06_rows() {
    let Some(real) = real_catalog(date!(2024 - 06 - 01)) else {
        return;
    };
    let fixture = MemoryCatalog::outpatient_2024_06();
    let mut differences = Vec::new();
    for f in fixture.procedures() {
        let Some(r) = real.procedure(&f.code) else {
            differences.push(format!("{} {}: not in the master", f.code, f.name));
            continue;
        };
        // What the engine reads; 注加算 and dates are not set in the fixture, and 区分 only where
        // a rule reads it (外来診療料's inclusions): where it is set, it must be the real one.
        let engine_view = |x: &ProcedureFacts| ProcedureFacts {
            addition_code: 0,
            addition_serial: '0',
            valid_from: None,
            valid_until: None,
            notice: if f.notice == Notice::UNKNOWN {
                Notice::UNKNOWN
            } else {
                x.notice
            },
            // 年齢加算 likewise: compared where the fixture sets them.
            age_additions: if f.age_additions.is_empty() {
                Vec::new()
            } else {
                x.age_additions.clone()
            },
            ..x.clone()
        };
        if engine_view(f) != engine_view(&r) {
            differences.push(format!(
                "fixture {:?}\n   real {:?}",
                engine_view(f),
                engine_view(&r)
            ));
        }
    }
    for f in fixture.drugs() {
        let r = real.drug(&f.code).expect("drug in y_ALL20240531");
        let r = DrugFacts {
            valid_from: None,
            valid_until: None,
            ..r
        };
        if *f != r {
            differences.push(format!("fixture {f:?}\n   real {r:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(
        (fixture.procedures().count(), fixture.drugs().count()),
        (102, 3)
    );
}

#[test]
fn the_engine_prices_by_date_288_points_before_the_2024_revision() {
    let Some(may) = real_catalog(date!(2024 - 05 - 31)) else {
        return;
    };
    // C1 on the last day of the 2022 points: 初診料 288 + 処方箋料 68 = 356点, 3割 1,068 → 1,070円.
    let p = price_visit(&on(c1(), date!(2024 - 05 - 31)), &may).unwrap();
    assert_eq!(
        lines(&p),
        [("111000110".into(), 288, 1), ("120002910".into(), 68, 1)]
    );
    assert_eq!((p.total_points.0, p.share.patient.0), (356, 1_070));
    // The 2024 catalog priced on 2024-06-01.
    let june = real_catalog(date!(2024 - 06 - 01)).unwrap();
    let p = price_visit(&on(c1(), date!(2024 - 06 - 01)), &june).unwrap();
    assert_eq!((p.total_points.0, p.share.patient.0), (351, 1_050));
    // Codes new in the 令和6年度改定 are not in the May catalog.
    assert!(may.procedure(codes::INITIAL_MEDICAL_DX).is_none());
    assert!(june.procedure(codes::INITIAL_MEDICAL_DX).is_some());
}

#[test]
fn iryo_joho_shutoku_kasan_1_is_not_in_force_from_2024_12_01() {
    let Some(november) = real_catalog(date!(2024 - 11 - 29)) else {
        return;
    };
    let december = real_catalog(date!(2024 - 12 - 02)).unwrap();
    // 111703170 医療情報取得加算１（初診）3点: 廃止 20241130 (s_20241108). The row in force in
    // November is the 2024-06-01 one (廃止年月日 99999999); the 廃止 row is the next version,
    // from 2024-12-01, and the December catalog leaves the code out.
    let kasan_1 = november
        .procedure("111703170")
        .expect("in force in November");
    assert_eq!(
        (kasan_1.score.whole(), kasan_1.valid_from),
        (Some(3), Some(date!(2024 - 06 - 01)))
    );
    assert!(december.procedure("111703170").is_none());
    assert!(real_catalog(date!(2024 - 11 - 30))
        .unwrap()
        .procedure("111703170")
        .is_some());
    // 111703270 stays, renamed 医療情報取得加算（初診）1点.
    let kasan = december.procedure("111703270").expect("renamed, in force");
    assert_eq!(
        (kasan.name.as_str(), kasan.score.whole()),
        ("医療情報取得加算（初診）", Some(1))
    );
    assert_eq!(
        november.procedure("111703270").unwrap().name,
        "医療情報取得加算２（初診）"
    );

    // The engine adds it at a 保険医療機関 with オンライン資格確認: 加算１ (3点) in November,
    // the one 1点 加算 in December, with the codes of the date's master.
    let online = |date| {
        let mut v = on(c1(), date);
        v.facility.standards.online_qualification = true;
        v
    };
    let p = price_visit(&online(date!(2024 - 11 - 29)), &november).unwrap();
    assert_eq!(p.total_points.0, 351 + 3);
    assert!(lines(&p).contains(&("111703170".into(), 3, 1)));
    let p = price_visit(&online(date!(2024 - 12 - 02)), &december).unwrap();
    assert_eq!(p.total_points.0, 351 + 1);
    let line = p.lines.iter().find(|l| l.code == "111703270").unwrap();
    assert_eq!(line.name, "医療情報取得加算（初診）");
    // Ordered by hand in December, without the 施設基準 and with it: left out and said so
    // (not in force), never silently replaced by the code of the day.
    let ordered = Visit {
        items: items(&["111703170"]),
        ..on(c1(), date!(2024 - 12 - 02))
    };
    let p = price_visit(&ordered, &december).unwrap();
    assert_eq!(p.total_points.0, 351);
    let said = |p: &shared::billing::PricedVisit| {
        p.warnings.iter().any(|w| {
            w.code == WarningCode::UnknownCode && w.omitted && w.message.contains("111703170")
        })
    };
    assert!(said(&p), "{:?}", p.warnings);
    let mut registered = ordered.clone();
    registered.facility.standards.online_qualification = true;
    let p = price_visit(&registered, &december).unwrap();
    assert_eq!(
        p.total_points.0,
        351 + 1,
        "the engine's own 加算 of the day"
    );
    assert!(said(&p), "{:?}", p.warnings);
    assert!(
        !p.notes.iter().any(|n| n.rule == "added_by_standard"),
        "{:?}",
        p.notes
    );
    // The worked cases themselves are unchanged in December.
    let p = price_visit(&on(c6(), date!(2024 - 12 - 02)), &december).unwrap();
    assert_eq!(p.total_points.0, 558);
}

#[test]
fn medical_dx_is_priced_with_the_code_and_points_of_the_date() {
    let Some(june) = real_catalog(date!(2024 - 06 - 03)) else {
        return;
    };
    let dx = |date, tier| {
        let mut v = on(c1(), date);
        v.facility.standards.medical_dx = tier;
        v
    };
    let dx_line = |p: &PricedVisit| -> (String, i64, String) {
        let l = p
            .lines
            .iter()
            .find(|l| codes::MEDICAL_DX_ALL.contains(&l.code.as_str()))
            .expect("医療DX推進体制整備加算");
        (l.code.clone(), l.unit_points.0, l.name.clone())
    };
    // One 加算 of 8点 until 2024-09-30, whatever the 区分.
    let p = price_visit(&dx(date!(2024 - 06 - 03), 1), &june).unwrap();
    assert_eq!(
        dx_line(&p),
        (
            "111703370".into(),
            8,
            "医療ＤＸ推進体制整備加算（初診）".into()
        )
    );
    // 2024-10-01: 加算１–３ (11/10/8点, s_20240906); 加算４ prices as the former 加算１.
    let october = real_catalog(date!(2024 - 10 - 01)).unwrap();
    for (tier, code, points) in [
        (1, "111703470", 11),
        (2, "111703570", 10),
        (3, "111703370", 8),
        (4, "111703470", 11),
        (6, "111703370", 8),
    ] {
        let p = price_visit(&dx(date!(2024 - 10 - 01), tier), &october).unwrap();
        let (c, pts, _) = dx_line(&p);
        assert_eq!((c.as_str(), pts), (code, points), "tier {tier}");
    }
    // 2025-04-01: 加算１–６ (12/11/10/10/9/8点, s_20250307).
    let april = real_catalog(date!(2025 - 04 - 01)).unwrap();
    for (tier, code, points, name) in [
        (1, "111703670", 12, "医療ＤＸ推進体制整備加算１（初診）"),
        (3, "111703870", 10, "医療ＤＸ推進体制整備加算３（初診）"),
        (4, "111703470", 10, "医療ＤＸ推進体制整備加算４（初診）"),
        (6, "111703370", 8, "医療ＤＸ推進体制整備加算６（初診）"),
    ] {
        let p = price_visit(&dx(date!(2025 - 04 - 01), tier), &april).unwrap();
        assert_eq!(
            dx_line(&p),
            (code.into(), points, name.into()),
            "tier {tier}"
        );
    }
    // 月1回 across the period's codes: billed on 2025-04-01 as 加算１, not again that month.
    let mut v = dx(date!(2025 - 04 - 20), 1);
    v.month_history = vec![HistoryEntry {
        code: "111703670".into(),
        date: date!(2025 - 04 - 01),
        count: 1,
    }];
    let p = price_visit(&v, &april).unwrap();
    assert!(p
        .lines
        .iter()
        .all(|l| !codes::MEDICAL_DX_ALL.contains(&l.code.as_str())));
    // A catalog without the period's code (masters not updated): told, not failed.
    let p = price_visit(&dx(date!(2025 - 04 - 01), 1), &june).unwrap();
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::UnknownCode && w.item.as_deref() == Some("111703670")));
}

#[test]
fn lifestyle_management_inclusions_read_the_masters_notice_numbers() {
    let Some(june) = real_catalog(JUNE) else {
        return;
    };
    let visit = |codes: &[&str]| Visit {
        items: items(codes),
        ..adult(VisitKind::Revisit)
    };
    let points = |p: &PricedVisit, code: &str| {
        p.lines
            .iter()
            .find(|l| l.code == code)
            .unwrap_or_else(|| panic!("{code}: {:?}", p.lines))
            .points
            .0
    };
    // (Ⅰ): B000 (B000) and 薬剤情報提供料 (B011-3) included; 糖尿病合併症管理料 (B001 20) not.
    let p = price_visit(
        &visit(&["113041910", "113001810", "120002370", "113010010"]),
        &june,
    )
    .unwrap();
    assert_eq!(
        (
            points(&p, "113041910"),
            points(&p, "113001810"),
            points(&p, "120002370"),
            points(&p, "113010010")
        ),
        (760, 0, 0, 170)
    );
    // (Ⅱ): B000 included; 薬剤情報提供料 (B011-3) and 外来栄養食事指導料 (B001 9) not.
    let p = price_visit(
        &visit(&["113707110", "113001810", "120002370", "113017410"]),
        &june,
    )
    .unwrap();
    assert_eq!(
        (
            points(&p, "113707110"),
            points(&p, "113001810"),
            points(&p, "120002370"),
            points(&p, "113017410")
        ),
        (333, 0, 4, 260)
    );
}

#[test]
fn a_psychotropic_earns_the_narcotic_additions_and_a_toddler_the_prescribing_one() {
    let Some(june) = real_catalog(JUNE) else {
        return;
    };
    // エチゾラム錠０．５ｍｇ「トーワ」 (項番14 = 5 向精神薬, 6.40円): 院内, 2錠 × 14日.
    let mut v = adult(VisitKind::Revisit);
    v.prescription = prescription(
        Dispensing::InHouse,
        vec![internal(14, vec![rx_drug("620148601", "2")])],
    );
    let p = price_visit(&v, &june).unwrap();
    let codes: Vec<&str> = p.lines.iter().map(|l| l.code.as_str()).collect();
    assert!(
        codes.contains(&"120001310") && codes.contains(&"120000110"),
        "{codes:?}"
    );
    // 75 + 処方料 42 + 麻薬等加算 1 + 調剤料 11 + 麻薬等加算 1 + 薬剤 (12.8円 → 1点) × 14.
    assert_eq!(p.total_points.0, 75 + 42 + 1 + 11 + 1 + 14);
    // 院外: no 麻薬等加算 on the 処方箋料; a 2-year-old's 処方箋料 has its 乳幼児加算 (3点).
    v.prescription.as_mut().unwrap().dispensing = Dispensing::Outside;
    v.birth_date = date!(2022 - 06 - 11);
    let p = price_visit(&v, &june).unwrap();
    assert_eq!(
        lines(&p),
        [
            ("112007410".into(), 75, 1),
            ("112000970".into(), 38, 1),
            ("120002910".into(), 60, 1),
            ("120002470".into(), 3, 1)
        ]
    );
}

#[test]
fn a_minus_points_row_subtracts() {
    let Some(real) = real_catalog(JUNE) else {
        return;
    };
    // 111015370 （選）病床数が２００以上の病院初診（２００点減算）: 点数識別 8, 病院のみ.
    let minus = real.procedure("111015370").unwrap();
    assert_eq!(
        (minus.score_kind, minus.score.whole(), minus.facility),
        (
            ScoreKind::MinusPoints,
            Some(200),
            FacilityRestriction::HospitalOnly
        )
    );
    let mut v = adult(VisitKind::Initial);
    v.facility.kind = FacilityKind::LargeHospital;
    v.items = items(&["111015370"]);
    let p = price_visit(&v, &real).unwrap();
    assert_eq!(
        lines(&p),
        [("111000110".into(), 291, 1), ("111015370".into(), -200, 1)]
    );
    assert_eq!(p.sections[0].points.0, 91);
    assert_eq!((p.total_points.0, p.share.patient.0), (91, 270));
}
