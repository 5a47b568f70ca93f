//! 診療行為コード the rules add by themselves. Points and names always come from the catalog;
//! only the codes are fixed here. Source for every code: 医科診療行為マスター s_ALL20240531
//! (令和6年度改定, 2024-06-01) — billing.md §1, key_items_s_ALL20240531_utf8.tsv.

// A000 初診料 and its 注加算.
pub const INITIAL: &str = "111000110"; // 初診料 291
pub const INITIAL_INFANT: &str = "111000370"; // 乳幼児加算（初診）75
pub const INITIAL_OUT_OF_HOURS: &str = "111000570"; // 時間外加算（初診）85
pub const INITIAL_HOLIDAY: &str = "111000670"; // 休日加算（初診）250
pub const INITIAL_LATE_NIGHT: &str = "111000770"; // 深夜加算（初診）480
pub const INITIAL_INFANT_OUT_OF_HOURS: &str = "111011970"; // 乳幼児時間外加算（初診）200
pub const INITIAL_INFANT_HOLIDAY: &str = "111012070"; // 乳幼児休日加算（初診）365
pub const INITIAL_INFANT_LATE_NIGHT: &str = "111012170"; // 乳幼児深夜加算（初診）695
pub const INITIAL_NIGHT_EARLY: &str = "111012470"; // 夜間・早朝等加算（初診）50
pub const FUNCTION_ENHANCEMENT: &str = "111013770"; // 機能強化加算（初診）80
pub const INITIAL_INFECTION_CONTROL: &str = "111014870"; // 外来感染対策向上加算（初診）6
pub const INITIAL_SPECIAL_NIGHT: &str = "111000870"; // 時間外特例医療機関加算（初診）230
pub const INITIAL_PEDIATRIC_NIGHT: &str = "111011570"; // 乳幼児夜間加算（小児科初診）200
pub const INITIAL_INFANT_SPECIAL_NIGHT: &str = "111012270"; // 乳幼児時間外特例医療機関加算（初診）345
/// 医療ＤＸ推進体制整備加算（初診）: 8点 from 2024-06-01; 加算３ (8) from 2024-10-01; 加算６ (8)
/// from 2025-04-01 (s_20240906.csv, s_20250307.csv) — see `MEDICAL_DX_TIERS`.
pub const INITIAL_MEDICAL_DX: &str = "111703370";
pub const INITIAL_MEDICAL_INFO_1: &str = "111703170"; // 医療情報取得加算１（初診）3, to 2024-11-30
pub const INITIAL_MEDICAL_INFO_2: &str = "111703270"; // 医療情報取得加算２（初診）1; from 2024-12-01 医療情報取得加算（初診）1

// A001 再診料 and its 注加算.
pub const REVISIT: &str = "112007410"; // 再診料 75
pub const REVISIT_INFANT: &str = "112000970"; // 乳幼児加算（再診）38
pub const REVISIT_OUT_OF_HOURS: &str = "112001110"; // 時間外加算（再診）65
pub const REVISIT_HOLIDAY: &str = "112001210"; // 休日加算（再診）190
pub const REVISIT_LATE_NIGHT: &str = "112001310"; // 深夜加算（再診）420
pub const REVISIT_INFANT_OUT_OF_HOURS: &str = "112014770"; // 乳幼児時間外加算（再診）135
pub const REVISIT_INFANT_HOLIDAY: &str = "112014870"; // 乳幼児休日加算（再診）260
pub const REVISIT_INFANT_LATE_NIGHT: &str = "112014970"; // 乳幼児深夜加算（再診）590
pub const REVISIT_NIGHT_EARLY: &str = "112015570"; // 夜間・早朝等加算（再診）50
pub const OUTPATIENT_MANAGEMENT: &str = "112011010"; // 外来管理加算 52
pub const DETAILED_STATEMENT: &str = "112015770"; // 明細書発行体制等加算 1
pub const REVISIT_INFECTION_CONTROL: &str = "112024370"; // 外来感染対策向上加算（再診）6
pub const REVISIT_SPECIAL_NIGHT: &str = "112001410"; // 時間外特例医療機関加算（再診）180
pub const REVISIT_PEDIATRIC_NIGHT: &str = "112014170"; // 乳幼児夜間加算（小児科再診）（入院外）135
pub const REVISIT_INFANT_SPECIAL_NIGHT: &str = "112015070"; // 乳幼児時間外特例医療機関加算（再診）250
pub const REVISIT_MEDICAL_INFO_3: &str = "112708870"; // 医療情報取得加算３（再診）2, to 2024-11-30
pub const REVISIT_MEDICAL_INFO_4: &str = "112708970"; // 医療情報取得加算４（再診）1; from 2024-12-01 医療情報取得加算（再診）1

// 情報通信機器を用いた初診・再診 (A000 注1, A001 注1, A002 注1 ただし書; s_ALL20240531).
pub const INITIAL_TELEMEDICINE: &str = "111014210"; // 初診料（情報通信機器）253
pub const REVISIT_TELEMEDICINE: &str = "112024210"; // 再診料（情報通信機器）75
pub const CLINIC_FEE_TELEMEDICINE: &str = "112024710"; // 外来診療料（情報通信機器）75

/// Items with a 情報通信機器 version of their own (対面, 情報通信機器), s_ALL20240531: B000 注5,
/// B001 5 注, B001 6 注 (令和6年度改定).
pub const TELEMEDICINE_VARIANTS: &[(&str, &str)] = &[
    ("113001810", "113034010"), // 特定疾患療養管理料（診療所）225 → 196
    ("113001910", "113034110"), // （100床未満の病院）147 → 128
    ("113002010", "113034210"), // （100床以上200床未満の病院）87 → 76
    ("113000910", "113034510"), // 皮膚科特定疾患指導管理料（１）250 → 218
    ("113002310", "113034610"), // 皮膚科特定疾患指導管理料（２）100 → 87
    ("113002850", "113029610"), // てんかん指導料 250 → 218
];

// A002 外来診療料 (一般病床200床以上の病院).
pub const OUTPATIENT_CLINIC_FEE: &str = "112011310"; // 外来診療料 76
                                                     // Its 注加算 have codes of their own (注加算コード group 1202 in s_ALL20240531), with the same
                                                     // points as 再診料's (A002 注7-9 word for word as A001 注4-6).
pub const CLINIC_FEE_INFANT: &str = "112006270"; // 乳幼児加算（外来診療料）38
pub const CLINIC_FEE_OUT_OF_HOURS: &str = "112006470"; // 時間外加算（外来診療料）（入院外）65
pub const CLINIC_FEE_HOLIDAY: &str = "112006570"; // 休日加算（外来診療料）（入院外）190
pub const CLINIC_FEE_LATE_NIGHT: &str = "112006670"; // 深夜加算（外来診療料）（入院外）420
pub const CLINIC_FEE_INFANT_OUT_OF_HOURS: &str = "112015170"; // 乳幼児時間外加算（外来診療料）135
pub const CLINIC_FEE_INFANT_HOLIDAY: &str = "112015270"; // 乳幼児休日加算（外来診療料）260
pub const CLINIC_FEE_INFANT_LATE_NIGHT: &str = "112015370"; // 乳幼児深夜加算（外来診療料）590
pub const CLINIC_FEE_SPECIAL_NIGHT: &str = "112006770"; // 時間外特例医療機関加算（外来診療料）180
pub const CLINIC_FEE_PEDIATRIC_NIGHT: &str = "112014470"; // 乳幼児夜間加算（小児科・外来診療料）135
pub const CLINIC_FEE_INFANT_SPECIAL_NIGHT: &str = "112015470"; // 乳幼児時間外特例医療機関加算（外来診療料）250
pub const CLINIC_FEE_MEDICAL_INFO_3: &str = "112709170"; // 医療情報取得加算３（外来診療料）2, to 2024-11-30
pub const CLINIC_FEE_MEDICAL_INFO_4: &str = "112709270"; // 医療情報取得加算４（外来診療料）1; from 2024-12-01 1

/// 医療ＤＸ推進体制整備加算（初診）by the 区分 registered, numbered as from 2025-04-01 (加算１–６),
/// per period: (from, codes of 加算１..=６). Before 2024-10-01 there was one 加算 (8点); from
/// 2024-10-01 three (11/10/8点: 111703470/111703570/111703370, s_20240906.csv); from
/// 2025-04-01 six (12/11/10/10/9/8点, s_20250307.csv), where 加算４–６ keep the codes of the
/// former 加算１–３. So a clinic registered under today's numbering prices an older visit with
/// the code that had the same requirements then (加算１/４ → the former 加算１ …).
pub const MEDICAL_DX_TIERS: &[(time::Date, [&str; 6])] = &[
    (time::macros::date!(2024 - 06 - 01), [INITIAL_MEDICAL_DX; 6]),
    (
        time::macros::date!(2024 - 10 - 01),
        [
            "111703470",
            "111703570",
            INITIAL_MEDICAL_DX,
            "111703470",
            "111703570",
            INITIAL_MEDICAL_DX,
        ],
    ),
    (
        time::macros::date!(2025 - 04 - 01),
        [
            "111703670",
            "111703770",
            "111703870",
            "111703470",
            "111703570",
            INITIAL_MEDICAL_DX,
        ],
    ),
];

/// Every 医療ＤＸ推進体制整備加算（初診）code of any period (for the 月1回 check).
pub const MEDICAL_DX_ALL: &[&str] = &[
    "111703370",
    "111703470",
    "111703570",
    "111703670",
    "111703770",
    "111703870",
];

/// The code of 医療ＤＸ推進体制整備加算 `tier` (1–6) on `date`; `None` before 2024-06-01.
pub fn medical_dx_code(date: time::Date, tier: u8) -> Option<&'static str> {
    let idx = usize::from(tier.clamp(1, 6) - 1);
    MEDICAL_DX_TIERS
        .iter()
        .rev()
        .find(|(from, _)| date >= *from)
        .map(|(_, codes)| codes[idx])
}

// O100 外来・在宅ベースアップ評価料(Ⅰ).
pub const BASE_UP_INITIAL: &str = "180725710"; // 初診時 6
pub const BASE_UP_REVISIT: &str = "180725810"; // 再診時等 2

// 第5部 投薬.
pub const DISPENSING_INTERNAL: &str = "120000710"; // 調剤料（内服薬・浸煎薬・屯服薬）11
pub const DISPENSING_EXTERNAL: &str = "120001010"; // 調剤料（外用薬）8
pub const PRESCRIBING: &str = "120001210"; // 処方料（その他）42
pub const PRESCRIBING_SEVEN: &str = "120002610"; // 処方料（７種類以上内服薬）29
pub const DISPENSING_BASIC: &str = "120001810"; // 調剤技術基本料（その他）14
pub const NARCOTIC_DISPENSING: &str = "120000110"; // 麻薬等加算（調剤料）（入院外）1
pub const NARCOTIC_PRESCRIBING: &str = "120001310"; // 麻薬等加算（処方料）1
pub const RX_SLIP: &str = "120002910"; // 処方箋料（リフィル以外・その他）60
pub const RX_SLIP_SEVEN: &str = "120002710"; // 処方箋料（リフィル以外・７種類以上内服薬）32
pub const GENERIC_NAME_1: &str = "120004270"; // 一般名処方加算１（処方箋料）10
pub const GENERIC_NAME_2: &str = "120003570"; // 一般名処方加算２（処方箋料）8
pub const SPECIFIC_DISEASE_RX: &str = "120005610"; // 特定疾患処方管理加算（処方料）56
pub const SPECIFIC_DISEASE_SLIP: &str = "120005710"; // 特定疾患処方管理加算（処方箋料）56

// 第3部 検査.
pub const URINE_GENERAL: &str = "160000310"; // 尿中一般物質定性半定量検査 26 (判断料なし)
pub const LAB_MANAGEMENT_1: &str = "160170170"; // 検体検査管理加算（１）40

/// 検査等実施判断グループ (項番51) → its 判断料 (項番50 = 2 rows of the master).
pub const JUDGMENT_FEES: &[(u8, &str)] = &[
    (1, "160061710"),  // 尿・糞便等検査判断料 34
    (2, "160061810"),  // 血液学的検査判断料 125
    (3, "160061910"),  // 生化学的検査（１）判断料 144
    (4, "160062010"),  // 生化学的検査（２）判断料 144
    (5, "160062110"),  // 免疫学的検査判断料 144
    (6, "160062210"),  // 微生物学的検査判断料 150
    (11, "160146910"), // 呼吸機能検査等判断料 140
    (14, "160147710"), // 神経・筋検査判断料 180
    (15, "160147910"), // ラジオアイソトープ検査判断料 110
    (16, "160199510"), // ロービジョン検査判断料 250
    (17, "160218110"), // 遺伝子関連・染色体検査判断料 100
];

/// The 判断料 groups that are 検体検査判断料 (D026), the ones 検体検査管理加算 attaches to.
pub const SPECIMEN_JUDGMENT_GROUPS: std::ops::RangeInclusive<u8> = 1..=6;

pub fn judgment_fee_for(group: u8) -> Option<&'static str> {
    JUDGMENT_FEES
        .iter()
        .find(|(g, _)| *g == group)
        .map(|(_, c)| *c)
}

/// 特定疾患療養管理料 (B000), all variants in the extract.
pub const SPECIFIC_DISEASE_MANAGEMENT: &[&str] = &[
    "113001810",
    "113001910",
    "113002010",
    "113034010",
    "113034110",
    "113034210",
];

/// 生活習慣病管理料(Ⅰ) (B001-3 1-3: 脂質異常症 610, 高血圧症 660, 糖尿病 760).
pub const LIFESTYLE_I: &[&str] = &["113041710", "113041810", "113041910"];
/// 生活習慣病管理料(Ⅱ) (B001-3-3: 333, 情報通信機器 290).
pub const LIFESTYLE_II: &[&str] = &["113707110", "113707210"];

/// Codes that the engine adds from the visit's facts (visit kind, time, facility, orders); a
/// clerk listing one of them as an item gets a warning, not a double charge.
pub const ENGINE_MANAGED: &[&str] = &[
    INITIAL,
    INITIAL_INFANT,
    INITIAL_OUT_OF_HOURS,
    INITIAL_HOLIDAY,
    INITIAL_LATE_NIGHT,
    INITIAL_INFANT_OUT_OF_HOURS,
    INITIAL_INFANT_HOLIDAY,
    INITIAL_INFANT_LATE_NIGHT,
    INITIAL_NIGHT_EARLY,
    REVISIT,
    REVISIT_INFANT,
    REVISIT_OUT_OF_HOURS,
    REVISIT_HOLIDAY,
    REVISIT_LATE_NIGHT,
    REVISIT_INFANT_OUT_OF_HOURS,
    REVISIT_INFANT_HOLIDAY,
    REVISIT_INFANT_LATE_NIGHT,
    REVISIT_NIGHT_EARLY,
    OUTPATIENT_CLINIC_FEE,
    INITIAL_TELEMEDICINE,
    REVISIT_TELEMEDICINE,
    CLINIC_FEE_TELEMEDICINE,
    INITIAL_SPECIAL_NIGHT,
    INITIAL_INFANT_SPECIAL_NIGHT,
    INITIAL_PEDIATRIC_NIGHT,
    REVISIT_PEDIATRIC_NIGHT,
    CLINIC_FEE_PEDIATRIC_NIGHT,
    INITIAL_MEDICAL_INFO_1,
    INITIAL_MEDICAL_INFO_2,
    REVISIT_SPECIAL_NIGHT,
    REVISIT_INFANT_SPECIAL_NIGHT,
    REVISIT_MEDICAL_INFO_3,
    REVISIT_MEDICAL_INFO_4,
    CLINIC_FEE_INFANT,
    CLINIC_FEE_OUT_OF_HOURS,
    CLINIC_FEE_HOLIDAY,
    CLINIC_FEE_LATE_NIGHT,
    CLINIC_FEE_INFANT_OUT_OF_HOURS,
    CLINIC_FEE_INFANT_HOLIDAY,
    CLINIC_FEE_INFANT_LATE_NIGHT,
    CLINIC_FEE_SPECIAL_NIGHT,
    CLINIC_FEE_INFANT_SPECIAL_NIGHT,
    CLINIC_FEE_MEDICAL_INFO_3,
    CLINIC_FEE_MEDICAL_INFO_4,
    NARCOTIC_DISPENSING,
    NARCOTIC_PRESCRIBING,
    DISPENSING_INTERNAL,
    DISPENSING_EXTERNAL,
    PRESCRIBING,
    PRESCRIBING_SEVEN,
    RX_SLIP,
    RX_SLIP_SEVEN,
    GENERIC_NAME_1,
    GENERIC_NAME_2,
    SPECIFIC_DISEASE_RX,
    SPECIFIC_DISEASE_SLIP,
];

/// Every code the rules may add or consult by themselves (besides the visit's own items): what a
/// caller loads from the 医科診療行為マスター, with the visit's codes, to price it without
/// loading the whole master (the browser does this).
pub fn engine_codes() -> Vec<&'static str> {
    // Those the engine consults or adds besides the ones it manages outright.
    let single = [
        FUNCTION_ENHANCEMENT,
        INITIAL_INFECTION_CONTROL,
        OUTPATIENT_MANAGEMENT,
        DETAILED_STATEMENT,
        REVISIT_INFECTION_CONTROL,
        BASE_UP_INITIAL,
        BASE_UP_REVISIT,
        DISPENSING_BASIC,
        URINE_GENERAL,
        LAB_MANAGEMENT_1,
    ];
    let mut all: Vec<&'static str> = single.to_vec();
    for list in [
        ENGINE_MANAGED,
        SPECIFIC_DISEASE_MANAGEMENT,
        LIFESTYLE_I,
        LIFESTYLE_II,
        MEDICAL_DX_ALL,
    ] {
        all.extend_from_slice(list);
    }
    all.extend(JUDGMENT_FEES.iter().map(|(_, code)| *code));
    all.extend(TELEMEDICINE_VARIANTS.iter().flat_map(|(a, b)| [*a, *b]));
    all.sort_unstable();
    all.dedup();
    all
}
