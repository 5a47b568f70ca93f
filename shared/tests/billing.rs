//! The billing engine against billing.md's worked cases and the rules' edges, as tables; then
//! properties that must hold for any visit.

mod common;

// In a module named `billing` so that `cargo test -p karte-shared billing` selects these tests.
mod billing {
    use super::common::worked_cases::*;
    use proptest::prelude::*;
    use shared::billing::codes;
    use shared::billing::*;
    use shared::domain::insurance::{check_digit, BurdenRule, IncomeCategory, InsurerNumber};
    use time::macros::date;
    use time::Date;

    // ---------------------------------------------------------------------------------------------
    // Fixtures: the real 2024-06 rows of `MemoryCatalog::outpatient_2024_06`, plus obviously
    // fictional drugs and materials (codes "TEST…") with round prices for the edge cases.

    fn catalog() -> MemoryCatalog {
        let drug = |code: &str, name: &str, unit: &str, yen_hundredths: i64, form: DosageForm| {
            DrugFacts::new(code, name, unit, Sen(yen_hundredths), form)
        };
        let mut c = MemoryCatalog::outpatient_2024_06()
            // 7 internal drugs at 100円: 1剤1日分 100円 → 10点 (90/100 → 9点).
            .with_drug(drug(
                "TEST-D1",
                "テスト内服薬１",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D2",
                "テスト内服薬２",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D3",
                "テスト内服薬３",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D4",
                "テスト内服薬４",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D5",
                "テスト内服薬５",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D6",
                "テスト内服薬６",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-D7",
                "テスト内服薬７",
                "錠",
                10_000,
                DosageForm::Internal,
            ))
            // 屯服 20円/回 → 2点; 外用 25円/枚; 注射 150円/管 → 15点; 処置用軟膏 3円/g.
            .with_drug(drug(
                "TEST-PRN",
                "テスト頓用薬",
                "錠",
                2_000,
                DosageForm::Internal,
            ))
            .with_drug(drug(
                "TEST-EXT",
                "テスト貼付剤",
                "枚",
                2_500,
                DosageForm::External,
            ))
            .with_drug(drug(
                "TEST-INJ",
                "テスト注射液",
                "管",
                15_000,
                DosageForm::Injection,
            ))
            .with_drug(drug(
                "TEST-OINT",
                "テスト軟膏",
                "g",
                300,
                DosageForm::External,
            ))
            .with_material(MaterialFacts::new(
                "TEST-M1",
                "テスト材料",
                "個",
                Sen(123_400),
            ))
            // A fictional item 廃止 2024-11-30 (like 医療情報取得加算１, billing.md §1, [M-diff]).
            .with_procedure(ProcedureFacts {
                max_count: 1,
                valid_until: Some(date!(2024 - 11 - 30)),
                ..ProcedureFacts::with_points(
                    "TEST-ABOLISHED",
                    "テスト廃止項目",
                    3,
                    Section::InitialRevisit,
                    110,
                )
            })
            // A fictional item for children under 3.
            .with_procedure(ProcedureFacts {
                upper_age: AgeLimit::Years(3),
                ..ProcedureFacts::with_points(
                    "TEST-AGE3",
                    "テスト項目（３歳未満）",
                    10,
                    Section::Management,
                    130,
                )
            })
            // 点数識別 8 (点数（マイナス）), as in s_ALL20240531.
            .with_procedure(ProcedureFacts {
                score_kind: ScoreKind::MinusPoints,
                facility: FacilityRestriction::HospitalOnly,
                ..ProcedureFacts::with_points(
                    "111015370",
                    "（選）病床数が２００以上の病院初診（２００点減算）",
                    200,
                    Section::InitialRevisit,
                    110,
                )
            })
            // Fictional: a ％加算 row, and an age code outside the 2022 spec.
            .with_procedure(ProcedureFacts {
                score_kind: ScoreKind::PercentAdd,
                ..ProcedureFacts::with_points(
                    "TEST-PCT",
                    "テスト％加算",
                    50,
                    Section::Management,
                    130,
                )
            })
            .with_procedure(ProcedureFacts {
                lower_age: AgeLimit::Other("ZZ".into()),
                ..ProcedureFacts::with_points(
                    "TEST-AGEZZ",
                    "テスト項目（年齢コード不明）",
                    10,
                    Section::Management,
                    130,
                )
            })
            .with_drug(DrugFacts {
                price_kind: DrugPriceKind::Deduction,
                ..drug("TEST-DEDUCT", "テスト減点", "", 0, DosageForm::Other)
            })
            .with_material(MaterialFacts {
                price_kind: MaterialPriceKind::PurchasePrice,
                ..MaterialFacts::new("TEST-PURCHASE", "テスト購入価格材料", "個", Sen(0))
            });
        // 一般名処方加算: fictional rows of each 一般名処方加算対象区分, two of one 一般名コード.
        for (code, name, class, generic_code) in [
            (
                "TEST-G1A",
                "テスト後発品Ａ（加算１のみ）",
                1,
                "9990001F1ZZZ",
            ),
            (
                "TEST-G1B",
                "テスト後発品Ｂ（加算１のみ）",
                1,
                "9990002F1ZZZ",
            ),
            ("TEST-G2A", "テスト先発品Ｃ", 2, "9990003F1ZZZ"),
            ("TEST-G2B", "テスト後発品Ｃ", 2, "9990003F1ZZZ"),
            // The same 一般的名称 as Ｃ in another 規格: the same 品目.
            ("TEST-G2C", "テスト後発品Ｃ（高用量）", 2, "9990003F2ZZZ"),
        ] {
            c.insert_drug(DrugFacts {
                generic_rx: GenericRxClass::from_master(class),
                generic_code: generic_code.into(),
                ..drug(code, name, "錠", 2_000, DosageForm::Internal)
            });
        }
        c.insert_drug(DrugFacts {
            valid_until: Some(date!(2024 - 03 - 31)),
            ..drug(
                "TEST-OLD",
                "テスト経過措置切れ薬",
                "錠",
                1_000,
                DosageForm::Internal,
            )
        });
        c
    }

    fn child(kind: VisitKind, birth: Date, on: Date) -> Visit {
        Visit {
            service_date: on,
            birth_date: birth,
            burden: Burden::Tenths { tenths: 2 },
            ..adult(kind)
        }
    }

    fn generic(code: &str, qty: &str) -> RpDrug {
        RpDrug {
            generic_name: true,
            ..rx_drug(code, qty)
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Further rows.

    fn infant_initial_out_of_hours() -> Visit {
        Visit {
            time: TimeCategory::OutOfHours,
            ..child(VisitKind::Initial, date!(2021 - 01 - 15), JUNE)
        }
    }

    fn insurer(body: [u8; 7]) -> InsurerNumber {
        let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
        InsurerNumber::parse(&format!("{digits}{}", check_digit(&body))).unwrap()
    }

    /// Same child, share derived from the insurance (義務教育就学前 → 2割) via the domain helper.
    fn infant_initial_out_of_hours_derived() -> Visit {
        Visit {
            burden: Burden::Insurance {
                insurer_number: insurer([0, 1, 1, 3, 0, 0, 1]),
                income_category: IncomeCategory::General,
            },
            ..infant_initial_out_of_hours()
        }
    }

    fn day_before_sixth_birthday() -> Visit {
        child(
            VisitKind::Initial,
            date!(2018 - 06 - 15),
            date!(2024 - 06 - 14),
        )
    }

    fn sixth_birthday() -> Visit {
        child(
            VisitKind::Initial,
            date!(2018 - 06 - 15),
            date!(2024 - 06 - 15),
        )
    }

    fn initial_holiday() -> Visit {
        Visit {
            time: TimeCategory::Holiday,
            ..adult(VisitKind::Initial)
        }
    }

    fn revisit_late_night() -> Visit {
        Visit {
            time: TimeCategory::LateNight,
            ..adult(VisitKind::Revisit)
        }
    }

    fn infant_revisit_holiday() -> Visit {
        Visit {
            time: TimeCategory::Holiday,
            ..child(VisitKind::Revisit, date!(2022 - 02 - 02), JUNE)
        }
    }

    fn night_early_clinic() -> Visit {
        Visit {
            time: TimeCategory::NightEarlyMorning,
            ..adult(VisitKind::Revisit)
        }
    }

    fn night_early_hospital() -> Visit {
        let mut v = night_early_clinic();
        v.facility.kind = FacilityKind::Hospital;
        v
    }

    fn infant_night_early_clinic() -> Visit {
        Visit {
            time: TimeCategory::NightEarlyMorning,
            ..child(VisitKind::Initial, date!(2021 - 01 - 15), JUNE)
        }
    }

    fn management_blocked_by_treatment() -> Visit {
        Visit {
            outpatient_management: true,
            treatments: vec![ProcedureOrder {
                code: Some("140000610".into()),
                count: 1,
                drugs: vec![],
                materials: vec![],
            }],
            ..adult(VisitKind::Revisit)
        }
    }

    fn large_hospital_revisit() -> Visit {
        let mut v = adult(VisitKind::Revisit);
        v.outpatient_management = true;
        v.facility.kind = FacilityKind::LargeHospital;
        v
    }

    fn large_hospital(mut v: Visit) -> Visit {
        v.facility.kind = FacilityKind::LargeHospital;
        v
    }

    fn large_hospital_infant_revisit() -> Visit {
        large_hospital(child(VisitKind::Revisit, date!(2021 - 01 - 15), JUNE))
    }

    fn large_hospital_out_of_hours() -> Visit {
        Visit {
            time: TimeCategory::OutOfHours,
            ..large_hospital(adult(VisitKind::Revisit))
        }
    }

    fn large_hospital_infant_late_night() -> Visit {
        Visit {
            time: TimeCategory::LateNight,
            ..large_hospital_infant_revisit()
        }
    }

    fn night_emergency(mut v: Visit) -> Visit {
        v.facility.kind = FacilityKind::Hospital;
        v.facility.standards.night_emergency = true;
        v
    }

    fn night_centre_initial() -> Visit {
        night_emergency(Visit {
            time: TimeCategory::OutOfHours,
            ..adult(VisitKind::Initial)
        })
    }

    fn night_centre_infant_initial() -> Visit {
        night_emergency(infant_initial_out_of_hours())
    }

    fn night_centre_infant_large_hospital() -> Visit {
        let mut v = night_emergency(Visit {
            time: TimeCategory::OutOfHours,
            ..large_hospital_infant_revisit()
        });
        v.facility.kind = FacilityKind::LargeHospital;
        v
    }

    /// 3歳 at a 小児科 clinic, 夜間 within its posted hours.
    fn pediatric_night_initial() -> Visit {
        let mut v = Visit {
            time: TimeCategory::NightEarlyMorning,
            ..infant_initial_out_of_hours()
        };
        v.facility.standards.pediatrics = true;
        v
    }

    fn pediatric_night_revisit() -> Visit {
        Visit {
            kind: VisitKind::Revisit,
            ..pediatric_night_initial()
        }
    }

    fn night_centre_holiday() -> Visit {
        night_emergency(revisit_holiday_adult())
    }

    fn revisit_holiday_adult() -> Visit {
        Visit {
            time: TimeCategory::Holiday,
            ..adult(VisitKind::Revisit)
        }
    }

    fn online(mut v: Visit) -> Visit {
        v.facility.standards.online_qualification = true;
        v
    }

    fn medical_info_initial() -> Visit {
        online(adult(VisitKind::Initial))
    }

    fn medical_info_initial_by_card() -> Visit {
        Visit {
            electronic_qualification: true,
            ..medical_info_initial()
        }
    }

    fn medical_info_revisit() -> Visit {
        online(adult(VisitKind::Revisit))
    }

    fn medical_info_large_hospital_by_card() -> Visit {
        Visit {
            electronic_qualification: true,
            ..large_hospital(medical_info_revisit())
        }
    }

    /// 再診's 加算３ billed on 2024-04-30: within "3月に1回" of June (April, May, June).
    fn medical_info_billed_in_april() -> Visit {
        Visit {
            month_history: history(&[codes::REVISIT_MEDICAL_INFO_3], date!(2024 - 04 - 30)),
            ..medical_info_revisit()
        }
    }

    /// … and on 2024-03-31: three months before June, so June may bill it again.
    fn medical_info_billed_in_march() -> Visit {
        Visit {
            month_history: history(&[codes::REVISIT_MEDICAL_INFO_4], date!(2024 - 03 - 31)),
            ..medical_info_revisit()
        }
    }

    /// A 2-year-old's 院内 prescription: 処方料 42 + 乳幼児加算（処方料） 3 (F100 注4).
    fn toddler_in_house() -> Visit {
        Visit {
            prescription: prescription(
                Dispensing::InHouse,
                vec![internal(28, vec![rx_drug("620007870", "1")])],
            ),
            ..child(VisitKind::Revisit, date!(2022 - 01 - 15), JUNE)
        }
    }

    fn outside_rx(drugs: Vec<RpDrug>) -> Visit {
        Visit {
            prescription: prescription(Dispensing::Outside, vec![internal(14, drugs)]),
            ..adult(VisitKind::Revisit)
        }
    }

    /// Two 加算１-only 後発品, both by 一般名: 加算１.
    fn generic_one_only_both() -> Visit {
        outside_rx(vec![generic("TEST-G1A", "1"), generic("TEST-G1B", "1")])
    }

    /// One 加算１-only 後発品 by 一般名: no 加算２ (it is not a 加算２ item).
    fn generic_one_only_single() -> Visit {
        outside_rx(vec![generic("TEST-G1A", "1"), rx_drug("TEST-D1", "1")])
    }

    /// 先発品 and 後発品 of one 一般名 (one 品目), both by 一般名: 1品目 → 加算２, not 加算１.
    fn generic_same_name_twice() -> Visit {
        outside_rx(vec![generic("TEST-G2A", "1"), generic("TEST-G2B", "1")])
    }

    /// Two 規格 of one 一般的名称, both by 一般名: still 1品目 → 加算２ (留意事項 F400(12)).
    fn generic_two_strengths() -> Visit {
        outside_rx(vec![generic("TEST-G2A", "1"), generic("TEST-G2C", "1")])
    }

    /// A 加算２ item by 一般名 and a 加算１-only item by brand: 加算２.
    fn generic_two_with_one_by_brand() -> Visit {
        outside_rx(vec![generic("TEST-G2A", "1"), rx_drug("TEST-G1A", "1")])
    }

    /// 外来診療料 with tests and 処置, some included by A002 注6 and some not.
    fn large_hospital_with_tests_and_treatments() -> Visit {
        let mut v = large_hospital_revisit();
        v.items = items(&[codes::URINE_GENERAL, "160008010", "160010010", "160095710"]);
        v.treatments = ["140000610", "140000810"]
            .iter()
            .map(|c| ProcedureOrder {
                code: Some(c.to_string()),
                count: 1,
                drugs: Vec::new(),
                materials: Vec::new(),
            })
            .collect();
        v
    }

    fn clinic_with_the_same_tests_and_treatments() -> Visit {
        let mut v = large_hospital_with_tests_and_treatments();
        v.facility.kind = FacilityKind::Clinic;
        v.outpatient_management = false;
        v
    }

    fn seven_internal_drugs(temporary: bool) -> Visit {
        let rps = (1..=7)
            .map(|i| Rp::Internal {
                days: 14,
                temporary,
                drugs: vec![rx_drug(&format!("TEST-D{i}"), "1")],
            })
            .collect();
        Visit {
            prescription: prescription(Dispensing::InHouse, rps),
            ..adult(VisitKind::Revisit)
        }
    }

    fn seven_drugs_reduced() -> Visit {
        seven_internal_drugs(false)
    }

    /// Seven 剤 of half a 100円 tablet: 50円 → 5点 a day each.
    fn seven_half_tablets() -> Visit {
        let rps = (1..=7)
            .map(|i| Rp::Internal {
                days: 14,
                temporary: false,
                drugs: vec![rx_drug(&format!("TEST-D{i}"), "0.5")],
            })
            .collect();
        Visit {
            prescription: prescription(Dispensing::InHouse, rps),
            ..adult(VisitKind::Revisit)
        }
    }

    fn seven_temporary_drugs_not_counted() -> Visit {
        seven_internal_drugs(true)
    }

    fn seven_drugs_outside() -> Visit {
        let mut v = seven_internal_drugs(false);
        if let Some(rx) = v.prescription.as_mut() {
            rx.dispensing = Dispensing::Outside;
        }
        v
    }

    fn as_needed_and_external() -> Visit {
        Visit {
            prescription: prescription(
                Dispensing::InHouse,
                vec![
                    Rp::AsNeeded {
                        times: 5,
                        drugs: vec![rx_drug("TEST-PRN", "1")],
                    },
                    Rp::External {
                        drugs: vec![rx_drug("TEST-EXT", "7")],
                    },
                ],
            ),
            ..adult(VisitKind::Revisit)
        }
    }

    fn generic_name_all() -> Visit {
        Visit {
            prescription: prescription(
                Dispensing::Outside,
                vec![
                    internal(28, vec![generic("620007870", "1")]),
                    internal(
                        7,
                        vec![generic("620099301", "3"), rx_drug("620009465", "3")],
                    ),
                ],
            ),
            ..adult(VisitKind::Revisit)
        }
    }

    fn generic_name_some() -> Visit {
        Visit {
            prescription: prescription(
                Dispensing::Outside,
                vec![
                    internal(28, vec![generic("620007870", "1")]),
                    internal(7, vec![rx_drug("620099301", "3")]),
                ],
            ),
            ..adult(VisitKind::Revisit)
        }
    }

    fn specific_disease_28_days() -> Visit {
        let mut v = c2();
        v.outpatient_management = false;
        if let Some(rx) = v.prescription.as_mut() {
            rx.specific_disease = true;
        }
        v
    }

    fn specific_disease_14_days() -> Visit {
        let mut v = specific_disease_28_days();
        v.prescription.as_mut().unwrap().rps = vec![internal(14, vec![rx_drug("620007870", "1")])];
        v
    }

    fn limit_exceeded() -> Visit {
        Visit {
            items: items(&["113001810"]),
            month_history: vec![HistoryEntry {
                code: "113001810".into(),
                date: date!(2024 - 06 - 01),
                count: 2,
            }],
            ..adult(VisitKind::Revisit)
        }
    }

    fn unknown_code() -> Visit {
        Visit {
            items: items(&["999999999"]),
            ..adult(VisitKind::Revisit)
        }
    }

    fn abolished_code() -> Visit {
        Visit {
            service_date: date!(2024 - 12 - 05),
            items: items(&["TEST-ABOLISHED"]),
            ..adult(VisitKind::Initial)
        }
    }

    fn age_out_of_range() -> Visit {
        Visit {
            items: items(&["TEST-AGE3"]),
            ..child(VisitKind::Revisit, date!(2020 - 01 - 01), JUNE)
        }
    }

    fn injection_with_drug() -> Visit {
        Visit {
            outpatient_management: true,
            injections: vec![ProcedureOrder {
                code: Some("130000510".into()),
                count: 1,
                drugs: vec![DrugUse {
                    code: "TEST-INJ".into(),
                    quantity: Quantity::units(1),
                }],
                materials: vec![],
            }],
            ..adult(VisitKind::Revisit)
        }
    }

    fn treatment_with_cheap_drug_and_material() -> Visit {
        Visit {
            treatments: vec![ProcedureOrder {
                code: Some("140000610".into()),
                count: 1,
                drugs: vec![DrugUse {
                    code: "TEST-OINT".into(),
                    quantity: Quantity::units(5), // 15.00円 → not billed
                }],
                materials: vec![MaterialUse {
                    code: "TEST-M1".into(),
                    quantity: Quantity::units(1), // 1,234円 → 123点
                }],
            }],
            ..adult(VisitKind::Revisit)
        }
    }

    fn registered_revisit() -> Visit {
        let mut v = adult(VisitKind::Revisit);
        v.facility.standards = FacilityStandards {
            detailed_statement: true,
            infection_control: true,
            base_up: true,
            ..FacilityStandards::default()
        };
        v
    }

    fn registered_revisit_infection_already_billed() -> Visit {
        Visit {
            month_history: history(&[codes::INITIAL_INFECTION_CONTROL], date!(2024 - 06 - 01)),
            ..registered_revisit()
        }
    }

    fn registered_initial() -> Visit {
        let mut v = adult(VisitKind::Initial);
        v.facility.standards = FacilityStandards {
            function_enhancement: true,
            infection_control: true,
            medical_dx: 6,
            base_up: true,
            ..FacilityStandards::default()
        };
        v
    }

    fn standard_requested_not_registered() -> Visit {
        Visit {
            items: items(&[codes::FUNCTION_ENHANCEMENT]),
            ..adult(VisitKind::Initial)
        }
    }

    fn c6_with_lab_management() -> Visit {
        let mut v = c6();
        v.facility.standards.lab_management_1 = true;
        v
    }

    /// 再診 + 外来管理加算 + B-V and these 検体検査 (生化学的検査(Ⅰ) and one of urine).
    fn biochemistry(tests: &[&str]) -> Visit {
        let mut codes = vec!["160095710"];
        codes.extend_from_slice(tests);
        Visit {
            outpatient_management: true,
            items: items(&codes),
            ..adult(VisitKind::Revisit)
        }
    }
    const BIO: [&str; 10] = [
        "160022510",
        "160022610",
        "160167250",
        "160017410",
        "160018910",
        "160019010",
        "160019210",
        "160019310",
        "160020410",
        "160020910",
    ];
    fn biochemistry_4() -> Visit {
        biochemistry(&BIO[..4])
    }
    fn biochemistry_5() -> Visit {
        biochemistry(&BIO[..5])
    }
    fn biochemistry_8() -> Visit {
        biochemistry(&BIO[..8])
    }
    fn biochemistry_10() -> Visit {
        biochemistry(&BIO)
    }
    fn biochemistry_4_and_urine() -> Visit {
        biochemistry(&[BIO[0], BIO[1], BIO[2], BIO[3], "160131950"])
    }

    fn urine_only() -> Visit {
        Visit {
            items: items(&[codes::URINE_GENERAL]),
            ..adult(VisitKind::Revisit)
        }
    }

    fn large_hospital_initial_minus() -> Visit {
        let mut v = adult(VisitKind::Initial);
        v.facility.kind = FacilityKind::LargeHospital;
        v.items = items(&["111015370"]);
        v
    }

    /// オンライン診療 (情報通信機器).
    fn telemedicine(mut v: Visit) -> Visit {
        v.telemedicine = true;
        v
    }

    fn telemedicine_initial() -> Visit {
        telemedicine(adult(VisitKind::Initial))
    }

    /// 外来管理加算 asked for: not with 再診料（情報通信機器）.
    fn telemedicine_revisit() -> Visit {
        let mut v = telemedicine(adult(VisitKind::Revisit));
        v.outpatient_management = true;
        v
    }

    fn telemedicine_large_hospital() -> Visit {
        large_hospital(telemedicine(adult(VisitKind::Revisit)))
    }

    /// 特定疾患療養管理料 ordered as for a visit in person: billed as its 情報通信機器 version.
    fn telemedicine_specific_disease() -> Visit {
        let mut v = telemedicine(adult(VisitKind::Revisit));
        v.items = items(&["113001810"]);
        v
    }

    /// …and the 情報通信機器 version ordered for a visit in person: billed as the item itself.
    fn in_person_with_online_code() -> Visit {
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&["113034010"]);
        v
    }

    fn child_with_zero_public() -> Visit {
        Visit {
            public_expense: Some(PublicExpense {
                payer_number: None,
                patient_tenths: 0,
                monthly_cap: None,
                paid_this_month: Yen(0),
                sections: vec![],
            }),
            ..infant_initial_out_of_hours()
        }
    }

    /// Rule edges on top of billing.md's worked cases (`WORKED_CASES`, shared with
    /// `pricing_real_masters.rs`).
    #[rustfmt::skip]
    const CASES: &[Case] = &[
        // 初・再診の加算.
        Case { name: "3歳 初診 時間外 → 291+200", visit: infant_initial_out_of_hours, points: 491, copay_yen: 980 },
        Case { name: "3歳 初診 時間外（負担割合を保険から導出）", visit: infant_initial_out_of_hours_derived, points: 491, copay_yen: 980 },
        Case { name: "6歳の誕生日の前日 → 乳幼児加算", visit: day_before_sixth_birthday, points: 366, copay_yen: 730 },
        Case { name: "6歳の誕生日 → 乳幼児加算なし", visit: sixth_birthday, points: 291, copay_yen: 580 },
        Case { name: "初診 休日", visit: initial_holiday, points: 541, copay_yen: 1_620 },
        Case { name: "再診 深夜", visit: revisit_late_night, points: 495, copay_yen: 1_490 },
        Case { name: "4歳 再診 休日 → 75+260", visit: infant_revisit_holiday, points: 335, copay_yen: 670 },
        Case { name: "夜間・早朝等 診療所", visit: night_early_clinic, points: 125, copay_yen: 380 },
        Case { name: "夜間・早朝等 病院 → 加算なし", visit: night_early_hospital, points: 75, copay_yen: 230 },
        Case { name: "3歳 夜間・早朝等 診療所 → 乳幼児加算と併算定", visit: infant_night_early_clinic, points: 416, copay_yen: 830 },
        Case { name: "外来管理加算は処置で不可", visit: management_blocked_by_treatment, points: 127, copay_yen: 380 },
        Case { name: "外来診療料（200床以上）に外来管理加算なし", visit: large_hospital_revisit, points: 76, copay_yen: 230 },
        // A002 注6: 尿一般, 末梢血液一般 and 創傷処置 100cm²未満 included; HbA1c, B-V, 創傷処置
        // 500cm²以上 and the 血液学的判断料 billed: 76 + 49 + 40 + 125 + 90.
        Case { name: "外来診療料に包括される検査・処置", visit: large_hospital_with_tests_and_treatments, points: 380, copay_yen: 1_140 },
        // The same at a 診療所: 再診 75 + 26 + 21 + 49 + 40 + 125 + 52 + 90.
        Case { name: "診療所では包括しない", visit: clinic_with_the_same_tests_and_treatments, points: 478, copay_yen: 1_430 },
        // A002 注7・注8: 外来診療料's own 注加算 codes, same points as 再診料's.
        Case { name: "外来診療料 3歳 → 76+38", visit: large_hospital_infant_revisit, points: 114, copay_yen: 230 },
        Case { name: "外来診療料 時間外 → 76+65", visit: large_hospital_out_of_hours, points: 141, copay_yen: 420 },
        Case { name: "外来診療料 3歳 深夜 → 76+590", visit: large_hospital_infant_late_night, points: 666, copay_yen: 1_330 },
        // 時間外特例医療機関加算 (A000 注7・A001 注5・A002 注8 ただし書).
        Case { name: "時間外特例 初診 → 291+230", visit: night_centre_initial, points: 521, copay_yen: 1_560 },
        Case { name: "時間外特例 3歳 初診 → 291+345", visit: night_centre_infant_initial, points: 636, copay_yen: 1_270 },
        Case { name: "時間外特例 外来診療料 3歳 → 76+250", visit: night_centre_infant_large_hospital, points: 326, copay_yen: 650 },
        Case { name: "時間外特例の医療機関でも休日は休日加算", visit: night_centre_holiday, points: 265, copay_yen: 800 },
        // A000 注8 / A001 注6: instead of 乳幼児加算 75 (38) + 夜間・早朝等加算 50.
        Case { name: "小児科 3歳 標榜時間内の夜間 初診 → 291+200", visit: pediatric_night_initial, points: 491, copay_yen: 980 },
        Case { name: "小児科 3歳 標榜時間内の夜間 再診 → 75+135", visit: pediatric_night_revisit, points: 210, copay_yen: 420 },
        // 医療情報取得加算 (2024-06-01 – 11-30).
        Case { name: "医療情報取得加算1 初診 → 291+3", visit: medical_info_initial, points: 294, copay_yen: 880 },
        Case { name: "医療情報取得加算2 初診 マイナ保険証 → 291+1", visit: medical_info_initial_by_card, points: 292, copay_yen: 880 },
        Case { name: "医療情報取得加算3 再診 → 75+2", visit: medical_info_revisit, points: 77, copay_yen: 230 },
        Case { name: "医療情報取得加算4 外来診療料 → 76+1", visit: medical_info_large_hospital_by_card, points: 77, copay_yen: 230 },
        Case { name: "医療情報取得加算 再診は3月に1回（4月に算定済み）", visit: medical_info_billed_in_april, points: 75, copay_yen: 230 },
        Case { name: "医療情報取得加算 3月に1回（3月の算定は範囲外）", visit: medical_info_billed_in_march, points: 77, copay_yen: 230 },
        Case { name: "届出: 再診 明細書・感染対策・ベースアップ", visit: registered_revisit, points: 84, copay_yen: 250 },
        Case { name: "届出: 感染対策は月1回", visit: registered_revisit_infection_already_billed, points: 78, copay_yen: 230 },
        Case { name: "届出: 初診 機能強化・DX・感染対策・ベースアップ", visit: registered_initial, points: 391, copay_yen: 1_170 },
        Case { name: "届出なしの加算は算定しない", visit: standard_requested_not_registered, points: 291, copay_yen: 870 },
        // 投薬.
        Case { name: "7種類以上の内服薬 院内 → 処方料29・薬剤料90/100", visit: seven_drugs_reduced, points: 997, copay_yen: 2_990 },
        Case { name: "臨時14日以内は7種類に数えない", visit: seven_temporary_drugs_not_counted, points: 1_108, copay_yen: 3_320 },
        // F200 注3: 75 + 処方料29 + 調剤料11 + (7剤 × 5点 × 14日 = 490) × 90/100 = 441.
        Case { name: "7種類以上の減額は内服薬剤料の合計に", visit: seven_half_tablets, points: 556, copay_yen: 1_670 },
        Case { name: "7種類以上の内服薬 院外 → 処方箋料32", visit: seven_drugs_outside, points: 107, copay_yen: 320 },
        Case { name: "屯服と外用", visit: as_needed_and_external, points: 163, copay_yen: 490 },
        Case { name: "一般名処方加算1", visit: generic_name_all, points: 145, copay_yen: 440 },
        Case { name: "一般名処方加算2", visit: generic_name_some, points: 143, copay_yen: 430 },
        // 75 + 処方箋料 60 (+ 加算).
        Case { name: "一般名処方加算1 加算1のみの後発品2品目", visit: generic_one_only_both, points: 145, copay_yen: 440 },
        Case { name: "加算1のみの後発品1品目 → 加算2なし", visit: generic_one_only_single, points: 135, copay_yen: 410 },
        Case { name: "同じ一般名の2剤は1品目 → 加算2", visit: generic_same_name_twice, points: 143, copay_yen: 430 },
        Case { name: "同じ一般的名称の2規格は1品目 → 加算2", visit: generic_two_strengths, points: 143, copay_yen: 430 },
        Case { name: "加算2対象を一般名、加算1のみを銘柄 → 加算2", visit: generic_two_with_one_by_brand, points: 143, copay_yen: 430 },
        // 75 + 乳幼児加算 38 + 処方料 42 + 乳幼児加算（処方料）3 + 調剤料 11 + 1点 × 28.
        Case { name: "2歳 院内処方 → 処方料の乳幼児加算", visit: toddler_in_house, points: 197, copay_yen: 390 },
        Case { name: "特定疾患処方管理加算 28日", visit: specific_disease_28_days, points: 191, copay_yen: 570 },
        Case { name: "特定疾患処方管理加算 14日 → 算定なし", visit: specific_disease_14_days, points: 135, copay_yen: 410 },
        // 注射・処置.
        Case { name: "皮下注 + 注射薬150円 + 外来管理加算", visit: injection_with_drug, points: 167, copay_yen: 500 },
        Case { name: "処置 薬剤15円以下は算定せず、材料は÷10", visit: treatment_with_cheap_drug_and_material, points: 250, copay_yen: 750 },
        // 検査.
        Case { name: "C6 + 検体検査管理加算(Ⅰ)", visit: c6_with_lab_management, points: 598, copay_yen: 1_790 },
        Case { name: "尿一般のみ（判断料なし）", visit: urine_only, points: 101, copay_yen: 300 },
        // D007 注 まるめ: 75 + 52 + B-V 40 + 生化学(Ⅰ)判断料 144 + the tests.
        Case { name: "生化学(Ⅰ) 4項目 各項目の点数", visit: biochemistry_4, points: 374, copay_yen: 1_120 },
        Case { name: "生化学(Ⅰ) 5項目 → 93点", visit: biochemistry_5, points: 404, copay_yen: 1_210 },
        Case { name: "生化学(Ⅰ) 8項目 → 99点", visit: biochemistry_8, points: 410, copay_yen: 1_230 },
        Case { name: "生化学(Ⅰ) 10項目 → 103点", visit: biochemistry_10, points: 414, copay_yen: 1_240 },
        Case { name: "生化学(Ⅰ) 血液4項目 + 尿1項目 → 包括しない", visit: biochemistry_4_and_urine, points: 385, copay_yen: 1_160 },
        // Warnings that keep or omit.
        Case { name: "上限回数超過（警告のみ）", visit: limit_exceeded, points: 300, copay_yen: 900 },
        Case { name: "不明コード（警告して除外）", visit: unknown_code, points: 75, copay_yen: 230 },
        Case { name: "廃止コード（警告して除外）", visit: abolished_code, points: 291, copay_yen: 870 },
        Case { name: "年齢範囲外（警告して除外）", visit: age_out_of_range, points: 113, copay_yen: 230 },
        // 公費.
        Case { name: "子ども医療費 0割", visit: child_with_zero_public, points: 491, copay_yen: 0 },
        // 点数識別 8: 点数（マイナス）.
        Case { name: "200床以上の病院の初診 200点減算", visit: large_hospital_initial_minus, points: 91, copay_yen: 270 },
        // オンライン診療 (A000 注1・A001 注1・A002 注1 ただし書, B000 注5; 令和6年度改定).
        Case { name: "初診（情報通信機器）253", visit: telemedicine_initial, points: 253, copay_yen: 760 },
        Case { name: "再診（情報通信機器）75、外来管理加算なし", visit: telemedicine_revisit, points: 75, copay_yen: 230 },
        Case { name: "外来診療料（情報通信機器）75", visit: telemedicine_large_hospital, points: 75, copay_yen: 230 },
        Case { name: "特定疾患療養管理料 → 情報通信機器 196", visit: telemedicine_specific_disease, points: 75 + 196, copay_yen: 810 },
        Case { name: "対面で情報通信機器の管理料 → 225", visit: in_person_with_online_code, points: 75 + 225, copay_yen: 900 },
    ];

    #[test]
    fn worked_cases_and_rule_edges_price_as_expected() {
        let catalog = catalog();
        let mut failures = price_table(WORKED_CASES, &catalog);
        failures.extend(price_table(CASES, &catalog));
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    // ---------------------------------------------------------------------------------------------
    // What the lines, warnings and notes say.

    fn price(v: &Visit) -> PricedVisit {
        price_visit(v, &catalog()).expect("priced")
    }

    #[test]
    fn what_the_outpatient_clinic_fee_includes_is_shown_at_zero_with_the_reason() {
        let p = price(&large_hospital_with_tests_and_treatments());
        let points = |code: &str| {
            p.lines
                .iter()
                .find(|l| l.code == code)
                .map(|l| (l.points.0, l.reason.contains("外来診療料に包括")))
        };
        assert_eq!(points(codes::URINE_GENERAL), Some((0, true)));
        assert_eq!(points("160008010"), Some((0, true)));
        assert_eq!(points("140000610"), Some((0, true)));
        assert_eq!(points("160010010"), Some((49, false)));
        assert_eq!(points("140000810"), Some((90, false)));
        assert_eq!(points("160095710"), Some((40, false)));
        assert!(p
            .notes
            .iter()
            .any(|n| n.rule == "outpatient_clinic_fee_inclusion"));
        assert!(!p
            .warnings
            .iter()
            .any(|w| w.message.contains("外来診療料に包括される検査・処置の判定")));
        let urine = p
            .lines
            .iter()
            .find(|l| l.code == codes::URINE_GENERAL)
            .unwrap();
        assert_eq!(statement_marker(urine), Some("（外来診療料に包括）"));
        // 検体検査の通則加算 (区分 000 like 尿一般) stays billable: 外来迅速検体検査加算 10点.
        let mut rapid = large_hospital_with_tests_and_treatments();
        rapid.items.push(ItemOrder::new("160177770"));
        let priced = price(&rapid);
        assert_eq!(
            priced.total_points.0,
            p.total_points.0 + 10,
            "{:?}",
            priced.lines
        );
    }

    #[test]
    fn an_injection_for_an_infant_adds_its_age_addition_from_the_master() {
        let iv = |birth: Date| Visit {
            injections: vec![ProcedureOrder {
                code: Some("130003510".into()),
                count: 1,
                drugs: Vec::new(),
                materials: Vec::new(),
            }],
            ..child(VisitKind::Revisit, birth, JUNE)
        };
        // 3 years old: 静脈内注射 37 + 乳幼児加算（静脈内注射） 52.
        let p = price(&iv(date!(2021 - 01 - 15)));
        let add = p
            .lines
            .iter()
            .find(|l| l.code == "130003670")
            .expect("乳幼児加算");
        assert_eq!((add.points.0, add.count), (52, 1));
        assert!(
            add.reason.contains("静脈内注射の年齢加算"),
            "{}",
            add.reason
        );
        // 6 years old on the day: none.
        let p = price(&iv(date!(2018 - 06 - 10)));
        assert!(!codes_of(&p).contains(&"130003670"));
        // Ordered by the clerk as well: added once, with a note.
        let mut both = iv(date!(2021 - 01 - 15));
        both.items = items(&["130003670"]);
        let p = price(&both);
        assert_eq!(
            codes_of(&p).iter().filter(|c| **c == "130003670").count(),
            1
        );
        assert!(p.notes.iter().any(|n| n.rule == "age_addition_ordered"));
    }

    #[test]
    fn a_biochemistry_bundle_shows_each_test_and_the_bundled_points_once() {
        let p = price(&biochemistry_5());
        let tests: Vec<&PricedLine> = p
            .lines
            .iter()
            .filter(|l| BIO[..5].contains(&l.code.as_str()))
            .collect();
        assert_eq!(tests.len(), 5, "every test stays on the statement");
        let points: Vec<i64> = tests.iter().map(|l| l.points.0).collect();
        assert_eq!(points, [0, 0, 0, 0, 93]);
        assert!(
            tests[4].reason.contains("5項目の包括点数 93点"),
            "{}",
            tests[4].reason
        );
        assert!(tests.iter().all(|l| l.source.starts_with("D007 注")));
        assert!(tests.iter().all(|l| statement_marker(l).is_some()));
        // The same test twice: bundled as one draw, and the clerk is warned.
        let mut twice = biochemistry_5();
        twice.items.push(ItemOrder::new(BIO[0]));
        let priced = price(&twice);
        assert_eq!(priced.total_points, p.total_points);
        assert!(priced
            .warnings
            .iter()
            .any(|w| w.message.contains("同じ項目が複数")));
        assert!(p.notes.iter().any(|n| n.rule == "biochemistry_bundle"));
        // No "not implemented" warning for 生化学(Ⅰ) any more.
        assert!(!p
            .warnings
            .iter()
            .any(|w| w.message.contains("包括対象検査（区分1）")));
        // The same tests in another order: the same total.
        let mut reversed = biochemistry_10();
        reversed.items.reverse();
        assert_eq!(
            price(&reversed).total_points,
            price(&biochemistry_10()).total_points
        );
    }

    #[test]
    fn a_large_hospital_bills_the_outpatient_clinic_fees_own_add_on_codes() {
        let p = price(&large_hospital_infant_revisit());
        assert_eq!(codes_of(&p), [codes::OUTPATIENT_CLINIC_FEE, "112006270"]);
        let p = price(&large_hospital_infant_late_night());
        assert_eq!(codes_of(&p), [codes::OUTPATIENT_CLINIC_FEE, "112015370"]);
        let p = price(&night_centre_infant_large_hospital());
        assert_eq!(codes_of(&p), [codes::OUTPATIENT_CLINIC_FEE, "112015470"]);
        // 再診料 keeps its own.
        let p = price(&infant_revisit_holiday());
        assert_eq!(codes_of(&p), [codes::REVISIT, "112014870"]);
        let p = price(&night_centre_initial());
        assert_eq!(codes_of(&p), [codes::INITIAL, "111000870"]);
        assert!(p.lines[1].source.contains("時間外特例"), "{:?}", p.lines[1]);
        // At such a facility 夜間・早朝等 is the night too: the 特例, not 夜間・早朝等加算.
        let mut v = night_centre_initial();
        v.time = TimeCategory::NightEarlyMorning;
        assert_eq!(codes_of(&price(&v)), [codes::INITIAL, "111000870"]);
    }

    #[test]
    fn medical_information_addition_follows_the_card_and_the_three_month_rule() {
        let p = price(&medical_info_initial_by_card());
        assert_eq!(codes_of(&p), [codes::INITIAL, "111703270"]);
        let p = price(&medical_info_billed_in_april());
        assert_eq!(codes_of(&p), [codes::REVISIT]);
        assert!(
            p.notes
                .iter()
                .any(|n| n.rule == "medical_info_already_billed"),
            "{:?}",
            p.notes
        );
        let p = price(&medical_info_billed_in_march());
        assert_eq!(codes_of(&p), [codes::REVISIT, "112708870"]);
        // From 2024-12-01 one 1点 加算 whether or not by マイナ保険証; none before 2024-06-01.
        let mut v = medical_info_initial();
        v.service_date = date!(2024 - 12 - 02);
        assert_eq!(codes_of(&price(&v)), [codes::INITIAL, "111703270"]);
        v.service_date = date!(2024 - 05 - 31);
        let p = price(&v);
        assert_eq!(codes_of(&p), [codes::INITIAL]);
        assert!(p.notes.iter().any(|n| n.rule == "medical_info_not_yet"));
        // Ordered by hand without the 施設基準: refused with the reason.
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&["112708870"]);
        let p = price(&v);
        assert!(has_warning(&p, WarningCode::StandardNotRegistered, true));
        assert_eq!(p.total_points, Points(75));
    }

    #[test]
    fn generic_name_addition_counts_items_by_generic_name_and_master_class() {
        let p = price(&generic_one_only_single());
        assert!(!codes_of(&p).contains(&codes::GENERIC_NAME_2));
        assert!(p
            .notes
            .iter()
            .any(|n| n.rule == "generic_name_addition_two_not_eligible"));
        let p = price(&generic_same_name_twice());
        let line = p
            .lines
            .iter()
            .find(|l| l.code == codes::GENERIC_NAME_2)
            .expect("加算2");
        assert!(line.reason.contains("1品目のうち1品目"), "{}", line.reason);
    }

    #[test]
    fn medical_dx_settings_saved_as_a_flag_still_read() {
        let old: FacilityStandards =
            serde_json::from_str(r#"{"medical_dx": true, "base_up": true}"#).unwrap();
        assert_eq!((old.medical_dx, old.base_up), (6, true));
        let off: FacilityStandards = serde_json::from_str(r#"{"medical_dx": false}"#).unwrap();
        assert_eq!(off.medical_dx, 0);
        let tier: FacilityStandards = serde_json::from_str(r#"{"medical_dx": 2}"#).unwrap();
        assert_eq!(tier.medical_dx, 2);
        assert!(serde_json::from_str::<FacilityStandards>(r#"{"medical_dx": 7}"#).is_err());
        assert_eq!(codes::medical_dx_code(date!(2024 - 05 - 31), 1), None);
        assert_eq!(
            codes::medical_dx_code(date!(2024 - 06 - 01), 1),
            Some("111703370")
        );
        assert_eq!(
            codes::medical_dx_code(date!(2024 - 10 - 01), 4),
            Some("111703470")
        );
        assert_eq!(
            codes::medical_dx_code(date!(2025 - 04 - 01), 1),
            Some("111703670")
        );
    }

    /// C6's 採血 and tests, a 皮下注 with its drug, 特定疾患療養管理料, 薬剤情報提供料 and an
    /// 院内 prescription, with 生活習慣病管理料 `code`.
    fn lifestyle_visit(code: &str) -> Visit {
        let mut v = injection_with_drug();
        v.outpatient_management = false;
        let mut codes: Vec<&str> = C6_ITEMS.to_vec();
        codes.extend(["113001810", "120002370", code]);
        v.items = items(&codes);
        v.prescription = prescription(
            Dispensing::InHouse,
            vec![internal(28, vec![rx_drug("620007870", "1")])],
        );
        v
    }

    fn points_of(p: &PricedVisit, section: Section) -> i64 {
        p.lines
            .iter()
            .filter(|l| l.section == section)
            .map(|l| l.points.0)
            .sum()
    }

    #[test]
    fn lifestyle_management_one_includes_management_tests_and_injections() {
        let p = price(&lifestyle_visit("113041810"));
        // Every 検査, 注射 and 医学管理 line but the 管理料 itself at 0点, each still shown.
        assert_eq!(points_of(&p, Section::Tests), 0);
        assert_eq!(points_of(&p, Section::Injection), 0);
        assert_eq!(points_of(&p, Section::Management), 660);
        assert!(p.lines.iter().any(|l| l.code == "160095710"
            && l.points == Points(0)
            && l.reason.contains("生活習慣病管理料（Ⅰ）に包括")));
        assert_eq!(
            statement_marker(p.lines.iter().find(|l| l.code == "113001810").unwrap()),
            Some("（生活習慣病管理料（Ⅰ）に包括）")
        );
        // 投薬 is not included: 処方料 42 + 調剤料 11 + 薬剤 1点 × 28.
        assert_eq!(points_of(&p, Section::Medication), 42 + 11 + 28);
        assert_eq!(p.total_points, Points(75 + 660 + 42 + 11 + 28));
        assert!(p
            .notes
            .iter()
            .any(|n| n.rule == "lifestyle_management_inclusion"));

        // Billed earlier in the month: today's tests are included too.
        let mut v = c6();
        v.outpatient_management = false;
        v.month_history = history(&["113041810"], date!(2024 - 06 - 03));
        let p = price(&v);
        assert_eq!(p.total_points, Points(75));
        // Tests billed earlier in the month, 管理料 today: told to correct that bill.
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&["113041810"]);
        v.month_history = history(&["160095710"], date!(2024 - 06 - 03));
        let p = price(&v);
        assert!(p.warnings.iter().any(|w| w.code == WarningCode::Excluded
            && w.message.contains("Ｂ－Ｖ")
            && w.message.contains("訂正")));
    }

    #[test]
    fn lifestyle_management_two_includes_management_only_with_its_exceptions() {
        let p = price(&lifestyle_visit("113707110"));
        // 検査 and 注射 stay billable; 特定疾患療養管理料 is included, 薬剤情報提供料 is not.
        let c6_tests = price(&c6())
            .lines
            .iter()
            .filter(|l| l.section == Section::Tests)
            .map(|l| l.points.0)
            .sum::<i64>();
        assert_eq!(points_of(&p, Section::Tests), c6_tests);
        assert!(points_of(&p, Section::Injection) > 0);
        assert_eq!(points_of(&p, Section::Management), 333 + 4);
        let b000 = p.lines.iter().find(|l| l.code == "113001810").unwrap();
        assert_eq!(b000.points, Points(0));
        assert!(b000.reason.contains("生活習慣病管理料（Ⅱ）に包括"));
        // (Ⅱ) within 6 months of (Ⅰ): warned (B001-3-3 注5) — January is the 6th month
        // counting June, December 2023 the 7th.
        let within = |billed: Date| {
            let mut v = lifestyle_visit("113707110");
            v.month_history = history(&["113041810"], billed);
            price(&v)
                .warnings
                .iter()
                .any(|w| w.code == WarningCode::Excluded && w.message.contains("6月以内"))
        };
        assert!(within(date!(2024 - 04 - 10)));
        assert!(within(date!(2024 - 01 - 01)));
        assert!(!within(date!(2023 - 12 - 31)));
        // 外来管理加算 on a later visit of a month with 生活習慣病管理料: refused.
        let mut v = adult(VisitKind::Revisit);
        v.outpatient_management = true;
        v.month_history = history(&["113707110"], date!(2024 - 06 - 03));
        let p = price(&v);
        assert_eq!(p.total_points, Points(75));
        assert!(has_warning(
            &p,
            WarningCode::OutpatientManagementBlocked,
            true
        ));
    }

    fn codes_of(p: &PricedVisit) -> Vec<&str> {
        p.lines.iter().map(|l| l.code.as_str()).collect()
    }

    #[test]
    fn an_online_visit_bills_the_codes_of_information_devices() {
        let codes =
            |v: Visit| -> Vec<String> { price(&v).lines.iter().map(|l| l.code.clone()).collect() };
        assert_eq!(codes(telemedicine_initial()), ["111014210"]);
        assert_eq!(codes(telemedicine_large_hospital()), ["112024710"]);
        let p = price(&telemedicine_revisit());
        assert_eq!(
            p.lines.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
            ["112024210"]
        );
        assert!(has_warning(
            &p,
            WarningCode::OutpatientManagementBlocked,
            true
        ));
        let p = price(&telemedicine_specific_disease());
        assert!(p.lines.iter().any(|l| l.code == "113034010"));
        assert!(
            p.notes.iter().any(|n| n.rule == "telemedicine_variant"),
            "{:?}",
            p.notes
        );
        assert!(codes(in_person_with_online_code()).contains(&"113001810".to_string()));
        // Same points as 再診料, another code: the claim carries the right one.
        assert_eq!(
            price(&telemedicine_revisit()).total_points,
            price(&adult(VisitKind::Revisit)).total_points
        );
    }

    fn has_warning(p: &PricedVisit, code: WarningCode, omitted: bool) -> bool {
        p.warnings
            .iter()
            .any(|w| w.code == code && w.omitted == omitted)
    }

    #[test]
    fn c3_lines_show_each_fee_and_the_drug_arithmetic() {
        let p = price(&c3_with_pharmacist());
        assert_eq!(
            codes_of(&p),
            [
                codes::REVISIT,
                codes::OUTPATIENT_MANAGEMENT,
                codes::PRESCRIBING,
                codes::DISPENSING_INTERNAL,
                codes::DISPENSING_BASIC,
                "620007870",
                "620099301",
            ]
        );
        let rp2 = &p.lines[6];
        assert_eq!((rp2.unit_points.0, rp2.count, rp2.points.0), (6, 7, 42));
        assert!(rp2.reason.contains("59.7円"), "{}", rp2.reason);
        assert_eq!(rp2.contents.len(), 2);
        assert_eq!(rp2.section, Section::Medication);
        assert_eq!(
            p.sections,
            vec![
                SectionTotal {
                    section: Section::InitialRevisit,
                    points: Points(127)
                },
                SectionTotal {
                    section: Section::Medication,
                    points: Points(137)
                },
            ]
        );
        assert_eq!(p.medical_fee, Yen(2_640));
        assert_eq!(
            (p.share.insurance_copay, p.share.insurer, p.share.public),
            (Yen(790), Yen(1_850), Yen(0))
        );
        // Without a pharmacist the note says why 調基 is missing.
        let p = price(&c3_without_pharmacist());
        assert!(p
            .notes
            .iter()
            .any(|n| n.rule == "dispensing_basic_no_pharmacist"));
    }

    #[test]
    fn second_visit_explains_the_missing_judgment_fees() {
        let p = price(&c6_second_visit());
        let skipped: Vec<_> = p
            .notes
            .iter()
            .filter(|n| n.rule == "judgment_fee_already_billed")
            .map(|n| n.item.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(skipped, ["160061810", "160061910"]);
        // HbA1c (上限回数 2) was done once before: this is the 2nd, no warning.
        assert!(!has_warning(&p, WarningCode::LimitExceeded, false));
        // History of another month does not count.
        let mut v = c6();
        v.month_history = history(&["160061810", "160061910"], date!(2024 - 05 - 31));
        assert_eq!(price(&v).total_points, Points(558));
    }

    #[test]
    fn infant_time_addition_replaces_the_infant_addition() {
        let p = price(&infant_initial_out_of_hours());
        assert_eq!(
            codes_of(&p),
            [codes::INITIAL, codes::INITIAL_INFANT_OUT_OF_HOURS]
        );
        assert!(p.lines[1].reason.contains("乳幼児加算に代えて"));
        assert_eq!(p.age, 3);
        let p = price(&infant_initial_out_of_hours_derived());
        assert_eq!(p.share.burden_tenths, 2);
        assert_eq!(p.share.burden_rule, Some(BurdenRule::Preschool));
    }

    #[test]
    fn refused_add_ons_are_warned_not_dropped_silently() {
        let p = price(&management_blocked_by_treatment());
        assert!(has_warning(
            &p,
            WarningCode::OutpatientManagementBlocked,
            true
        ));
        assert!(!codes_of(&p).contains(&codes::OUTPATIENT_MANAGEMENT));
        let p = price(&large_hospital_revisit());
        assert_eq!(codes_of(&p), [codes::OUTPATIENT_CLINIC_FEE]);
        assert!(has_warning(
            &p,
            WarningCode::OutpatientManagementBlocked,
            true
        ));
        let mut v = c2();
        v.kind = VisitKind::Initial;
        assert!(has_warning(
            &price(&v),
            WarningCode::OutpatientManagementBlocked,
            true
        ));
        let p = price(&night_early_hospital());
        assert!(has_warning(&p, WarningCode::FacilityMismatch, true));
        let p = price(&standard_requested_not_registered());
        assert!(has_warning(&p, WarningCode::StandardNotRegistered, true));
        // Registered and also listed by hand: billed once, with a note.
        let mut v = registered_initial();
        v.items = items(&[codes::FUNCTION_ENHANCEMENT]);
        let p = price(&v);
        assert_eq!(p.total_points, Points(391));
        assert!(p.notes.iter().any(|n| n.rule == "added_by_standard"));
        // 外来管理加算 listed as an item is a request.
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&[codes::OUTPATIENT_MANAGEMENT]);
        assert_eq!(price(&v).total_points, Points(127));
        // A basic fee listed by hand is not billed twice.
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&[codes::REVISIT]);
        let p = price(&v);
        assert_eq!(p.total_points, Points(75));
        assert!(has_warning(&p, WarningCode::ManagedByEngine, true));
    }

    #[test]
    fn limits_unknown_abolished_and_age_are_reported() {
        let p = price(&limit_exceeded());
        let w = p
            .warnings
            .iter()
            .find(|w| w.code == WarningCode::LimitExceeded)
            .expect("limit warning");
        assert!(!w.omitted);
        assert!(w.message.contains("3回目"), "{}", w.message);
        assert!(has_warning(
            &price(&unknown_code()),
            WarningCode::UnknownCode,
            true
        ));
        let p = price(&abolished_code());
        let w = p
            .warnings
            .iter()
            .find(|w| w.code == WarningCode::NotInForce)
            .unwrap();
        assert!(w.message.contains("2024-11-30で廃止"), "{}", w.message);
        // Still in force in November.
        let mut v = abolished_code();
        v.service_date = date!(2024 - 11 - 30);
        assert_eq!(price(&v).total_points, Points(294));
        assert!(has_warning(
            &price(&age_out_of_range()),
            WarningCode::AgeOutOfRange,
            true
        ));
        let mut v = age_out_of_range();
        v.birth_date = date!(2022 - 01 - 01);
        assert_eq!(price(&v).total_points, Points(75 + 38 + 10));
    }

    #[test]
    fn exclusions_are_warned() {
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&["113041810"]);
        v.month_history = history(&["113001810"], date!(2024 - 06 - 03));
        let p = price(&v);
        assert!(has_warning(&p, WarningCode::Excluded, false));
        assert_eq!(p.total_points, Points(735));
        let mut v = adult(VisitKind::Initial);
        v.items = items(&["113001810"]);
        assert!(has_warning(&price(&v), WarningCode::Excluded, false));
        // 生活習慣病管理料 includes 外来管理加算.
        let mut v = adult(VisitKind::Revisit);
        v.outpatient_management = true;
        v.items = items(&["113707110"]);
        let p = price(&v);
        assert_eq!(p.total_points, Points(75 + 333));
        assert!(has_warning(
            &p,
            WarningCode::OutpatientManagementBlocked,
            true
        ));
    }

    #[test]
    fn seven_drug_reduction_is_explained_per_rp() {
        let p = price(&seven_drugs_reduced());
        let drug_lines: Vec<_> = p
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Drug)
            .collect();
        // Each 剤 at its own points, then one reduction over all 内服薬 (F200 注3, 留意事項 (6)イ).
        assert_eq!(drug_lines.len(), 8);
        for l in &drug_lines[..7] {
            assert_eq!((l.unit_points.0, l.count), (10, 14));
        }
        let reduction = drug_lines[7];
        assert_eq!((reduction.points.0, reduction.count), (-98, 1));
        assert!(
            reduction.reason.contains("合計980点 × 90/100 = 882点"),
            "{}",
            reduction.reason
        );
        assert!(codes_of(&p).contains(&codes::PRESCRIBING_SEVEN));
        // The 所定点数 is the sum, not each 剤: seven 剤 of 5点 × 14日 = 490 → 441, where 90/100 of
        // each 剤's 5点 would round back to 5 and reduce nothing.
        let half = price(&seven_half_tablets());
        let total: i64 = half
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Drug)
            .map(|l| l.points.0)
            .sum();
        assert_eq!(total, 441);
    }

    #[test]
    fn score_kinds_price_kinds_and_unreadable_age_codes() {
        // 点数（マイナス）: a negative line in the 部 of the row.
        let p = price(&large_hospital_initial_minus());
        let minus = p.lines.iter().find(|l| l.code == "111015370").unwrap();
        assert_eq!((minus.unit_points.0, minus.points.0), (-200, -200));
        assert_eq!(p.sections[0].points, Points(91));
        // A 減算 larger than the rest of the visit is refused.
        let mut v = large_hospital_initial_minus();
        v.kind = VisitKind::Revisit;
        assert_eq!(
            price_visit(&v, &catalog()),
            Err(BillingError::NegativeTotal { points: 76 - 200 })
        );
        // ％加算 is not computed: reported and left out.
        let mut v = adult(VisitKind::Revisit);
        v.items = items(&["TEST-PCT"]);
        let p = price(&v);
        assert_eq!(p.total_points, Points(75));
        let w = p
            .warnings
            .iter()
            .find(|w| w.code == WarningCode::NotImplemented)
            .unwrap();
        assert!(w.omitted && w.message.contains("％加算"), "{}", w.message);
        // An age code the engine cannot read: priced, with a warning to check.
        v.items = items(&["TEST-AGEZZ"]);
        let p = price(&v);
        assert_eq!(p.total_points, Points(85));
        assert!(has_warning(&p, WarningCode::AgeOutOfRange, false));
        // Drugs and materials not priced in 円.
        let mut v = c1();
        v.prescription.as_mut().unwrap().rps[0] = internal(28, vec![rx_drug("TEST-DEDUCT", "1")]);
        assert_eq!(
            price_visit(&v, &catalog()),
            Err(BillingError::PriceKindNotSupported {
                code: "TEST-DEDUCT".into()
            })
        );
        let mut v = treatment_with_cheap_drug_and_material();
        v.treatments[0].materials[0].code = "TEST-PURCHASE".into();
        assert_eq!(
            price_visit(&v, &catalog()),
            Err(BillingError::PriceKindNotSupported {
                code: "TEST-PURCHASE".into()
            })
        );
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        let cat = catalog();
        let mut v = c3_with_pharmacist();
        v.prescription.as_mut().unwrap().rps[0] = internal(28, vec![rx_drug("000000000", "1")]);
        assert_eq!(
            price_visit(&v, &cat),
            Err(BillingError::UnknownDrug {
                code: "000000000".into()
            })
        );
        v.prescription.as_mut().unwrap().rps[0] = internal(0, vec![rx_drug("620007870", "1")]);
        assert_eq!(price_visit(&v, &cat), Err(BillingError::ZeroDays { rp: 1 }));
        v.prescription.as_mut().unwrap().rps[0] = internal(28, vec![]);
        assert_eq!(price_visit(&v, &cat), Err(BillingError::EmptyRp { rp: 1 }));
        v.prescription.as_mut().unwrap().rps[0] = internal(28, vec![rx_drug("620007870", "0")]);
        assert!(matches!(
            price_visit(&v, &cat),
            Err(BillingError::InvalidQuantity { .. })
        ));
        v.prescription.as_mut().unwrap().rps[0] = internal(28, vec![rx_drug("TEST-OLD", "1")]);
        assert!(matches!(
            price_visit(&v, &cat),
            Err(BillingError::DrugNotInForce { .. })
        ));
        let mut v = c1();
        v.burden = Burden::Tenths { tenths: 4 };
        assert_eq!(
            price_visit(&v, &cat),
            Err(BillingError::InvalidBurden { tenths: 4 })
        );
        let mut v = c1();
        v.birth_date = date!(2025 - 01 - 01);
        assert_eq!(price_visit(&v, &cat), Err(BillingError::BirthAfterService));
        let mut v = c6();
        v.items[0].count = 0;
        assert!(matches!(
            price_visit(&v, &cat),
            Err(BillingError::ZeroCount { .. })
        ));
        // A catalog without the rows the rules need says which one.
        let empty = MemoryCatalog::new();
        assert_eq!(
            price_visit(&c1(), &empty),
            Err(BillingError::MissingMaster {
                code: codes::INITIAL.into()
            })
        );
        assert!(!BillingError::ZeroDays { rp: 1 }.to_string().is_empty());
    }

    #[test]
    fn works_through_a_trait_object() {
        let cat = catalog();
        let dynamic: &dyn Catalog = &cat;
        assert_eq!(
            price_visit(&c1(), dynamic).unwrap().total_points,
            Points(351)
        );
    }

    #[test]
    fn visits_and_results_round_trip_as_json() {
        let json = r#"{
        "service_date": "2024-06-10",
        "birth_date": "1980-04-01",
        "burden": {"kind": "tenths", "tenths": 3},
        "kind": "revisit",
        "facility": {"kind": "clinic", "standards": {"pharmacist_full_time": true}},
        "outpatient_management": true,
        "prescription": {
            "dispensing": "in_house",
            "rps": [
                {"kind": "internal", "days": 28, "drugs": [{"code": "620007870", "quantity": "1"}]},
                {"kind": "internal", "days": 7, "drugs": [
                    {"code": "620099301", "quantity": 3},
                    {"code": "620009465", "quantity": 3.0}
                ]}
            ]
        }
    }"#;
        let v: Visit = serde_json::from_str(json).unwrap();
        assert_eq!(v, c3_with_pharmacist());
        let again: Visit = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(again, v);
        let priced = price(&v);
        let text = serde_json::to_string(&priced).unwrap();
        assert!(text.contains("\"service_date\":\"2024-06-10\""));
        let back: PricedVisit = serde_json::from_str(&text).unwrap();
        assert_eq!(back, priced);
        // A derived burden on the wire.
        let json = format!(
            r#"{{"kind":"insurance","insurer_number":"{}"}}"#,
            insurer([0, 1, 1, 3, 0, 0, 1])
        );
        let b: Burden = serde_json::from_str(&json).unwrap();
        assert!(matches!(b, Burden::Insurance { .. }));
    }

    // ---------------------------------------------------------------------------------------------
    // Properties.

    /// The item codes orders draw from: C6's 採血 and 検体検査 ([`C6_ITEMS`]), then these.
    const OTHER_ITEM_CODES: &[&str] = &[
        "160000310",
        "113001810",
        "113041810",
        "120002370",
        "999999999",
        "TEST-ABOLISHED",
        "111703170",
        "160061810",
        codes::REVISIT,
        codes::FUNCTION_ENHANCEMENT,
        codes::OUTPATIENT_MANAGEMENT,
    ];
    fn item_codes() -> Vec<&'static str> {
        C6_ITEMS.iter().chain(OTHER_ITEM_CODES).copied().collect()
    }
    const DRUG_CODES: &[&str] = &[
        "620007870",
        "620099301",
        "620009465",
        "TEST-D1",
        "TEST-D2",
        "TEST-D3",
        "TEST-D4",
        "TEST-D5",
        "TEST-D6",
        "TEST-D7",
        "TEST-PRN",
    ];
    const HISTORY_CODES: &[&str] = &[
        "160061810",
        "160061910",
        codes::DISPENSING_BASIC,
        codes::INITIAL_INFECTION_CONTROL,
        "113001810",
        "160010010",
        codes::LAB_MANAGEMENT_1,
    ];

    fn arb_rp() -> impl Strategy<Value = Rp> {
        let drugs = prop::collection::vec(
            (prop::sample::select(DRUG_CODES), 1..=4000i64, any::<bool>()).prop_map(|(c, q, g)| {
                RpDrug {
                    generic_name: g,
                    ..RpDrug::new(c, Quantity::from_thousandths(q))
                }
            }),
            1..4,
        );
        prop_oneof![
            (1..=90u32, any::<bool>(), drugs.clone()).prop_map(|(days, temporary, drugs)| {
                Rp::Internal {
                    days,
                    temporary,
                    drugs,
                }
            }),
            (1..=10u32, drugs.clone()).prop_map(|(times, drugs)| Rp::AsNeeded { times, drugs }),
            drugs.prop_map(|drugs| Rp::External { drugs }),
        ]
    }

    fn arb_visit() -> impl Strategy<Value = Visit> {
        let kind = prop_oneof![Just(VisitKind::Initial), Just(VisitKind::Revisit)];
        let time = prop_oneof![
            Just(TimeCategory::Regular),
            Just(TimeCategory::OutOfHours),
            Just(TimeCategory::Holiday),
            Just(TimeCategory::LateNight),
            Just(TimeCategory::NightEarlyMorning),
        ];
        let facility = prop_oneof![
            Just(FacilityKind::Clinic),
            Just(FacilityKind::Hospital),
            Just(FacilityKind::LargeHospital),
        ];
        let standards =
            (prop::array::uniform9(any::<bool>()), 0..=6u8).prop_map(|(b, dx)| FacilityStandards {
                detailed_statement: b[0],
                function_enhancement: b[1],
                infection_control: b[2],
                medical_dx: dx,
                lab_management_1: b[3],
                base_up: b[4],
                pharmacist_full_time: b[5],
                online_qualification: b[6],
                night_emergency: b[7],
                pediatrics: b[8],
            });
        let items = prop::collection::vec(
            (prop::sample::select(item_codes()), 1..=3u32).prop_map(|(c, n)| ItemOrder {
                code: c.to_string(),
                count: n,
            }),
            0..8,
        );
        let rx = prop::option::of(
            (
                prop_oneof![Just(Dispensing::InHouse), Just(Dispensing::Outside)],
                prop::collection::vec(arb_rp(), 1..9),
                any::<bool>(),
            )
                .prop_map(|(dispensing, rps, specific_disease)| Prescription {
                    dispensing,
                    rps,
                    specific_disease,
                }),
        );
        let history = prop::collection::vec(
            (prop::sample::select(HISTORY_CODES), 1..=28u8).prop_map(|(c, d)| HistoryEntry {
                code: c.to_string(),
                date: Date::from_calendar_date(2024, time::Month::June, d).unwrap(),
                count: 1,
            }),
            0..5,
        );
        let public = prop::option::of(
            (0..=3u8, prop::option::of(0..=1_000i64), 0..=1_000i64).prop_map(|(t, cap, paid)| {
                PublicExpense {
                    payer_number: None,
                    patient_tenths: t,
                    monthly_cap: cap.map(|c| Yen(c * 10)),
                    paid_this_month: Yen(paid * 10),
                    sections: vec![],
                }
            }),
        );
        let treatment = prop::option::of((1..=2000i64, 0..=3i64).prop_map(|(oint, mat)| {
            ProcedureOrder {
                code: Some("140000610".into()),
                count: 1,
                drugs: vec![DrugUse {
                    code: "TEST-OINT".into(),
                    quantity: Quantity::from_thousandths(oint * 10),
                }],
                materials: (0..mat)
                    .map(|_| MaterialUse {
                        code: "TEST-M1".into(),
                        quantity: Quantity::units(1),
                    })
                    .collect(),
            }
        }));
        (
            (
                kind,
                time,
                facility,
                standards,
                any::<bool>(),
                1..=3u8,
                0..=320i64,
            ),
            (items, rx, history, public, treatment),
        )
            .prop_map(
                |(
                    (kind, time, fk, standards, mgmt, tenths, age_quarters),
                    (items, rx, history, public, treatment),
                )| {
                    Visit {
                        service_date: JUNE,
                        birth_date: JUNE - time::Duration::days(age_quarters * 91),
                        burden: Burden::Tenths { tenths },
                        public_expense: public,
                        additional_public_expenses: vec![],
                        kind,
                        time,
                        facility: Facility {
                            kind: fk,
                            standards,
                        },
                        electronic_qualification: false,
                        telemedicine: false,
                        outpatient_management: mgmt,
                        items,
                        prescription: rx,
                        injections: vec![],
                        treatments: treatment.into_iter().collect(),
                        month_history: history,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn totals_and_shares_are_consistent(v in arb_visit()) {
            let p = price_visit(&v, &catalog()).expect("priced");
            let sum: i64 = p.lines.iter().map(|l| l.points.0).sum();
            prop_assert_eq!(p.total_points.0, sum);
            let by_section: i64 = p.sections.iter().map(|s| s.points.0).sum();
            prop_assert_eq!(by_section, sum);
            for l in &p.lines {
                // The only negative line a generated visit can have: the 7種類以上 reduction.
                let reduction = l.source.starts_with("F200 注3");
                prop_assert!(reduction || (l.points.0 >= 0 && l.unit_points.0 >= 0), "{:?}", l);
                prop_assert_eq!(l.points.0, l.unit_points.0 * i64::from(l.count));
            }
            prop_assert!(p.total_points.0 >= 0);
            prop_assert_eq!(p.medical_fee.0, p.total_points.0 * 10);
            let s = p.share;
            prop_assert!(s.patient.0 >= 0 && s.public.0 >= 0 && s.insurer.0 >= 0);
            prop_assert!(s.patient.0 <= p.medical_fee.0);
            prop_assert_eq!(s.patient.0 % 10, 0);
            prop_assert_eq!(s.patient.0 + s.public.0 + s.insurer.0, p.medical_fee.0);
        }

        #[test]
        fn order_of_items_rps_and_history_does_not_matter(
            (v, items, rps, history) in arb_visit().prop_flat_map(|v| {
                let rps = v.prescription.as_ref().map(|r| r.rps.clone()).unwrap_or_default();
                (
                    Just(v.clone()),
                    Just(v.items.clone()).prop_shuffle(),
                    Just(rps).prop_shuffle(),
                    Just(v.month_history.clone()).prop_shuffle(),
                )
            })
        ) {
            let cat = catalog();
            let a = price_visit(&v, &cat).expect("priced");
            let mut w = v.clone();
            w.items = items;
            w.month_history = history;
            if let Some(rx) = w.prescription.as_mut() {
                rx.rps = rps;
            }
            let b = price_visit(&w, &cat).expect("priced");
            prop_assert_eq!(a.total_points, b.total_points);
            prop_assert_eq!(a.share, b.share);
            prop_assert_eq!(a.sections, b.sections);
            let key = |w: &Warning| (w.code, w.item.clone(), w.omitted);
            let mut wa: Vec<_> = a.warnings.iter().map(key).collect();
            let mut wb: Vec<_> = b.warnings.iter().map(key).collect();
            wa.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
            wb.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
            prop_assert_eq!(wa, wb);
        }

        #[test]
        fn copay_rounding_is_to_the_nearest_ten_with_five_up(yen in 0i64..10_000_000) {
            let r = round_copay(yen).0;
            prop_assert_eq!(r % 10, 0);
            prop_assert!((r - yen).abs() <= 5);
            prop_assert_eq!(r, (yen + 5) / 10 * 10);
        }

        #[test]
        fn drug_points_match_the_published_steps(sen in 0i64..10_000_000) {
            let p = drug_points(Sen(sen)).0;
            if sen <= 1_500 {
                prop_assert_eq!(p, 1);
            } else {
                // 1点 + one per started 10円 above 15円.
                prop_assert!(sen <= 1_500 + (p - 1) * 1_000 && sen > 1_500 + (p - 2) * 1_000);
            }
        }
    }
}
