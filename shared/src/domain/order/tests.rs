use super::safety::{check, unanswered, DayContext, KnownAllergy, WarningKind, WarningOverride};
use super::*;
use crate::billing::{
    Burden, DrugUse, Facility, FacilityKind, FacilityStandards, Prescription, Quantity, RpDrug,
    TimeCategory, VisitKind,
};
use crate::masters::{ControlledClass, DosageForm, DrugPriceKind, DrugRecord, Hundredths};
use std::collections::BTreeMap;
use time::macros::date;

fn drug(code: &str, name: &str, nhi: &str) -> DrugRecord {
    DrugRecord {
        code: code.into(),
        name: name.into(),
        kana: String::new(),
        unit_code: 0,
        unit_name: "錠".into(),
        price_kind: DrugPriceKind::Amount,
        price: Hundredths(1000),
        controlled: ControlledClass::None,
        neurolytic: false,
        biological: false,
        generic: false,
        dental_specific: false,
        contrast: 0,
        injection_volume: 0,
        listing_method: 0,
        brand_of: None,
        old_price_kind: None,
        old_price: Hundredths(0),
        dosage_form: DosageForm::Internal,
        changed_on: None,
        abolished_after: None,
        nhi_code: Some(nhi.into()),
        transitional_until: None,
        base_name: name.into(),
        listed_on: None,
        generic_name_code: None,
        generic_name: None,
        generic_name_addition: None,
        anti_hiv: None,
    }
}

/// ロキソニン (ロキソプロフェン 1149019), its generic (same 成分), ノルバスク (アムロジピン).
fn drugs() -> BTreeMap<String, DrugRecord> {
    let mut generic = drug(
        "622076101",
        "ロキソプロフェンＮａ錠６０ｍｇ「テスト」",
        "1149019F1560",
    );
    generic.generic = true;
    let mut m = BTreeMap::new();
    for d in [
        drug("620098801", "ロキソニン錠６０ｍｇ", "1149019F1021"),
        generic,
        drug("612170710", "ノルバスク錠５ｍｇ", "2171022F2023"),
    ] {
        m.insert(d.code.clone(), d);
    }
    m
}

fn internal(days: u32, codes: &[&str]) -> OrderedRp {
    OrderedRp {
        rp: Rp::Internal {
            days,
            temporary: false,
            drugs: codes
                .iter()
                .map(|c| RpDrug::new(c, Quantity::units(3)))
                .collect(),
        },
        usage: Usage {
            code: Some("1013044400000000".into()),
            text: "１日３回朝昼夕食後".into(),
            times_per_day: Some(3),
        },
    }
}

fn rx(rps: Vec<OrderedRp>) -> OrderContents {
    OrderContents::Prescription(PrescriptionOrder {
        rps,
        ..match OrderContents::empty(OrderKind::Prescription) {
            OrderContents::Prescription(p) => p,
            _ => unreachable!(),
        }
    })
}

fn ctx<'a>(
    allergies: &'a [KnownAllergy],
    others: &'a [&'a OrderContents],
    drugs: &'a BTreeMap<String, DrugRecord>,
) -> DayContext<'a> {
    DayContext {
        date: date!(2024 - 06 - 10),
        allergies,
        others,
        drugs,
    }
}

#[test]
fn kinds_round_trip_through_their_codes() {
    for k in OrderKind::ALL {
        assert_eq!(OrderKind::from_code(k.code()), Some(k));
        assert_eq!(OrderContents::empty(k).kind(), k, "{k:?}");
        assert!(OrderContents::empty(k).is_empty());
    }
    assert_eq!(OrderKind::from_code("x"), None);
}

#[test]
fn an_order_reads_back_from_its_json() {
    let order = rx(vec![internal(7, &["620098801"])]);
    let json = serde_json::to_string(&order).unwrap();
    assert!(json.starts_with(r#"{"kind":"prescription","#), "{json}");
    assert_eq!(serde_json::from_str::<OrderContents>(&json).unwrap(), order);
    let lab: OrderContents =
        serde_json::from_str(r#"{"kind":"lab","items":[{"code":"160008010"}]}"#).unwrap();
    assert_eq!(lab.procedure_codes(), ["160008010"]);
}

#[test]
fn a_good_prescription_validates() {
    assert_eq!(rx(vec![internal(7, &["620098801"])]).validate(), Ok(()));
}

#[test]
fn bad_orders_name_each_field() {
    let fields = |o: OrderContents| -> Vec<String> {
        o.validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    };
    let mut bad = internal(0, &["12345", "620098801"]);
    bad.usage.text = " ".into();
    bad.usage.code = Some("short".into());
    if let Rp::Internal { drugs, .. } = &mut bad.rp {
        drugs[1].quantity = Quantity::units(0);
        drugs[1].no_substitution = true;
        drugs[1].patient_wish = true;
    }
    assert_eq!(
        fields(rx(vec![bad])),
        [
            "contents.rps[0].rp.drugs[0].code",
            "contents.rps[0].rp.days",
            "contents.rps[0].rp.drugs[1].quantity",
            "contents.rps[0].rp.drugs[1].patient_wish",
            "contents.rps[0].usage.text",
            "contents.rps[0].usage.code",
        ]
    );
    let OrderContents::Prescription(mut p) = rx(vec![internal(7, &["620098801"])]) else {
        unreachable!()
    };
    p.refill_uses = Some(4);
    p.remarks = "a\u{0}".into();
    assert_eq!(
        fields(OrderContents::Prescription(p.clone())),
        ["contents.refill_uses", "contents.remarks"]
    );
    p.refill_uses = Some(3);
    p.remarks.clear();
    p.dispensing = Dispensing::InHouse;
    assert_eq!(
        fields(OrderContents::Prescription(p)),
        ["contents.refill_uses"]
    );
    let injection = OrderContents::Injection {
        procedures: vec![
            ProcedureOrder {
                code: Some("130000510".into()),
                count: 0,
                drugs: vec![DrugUse {
                    code: "x".into(),
                    quantity: Quantity::units(1),
                }],
                materials: Vec::new(),
            },
            ProcedureOrder {
                code: None,
                count: 1,
                drugs: Vec::new(),
                materials: Vec::new(),
            },
        ],
    };
    assert_eq!(
        fields(injection),
        [
            "contents.procedures[0].drugs[0].code",
            "contents.procedures[0].count",
            "contents.procedures[1]",
        ]
    );
}

#[test]
fn a_huge_order_is_refused_before_its_lines_are_read() {
    let items = vec![crate::billing::ItemOrder::new("bad"); MAX_LINES + 1];
    let errors = OrderContents::Lab { items }.validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "contents.items");
}

fn visit() -> Visit {
    Visit {
        service_date: date!(2024 - 06 - 10),
        birth_date: date!(1980 - 01 - 01),
        burden: Burden::Tenths { tenths: 3 },
        public_expense: None,
        additional_public_expenses: Vec::new(),
        kind: VisitKind::Revisit,
        time: TimeCategory::Regular,
        facility: Facility {
            kind: FacilityKind::Clinic,
            standards: FacilityStandards::default(),
        },
        electronic_qualification: false,
        telemedicine: false,
        outpatient_management: false,
        items: vec![crate::billing::ItemOrder::new("113001810")],
        prescription: None,
        injections: Vec::new(),
        treatments: Vec::new(),
        month_history: Vec::new(),
    }
}

#[test]
fn orders_become_the_parts_of_the_visit_after_the_clerks_entries() {
    let a = rx(vec![internal(7, &["620098801"])]);
    let b = rx(vec![internal(14, &["612170710"])]);
    let lab = OrderContents::Lab {
        items: vec![crate::billing::ItemOrder::new("160008010")],
    };
    let shot = OrderContents::Injection {
        procedures: vec![ProcedureOrder {
            code: Some("130000510".into()),
            count: 1,
            drugs: Vec::new(),
            materials: Vec::new(),
        }],
    };
    let merged = add_orders(&visit(), &[&a, &lab, &b, &shot]).unwrap();
    let codes: Vec<&str> = merged.items.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["113001810", "160008010"]);
    let Some(Prescription {
        dispensing, rps, ..
    }) = &merged.prescription
    else {
        panic!("no prescription")
    };
    assert_eq!(*dispensing, Dispensing::Outside);
    assert_eq!(rps.len(), 2);
    assert_eq!(rps[1].drugs()[0].code, "612170710");
    assert_eq!(merged.injections.len(), 1);
    // No orders: the visit as the clerk entered it.
    assert_eq!(add_orders(&visit(), &[]).unwrap(), visit());
}

#[test]
fn in_house_and_outside_prescriptions_do_not_mix_in_one_visit() {
    let a = rx(vec![internal(7, &["620098801"])]);
    let OrderContents::Prescription(mut p) = rx(vec![internal(7, &["612170710"])]) else {
        unreachable!()
    };
    p.dispensing = Dispensing::InHouse;
    let b = OrderContents::Prescription(p);
    assert_eq!(
        add_orders(&visit(), &[&a, &b]),
        Err(MergeError::MixedDispensing)
    );
}

#[test]
fn do_copies_every_drug_and_flags_those_out_of_force() {
    let OrderContents::Prescription(earlier) = rx(vec![internal(7, &["620098801", "612170710"])])
    else {
        unreachable!()
    };
    let (copy, stale) = copy_prescription(&earlier, |code| code != "612170710");
    assert_eq!(copy, earlier);
    assert_eq!(stale, ["contents.rps[0].rp.drugs[1]"]);
}

#[test]
fn an_allergy_by_ingredient_warns_for_the_brand_and_its_generic() {
    let drugs = drugs();
    let allergies = [KnownAllergy {
        substance: "ロキソプロフェン".into(),
        ingredient: Some("1149019".into()),
        severity_ja: "重度",
    }];
    let order = rx(vec![internal(7, &["622076101", "612170710"])]);
    let warnings = check(&order, &ctx(&allergies, &[], &drugs));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::Allergy);
    assert_eq!(warnings[0].key, "allergy:622076101");
    assert_eq!(warnings[0].field, "contents.rps[0].rp.drugs[0]");
    assert!(warnings[0].message.contains("重度"));
    // A 薬効分類 (4 digits) covers the class.
    let class = [KnownAllergy {
        ingredient: Some("2171".into()),
        ..allergies[0].clone()
    }];
    let keys: Vec<String> = check(&order, &ctx(&class, &[], &drugs))
        .into_iter()
        .map(|w| w.key)
        .collect();
    assert_eq!(keys, ["allergy:612170710"]);
}

#[test]
fn an_allergy_by_name_only_matches_the_drug_names_across_widths() {
    let drugs = drugs();
    let allergies = [KnownAllergy {
        substance: "ろきそにん".into(),
        ingredient: None,
        severity_ja: "不明",
    }];
    let order = rx(vec![internal(7, &["620098801", "612170710"])]);
    let keys: Vec<String> = check(&order, &ctx(&allergies, &[], &drugs))
        .into_iter()
        .map(|w| w.key)
        .collect();
    assert_eq!(keys, ["allergy:620098801"]);
    let one = [KnownAllergy {
        substance: "ロ".into(),
        ..allergies[0].clone()
    }];
    assert!(check(&order, &ctx(&one, &[], &drugs)).is_empty());
}

#[test]
fn the_same_ingredient_twice_in_the_days_prescriptions_is_a_duplicate() {
    let drugs = drugs();
    let earlier = rx(vec![internal(7, &["620098801"])]);
    let order = rx(vec![internal(7, &["612170710", "622076101"])]);
    let warnings = check(&order, &ctx(&[], &[&earlier], &drugs));
    let keys: Vec<(&str, &str)> = warnings
        .iter()
        .map(|w| (w.key.as_str(), w.field.as_str()))
        .collect();
    assert_eq!(keys, [("duplicate:1149019", "contents.rps[0].rp.drugs[1]")]);
    // Within one order too; a lab order of the day is no prescription.
    let twice = rx(vec![
        internal(7, &["620098801"]),
        internal(7, &["622076101"]),
    ]);
    assert_eq!(check(&twice, &ctx(&[], &[], &drugs)).len(), 1);
    assert!(check(&order, &ctx(&[], &[], &drugs)).is_empty());
}

#[test]
fn days_beyond_the_limits_of_new_and_controlled_drugs_are_flagged() {
    let mut drugs = drugs();
    // Listed 2024-05-22: limited to 14 days until 2025-05-31 (a year from 2024-06-01).
    let mut new = drug("699999901", "テスト新薬錠", "3999999F1020");
    new.listed_on = Some(date!(2024 - 05 - 22));
    let mut psychotropic = drug("699999902", "テスト睡眠薬錠", "1129999F1020");
    psychotropic.controlled = ControlledClass::Psychotropic;
    drugs.insert(new.code.clone(), new.clone());
    drugs.insert(psychotropic.code.clone(), psychotropic);
    let keys = |days: u32, code: &str| -> Vec<String> {
        check(&rx(vec![internal(days, &[code])]), &ctx(&[], &[], &drugs))
            .into_iter()
            .map(|w| w.key)
            .collect()
    };
    assert!(keys(14, "699999901").is_empty());
    assert_eq!(keys(15, "699999901"), ["days_limit:699999901"]);
    assert_eq!(keys(30, "699999902"), ["days_limit:699999902"]);
    assert!(keys(90, "620098801").is_empty());
    // A year after the month following the listing, the limit is gone.
    let late = DayContext {
        date: date!(2025 - 06 - 01),
        ..ctx(&[], &[], &drugs)
    };
    assert!(check(&rx(vec![internal(30, &["699999901"])]), &late).is_empty());
    assert_eq!(
        super::safety::days_limit(&new, date!(2025 - 05 - 31)).map(|l| l.0),
        Some(14)
    );
}

#[test]
fn a_drug_not_in_force_is_a_warning_not_a_silent_copy() {
    let drugs = drugs();
    let order = rx(vec![internal(7, &["699999999"])]);
    let warnings = check(&order, &ctx(&[], &[], &drugs));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].kind, WarningKind::OutOfForce);
    assert_eq!(warnings[0].key, "out_of_force:699999999");
}

#[test]
fn an_override_needs_the_key_and_a_reason() {
    let drugs = drugs();
    let order = rx(vec![internal(7, &["699999999", "699999998"])]);
    let warnings = check(&order, &ctx(&[], &[], &drugs));
    let answered = [
        WarningOverride {
            key: "out_of_force:699999999".into(),
            reason: "経過措置中の在庫を使用".into(),
        },
        WarningOverride {
            key: "out_of_force:699999998".into(),
            reason: " ".into(),
        },
    ];
    let left: Vec<&str> = unanswered(&warnings, &answered)
        .into_iter()
        .map(|w| w.key.as_str())
        .collect();
    assert_eq!(left, ["out_of_force:699999998"]);
}

#[test]
fn the_standard_usages_are_valid_usages() {
    for (code, text, times) in STANDARD_USAGES {
        let mut rp = internal(7, &["620098801"]);
        rp.usage = Usage {
            code: Some(code.to_string()),
            text: text.to_string(),
            times_per_day: *times,
        };
        assert_eq!(rx(vec![rp]).validate(), Ok(()), "{code} {text}");
    }
}

#[test]
fn an_order_reads_as_lines_with_names_where_known() {
    let order = rx(vec![internal(7, &["620098801", "612170710"])]);
    let lines = order.lines_ja(|code| {
        (code == "620098801").then(|| ("ロキソニン錠６０ｍｇ".to_string(), "錠".to_string()))
    });
    assert_eq!(
        lines,
        [
            "院外処方",
            "Rp1 ロキソニン錠６０ｍｇ 3錠、612170710 3 １日３回朝昼夕食後 7日分"
        ]
    );
    let shot = OrderContents::Injection {
        procedures: vec![ProcedureOrder {
            code: Some("130000510".into()),
            count: 2,
            drugs: vec![DrugUse {
                code: "620000001".into(),
                quantity: Quantity::units(1),
            }],
            materials: Vec::new(),
        }],
    };
    assert_eq!(shot.lines_ja(|_| None), ["130000510・620000001 1 ×2"]);
}

#[test]
fn a_split_must_divide_the_days_evenly() {
    let OrderContents::Prescription(mut p) = rx(vec![internal(28, &["620098801"])]) else {
        unreachable!()
    };
    p.split_count = Some(2);
    assert_eq!(OrderContents::Prescription(p.clone()).validate(), Ok(()));
    assert_eq!(p.split_days(), Some((14, 2)));
    p.split_count = Some(3);
    let errors = OrderContents::Prescription(p.clone())
        .validate()
        .unwrap_err();
    assert_eq!(errors[0].field, "contents.split_count");
    p.split_count = None;
    p.remarks = "あ".repeat(REMARK_LINE_MAX + 1);
    let errors = OrderContents::Prescription(p).validate().unwrap_err();
    assert_eq!(errors[0].field, "contents.remarks");
}

#[test]
fn frequent_items_count_each_code_once_per_order_most_used_first() {
    use crate::api::orders::FrequentItems;
    let lab = |codes: &[&str]| OrderContents::Lab {
        items: codes
            .iter()
            .map(|c| crate::billing::ItemOrder::new(c))
            .collect(),
    };
    let orders = [
        // The same drug in two Rps of one order counts once.
        rx(vec![
            internal(7, &["620098801"]),
            internal(3, &["620098801", "612170709"]),
        ]),
        rx(vec![internal(14, &["612170709"])]),
        rx(vec![internal(14, &["612170709"])]),
        lab(&["160008010", "160000310"]),
        lab(&["160008010"]),
        OrderContents::Management {
            items: vec![crate::billing::ItemOrder::new("160008010")],
        },
    ];
    let frequent = FrequentItems::count("2024-01-01".into(), &orders, 30);
    let listed: Vec<(OrderKind, &str, &str, u32)> = frequent
        .items
        .iter()
        .map(|i| (i.order_kind, i.kind.as_str(), i.code.as_str(), i.uses))
        .collect();
    assert_eq!(
        listed,
        [
            (OrderKind::Prescription, "drug", "612170709", 3),
            (OrderKind::Lab, "procedure", "160008010", 2),
            (OrderKind::Prescription, "drug", "620098801", 1),
            (OrderKind::Lab, "procedure", "160000310", 1),
            (OrderKind::Management, "procedure", "160008010", 1),
        ]
    );
    assert_eq!(
        frequent.uses(OrderKind::Prescription, "drug", "612170709"),
        3
    );
    // Counted per kind of order: a lab item is not a frequent 医学管理 item by its lab uses.
    assert_eq!(
        frequent.uses(OrderKind::Management, "procedure", "160008010"),
        1
    );
    assert_eq!(frequent.uses(OrderKind::Lab, "drug", "612170709"), 0);
    // At most `per_kind` for each kind of order: the most used stay.
    let one_each = FrequentItems::count("2024-01-01".into(), &orders, 1);
    let codes: Vec<(OrderKind, &str)> = one_each
        .items
        .iter()
        .map(|i| (i.order_kind, i.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (OrderKind::Prescription, "612170709"),
            (OrderKind::Lab, "160008010"),
            (OrderKind::Management, "160008010"),
        ]
    );
}

#[test]
fn a_generic_name_the_master_lacks_is_said_before_the_brand_prints() {
    let mut drugs = drugs();
    let mut rp = internal(7, &["612170710"]);
    if let Rp::Internal { drugs, .. } = &mut rp.rp {
        drugs[0].generic_name = true;
    }
    let order = rx(vec![rp]);
    let warnings = check(&order, &ctx(&[], &[], &drugs));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::NoGenericName);
    assert_eq!(
        warnings[0].field,
        "contents.rps[0].rp.drugs[0].generic_name"
    );
    // With the master's 一般名 nothing is said.
    drugs.get_mut("612170710").unwrap().generic_name = Some("アムロジピン錠５ｍｇ".into());
    assert!(check(&order, &ctx(&[], &[], &drugs)).is_empty());
}

#[test]
fn a_refill_with_a_limited_drug_or_a_poultice_is_warned() {
    let mut drugs = drugs();
    let mut poultice = drug("620007804", "モーラステープＬ４０ｍｇ", "2649735S2031");
    poultice.dosage_form = DosageForm::External;
    drugs.insert(poultice.code.clone(), poultice);
    let mut new_drug = drug("629999901", "架空新薬錠", "3999999F1020");
    new_drug.listed_on = Some(date!(2024 - 05 - 22));
    drugs.insert(new_drug.code.clone(), new_drug);
    let refill = |rps: Vec<OrderedRp>| {
        let mut o = rx(rps);
        if let OrderContents::Prescription(p) = &mut o {
            p.refill_uses = Some(2);
        }
        o
    };
    let external = OrderedRp {
        rp: Rp::External {
            drugs: vec![RpDrug::new("620007804", Quantity::units(14))],
        },
        usage: Usage {
            code: None,
            text: "１日１回患部に貼付".into(),
            times_per_day: None,
        },
    };
    let kinds = |o: &OrderContents| -> Vec<String> {
        check(o, &ctx(&[], &[], &drugs))
            .into_iter()
            .filter(|w| w.kind == WarningKind::RefillNotAllowed)
            .map(|w| w.key)
            .collect()
    };
    assert_eq!(
        kinds(&refill(vec![external.clone()])),
        ["refill_not_allowed:620007804"]
    );
    assert_eq!(
        kinds(&refill(vec![internal(7, &["629999901"])])),
        ["refill_not_allowed:629999901"]
    );
    // An everyday drug on a refill, and the poultice without a refill: nothing.
    assert!(kinds(&refill(vec![internal(28, &["612170710"])])).is_empty());
    assert!(kinds(&rx(vec![external])).is_empty());
}
