//! A small catalog of real 2024-06 rows (the codes the rules add, and the tests, 採血 and drugs of
//! billing.md's worked cases), for tests here and in other crates. Facts as published in the
//! 医科診療行為マスター s_ALL20240531 and 医薬品マスター y_ALL20240531 (billing.md §1,
//! key_items_s_ALL20240531_utf8.tsv, receipts.md §3.3). Not a master: a handful of rows.
//! `tests/pricing_real_masters.rs` checks every row against the real files (the facts the engine
//! reads; 注加算コード and dates are left neutral here).

use super::catalog::{
    DrugFacts, FacilityRestriction, GenericRxClass, MemoryCatalog, OutpatientManagementClass,
    ProcedureFacts, TestRole,
};
use super::codes::*;
use super::money::Sen;
use super::section::Section;
use crate::masters::{AgeLimit, DosageForm, InOutScope};

fn row(code: &str, name: &str, points: i64, section: Section, aggregation: u16) -> ProcedureFacts {
    ProcedureFacts::with_points(code, name, points, section, aggregation)
}

/// 初・再診料 row with its 時間加算区分 and, for infant add-ons, 上限年齢 06.
fn basic(
    code: &str,
    name: &str,
    points: i64,
    aggregation: u16,
    time: u8,
    infant: bool,
) -> ProcedureFacts {
    ProcedureFacts {
        time_addition: time,
        upper_age: if infant {
            AgeLimit::Years(6)
        } else {
            AgeLimit::Unrestricted
        },
        ..row(code, name, points, Section::InitialRevisit, aggregation)
    }
}

/// `f` at 区分番号 `section`, 枝番 `branch`, 項番 `item` of its 部 (項番92-94 of its master row).
fn at(f: ProcedureFacts, section: u16, branch: u8, item: u16) -> ProcedureFacts {
    ProcedureFacts {
        notice: crate::billing::catalog::Notice::new(section, branch, item),
        ..f
    }
}

fn limited(mut f: ProcedureFacts, max: u16) -> ProcedureFacts {
    f.max_count = max;
    f
}

fn outpatient_only(mut f: ProcedureFacts) -> ProcedureFacts {
    f.care_setting = InOutScope::OutpatientOnly;
    f
}

/// 年齢加算 (項番100-102) of 処方料・処方箋料: under 3, `code` (乳幼児加算 3点).
fn under_three(f: ProcedureFacts, code: &str) -> ProcedureFacts {
    ProcedureFacts {
        age_additions: vec![crate::masters::AgeAddition {
            lower: AgeLimit::Unrestricted,
            upper: AgeLimit::Years(3),
            code: code.into(),
        }],
        ..f
    }
}

/// 病院・診療所区分 (項番19) 1 (病院のみ) and 入院外 only: 外来診療料's 注加算.
fn hospital_outpatient(mut f: ProcedureFacts) -> ProcedureFacts {
    f.facility = FacilityRestriction::HospitalOnly;
    outpatient_only(f)
}

/// 病院・診療所区分 (項番19) 2: 診療所のみ.
fn clinic_only(mut f: ProcedureFacts) -> ProcedureFacts {
    f.facility = FacilityRestriction::ClinicOnly;
    f
}

/// 外来管理加算区分 (項番56) 1: 外来管理加算を算定できない.
fn blocks_management(mut f: ProcedureFacts) -> ProcedureFacts {
    f.outpatient_management = OutpatientManagementClass::Blocks;
    f
}

/// 検体検査実施料: 判断グループ (項番51) and 包括対象検査 (項番16; 1 = 血液化学, the 生化学的検査(I)
/// まるめ group).
fn test(code: &str, name: &str, points: i64, group: u8, max: u16, bundled: u8) -> ProcedureFacts {
    ProcedureFacts {
        test_role: TestRole::Performance,
        inclusive_test: bundled,
        test_group: group,
        max_count: max,
        ..row(code, name, points, Section::Tests, 600)
    }
}

fn judgment(code: &str, name: &str, points: i64, group: u8) -> ProcedureFacts {
    ProcedureFacts {
        test_role: TestRole::Judgment,
        test_group: group,
        max_count: 1,
        ..row(code, name, points, Section::Tests, 600)
    }
}

impl MemoryCatalog {
    /// The rows the rules need plus those of billing.md's worked cases C1–C6, as in force on
    /// 2024-06-01.
    pub fn outpatient_2024_06() -> MemoryCatalog {
        use Section::*;
        let procedures = vec![
            // A000 初診料 (集計先 110).
            basic(INITIAL, "初診料", 291, 110, 1, false),
            basic(INITIAL_INFANT, "乳幼児加算（初診）", 75, 110, 0, true),
            basic(
                INITIAL_OUT_OF_HOURS,
                "時間外加算（初診）",
                85,
                110,
                1,
                false,
            ),
            basic(INITIAL_HOLIDAY, "休日加算（初診）", 250, 110, 3, false),
            basic(INITIAL_LATE_NIGHT, "深夜加算（初診）", 480, 110, 4, false),
            basic(
                INITIAL_INFANT_OUT_OF_HOURS,
                "乳幼児時間外加算（初診）",
                200,
                110,
                1,
                true,
            ),
            basic(
                INITIAL_INFANT_HOLIDAY,
                "乳幼児休日加算（初診）",
                365,
                110,
                3,
                true,
            ),
            basic(
                INITIAL_INFANT_LATE_NIGHT,
                "乳幼児深夜加算（初診）",
                695,
                110,
                4,
                true,
            ),
            clinic_only(basic(
                INITIAL_NIGHT_EARLY,
                "夜間・早朝等加算（初診）",
                50,
                110,
                6,
                false,
            )),
            basic(
                FUNCTION_ENHANCEMENT,
                "機能強化加算（初診）",
                80,
                110,
                0,
                false,
            ),
            clinic_only(limited(
                basic(
                    INITIAL_INFECTION_CONTROL,
                    "外来感染対策向上加算（初診）",
                    6,
                    110,
                    0,
                    false,
                ),
                1,
            )),
            limited(
                basic(
                    INITIAL_MEDICAL_DX,
                    "医療ＤＸ推進体制整備加算（初診）",
                    8,
                    110,
                    0,
                    false,
                ),
                1,
            ),
            // A001 再診料 (集計先 120; 外来管理加算 122; 時間外・休日・深夜 123/124/125 —
            // receipts.md §3.2; the infant time codes and 夜間・早朝等 likewise, per the master).
            outpatient_only(basic(REVISIT, "再診料", 75, 120, 1, false)),
            // 情報通信機器を用いた初診・再診 (A000 注1・A001 注1・A002 注1 ただし書); the 再診 and
            // 外来診療料 ones 外来管理加算区分 1.
            basic(
                INITIAL_TELEMEDICINE,
                "初診料（情報通信機器）",
                253,
                110,
                1,
                false,
            ),
            outpatient_only(blocks_management(basic(
                REVISIT_TELEMEDICINE,
                "再診料（情報通信機器）",
                75,
                120,
                1,
                false,
            ))),
            outpatient_only(ProcedureFacts {
                facility: FacilityRestriction::HospitalOnly,
                outpatient_management: OutpatientManagementClass::Blocks,
                ..basic(
                    CLINIC_FEE_TELEMEDICINE,
                    "外来診療料（情報通信機器）",
                    75,
                    120,
                    1,
                    false,
                )
            }),
            outpatient_only(basic(
                REVISIT_INFANT,
                "乳幼児加算（再診）",
                38,
                120,
                0,
                true,
            )),
            outpatient_only(basic(
                REVISIT_OUT_OF_HOURS,
                "時間外加算（再診）（入院外）",
                65,
                123,
                1,
                false,
            )),
            outpatient_only(basic(
                REVISIT_HOLIDAY,
                "休日加算（再診）（入院外）",
                190,
                124,
                2,
                false,
            )),
            outpatient_only(basic(
                REVISIT_LATE_NIGHT,
                "深夜加算（再診）（入院外）",
                420,
                125,
                4,
                false,
            )),
            outpatient_only(basic(
                REVISIT_INFANT_OUT_OF_HOURS,
                "乳幼児時間外加算（再診）（入院外）",
                135,
                123,
                1,
                true,
            )),
            outpatient_only(basic(
                REVISIT_INFANT_HOLIDAY,
                "乳幼児休日加算（再診）（入院外）",
                260,
                124,
                2,
                true,
            )),
            outpatient_only(basic(
                REVISIT_INFANT_LATE_NIGHT,
                "乳幼児深夜加算（再診）（入院外）",
                590,
                125,
                4,
                true,
            )),
            clinic_only(outpatient_only(basic(
                REVISIT_NIGHT_EARLY,
                "夜間・早朝等加算（再診）",
                50,
                123,
                6,
                false,
            ))),
            outpatient_only(ProcedureFacts {
                outpatient_management: OutpatientManagementClass::IsTheAddition,
                ..row(
                    OUTPATIENT_MANAGEMENT,
                    "外来管理加算",
                    52,
                    InitialRevisit,
                    122,
                )
            }),
            clinic_only(outpatient_only(basic(
                DETAILED_STATEMENT,
                "明細書発行体制等加算",
                1,
                120,
                0,
                false,
            ))),
            clinic_only(outpatient_only(limited(
                basic(
                    REVISIT_INFECTION_CONTROL,
                    "外来感染対策向上加算（再診）",
                    6,
                    120,
                    0,
                    false,
                ),
                1,
            ))),
            // A002 外来診療料 (病院のみ; 外来管理加算区分 1 in the master).
            outpatient_only(ProcedureFacts {
                facility: FacilityRestriction::HospitalOnly,
                outpatient_management: OutpatientManagementClass::Blocks,
                ..basic(OUTPATIENT_CLINIC_FEE, "外来診療料", 76, 120, 1, false)
            }),
            // Its own 注加算 (A002 注7・注8; 病院のみ, 入院外; the time ones 外来管理加算区分 1).
            hospital_outpatient(basic(
                CLINIC_FEE_INFANT,
                "乳幼児加算（外来診療料）",
                38,
                120,
                0,
                true,
            )),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_OUT_OF_HOURS,
                "時間外加算（外来診療料）（入院外）",
                65,
                123,
                1,
                false,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_HOLIDAY,
                "休日加算（外来診療料）（入院外）",
                190,
                124,
                2,
                false,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_LATE_NIGHT,
                "深夜加算（外来診療料）（入院外）",
                420,
                125,
                4,
                false,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_INFANT_OUT_OF_HOURS,
                "乳幼児時間外加算（外来診療料）（入院外）",
                135,
                123,
                1,
                true,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_INFANT_HOLIDAY,
                "乳幼児休日加算（外来診療料）（入院外）",
                260,
                124,
                2,
                true,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_INFANT_LATE_NIGHT,
                "乳幼児深夜加算（外来診療料）（入院外）",
                590,
                125,
                4,
                true,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_SPECIAL_NIGHT,
                "時間外特例医療機関加算（外来診療料）（入院外）",
                180,
                123,
                5,
                false,
            ))),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_INFANT_SPECIAL_NIGHT,
                "乳幼児時間外特例医療機関加算（外来診療料）（入院外）",
                250,
                123,
                5,
                true,
            ))),
            // 乳幼児夜間加算（小児科） (A000 注8, A001 注6, A002 注9; 時間加算区分 7).
            basic(
                INITIAL_PEDIATRIC_NIGHT,
                "乳幼児夜間加算（小児科初診）",
                200,
                110,
                7,
                true,
            ),
            outpatient_only(basic(
                REVISIT_PEDIATRIC_NIGHT,
                "乳幼児夜間加算（小児科再診）（入院外）",
                135,
                123,
                7,
                true,
            )),
            blocks_management(hospital_outpatient(basic(
                CLINIC_FEE_PEDIATRIC_NIGHT,
                "乳幼児夜間加算（小児科・外来診療料）（入院外）",
                135,
                123,
                7,
                true,
            ))),
            // 時間外特例医療機関加算 of 初診・再診 (時間加算区分 5).
            basic(
                INITIAL_SPECIAL_NIGHT,
                "時間外特例医療機関加算（初診）",
                230,
                110,
                5,
                false,
            ),
            basic(
                INITIAL_INFANT_SPECIAL_NIGHT,
                "乳幼児時間外特例医療機関加算（初診）",
                345,
                110,
                5,
                true,
            ),
            outpatient_only(basic(
                REVISIT_SPECIAL_NIGHT,
                "時間外特例医療機関加算（再診）（入院外）",
                180,
                123,
                5,
                false,
            )),
            outpatient_only(basic(
                REVISIT_INFANT_SPECIAL_NIGHT,
                "乳幼児時間外特例医療機関加算（再診）（入院外）",
                250,
                123,
                5,
                true,
            )),
            // 医療情報取得加算 (上限回数 1), as in force 2024-06-01 – 2024-11-30.
            limited(
                basic(
                    INITIAL_MEDICAL_INFO_1,
                    "医療情報取得加算１（初診）",
                    3,
                    110,
                    0,
                    false,
                ),
                1,
            ),
            limited(
                basic(
                    INITIAL_MEDICAL_INFO_2,
                    "医療情報取得加算２（初診）",
                    1,
                    110,
                    0,
                    false,
                ),
                1,
            ),
            outpatient_only(limited(
                basic(
                    REVISIT_MEDICAL_INFO_3,
                    "医療情報取得加算３（再診）",
                    2,
                    120,
                    0,
                    false,
                ),
                1,
            )),
            outpatient_only(limited(
                basic(
                    REVISIT_MEDICAL_INFO_4,
                    "医療情報取得加算４（再診）",
                    1,
                    120,
                    0,
                    false,
                ),
                1,
            )),
            hospital_outpatient(limited(
                basic(
                    CLINIC_FEE_MEDICAL_INFO_3,
                    "医療情報取得加算３（外来診療料）",
                    2,
                    120,
                    0,
                    false,
                ),
                1,
            )),
            hospital_outpatient(limited(
                basic(
                    CLINIC_FEE_MEDICAL_INFO_4,
                    "医療情報取得加算４（外来診療料）",
                    1,
                    120,
                    0,
                    false,
                ),
                1,
            )),
            // O100 (第14部 その他, 集計先 800).
            row(
                BASE_UP_INITIAL,
                "外来・在宅ベースアップ評価料（１）１（初診時）",
                6,
                Other,
                800,
            ),
            outpatient_only(row(
                BASE_UP_REVISIT,
                "外来・在宅ベースアップ評価料（１）２（再診時等）",
                2,
                Other,
                800,
            )),
            // B 医学管理等. 生活習慣病管理料 has 外来管理加算区分 1 (it includes 外来管理加算).
            // 区分番号 as the master gives them (B000; B001-3 family (1, 3, _); B011-3), which
            // the 生活習慣病管理料 inclusions read.
            at(
                clinic_only(outpatient_only(limited(
                    row(
                        "113001810",
                        "特定疾患療養管理料（診療所）",
                        225,
                        Management,
                        130,
                    ),
                    2,
                ))),
                0,
                0,
                1,
            ),
            at(
                clinic_only(outpatient_only(limited(
                    row(
                        "113034010",
                        "特定疾患療養管理料（診療所・情報通信機器）",
                        196,
                        Management,
                        130,
                    ),
                    2,
                ))),
                0,
                0,
                4,
            ),
            at(
                blocks_management(outpatient_only(limited(
                    row(
                        "113041810",
                        "生活習慣病管理料１（高血圧症を主病）",
                        660,
                        Management,
                        130,
                    ),
                    1,
                ))),
                1,
                3,
                1,
            ),
            at(
                blocks_management(outpatient_only(limited(
                    row("113707110", "生活習慣病管理料２", 333, Management, 130),
                    1,
                ))),
                1,
                3,
                6,
            ),
            at(
                outpatient_only(row("120002370", "薬剤情報提供料", 4, Management, 130)),
                11,
                3,
                1,
            ),
            // F 投薬.
            outpatient_only(row(
                DISPENSING_INTERNAL,
                "調剤料（内服薬・浸煎薬・屯服薬）",
                11,
                Medication,
                210,
            )),
            outpatient_only(row(
                DISPENSING_EXTERNAL,
                "調剤料（外用薬）",
                8,
                Medication,
                230,
            )),
            under_three(
                outpatient_only(row(PRESCRIBING, "処方料（その他）", 42, Medication, 250)),
                "120002170",
            ),
            under_three(
                outpatient_only(row(
                    PRESCRIBING_SEVEN,
                    "処方料（７種類以上内服薬）",
                    29,
                    Medication,
                    250,
                )),
                "120002170",
            ),
            outpatient_only(ProcedureFacts {
                upper_age: AgeLimit::Years(3),
                ..row("120002170", "乳幼児加算（処方料）", 3, Medication, 250)
            }),
            outpatient_only(ProcedureFacts {
                upper_age: AgeLimit::Years(3),
                ..row("120002470", "乳幼児加算（処方箋料）", 3, Medication, 800)
            }),
            outpatient_only(row(
                NARCOTIC_DISPENSING,
                "麻薬等加算（調剤料）（入院外）",
                1,
                Medication,
                260,
            )),
            outpatient_only(row(
                NARCOTIC_PRESCRIBING,
                "麻薬等加算（処方料）",
                1,
                Medication,
                260,
            )),
            outpatient_only(limited(
                row(DISPENSING_BASIC, "調基（その他）", 14, Medication, 270),
                1,
            )),
            under_three(
                outpatient_only(row(
                    RX_SLIP,
                    "処方箋料（リフィル以外・その他）",
                    60,
                    Medication,
                    800,
                )),
                "120002470",
            ),
            under_three(
                outpatient_only(row(
                    RX_SLIP_SEVEN,
                    "処方箋料（リフィル以外・７種類以上内服薬）",
                    32,
                    Medication,
                    800,
                )),
                "120002470",
            ),
            outpatient_only(row(
                GENERIC_NAME_1,
                "一般名処方加算１（処方箋料）",
                10,
                Medication,
                800,
            )),
            outpatient_only(row(
                GENERIC_NAME_2,
                "一般名処方加算２（処方箋料）",
                8,
                Medication,
                800,
            )),
            outpatient_only(limited(
                row(
                    SPECIFIC_DISEASE_RX,
                    "特定疾患処方管理加算（処方料）",
                    56,
                    Medication,
                    250,
                ),
                1,
            )),
            outpatient_only(limited(
                row(
                    SPECIFIC_DISEASE_SLIP,
                    "特定疾患処方管理加算（処方箋料）",
                    56,
                    Medication,
                    800,
                ),
                1,
            )),
            // D 検査 (集計先 600).
            at(row(URINE_GENERAL, "尿一般", 26, Tests, 600), 0, 0, 0),
            // A 第3部 通則 加算 in 区分 000 like 尿一般 (A002 注6 ただし書: billable).
            at(
                row("160177770", "外来迅速検体検査加算", 10, Tests, 600),
                0,
                0,
                0,
            ),
            at(test("160008010", "末梢血液一般検査", 21, 2, 0, 0), 5, 0, 5),
            at(test("160010010", "ＨｂＡ１ｃ", 49, 2, 2, 0), 5, 0, 9),
            test("160022510", "ＡＳＴ", 17, 3, 0, 1),
            test("160022610", "ＡＬＴ", 17, 3, 0, 1),
            test("160167250", "ＬＤＬ－コレステロール", 18, 3, 0, 1),
            // More 生化学的検査(Ⅰ) (包括対象検査 1) for the まるめ rule, and one of urine.
            test("160017410", "ＴＰ", 11, 3, 0, 1),
            test("160018910", "Ａｌｂ（ＢＣＰ改良法・ＢＣＧ法）", 11, 3, 0, 1),
            test("160019010", "ＢＵＮ", 11, 3, 0, 1),
            test("160019210", "クレアチニン", 11, 3, 0, 1),
            test("160019310", "ＵＡ", 11, 3, 0, 1),
            test("160020410", "γ－ＧＴ", 11, 3, 0, 1),
            test("160020910", "ＴＧ", 11, 3, 0, 1),
            test("160023410", "ＨＤＬ－コレステロール", 17, 3, 0, 1),
            test("160021110", "ナトリウム及びクロール", 11, 3, 0, 1),
            test("160131950", "ＢＵＮ（尿）", 11, 3, 0, 1),
            outpatient_only(row("160095710", "Ｂ－Ｖ", 40, Tests, 600)),
            judgment("160061710", "尿・糞便等検査判断料", 34, 1),
            judgment("160061810", "血液学的検査判断料", 125, 2),
            judgment("160061910", "生化学的検査（１）判断料", 144, 3),
            judgment("160062010", "生化学的検査（２）判断料", 144, 4),
            judgment("160062110", "免疫学的検査判断料", 144, 5),
            judgment("160062210", "微生物学的検査判断料", 150, 6),
            limited(
                row(LAB_MANAGEMENT_1, "検体検査管理加算（１）", 40, Tests, 600),
                1,
            ),
            // G 注射 / J 処置 (receipts.md §3.3).
            outpatient_only(row(
                "130000510",
                "皮内、皮下及び筋肉内注射",
                25,
                Injection,
                311,
            )),
            // 年齢加算 (項番100-111): under 6, 乳幼児加算（静脈内注射） 52点.
            ProcedureFacts {
                age_additions: vec![crate::masters::AgeAddition {
                    lower: AgeLimit::Unrestricted,
                    upper: AgeLimit::Years(6),
                    code: "130003670".into(),
                }],
                ..outpatient_only(row("130003510", "静脈内注射", 37, Injection, 321))
            },
            ProcedureFacts {
                upper_age: AgeLimit::Years(6),
                ..outpatient_only(row(
                    "130003670",
                    "乳幼児加算（静脈内注射）",
                    52,
                    Injection,
                    321,
                ))
            },
            // 外来管理加算区分 1: 処置 may not be billed with 外来管理加算 (billing.md §2 rule 6).
            at(
                blocks_management(row(
                    "140000610",
                    "創傷処置（１００ｃｍ２未満）",
                    52,
                    Treatment,
                    400,
                )),
                0,
                0,
                1,
            ),
            // 創傷処置 of 500cm² or more: not included in 外来診療料 (A002 注6 names 1 and 2 only).
            at(
                blocks_management(row(
                    "140000810",
                    "創傷処置（５００ｃｍ２以上３０００ｃｍ２未満）",
                    90,
                    Treatment,
                    400,
                )),
                0,
                0,
                3,
            ),
        ];
        let drugs = vec![
            // y_ALL20240531 (billing.md C3): 薬価, 剤形 1 内用, 一般名処方加算対象区分.
            DrugFacts {
                generic_rx: GenericRxClass::AdditionOneAndTwo,
                generic_code: "2171022F2ZZZ".into(),
                ..DrugFacts::new(
                    "620007870",
                    "アムロジピン錠５ｍｇ「サワイ」",
                    "錠",
                    Sen(1_010),
                    DosageForm::Internal,
                )
            },
            DrugFacts {
                generic_rx: GenericRxClass::AdditionOneAndTwo,
                generic_code: "1149019F1ZZZ".into(),
                ..DrugFacts::new(
                    "620099301",
                    "ロキソプロフェンＮａ錠６０ｍｇ「サワイ」",
                    "錠",
                    Sen(980),
                    DosageForm::Internal,
                )
            },
            DrugFacts::new(
                "620009465",
                "レバミピド錠１００ｍｇ「サワイ」",
                "錠",
                Sen(1_010),
                DosageForm::Internal,
            ),
        ];
        let mut c = MemoryCatalog::new();
        for f in procedures {
            c.insert_procedure(f);
        }
        for d in drugs {
            c.insert_drug(d);
        }
        c
    }
}
