//! The month's claims from priced bills of fictitious patients, against the fixture catalog.

use super::*;
use crate::api::chart::Diagnosis;
use crate::billing::{
    price_visit, Dispensing, Facility, FacilityKind, FacilityStandards, ItemOrder, MemoryCatalog,
    Prescription, PublicExpense, Quantity, Rp, RpDrug, TimeCategory, VisitKind,
};
use crate::claims::uke::{read_uke, ClaimLine};
use crate::domain::insurance::{check_digit, IncomeCategory};
use crate::ids::DiagnosisId;
use time::macros::date;
use uuid::Uuid;

const JUNE: (u16, u8) = (2024, 6);

fn june() -> UkeMonth {
    UkeMonth::new(JUNE.0, JUNE.1).unwrap()
}

/// A number with its 検証番号 appended.
fn numbered(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", check_digit(&digits))
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn patient(n: u128, name: &str, kana: &str, sex: Sex, birth: &str) -> PatientSummary {
    PatientSummary {
        patient_id: PatientId(id(n)),
        patient_number: format!("{n:05}"),
        name: name.into(),
        kana: kana.into(),
        sex,
        birth_date: birth.into(),
        phone: String::new(),
    }
}

fn insurance(number: &str, relationship: Relationship, branch: &str) -> InsuranceDetail {
    InsuranceDetail {
        insurance_id: crate::ids::InsuranceId(id(900)),
        version: 1,
        insurer_number: number.into(),
        symbol: "テスト".into(),
        number: "１２３".into(),
        branch: branch.into(),
        relationship,
        acquired_on: None,
        valid_from: "2020-04-01".into(),
        valid_until: None,
        income_category: IncomeCategory::General,
        burden_override: None,
        burden_tenths: 3,
        burden_rule: String::new(),
    }
}

fn public_payment(number: &str, recipient: Option<&str>) -> PublicPaymentDetail {
    PublicPaymentDetail {
        public_payment_id: crate::ids::PublicPaymentId(id(901)),
        version: 1,
        payer_number: number.into(),
        houbetsu: number[..2].into(),
        recipient_number: recipient.map(str::to_string),
        valid_from: "2024-04-01".into(),
        valid_until: None,
        patient_tenths: Some(0),
        monthly_cap: None,
    }
}

fn diagnosis(code: Option<&str>, name: &str, main: bool, start: &str) -> Diagnosis {
    Diagnosis {
        diagnosis_id: DiagnosisId(id(700)),
        version: 1,
        disease_code: code.map(str::to_string),
        modifier_codes: vec![],
        name: name.into(),
        is_main: main,
        suspected: false,
        start_date: start.into(),
        outcome: None,
        end_date: None,
        reason: String::new(),
        author: "テスト医師".into(),
        created_at: "2024-06-01T09:00:00+09:00".into(),
    }
}

fn visit(on: Date, birth: Date, kind: VisitKind) -> Visit {
    Visit {
        service_date: on,
        birth_date: birth,
        burden: crate::billing::Burden::Tenths { tenths: 3 },
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

fn in_house(days: u32, code: &str, qty: &str) -> Option<Prescription> {
    Some(Prescription {
        dispensing: Dispensing::InHouse,
        rps: vec![Rp::Internal {
            days,
            temporary: false,
            drugs: vec![RpDrug::new(code, Quantity::parse(qty).unwrap())],
        }],
        specific_disease: false,
    })
}

/// Prices `visit` with the month's earlier bills as its history, as 会計 does.
fn bill(n: u128, mut visit: Visit, earlier: &[ClaimBill]) -> ClaimBill {
    let catalog = MemoryCatalog::outpatient_2024_06();
    visit.month_history = earlier
        .iter()
        .flat_map(|b| {
            b.priced.lines.iter().map(|l| crate::billing::HistoryEntry {
                code: l.code.clone(),
                date: b.visit.service_date,
                count: l.count,
            })
        })
        .collect();
    let priced = price_visit(&visit, &catalog).expect("the visit prices");
    ClaimBill {
        bill_id: BillId(id(n)),
        version: 1,
        reception_id: ReceptionId(id(n + 10_000)),
        department: "内科".into(),
        insurance_id: None,
        visit,
        priced,
    }
}

fn month_of(visits: Vec<Visit>, first: u128) -> Vec<ClaimBill> {
    let mut bills: Vec<ClaimBill> = Vec::new();
    for (i, v) in visits.into_iter().enumerate() {
        let b = bill(first + i as u128, v, &bills);
        bills.push(b);
    }
    bills
}

/// 協会けんぽ 東京 本人, three visits: 初診 with 院内処方, 再診 with the same prescription,
/// 再診 with 採血 and 検査.
fn adult() -> ClaimInput {
    let birth = date!(1980 - 04 - 01);
    let labs = ["160095710", "160008010", "160022510", "160022610"];
    let third = Visit {
        items: labs.iter().map(|c| ItemOrder::new(c)).collect(),
        ..visit(date!(2024 - 06 - 17), birth, VisitKind::Revisit)
    };
    let bills = month_of(
        vec![
            Visit {
                prescription: in_house(14, "620007870", "1"),
                ..visit(date!(2024 - 06 - 03), birth, VisitKind::Initial)
            },
            Visit {
                prescription: in_house(14, "620007870", "1"),
                ..visit(date!(2024 - 06 - 10), birth, VisitKind::Revisit)
            },
            third,
        ],
        1,
    );
    ClaimInput {
        patient: patient(1, "見本 太郎", "ミホン タロウ", Sex::Male, "1980-04-01"),
        insurances: vec![insurance(&numbered("0113001"), Relationship::Insured, "1")],
        public_payments: vec![],
        diagnoses: vec![diagnosis(Some("4019004"), "高血圧症", true, "2024-06-03")],
        bills,
        notes: vec![],
        unreadable: vec![],
    }
}

/// A child of four, 家族 in 国保, with a 子ども医療費 公費 (0割), one 初診.
fn child() -> ClaimInput {
    let birth = date!(2020 - 01 - 15);
    let payer = numbered("8813000");
    let mut v = visit(date!(2024 - 06 - 05), birth, VisitKind::Initial);
    v.burden = crate::billing::Burden::Tenths { tenths: 2 };
    v.public_expense = Some(PublicExpense {
        payer_number: Some(PublicPayerNumber::parse(&payer).unwrap()),
        patient_tenths: 0,
        monthly_cap: None,
        paid_this_month: crate::billing::Yen(0),
        sections: vec![],
    });
    ClaimInput {
        patient: patient(2, "見本 花子", "ミホン ハナコ", Sex::Female, "2020-01-15"),
        insurances: vec![insurance(&numbered("13814"), Relationship::Dependent, "")],
        public_payments: vec![public_payment(&payer, Some(&numbered("123456")))],
        diagnoses: vec![diagnosis(None, "かぜ", false, "2024-06-05")],
        bills: month_of(vec![v], 100),
        notes: vec![],
        unreadable: vec![],
    }
}

/// 後期高齢者 of 80, one 再診, no diagnosis recorded (a planted 病名漏れ).
fn elderly() -> ClaimInput {
    let birth = date!(1944 - 02 - 02);
    ClaimInput {
        patient: patient(3, "見本 一郎", "みほん いちろう", Sex::Male, "1944-02-02"),
        insurances: vec![insurance(&numbered("3913001"), Relationship::Insured, "")],
        public_payments: vec![],
        diagnoses: vec![],
        bills: month_of(
            vec![Visit {
                burden: crate::billing::Burden::Tenths { tenths: 1 },
                ..visit(date!(2024 - 06 - 12), birth, VisitKind::Revisit)
            }],
            200,
        ),
        notes: vec![],
        unreadable: vec![],
    }
}

/// 生活保護 alone (no health insurance), one 再診.
fn welfare() -> ClaimInput {
    let birth = date!(1970 - 07 - 07);
    let payer = numbered("1213000");
    let mut v = visit(date!(2024 - 06 - 20), birth, VisitKind::Revisit);
    v.burden = crate::billing::Burden::PublicOnly;
    v.public_expense = Some(PublicExpense {
        payer_number: Some(PublicPayerNumber::parse(&payer).unwrap()),
        patient_tenths: 0,
        monthly_cap: None,
        paid_this_month: crate::billing::Yen(0),
        sections: vec![],
    });
    ClaimInput {
        patient: patient(4, "見本 次郎", "ミホン ジロウ", Sex::Male, "1970-07-07"),
        insurances: vec![],
        public_payments: vec![public_payment(&payer, Some(&numbered("765432")))],
        diagnoses: vec![diagnosis(Some("4019004"), "高血圧症", true, "2023-01-10")],
        bills: month_of(vec![v], 300),
        notes: vec![],
        unreadable: vec![],
    }
}

fn si(claim: &Claim, code: &str) -> SiRecord {
    claim
        .records
        .lines
        .iter()
        .find_map(|l| match l {
            ClaimLine::Si(s) if s.code == code => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no SI {code}"))
}

fn day(days: &DayCounts, d: usize) -> Option<u16> {
    days[d - 1]
}

#[test]
fn an_insured_adults_visits_merge_into_one_claim_with_their_days() {
    let claims = build_claims(june(), &[adult()], &ClaimMasters::default());
    assert_eq!(claims.len(), 1);
    let c = &claims[0];
    assert_eq!(c.payer, Payer::Fund);
    assert_eq!(c.records.re.claim_kind, "1112");
    assert_eq!(c.records.re.name, "見本\u{3000}太郎");
    assert_eq!(c.records.re.kana, "ミホンタロウ");
    assert_eq!(
        c.records.re.benefit_percent, None,
        "社保 records no 給付割合"
    );
    assert_eq!(c.bills.len(), 3);
    assert!(c.problems.is_empty(), "{:?}", c.problems);

    // 初診 on the 3rd, 再診 on the 10th and 17th: one SI each, days merged.
    let initial = si(c, "111000110");
    assert_eq!(initial.treatment_class, "11");
    assert_eq!(initial.burden, "1");
    assert_eq!((initial.times, day(&initial.days, 3)), (Some(1), Some(1)));
    let revisit = si(c, "112007410");
    assert_eq!(revisit.treatment_class, "12");
    assert_eq!(revisit.times, Some(2));
    assert_eq!(
        (day(&revisit.days, 10), day(&revisit.days, 17)),
        (Some(1), Some(1))
    );
    assert_eq!(day(&revisit.days, 3), None);

    // The same 剤 on two days: one IY, 14 days on each.
    let iy: Vec<&IyRecord> = c
        .records
        .lines
        .iter()
        .filter_map(|l| match l {
            ClaimLine::Iy(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(iy.len(), 1);
    assert_eq!(iy[0].treatment_class, "21");
    assert_eq!(iy[0].amount.map(|a| a.to_string()).as_deref(), Some("1"));
    assert_eq!(iy[0].times, Some(28));
    assert_eq!(
        (day(&iy[0].days, 3), day(&iy[0].days, 10)),
        (Some(14), Some(14))
    );

    // 診療識別 never goes back down (別表20 order).
    let classes: Vec<u32> = c
        .records
        .lines
        .iter()
        .filter_map(|l| match l {
            ClaimLine::Si(s) => Some(s.treatment_class.clone()),
            ClaimLine::Iy(s) => Some(s.treatment_class.clone()),
            _ => None,
        })
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(classes.windows(2).all(|w| w[0] <= w[1]), "{classes:?}");

    // Totals: the sum of the bills; 実日数 3; JD on the three days; SN with the 枝番.
    let ho = c.records.ho.as_ref().unwrap();
    let bills: i64 = c.bills.len() as i64;
    assert_eq!(bills, 3);
    let expected: i64 = adult().bills.iter().map(|b| b.priced.total_points.0).sum();
    assert_eq!(ho.points, Some(expected as u32));
    assert_eq!(ho.days, Some(3));
    assert_eq!(c.records.jd.len(), 1);
    let jd_days: Vec<usize> = (1..=31)
        .filter(|d| c.records.jd[0].days[d - 1] == Some(1))
        .collect();
    assert_eq!(jd_days, vec![3, 10, 17]);
    assert_eq!(c.records.sn[0].branch, "01");
    assert_eq!(c.records.sy.len(), 1);
    assert_eq!(c.records.sy[0].main, "01");
    assert_eq!(c.records.sy[0].outcome, "1");
}

#[test]
fn kinds_payers_and_public_records_follow_the_patient() {
    let claims = build_claims(
        june(),
        &[child(), elderly(), welfare()],
        &ClaimMasters::default(),
    );
    assert_eq!(claims.len(), 3);

    let child = &claims[0];
    assert_eq!(child.records.re.claim_kind, "1124", "未就学者 + 1 公費");
    assert_eq!(child.payer, Payer::Kokuho);
    assert_eq!(child.records.re.benefit_percent, Some(80));
    assert_eq!(child.records.ko.len(), 1);
    assert_eq!(
        child.records.ko[0].points,
        child.records.ho.as_ref().unwrap().points
    );
    assert_eq!(child.records.ko[0].days, Some(1));
    assert_eq!(si(child, "111000110").burden, "2", "医保 and 第一公費");
    assert_eq!(child.records.jd.len(), 2);
    assert!(child.records.sn.is_empty(), "no 枝番 on the card");
    assert_eq!(child.records.sy[0].disease_code, UNCODED_DISEASE);
    assert_eq!(child.records.sy[0].disease_name, "かぜ");
    assert!(child.problems.is_empty(), "{:?}", child.problems);

    let old = &claims[1];
    assert_eq!(old.records.re.claim_kind, "1318", "後期高齢者 一般");
    assert_eq!(old.payer, Payer::Kokuho);
    assert_eq!(old.records.re.benefit_percent, None);
    assert_eq!(old.records.re.kana, "ミホンイチロウ");
    assert!(old.records.sn.is_empty(), "no SN for 後期高齢者医療");
    let codes: Vec<ProblemCode> = old.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec![ProblemCode::NoDiagnosis]);
    assert!(old.has_errors());

    let welfare = &claims[2];
    assert_eq!(welfare.records.re.claim_kind, "1212", "公費単独");
    assert_eq!(welfare.payer, Payer::Fund);
    assert!(welfare.records.ho.is_none());
    assert_eq!(welfare.records.ko.len(), 1);
    assert_eq!(si(welfare, "112007410").burden, "5", "第一公費 only");
    assert_eq!(
        welfare.points(),
        u64::from(welfare.records.ko[0].points.unwrap())
    );
    // Priced 公費単独 (no insurance share): claimed from the 公費 alone, nothing held back.
    assert!(welfare.problems.is_empty(), "{:?}", welfare.problems);
    let bill = &welfare_bill();
    assert_eq!(
        (bill.priced.share.insurer.0, bill.priced.share.patient.0),
        (0, 0)
    );
    assert_eq!(bill.priced.share.public.0, bill.priced.total_points.0 * 10);
    assert_eq!(bill.priced.share.burden_label_ja(), "公費単独（保険なし）");
}

fn welfare_bill() -> ClaimBill {
    welfare().bills.remove(0)
}

#[test]
fn a_visit_without_insurance_or_public_expense_cannot_be_priced_publicly() {
    let mut v = visit(
        date!(2024 - 06 - 20),
        date!(1970 - 07 - 07),
        VisitKind::Revisit,
    );
    v.burden = crate::billing::Burden::PublicOnly;
    let catalog = MemoryCatalog::outpatient_2024_06();
    assert_eq!(
        price_visit(&v, &catalog),
        Err(crate::billing::BillingError::NoCoverage)
    );
}

/// The UKE files of June's claims for a fictitious clinic (billed in July).
fn june_files(claims: &mut [Claim]) -> Vec<(Payer, UkeFile)> {
    let institution = ClaimInstitution {
        code: "1234567".into(),
        prefecture: "13".into(),
        name: "見本 クリニック".into(),
        phone: "03-0000-0000".into(),
    };
    uke_files(&institution, billing_month_of(june()).unwrap(), claims)
}

#[test]
fn the_files_split_by_payer_and_read_back_as_written() {
    let mut claims = build_claims(
        june(),
        &[adult(), child(), elderly(), welfare()],
        &ClaimMasters::default(),
    );
    let files = june_files(&mut claims);
    assert_eq!(files[0].1.institution.billing_month.to_uke(), "202407");
    let numbers: Vec<(Payer, u32)> = claims
        .iter()
        .map(|c| (c.payer, c.records.re.claim_number))
        .collect();
    assert_eq!(
        numbers,
        [
            (Payer::Fund, 1),
            (Payer::Kokuho, 1),
            (Payer::Kokuho, 2),
            (Payer::Fund, 2)
        ],
        "each claim keeps its number in its file"
    );
    let payers: Vec<Payer> = files.iter().map(|(p, _)| *p).collect();
    assert_eq!(payers, vec![Payer::Fund, Payer::Kokuho]);
    for (payer, file) in &files {
        assert_eq!(file.institution.payer, payer.code());
        assert!(file.check().is_empty(), "{:?}", file.check());
        let numbers: Vec<u32> = file.claims.iter().map(|c| c.re.claim_number).collect();
        assert_eq!(numbers, (1..=file.claims.len() as u32).collect::<Vec<_>>());
        let read = read_uke(&file.to_bytes()).expect("our own file reads");
        assert_eq!(&read, file);
    }
    // GO: 社保 has the adult (1 件) and 公費単独 (1 件); 国保 the child (医保 + 公費: 2 件) and
    // the elderly (1 件).
    assert_eq!(files[0].1.totals.claim_count, Some(2));
    assert_eq!(files[1].1.totals.claim_count, Some(3));
    let points: u64 = claims.iter().map(Claim::points).sum();
    let written: u64 = files
        .iter()
        .map(|(_, f)| f.totals.total_points.unwrap())
        .sum();
    assert_eq!(points, written);
}

#[test]
fn checks_find_a_second_judgment_fee_missing_recipients_and_old_diagnoses() {
    let mut input = adult();
    // A second lab visit priced without seeing the first: 判断料 twice.
    let birth = date!(1980 - 04 - 01);
    let labs = vec![ItemOrder::new("160008010")];
    let late = bill(
        50,
        Visit {
            items: labs,
            ..visit(date!(2024 - 06 - 24), birth, VisitKind::Revisit)
        },
        &[],
    );
    input.bills.push(late);
    // A diagnosis that ended before the month's first visit, still inside the month.
    let mut ended = diagnosis(Some("4659007"), "急性上気道炎", false, "2024-05-20");
    ended.outcome = Some(Outcome::Cured);
    ended.end_date = Some("2024-06-01".into());
    input.diagnoses.push(ended);
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let codes: Vec<ProblemCode> = claims[0].problems.iter().map(|p| p.code).collect();
    assert!(codes.contains(&ProblemCode::JudgmentFeeTwice), "{codes:?}");
    assert!(
        codes.contains(&ProblemCode::DiagnosisEndedBeforeService),
        "{codes:?}"
    );
    let cured = claims[0]
        .records
        .sy
        .iter()
        .find(|s| s.disease_code == "4659007")
        .unwrap();
    assert_eq!(cured.outcome, "2", "治ゆ within the month");

    let mut child = child();
    child.public_payments[0].recipient_number = None;
    let claims = build_claims(june(), &[child], &ClaimMasters::default());
    let codes: Vec<ProblemCode> = claims[0].problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec![ProblemCode::RecipientMissing]);

    let mut lapsed = welfare();
    lapsed.public_payments[0].valid_until = Some("2024-06-01".into());
    let claims = build_claims(june(), &[lapsed], &ClaimMasters::default());
    let codes: Vec<ProblemCode> = claims[0].problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec![ProblemCode::PublicNotValid]);
    assert!(
        claims[0].problems[0].reception_id.is_some(),
        "links to the bill"
    );
}

#[test]
fn bills_of_other_months_and_other_insurances_stay_apart() {
    let mut input = adult();
    // A visit in July is not June's.
    let birth = date!(1980 - 04 - 01);
    input.bills.push(bill(
        60,
        visit(date!(2024 - 07 - 01), birth, VisitKind::Revisit),
        &[],
    ));
    // The card changed on the 15th: the last visit goes on its own claim.
    input.insurances[0].valid_until = Some("2024-06-14".into());
    let mut new_card = insurance(&numbered("0613999"), Relationship::Insured, "");
    new_card.valid_from = "2024-06-15".into();
    input.insurances.push(new_card);
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    assert_eq!(claims.len(), 2);
    let days: Vec<usize> = claims.iter().map(|c| c.bills.len()).collect();
    assert_eq!(days.iter().sum::<usize>(), 3, "July's visit left out");
    assert!(claims.iter().all(|c| c.problems.is_empty()));
}

#[test]
fn burden_codes_cover_every_combination_once() {
    let mut seen = std::collections::BTreeSet::new();
    for mask in 1u8..32 {
        let insurance = mask & 1 != 0;
        let publics = std::array::from_fn(|i| mask & (2 << i) != 0);
        assert!(seen.insert(burden_code(insurance, publics)), "mask {mask}");
    }
    assert_eq!(seen.len(), 31);
    assert_eq!(burden_code(true, [false; 4]), "1");
    assert_eq!(burden_code(false, [true, false, false, false]), "5");
    assert_eq!(burden_code(true, [true, true, false, false]), "4");
    assert_eq!(burden_code(true, [true; 4]), "9");
}

#[test]
fn a_public_limited_to_some_sections_pays_only_their_lines() {
    let mut input = child();
    let bill = &mut input.bills[0];
    bill.visit.prescription = in_house(5, "620099301", "1");
    if let Some(p) = bill.visit.public_expense.as_mut() {
        p.sections = vec![crate::billing::Section::Medication];
    }
    let priced = price_visit(&bill.visit, &MemoryCatalog::outpatient_2024_06()).unwrap();
    bill.priced = priced;
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let c = &claims[0];
    assert_eq!(
        si(c, "111000110").burden,
        "1",
        "初診 is the insurance's alone"
    );
    let iy = c
        .records
        .lines
        .iter()
        .find_map(|l| match l {
            ClaimLine::Iy(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(iy.burden, "2", "the drug is shared with the 公費");
    let ho = c.records.ho.as_ref().unwrap().points.unwrap();
    let ko = c.records.ko[0].points.unwrap();
    // Points of the lines the 公費 shares (負担区分 2): 点数 × 回数 of each unit's last record.
    let medication: i64 = c
        .records
        .lines
        .iter()
        .filter_map(|l| match l {
            ClaimLine::Si(s) if s.burden == "2" => Some((s.points, s.times)),
            ClaimLine::Iy(s) if s.burden == "2" => Some((s.points, s.times)),
            _ => None,
        })
        .map(|(p, t)| i64::from(p.unwrap_or(0)) * i64::from(t.unwrap_or(0)))
        .sum();
    assert!(ko < ho, "{ko} < {ho}");
    assert_eq!(i64::from(ko), medication);
}

#[test]
fn a_kochi_kokuho_number_is_not_late_elderly_insurance() {
    // 高知県 (39) 国保: six digits beginning with 39, like 後期高齢者医療's 法別39.
    let mut input = adult();
    input.insurances[0].insurer_number = numbered("39014");
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    assert_eq!(claims[0].records.re.claim_kind, "1112");
    assert_eq!(claims[0].payer, Payer::Kokuho);
    assert_eq!(claims[0].records.re.benefit_percent, Some(70));
}

#[test]
fn months_read_as_yyyy_mm_only() {
    assert_eq!(parse_month("2024-06"), Some(june()));
    for bad in [
        "2024-6",
        "2024-13",
        "2024-00",
        "24-06",
        "2024/06",
        "１９９９-01",
        "1999-12",
        "+024-06",
        "",
    ] {
        assert_eq!(parse_month(bad), None, "{bad}");
    }
    assert_eq!(
        billing_month_of(UkeMonth::new(2024, 12).unwrap()),
        UkeMonth::new(2025, 1)
    );
}

#[test]
fn claim_kinds_read_as_words() {
    assert_eq!(claim_kind_label_ja("1112"), "医保単独・本人・入院外");
    assert_eq!(
        claim_kind_label_ja("1124"),
        "医保と1種の公費併用・未就学者・入院外"
    );
    assert_eq!(
        claim_kind_label_ja("1318"),
        "後期高齢者単独・一般・低所得者・入院外"
    );
    assert_eq!(
        claim_kind_label_ja("1110"),
        "医保単独・高齢受給者7割・入院外"
    );
    assert_eq!(claim_kind_label_ja("1212"), "公費単独・入院外");
    assert_eq!(claim_kind_label_ja("1232"), "3種の公費併用・入院外");
    assert_eq!(
        claim_kind_label_ja("3112"),
        "3112",
        "歯科 is shown as its code"
    );
    assert_eq!(claim_kind_label_ja("1x"), "1x");
    assert_eq!(treatment_class_label_ja("60"), "検査・病理");
}

#[test]
fn text_fields_are_made_one_width_and_what_still_does_not_fit_is_an_error() {
    let mut input = adult();
    input.insurances[0].symbol = "ABC１２".into();
    input.insurances[0].number = "45-6".into();
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let ho = claims[0].records.ho.as_ref().unwrap();
    assert_eq!(ho.card_symbol, "ＡＢＣ１２", "mixed becomes full width");
    assert_eq!(ho.card_number, "45-6", "ASCII stays ASCII");
    assert!(claims[0].problems.is_empty(), "{:?}", claims[0].problems);

    // 氏名 is 漢字 20 characters at most (40 bytes).
    let mut input = adult();
    input.patient.name = "見本 寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末".into();
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let format: Vec<&ClaimProblem> = claims[0]
        .problems
        .iter()
        .filter(|p| p.code == ProblemCode::Format)
        .collect();
    assert_eq!(format.len(), 1, "{:?}", claims[0].problems);
    assert!(
        format[0].message.starts_with("RE レコード 項目5（氏名）"),
        "{}",
        format[0].message
    );
    assert!(claims[0].has_errors());
}

#[test]
fn a_filing_carries_late_bills_and_returned_claims_with_their_own_month() {
    let may = UkeMonth::new(2024, 5).unwrap();
    let july = UkeMonth::new(2024, 7).unwrap();
    let late = LateMonth {
        month: june(),
        inputs: vec![elderly()],
        masters: ClaimMasters::default(),
    };
    let returned = ReturnedClaim {
        return_id: crate::ids::ReturnId(id(5000)),
        month: june(),
        search_number: "12345678901234567".into(),
        reason: "記号番号誤り".into(),
        input: adult(),
        masters: ClaimMasters::default(),
    };
    let claims = build_filing(july, &[], &[late], &[returned], &ClaimMasters::default());
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].origin, ClaimOrigin::Late);
    assert!(claims.iter().all(|c| c.records.re.service_month == june()));
    assert_eq!(claims[1].records.re.search_number, "12345678901234567");
    assert!(matches!(claims[1].origin, ClaimOrigin::Refiling { .. }));
    assert!(claims[1].problems.is_empty(), "{:?}", claims[1].problems);
    assert!(valid_search_number("12345678901234567"));
    assert!(!valid_search_number("1234567890123456"));
    assert!(!valid_search_number("１２３４５６７８９０１２３４５６７"));
    // Nothing of another month sneaks into a month's own claims.
    assert!(build_claims(may, &[adult()], &ClaimMasters::default()).is_empty());
}

#[test]
fn an_uncoded_suspected_diagnosis_keeps_its_words_and_no_modifiers() {
    let mut input = adult();
    let mut d = diagnosis(None, "右足の腫れ", false, "2024-06-03");
    d.suspected = true;
    d.modifier_codes = vec!["2058".into()];
    input.diagnoses.push(d);
    let mut coded = diagnosis(Some("4860030"), "肺炎", false, "2024-06-03");
    coded.suspected = true;
    input.diagnoses.push(coded);
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let uncoded = claims[0]
        .records
        .sy
        .iter()
        .find(|s| s.disease_code == UNCODED_DISEASE)
        .unwrap();
    assert_eq!(uncoded.disease_name, "右足の腫れの疑い");
    assert!(uncoded.modifiers.is_empty());
    let pneumonia = claims[0]
        .records
        .sy
        .iter()
        .find(|s| s.disease_code == "4860030")
        .unwrap();
    assert_eq!(pneumonia.modifiers, vec![SUSPECTED_MODIFIER.to_string()]);
    assert!(pneumonia.disease_name.is_empty());
}

#[test]
fn a_public_that_pays_no_line_gets_no_ko_and_the_order_follows_the_fullest_visit() {
    let mut input = child();
    // The 公費 covers 処置 only, and the visit has none: no KO, 医保単独.
    if let Some(p) = input.bills[0].visit.public_expense.as_mut() {
        p.sections = vec![crate::billing::Section::Treatment];
    }
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    assert!(claims[0].records.ko.is_empty());
    assert_eq!(claims[0].records.re.claim_kind, "1114");
}

#[test]
fn elderly_family_and_seven_tenths_kinds_and_two_visits_on_one_day() {
    // 高齢受給者 (72) 一般 2割 → 1118; 現役並み 3割 → 1110; a 家族 of 50 → 1116.
    let mut old = adult();
    old.patient.birth_date = "1952-01-10".into();
    for b in &mut old.bills {
        b.visit.birth_date = date!(1952 - 01 - 10);
        b.priced.share.burden_tenths = 2;
    }
    assert_eq!(
        build_claims(june(), &[old.clone()], &ClaimMasters::default())[0]
            .records
            .re
            .claim_kind,
        "1118"
    );
    for b in &mut old.bills {
        b.priced.share.burden_tenths = 3;
    }
    assert_eq!(
        build_claims(june(), &[old], &ClaimMasters::default())[0]
            .records
            .re
            .claim_kind,
        "1110"
    );
    let mut family = adult();
    family.insurances[0].relationship = Relationship::Dependent;
    assert_eq!(
        build_claims(june(), &[family], &ClaimMasters::default())[0]
            .records
            .re
            .claim_kind,
        "1116"
    );

    // Two visits on the 3rd: one 実日数, the day's counts added.
    let mut twice = adult();
    let mut again = twice.bills[1].clone();
    again.bill_id = BillId(id(77));
    again.reception_id = ReceptionId(id(78));
    again.visit.service_date = date!(2024 - 06 - 03);
    again.priced.service_date = date!(2024 - 06 - 03);
    twice.bills.push(again);
    let claims = build_claims(june(), &[twice], &ClaimMasters::default());
    let ho = claims[0].records.ho.as_ref().unwrap();
    assert_eq!(ho.days, Some(3), "the 3rd counts once");
    let revisit = si(&claims[0], "112007410");
    assert_eq!(day(&revisit.days, 3), Some(1));
    assert_eq!(revisit.times, Some(3));
}

/// 特定疾患療養管理料 on each of `days` (2024-06), each bill priced without seeing the others
/// (as bills finalised out of order are), for a patient with `diagnoses`.
fn managed(days: &[u8], diagnoses: Vec<Diagnosis>) -> ClaimInput {
    let birth = date!(1960 - 05 - 05);
    let bills = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let on = Date::from_calendar_date(2024, Month::June, *d).unwrap();
            let v = Visit {
                items: vec![ItemOrder::new("113001810")],
                ..visit(on, birth, VisitKind::Revisit)
            };
            bill(500 + i as u128, v, &[])
        })
        .collect();
    ClaimInput {
        patient: patient(5, "見本 三郎", "ミホン サブロウ", Sex::Male, "1960-05-05"),
        insurances: vec![insurance(&numbered("0113001"), Relationship::Insured, "1")],
        public_payments: vec![],
        diagnoses,
        bills,
        notes: vec![],
        unreadable: vec![],
    }
}

const ULCER: &str = "5319009";

fn ulcer_class() -> ClaimMasters {
    ClaimMasters {
        limits: [("113001810".to_string(), 2)].into(),
        disease_classes: [(ULCER.to_string(), 5)].into(),
    }
}

fn problems_of(claims: &[Claim], code: ProblemCode) -> Vec<ClaimProblem> {
    claims
        .iter()
        .flat_map(|c| &c.problems)
        .filter(|p| p.code == code)
        .cloned()
        .collect()
}

#[test]
fn an_item_past_its_limit_over_the_month_is_a_warning_on_the_day_it_passed() {
    let input = managed(
        &[3, 10, 17],
        vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
    );
    let third = input.bills[2].reception_id;
    let claims = build_claims(june(), std::slice::from_ref(&input), &ulcer_class());
    let over = problems_of(&claims, ProblemCode::LimitExceeded);
    assert_eq!(over.len(), 1, "{:?}", claims[0].problems);
    assert_eq!(over[0].severity, Severity::Warning);
    assert_eq!(
        over[0].reception_id,
        Some(third),
        "linked to the bill that passed it"
    );
    assert!(over[0].message.contains("上限回数2回") && over[0].message.contains("3回"));
    assert!(problems_of(&claims, ProblemCode::DiagnosisRequired).is_empty());

    // Twice is within the limit; without the master's limit nothing is said.
    let twice = managed(&[3, 10], input.diagnoses.clone());
    assert!(problems_of(
        &build_claims(june(), &[twice], &ulcer_class()),
        ProblemCode::LimitExceeded
    )
    .is_empty());
    let unlimited = ClaimMasters {
        limits: BTreeMap::new(),
        ..ulcer_class()
    };
    assert!(problems_of(
        &build_claims(june(), &[input], &unlimited),
        ProblemCode::LimitExceeded
    )
    .is_empty());
}

#[test]
fn specific_disease_management_needs_a_specific_main_disease_on_its_day() {
    let first_day = |input: &ClaimInput| input.bills[0].reception_id;
    let cases: Vec<(&str, Vec<Diagnosis>, Option<u8>)> = vec![
        (
            "a 特定疾患 主病 active on both days",
            vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
            None,
        ),
        (
            "高血圧症 is no 特定疾患 since 2024-06 (class 00)",
            vec![diagnosis(Some("8833421"), "高血圧症", true, "2024-05-01")],
            Some(3),
        ),
        (
            "a 特定疾患 that is not the 主病",
            vec![diagnosis(Some(ULCER), "胃潰瘍", false, "2024-05-01")],
            Some(3),
        ),
        (
            "a suspected 特定疾患",
            vec![Diagnosis {
                suspected: true,
                ..diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")
            }],
            Some(3),
        ),
        (
            "a 特定疾患 begun after the first 算定日",
            vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-06-05")],
            Some(3),
        ),
        (
            "an uncoded diagnosis cannot be known to be one",
            vec![diagnosis(None, "胃のただれ", true, "2024-05-01")],
            Some(3),
        ),
    ];
    for (name, diagnoses, failing_day) in cases {
        let input = managed(&[3, 10], diagnoses);
        let claims = build_claims(june(), std::slice::from_ref(&input), &ulcer_class());
        let found = problems_of(&claims, ProblemCode::DiagnosisRequired);
        match failing_day {
            None => assert!(found.is_empty(), "{name}: {found:?}"),
            Some(day) => {
                assert_eq!(found.len(), 1, "{name}: {found:?}");
                assert_eq!(found[0].severity, Severity::Warning, "{name}");
                assert_eq!(found[0].reception_id, Some(first_day(&input)), "{name}");
                assert!(found[0].message.contains(&format!("{day}日")), "{name}");
                assert!(found[0].message.contains("主病"), "{name}");
            }
        }
    }
    // A diagnosis ended between the two days: the second day fails.
    let ended = Diagnosis {
        end_date: Some("2024-06-05".into()),
        outcome: Some(Outcome::Cured),
        ..diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")
    };
    let input = managed(&[3, 10], vec![ended]);
    let second = input.bills[1].reception_id;
    let found = problems_of(
        &build_claims(june(), &[input], &ulcer_class()),
        ProblemCode::DiagnosisRequired,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].reception_id, Some(second));
}

#[test]
fn the_masters_travel_with_the_months_context_and_change_its_claims() {
    let context = crate::api::claims::MonthClaimsContext {
        month: june(),
        institution: ClaimInstitution {
            code: "1234567".into(),
            prefecture: "13".into(),
            name: "見本医院".into(),
            phone: String::new(),
        },
        inputs: vec![managed(
            &[3],
            vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
        )],
        late: vec![],
        returned: vec![],
        masters: ulcer_class(),
        filings: vec![],
    };
    let json = serde_json::to_string(&context).unwrap();
    let back: crate::api::claims::MonthClaimsContext = serde_json::from_str(&json).unwrap();
    assert_eq!(back, context);
    assert!(problems_of(&back.build(), ProblemCode::DiagnosisRequired).is_empty());
    let without = crate::api::claims::MonthClaimsContext {
        masters: ClaimMasters::default(),
        ..back
    };
    assert_eq!(
        problems_of(&without.build(), ProblemCode::DiagnosisRequired).len(),
        1,
        "without the 傷病名 class the 主病 is not known to be a 特定疾患"
    );
}

fn note(body: ClaimNoteBody) -> crate::api::claims::ClaimNote {
    crate::api::claims::ClaimNote {
        note_id: crate::ids::ClaimNoteId(id(800)),
        version: 1,
        patient_id: PatientId(id(1)),
        month: june(),
        body,
        retracted: false,
        reason: String::new(),
        author: Some("テスト事務".into()),
        created_at: "2024-07-01T09:00:00+09:00".into(),
    }
}

#[test]
fn notes_are_checked_before_they_are_kept() {
    let detail = |class: &str, text: &str| ClaimNoteBody::SymptomDetail {
        class: class.into(),
        text: text.into(),
    };
    let comment = |line: &str, code: &str, text: &str| ClaimNoteBody::Comment {
        line_code: line.into(),
        code: code.into(),
        text: text.into(),
    };
    let cases: Vec<(&str, ClaimNoteBody, &[&str])> = vec![
        (
            "a plain 症状詳記",
            detail("01", "咳、発熱\n倦怠感が続く"),
            &[],
        ),
        ("an unknown 区分", detail("08", "咳"), &["body.class"]),
        ("empty text", detail("01", " \n "), &["body.text"]),
        (
            "a paragraph too long",
            detail("07", &"あ".repeat(1201)),
            &["body.text"],
        ),
        (
            "a character Shift_JIS lacks",
            detail("07", "咳🤒"),
            &["body.text"],
        ),
        (
            "free text comment",
            comment("620007870", FREE_TEXT_COMMENT, "食後に服用"),
            &[],
        ),
        (
            "free text needs text",
            comment("620007870", FREE_TEXT_COMMENT, ""),
            &["body.text"],
        ),
        (
            "a fixed comment needs none",
            comment("111000110", "820000001", ""),
            &[],
        ),
        (
            "a code not from 8",
            comment("111000110", "720000001", ""),
            &["body.code"],
        ),
        (
            "no line",
            comment("", FREE_TEXT_COMMENT, "x"),
            &["body.line_code"],
        ),
        (
            "too long",
            comment("111000110", FREE_TEXT_COMMENT, &"あ".repeat(39)),
            &["body.text"],
        ),
        (
            "a line break",
            comment("111000110", FREE_TEXT_COMMENT, "a\nb"),
            &["body.text"],
        ),
    ];
    for (name, body, fields) in cases {
        let found: Vec<String> = body.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(found, fields, "{name}");
    }
}

#[test]
fn notes_become_sj_and_co_records_in_place_and_read_back() {
    let mut input = adult();
    input.notes = vec![
        note(ClaimNoteBody::Comment {
            line_code: "620007870".into(),
            code: FREE_TEXT_COMMENT.into(),
            text: "1日1回 朝食後".into(),
        }),
        note(ClaimNoteBody::SymptomDetail {
            class: "01".into(),
            text: "咳、発熱\n\n倦怠感".into(),
        }),
        note(ClaimNoteBody::Comment {
            line_code: "620007870".into(),
            code: "820000001".into(),
            text: String::new(),
        }),
        note(ClaimNoteBody::Comment {
            line_code: "999999999".into(),
            code: FREE_TEXT_COMMENT.into(),
            text: "行のないコメント".into(),
        }),
    ];
    let claims = build_claims(june(), &[input], &ClaimMasters::default());
    let claim = &claims[0];
    let lines = &claim.records.lines;
    let drug = lines
        .iter()
        .position(|l| matches!(l, ClaimLine::Iy(r) if r.code == "620007870"))
        .expect("the drug line");
    match (&lines[drug + 1], &lines[drug + 2]) {
        (ClaimLine::Co(first), ClaimLine::Co(second)) => {
            assert_eq!(first.code, FREE_TEXT_COMMENT);
            assert_eq!(
                first.text, "１日１回\u{3000}朝食後",
                "漢字 field: full width"
            );
            assert_eq!(first.treatment_class, "", "continues the drug's group");
            assert_eq!(first.burden, "1");
            assert_eq!(second.code, "820000001", "in the order written");
        }
        other => panic!("comments not after the drug: {other:?}"),
    }
    assert_eq!(
        claim
            .records
            .sj
            .iter()
            .map(|s| (s.kind.as_str(), s.text.as_str()))
            .collect::<Vec<_>>(),
        [("01", "咳、発熱"), ("", "倦怠感")]
    );
    let without: Vec<_> = claim
        .problems
        .iter()
        .filter(|p| p.code == ProblemCode::CommentWithoutLine)
        .collect();
    assert_eq!(without.len(), 1, "{:?}", claim.problems);
    assert!(!claim.has_errors(), "{:?}", claim.problems);

    // The file carries them and reads back the same.
    let mut claims = claims;
    let institution = ClaimInstitution {
        code: "1234567".into(),
        prefecture: "13".into(),
        name: "見本医院".into(),
        phone: String::new(),
    };
    let files = uke_files(&institution, UkeMonth::new(2024, 7).unwrap(), &mut claims);
    let bytes = files[0].1.to_bytes();
    let read = read_uke(&bytes).expect("reads");
    assert!(read.check().is_empty(), "{:?}", read.check());
    assert_eq!(read.claims[0], claims[0].records);
}

#[test]
fn items_a_later_bill_of_the_month_includes_are_warned_on_their_day() {
    let birth = date!(1960 - 05 - 05);
    let on = |d: u8| Date::from_calendar_date(2024, Month::June, d).unwrap();
    // Day 3: 特定疾患療養管理料, 外来管理加算 and a blood count, each priced before day 10's
    // 生活習慣病管理料（Ⅰ） existed; day 10 does not see them as included.
    let mut early = visit(on(3), birth, VisitKind::Revisit);
    early.items = vec![ItemOrder::new("113001810"), ItemOrder::new("160008010")];
    early.outpatient_management = true;
    let mut late = visit(on(10), birth, VisitKind::Revisit);
    late.items = vec![ItemOrder::new("113041810")];
    let mut input = managed(
        &[],
        vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
    );
    input.bills = vec![bill(600, early, &[]), bill(601, late, &[])];
    let day3 = input.bills[0].reception_id;
    let claims = build_claims(june(), &[input], &ulcer_class());
    let found = problems_of(&claims, ProblemCode::Excluded);
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(found.len(), 3, "{messages:?}");
    assert!(found
        .iter()
        .all(|p| p.severity == Severity::Warning && p.reception_id == Some(day3)));
    assert!(messages[0].contains("特定疾患療養管理料"), "{messages:?}");
    assert!(messages[1].contains("外来管理加算"), "{messages:?}");
    assert!(messages[2].contains("検査"), "{messages:?}");
}

#[test]
fn specific_disease_management_on_the_day_of_the_first_visit_is_warned() {
    let birth = date!(1960 - 05 - 05);
    let mut v = visit(date!(2024 - 06 - 03), birth, VisitKind::Initial);
    v.items = vec![ItemOrder::new("113001810")];
    let mut input = managed(
        &[],
        vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
    );
    input.bills = vec![bill(610, v, &[])];
    let claims = build_claims(june(), &[input.clone()], &ulcer_class());
    let found = problems_of(&claims, ProblemCode::Excluded);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("初診の日"));
    assert_eq!(found[0].reception_id, Some(input.bills[0].reception_id));
    // On a 再診 nothing is said.
    let again = managed(&[3], input.diagnoses.clone());
    assert!(problems_of(
        &build_claims(june(), &[again], &ulcer_class()),
        ProblemCode::Excluded
    )
    .is_empty());
}

#[test]
fn an_item_and_its_online_version_share_one_limit() {
    // 特定疾患療養管理料 on the 3rd and 10th in person, on the 17th online: three in the month.
    let mut input = managed(
        &[3, 10],
        vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
    );
    let mut online = visit(
        date!(2024 - 06 - 17),
        date!(1960 - 05 - 05),
        VisitKind::Revisit,
    );
    online.telemedicine = true;
    online.items = vec![ItemOrder::new("113001810")];
    input.bills.push(bill(520, online, &[]));
    assert!(input.bills[2]
        .priced
        .lines
        .iter()
        .any(|l| l.code == "113034010"));
    let masters = ClaimMasters {
        limits: [("113001810".to_string(), 2), ("113034010".to_string(), 2)].into(),
        ..ulcer_class()
    };
    let over = problems_of(
        &build_claims(june(), std::slice::from_ref(&input), &masters),
        ProblemCode::LimitExceeded,
    );
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(over[0].reception_id, Some(input.bills[2].reception_id));
}

#[test]
fn patients_of_seventy_and_over_carry_their_income_class_as_a_special_note() {
    let masters = ClaimMasters::default();
    let notes_of = |input: &ClaimInput| {
        build_claims(june(), std::slice::from_ref(input), &masters)[0]
            .records
            .re
            .special_notes
            .clone()
    };
    // Under 70: nothing derived.
    assert!(notes_of(&adult()).is_empty());
    // 後期高齢者 一般, June 2024 (after 2022-10): 区キ; 一般Ⅱ (2割): 区カ; 現役並みⅢ: 区ア.
    let mut old = elderly();
    assert_eq!(notes_of(&old), ["42"]);
    old.insurances[0].income_category = IncomeCategory::Certain;
    assert_eq!(notes_of(&old), ["41"]);
    old.insurances[0].income_category = IncomeCategory::Active;
    assert_eq!(notes_of(&old), ["26"]);
    // 高齢受給者 (72): 一般 区エ, 低所得者 区オ, 現役並みⅠ 区ウ.
    let mut seventy = adult();
    seventy.patient.birth_date = "1952-01-10".into();
    assert_eq!(notes_of(&seventy), ["29"]);
    seventy.insurances[0].income_category = IncomeCategory::LowIncome;
    assert_eq!(notes_of(&seventy), ["30"]);
    seventy.insurances[0].income_category = IncomeCategory::ActiveI;
    assert_eq!(notes_of(&seventy), ["28"]);
    // The written file carries them (RE 項目12) and reads back.
    let mut claims = build_claims(june(), &[seventy], &masters);
    assert!(claims[0]
        .problems
        .iter()
        .all(|p| p.code != ProblemCode::Format));
    let files = june_files(&mut claims);
    let back = read_uke(&files[0].1.to_bytes()).expect("reads back");
    assert_eq!(back.claims[0].re.special_notes, ["28"]);
    assert_eq!(back.claims[0].re.departments[0].name, "01");
}

#[test]
fn the_clerks_special_notes_join_the_derived_one_and_are_checked() {
    let masters = ClaimMasters::default();
    let special = |code: &str| {
        note(ClaimNoteBody::SpecialNote {
            code: code.to_string(),
        })
    };
    assert!(ClaimNoteBody::SpecialNote { code: "10".into() }
        .validate()
        .is_empty());
    assert!(!ClaimNoteBody::SpecialNote { code: "05".into() }
        .validate()
        .is_empty());

    // 第三者行為 for the 後期高齢者: 10 then 42, in code order, no problem.
    let mut old = elderly();
    old.notes = vec![special("42"), special("10")];
    let claims = build_claims(june(), &[old.clone()], &masters);
    assert_eq!(claims[0].records.re.special_notes, ["10", "42"]);
    assert!(problems_of(&claims, ProblemCode::SpecialNote).is_empty());

    // A second 所得区分 is an error that names the derived one.
    old.notes = vec![special("29")];
    let claims = build_claims(june(), &[old.clone()], &masters);
    let found = problems_of(&claims, ProblemCode::SpecialNote);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Error);
    assert!(found[0].message.contains("42 区キ"), "{}", found[0].message);

    // 区カ for a patient under 75 in 被用者保険, and 一般 (18) after 2018-07: not allowed.
    let mut young = adult();
    young.notes = vec![special("41"), special("18")];
    let claims = build_claims(june(), &[young.clone()], &masters);
    assert_eq!(problems_of(&claims, ProblemCode::SpecialNote).len(), 2);

    // Six codes: one too many.
    young.notes = ["01", "02", "10", "11", "12", "13"]
        .into_iter()
        .map(special)
        .collect();
    let claims = build_claims(june(), &[young], &masters);
    let found = problems_of(&claims, ProblemCode::SpecialNote);
    assert!(found.iter().any(|p| p.message.contains("6件")), "{found:?}");
}

#[test]
fn departments_are_recorded_by_their_points_when_they_name_the_table() {
    let masters = ClaimMasters::default();
    let mut input = adult();
    // The 初診 with a prescription is 内科; the other two visits 小児科 and a name outside
    // 別表10.
    input.bills[1].department = "小児科".into();
    input.bills[2].department = "総合診療科".into();
    let names = |input: &ClaimInput| -> Vec<String> {
        build_claims(june(), std::slice::from_ref(input), &masters)[0]
            .records
            .re
            .departments
            .iter()
            .map(|d| d.name.clone())
            .collect()
    };
    let (first, second) = (
        input.bills[0].priced.total_points.0,
        input.bills[1].priced.total_points.0,
    );
    assert!(first > second, "the 初診 is worth more");
    assert_eq!(names(&input), ["01", "09", ""]);
    // More points move 小児科 first.
    input.bills[2].department = "小児科".into();
    input.bills[0].department = "泌尿器科".into();
    assert_eq!(names(&input)[..2], ["09", "20"]);
}

#[test]
fn late_and_returned_claims_are_checked_with_the_masters_of_their_own_month() {
    let july = UkeMonth::new(2024, 7).unwrap();
    let input = managed(
        &[3, 10, 17],
        vec![diagnosis(Some(ULCER), "胃潰瘍", true, "2024-05-01")],
    );
    let late = |masters: ClaimMasters| LateMonth {
        month: june(),
        inputs: vec![input.clone()],
        masters,
    };
    let returned = |masters: ClaimMasters| ReturnedClaim {
        return_id: crate::ids::ReturnId(id(5001)),
        month: june(),
        search_number: "12345678901234567".into(),
        reason: "回数".into(),
        input: input.clone(),
        masters,
    };
    // June's limit applies to June's bills though July's masters know none.
    for claims in [
        build_filing(
            july,
            &[],
            &[late(ulcer_class())],
            &[],
            &ClaimMasters::default(),
        ),
        build_filing(
            july,
            &[],
            &[],
            &[returned(ulcer_class())],
            &ClaimMasters::default(),
        ),
    ] {
        assert_eq!(problems_of(&claims, ProblemCode::LimitExceeded).len(), 1);
    }
    // And July's do not reach them.
    let claims = build_filing(
        july,
        &[],
        &[late(ClaimMasters::default())],
        &[returned(ClaimMasters::default())],
        &ulcer_class(),
    );
    assert!(problems_of(&claims, ProblemCode::LimitExceeded).is_empty());
}
